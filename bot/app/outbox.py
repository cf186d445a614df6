"""The copies in flight: which queued relays go now, planned under one lock.

Shared by the handoff use cases (``bot/app/cases.py``, ``bot/app/relaying.py``), built once
by ``bot/bootstrap.py``. The store keeps every relay (``RelayStore``); this object keeps the
little that must live in memory: the planning lock, when this process started, and the
copies to a person that a dead process may have made (reported once to the helper).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

from bot.app.ports import Clock, RelayStore
from bot.domain.effects import CopyToCaseThread, CopyToPerson, Delivery
from bot.domain.relay import (
    DEFAULT_PER_MINUTE,
    TO_PERSON,
    TO_TOPIC,
    Direction,
    OutboxItem,
    RelayState,
    plan_dispatch,
)
from bot.knowledge.staff import StaffConfig


class Outbox:
    """Plans the relays' copies (``plan_dispatch``) and marks them in flight, one at a time.

    Registered in the Memory registry like every in-memory holder: it keeps no pseudonym and
    no chat id (a copy set aside as uncertain loses its chat id), so it has nothing to say
    to ``/mesdonnees`` and nothing to forget; registering keeps that statement tested.
    """

    def __init__(
        self,
        relays: RelayStore,
        staff: StaffConfig,
        clock: Clock,
        *,
        per_minute: int = DEFAULT_PER_MINUTE,
    ) -> None:
        self._relays = relays
        self._staff = staff
        self._clock = clock
        self.per_minute = per_minute
        # Planning reads the outbox then marks items in flight: two coroutines (an update
        # and the outbox job) must not plan between those two steps, or a copy goes twice.
        self._planning = asyncio.Lock()
        # Copies marked in flight before this process started were sent by one that died.
        self._started = clock()
        self._uncertain: dict[int, OutboxItem] = {}  # to the person, maybe made: see take

    # --- Memory (bot/app/memory.py) -------------------------------------------------------

    def holds(self, person_key: str) -> list[str]:
        """Nothing about a person: ids of cases and of helpers' messages only."""
        return []

    def forget(self, person_key: str) -> None:
        """Nothing to forget (see ``holds``); an erased case's marks find no case and go."""

    # --- planning -------------------------------------------------------------------------

    async def deliveries(
        self,
        case_id: int | None,
        *,
        direction: Direction | None = None,
        now: dt.datetime | None = None,
    ) -> list[Delivery]:
        """Plan, mark in flight, and describe the copies that may go now."""
        now = now or self._clock()
        async with self._planning:
            plan = plan_dispatch(
                await self._relays.pending(),
                await self._relays.attempts_since(now - dt.timedelta(minutes=1)),
                now,
                per_minute=self.per_minute,
                orphaned_before=self._started,
            )
            for lost in plan.undeliverable:
                await self._relays.settle(lost.id, RelayState.FAILED)
            for maybe in plan.uncertain:  # never sent twice to a person; marked for the helper
                await self._relays.settle(maybe.id, RelayState.FAILED)
                self._uncertain[maybe.id] = dataclasses.replace(maybe, person_chat_id=None)
            chosen = [
                r
                for r in plan.ready
                if (case_id is None or r.case_id == case_id)
                and (direction is None or r.direction == direction)
            ]
            await self._relays.start([r.id for r in chosen], now)
        return [self._delivery(r, now) for r in chosen]

    async def flush_to_person(self, case_id: int, now: dt.datetime) -> list[Delivery]:
        """The owner's queued messages, now, even those waiting for a retry.

        Returned before "terminé" so that the person reads the last answer first.
        """
        async with self._planning:
            queued = [
                r
                for r in await self._relays.pending(case_id)
                if r.direction == TO_PERSON
                and r.status == RelayState.QUEUED
                and r.person_chat_id is not None
            ]
            await self._relays.start([r.id for r in queued], now)
        return [self._delivery(r, now) for r in queued]

    def take_uncertain(self) -> list[OutboxItem]:
        """The copies to a person that may have been made, each handed out once."""
        uncertain, self._uncertain = self._uncertain, {}
        return list(uncertain.values())

    def _delivery(self, relay: OutboxItem, now: dt.datetime) -> Delivery:
        assert relay.person_chat_id is not None
        if relay.direction == TO_TOPIC:
            assert relay.topic_id is not None
            group = self._staff.group(relay.group_chat_id)
            is_open = group.hours.is_open(now) if group else self._staff.hours.is_open(now)
            return CopyToCaseThread(
                outbox_id=relay.id,
                case_id=relay.case_id,
                from_chat_id=relay.person_chat_id,
                message_id=relay.source_message_id,
                chat_id=relay.group_chat_id,
                topic_id=relay.topic_id,
                silent=not is_open,
            )
        return CopyToPerson(
            outbox_id=relay.id,
            case_id=relay.case_id,
            from_chat_id=relay.group_chat_id,
            message_id=relay.source_message_id,
            chat_id=relay.person_chat_id,
        )
