"""The PostgreSQL store (``RELAIS_DB=postgresql://…``): one module per port, a unit of work.

:func:`open_stores` connects, brings the schema up to date (``schema.py``) and returns every
port over the one connection (``database.py``), as ``bot/adapters/sqlite`` does for a file.
The driver is psycopg 3 (async); why, and what an operator configures, is in
``docs/postgresql.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.postgres.cases import PostgresCaseStore
from bot.adapters.postgres.charters import PostgresCharterStore
from bot.adapters.postgres.counters import PostgresCounterStore
from bot.adapters.postgres.database import Database
from bot.adapters.postgres.missed import PostgresMissedStore
from bot.adapters.postgres.notices import PostgresNoticeStore
from bot.adapters.postgres.outbox import PostgresRelayStore
from bot.adapters.postgres.uow import PostgresUnitOfWork
from bot.app.ports import Stores


@dataclass(frozen=True)
class PostgresStores(Stores):
    """The ports, and the database under them (its schema version, its connection)."""

    database: Database


async def open_stores(url: str) -> PostgresStores:
    """Connect to the server at ``url``; close with ``await stores.close()``."""
    database = await Database.open(str(url))
    cases = PostgresCaseStore(database)
    return PostgresStores(
        cases=cases,
        relays=PostgresRelayStore(database, cases),
        counters=PostgresCounterStore(database),
        charters=PostgresCharterStore(database),
        missed=PostgresMissedStore(database),
        notices=PostgresNoticeStore(database),
        unit_of_work=lambda: PostgresUnitOfWork(database),
        close=database.close,
        database=database,
    )
