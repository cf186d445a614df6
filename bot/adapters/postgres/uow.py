"""The unit of work on PostgreSQL: the writes of one use case are committed once, or not at
all (the same contract as ``bot/adapters/sqlite/uow.py``)."""

from __future__ import annotations

from bot.adapters.postgres.database import Database


class PostgresUnitOfWork:
    """One unit of work over the shared connection; a unit opened inside another joins it."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def __aenter__(self) -> PostgresUnitOfWork:
        await self._database.begin_unit()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._database.end_unit()

    async def commit(self) -> None:
        await self._database.commit_unit()

    async def rollback(self) -> None:
        await self._database.rollback_unit()
