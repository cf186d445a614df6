"""One SQLite connection, shared by the stores of this package; the only place that commits.

Outside a unit of work each write is committed at once (and waits for a running unit to
end); inside one (``bot/adapters/sqlite/uow.py``) writes are committed together, once.
A failed write is rolled back at once, with one log line saying why: Python's sqlite3 opens a
transaction before a write, and when the write fails (another program holds the lock, the
disk is full) that transaction would stay open on its old snapshot and every later write
would fail too, even once the lock is gone. Rolled back, the next message works again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import functools
import inspect
import logging
import os
import sqlite3
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.adapters.sqlite.schema import migrate, schema_version
from bot.app.ports import StoreError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
"""How long a query waits for another program holding the database (a backup…) to let go."""

Params = Sequence[object]


@dataclass(frozen=True)
class Written:
    """What one write did: rows changed, the new row's id, the row it returned (RETURNING)."""

    rows: int
    last_id: int | None
    returned: tuple[Any, ...] | None = None


@dataclass
class _Unit:
    """The unit of work running in this task: whether a write failed, whether to checkpoint."""

    failed: bool = False
    checkpoint: bool = False
    done: bool = False
    depth: int = field(default=1)


class Database:
    """Open with :meth:`open`, then :meth:`close`. The stores read and write through it."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection
        self._writing = asyncio.Lock()  # one unit of work, or one autocommitted write, at a time
        self._unit: contextvars.ContextVar[_Unit | None] = contextvars.ContextVar(
            "relais_sqlite_unit", default=None
        )

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (or create) the database file and bring its schema up to date."""
        try:
            if str(path) != ":memory:":
                _check_writable(Path(path))
        except OSError as error:
            raise StoreError(
                f"la base de données {path} ne peut pas être créée ni écrite "
                f"({error.strerror or type(error).__name__}) : vérifiez RELAIS_DB et les "
                "droits de son dossier"
            ) from None
        db = await aiosqlite.connect(str(path))
        try:
            await db.execute("PRAGMA journal_mode=WAL")  # the first write: fails if read-only
        except sqlite3.Error as error:
            with contextlib.suppress(sqlite3.Error):
                await db.close()
            why = _trouble(error)[1]
            raise StoreError(
                f"la base de données {path} ne peut pas être créée ni écrite "
                f"({why or type(error).__name__}) : vérifiez RELAIS_DB et les droits "
                "de son dossier"
            ) from None
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL is safe against corruption and survives a crash of Relais;
            # only a power cut may lose the last commits. It saves an fsync per message.
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # Deleted rows are overwritten, not left readable in free pages.
            await db.execute("PRAGMA secure_delete=ON")
            await migrate(db)
        except Exception:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        await self.connection.close()

    async def schema_version(self) -> int:
        return await schema_version(self.connection)

    # --- reading and writing ---------------------------------------------------------------

    async def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        async with self.connection.execute(sql, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def row(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        found = await self.rows(sql, params)
        return found[0] if found else None

    async def write(self, sql: str, params: Params = (), *, returning: bool = False) -> Written:
        """Run one write: committed now, or with the unit of work running in this task."""
        unit = self._unit.get()
        if unit is not None:
            try:
                return await self._execute(sql, params, returning)
            except sqlite3.IntegrityError:
                raise  # SQLite undid this statement only: the unit's other writes stand
            except sqlite3.Error:
                unit.failed = True
                await self._rollback()
                raise
        async with self._writing:
            try:
                written = await self._execute(sql, params, returning)
                await self.connection.commit()
            except sqlite3.Error:
                await self._rollback()
                raise
            return written

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and empty it.

        The WAL keeps old page images, so a chat id set to NULL would still be readable in
        ``relais.sqlite3-wal`` until the next checkpoint. With ``secure_delete`` on, this makes
        erasing real. Inside a unit of work it runs after the commit.
        """
        unit = self._unit.get()
        if unit is not None:
            unit.checkpoint = True
            return
        async with self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            await cursor.fetchall()

    async def _execute(self, sql: str, params: Params, returning: bool) -> Written:
        async with self.connection.execute(sql, params) as cursor:
            returned = await cursor.fetchone() if returning else None
            return Written(
                cursor.rowcount, cursor.lastrowid, tuple(returned) if returned else None
            )

    async def _rollback(self) -> None:
        if self.connection.in_transaction:
            try:
                await self.connection.rollback()
            except sqlite3.Error as second:
                log.warning("database rollback failed (%s)", type(second).__name__)

    # --- units of work (bot/adapters/sqlite/uow.py) -----------------------------------------

    async def begin_unit(self) -> None:
        """Start a unit in this task; a unit started inside another joins it."""
        unit = self._unit.get()
        if unit is not None and not unit.done:
            unit.depth += 1
            return
        await self._writing.acquire()
        self._unit.set(_Unit())

    async def commit_unit(self) -> None:
        unit = self._unit.get()
        if unit is None or unit.depth > 1:
            return  # the outermost unit commits
        if unit.failed:
            raise StoreError("a write of this unit of work failed: nothing was saved")
        await self.connection.commit()
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
            if not unit.done:
                await self._rollback()
            elif unit.checkpoint:
                async with self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                    await cur.fetchall()
        finally:
            self._unit.set(None)
            self._writing.release()


# --- when the database cannot be used ------------------------------------------------------


def _check_writable(path: Path) -> None:
    """Raise OSError unless the database and its folder can be written.

    SQLite writes two files beside the database (``-wal``, ``-shm``), so the folder must take
    new files. Checked before connecting: a connection that fails to open leaves aiosqlite's
    thread answering into a closed event loop (a traceback after our sentence).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=path.parent):
        pass
    if path.exists():
        os.close(os.open(path, os.O_RDWR))


# SQLite's error names, as the person reading the log needs them.
_TROUBLE = {
    "SQLITE_BUSY": "locked by another program",
    "SQLITE_LOCKED": "locked by another program",
    "SQLITE_FULL": "full (no space left on the disk)",
    "SQLITE_READONLY": "read-only",
    "SQLITE_IOERR": "unreadable (disk error)",
    "SQLITE_CORRUPT": "damaged",
    "SQLITE_CANTOPEN": "impossible to open",
}


def _trouble(error: sqlite3.Error) -> tuple[str, str | None]:
    """SQLite's name for ``error``, and what it means when the database cannot be used."""
    name = getattr(error, "sqlite_errorname", "") or type(error).__name__
    return name, _TROUBLE.get("_".join(name.split("_")[:2]))


def note_failure(operation: str, error: sqlite3.Error) -> None:
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
        except sqlite3.Error as error:
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


# --- stored times ---------------------------------------------------------------------------

_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # 2026-11-23T08:00:00.000000Z


def ts(moment: dt.datetime) -> str:
    """Stored time: UTC, fixed width, so that text order is time order."""
    return moment.astimezone(dt.UTC).strftime(_TS_FORMAT)


def parse_ts(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, _TS_FORMAT).replace(tzinfo=dt.UTC)


def parse_opt_ts(text: str | None) -> dt.datetime | None:
    return None if text is None else parse_ts(text)


def marks(values: Sequence[object]) -> str:
    """``?, ?, ?`` for an ``IN (…)`` of these values."""
    return ", ".join("?" * len(values))
