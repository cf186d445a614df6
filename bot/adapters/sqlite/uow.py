"""The unit of work on SQLite: the writes of one use case are committed once, or not at all.

As cosmicpython's ``service_layer/unit_of_work.py``: ``async with uow: …; await
uow.commit()``; leaving the block without a commit, or with an error, rolls back. While a
unit runs, writes from other tasks wait for it (they share the one connection).
"""

from __future__ import annotations

from bot.adapters.sqlite.database import Database


class SqliteUnitOfWork:
    """One unit of work over the shared connection; a unit opened inside another joins it."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def __aenter__(self) -> SqliteUnitOfWork:
        await self._database.begin_unit()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._database.end_unit()

    async def commit(self) -> None:
        await self._database.commit_unit()

    async def rollback(self) -> None:
        await self._database.rollback_unit()
