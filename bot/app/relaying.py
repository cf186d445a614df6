"""Relaying between a person and the team: copies through the outbox, and what goes wrong.

The person's messages are copied into the case topic, the owner's into the person's chat,
by Telegram message id: no text is read or kept. Every copy goes through the outbox (the
``RelayStore``; ``plan_dispatch`` in ``bot/domain/relay.py`` decides when, ``bot/app/outbox.py``
marks copies in flight), so a restart, a flood limit or a network error never loses one. A
deleted topic is created again and a person who blocked the bot closes the case: both are
the case's life, asked of :class:`~bot.app.cases.Cases`.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.app.cases import Cases
from bot.app.handoff_core import HandoffContext
from bot.app.outbox import Outbox
from bot.app.ports import StoreError
from bot.domain.case import Case, Status
from bot.domain.counters import Counter
from bot.domain.effects import (
    Action,
    DeliveryFailure,
    NoCase,
    ReplyHere,
    SendToPerson,
)
from bot.domain.relay import (
    MAX_ATTEMPTS,
    RATE_WINDOW,
    TO_PERSON,
    TO_TOPIC,
    Direction,
    OutboxItem,
    RelayState,
    retry_delay,
)
from bot.texts import handoff as t

log = logging.getLogger("bot.app.handoff")
NOTE_PREFIX = "!"


class Relaying:
    """Copies both ways through the outbox, and the failures the channel reports about them."""

    def __init__(self, context: HandoffContext, outbox: Outbox, cases: Cases) -> None:
        self._ctx = context
        self._outbox = outbox
        self._cases = cases  # a lost topic is re-created, a blocked person's case closed

    async def person_message(self, person: str, message_id: int) -> list[Action] | NoCase:
        """A message from the person: copied into their topic if they have an open case.

        Returns NoCase when there is none (the engine answers as usual). Otherwise the bot
        says nothing by itself: the returned deliveries (maybe none yet, if the group is at
        its rate) are the copies to make now; the rest comes from ``outbox_due``.
        """
        case = await self._ctx.cases.open_case_of(person)
        if case is None:
            return NoCase()
        now = self._ctx.clock()
        relay_id = await self._ctx.relays.enqueue(case.id, TO_TOPIC, message_id, now)
        deliveries: list[Action] = list(await self._outbox.deliveries(case.id, direction=TO_TOPIC))
        if relay_id is None:  # the same update again
            return deliveries
        return deliveries + await self._delay_notice(case, relay_id, now)

    async def person_masked_message(
        self, person: str, masked: str, *, media: bool = False
    ) -> list[Action] | NoCase:
        """A message holding secret data, deleted from the chat: the team reads it masked.

        Posted rather than copied (the original is gone, and must not reach the group); the
        masked text travels once and is never stored. NoCase when no case is open.
        """
        case = await self._ctx.cases.open_case_of(person)
        if case is None:
            return NoCase()
        template = t.MASKED_MEDIA if media else t.MASKED_MESSAGE
        return [self._ctx.post(case, template.format(text=masked.strip()), self._ctx.clock())]

    async def staff_message(
        self, helper_id: int, case_id: int, message_id: int, text: str = ""
    ) -> list[Action]:
        """A message in a case topic: the owner's goes to the person, "!…" is a note.

        ``text`` (or the caption) is only looked at for the "!" prefix; never kept.
        Commands (/clore…) are not messages: the adapter calls their methods instead.
        """
        if text.lstrip().startswith(NOTE_PREFIX):
            return []
        key, helper = self._ctx.helper(helper_id)
        case = await self._ctx.cases.get(case_id)
        if case is None:
            return []
        if case.status == Status.CLOSED:
            return [ReplyHere(t.CLOSED_MESSAGE)]
        if helper is None:
            return [ReplyHere(t.NOT_A_HELPER_MESSAGE)]
        if case.status == Status.WAITING:
            return [ReplyHere(t.NOT_CLAIMED_MESSAGE)]
        if case.owner_key != key:
            return [ReplyHere(t.NOT_OWNER_MESSAGE.format(helper=self._ctx.owner_name(case)))]
        if not await self._enqueued(case.id, TO_PERSON, message_id):
            return []  # erased meanwhile (/oublier): its topic goes too, nothing to relay
        return list(await self._outbox.deliveries(case.id, direction=TO_PERSON))

    async def _enqueued(self, case_id: int, direction: Direction, message_id: int) -> bool:
        """Queue a copy; False when the case was erased between reading it and now.

        Any other StoreError (the database locked, read-only, full) is raised: the caller
        tells whoever wrote that the message did not go.
        """
        try:
            await self._ctx.relays.enqueue(case_id, direction, message_id, self._ctx.clock())
        except StoreError:
            if await self._ctx.cases.get(case_id) is None:
                log.info("case %d erased while a message came: not relayed", case_id)
                return False
            raise
        return True

    # --- the outbox -------------------------------------------------------------------

    async def outbox_due(self, now: dt.datetime | None = None) -> list[Action]:
        """Copies to make now, in order, within each group's rate. Report each one back.

        First, the marks for copies to a person that may or may not have been made (the
        process died while sending them): never sent twice, the helper is told.
        """
        deliveries = await self._outbox.deliveries(None, now=now)
        marks: list[Action] = []
        for relay in self._outbox.take_uncertain():
            marks += await self._undelivered(relay, uncertain=True)
        return [*marks, *deliveries]

    async def outbox_sent(self, outbox_id: int) -> list[Action]:
        """The copy was made. The person's chat id goes when nothing is left to relay."""
        await self._ctx.relays.settle(outbox_id, RelayState.SENT)
        return []

    async def outbox_failed(
        self, outbox_id: int, failure: DeliveryFailure, *, retry_after: float | None = None
    ) -> list[Action]:
        """The copy failed: retry later, re-create the topic, or say it was not delivered."""
        now = self._ctx.clock()
        relay = await self._ctx.relays.get(outbox_id)
        if relay is None or relay.status not in (RelayState.QUEUED, RelayState.SENDING):
            return []
        if failure is DeliveryFailure.BLOCKED and relay.direction == TO_PERSON:
            await self._ctx.relays.settle(outbox_id, RelayState.FAILED)
            case = await self._ctx.cases.get(relay.case_id)
            return await self._cases.person_blocked_bot(case.person_key) if case else []
        if failure is DeliveryFailure.TOPIC_MISSING and relay.direction == TO_TOPIC:
            if relay.case_status == Status.CLOSED:  # its topic is closed for good: say so
                return await self._undelivered(relay)
            await self._ctx.relays.retry(outbox_id, now, count_attempt=False)
            if relay.topic_id is None:  # already being re-created
                return []
            return await self._cases.topic_missing(relay.case_id, relay.topic_id)
        if failure is DeliveryFailure.SOURCE_GONE:
            await self._ctx.relays.settle(outbox_id, RelayState.FAILED)
            await self._ctx.count(Counter.HANDOFF_RELAY_FAILED, "source-gone")
            return []
        if failure is DeliveryFailure.UNCERTAIN:  # maybe copied: a retry could show it twice
            return await self._undelivered(relay, uncertain=True)
        if relay.attempts < MAX_ATTEMPTS:
            await self._ctx.relays.retry(outbox_id, now + retry_delay(relay.attempts, retry_after))
            return []
        return await self._undelivered(relay)

    async def _delay_notice(self, case: Case, relay_id: int, now: dt.datetime) -> list[Action]:
        """Say once in the topic that the person's messages wait for the group's rate.

        Said when this message is the only one of the case left waiting while the group has
        used its budget for the minute: the next ones wait behind it without a new notice.
        """
        if case.topic_id is None:
            return []
        waiting = [
            r.id
            for r in await self._ctx.relays.pending(case.id)
            if r.direction == TO_TOPIC and r.status == RelayState.QUEUED
        ]
        if waiting != [relay_id]:
            return []
        recent = await self._ctx.relays.attempts_since(now - RATE_WINDOW)
        if (
            sum(1 for group, _at in recent if group == case.group_chat_id)
            < self._ctx.relays_per_minute
        ):
            return []
        text = t.RELAY_DELAYED.format(per_minute=self._ctx.relays_per_minute)
        return [self._ctx.post(case, text, now, silent=True)]

    async def _undelivered(self, relay: OutboxItem, *, uncertain: bool = False) -> list[Action]:
        """Give up loudly: the sender sees a mark on the message that did not arrive.

        ``uncertain`` (a copy to the person only): Telegram did not answer, or the process
        died while it sent; the copy may be there, and the helper's mark says so.
        """
        await self._ctx.relays.settle(relay.id, RelayState.FAILED)
        await self._ctx.count(Counter.HANDOFF_RELAY_FAILED, relay.direction)
        state = "maybe undelivered" if uncertain else "undelivered"
        log.warning("relay %d of case %d %s", relay.id, relay.case_id, state)
        case = await self._ctx.cases.get(relay.case_id)
        if case is None:
            return []
        if relay.direction == TO_TOPIC:
            if relay.person_chat_id is None:
                return []
            return [
                SendToPerson(
                    case.id,
                    relay.person_chat_id,
                    t.NOT_DELIVERED_TO_TEAM,
                    reply_to=relay.source_message_id,
                    insist=True,
                )
            ]
        text = (
            t.MAYBE_NOT_DELIVERED_TO_PERSON
            if uncertain
            else t.NOT_DELIVERED_TO_PERSON.format(attempts=relay.attempts)
        )
        now = self._ctx.clock()
        return [self._ctx.post(case, text, now, reply_to=relay.source_message_id, insist=True)]
