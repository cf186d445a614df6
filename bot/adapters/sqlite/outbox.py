"""The relay outbox on SQLite (``RelayStore``): message ids to copy, never their text."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence

from bot.adapters.sqlite.cases import SqliteCaseStore
from bot.adapters.sqlite.database import (
    Database,
    logs_failures,
    marks,
    parse_opt_ts,
    parse_ts,
    ts,
)
from bot.app.ports import StoreError
from bot.domain.case import Status
from bot.domain.relay import Direction, OutboxItem, RelayState

_UNSETTLED = "status IN ('queued', 'sending')"


@logs_failures
class SqliteRelayStore:
    def __init__(self, database: Database, cases: SqliteCaseStore) -> None:
        self._db = database
        self._cases = cases  # a settled relay may free a closed case's chat id

    async def enqueue(
        self, case_id: int, direction: Direction, source_message_id: int, now: dt.datetime
    ) -> int | None:
        """Queue one message to copy; None if it was queued before (relayed once only).

        Raises StoreError when the case is gone (erased by /oublier while the message came).
        """
        try:
            written = await self._db.write(
                "INSERT OR IGNORE INTO outbox (case_id, direction, source_message_id, "
                "queued_at, not_before) VALUES (?, ?, ?, ?, ?)",
                (case_id, str(direction), source_message_id, ts(now), ts(now)),
            )
        except sqlite3.IntegrityError:  # the case's foreign key: it was erased meanwhile
            raise StoreError("no such case") from None
        return written.last_id if written.rows == 1 else None

    async def pending(self, case_id: int | None = None) -> list[OutboxItem]:
        """Relays not yet settled (queued or in flight), oldest first, with their case."""
        where = "WHERE o.status IN ('queued', 'sending')"
        params: tuple[object, ...] = ()
        if case_id is not None:
            where += " AND o.case_id = ?"
            params = (case_id,)
        return await self._items(where + " ORDER BY o.id", params)

    async def get(self, relay_id: int) -> OutboxItem | None:
        rows = await self._items("WHERE o.id = ?", (relay_id,))
        return rows[0] if rows else None

    async def count_for(self, case_id: int) -> int:
        row = await self._db.row("SELECT COUNT(*) FROM outbox WHERE case_id = ?", (case_id,))
        return int(row[0]) if row else 0

    async def attempts_since(self, since: dt.datetime) -> list[tuple[int, dt.datetime]]:
        """(staff group, time) of copies into topics attempted since ``since``: the rate."""
        rows = await self._db.rows(
            "SELECT c.group_chat_id, o.last_attempt_at FROM outbox o JOIN cases c "
            "ON c.id = o.case_id WHERE o.direction = 'to_topic' AND o.last_attempt_at >= ?",
            (ts(since),),
        )
        return [(int(r[0]), parse_ts(r[1])) for r in rows]

    async def start(self, relay_ids: Sequence[int], now: dt.datetime) -> None:
        """Mark relays as in flight (one more attempt) before handing them to the adapter."""
        if not relay_ids:
            return
        await self._db.write(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, last_attempt_at = ? "
            f"WHERE id IN ({marks(relay_ids)}) AND {_UNSETTLED}",
            (ts(now), *relay_ids),
        )

    async def settle(self, relay_id: int, state: RelayState) -> bool:
        """A relay ended (sent or failed); a closed case then forgets the chat id."""
        written = await self._db.write(
            f"UPDATE outbox SET status = ? WHERE id = ? AND {_UNSETTLED}",
            (str(state), relay_id),
        )
        if written.rows and await self._cases.release_closed_chat_ids():
            await self._db.checkpoint()
        return written.rows > 0

    async def retry(
        self, relay_id: int, not_before: dt.datetime, *, count_attempt: bool = True
    ) -> bool:
        """Put a relay back in the queue until ``not_before``."""
        written = await self._db.write(
            "UPDATE outbox SET status = 'queued', not_before = ?, "
            f"attempts = attempts - ? WHERE id = ? AND {_UNSETTLED}",
            (ts(not_before), 0 if count_attempt else 1, relay_id),
        )
        return written.rows > 0

    async def fail_pending(self, case_id: int) -> int:
        """Give up every unsettled relay of a case (the person blocked the bot)."""
        written = await self._db.write(
            f"UPDATE outbox SET status = 'failed' WHERE case_id = ? AND {_UNSETTLED}",
            (case_id,),
        )
        if await self._cases.release_closed_chat_ids():
            await self._db.checkpoint()
        return written.rows

    async def _items(self, where: str, params: Sequence[object]) -> list[OutboxItem]:
        rows = await self._db.rows(
            "SELECT o.id, o.case_id, o.direction, o.source_message_id, o.status, o.attempts, "
            "o.not_before, o.last_attempt_at, c.group_chat_id, c.topic_id, c.chat_id, c.status "
            f"FROM outbox o JOIN cases c ON c.id = o.case_id {where}",
            params,
        )
        return [
            OutboxItem(
                id=r[0],
                case_id=r[1],
                direction=Direction(r[2]),
                source_message_id=r[3],
                status=RelayState(r[4]),
                attempts=r[5],
                not_before=parse_ts(r[6]),
                last_attempt_at=parse_opt_ts(r[7]),
                group_chat_id=r[8],
                topic_id=r[9],
                person_chat_id=r[10],
                case_status=Status(r[11]),
            )
            for r in rows
        ]
