"""The schema on PostgreSQL, versioned: each step of ``MIGRATIONS`` runs once, in order.

The same tables, columns and promises as SQLite's ``bot/adapters/sqlite/schema.py`` (what is
kept is listed in ``docs/donnees.md``; a test compares both schemas), in PostgreSQL's own
types: times are ``timestamptz``, flags ``boolean``, Telegram ids ``bigint``. The version is
kept in ``relais_schema`` (SQLite keeps it in ``PRAGMA user_version``). Two instances
starting at once (active and standby) migrate one after the other: a transaction-scoped
advisory lock is held while the schema moves.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg

from bot.app.ports import StoreError

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x52454C41  # "RELA": the advisory lock key held while the schema moves

# Each step moves the schema one version up. Never edit a released step: add a new one.
# Step n here is step n of SQLite: a new step is added to both, with the same number.
MIGRATIONS: tuple[str, ...] = (
    # 1: daily counters without any person in them.
    """
    CREATE TABLE counters (
        day   TEXT NOT NULL,              -- 2026-11-23 (UTC)
        name  TEXT NOT NULL,              -- what is counted: answer, helpful, crisis…
        key   TEXT NOT NULL DEFAULT '',   -- entry id, theme or crisis category; never a person
        value BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (day, name, key)
    );
    """,
    # 2: human handoff. No message text, no name, no Telegram user id except the person's
    # chat id while their case is open.
    """
    CREATE TABLE cases (
        id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused
        alias           TEXT NOT NULL,     -- "#A7F3", from a keyed hash: not the id
        person_key      TEXT NOT NULL,     -- HMAC pseudonym of the person
        chat_id         BIGINT,            -- person's chat, to relay; NULL once closed
        status          TEXT NOT NULL CHECK (status IN ('waiting', 'owned', 'closed')),
        audience        TEXT NOT NULL CHECK (audience IN ('pair-aidant', 'referent')),
        urgent          BOOLEAN NOT NULL DEFAULT FALSE,
        theme           TEXT,
        shown_entries   TEXT NOT NULL DEFAULT '',
        not_helpful     TEXT NOT NULL DEFAULT '',
        owner_key       TEXT,              -- HMAC pseudonym of the helper who claimed
        group_chat_id   BIGINT NOT NULL,
        topic_id        BIGINT,
        card_message_id BIGINT,
        transfer_asked  BOOLEAN NOT NULL DEFAULT FALSE,
        opened_at       TIMESTAMPTZ NOT NULL,
        waiting_since   TIMESTAMPTZ NOT NULL,
        announced_at    TIMESTAMPTZ,
        reminder_stage  INTEGER NOT NULL DEFAULT 0,
        claimed_at      TIMESTAMPTZ,
        closed_at       TIMESTAMPTZ,
        rated           BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE UNIQUE INDEX cases_one_open_per_person ON cases (person_key)
        WHERE status <> 'closed';
    CREATE INDEX cases_by_topic ON cases (group_chat_id, topic_id);
    CREATE INDEX cases_by_status ON cases (status, closed_at);

    CREATE TABLE outbox (
        id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id           BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        direction         TEXT NOT NULL CHECK (direction IN ('to_topic', 'to_person')),
        source_message_id BIGINT NOT NULL, -- the message to copy; never its text
        status            TEXT NOT NULL DEFAULT 'queued'
                          CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
        attempts          INTEGER NOT NULL DEFAULT 0,
        queued_at         TIMESTAMPTZ NOT NULL,
        not_before        TIMESTAMPTZ NOT NULL,
        last_attempt_at   TIMESTAMPTZ,
        UNIQUE (case_id, direction, source_message_id)  -- a message is relayed once
    );
    CREATE INDEX outbox_pending ON outbox (status, case_id);

    CREATE TABLE charter_acceptances (
        helper_key  TEXT PRIMARY KEY,      -- HMAC pseudonym of the helper
        version     TEXT NOT NULL,
        accepted_at TIMESTAMPTZ NOT NULL
    );
    """,
    # 3: coordinators' tools: masked missed questions (RELAIS_MANQUES=1) and the notice.
    """
    CREATE TABLE missed_questions (
        day      TEXT NOT NULL,              -- 2026-11-23; never a time
        question TEXT NOT NULL,              -- masked by the sensitive-data guard
        times    INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (day, question)
    );

    CREATE TABLE announcement (
        id     INTEGER PRIMARY KEY CHECK (id = 1), -- one notice at a time
        text   TEXT NOT NULL,
        until  DATE NOT NULL,
        set_at TIMESTAMPTZ NOT NULL
    );
    """,
)

_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS relais_schema (version INTEGER NOT NULL)"


async def schema_version(connection: psycopg.AsyncConnection[Any]) -> int:
    cursor = await connection.execute(
        "SELECT version FROM relais_schema" if await _has_version_table(connection) else "SELECT 0"
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(connection: psycopg.AsyncConnection[Any]) -> None:
    """Bring the schema up to date; refuse a database written by a newer Relais."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await connection.execute(_VERSION_TABLE)
        cursor = await connection.execute("SELECT version FROM relais_schema")
        row = await cursor.fetchone()
        if row is None:
            await connection.execute("INSERT INTO relais_schema (version) VALUES (0)")
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StoreError(
                f"la base est en version {version}, plus récente que ce programme "
                f"({len(MIGRATIONS)}) : mettez Relais à jour"
            )
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            await connection.execute(step)  # type: ignore[arg-type]
            await connection.execute("UPDATE relais_schema SET version = %s", (number,))
            log.info("database schema moved to version %d", number)


async def _has_version_table(connection: psycopg.AsyncConnection[Any]) -> bool:
    cursor = await connection.execute("SELECT to_regclass('relais_schema') IS NOT NULL")
    row = await cursor.fetchone()
    return bool(row and row[0])
