"""The coordinators' notice on PostgreSQL (``NoticeStore``): one at a time."""

from __future__ import annotations

import datetime as dt

from bot.adapters.postgres.database import Database, logs_failures


@logs_failures
class PostgresNoticeStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def set(self, text: str, until: dt.date, now: dt.datetime) -> None:
        await self._db.write(
            "INSERT INTO announcement (id, text, until, set_at) VALUES (1, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET text = excluded.text, until = excluded.until, "
            "set_at = excluded.set_at",
            (text, until, now),
        )

    async def clear(self) -> bool:
        return (await self._db.write("DELETE FROM announcement")).rows > 0

    async def current(self) -> tuple[str, dt.date] | None:
        """(text, last day) of the notice set with /annonce, if any."""
        row = await self._db.row("SELECT text, until FROM announcement")
        return (str(row[0]), row[1]) if row else None
