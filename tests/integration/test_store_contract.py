"""What every store promises (``bot/app/ports.py``), checked on each implementation.

One suite, parametrised over the stores: SQLite on a real file, PostgreSQL on a throw-away
server (``tests/postgres_server.py``; skipped, with the reason, where PostgreSQL is not
installed), and the in-memory fakes the unit tests use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from fakes import fake_stores

from bot.adapters.sqlite import open_stores
from bot.app.ports import Stores
from bot.domain.case import Audience, NewCase, Status
from bot.domain.relay import Direction, RelayState


async def _fake(_tmp: Path) -> Stores:
    return fake_stores()


async def _sqlite(tmp: Path) -> Stores:
    return await open_stores(tmp / "relais.sqlite3")


OPENERS: dict[str, Callable[[Path], Awaitable[Stores]]] = {
    "sqlite": _sqlite,
    "memory": _fake,
}
POSTGRES = "postgresql"

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
GROUP = -1001
OTHER_GROUP = -1002
PERSON = "person-key-a"


@pytest.fixture(params=[*sorted(OPENERS), POSTGRES])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    if request.param == POSTGRES:
        from bot.adapters.postgres import open_stores as open_postgres

        opened = await open_postgres(request.getfixturevalue("postgres_url"))
    else:
        opened = await OPENERS[request.param](tmp_path)
    yield opened
    await opened.close()


def new_case(person: str = PERSON, **changes: object) -> NewCase:
    values: dict[str, object] = {
        "alias": f"#{person[-4:].upper()}",
        "person_key": person,
        "chat_id": 7_123_456_789,
        "audience": Audience.PAIR_AIDANT,
        "urgent": False,
        "theme": "caf",
        "shown_entries": ("caf-rib",),
        "not_helpful": (),
        "group_chat_id": GROUP,
        "now": NOW,
        "announced": True,
    }
    values.update(changes)
    return NewCase(**values)  # type: ignore[arg-type]


async def opened(stores: Stores, person: str = PERSON, **changes: object) -> int:
    case_id = await stores.cases.add(new_case(person, **changes))
    assert case_id is not None
    return case_id


# --- counters -------------------------------------------------------------------------------


async def test_counters_are_summed_per_day_and_key(stores: Stores) -> None:
    await stores.counters.count("answer", "caf-rib", day="2026-11-20")
    await stores.counters.count("answer", "caf-rib", day="2026-11-20")
    await stores.counters.count("answer", "caf-rib", n=3, day="2026-11-21")
    await stores.counters.count("helpful", "caf-rib", day="2026-11-21")
    rows = await stores.counters.counters("2026-11-21", "2026-11-21", names=["answer"])
    assert [(r.day, r.name, r.key, r.value) for r in rows] == [
        ("2026-11-21", "answer", "caf-rib", 3)
    ]
    every = await stores.counters.counters()
    assert [(r.day, r.name, r.value) for r in every] == [
        ("2026-11-20", "answer", 2),
        ("2026-11-21", "answer", 3),
        ("2026-11-21", "helpful", 1),
    ]
    assert await stores.counters.total("answer", "caf-rib") == 5
    assert await stores.counters.total("nothing") == 0


# --- cases ----------------------------------------------------------------------------------


async def test_a_case_is_created_then_found_as_a_domain_entity(stores: Stores) -> None:
    case_id = await opened(stores)
    case = await stores.cases.get(case_id)
    assert case is not None
    assert case.status is Status.WAITING and case.audience is Audience.PAIR_AIDANT
    assert (case.person_key, case.group_chat_id, case.theme) == (PERSON, GROUP, "caf")
    assert case.shown_entries == ("caf-rib",) and case.not_helpful == ()
    assert case.opened_at == NOW and case.waiting_since == NOW and case.announced_at == NOW
    assert case.topic_id is None and case.owner_key is None and not case.rated
    assert await stores.cases.open_case_of(PERSON) == case
    assert await stores.cases.of_person(PERSON) == [case]
    assert await stores.cases.waiting() == [case]
    assert await stores.cases.alias_in_use(case.alias)
    assert await stores.cases.get(case_id + 100) is None


async def test_a_person_has_one_open_case_at_a_time(stores: Stores) -> None:
    first = await opened(stores)
    assert await stores.cases.add(new_case()) is None
    assert await stores.cases.close(first, NOW)
    second = await opened(stores)
    assert second != first
    assert [c.id for c in await stores.cases.of_person(PERSON)] == [first, second]
    assert not await stores.cases.alias_in_use("#NONE")


async def test_a_case_is_claimed_once_and_only_by_its_audience(stores: Stores) -> None:
    urgent = await opened(stores, "person-key-b", audience=Audience.REFERENT, urgent=True)
    assert not await stores.cases.claim(urgent, "sam", NOW, [Audience.PAIR_AIDANT])
    case_id = await opened(stores)
    assert await stores.cases.claim(case_id, "sam", NOW, [Audience.PAIR_AIDANT])
    assert not await stores.cases.claim(case_id, "nadia", NOW, list(Audience))
    case = await stores.cases.get(case_id)
    assert case is not None and case.status is Status.OWNED and case.owner_key == "sam"
    assert case.claimed_at == NOW


async def test_a_requeued_case_keeps_its_topic_only_in_the_same_group(stores: Stores) -> None:
    case_id = await opened(stores)
    await stores.cases.set_topic(case_id, 42, 4200)
    await stores.cases.claim(case_id, "sam", NOW, [Audience.PAIR_AIDANT])
    later = NOW + dt.timedelta(minutes=5)
    assert not await stores.cases.requeue(
        case_id, later, audience=Audience.PAIR_AIDANT, group_chat_id=GROUP, announced=True,
        owner_key="lea",
    )  # fmt: skip
    assert await stores.cases.requeue(
        case_id, later, audience=Audience.PAIR_AIDANT, group_chat_id=GROUP, announced=False,
        owner_key="sam",
    )  # fmt: skip
    case = await stores.cases.get(case_id)
    assert case is not None and case.status is Status.WAITING and case.owner_key is None
    assert (case.topic_id, case.card_message_id, case.waiting_since) == (42, 4200, later)
    assert case.announced_at is None
    assert await stores.cases.requeue(
        case_id, later, audience=Audience.REFERENT, group_chat_id=OTHER_GROUP, announced=True,
        urgent=True,
    )  # fmt: skip
    case = await stores.cases.get(case_id)
    assert case is not None and case.audience is Audience.REFERENT and case.urgent
    assert (case.group_chat_id, case.topic_id, case.card_message_id) == (OTHER_GROUP, None, None)


async def test_topics_are_found_forgotten_and_moved(stores: Stores) -> None:
    case_id = await opened(stores)
    assert await stores.cases.set_topic(case_id, 42, None)
    found = await stores.cases.at_topic(GROUP, 42)
    assert found is not None and found.id == case_id
    assert await stores.cases.forget_topic(case_id)
    assert not await stores.cases.forget_topic(case_id)
    assert await stores.cases.at_topic(GROUP, 42) is None
    await stores.cases.set_topic(case_id, 43, 4300)
    assert await stores.cases.move(case_id, OTHER_GROUP)
    case = await stores.cases.get(case_id)
    assert case is not None and (case.group_chat_id, case.topic_id) == (OTHER_GROUP, None)
    assert case.audience is Audience.PAIR_AIDANT
    # Widened to the référents' group: the case is theirs now.
    assert await stores.cases.move(case_id, GROUP, audience=Audience.REFERENT)
    case = await stores.cases.get(case_id)
    assert case is not None and (case.group_chat_id, case.audience) == (GROUP, Audience.REFERENT)


async def test_transfer_consent_is_asked_and_taken_once(stores: Stores) -> None:
    case_id = await opened(stores)
    await stores.cases.claim(case_id, "sam", NOW, [Audience.PAIR_AIDANT])
    assert not await stores.cases.ask_transfer(case_id, "lea")
    assert await stores.cases.ask_transfer(case_id, "sam")
    assert not await stores.cases.ask_transfer(case_id, "sam")
    assert await stores.cases.take_transfer_answer(case_id) == "sam"
    assert await stores.cases.take_transfer_answer(case_id) is None


async def test_urgency_reminders_and_rating(stores: Stores) -> None:
    case_id = await opened(stores)
    assert await stores.cases.set_urgent(case_id)
    case = await stores.cases.get(case_id)
    assert case is not None and case.urgent and case.audience is Audience.REFERENT
    later = NOW + dt.timedelta(minutes=10)
    assert await stores.cases.mark_announced(case_id, later)
    assert await stores.cases.advance_reminder(case_id, 0)
    assert not await stores.cases.advance_reminder(case_id, 0)
    case = await stores.cases.get(case_id)
    assert case is not None and case.reminder_stage == 1 and case.announced_at == later
    assert not await stores.cases.mark_rated(case_id, PERSON)  # still open
    await stores.cases.close(case_id, later)
    assert not await stores.cases.mark_rated(case_id, "someone-else")
    assert await stores.cases.mark_rated(case_id, PERSON)
    assert not await stores.cases.mark_rated(case_id, PERSON)


async def test_closing_drops_the_chat_id_once_nothing_is_left_to_relay(stores: Stores) -> None:
    quiet = await opened(stores)
    assert await stores.cases.close(quiet, NOW)
    assert not await stores.cases.close(quiet, NOW)
    case = await stores.cases.get(quiet)
    assert case is not None and case.status is Status.CLOSED and case.chat_id is None
    assert case.closed_at == NOW

    busy = await opened(stores, "person-key-b")
    relay = await stores.relays.enqueue(busy, Direction.TO_PERSON, 10, NOW)
    assert relay is not None
    assert not await stores.cases.close(busy, NOW, owner_key="nobody")
    assert await stores.cases.close(busy, NOW)
    case = await stores.cases.get(busy)
    assert case is not None and case.chat_id is not None  # a relay still needs it
    assert await stores.relays.settle(relay, RelayState.SENT)
    case = await stores.cases.get(busy)
    assert case is not None and case.chat_id is None


# --- the outbox -----------------------------------------------------------------------------


async def test_a_message_is_queued_once_and_pending_in_order(stores: Stores) -> None:
    case_id = await opened(stores)
    await stores.cases.set_topic(case_id, 42, None)
    first = await stores.relays.enqueue(case_id, Direction.TO_TOPIC, 10, NOW)
    second = await stores.relays.enqueue(case_id, Direction.TO_PERSON, 11, NOW)
    assert first is not None and second is not None
    assert await stores.relays.enqueue(case_id, Direction.TO_TOPIC, 10, NOW) is None
    pending = await stores.relays.pending()
    assert [(r.id, r.direction, r.status) for r in pending] == [
        (first, Direction.TO_TOPIC, RelayState.QUEUED),
        (second, Direction.TO_PERSON, RelayState.QUEUED),
    ]
    item = pending[0]
    assert (item.case_id, item.source_message_id, item.group_chat_id, item.topic_id) == (
        case_id,
        10,
        GROUP,
        42,
    )
    assert item.person_chat_id == 7_123_456_789 and item.case_status is Status.WAITING
    assert item.not_before == NOW and item.attempts == 0 and item.last_attempt_at is None
    assert await stores.relays.count_for(case_id) == 2
    assert [r.id for r in await stores.relays.pending(case_id + 1)] == []


async def test_a_leased_relay_counts_an_attempt_and_is_retried_or_settled(stores: Stores) -> None:
    case_id = await opened(stores)
    relay = await stores.relays.enqueue(case_id, Direction.TO_TOPIC, 10, NOW)
    assert relay is not None
    await stores.relays.start([relay], NOW)
    item = await stores.relays.get(relay)
    assert item is not None and item.status is RelayState.SENDING and item.attempts == 1
    assert item.last_attempt_at == NOW
    assert await stores.relays.attempts_since(NOW - dt.timedelta(minutes=1)) == [(GROUP, NOW)]
    assert await stores.relays.attempts_since(NOW + dt.timedelta(seconds=1)) == []

    later = NOW + dt.timedelta(seconds=5)
    assert await stores.relays.retry(relay, later)
    item = await stores.relays.get(relay)
    assert item is not None and item.status is RelayState.QUEUED
    assert (item.not_before, item.attempts) == (later, 1)
    await stores.relays.start([relay], later)
    assert await stores.relays.retry(relay, later, count_attempt=False)
    item = await stores.relays.get(relay)
    assert item is not None and item.attempts == 1  # this attempt does not count

    assert await stores.relays.settle(relay, RelayState.SENT)
    assert not await stores.relays.settle(relay, RelayState.FAILED)
    assert not await stores.relays.retry(relay, later)
    assert await stores.relays.pending() == []
    item = await stores.relays.get(relay)
    assert item is not None and item.status is RelayState.SENT


async def test_a_blocked_person_fails_every_pending_relay(stores: Stores) -> None:
    case_id = await opened(stores)
    for message in (10, 11, 12):
        await stores.relays.enqueue(case_id, Direction.TO_PERSON, message, NOW)
    await stores.cases.close(case_id, NOW)
    assert await stores.relays.fail_pending(case_id) == 3
    assert await stores.relays.pending() == []
    case = await stores.cases.get(case_id)
    assert case is not None and case.chat_id is None


# --- erasure and retention ------------------------------------------------------------------


async def test_erasing_a_person_deletes_their_cases_and_relays_only(stores: Stores) -> None:
    mine = await opened(stores)
    await stores.relays.enqueue(mine, Direction.TO_TOPIC, 10, NOW)
    theirs = await opened(stores, "person-key-b")
    await stores.relays.enqueue(theirs, Direction.TO_TOPIC, 10, NOW)
    erased = await stores.cases.delete_of_person(PERSON)
    assert [c.id for c in erased] == [mine]
    assert await stores.cases.of_person(PERSON) == []
    assert await stores.cases.get(mine) is None
    assert [r.case_id for r in await stores.relays.pending()] == [theirs]
    assert await stores.relays.count_for(mine) == 0
    assert await stores.cases.delete_of_person(PERSON) == []


async def test_retention_erases_cases_closed_before_the_limit(stores: Stores) -> None:
    old = await opened(stores)
    await stores.relays.enqueue(old, Direction.TO_TOPIC, 10, NOW)
    await stores.relays.enqueue(old, Direction.TO_TOPIC, 11, NOW)
    await stores.cases.close(old, NOW)
    recent = await opened(stores, "person-key-b")
    await stores.cases.close(recent, NOW + dt.timedelta(days=20))
    still_open = await opened(stores, "person-key-c")
    limit = NOW + dt.timedelta(days=10)
    purged, relays = await stores.cases.purge_closed(limit)
    assert [c.id for c in purged] == [old] and relays == 2
    assert await stores.cases.get(old) is None
    assert await stores.cases.get(recent) is not None
    assert await stores.cases.get(still_open) is not None
    assert await stores.cases.purge_closed(limit) == ([], 0)


async def test_a_closed_case_whose_relays_settled_forgets_its_chat_id(stores: Stores) -> None:
    case_id = await opened(stores)
    relay = await stores.relays.enqueue(case_id, Direction.TO_PERSON, 10, NOW)
    await stores.cases.close(case_id, NOW)
    assert await stores.cases.release_closed_chat_ids() == 0
    assert relay is not None
    await stores.relays.start([relay], NOW)
    await stores.relays.retry(relay, NOW)
    assert await stores.cases.release_closed_chat_ids() == 0
    await stores.relays.settle(relay, RelayState.FAILED)
    assert await stores.cases.release_closed_chat_ids() == 0  # settle did it already
    case = await stores.cases.get(case_id)
    assert case is not None and case.chat_id is None


# --- charter, missed questions, notice --------------------------------------------------


async def test_charter_acceptances_are_kept_per_helper(stores: Stores) -> None:
    await stores.charters.accept("sam", "v1", NOW)
    await stores.charters.accept("sam", "v2", NOW + dt.timedelta(days=1))
    await stores.charters.accept("lea", "v1", NOW)
    assert await stores.charters.acceptance("sam") == ("v2", NOW + dt.timedelta(days=1))
    assert await stores.charters.acceptance("nobody") is None
    assert await stores.charters.forget_except(["sam"]) == 1
    assert await stores.charters.acceptance("lea") is None
    assert await stores.charters.acceptance("sam") is not None


async def test_missed_questions_merge_per_day_and_are_purged(stores: Stores) -> None:
    await stores.missed.keep("2026-11-20", "rib ?")
    await stores.missed.keep("2026-11-21", "rib ?")
    await stores.missed.keep("2026-11-21", "rib ?")
    await stores.missed.keep("2026-11-21", "apl ?")
    assert await stores.missed.since("2026-11-21") == [
        ("2026-11-21", "apl ?", 1),
        ("2026-11-21", "rib ?", 2),
    ]
    assert await stores.missed.purge("2026-11-21") == 1
    assert [day for day, _q, _n in await stores.missed.since("2000-01-01")] == [
        "2026-11-21",
        "2026-11-21",
    ]


async def test_one_notice_at_a_time(stores: Stores) -> None:
    assert await stores.notices.current() is None
    assert not await stores.notices.clear()
    await stores.notices.set("Fermé lundi.", dt.date(2026, 11, 30), NOW)
    await stores.notices.set("Fermé mardi.", dt.date(2026, 12, 1), NOW)
    assert await stores.notices.current() == ("Fermé mardi.", dt.date(2026, 12, 1))
    assert await stores.notices.clear()
    assert await stores.notices.current() is None


# --- the unit of work -----------------------------------------------------------------------


async def test_a_unit_of_work_saves_its_writes_together_on_commit(stores: Stores) -> None:
    async with stores.unit_of_work() as uow:
        case_id = await opened(stores)
        await stores.relays.enqueue(case_id, Direction.TO_TOPIC, 10, NOW)
        await uow.commit()
    assert await stores.cases.get(case_id) is not None
    assert len(await stores.relays.pending()) == 1


async def test_a_unit_of_work_without_commit_saves_nothing(stores: Stores) -> None:
    kept = await opened(stores, "person-key-b")
    async with stores.unit_of_work():
        case_id = await opened(stores)
        await stores.cases.close(kept, NOW)
    assert await stores.cases.get(case_id) is None
    case = await stores.cases.get(kept)
    assert case is not None and case.status is Status.WAITING


async def test_a_unit_of_work_rolls_back_on_error(stores: Stores) -> None:
    with pytest.raises(RuntimeError):
        async with stores.unit_of_work() as uow:
            await opened(stores)
            raise RuntimeError("the use case failed halfway")
            await uow.commit()  # never reached
    assert await stores.cases.open_case_of(PERSON) is None
    await opened(stores)  # and the store works on afterwards
    assert await stores.cases.open_case_of(PERSON) is not None


async def test_a_refused_duplicate_inside_a_unit_keeps_the_other_writes(stores: Stores) -> None:
    await opened(stores)
    async with stores.unit_of_work() as uow:
        assert await stores.cases.add(new_case()) is None
        await stores.counters.count("handoff-refused", day="2026-11-23")
        await uow.commit()
    assert await stores.counters.total("handoff-refused") == 1
