"""The relay outbox on PostgreSQL (``RelayStore``): message ids to copy, never their text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import psycopg

from bot.adapters.postgres.cases import PostgresCaseStore
from bot.adapters.postgres.database import Database, logs_failures
from bot.app.ports import StoreError
from bot.domain.case import Status
from bot.domain.relay import Direction, OutboxItem, RelayState

_UNSETTLED = "status IN ('queued', 'sending')"


@logs_failures
class PostgresRelayStore:
    def __init__(self, database: Database, cases: PostgresCaseStore) -> None:
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
                "INSERT INTO outbox (case_id, direction, source_message_id, queued_at, "
                "not_before) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (case_id, direction, source_message_id) DO NOTHING RETURNING id",
                (case_id, str(direction), source_message_id, now, now),
                returning=True,
                may_be_refused=True,
            )
        except psycopg.errors.ForeignKeyViolation:  # the case was erased meanwhile
            raise StoreError("no such case") from None
        return int(written.returned[0]) if written.returned else None

    async def pending(self, case_id: int | None = None) -> list[OutboxItem]:
        """Relays not yet settled (queued or in flight), oldest first, with their case."""
        where = "WHERE o.status IN ('queued', 'sending')"
        params: tuple[object, ...] = ()
        if case_id is not None:
            where += " AND o.case_id = %s"
            params = (case_id,)
        return await self._items(where + " ORDER BY o.id", params)

    async def get(self, relay_id: int) -> OutboxItem | None:
        rows = await self._items("WHERE o.id = %s", (relay_id,))
        return rows[0] if rows else None

    async def count_for(self, case_id: int) -> int:
        row = await self._db.row("SELECT COUNT(*) FROM outbox WHERE case_id = %s", (case_id,))
        return int(row[0]) if row else 0

    async def attempts_since(self, since: dt.datetime) -> list[tuple[int, dt.datetime]]:
        """(staff group, time) of copies into topics attempted since ``since``: the rate."""
        rows = await self._db.rows(
            "SELECT c.group_chat_id, o.last_attempt_at FROM outbox o JOIN cases c "
            "ON c.id = o.case_id WHERE o.direction = 'to_topic' AND o.last_attempt_at >= %s",
            (since,),
        )
        return [(int(r[0]), r[1].astimezone(dt.UTC)) for r in rows]

    async def start(self, relay_ids: Sequence[int], now: dt.datetime) -> None:
        """Mark relays as in flight (one more attempt) before handing them to the adapter."""
        if not relay_ids:
            return
        await self._db.write(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, "
            f"last_attempt_at = %s WHERE id = ANY(%s) AND {_UNSETTLED}",
            (now, list(relay_ids)),
        )

    async def settle(self, relay_id: int, state: RelayState) -> bool:
        """A relay ended (sent or failed); a closed case then forgets the chat id."""
        written = await self._db.write(
            f"UPDATE outbox SET status = %s WHERE id = %s AND {_UNSETTLED}",
            (str(state), relay_id),
        )
        if written.rows:
            await self._cases.release_closed_chat_ids()
        return written.rows > 0

    async def retry(
        self, relay_id: int, not_before: dt.datetime, *, count_attempt: bool = True
    ) -> bool:
        """Put a relay back in the queue until ``not_before``."""
        written = await self._db.write(
            "UPDATE outbox SET status = 'queued', not_before = %s, "
            f"attempts = attempts - %s WHERE id = %s AND {_UNSETTLED}",
            (not_before, 0 if count_attempt else 1, relay_id),
        )
        return written.rows > 0

    async def fail_pending(self, case_id: int) -> int:
        """Give up every unsettled relay of a case (the person blocked the bot)."""
        written = await self._db.write(
            f"UPDATE outbox SET status = 'failed' WHERE case_id = %s AND {_UNSETTLED}",
            (case_id,),
        )
        await self._cases.release_closed_chat_ids()
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
                id=int(r[0]),
                case_id=int(r[1]),
                direction=Direction(r[2]),
                source_message_id=int(r[3]),
                status=RelayState(r[4]),
                attempts=int(r[5]),
                not_before=r[6].astimezone(dt.UTC),
                last_attempt_at=None if r[7] is None else r[7].astimezone(dt.UTC),
                group_chat_id=int(r[8]),
                topic_id=r[9],
                person_chat_id=r[10],
                case_status=Status(r[11]),
            )
            for r in rows
        ]
