"""One PostgreSQL connection, shared by the stores of this package; the only place that commits.

The same story as SQLite's ``bot/adapters/sqlite/database.py``, on psycopg 3 (async):

- outside a unit of work each write is committed at once (the connection is in autocommit
  mode) and waits for a running unit to end; inside one (``uow.py``) the writes of the unit are
  committed together, once;
- a failed write inside a unit rolls the unit back at once (PostgreSQL aborts the whole
  transaction on any error, so a statement that may be refused, such as a relay of a case
  erased meanwhile, runs under a savepoint and only that statement is undone, as in SQLite);
- a connection the server dropped (a restart, a fail-over of a managed server) is opened
  again before the next statement: the bot works again by itself as soon as the server does.

Errors that mean "the database cannot be used now" become :class:`StoreError` with one log
line (SQLSTATE class and a plain reason, never the query's values); the password of
``RELAIS_DB`` is never shown (:func:`shown_url`).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors

from bot.adapters.postgres.schema import migrate, schema_version
from bot.app.ports import StoreError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10
"""How long opening a connection may take before the server counts as unreachable."""

APPLICATION_NAME = "relais"
"""How the bot's connections are named in ``pg_stat_activity`` (for the operator)."""

Params = Sequence[object]


@dataclass(frozen=True)
class Written:
    """What one write did: rows changed, the rows it returned (RETURNING)."""

    rows: int
    returned_rows: tuple[tuple[Any, ...], ...] = ()

    @property
    def returned(self) -> tuple[Any, ...] | None:
        """The first row returned, if any."""
        return self.returned_rows[0] if self.returned_rows else None


@dataclass
class _Unit:
    """The unit of work running in this task."""

    connection: psycopg.AsyncConnection[Any]
    failed: bool = False
    done: bool = False
    depth: int = 1


class Database:
    """Open with :meth:`open`, then :meth:`close`. The stores read and write through it."""

    def __init__(self, url: str, connection: psycopg.AsyncConnection[Any]) -> None:
        self.url = url
        self.connection = connection
        self._writing = asyncio.Lock()  # one unit of work, or one autocommitted write, at a time
        self._reconnecting = asyncio.Lock()
        self._unit_open = False  # a unit holds a transaction on the connection (any task)
        self._unit: contextvars.ContextVar[_Unit | None] = contextvars.ContextVar(
            "relais_postgres_unit", default=None
        )

    @classmethod
    async def open(cls, url: str) -> Database:
        """Connect to ``url`` (``postgresql://…``) and bring the schema up to date."""
        try:
            connection = await connect(url)
        except psycopg.Error as error:
            raise StoreError(
                f"la base PostgreSQL {shown_url(url)} ne répond pas ou refuse la connexion "
                f"({_reason(error)}) : vérifiez RELAIS_DB, le serveur et ses droits"
            ) from None
        try:
            await migrate(connection)
        except psycopg.Error as error:
            await connection.close()
            raise StoreError(
                f"la base PostgreSQL {shown_url(url)} ne peut pas être préparée "
                f"({_reason(error)}) : vérifiez que l'utilisateur peut créer des tables"
            ) from None
        except BaseException:
            await connection.close()
            raise
        return cls(url, connection)

    async def close(self) -> None:
        await self.connection.close()

    async def schema_version(self) -> int:
        return await schema_version(await self._connection())

    # --- reading and writing ---------------------------------------------------------------

    async def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        connection = await self._connection()
        try:
            cursor = await connection.execute(sql, params)  # type: ignore[arg-type]
            return [tuple(row) for row in await cursor.fetchall()]
        except psycopg.Error:
            await self._failed_in_unit()
            raise

    async def row(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        found = await self.rows(sql, params)
        return found[0] if found else None

    async def write(
        self,
        sql: str,
        params: Params = (),
        *,
        returning: bool = False,
        may_be_refused: bool = False,
    ) -> Written:
        """Run one write: committed now, or with the unit of work running in this task.

        ``may_be_refused``: a constraint may refuse it (IntegrityError, raised to the store)
        without spoiling the unit's other writes.
        """
        unit = self._unit.get()
        if unit is not None and not unit.done:
            connection = await self._connection()
            if not may_be_refused:
                try:
                    return await _execute(connection, sql, params, returning)
                except psycopg.Error:
                    await self._failed_in_unit()
                    raise
            try:
                async with connection.transaction():  # a savepoint inside the unit
                    return await _execute(connection, sql, params, returning)
            except psycopg.IntegrityError:
                raise  # only this statement was undone: the unit's other writes stand
            except psycopg.Error:
                await self._failed_in_unit()
                raise
        async with self._writing:
            connection = await self._connection()
            return await _execute(connection, sql, params, returning)  # autocommit

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        """The connection, opened again if the server dropped it (never while a unit runs:
        its transaction is gone with the old connection, and it must fail, not go on in
        autocommit)."""
        unit = self._unit.get()
        if unit is not None and not unit.done:
            if unit.connection.closed or unit.connection.broken:
                raise StoreError("database unreachable (connection lost during a unit)")
            return unit.connection
        connection = self.connection
        if not (connection.closed or connection.broken):
            return connection
        if self._unit_open:
            raise StoreError("database unreachable (connection lost)")
        async with self._reconnecting:
            if self.connection.closed or self.connection.broken:
                try:
                    self.connection = await connect(self.url)
                except psycopg.Error as error:
                    note_failure("reconnect", error)
                    raise StoreError(f"database unreachable ({_reason(error)})") from error
                log.info("database connection opened again")
            return self.connection

    async def _failed_in_unit(self) -> None:
        unit = self._unit.get()
        if unit is not None and not unit.done:
            unit.failed = True
            await self._rollback()

    async def _rollback(self) -> None:
        connection = self.connection
        if connection.closed or connection.broken:
            return
        try:
            await connection.execute("ROLLBACK")
        except psycopg.Error as second:
            log.warning("database rollback failed (%s)", type(second).__name__)

    # --- units of work (bot/adapters/postgres/uow.py) ---------------------------------------

    async def begin_unit(self) -> None:
        """Start a unit in this task; a unit started inside another joins it."""
        unit = self._unit.get()
        if unit is not None and not unit.done:
            unit.depth += 1
            return
        await self._writing.acquire()
        try:
            connection = await self._connection()
            await connection.execute("BEGIN")
        except psycopg.Error as error:
            self._writing.release()
            note_failure("begin", error)
            raise StoreError(f"database {_trouble(error)[1] or 'in error'}") from error
        except BaseException:
            self._writing.release()
            raise
        self._unit_open = True
        self._unit.set(_Unit(connection))

    async def commit_unit(self) -> None:
        unit = self._unit.get()
        if unit is None or unit.depth > 1:
            return  # the outermost unit commits
        if unit.failed:
            raise StoreError("a write of this unit of work failed: nothing was saved")
        try:
            await unit.connection.execute("COMMIT")
        except psycopg.Error as error:
            unit.failed = True
            note_failure("commit", error)
            raise StoreError(f"database {_trouble(error)[1] or 'in error'}") from error
        unit.done = True

    async def rollback_unit(self) -> None:
        unit = self._unit.get()
        if unit is not None and unit.depth == 1 and not unit.done:
            await self._rollback()
            unit.done = True

    async def end_unit(self) -> None:
        """Leave the unit: roll back what was not committed, then let other writers in."""
        unit = self._unit.get()
        if unit is None:
            return
        if unit.depth > 1:
            unit.depth -= 1
            return
        try:
            if not unit.done and not unit.failed:
                await self._rollback()
        finally:
            self._unit.set(None)
            self._unit_open = False
            self._writing.release()


async def connect(url: str) -> psycopg.AsyncConnection[Any]:
    """One autocommit connection to ``url``, its times in UTC."""
    connection = await psycopg.AsyncConnection.connect(
        url,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        application_name=APPLICATION_NAME,
    )
    try:
        await connection.execute("SET TIME ZONE 'UTC'")
    except BaseException:
        await connection.close()
        raise
    return connection


async def _execute(
    connection: psycopg.AsyncConnection[Any], sql: str, params: Params, returning: bool
) -> Written:
    cursor = await connection.execute(sql, params)  # type: ignore[arg-type]
    returned = await cursor.fetchall() if returning else []
    return Written(cursor.rowcount, tuple(tuple(row) for row in returned))


# --- when the database cannot be used ------------------------------------------------------

_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*):[^@/]*@")
_PASSWORD_PARAM = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)


def shown_url(url: str) -> str:
    """``url`` as it may be shown or logged: without its password."""
    return _PASSWORD_PARAM.sub(r"\1***", _PASSWORD_IN_URL.sub(r"\1:***@", url))


# SQLSTATE classes and codes, as the person reading the log needs them
# (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_TROUBLE_CODES = {
    "25006": "read-only (a standby server?)",
    "25P02": "busy (transaction aborted by an earlier error)",
    "42501": "refused (missing rights)",
    "53100": "full (no space left on the disk)",
    "55P03": "locked by another program",
    "57P03": "starting up or shutting down",
}
_TROUBLE_CLASSES = {
    "08": "unreachable (connection lost)",
    "40": "busy (transaction rolled back)",
    "53": "out of resources",
    "57": "stopped by its operator",
    "58": "in a system error",
    "XX": "damaged (internal error)",
}


def _trouble(error: psycopg.Error) -> tuple[str, str | None]:
    """The SQLSTATE of ``error`` (or its type), and what it means when the database cannot be
    used; None when it is a bug of ours (a bad query), not a state of the database."""
    code = error.sqlstate or ""
    if isinstance(error, psycopg.OperationalError) and not code:
        return type(error).__name__, "unreachable (connection lost)"
    if isinstance(error, psycopg.IntegrityError):
        return code, None
    trouble = _TROUBLE_CODES.get(code) or _TROUBLE_CLASSES.get(code[:2])
    return code or type(error).__name__, trouble


# What libpq says when a connection is refused (it gives no SQLSTATE then), as a reason for
# the person deploying. libpq never puts the password in these messages.
_CONNECT_REASONS = (
    ("password authentication failed", "identifiant ou mot de passe refusé"),
    ("no password supplied", "mot de passe manquant"),
    ("does not exist", "cette base ou cet utilisateur n'existe pas"),
    ("no pg_hba.conf entry", "connexion refusée par pg_hba.conf"),
    ("timeout expired", "pas de réponse à temps"),
    ("could not translate host name", "nom de serveur inconnu"),
    ("Connection refused", "aucun serveur n'écoute à cette adresse"),
    ("No such file or directory", "aucun serveur n'écoute à cette adresse"),
)


def _reason(error: psycopg.Error) -> str:
    """A short reason for a person deploying: the SQLSTATE meaning, or the error's type."""
    if isinstance(error, pg_errors.InvalidPassword | pg_errors.InvalidAuthorizationSpecification):
        return "identifiant ou mot de passe refusé"
    if isinstance(error, pg_errors.InvalidCatalogName):
        return "cette base n'existe pas"
    if error.sqlstate is None:
        text = str(error)
        for clue, reason in _CONNECT_REASONS:
            if clue in text:
                return reason
    name, trouble = _trouble(error)
    return trouble or name


def note_failure(operation: str, error: psycopg.Error) -> None:
    """One log line saying why the database could not be used (once, by the outermost call)."""
    if getattr(error, "relais_noted", False):
        return
    name, trouble = _trouble(error)
    log.warning("database %s (%s): %s failed", trouble or "in error", name, operation)
    error.relais_noted = True  # type: ignore[attr-defined]


def _logged(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except psycopg.Error as error:
            note_failure(method.__name__, error)
            _name, trouble = _trouble(error)
            if trouble is not None:  # the port's error: use cases know what to do with it
                raise StoreError(f"database {trouble}") from error
            raise

    return guarded


StoreClass = TypeVar("StoreClass", bound=type)


def logs_failures(cls: StoreClass) -> StoreClass:
    """Every public method of a store logs why the database failed, then raises again."""
    for name, method in list(vars(cls).items()):
        if inspect.iscoroutinefunction(method) and not name.startswith("_"):
            setattr(cls, name, _logged(method))
    return cls
