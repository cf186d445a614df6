"""The handoff's outbox state (bot/app/outbox.py), over the in-memory ports: a copy to a person
that a dead process may have made is handed out once, without the person's chat id, and the
state says to /mesdonnees that it holds nothing about anybody."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fakes import fake_stores
from test_handoff_support import ONE_GROUP, PERSON_CHAT, load_test_staff

from bot.app.memory import MemoryRegistry
from bot.app.outbox import Outbox
from bot.domain.case import Audience, NewCase
from bot.domain.effects import CopyToPerson
from bot.domain.relay import TO_PERSON

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


async def test_a_copy_maybe_made_by_a_dead_process_is_handed_out_once_without_chat_id(
    tmp_path: Path,
) -> None:
    stores = fake_stores()
    staff = load_test_staff(tmp_path)
    case_id = await stores.cases.add(
        NewCase(
            alias="#A7F3",
            person_key="lea",
            chat_id=PERSON_CHAT,
            audience=Audience.PAIR_AIDANT,
            urgent=False,
            theme="caf",
            shown_entries=(),
            not_helpful=(),
            group_chat_id=ONE_GROUP,
            now=T0,
            announced=True,
        )
    )
    assert case_id is not None
    relay_id = await stores.relays.enqueue(case_id, TO_PERSON, 55, T0)
    assert relay_id is not None
    await stores.relays.start([relay_id], T0)  # taken by a process that then died

    outbox = Outbox(stores.relays, staff, lambda: T0 + dt.timedelta(minutes=1))
    assert await outbox.deliveries(None) == []  # never sent twice to a person
    [maybe] = outbox.take_uncertain()
    assert (maybe.id, maybe.case_id, maybe.person_chat_id) == (relay_id, case_id, None)
    assert outbox.take_uncertain() == []

    memory = MemoryRegistry()
    memory.register(outbox)
    assert memory.holds("lea") == []
    memory.forget("lea")


async def test_a_queued_copy_to_the_person_is_delivered_once(tmp_path: Path) -> None:
    stores = fake_stores()
    staff = load_test_staff(tmp_path)
    case_id = await stores.cases.add(
        NewCase(
            alias="#A7F3",
            person_key="lea",
            chat_id=PERSON_CHAT,
            audience=Audience.PAIR_AIDANT,
            urgent=False,
            theme="caf",
            shown_entries=(),
            not_helpful=(),
            group_chat_id=ONE_GROUP,
            now=T0,
            announced=True,
        )
    )
    assert case_id is not None
    relay_id = await stores.relays.enqueue(case_id, TO_PERSON, 56, T0)
    outbox = Outbox(stores.relays, staff, lambda: T0)
    [copy] = await outbox.deliveries(case_id, direction=TO_PERSON)
    assert copy == CopyToPerson(
        outbox_id=relay_id,
        case_id=case_id,
        from_chat_id=ONE_GROUP,
        message_id=56,
        chat_id=PERSON_CHAT,
    )
    assert await outbox.deliveries(case_id) == []  # in flight: not planned again
