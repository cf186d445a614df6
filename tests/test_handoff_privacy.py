"""Privacy of the handoff (issue 7): erase on request, say what is kept, purge, leave no trace."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from test_handoff_support import (
    MONDAY_10H,
    NADIA,
    ONE_GROUP,
    ONE_GROUP_YAML,
    OTHER_CHAT,
    PERSON_CHAT,
    SAM,
    Env,
    one,
    only,
    person,
    request,
)

from bot.domain.effects import (
    CopyToCaseThread,
    CopyToPerson,
    DeleteCaseThread,
    NoCase,
    OpenCaseThread,
    PostToTeam,
)
from bot.domain.pseudonym import user_key
from bot.texts import handoff as t


@pytest.fixture
async def env(tmp_path: Path):
    env = await Env.open(tmp_path)
    yield env
    await env.close()


def all_values(db_path: Path) -> list[object]:
    """Every value of every row of every table, read with a separate connection."""
    with sqlite3.connect(db_path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [
            value
            for table in tables
            for row in db.execute(f"SELECT * FROM {table}")
            for value in row
        ]


async def test_forget_person_erases_every_case_and_the_topics(env: Env):
    closed = await env.claimed_case()
    await env.service.close_by_helper(SAM, closed)
    open_now = await env.claimed_case()
    copy = await env.service.person_message(person(), 4)
    assert isinstance(copy, list) and only(copy, CopyToCaseThread)
    other = await env.open_case(OTHER_CHAT)
    topics = {
        case_id: (await env.stores.cases.get(case_id)).topic_id  # type: ignore[union-attr]
        for case_id in (closed, open_now)
    }
    actions = await env.service.forget_person(person())
    note = one(actions, PostToTeam)
    assert note.chat_id == ONE_GROUP and note.text.startswith("🗑️ Le cas #")
    assert {(a.chat_id, a.topic_id) for a in only(actions, DeleteCaseThread)} == {
        (ONE_GROUP, topics[closed]),
        (ONE_GROUP, topics[open_now]),
    }
    assert await env.service.what_is_kept(person()) == []
    assert await env.stores.cases.of_person(person()) == []
    assert isinstance(await env.service.person_message(person(), 5), NoCase)
    assert [r.case_id for r in await env.stores.relays.pending()] == []
    assert await env.stores.cases.get(other) is not None  # nobody else is touched
    assert await env.service.forget_person(person()) == []


async def test_what_is_kept_is_said_in_plain_french(env: Env):
    assert await env.service.what_is_kept(person()) == []
    case_id = await env.claimed_case()
    sent = await env.service.person_message(person(), 4)
    assert isinstance(sent, list)
    await env.service.outbox_sent(one(sent, CopyToCaseThread).outbox_id)
    lines = await env.service.what_is_kept(person())
    alias = (await env.stores.cases.get(case_id)).alias  # type: ignore[union-attr]
    assert lines == [
        f"Une demande d'aide ({alias}, thème : caf), ouverte le lundi 23 novembre 2026, en cours.",
        t.KEPT_CHAT_ID,
        t.KEPT_SHOWN.format(count=1),
        t.KEPT_RELAYS.format(count=1),
        t.KEPT_NEVER,
    ]
    env.clock.advance(days=1)
    await env.service.close_by_helper(SAM, case_id)
    lines = await env.service.what_is_kept(person())
    assert lines[0] == (
        f"Une demande d'aide terminée ({alias}, thème : caf), du lundi 23 novembre 2026 au "
        "mardi 24 novembre 2026. Elle sera effacée le jeudi 24 décembre 2026."
    )
    assert t.KEPT_CHAT_ID not in lines


async def test_purge_removes_closed_cases_at_n_days_and_nothing_before(env: Env):
    first = await env.claimed_case()
    await env.service.person_message(person(), 1)
    await env.service.close_by_helper(SAM, first)
    first_topic = (await env.stores.cases.get(first)).topic_id  # type: ignore[union-attr]
    env.clock.advance(days=10)
    second = await env.claimed_case()
    await env.service.close_by_helper(SAM, second)
    still_open = await env.open_case(OTHER_CHAT)  # open for 40 days: never purged
    closed_at = MONDAY_10H

    nothing = await env.service.purge_closed(30, closed_at + dt.timedelta(days=30))
    assert (nothing.cases, nothing.relays, nothing.actions) == (0, 0, ())
    purged = await env.service.purge_closed(30, closed_at + dt.timedelta(days=30, seconds=1))
    assert (purged.cases, purged.relays) == (1, 1)
    assert purged.actions == (DeleteCaseThread(ONE_GROUP, first_topic),)  # type: ignore[arg-type]
    again = await env.service.purge_closed(30, closed_at + dt.timedelta(days=30, seconds=1))
    assert again.cases == 0 and again.actions == ()
    assert await env.stores.cases.get(first) is None
    assert await env.stores.cases.get(second) is not None
    later = await env.service.purge_closed(now=closed_at + dt.timedelta(days=41))
    assert later.cases == 1
    assert await env.stores.cases.get(still_open) is not None
    assert await env.stores.counters.total("handoff-opened", "pair-aidant") == 3  # counters stay


async def test_no_clear_telegram_id_in_any_table_once_closed(env: Env):
    case_id = await env.claimed_case()
    for n in range(3):
        sent = await env.service.person_message(person(), n)
        for item in sent if isinstance(sent, list) else []:
            await env.service.outbox_sent(item.outbox_id)  # type: ignore[union-attr]
    back = await env.service.staff_message(SAM, case_id, 50, "Bonjour")
    await env.service.outbox_sent(one(back, CopyToPerson).outbox_id)
    values = all_values(env.db_path)
    assert PERSON_CHAT in values  # while open: the one thing needed to relay
    assert SAM not in values and NADIA not in values
    await env.service.close_by_helper(SAM, case_id)
    values = all_values(env.db_path)
    assert PERSON_CHAT not in values and str(PERSON_CHAT) not in map(str, values)
    assert person() in values  # the pseudonym, until the purge


async def test_charter_acceptances_of_former_helpers_are_dropped(env: Env):
    await env.stores.charters.accept(user_key("x" * 32, 1), "v", MONDAY_10H)
    assert await env.service.forget_former_helpers() == 1
    assert await env.stores.charters.acceptance(user_key("x" * 32, 1)) is None


CANARY = "CANARI-7f3e9b"
NADIA_BIG_ID = 5_550_001_234  # big enough to be stored on 6 bytes if it ever were


def _forbidden_bytes(number: int) -> list[bytes]:
    return [str(number).encode(), number.to_bytes(6, "big"), number.to_bytes(8, "big")]


def _disk(db_path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(str(db_path) + suffix)
        if path.exists():
            data += path.read_bytes()
    return data


async def test_canary_no_text_and_no_telegram_id_reaches_the_disk(tmp_path: Path):
    staff = ONE_GROUP_YAML.replace(f"telegram_id: {NADIA}", f"telegram_id: {NADIA_BIG_ID}")
    env = await Env.open(tmp_path, staff)
    try:
        service = env.service
        req = request(question=f"{CANARY} question", theme="caf")
        assert CANARY in service.build_preview(req)
        actions = await service.open_case(req, PERSON_CHAT)
        assert CANARY in one(actions, OpenCaseThread).card
        await env.create_topics(actions)
        case_id = one(actions, OpenCaseThread).case_id
        await service.claim(NADIA_BIG_ID, case_id)
        for n in range(5):
            sent = await service.person_message(person(), 100 + n)
            for item in sent if isinstance(sent, list) else []:
                await service.outbox_sent(item.outbox_id)  # type: ignore[union-attr]
            await service.staff_message(NADIA_BIG_ID, case_id, 200 + n, f"! {CANARY} note")
            back = await service.staff_message(NADIA_BIG_ID, case_id, 300 + n, f"{CANARY} réponse")
            await service.outbox_sent(one(back, CopyToPerson).outbox_id)
            disk = _disk(env.db_path)
            assert CANARY.encode() not in disk
            assert not any(b in disk for b in _forbidden_bytes(NADIA_BIG_ID))
        # The search works: while the case is open, the chat id is on disk (6 bytes).
        assert PERSON_CHAT.to_bytes(6, "big") in _disk(env.db_path)
        await service.request_transfer(NADIA_BIG_ID, case_id)
        await service.refuse_transfer(person(), case_id)
        await service.close_by_helper(NADIA_BIG_ID, case_id)
        disk = _disk(env.db_path)
        assert CANARY.encode() not in disk
        for number in (PERSON_CHAT, NADIA_BIG_ID):
            assert not any(b in disk for b in _forbidden_bytes(number)), number
    finally:
        await env.close()
    disk = _disk(env.db_path)
    assert CANARY.encode() not in disk
    assert not any(b in disk for b in _forbidden_bytes(PERSON_CHAT))
