"""The SQLite store: one file, one module per port, a unit of work.

:func:`open_stores` opens the file, brings its schema up to date (``schema.py``) and returns
every port over the one connection (``database.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.adapters.sqlite.cases import SqliteCaseStore
from bot.adapters.sqlite.charters import SqliteCharterStore
from bot.adapters.sqlite.counters import SqliteCounterStore
from bot.adapters.sqlite.database import Database
from bot.adapters.sqlite.missed import SqliteMissedStore
from bot.adapters.sqlite.notices import SqliteNoticeStore
from bot.adapters.sqlite.outbox import SqliteRelayStore
from bot.adapters.sqlite.uow import SqliteUnitOfWork
from bot.app.ports import Stores


@dataclass(frozen=True)
class SqliteStores(Stores):
    """The ports, and the database under them (its schema version, its checkpoint)."""

    database: Database


async def open_stores(path: Path | str) -> SqliteStores:
    """Open (or create) the database file at ``path``; close with ``await stores.close()``."""
    database = await Database.open(path)
    cases = SqliteCaseStore(database)
    return SqliteStores(
        cases=cases,
        relays=SqliteRelayStore(database, cases),
        counters=SqliteCounterStore(database),
        charters=SqliteCharterStore(database),
        missed=SqliteMissedStore(database),
        notices=SqliteNoticeStore(database),
        unit_of_work=lambda: SqliteUnitOfWork(database),
        close=database.close,
        database=database,
    )
