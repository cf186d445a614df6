"""Daily counters on PostgreSQL (``CounterStore``): what was counted, never who."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.adapters.postgres.database import Database, logs_failures
from bot.app.ports import CounterRow


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


@logs_failures
class PostgresCounterStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def count(self, name: str, key: str = "", n: int = 1, *, day: str | None = None) -> None:
        """Add ``n`` to today's counter ``name``/``key``. Keys are never about a person."""
        await self._db.write(
            "INSERT INTO counters (day, name, key, value) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (day, name, key) DO UPDATE SET value = counters.value + excluded.value",
            (day or _today(), str(name), key, n),
        )

    async def counters(
        self, since: str = "0000-00-00", until: str = "9999-99-99", names: Sequence[str] = ()
    ) -> list[CounterRow]:
        """Counters of days ``since`` … ``until`` (inclusive), optionally only some names."""
        sql = "SELECT day, name, key, value FROM counters WHERE day >= %s AND day <= %s"
        params: list[object] = [since, until]
        if names:
            sql += " AND name = ANY(%s)"
            params.append([str(n) for n in names])
        # COLLATE "C": the same order as SQLite's (bytes), whatever the server's locale.
        order = ' ORDER BY day COLLATE "C", name COLLATE "C", key COLLATE "C"'
        return [
            CounterRow(str(r[0]), str(r[1]), str(r[2]), int(r[3]))
            for r in await self._db.rows(sql + order, params)
        ]

    async def total(self, name: str, key: str = "") -> int:
        """All-time total of one counter."""
        row = await self._db.row(
            "SELECT COALESCE(SUM(value), 0) FROM counters WHERE name = %s AND key = %s",
            (str(name), key),
        )
        return int(row[0]) if row else 0
