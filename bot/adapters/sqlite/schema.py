"""The schema of the SQLite file, versioned: each step of ``MIGRATIONS`` runs once, in order.

What it keeps is listed in ``docs/donnees.md`` (a test compares both): counters carry no
person, and no message text is ever written.
"""

from __future__ import annotations

import logging

import aiosqlite

from bot.app.ports import StoreError

log = logging.getLogger(__name__)

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


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return row[0] if row else 0


async def migrate(db: aiosqlite.Connection) -> None:
    """Bring the schema up to date; refuse a database written by a newer Relais."""
    version = await schema_version(db)
    if version > len(MIGRATIONS):
        raise StoreError(
            f"la base est en version {version}, plus récente que ce programme "
            f"({len(MIGRATIONS)}) : mettez Relais à jour"
        )
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        await db.executescript(f"BEGIN; {step} PRAGMA user_version = {number}; COMMIT;")
        log.info("database schema moved to version %d", number)
