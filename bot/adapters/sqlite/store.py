"""The only module that touches SQLite.

It speaks the domain's verbs (``count``, ``counters``…) and hides SQL. What it keeps is listed
in ``docs/donnees.md``: counters carry no person, and no message text is ever written.
The schema is versioned: each step of ``MIGRATIONS`` runs once, in order, at start.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
"""How long a query waits for another program holding the database (a backup…) to let go."""

# Each step moves the schema one version up. Never edit a released step: add a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: daily counters without any person in them (answers per entry, feedback, crises…).
    """
    CREATE TABLE counters (
        day   TEXT NOT NULL,          -- 2026-11-23 (UTC)
        name  TEXT NOT NULL,          -- what is counted: answer, helpful, crisis…
        key   TEXT NOT NULL DEFAULT '', -- entry id, theme or crisis category; never a person
        value INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, name, key)
    );
    """,
    # 2: human handoff (bot/app/handoff.py). No message text, no name, no Telegram user id except
    # the person's chat id while their case is open. Times: UTC text, 2026-11-23T08:00:00.000000Z.
    """
    CREATE TABLE cases (
        id              INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: buttons carry it
        alias           TEXT NOT NULL,     -- "#A7F3", from a keyed hash: not the id
        person_key      TEXT NOT NULL,     -- HMAC pseudonym of the person
        chat_id         INTEGER,           -- person's chat, to relay; NULL once closed
        status          TEXT NOT NULL CHECK (status IN ('waiting', 'owned', 'closed')),
        audience        TEXT NOT NULL CHECK (audience IN ('pair-aidant', 'referent')),
        urgent          INTEGER NOT NULL DEFAULT 0,  -- crisis seen: référents only
        theme           TEXT,              -- theme id, e.g. caf
        shown_entries   TEXT NOT NULL DEFAULT '', -- entry ids, comma-separated
        not_helpful     TEXT NOT NULL DEFAULT '', -- entry ids, comma-separated
        owner_key       TEXT,              -- HMAC pseudonym of the helper who claimed
        group_chat_id   INTEGER NOT NULL,  -- staff group holding the topic
        topic_id        INTEGER,           -- forum topic (message_thread_id)
        card_message_id INTEGER,           -- the card in the topic, to edit its buttons
        transfer_asked  INTEGER NOT NULL DEFAULT 0,  -- waiting for the person's consent
        opened_at       TEXT NOT NULL,
        waiting_since   TEXT NOT NULL,     -- last time it entered the queue
        announced_at    TEXT,              -- last time the group was notified (not at night)
        reminder_stage  INTEGER NOT NULL DEFAULT 0,  -- 0 none, 1 reminded, 2 widened
        claimed_at      TEXT,
        closed_at       TEXT,
        rated           INTEGER NOT NULL DEFAULT 0   -- satisfaction given (the value is a counter)
    );
    CREATE UNIQUE INDEX cases_one_open_per_person ON cases (person_key)
        WHERE status != 'closed';
    CREATE INDEX cases_by_topic ON cases (group_chat_id, topic_id);
    CREATE INDEX cases_by_status ON cases (status, closed_at);

    CREATE TABLE outbox (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id           INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        direction         TEXT NOT NULL CHECK (direction IN ('to_topic', 'to_person')),
        source_message_id INTEGER NOT NULL, -- the message to copy; never its text
        status            TEXT NOT NULL DEFAULT 'queued'
                          CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
        attempts          INTEGER NOT NULL DEFAULT 0,
        queued_at         TEXT NOT NULL,
        not_before        TEXT NOT NULL,
        last_attempt_at   TEXT,
        UNIQUE (case_id, direction, source_message_id)  -- a message is relayed once
    );
    CREATE INDEX outbox_pending ON outbox (status, case_id);

    CREATE TABLE charter_acceptances (
        helper_key  TEXT PRIMARY KEY,      -- HMAC pseudonym of the helper
        version     TEXT NOT NULL,         -- version of knowledge/charte.yaml accepted
        accepted_at TEXT NOT NULL
    );
    """,
    # 3: coordinators' tools. Questions the bot could not answer, kept only when
    # RELAIS_MANQUES=1: masked text, the day, no person, no time, no order (WITHOUT ROWID and
    # merged per day), 30 days at most (bot/app/missed.py). The staff's notice to people.
    """
    CREATE TABLE missed_questions (
        day      TEXT NOT NULL,             -- 2026-11-23; never a time
        question TEXT NOT NULL,             -- masked by the sensitive-data guard
        times    INTEGER NOT NULL DEFAULT 1, -- asked this many times that day
        PRIMARY KEY (day, question)
    ) WITHOUT ROWID;

    CREATE TABLE announcement (
        id     INTEGER PRIMARY KEY CHECK (id = 1), -- one notice at a time
        text   TEXT NOT NULL,                      -- written by a coordinator (/annonce)
        until  TEXT NOT NULL,                      -- last day it is shown, 2026-12-03
        set_at TEXT NOT NULL
    );
    """,
)


@dataclass(frozen=True)
class CounterRow:
    day: str
    name: str
    key: str
    value: int


class StoreError(Exception):
    """The database cannot be used (locked, disk full, corrupt)."""


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


class Store:
    """A small async port over one SQLite file: open with :meth:`open`, then :meth:`close`."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (or create) the database file and bring its schema up to date."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(str(path))
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL is safe against corruption and survives a crash of Relais;
            # only a power cut may lose the last commits. It saves an fsync per message.
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # Deleted rows are overwritten, not left readable in free pages.
            await db.execute("PRAGMA secure_delete=ON")
            await cls._migrate(db)
        except Exception:
            await db.close()
            raise
        return cls(db)

    @staticmethod
    async def _migrate(db: aiosqlite.Connection) -> None:
        async with db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = row[0] if row else 0
        if version > len(MIGRATIONS):
            raise StoreError(
                f"la base est en version {version}, plus récente que ce programme "
                f"({len(MIGRATIONS)}) : mettez Relais à jour"
            )
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            await db.executescript(f"BEGIN; {step} PRAGMA user_version = {number}; COMMIT;")
            log.info("database schema moved to version %d", number)

    async def close(self) -> None:
        await self._db.close()

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return row[0] if row else 0

    async def count(self, name: str, key: str = "", n: int = 1, *, day: str | None = None) -> None:
        """Add ``n`` to today's counter ``name``/``key``. Keys are never about a person."""
        await self._db.execute(
            "INSERT INTO counters (day, name, key, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (day, name, key) DO UPDATE SET value = value + excluded.value",
            (day or _today(), name, key, n),
        )
        await self._db.commit()

    async def counters(
        self, since: str = "0000-00-00", until: str = "9999-99-99", names: Sequence[str] = ()
    ) -> list[CounterRow]:
        """Counters of days ``since`` … ``until`` (inclusive), optionally only some names."""
        sql = "SELECT day, name, key, value FROM counters WHERE day >= ? AND day <= ?"
        params: list[str] = [since, until]
        if names:
            sql += f" AND name IN ({', '.join('?' * len(names))})"
            params.extend(names)
        async with self._db.execute(sql + " ORDER BY day, name, key", params) as cursor:
            rows = await cursor.fetchall()
        return [CounterRow(*row) for row in rows]

    async def total(self, name: str, key: str = "") -> int:
        """All-time total of one counter."""
        async with self._db.execute(
            "SELECT COALESCE(SUM(value), 0) FROM counters WHERE name = ? AND key = ?", (name, key)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    # --- human handoff (migration 2): cases, relay outbox, charter ------------------------
    # Domain verbs for bot/app/handoff.py. Conditional UPDATEs (``WHERE status = …``) make each
    # transition atomic: two helpers pressing "Je prends" at once, one row changes.

    async def insert_case(self, case: NewCase) -> int | None:
        """Open a case; None when the person already has an open one (one at a time)."""
        try:
            cursor = await self._db.execute(
                "INSERT INTO cases (alias, person_key, chat_id, status, audience, urgent, theme, "
                "shown_entries, not_helpful, group_chat_id, opened_at, waiting_since, "
                "announced_at) VALUES (?, ?, ?, 'waiting', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    case.alias,
                    case.person_key,
                    case.chat_id,
                    case.audience,
                    int(case.urgent),
                    case.theme,
                    ",".join(case.shown_entries),
                    ",".join(case.not_helpful),
                    case.group_chat_id,
                    _ts(case.now),
                    _ts(case.now),
                    _ts(case.now) if case.announced else None,
                ),
            )
        except aiosqlite.IntegrityError:
            await self._db.rollback()
            return None
        await self._db.commit()
        return cursor.lastrowid

    async def get_case(self, case_id: int) -> CaseRow | None:
        return await self._one_case("WHERE id = ?", (case_id,))

    async def open_case_of(self, person_key: str) -> CaseRow | None:
        """The person's open (waiting or owned) case, if any."""
        return await self._one_case("WHERE person_key = ? AND status != 'closed'", (person_key,))

    async def case_at_topic(self, chat_id: int, topic_id: int) -> CaseRow | None:
        """The case whose topic this is (the newest, if a topic id was ever reused)."""
        return await self._one_case(
            "WHERE group_chat_id = ? AND topic_id = ? ORDER BY id DESC LIMIT 1",
            (chat_id, topic_id),
        )

    async def cases_of(self, person_key: str) -> list[CaseRow]:
        return await self._cases("WHERE person_key = ? ORDER BY id", (person_key,))

    async def waiting_cases(self) -> list[CaseRow]:
        return await self._cases("WHERE status = 'waiting' ORDER BY id", ())

    async def alias_in_use(self, alias: str) -> bool:
        async with self._db.execute(
            "SELECT 1 FROM cases WHERE alias = ? AND status != 'closed'", (alias,)
        ) as cursor:
            return await cursor.fetchone() is not None

    async def claim_case(
        self, case_id: int, owner_key: str, now: dt.datetime, audiences: Sequence[str]
    ) -> bool:
        """Give a waiting case to ``owner_key``; False if someone else was first."""
        marks = ", ".join("?" * len(audiences))
        return await self._change(
            "UPDATE cases SET status = 'owned', owner_key = ?, claimed_at = ?, transfer_asked = 0 "
            f"WHERE id = ? AND status = 'waiting' AND audience IN ({marks})",
            (owner_key, _ts(now), case_id, *audiences),
        )

    async def requeue_case(
        self,
        case_id: int,
        now: dt.datetime,
        *,
        audience: str,
        group_chat_id: int,
        announced: bool,
        owner_key: str | None = None,
        urgent: bool | None = None,
    ) -> bool:
        """Put an open case back in the queue (release, transfer, crisis, "pour un référent").

        With ``owner_key``: only if that helper still owns it; without: only if it is still
        waiting (nobody claimed it meanwhile). A case that changes group loses its topic: the
        caller creates a new one.
        """
        sql = (
            "UPDATE cases SET status = 'waiting', owner_key = NULL, claimed_at = NULL, "
            "transfer_asked = 0, audience = ?, urgent = COALESCE(?, urgent), waiting_since = ?, "
            "announced_at = ?, reminder_stage = 0, group_chat_id = ?, "
            "topic_id = CASE WHEN group_chat_id = ? THEN topic_id END, "
            "card_message_id = CASE WHEN group_chat_id = ? THEN card_message_id END "
            "WHERE id = ?"
        )
        params: list[object] = [
            audience,
            None if urgent is None else int(urgent),
            _ts(now),
            _ts(now) if announced else None,
            group_chat_id,
            group_chat_id,
            group_chat_id,
            case_id,
        ]
        if owner_key is None:
            sql += " AND status = 'waiting'"
        else:
            sql += " AND status = 'owned' AND owner_key = ?"
            params.append(owner_key)
        return await self._change(sql, params)

    async def move_case(self, case_id: int, group_chat_id: int) -> bool:
        """Move a case to another staff group; its topic there is still to be created."""
        return await self._change(
            "UPDATE cases SET group_chat_id = ?, topic_id = NULL, card_message_id = NULL "
            "WHERE id = ? AND status != 'closed'",
            (group_chat_id, case_id),
        )

    async def set_urgent(self, case_id: int) -> bool:
        return await self._change(
            "UPDATE cases SET urgent = 1, audience = 'referent' "
            "WHERE id = ? AND status != 'closed'",
            (case_id,),
        )

    async def ask_transfer(self, case_id: int, owner_key: str) -> bool:
        """Record that the owner asked the person's consent; False if not the owner or asked."""
        return await self._change(
            "UPDATE cases SET transfer_asked = 1 WHERE id = ? AND status = 'owned' "
            "AND owner_key = ? AND transfer_asked = 0",
            (case_id, owner_key),
        )

    async def take_transfer_answer(self, case_id: int) -> str | None:
        """Consume the pending consent question once; returns the owner's key, or None."""
        async with self._db.execute(
            "UPDATE cases SET transfer_asked = 0 WHERE id = ? AND status = 'owned' "
            "AND transfer_asked = 1 RETURNING owner_key",
            (case_id,),
        ) as cursor:
            row = await cursor.fetchone()
        await self._db.commit()
        return str(row[0]) if row else None

    async def close_case(
        self, case_id: int, now: dt.datetime, *, owner_key: str | None = None
    ) -> bool:
        """Close an open case and drop the person's chat id (kept only while relays remain)."""
        sql = (
            "UPDATE cases SET status = 'closed', closed_at = ?, transfer_asked = 0, "
            "chat_id = CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = cases.id "
            "AND o.status IN ('queued', 'sending')) THEN chat_id END "
            "WHERE id = ? AND status != 'closed'"
        )
        params: list[object] = [_ts(now), case_id]
        if owner_key is not None:
            sql += " AND owner_key = ?"
            params.append(owner_key)
        changed = await self._change(sql, params)
        if changed:
            await self.checkpoint()
        return changed

    async def set_topic(self, case_id: int, topic_id: int, card_message_id: int | None) -> bool:
        return await self._change(
            "UPDATE cases SET topic_id = ?, card_message_id = ? WHERE id = ?",
            (topic_id, card_message_id, case_id),
        )

    async def forget_topic(self, case_id: int) -> bool:
        """The topic was deleted in Telegram: relays to it wait for a new one."""
        return await self._change(
            "UPDATE cases SET topic_id = NULL, card_message_id = NULL "
            "WHERE id = ? AND topic_id IS NOT NULL",
            (case_id,),
        )

    async def mark_announced(self, case_id: int, now: dt.datetime) -> bool:
        """The group was just told about this waiting case (reminders count from here)."""
        return await self._change(
            "UPDATE cases SET announced_at = ?, reminder_stage = 0 "
            "WHERE id = ? AND status = 'waiting'",
            (_ts(now), case_id),
        )

    async def advance_reminder(self, case_id: int, stage: int) -> bool:
        """Move a waiting case from reminder ``stage`` to the next; False if already done."""
        return await self._change(
            "UPDATE cases SET reminder_stage = reminder_stage + 1 "
            "WHERE id = ? AND status = 'waiting' AND reminder_stage = ?",
            (case_id, stage),
        )

    async def mark_rated(self, case_id: int, person_key: str) -> bool:
        """The person of a closed case gave their satisfaction; True the first time only."""
        return await self._change(
            "UPDATE cases SET rated = 1 WHERE id = ? AND person_key = ? AND status = 'closed' "
            "AND rated = 0",
            (case_id, person_key),
        )

    async def accept_charter(self, helper_key: str, version: str, now: dt.datetime) -> None:
        await self._db.execute(
            "INSERT INTO charter_acceptances (helper_key, version, accepted_at) VALUES (?, ?, ?) "
            "ON CONFLICT (helper_key) DO UPDATE SET version = excluded.version, "
            "accepted_at = excluded.accepted_at",
            (helper_key, version, _ts(now)),
        )
        await self._db.commit()

    async def charter_acceptance(self, helper_key: str) -> tuple[str, dt.datetime] | None:
        """(version, accepted_at) of the helper's last acceptance, if any."""
        async with self._db.execute(
            "SELECT version, accepted_at FROM charter_acceptances WHERE helper_key = ?",
            (helper_key,),
        ) as cursor:
            row = await cursor.fetchone()
        return (str(row[0]), _parse_ts(row[1])) if row else None

    async def forget_charters_except(self, helper_keys: Sequence[str]) -> int:
        """Drop acceptances of helpers no longer in the staff configuration."""
        marks = ", ".join("?" * len(helper_keys)) or "NULL"
        cursor = await self._db.execute(
            f"DELETE FROM charter_acceptances WHERE helper_key NOT IN ({marks})",
            tuple(helper_keys),
        )
        await self._db.commit()
        return cursor.rowcount

    async def enqueue_relay(
        self, case_id: int, direction: str, source_message_id: int, now: dt.datetime
    ) -> int | None:
        """Queue one message to copy; None if it was queued before (relayed once only)."""
        cursor = await self._db.execute(
            "INSERT OR IGNORE INTO outbox (case_id, direction, source_message_id, queued_at, "
            "not_before) VALUES (?, ?, ?, ?, ?)",
            (case_id, direction, source_message_id, _ts(now), _ts(now)),
        )
        await self._db.commit()
        return cursor.lastrowid if cursor.rowcount == 1 else None

    async def pending_relays(self, case_id: int | None = None) -> list[RelayRow]:
        """Relays not yet settled (queued or in flight), oldest first, with their case."""
        where = "WHERE o.status IN ('queued', 'sending')"
        params: tuple[object, ...] = ()
        if case_id is not None:
            where += " AND o.case_id = ?"
            params = (case_id,)
        return await self._relays(where + " ORDER BY o.id", params)

    async def get_relay(self, relay_id: int) -> RelayRow | None:
        rows = await self._relays("WHERE o.id = ?", (relay_id,))
        return rows[0] if rows else None

    async def relay_count(self, case_id: int) -> int:
        async with self._db.execute(
            "SELECT COUNT(*) FROM outbox WHERE case_id = ?", (case_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def relay_attempts_since(self, since: dt.datetime) -> list[tuple[int, dt.datetime]]:
        """(staff group, time) of copies into topics attempted since ``since``: the rate."""
        async with self._db.execute(
            "SELECT c.group_chat_id, o.last_attempt_at FROM outbox o JOIN cases c "
            "ON c.id = o.case_id WHERE o.direction = 'to_topic' AND o.last_attempt_at >= ?",
            (_ts(since),),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(int(r[0]), _parse_ts(r[1])) for r in rows]

    async def start_relays(self, relay_ids: Sequence[int], now: dt.datetime) -> None:
        """Mark relays as in flight (one more attempt) before handing them to the adapter."""
        if not relay_ids:
            return
        marks = ", ".join("?" * len(relay_ids))
        await self._db.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, last_attempt_at = ? "
            f"WHERE id IN ({marks}) AND status IN ('queued', 'sending')",
            (_ts(now), *relay_ids),
        )
        await self._db.commit()

    async def settle_relay(self, relay_id: int, status: str) -> bool:
        """A relay ended ('sent' or 'failed'); a closed case then forgets the chat id."""
        changed = await self._change(
            "UPDATE outbox SET status = ? WHERE id = ? AND status IN ('queued', 'sending')",
            (status, relay_id),
        )
        if changed and await self.release_closed_chat_ids():
            await self.checkpoint()
        return changed

    async def retry_relay(
        self, relay_id: int, not_before: dt.datetime, *, count_attempt: bool = True
    ) -> bool:
        """Put a relay back in the queue until ``not_before``."""
        return await self._change(
            "UPDATE outbox SET status = 'queued', not_before = ?, "
            "attempts = attempts - ? WHERE id = ? AND status IN ('queued', 'sending')",
            (_ts(not_before), 0 if count_attempt else 1, relay_id),
        )

    async def fail_pending_relays(self, case_id: int) -> int:
        """Give up every unsettled relay of a case (the person blocked the bot)."""
        cursor = await self._db.execute(
            "UPDATE outbox SET status = 'failed' WHERE case_id = ? "
            "AND status IN ('queued', 'sending')",
            (case_id,),
        )
        await self._db.commit()
        if await self.release_closed_chat_ids():
            await self.checkpoint()
        return cursor.rowcount

    async def release_closed_chat_ids(self) -> int:
        """Forget the chat id of closed cases whose relays are all settled."""
        cursor = await self._db.execute(
            "UPDATE cases SET chat_id = NULL WHERE status = 'closed' AND chat_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = cases.id "
            "AND o.status IN ('queued', 'sending'))"
        )
        await self._db.commit()
        return cursor.rowcount

    async def delete_cases_of(self, person_key: str) -> list[CaseRow]:
        """Erase every case of a person (their relays go with them); returns what was erased."""
        cases = await self.cases_of(person_key)
        await self._db.execute("DELETE FROM cases WHERE person_key = ?", (person_key,))
        await self._db.commit()
        await self.checkpoint()
        return cases

    async def purge_closed_cases(self, closed_before: dt.datetime) -> tuple[list[CaseRow], int]:
        """Erase cases closed before ``closed_before``; returns them and their relay count."""
        cases = await self._cases(
            "WHERE status = 'closed' AND closed_at < ? ORDER BY id", (_ts(closed_before),)
        )
        relays = 0
        if cases:
            marks = ", ".join("?" * len(cases))
            ids = tuple(c.id for c in cases)
            async with self._db.execute(
                f"SELECT COUNT(*) FROM outbox WHERE case_id IN ({marks})", ids
            ) as cursor:
                row = await cursor.fetchone()
            relays = int(row[0]) if row else 0
            await self._db.execute(f"DELETE FROM cases WHERE id IN ({marks})", ids)
            await self._db.commit()
            await self.checkpoint()
        return cases, relays

    # --- coordinators' tools (migration 3): missed questions, announcement ------------------

    async def keep_missed(self, day: str, question: str) -> None:
        """Keep one masked question the bot could not answer (same text, same day: merged)."""
        await self._db.execute(
            "INSERT INTO missed_questions (day, question) VALUES (?, ?) "
            "ON CONFLICT (day, question) DO UPDATE SET times = times + 1",
            (day, question),
        )
        await self._db.commit()

    async def missed_questions(self, since: str) -> list[tuple[str, str, int]]:
        """(day, question, times) kept since ``since`` (inclusive)."""
        async with self._db.execute(
            "SELECT day, question, times FROM missed_questions WHERE day >= ? "
            "ORDER BY day, question",
            (since,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    async def purge_missed(self, before: str) -> int:
        """Erase missed questions of days before ``before``; the erasing is real (checkpoint)."""
        cursor = await self._db.execute("DELETE FROM missed_questions WHERE day < ?", (before,))
        await self._db.commit()
        if cursor.rowcount:
            await self.checkpoint()
        return cursor.rowcount

    async def set_announcement(self, text: str, until: dt.date, now: dt.datetime) -> None:
        await self._db.execute(
            "INSERT INTO announcement (id, text, until, set_at) VALUES (1, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET text = excluded.text, until = excluded.until, "
            "set_at = excluded.set_at",
            (text, until.isoformat(), _ts(now)),
        )
        await self._db.commit()

    async def clear_announcement(self) -> bool:
        return await self._change("DELETE FROM announcement", ())

    async def announcement(self) -> tuple[str, dt.date] | None:
        """(text, last day) of the notice set with /annonce, if any."""
        async with self._db.execute("SELECT text, until FROM announcement") as cursor:
            row = await cursor.fetchone()
        return (str(row[0]), dt.date.fromisoformat(str(row[1]))) if row else None

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and empty it.

        The WAL keeps old page images, so a chat id set to NULL would still be readable in
        ``relais.sqlite3-wal`` until the next checkpoint. With ``secure_delete`` on, this makes
        erasing real.
        """
        async with self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            await cursor.fetchall()

    async def _recover(self, operation: str, error: sqlite3.Error) -> None:
        """After a failed statement: one log line saying why, and no transaction left open."""
        if not getattr(error, "relais_noted", False):  # noted once, by the outermost call
            name = getattr(error, "sqlite_errorname", "") or type(error).__name__
            trouble = _TROUBLE.get("_".join(name.split("_")[:2]), "in error")
            log.warning("database %s (%s): %s failed", trouble, name, operation)
            error.relais_noted = True  # type: ignore[attr-defined]
        if self._db.in_transaction:
            try:
                await self._db.rollback()
            except sqlite3.Error as second:
                log.warning("database rollback failed (%s)", type(second).__name__)

    async def _change(self, sql: str, params: Sequence[object]) -> bool:
        cursor = await self._db.execute(sql, params)
        await self._db.commit()
        return cursor.rowcount > 0

    async def _cases(self, where: str, params: Sequence[object]) -> list[CaseRow]:
        async with self._db.execute(f"SELECT {_CASE_COLUMNS} FROM cases {where}", params) as cur:
            return [_case_row(r) for r in await cur.fetchall()]

    async def _one_case(self, where: str, params: Sequence[object]) -> CaseRow | None:
        rows = await self._cases(where, params)
        return rows[0] if rows else None

    async def _relays(self, where: str, params: Sequence[object]) -> list[RelayRow]:
        async with self._db.execute(
            "SELECT o.id, o.case_id, o.direction, o.source_message_id, o.status, o.attempts, "
            "o.not_before, o.last_attempt_at, c.group_chat_id, c.topic_id, c.chat_id, c.status "
            f"FROM outbox o JOIN cases c ON c.id = o.case_id {where}",
            params,
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            RelayRow(
                id=r[0],
                case_id=r[1],
                direction=r[2],
                source_message_id=r[3],
                status=r[4],
                attempts=r[5],
                not_before=_parse_ts(r[6]),
                last_attempt_at=_parse_opt_ts(r[7]),
                group_chat_id=r[8],
                topic_id=r[9],
                person_chat_id=r[10],
                case_status=r[11],
            )
            for r in rows
        ]


# --- when the database cannot be used ------------------------------------------------------

# SQLite's error names, as the person reading the log needs them.
_TROUBLE = {
    "SQLITE_BUSY": "locked by another program",
    "SQLITE_LOCKED": "locked by another program",
    "SQLITE_FULL": "full (no space left on the disk)",
    "SQLITE_READONLY": "read-only",
    "SQLITE_IOERR": "unreadable (disk error)",
    "SQLITE_CORRUPT": "damaged",
    "SQLITE_CANTOPEN": "impossible to open",
}


def _rolls_back(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Roll back when a statement fails, log one clear line, and raise the error again.

    Python's sqlite3 opens a transaction before a write; when the write fails (another
    program holds the lock, the disk is full) that transaction stays open on its old
    snapshot, and every later write fails too, even once the lock is gone: the bot would
    never recover without a restart. Rolled back, the next message works again.
    """

    @functools.wraps(method)
    async def guarded(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        except sqlite3.Error as error:
            await self._recover(method.__name__, error)
            raise

    return guarded


# --- handoff rows (migration 2) ---------------------------------------------------------

_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # 2026-11-23T08:00:00.000000Z


def _ts(moment: dt.datetime) -> str:
    """Stored time: UTC, fixed width, so that text order is time order."""
    return moment.astimezone(dt.UTC).strftime(_TS_FORMAT)


def _parse_ts(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, _TS_FORMAT).replace(tzinfo=dt.UTC)


def _parse_opt_ts(text: str | None) -> dt.datetime | None:
    return None if text is None else _parse_ts(text)


def _ids(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


# Every public method of Store rolls back on failure (open and close manage themselves).
for _name, _method in list(vars(Store).items()):
    if inspect.iscoroutinefunction(_method) and not _name.startswith("_") and _name != "close":
        setattr(Store, _name, _rolls_back(_method))


@dataclass(frozen=True)
class NewCase:
    """What is kept when a case opens: no text, no name; the chat id only while open."""

    alias: str
    person_key: str
    chat_id: int = field(repr=False)
    audience: str
    urgent: bool
    theme: str | None
    shown_entries: tuple[str, ...]
    not_helpful: tuple[str, ...]
    group_chat_id: int
    now: dt.datetime
    announced: bool


@dataclass(frozen=True)
class CaseRow:
    id: int
    alias: str
    person_key: str
    chat_id: int | None = field(repr=False)
    status: str
    audience: str
    urgent: bool
    theme: str | None
    shown_entries: tuple[str, ...]
    not_helpful: tuple[str, ...]
    owner_key: str | None
    group_chat_id: int
    topic_id: int | None
    card_message_id: int | None
    transfer_asked: bool
    opened_at: dt.datetime
    waiting_since: dt.datetime
    announced_at: dt.datetime | None
    reminder_stage: int
    claimed_at: dt.datetime | None
    closed_at: dt.datetime | None
    rated: bool


_CASE_COLUMNS = (
    "id, alias, person_key, chat_id, status, audience, urgent, theme, shown_entries, "
    "not_helpful, owner_key, group_chat_id, topic_id, card_message_id, transfer_asked, "
    "opened_at, waiting_since, announced_at, reminder_stage, claimed_at, closed_at, rated"
)


def _case_row(r: Sequence[object]) -> CaseRow:
    return CaseRow(
        id=int(r[0]),  # type: ignore[arg-type]
        alias=str(r[1]),
        person_key=str(r[2]),
        chat_id=r[3],  # type: ignore[arg-type]
        status=str(r[4]),
        audience=str(r[5]),
        urgent=bool(r[6]),
        theme=r[7],  # type: ignore[arg-type]
        shown_entries=_ids(str(r[8])),
        not_helpful=_ids(str(r[9])),
        owner_key=r[10],  # type: ignore[arg-type]
        group_chat_id=int(r[11]),  # type: ignore[arg-type]
        topic_id=r[12],  # type: ignore[arg-type]
        card_message_id=r[13],  # type: ignore[arg-type]
        transfer_asked=bool(r[14]),
        opened_at=_parse_ts(str(r[15])),
        waiting_since=_parse_ts(str(r[16])),
        announced_at=_parse_opt_ts(r[17]),  # type: ignore[arg-type]
        reminder_stage=int(r[18]),  # type: ignore[arg-type]
        claimed_at=_parse_opt_ts(r[19]),  # type: ignore[arg-type]
        closed_at=_parse_opt_ts(r[20]),  # type: ignore[arg-type]
        rated=bool(r[21]),
    )


@dataclass(frozen=True)
class RelayRow:
    """One queued copy, with what is needed to deliver it (read from its case)."""

    id: int
    case_id: int
    direction: str  # to_topic | to_person
    source_message_id: int
    status: str
    attempts: int
    not_before: dt.datetime
    last_attempt_at: dt.datetime | None
    group_chat_id: int
    topic_id: int | None
    person_chat_id: int | None = field(repr=False)
    case_status: str = ""
