"""What the use cases need from the outside world, as small Protocols.

The use cases in ``bot/app/`` speak to these ports only; ``bot/adapters/sqlite/`` implements
them on one SQLite file, ``tests/fakes.py`` in memory, and ``tests/integration/
test_store_contract.py`` checks that both keep the same promises. A second store (PostgreSQL)
implements the same Protocols and returns the same :class:`Stores`.

Writes made outside a unit of work are committed one by one (as before the ports existed);
inside ``async with uow:`` they are committed once, by ``await uow.commit()``, and rolled
back when the block ends without a commit or with an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.domain.case import Audience, Case, NewCase
from bot.domain.relay import Direction, OutboxItem, RelayState


class StoreError(Exception):
    """The database cannot be used (locked, disk full, corrupt, too new)."""


class Clock(Protocol):
    """The time now, in UTC: tests move it by hand."""

    def __call__(self) -> dt.datetime: ...


@dataclass(frozen=True)
class CounterRow:
    """One daily counter: what was counted (``name``/``key``), never who."""

    day: str
    name: str
    key: str
    value: int


class CounterStore(Protocol):
    """Daily counters with no person in them (``docs/donnees.md``, table ``counters``)."""

    async def count(
        self, name: str, key: str = "", n: int = 1, *, day: str | None = None
    ) -> None: ...

    async def counters(
        self, since: str = "0000-00-00", until: str = "9999-99-99", names: Sequence[str] = ()
    ) -> list[CounterRow]: ...

    async def total(self, name: str, key: str = "") -> int: ...


class CaseStore(Protocol):
    """Handoff cases. Each transition is conditional: it returns False when the case was not
    in the state it requires (two helpers pressing "Je prends" at once: one wins)."""

    async def add(self, case: NewCase) -> int | None:
        """The new case's id; None when the person already has an open case."""
        ...

    async def get(self, case_id: int) -> Case | None: ...

    async def open_case_of(self, person_key: str) -> Case | None: ...

    async def at_topic(self, chat_id: int, topic_id: int) -> Case | None: ...

    async def of_person(self, person_key: str) -> list[Case]: ...

    async def waiting(self) -> list[Case]: ...

    async def alias_in_use(self, alias: str) -> bool: ...

    async def claim(
        self, case_id: int, owner_key: str, now: dt.datetime, audiences: Sequence[Audience]
    ) -> bool: ...

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
    ) -> bool: ...

    async def move(
        self, case_id: int, group_chat_id: int, *, audience: Audience | None = None
    ) -> bool: ...

    async def set_urgent(self, case_id: int) -> bool: ...

    async def ask_transfer(self, case_id: int, owner_key: str) -> bool: ...

    async def take_transfer_answer(self, case_id: int) -> str | None: ...

    async def close(
        self, case_id: int, now: dt.datetime, *, owner_key: str | None = None
    ) -> bool: ...

    async def set_topic(
        self, case_id: int, topic_id: int, card_message_id: int | None
    ) -> bool: ...

    async def forget_topic(self, case_id: int) -> bool: ...

    async def mark_announced(self, case_id: int, now: dt.datetime) -> bool: ...

    async def advance_reminder(self, case_id: int, stage: int) -> bool: ...

    async def mark_rated(self, case_id: int, person_key: str) -> bool: ...

    async def release_closed_chat_ids(self) -> int:
        """Forget the chat id of closed cases with nothing left to relay."""
        ...

    async def delete_of_person(self, person_key: str) -> list[Case]:
        """Erase every case of a person and their relays; returns what was erased."""
        ...

    async def purge_closed(self, closed_before: dt.datetime) -> tuple[list[Case], int]:
        """Erase cases closed before ``closed_before``; returns them and their relay count."""
        ...


class RelayStore(Protocol):
    """The outbox: each message to copy, queued once, leased while in flight, settled."""

    async def enqueue(
        self, case_id: int, direction: Direction, source_message_id: int, now: dt.datetime
    ) -> int | None:
        """The relay's id; None when this message was queued before (relayed once only)."""
        ...

    async def pending(self, case_id: int | None = None) -> list[OutboxItem]: ...

    async def get(self, relay_id: int) -> OutboxItem | None: ...

    async def count_for(self, case_id: int) -> int: ...

    async def attempts_since(self, since: dt.datetime) -> list[tuple[int, dt.datetime]]: ...

    async def start(self, relay_ids: Sequence[int], now: dt.datetime) -> None: ...

    async def settle(self, relay_id: int, state: RelayState) -> bool: ...

    async def retry(
        self, relay_id: int, not_before: dt.datetime, *, count_attempt: bool = True
    ) -> bool: ...

    async def fail_pending(self, case_id: int) -> int: ...


class CharterStore(Protocol):
    """Which version of the charter each helper (by pseudonym) accepted, and when."""

    async def accept(self, helper_key: str, version: str, now: dt.datetime) -> None: ...

    async def acceptance(self, helper_key: str) -> tuple[str, dt.datetime] | None: ...

    async def forget_except(self, helper_keys: Sequence[str]) -> int: ...


class MissedStore(Protocol):
    """Masked questions the bot could not answer, per day, without person or time."""

    async def keep(self, day: str, question: str) -> None: ...

    async def since(self, day: str) -> list[tuple[str, str, int]]: ...

    async def purge(self, before: str) -> int: ...


class NoticeStore(Protocol):
    """The one notice the coordinators show to people (``/annonce``)."""

    async def set(self, text: str, until: dt.date, now: dt.datetime) -> None: ...

    async def clear(self) -> bool: ...

    async def current(self) -> tuple[str, dt.date] | None: ...


class UnitOfWork(Protocol):
    """``async with uow: …; await uow.commit()``: all the writes of one use case, or none."""

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


@dataclass(frozen=True)
class Stores:
    """Every port of one storage backend, opened together and closed together."""

    cases: CaseStore
    relays: RelayStore
    counters: CounterStore
    charters: CharterStore
    missed: MissedStore
    notices: NoticeStore
    unit_of_work: Callable[[], UnitOfWork]
    close: Callable[[], Awaitable[None]]


StoreOpener = Callable[[Path], Awaitable[Stores]]
"""Opens the stores at a path or a URL (the wiring passes ``bootstrap.store_at``)."""


class Lease(Protocol):
    """Who serves when two instances share one database (active / standby): the holder only.

    Held until :meth:`release`, or until the holder's connection to the database ends (its
    process died): then another instance's :meth:`acquire` succeeds.
    """

    async def acquire(self) -> bool:
        """Try once, without waiting: True when this instance holds the lease now."""
        ...

    async def held(self) -> bool:
        """Whether this instance still holds it (False once its connection is lost)."""
        ...

    async def release(self) -> None: ...


class Memory(Protocol):
    """Something kept in memory about people, keyed by pseudonym (sessions, pending requests…).

    Registered with :class:`bot.app.memory.MemoryRegistry`: ``/mesdonnees`` reads ``holds`` and
    ``/oublier`` calls ``forget``, so nothing kept in memory is hidden from the person.
    """

    def holds(self, person_key: str) -> list[str]:
        """What is kept about this person, one plain French line each (empty: nothing)."""
        ...

    def forget(self, person_key: str) -> None: ...
