"""Relaying between a person and the team: copies through the outbox, and what goes wrong.

The person's messages are copied into the case topic, the owner's into the person's chat,
by Telegram message id: no text is read or kept. Every copy goes through the SQLite outbox
(``handoff_outbox.py`` decides when), so a restart, a flood limit or a network error never
loses one. A deleted topic is created again; a person who blocked the bot closes the case.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.app.handoff_core import HandoffCore, owned_buttons, waiting_buttons
from bot.app.ports import StoreError
from bot.domain.case import Case, Status
from bot.domain.counters import Counter
from bot.domain.effects import (
    Action,
    CreateTopic,
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
from bot.knowledge.staff import Role
from bot.texts import handoff as t

log = logging.getLogger("bot.app.handoff")
NOTE_PREFIX = "!"


class RelayMixin(HandoffCore):
    """Copies both ways, the outbox, and the robustness cases reported by the adapter."""

    async def person_message(self, person: str, message_id: int) -> list[Action] | NoCase:
        """A message from the person: copied into their topic if they have an open case.

        Returns NoCase when there is none (the engine answers as usual). Otherwise the bot
        says nothing by itself: the returned deliveries (maybe none yet, if the group is at
        its rate) are the copies to make now; the rest comes from ``outbox_due``.
        """
        case = await self.cases.open_case_of(person)
        if case is None:
            return NoCase()
        now = self._clock()
        relay_id = await self.relays.enqueue(case.id, TO_TOPIC, message_id, now)
        deliveries: list[Action] = list(await self._deliveries(case.id, direction=TO_TOPIC))
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
        case = await self.cases.open_case_of(person)
        if case is None:
            return NoCase()
        template = t.MASKED_MEDIA if media else t.MASKED_MESSAGE
        return [self._post(case, template.format(text=masked.strip()), self._clock())]

    async def staff_message(
        self, helper_id: int, case_id: int, message_id: int, text: str = ""
    ) -> list[Action]:
        """A message in a case topic: the owner's goes to the person, "!…" is a note.

        ``text`` (or the caption) is only looked at for the "!" prefix; never kept.
        Commands (/clore…) are not messages: the adapter calls their methods instead.
        """
        if text.lstrip().startswith(NOTE_PREFIX):
            return []
        key, helper = self._helper(helper_id)
        case = await self.cases.get(case_id)
        if case is None:
            return []
        if case.status == Status.CLOSED:
            return [ReplyHere(t.CLOSED_MESSAGE)]
        if helper is None:
            return [ReplyHere(t.NOT_A_HELPER_MESSAGE)]
        if case.status == Status.WAITING:
            return [ReplyHere(t.NOT_CLAIMED_MESSAGE)]
        if case.owner_key != key:
            return [ReplyHere(t.NOT_OWNER_MESSAGE.format(helper=self._owner_name(case)))]
        if not await self._enqueued(case.id, TO_PERSON, message_id):
            return []  # erased meanwhile (/oublier): its topic goes too, nothing to relay
        return list(await self._deliveries(case.id, direction=TO_PERSON))

    async def _enqueued(self, case_id: int, direction: Direction, message_id: int) -> bool:
        """Queue a copy; False when the case was erased between reading it and now.

        Any other StoreError (the database locked, read-only, full) is raised: the caller
        tells whoever wrote that the message did not go.
        """
        try:
            await self.relays.enqueue(case_id, direction, message_id, self._clock())
        except StoreError:
            if await self.cases.get(case_id) is None:
                log.info("case %d erased while a message came: not relayed", case_id)
                return False
            raise
        return True

    async def person_blocked_bot(self, person: str) -> list[Action]:
        """The person blocked the bot: their case closes, the helper is told why."""
        now = self._clock()
        case = await self.cases.open_case_of(person)
        if case is None:
            return []
        if not await self.cases.close(case.id, now):
            return []
        await self.relays.fail_pending(case.id)
        log.info("case %d closed: the person blocked the bot", case.id)
        await self._count(Counter.HANDOFF_CLOSED, "blocked")
        return self._closing(case, t.BLOCKED_TOPIC, now)

    async def case_unreachable(self, case_id: int) -> list[Action]:
        """Telegram refused a message to the person of ``case_id``: they blocked the bot.

        The adapter knows the case, not the person, when a notice to them fails.
        """
        case = await self.cases.get(case_id)
        if case is None or case.status == Status.CLOSED:
            return []
        return await self.person_blocked_bot(case.person_key)

    # --- robustness -------------------------------------------------------------------

    async def topic_missing(
        self, case_id: int, topic_id: int | None = None, *, note: str = t.TOPIC_RECREATED
    ) -> list[Action]:
        """The topic was deleted or closed by hand: create it again, with the card.

        ``topic_id``: the topic that failed. A report about a topic already replaced is
        ignored, so several failing sends make one new topic. Without it (the creation itself
        failed), the creation is asked again. The question was never stored, so the new card
        says "(question non conservée)".
        """
        now = self._clock()
        case = await self.cases.get(case_id)
        if case is None or case.status == Status.CLOSED:
            return []
        if topic_id is not None and case.topic_id != topic_id:
            return []
        if case.topic_id is not None and not await self.cases.forget_topic(case_id):
            return []
        group = self._group(case)
        owner = self._helpers.get(case.owner_key or "")
        buttons = (
            owned_buttons(case.id, owner)
            if case.status == Status.OWNED and owner
            else waiting_buttons(case.id, Role(case.audience))
        )
        card = self._rebuilt_card(case, group) + "\n\n" + note
        log.info("case %d: topic re-created", case_id)
        return [
            CreateTopic(
                case_id=case.id,
                chat_id=case.group_chat_id,
                name=self._topic_name(case),
                card=card,
                buttons=buttons,
                silent=not group.hours.is_open(now),
            )
        ]

    async def case_for_topic(self, chat_id: int, topic_id: int) -> int | None:
        """Which case a topic belongs to (the adapter routes group messages with it)."""
        case = await self.cases.at_topic(chat_id, topic_id)
        return case.id if case else None

    # --- the outbox -------------------------------------------------------------------

    async def outbox_due(self, now: dt.datetime | None = None) -> list[Action]:
        """Copies to make now, in order, within each group's rate. Report each one back.

        First, the marks for copies to a person that may or may not have been made (the
        process died while sending them): never sent twice, the helper is told.
        """
        deliveries = await self._deliveries(None, now=now)
        marks: list[Action] = []
        uncertain, self._uncertain = self._uncertain, {}
        for relay in uncertain.values():
            marks += await self._undelivered(relay, uncertain=True)
        return [*marks, *deliveries]

    async def outbox_sent(self, outbox_id: int) -> list[Action]:
        """The copy was made. The person's chat id goes when nothing is left to relay."""
        await self.relays.settle(outbox_id, RelayState.SENT)
        return []

    async def outbox_failed(
        self, outbox_id: int, failure: DeliveryFailure, *, retry_after: float | None = None
    ) -> list[Action]:
        """The copy failed: retry later, re-create the topic, or say it was not delivered."""
        now = self._clock()
        relay = await self.relays.get(outbox_id)
        if relay is None or relay.status not in (RelayState.QUEUED, RelayState.SENDING):
            return []
        if failure is DeliveryFailure.BLOCKED and relay.direction == TO_PERSON:
            await self.relays.settle(outbox_id, RelayState.FAILED)
            case = await self.cases.get(relay.case_id)
            return await self.person_blocked_bot(case.person_key) if case else []
        if failure is DeliveryFailure.TOPIC_MISSING and relay.direction == TO_TOPIC:
            if relay.case_status == Status.CLOSED:  # its topic is closed for good: say so
                return await self._undelivered(relay)
            await self.relays.retry(outbox_id, now, count_attempt=False)
            if relay.topic_id is None:  # already being re-created
                return []
            return await self.topic_missing(relay.case_id, relay.topic_id)
        if failure is DeliveryFailure.SOURCE_GONE:
            await self.relays.settle(outbox_id, RelayState.FAILED)
            await self._count(Counter.HANDOFF_RELAY_FAILED, "source-gone")
            return []
        if failure is DeliveryFailure.UNCERTAIN:  # maybe copied: a retry could show it twice
            return await self._undelivered(relay, uncertain=True)
        if relay.attempts < MAX_ATTEMPTS:
            await self.relays.retry(outbox_id, now + retry_delay(relay.attempts, retry_after))
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
            for r in await self.relays.pending(case.id)
            if r.direction == TO_TOPIC and r.status == RelayState.QUEUED
        ]
        if waiting != [relay_id]:
            return []
        recent = await self.relays.attempts_since(now - RATE_WINDOW)
        if sum(1 for group, _at in recent if group == case.group_chat_id) < self.relays_per_minute:
            return []
        text = t.RELAY_DELAYED.format(per_minute=self.relays_per_minute)
        return [self._post(case, text, now, silent=True)]

    async def _undelivered(self, relay: OutboxItem, *, uncertain: bool = False) -> list[Action]:
        """Give up loudly: the sender sees a mark on the message that did not arrive.

        ``uncertain`` (a copy to the person only): Telegram did not answer, or the process
        died while it sent; the copy may be there, and the helper's mark says so.
        """
        await self.relays.settle(relay.id, RelayState.FAILED)
        await self._count(Counter.HANDOFF_RELAY_FAILED, relay.direction)
        state = "maybe undelivered" if uncertain else "undelivered"
        log.warning("relay %d of case %d %s", relay.id, relay.case_id, state)
        case = await self.cases.get(relay.case_id)
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
        now = self._clock()
        return [self._post(case, text, now, reply_to=relay.source_message_id, insist=True)]
