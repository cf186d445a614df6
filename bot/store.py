"""The only module that touches SQLite.

It speaks the domain's verbs (``count``, ``counters``…) and hides SQL. What it keeps is listed
in ``docs/donnees.md``: counters carry no person, and no message text is ever written.
The schema is versioned: each step of ``MIGRATIONS`` runs once, in order, at start.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

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
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA busy_timeout=5000")
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
