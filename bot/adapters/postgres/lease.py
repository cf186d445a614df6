"""Active / standby on PostgreSQL: a session-level advisory lock on a dedicated connection.

``pg_try_advisory_lock`` (https://www.postgresql.org/docs/current/explicit-locking.html
#ADVISORY-LOCKS) is held by the server for as long as the connection that took it lives. When
the active instance dies (killed, crashed, its machine gone), the server closes its connection
and the lock is free: the standby's next try takes it. No home-made protocol, no clock: the
database decides. The connection is dedicated (not the stores'), so that reconnecting the
stores' connection can never drop the lock by surprise, and TCP keepalives make the server
notice a vanished peer on a remote link within about a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import psycopg

from bot.adapters.postgres.database import APPLICATION_NAME, CONNECT_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

SERVING_LOCK = 0x52454C53  # "RELS": the advisory lock held by the instance that serves
CHECK_TIMEOUT_SECONDS = 10
"""A check of the lease's connection that takes longer counts as the lease lost."""

_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


class PostgresLease:
    """The right to serve, held through one connection of its own (``bot.app.ports.Lease``)."""

    def __init__(self, url: str, key: int = SERVING_LOCK) -> None:
        self._url = url
        self._key = key
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._held = False

    async def acquire(self) -> bool:
        if self._held and await self.held():
            return True
        try:
            if self._connection is None or self._connection.closed or self._connection.broken:
                self._connection = await psycopg.AsyncConnection.connect(
                    self._url,
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    application_name=f"{APPLICATION_NAME}-lease",
                    **_KEEPALIVES,
                )
            cursor = await self._connection.execute(
                "SELECT pg_try_advisory_lock(%s)", (self._key,)
            )
            row = await cursor.fetchone()
        except psycopg.Error as error:
            log.warning("serving lease not taken: database %s", type(error).__name__)
            await self._drop()
            return False
        self._held = bool(row and row[0])
        return self._held

    async def held(self) -> bool:
        if not self._held or self._connection is None:
            return False
        try:
            await asyncio.wait_for(self._connection.execute("SELECT 1"), CHECK_TIMEOUT_SECONDS)
        except (psycopg.Error, TimeoutError) as error:
            log.warning("serving lease lost: database %s", type(error).__name__)
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._held and self._connection is not None and not self._connection.broken:
            try:
                await self._connection.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
            except psycopg.Error as error:
                log.warning("serving lease not released: %s", type(error).__name__)
        await self._drop()

    async def _drop(self) -> None:
        self._held = False
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            with contextlib.suppress(psycopg.Error):
                await connection.close()
