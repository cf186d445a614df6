"""Missed questions on PostgreSQL (``MissedStore``): masked text and a day, merged per day."""

from __future__ import annotations

from bot.adapters.postgres.database import Database, logs_failures


@logs_failures
class PostgresMissedStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def keep(self, day: str, question: str) -> None:
        """Keep one masked question the bot could not answer (same text, same day: merged)."""
        await self._db.write(
            "INSERT INTO missed_questions (day, question) VALUES (%s, %s) "
            "ON CONFLICT (day, question) DO UPDATE SET times = missed_questions.times + 1",
            (day, question),
        )

    async def since(self, day: str) -> list[tuple[str, str, int]]:
        """(day, question, times) kept since ``day`` (inclusive)."""
        rows = await self._db.rows(
            "SELECT day, question, times FROM missed_questions WHERE day >= %s "
            'ORDER BY day COLLATE "C", question COLLATE "C"',
            (day,),
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    async def purge(self, before: str) -> int:
        """Erase missed questions of days before ``before``."""
        written = await self._db.write("DELETE FROM missed_questions WHERE day < %s", (before,))
        return written.rows
