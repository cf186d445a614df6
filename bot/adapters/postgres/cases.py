"""Handoff cases on PostgreSQL (``CaseStore``): the same conditional UPDATEs as SQLite's
``bot/adapters/sqlite/cases.py``, so two helpers (or two instances) pressing "Je prends" at
once change one row. No message text, no name; the person's chat id only while their case is
open (or a relay of it is still in flight).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.adapters.postgres.database import Database, logs_failures
from bot.domain.case import Audience, Case, NewCase, Status

_COLUMNS = (
    "id, alias, person_key, chat_id, status, audience, urgent, theme, shown_entries, "
    "not_helpful, owner_key, group_chat_id, topic_id, card_message_id, transfer_asked, "
    "opened_at, waiting_since, announced_at, reminder_stage, claimed_at, closed_at, rated"
)
_UNSETTLED = "o.status IN ('queued', 'sending')"


@logs_failures
class PostgresCaseStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, case: NewCase) -> int | None:
        """Open a case; None when the person already has an open one (one at a time)."""
        written = await self._db.write(
            "INSERT INTO cases (alias, person_key, chat_id, status, audience, urgent, theme, "
            "shown_entries, not_helpful, group_chat_id, opened_at, waiting_since, "
            "announced_at) VALUES (%s, %s, %s, 'waiting', %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (person_key) WHERE status <> 'closed' DO NOTHING RETURNING id",
            (
                case.alias,
                case.person_key,
                case.chat_id,
                str(case.audience),
                case.urgent,
                case.theme,
                ",".join(case.shown_entries),
                ",".join(case.not_helpful),
                case.group_chat_id,
                case.now,
                case.now,
                case.now if case.announced else None,
            ),
            returning=True,
        )
        return int(written.returned[0]) if written.returned else None

    async def get(self, case_id: int) -> Case | None:
        return await self._one("WHERE id = %s", (case_id,))

    async def open_case_of(self, person_key: str) -> Case | None:
        """The person's open (waiting or owned) case, if any."""
        return await self._one("WHERE person_key = %s AND status <> 'closed'", (person_key,))

    async def at_topic(self, chat_id: int, topic_id: int) -> Case | None:
        """The case whose topic this is (the newest, if a topic id was ever reused)."""
        return await self._one(
            "WHERE group_chat_id = %s AND topic_id = %s ORDER BY id DESC LIMIT 1",
            (chat_id, topic_id),
        )

    async def of_person(self, person_key: str) -> list[Case]:
        return await self._cases("WHERE person_key = %s ORDER BY id", (person_key,))

    async def waiting(self) -> list[Case]:
        return await self._cases("WHERE status = 'waiting' ORDER BY id", ())

    async def alias_in_use(self, alias: str) -> bool:
        row = await self._db.row(
            "SELECT 1 FROM cases WHERE alias = %s AND status <> 'closed'", (alias,)
        )
        return row is not None

    async def claim(
        self, case_id: int, owner_key: str, now: dt.datetime, audiences: Sequence[Audience]
    ) -> bool:
        """Give a waiting case to ``owner_key``; False if someone else was first."""
        return await self._change(
            "UPDATE cases SET status = 'owned', owner_key = %s, claimed_at = %s, "
            "transfer_asked = FALSE "
            "WHERE id = %s AND status = 'waiting' AND audience = ANY(%s)",
            (owner_key, now, case_id, [str(a) for a in audiences]),
        )

    async def requeue(
        self,
        case_id: int,
        now: dt.datetime,
        *,
        audience: Audience,
        group_chat_id: int,
        announced: bool,
        owner_key: str | None = None,
        urgent: bool | None = None,
    ) -> bool:
        """Put an open case back in the queue (see the SQLite store for the rules)."""
        sql = (
            "UPDATE cases SET status = 'waiting', owner_key = NULL, claimed_at = NULL, "
            "transfer_asked = FALSE, audience = %s, urgent = COALESCE(%s::boolean, urgent), "
            "waiting_since = %s, announced_at = %s, reminder_stage = 0, group_chat_id = %s, "
            "topic_id = CASE WHEN group_chat_id = %s THEN topic_id END, "
            "card_message_id = CASE WHEN group_chat_id = %s THEN card_message_id END "
            "WHERE id = %s"
        )
        params: list[object] = [
            str(audience),
            urgent,
            now,
            now if announced else None,
            group_chat_id,
            group_chat_id,
            group_chat_id,
            case_id,
        ]
        if owner_key is None:
            sql += " AND status = 'waiting'"
        else:
            sql += " AND status = 'owned' AND owner_key = %s"
            params.append(owner_key)
        return await self._change(sql, params)

    async def move(
        self, case_id: int, group_chat_id: int, *, audience: Audience | None = None
    ) -> bool:
        """Move a case to another staff group (and ``audience``, if given); its topic there
        is still to be created. Its waiting time and reminders go on."""
        return await self._change(
            "UPDATE cases SET group_chat_id = %s, audience = COALESCE(%s, audience), "
            "topic_id = NULL, card_message_id = NULL WHERE id = %s AND status <> 'closed'",
            (group_chat_id, None if audience is None else str(audience), case_id),
        )

    async def set_urgent(self, case_id: int) -> bool:
        return await self._change(
            "UPDATE cases SET urgent = TRUE, audience = 'referent' "
            "WHERE id = %s AND status <> 'closed'",
            (case_id,),
        )

    async def ask_transfer(self, case_id: int, owner_key: str) -> bool:
        """Record that the owner asked the person's consent; False if not the owner or asked."""
        return await self._change(
            "UPDATE cases SET transfer_asked = TRUE WHERE id = %s AND status = 'owned' "
            "AND owner_key = %s AND NOT transfer_asked",
            (case_id, owner_key),
        )

    async def take_transfer_answer(self, case_id: int) -> str | None:
        """Consume the pending consent question once; returns the owner's key, or None."""
        written = await self._db.write(
            "UPDATE cases SET transfer_asked = FALSE WHERE id = %s AND status = 'owned' "
            "AND transfer_asked RETURNING owner_key",
            (case_id,),
            returning=True,
        )
        return str(written.returned[0]) if written.returned else None

    async def close(self, case_id: int, now: dt.datetime, *, owner_key: str | None = None) -> bool:
        """Close an open case and drop the person's chat id (kept only while relays remain)."""
        sql = (
            "UPDATE cases SET status = 'closed', closed_at = %s, transfer_asked = FALSE, "
            "chat_id = CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = cases.id "
            f"AND {_UNSETTLED}) THEN chat_id END "
            "WHERE id = %s AND status <> 'closed'"
        )
        params: list[object] = [now, case_id]
        if owner_key is not None:
            sql += " AND owner_key = %s"
            params.append(owner_key)
        return await self._change(sql, params)

    async def set_topic(self, case_id: int, topic_id: int, card_message_id: int | None) -> bool:
        return await self._change(
            "UPDATE cases SET topic_id = %s, card_message_id = %s WHERE id = %s",
            (topic_id, card_message_id, case_id),
        )

    async def forget_topic(self, case_id: int) -> bool:
        """The topic was deleted in Telegram: relays to it wait for a new one."""
        return await self._change(
            "UPDATE cases SET topic_id = NULL, card_message_id = NULL "
            "WHERE id = %s AND topic_id IS NOT NULL",
            (case_id,),
        )

    async def mark_announced(self, case_id: int, now: dt.datetime) -> bool:
        """The group was just told about this waiting case (reminders count from here)."""
        return await self._change(
            "UPDATE cases SET announced_at = %s, reminder_stage = 0 "
            "WHERE id = %s AND status = 'waiting'",
            (now, case_id),
        )

    async def advance_reminder(self, case_id: int, stage: int) -> bool:
        """Move a waiting case from reminder ``stage`` to the next; False if already done."""
        return await self._change(
            "UPDATE cases SET reminder_stage = reminder_stage + 1 "
            "WHERE id = %s AND status = 'waiting' AND reminder_stage = %s",
            (case_id, stage),
        )

    async def mark_rated(self, case_id: int, person_key: str) -> bool:
        """The person of a closed case gave their satisfaction; True the first time only."""
        return await self._change(
            "UPDATE cases SET rated = TRUE WHERE id = %s AND person_key = %s "
            "AND status = 'closed' AND NOT rated",
            (case_id, person_key),
        )

    async def release_closed_chat_ids(self) -> int:
        """Forget the chat id of closed cases whose relays are all settled."""
        written = await self._db.write(
            "UPDATE cases SET chat_id = NULL WHERE status = 'closed' AND chat_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = cases.id "
            f"AND {_UNSETTLED})"
        )
        return written.rows

    async def delete_of_person(self, person_key: str) -> list[Case]:
        """Erase every case of a person (their relays go with them); returns what was erased.

        One statement (DELETE … RETURNING): what is returned is exactly what was deleted, even
        when another instance works on the same cases meanwhile.
        """
        written = await self._db.write(
            f"DELETE FROM cases WHERE person_key = %s RETURNING {_COLUMNS}",
            (person_key,),
            returning=True,
        )
        return sorted((_case(r) for r in written.returned_rows), key=lambda c: c.id)

    async def purge_closed(self, closed_before: dt.datetime) -> tuple[list[Case], int]:
        """Erase cases closed before ``closed_before``; returns them and their relay count."""
        cases = await self._cases(
            "WHERE status = 'closed' AND closed_at < %s ORDER BY id", (closed_before,)
        )
        relays = 0
        if cases:
            ids = [c.id for c in cases]
            row = await self._db.row("SELECT COUNT(*) FROM outbox WHERE case_id = ANY(%s)", (ids,))
            relays = int(row[0]) if row else 0
            await self._db.write("DELETE FROM cases WHERE id = ANY(%s)", (ids,))
        return cases, relays

    async def _change(self, sql: str, params: Sequence[object]) -> bool:
        return (await self._db.write(sql, params)).rows > 0

    async def _cases(self, where: str, params: Sequence[object]) -> list[Case]:
        return [
            _case(r) for r in await self._db.rows(f"SELECT {_COLUMNS} FROM cases {where}", params)
        ]

    async def _one(self, where: str, params: Sequence[object]) -> Case | None:
        rows = await self._cases(where, params)
        return rows[0] if rows else None


def _ids(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.astimezone(dt.UTC)


def _case(r: Sequence[Any]) -> Case:
    return Case(
        id=int(r[0]),
        alias=str(r[1]),
        person_key=str(r[2]),
        chat_id=r[3],
        status=Status(r[4]),
        audience=Audience(r[5]),
        urgent=bool(r[6]),
        theme=r[7],
        shown_entries=_ids(str(r[8])),
        not_helpful=_ids(str(r[9])),
        owner_key=r[10],
        group_chat_id=int(r[11]),
        topic_id=r[12],
        card_message_id=r[13],
        transfer_asked=bool(r[14]),
        opened_at=r[15].astimezone(dt.UTC),
        waiting_since=r[16].astimezone(dt.UTC),
        announced_at=_utc(r[17]),
        reminder_stage=int(r[18]),
        claimed_at=_utc(r[19]),
        closed_at=_utc(r[20]),
        rated=bool(r[21]),
    )
