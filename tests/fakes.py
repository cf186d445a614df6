"""In-memory implementations of every port of ``bot/app/ports.py``.

They keep the promises the SQLite store keeps (``tests/integration/test_store_contract.py``
runs the same suite against both), so use cases can be tested with plain values and no file.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.app.ports import CounterRow, StoreError, Stores
from bot.domain.case import Audience, Case, NewCase, Status
from bot.domain.relay import Direction, OutboxItem, RelayState

_UNSETTLED = (RelayState.QUEUED, RelayState.SENDING)


@dataclass
class _Relay:
    id: int
    case_id: int
    direction: Direction
    source_message_id: int
    status: RelayState
    attempts: int
    not_before: dt.datetime
    last_attempt_at: dt.datetime | None


@dataclass
class Memory:
    """Everything the fake stores hold: one object, so a unit of work can snapshot it."""

    counters: dict[tuple[str, str, str], int] = field(default_factory=dict)
    cases: dict[int, Case] = field(default_factory=dict)
    relays: dict[int, _Relay] = field(default_factory=dict)
    charters: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)
    missed: dict[tuple[str, str], int] = field(default_factory=dict)
    notice: tuple[str, dt.date] | None = None
    next_case: int = 1
    next_relay: int = 1


class FakeCounterStore:
    def __init__(self, memory: Memory) -> None:
        self.m = memory

    async def count(self, name: str, key: str = "", n: int = 1, *, day: str | None = None) -> None:
        day = day or dt.datetime.now(dt.UTC).date().isoformat()
        slot = (day, str(name), key)
        self.m.counters[slot] = self.m.counters.get(slot, 0) + n

    async def counters(
        self, since: str = "0000-00-00", until: str = "9999-99-99", names: Sequence[str] = ()
    ) -> list[CounterRow]:
        wanted = {str(n) for n in names}
        return [
            CounterRow(day, name, key, value)
            for (day, name, key), value in sorted(self.m.counters.items())
            if since <= day <= until and (not wanted or name in wanted)
        ]

    async def total(self, name: str, key: str = "") -> int:
        return sum(v for (_d, n, k), v in self.m.counters.items() if n == str(name) and k == key)


class FakeCaseStore:
    def __init__(self, memory: Memory) -> None:
        self.m = memory

    def _open(self, case: Case) -> bool:
        return case.status is not Status.CLOSED

    def _update(self, case_id: int, **changes: object) -> None:
        self.m.cases[case_id] = dataclasses.replace(self.m.cases[case_id], **changes)  # type: ignore[arg-type]

    def _unsettled(self, case_id: int) -> bool:
        return any(r.case_id == case_id and r.status in _UNSETTLED for r in self.m.relays.values())

    async def add(self, case: NewCase) -> int | None:
        if any(c.person_key == case.person_key and self._open(c) for c in self.m.cases.values()):
            return None
        case_id = self.m.next_case
        self.m.next_case += 1
        self.m.cases[case_id] = Case(
            id=case_id,
            alias=case.alias,
            person_key=case.person_key,
            chat_id=case.chat_id,
            status=Status.WAITING,
            audience=Audience(case.audience),
            urgent=case.urgent,
            theme=case.theme,
            shown_entries=tuple(case.shown_entries),
            not_helpful=tuple(case.not_helpful),
            owner_key=None,
            group_chat_id=case.group_chat_id,
            topic_id=None,
            card_message_id=None,
            transfer_asked=False,
            opened_at=case.now,
            waiting_since=case.now,
            announced_at=case.now if case.announced else None,
            reminder_stage=0,
            claimed_at=None,
            closed_at=None,
            rated=False,
        )
        return case_id

    async def get(self, case_id: int) -> Case | None:
        return self.m.cases.get(case_id)

    async def open_case_of(self, person_key: str) -> Case | None:
        return next(
            (c for c in self.m.cases.values() if c.person_key == person_key and self._open(c)),
            None,
        )

    async def at_topic(self, chat_id: int, topic_id: int) -> Case | None:
        found = [
            c
            for c in self.m.cases.values()
            if c.group_chat_id == chat_id and c.topic_id == topic_id
        ]
        return max(found, key=lambda c: c.id) if found else None

    async def of_person(self, person_key: str) -> list[Case]:
        return sorted(
            (c for c in self.m.cases.values() if c.person_key == person_key), key=lambda c: c.id
        )

    async def waiting(self) -> list[Case]:
        return sorted(
            (c for c in self.m.cases.values() if c.status is Status.WAITING), key=lambda c: c.id
        )

    async def alias_in_use(self, alias: str) -> bool:
        return any(c.alias == alias and self._open(c) for c in self.m.cases.values())

    async def claim(
        self, case_id: int, owner_key: str, now: dt.datetime, audiences: Sequence[Audience]
    ) -> bool:
        case = self.m.cases.get(case_id)
        if case is None or case.status is not Status.WAITING:
            return False
        if str(case.audience) not in {str(a) for a in audiences}:
            return False
        self._update(
            case_id, status=Status.OWNED, owner_key=owner_key, claimed_at=now, transfer_asked=False
        )
        return True

    async def requeue(
        self,
        case_id: int,
        now: dt.datetime,
        *,
        audience: Audience,
        group_chat_id: int,
        announced: bool,
        owner_key: str | None = None,
        urgent: bool | None = None,
    ) -> bool:
        case = self.m.cases.get(case_id)
        if case is None:
            return False
        if owner_key is None and case.status is not Status.WAITING:
            return False
        if owner_key is not None and (
            case.status is not Status.OWNED or case.owner_key != owner_key
        ):
            return False
        same = case.group_chat_id == group_chat_id
        self._update(
            case_id,
            status=Status.WAITING,
            owner_key=None,
            claimed_at=None,
            transfer_asked=False,
            audience=Audience(audience),
            urgent=case.urgent if urgent is None else urgent,
            waiting_since=now,
            announced_at=now if announced else None,
            reminder_stage=0,
            group_chat_id=group_chat_id,
            topic_id=case.topic_id if same else None,
            card_message_id=case.card_message_id if same else None,
        )
        return True

    async def move(
        self, case_id: int, group_chat_id: int, *, audience: Audience | None = None
    ) -> bool:
        case = self.m.cases.get(case_id)
        if case is None or not self._open(case):
            return False
        self._update(
            case_id,
            group_chat_id=group_chat_id,
            audience=case.audience if audience is None else audience,
            topic_id=None,
            card_message_id=None,
        )
        return True

    async def set_urgent(self, case_id: int) -> bool:
        case = self.m.cases.get(case_id)
        if case is None or not self._open(case):
            return False
        self._update(case_id, urgent=True, audience=Audience.REFERENT)
        return True

    async def ask_transfer(self, case_id: int, owner_key: str) -> bool:
        case = self.m.cases.get(case_id)
        if case is None or case.status is not Status.OWNED or case.owner_key != owner_key:
            return False
        if case.transfer_asked:
            return False
        self._update(case_id, transfer_asked=True)
        return True

    async def take_transfer_answer(self, case_id: int) -> str | None:
        case = self.m.cases.get(case_id)
        if case is None or case.status is not Status.OWNED or not case.transfer_asked:
            return None
        self._update(case_id, transfer_asked=False)
        return case.owner_key

    async def close(self, case_id: int, now: dt.datetime, *, owner_key: str | None = None) -> bool:
        case = self.m.cases.get(case_id)
        if case is None or not self._open(case):
            return False
        if owner_key is not None and case.owner_key != owner_key:
            return False
        self._update(
            case_id,
            status=Status.CLOSED,
            closed_at=now,
            transfer_asked=False,
            chat_id=case.chat_id if self._unsettled(case_id) else None,
        )
        return True

    async def set_topic(self, case_id: int, topic_id: int, card_message_id: int | None) -> bool:
        if case_id not in self.m.cases:
            return False
        self._update(case_id, topic_id=topic_id, card_message_id=card_message_id)
        return True

    async def forget_topic(self, case_id: int) -> bool:
        case = self.m.cases.get(case_id)
        if case is None or case.topic_id is None:
            return False
        self._update(case_id, topic_id=None, card_message_id=None)
        return True

    async def mark_announced(self, case_id: int, now: dt.datetime) -> bool:
        case = self.m.cases.get(case_id)
        if case is None or case.status is not Status.WAITING:
            return False
        self._update(case_id, announced_at=now, reminder_stage=0)
        return True

    async def advance_reminder(self, case_id: int, stage: int) -> bool:
        case = self.m.cases.get(case_id)
        if case is None or case.status is not Status.WAITING or case.reminder_stage != stage:
            return False
        self._update(case_id, reminder_stage=stage + 1)
        return True

    async def mark_rated(self, case_id: int, person_key: str) -> bool:
        case = self.m.cases.get(case_id)
        if case is None or case.person_key != person_key or case.status is not Status.CLOSED:
            return False
        if case.rated:
            return False
        self._update(case_id, rated=True)
        return True

    async def release_closed_chat_ids(self) -> int:
        released = [
            c.id
            for c in self.m.cases.values()
            if c.status is Status.CLOSED and c.chat_id is not None and not self._unsettled(c.id)
        ]
        for case_id in released:
            self._update(case_id, chat_id=None)
        return len(released)

    def _delete(self, case_ids: set[int]) -> int:
        relays = [r for r in self.m.relays.values() if r.case_id in case_ids]
        for relay in relays:
            del self.m.relays[relay.id]
        for case_id in case_ids:
            del self.m.cases[case_id]
        return len(relays)

    async def delete_of_person(self, person_key: str) -> list[Case]:
        cases = await self.of_person(person_key)
        self._delete({c.id for c in cases})
        return cases

    async def purge_closed(self, closed_before: dt.datetime) -> tuple[list[Case], int]:
        cases = sorted(
            (
                c
                for c in self.m.cases.values()
                if c.status is Status.CLOSED and c.closed_at and c.closed_at < closed_before
            ),
            key=lambda c: c.id,
        )
        return cases, self._delete({c.id for c in cases})


class FakeRelayStore:
    def __init__(self, memory: Memory, cases: FakeCaseStore) -> None:
        self.m = memory
        self.cases = cases

    async def enqueue(
        self, case_id: int, direction: Direction, source_message_id: int, now: dt.datetime
    ) -> int | None:
        if case_id not in self.m.cases:
            raise StoreError("no such case")
        for relay in self.m.relays.values():
            if (relay.case_id, relay.direction, relay.source_message_id) == (
                case_id,
                direction,
                source_message_id,
            ):
                return None
        relay_id = self.m.next_relay
        self.m.next_relay += 1
        self.m.relays[relay_id] = _Relay(
            relay_id,
            case_id,
            Direction(direction),
            source_message_id,
            RelayState.QUEUED,
            0,
            now,
            None,
        )
        return relay_id

    def _item(self, relay: _Relay) -> OutboxItem:
        case = self.m.cases[relay.case_id]
        return OutboxItem(
            id=relay.id,
            case_id=relay.case_id,
            direction=relay.direction,
            source_message_id=relay.source_message_id,
            status=relay.status,
            attempts=relay.attempts,
            not_before=relay.not_before,
            last_attempt_at=relay.last_attempt_at,
            group_chat_id=case.group_chat_id,
            topic_id=case.topic_id,
            person_chat_id=case.chat_id,
            case_status=case.status,
        )

    async def pending(self, case_id: int | None = None) -> list[OutboxItem]:
        return [
            self._item(r)
            for r in sorted(self.m.relays.values(), key=lambda r: r.id)
            if r.status in _UNSETTLED and (case_id is None or r.case_id == case_id)
        ]

    async def get(self, relay_id: int) -> OutboxItem | None:
        relay = self.m.relays.get(relay_id)
        return self._item(relay) if relay else None

    async def count_for(self, case_id: int) -> int:
        return sum(1 for r in self.m.relays.values() if r.case_id == case_id)

    async def attempts_since(self, since: dt.datetime) -> list[tuple[int, dt.datetime]]:
        return [
            (self.m.cases[r.case_id].group_chat_id, r.last_attempt_at)
            for r in self.m.relays.values()
            if r.direction is Direction.TO_TOPIC
            and r.last_attempt_at is not None
            and r.last_attempt_at >= since
        ]

    async def start(self, relay_ids: Sequence[int], now: dt.datetime) -> None:
        for relay_id in relay_ids:
            relay = self.m.relays.get(relay_id)
            if relay and relay.status in _UNSETTLED:
                relay.status = RelayState.SENDING
                relay.attempts += 1
                relay.last_attempt_at = now

    async def settle(self, relay_id: int, state: RelayState) -> bool:
        relay = self.m.relays.get(relay_id)
        if relay is None or relay.status not in _UNSETTLED:
            return False
        relay.status = RelayState(state)
        await self.cases.release_closed_chat_ids()
        return True

    async def retry(
        self, relay_id: int, not_before: dt.datetime, *, count_attempt: bool = True
    ) -> bool:
        relay = self.m.relays.get(relay_id)
        if relay is None or relay.status not in _UNSETTLED:
            return False
        relay.status = RelayState.QUEUED
        relay.not_before = not_before
        relay.attempts -= 0 if count_attempt else 1
        return True

    async def fail_pending(self, case_id: int) -> int:
        failed = 0
        for relay in self.m.relays.values():
            if relay.case_id == case_id and relay.status in _UNSETTLED:
                relay.status = RelayState.FAILED
                failed += 1
        await self.cases.release_closed_chat_ids()
        return failed


class FakeCharterStore:
    def __init__(self, memory: Memory) -> None:
        self.m = memory

    async def accept(self, helper_key: str, version: str, now: dt.datetime) -> None:
        self.m.charters[helper_key] = (version, now)

    async def acceptance(self, helper_key: str) -> tuple[str, dt.datetime] | None:
        return self.m.charters.get(helper_key)

    async def forget_except(self, helper_keys: Sequence[str]) -> int:
        gone = [key for key in self.m.charters if key not in set(helper_keys)]
        for key in gone:
            del self.m.charters[key]
        return len(gone)


class FakeMissedStore:
    def __init__(self, memory: Memory) -> None:
        self.m = memory

    async def keep(self, day: str, question: str) -> None:
        self.m.missed[(day, question)] = self.m.missed.get((day, question), 0) + 1

    async def since(self, day: str) -> list[tuple[str, str, int]]:
        return [(d, q, n) for (d, q), n in sorted(self.m.missed.items()) if d >= day]

    async def purge(self, before: str) -> int:
        gone = [slot for slot in self.m.missed if slot[0] < before]
        for slot in gone:
            del self.m.missed[slot]
        return len(gone)


class FakeNoticeStore:
    def __init__(self, memory: Memory) -> None:
        self.m = memory

    async def set(self, text: str, until: dt.date, now: dt.datetime) -> None:
        self.m.notice = (text, until)

    async def clear(self) -> bool:
        had, self.m.notice = self.m.notice is not None, None
        return had

    async def current(self) -> tuple[str, dt.date] | None:
        return self.m.notice


class FakeUnitOfWork:
    """Snapshots the memory on entry; restores it unless committed. Records each commit."""

    def __init__(self, stores: FakeStores) -> None:
        self.stores = stores
        self._saved: Memory | None = None
        self._committed = False

    async def __aenter__(self) -> FakeUnitOfWork:
        self._saved = copy.deepcopy(self.stores.memory)
        self._committed = False
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if not self._committed:
            await self.rollback()

    async def commit(self) -> None:
        self._committed = True
        self.stores.commits += 1

    async def rollback(self) -> None:
        if self._saved is not None and not self._committed:
            self.stores.restore(self._saved)


class FakeStores:
    """Builds every fake port over one shared memory; :meth:`ports` gives the ``Stores``."""

    def __init__(self) -> None:
        self.memory = Memory()
        self.commits = 0

    def restore(self, saved: Memory) -> None:
        for name in (f.name for f in dataclasses.fields(Memory)):
            setattr(self.memory, name, getattr(saved, name))

    def ports(self) -> Stores:
        cases = FakeCaseStore(self.memory)

        async def close() -> None:
            return None

        return Stores(
            cases=cases,
            relays=FakeRelayStore(self.memory, cases),
            counters=FakeCounterStore(self.memory),
            charters=FakeCharterStore(self.memory),
            missed=FakeMissedStore(self.memory),
            notices=FakeNoticeStore(self.memory),
            unit_of_work=lambda: FakeUnitOfWork(self),
            close=close,
        )


def fake_stores() -> Stores:
    """Every port in memory, empty."""
    return FakeStores().ports()
