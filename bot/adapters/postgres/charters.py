"""Charter acceptances on PostgreSQL (``CharterStore``): a helper's pseudonym, a version, a
date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.adapters.postgres.database import Database, logs_failures


@logs_failures
class PostgresCharterStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def accept(self, helper_key: str, version: str, now: dt.datetime) -> None:
        await self._db.write(
            "INSERT INTO charter_acceptances (helper_key, version, accepted_at) "
            "VALUES (%s, %s, %s) ON CONFLICT (helper_key) DO UPDATE SET "
            "version = excluded.version, accepted_at = excluded.accepted_at",
            (helper_key, version, now),
        )

    async def acceptance(self, helper_key: str) -> tuple[str, dt.datetime] | None:
        """(version, accepted_at) of the helper's last acceptance, if any."""
        row = await self._db.row(
            "SELECT version, accepted_at FROM charter_acceptances WHERE helper_key = %s",
            (helper_key,),
        )
        return (str(row[0]), row[1].astimezone(dt.UTC)) if row else None

    async def forget_except(self, helper_keys: Sequence[str]) -> int:
        """Drop acceptances of helpers no longer in the staff configuration."""
        written = await self._db.write(
            "DELETE FROM charter_acceptances WHERE NOT (helper_key = ANY(%s::text[]))",
            (list(helper_keys),),
        )
        return written.rows
