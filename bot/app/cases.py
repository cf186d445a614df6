"""The case's life, from "Je transmets ? Oui" to closed: ask, claim, transfer, close, remind.

A case is *waiting* (in the queue), *owned* (one helper answers) or *closed*. The state
lives in the case store (``bot/app/ports.py``), so it survives a restart, and every
transition is one conditional UPDATE: two helpers pressing "Je prends" at once, exactly one wins.

Each method returns a list of frozen values (``bot/domain/effects.py``) saying what to send
where; the channel carries them out in order and reports back (``topic_created``,
``topic_missing``…). The use case is composed by ``bot/bootstrap.py`` from its collaborators
(``bot/app/handoff_core.py``): :class:`HandoffContext` and the :class:`Outbox`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import secrets

from bot.app.card import CardFacts, theme_label, topic_name, waited
from bot.app.consent import consent_notes
from bot.app.handoff_core import (
    HandoffContext,
    french_day,
    owned_buttons,
    rating_buttons,
    wait_bucket,
    waiting_buttons,
)
from bot.app.outbox import Outbox
from bot.domain.case import (
    Audience,
    Case,
    Event,
    NewCase,
    Status,
    can,
)
from bot.domain.counters import Counter
from bot.domain.effects import (
    Action,
    Buttons,
    CaseVerb,
    CloseCaseThread,
    DeleteCaseThread,
    OpenCaseThread,
    ReplyHere,
    SendEntry,
    SendToPerson,
    ShortNotice,
    case_button,
)
from bot.domain.messages import HandoffRequested
from bot.domain.pseudonym import short_alias
from bot.knowledge.staff import Helper, Role, StaffGroup
from bot.texts import handoff as t

log = logging.getLogger("bot.app.handoff")

TOPIC_LATE_AFTER = dt.timedelta(minutes=2)
"""A case still without its topic this long after « Oui »: its creation died with a process."""
WIDENED = 2
"""The reminder stage of a waiting case once the référents were called (0: none yet, 1: the
team reminded once)."""


class Cases:
    """Open, claim, transfer, release, close and remind cases; the topic's life; the charter."""

    def __init__(self, context: HandoffContext, outbox: Outbox) -> None:
        self._ctx = context
        self._outbox = outbox

    # --- asking -------------------------------------------------------------------------

    def consent_notes(self, request: HandoffRequested, *, referent: bool = False) -> str:
        """Who may read the request, and when: said under the preview (bot/app/consent.py)."""
        audience = self._audience(request, referent)
        return consent_notes(
            self._ctx.staff, audience, self._ctx.clock(), urgent=bool(request.crisis)
        )

    def build_preview(self, request: HandoffRequested, *, referent: bool = False) -> str:
        """The exact card the helper will see; shown to the person before "Je transmets ?"."""
        now = self._ctx.clock()
        audience = self._audience(request, referent)
        group = self._ctx.staff.group_for(audience)
        return self._request_card(
            request, audience, group, self._alias_for(request.user, now), now
        )

    async def has_open_case(self, person: str) -> bool:
        """While this is true the engine says nothing by itself: messages go to the team."""
        return await self._ctx.cases.open_case_of(person) is not None

    async def open_case(
        self,
        request: HandoffRequested,
        chat_id: int,
        *,
        referent: bool = False,
        territory: str | None = None,
    ) -> list[Action]:
        """Open a case after the person said yes; create its topic; tell them when."""
        now = self._ctx.clock()
        existing = await self._ctx.cases.open_case_of(request.user)
        if existing is not None:
            return [SendToPerson(existing.id, chat_id, t.ALREADY_OPEN)]
        audience = self._audience(request, referent)
        group = self._ctx.staff.group_for(audience, territory)
        is_open = group.hours.is_open(now)
        alias = self._alias_for(request.user, now)
        if await self._ctx.cases.alias_in_use(alias):
            alias = await self._random_alias()
        case_id = await self._ctx.cases.add(
            NewCase(
                alias=alias,
                person_key=request.user,
                chat_id=chat_id,
                audience=Audience(audience.value),
                urgent=bool(request.crisis),
                theme=request.theme,
                shown_entries=request.shown_entries,
                not_helpful=request.not_helpful,
                group_chat_id=group.chat_id,
                now=now,
                announced=is_open,
            )
        )
        if case_id is None:  # a second "Oui" raced the first one
            return [SendToPerson(0, chat_id, t.ALREADY_OPEN)]
        log.info("case %d opened (%s)", case_id, audience.value)  # never the pseudonym
        await self._ctx.count(Counter.HANDOFF_OPENED, audience.value)
        card = self._request_card(request, audience, group, alias, now)
        return [
            OpenCaseThread(
                case_id=case_id,
                chat_id=group.chat_id,
                name=topic_name(alias, theme_label(self._ctx.catalog, request.theme)),
                card=card,
                buttons=waiting_buttons(case_id, audience),
                silent=not is_open,
            ),
            SendToPerson(
                case_id,
                chat_id,
                f"{self._ctx.when(group, now)}\n\n{t.HOW_IT_WORKS}\n\n{t.URGENT_INFO}",
                buttons=((case_button(t.BUTTON_DONE, CaseVerb.DONE, case_id),),),
            ),
        ]

    async def topic_created(
        self, case_id: int, chat_id: int, topic_id: int, card_message_id: int | None
    ) -> list[Action]:
        """The adapter created the topic and posted the card; queued relays can now go.

        If the case was erased or moved meanwhile, the new topic is removed again.
        """
        case = await self._ctx.cases.get(case_id)
        if case is None or case.group_chat_id != chat_id:
            return [DeleteCaseThread(chat_id, topic_id)]
        await self._ctx.cases.set_topic(case_id, topic_id, card_message_id)
        if case.status == Status.CLOSED:
            return [CloseCaseThread(case.id, chat_id, topic_id)]
        return list(await self._outbox.deliveries(case_id))

    # --- claiming -----------------------------------------------------------------------

    async def claim(self, helper_id: int, case_id: int) -> list[Action]:
        """ "Je prends": the first configured helper allowed for this case owns it."""
        now = self._ctx.clock()
        key, helper = self._ctx.helper(helper_id)
        case = await self._ctx.cases.get(case_id)
        if case is None or case.status == Status.CLOSED:
            return [ShortNotice(t.CASE_CLOSED)]
        if case.status == Status.OWNED:
            return [ShortNotice(t.YOU_HAVE_IT if case.owner_key == key else self._taken(case))]
        refusal = await self._claim_refusal(helper, key, case)
        if refusal or helper is None:
            return [ShortNotice(refusal or t.NOT_A_HELPER, alert=True)]
        audiences = [Audience.PAIR_AIDANT]
        if helper.role is not Role.PAIR_AIDANT:
            audiences.append(Audience.REFERENT)
        if not await self._ctx.cases.claim(case_id, key, now, audiences):
            latest = await self._ctx.cases.get(case_id)
            if latest is not None and latest.status == Status.OWNED:
                return [ShortNotice(self._taken(latest), alert=True)]
            return [ShortNotice(t.REFERENT_ONLY if latest and latest.urgent else t.CASE_CLOSED)]
        log.info("case %d claimed", case_id)
        await self._ctx.count(Counter.HANDOFF_CLAIMED, helper.role.value)
        await self._ctx.count(Counter.HANDOFF_WAIT, wait_bucket(now - case.waiting_since))
        actions: list[Action] = [ShortNotice(t.YOU_HAVE_IT)]
        actions += self._ctx.edit_card(case, owned_buttons(case_id, helper))
        actions.append(self._ctx.post(case, t.OWNER_HINT.format(helper=helper.display), now))
        if case.chat_id is not None:
            actions.append(
                SendToPerson(case.id, case.chat_id, t.CLAIMED.format(helper=helper.display))
            )
        return actions

    async def send_to_referents(self, helper_id: int, case_id: int) -> list[Action]:
        """ "Pour un référent" on a waiting card: the case goes to référents (no owner yet)."""
        now = self._ctx.clock()
        _key, helper = self._ctx.helper(helper_id)
        if helper is None:
            return [ShortNotice(t.NOT_A_HELPER, alert=True)]
        case = await self._ctx.cases.get(case_id)
        if case is None or not can(case.status, Event.TO_REFERENT):
            return [ShortNotice(t.CASE_CLOSED if case is None else self._taken(case))]
        if case.audience == Role.REFERENT or case.reminder_stage >= WIDENED:
            return [ShortNotice(t.ALREADY_FOR_REFERENT)]
        actions = await self._requeue(case, now, audience=Role.REFERENT, owner_key=None)
        if actions is None:
            return [ShortNotice(t.CASE_CLOSED)]
        await self._ctx.count(Counter.HANDOFF_TO_REFERENT)
        notice = self._ctx.post(case, t.SENT_TO_REFERENT_TOPIC.format(helper=helper.display), now)
        when = self._ctx.when_for(Role.REFERENT, now)
        person = self._ctx.to_person(case, f"{t.SENT_TO_REFERENT}\n\n{when}")
        return [ShortNotice(t.SENT_TO_REFERENT_TOAST), notice, *actions, *person]

    # --- the owner's commands -------------------------------------------------------------

    async def release(self, helper_id: int, case_id: int) -> list[Action]:
        """/liberer: the owner gives the case back to the queue."""
        now = self._ctx.clock()
        key, helper = self._ctx.helper(helper_id)
        case = await self._ctx.cases.get(case_id)
        refusal = self._owner_refusal(key, case)
        if refusal or case is None or helper is None:
            return [ReplyHere(refusal or t.CASE_CLOSED)]
        actions = await self._requeue(
            case, now, audience=Role(case.audience), owner_key=key, keep_group=True
        )
        if actions is None:
            return [ReplyHere(t.CASE_CLOSED)]
        log.info("case %d released", case_id)
        await self._ctx.count(Counter.HANDOFF_RELEASED)
        group = self._ctx.group(case)
        person = self._ctx.to_person(
            case, f"{t.RELEASED.format(helper=helper.display)}\n\n{self._ctx.when(group, now)}"
        )
        notice = self._ctx.post(case, t.RELEASED_TOPIC.format(helper=helper.display), now)
        return [notice, *actions, *person]

    async def request_transfer(self, helper_id: int, case_id: int) -> list[Action]:
        """/transferer: ask the person whether a référent may take over (nothing moves yet)."""
        key, helper = self._ctx.helper(helper_id)
        case = await self._ctx.cases.get(case_id)
        refusal = self._owner_refusal(key, case)
        if refusal or case is None or helper is None:
            return [ReplyHere(refusal or t.CASE_CLOSED)]
        if not await self._ctx.cases.ask_transfer(case_id, key):
            return [ReplyHere(t.TRANSFER_ALREADY_ASKED)]
        buttons = (
            (case_button(t.BUTTON_TRANSFER_YES, CaseVerb.TRANSFER_YES, case_id),),
            (case_button(t.BUTTON_TRANSFER_NO, CaseVerb.TRANSFER_NO, case_id),),
        )
        question = t.TRANSFER_QUESTION.format(helper=helper.display)
        return [
            self._ctx.post(case, t.TRANSFER_ASKED, self._ctx.clock()),
            *self._ctx.to_person(case, question, buttons=buttons),
        ]

    async def accept_transfer(self, person: str, case_id: int) -> list[Action]:
        """The person said yes: the case goes back to the queue, for référents only."""
        now = self._ctx.clock()
        case = await self._persons_case(person, case_id)
        owner_key = await self._ctx.cases.take_transfer_answer(case_id) if case else None
        if case is None or owner_key is None:
            return [ReplyHere(t.STALE_BUTTON_PERSON)]
        actions = await self._requeue(case, now, audience=Role.REFERENT, owner_key=owner_key)
        if actions is None:
            return [ReplyHere(t.STALE_BUTTON_PERSON)]
        log.info("case %d transferred", case_id)
        await self._ctx.count(Counter.HANDOFF_TRANSFER, "accepted")
        notice = self._ctx.post(case, t.TRANSFER_ACCEPTED_TOPIC, now)
        person_text = f"{t.TRANSFER_ACCEPTED}\n\n{self._ctx.when_for(Role.REFERENT, now)}"
        return [notice, *actions, *self._ctx.to_person(case, person_text)]

    async def refuse_transfer(self, person: str, case_id: int) -> list[Action]:
        """The person said no: the owner keeps the case."""
        case = await self._persons_case(person, case_id)
        owner_key = await self._ctx.cases.take_transfer_answer(case_id) if case else None
        if case is None or owner_key is None:
            return [ReplyHere(t.STALE_BUTTON_PERSON)]
        await self._ctx.count(Counter.HANDOFF_TRANSFER, "refused")
        owner = self._ctx.helper_by_key(owner_key)
        name = owner.display if owner else "La personne de l'équipe"
        return [
            self._ctx.post(case, t.TRANSFER_REFUSED_TOPIC, self._ctx.clock()),
            *self._ctx.to_person(case, t.TRANSFER_REFUSED.format(helper=name)),
        ]

    async def send_entry(self, helper_id: int, case_id: int, entry_id: str) -> list[Action]:
        """/fiche <id>: send a knowledge entry to the person, as the bot shows answers."""
        key, _helper = self._ctx.helper(helper_id)
        case = await self._ctx.cases.get(case_id)
        refusal = self._owner_refusal(key, case)
        if refusal or case is None or case.chat_id is None:
            return [ReplyHere(refusal or t.CASE_CLOSED)]
        entry_id = entry_id.strip()
        if not entry_id:
            return [ReplyHere(t.ENTRY_MISSING_ID)]
        title = self._ctx.catalog.entry_title(entry_id)
        if title is None:
            return [ReplyHere(t.ENTRY_UNKNOWN.format(entry=entry_id))]
        await self._ctx.count(Counter.HANDOFF_ENTRY, entry_id)
        return [
            SendEntry(case.id, case.chat_id, entry_id),
            self._ctx.post(case, t.ENTRY_SENT.format(title=title), self._ctx.clock(), silent=True),
        ]

    # --- closing ------------------------------------------------------------------------

    async def close_by_helper(self, helper_id: int, case_id: int) -> list[Action]:
        """/clore: the owner (or a coordinator, for any open case) ends the case."""
        now = self._ctx.clock()
        key, helper = self._ctx.helper(helper_id)
        case = await self._ctx.cases.get(case_id)
        coordinator = helper is not None and helper.role is Role.COORDINATEUR
        refusal = None if coordinator and case else self._owner_refusal(key, case)
        if case is not None and case.status == Status.CLOSED:
            refusal = t.CASE_CLOSED
        if refusal or case is None or helper is None:
            return [ReplyHere(refusal or t.CASE_CLOSED)]
        flush = await self._outbox.flush_to_person(case_id, now)
        if not await self._ctx.cases.close(case_id, now):
            return [ReplyHere(t.CASE_CLOSED)]
        log.info("case %d closed by a helper", case_id)
        await self._ctx.count(Counter.HANDOFF_CLOSED, "helper")
        return [
            *flush,
            *self._ctx.to_person(
                case,
                t.CLOSED_BY_HELPER.format(helper=helper.display),
                buttons=rating_buttons(case_id),
            ),
            *self._ctx.closing(case, t.CLOSED_BY_HELPER_TOPIC.format(helper=helper.display), now),
        ]

    async def close_by_person(self, person: str, case_id: int | None = None) -> list[Action]:
        """ "J'ai fini": the person ends their case."""
        now = self._ctx.clock()
        case = await self._ctx.cases.open_case_of(person)
        if case is None or (case_id is not None and case.id != case_id):
            return [ReplyHere(t.STALE_BUTTON_PERSON)]
        if not await self._ctx.cases.close(case.id, now):
            return [ReplyHere(t.STALE_BUTTON_PERSON)]
        log.info("case %d closed by the person", case.id)
        await self._ctx.count(Counter.HANDOFF_CLOSED, "person")
        return [
            *self._ctx.to_person(case, t.CLOSED_BY_PERSON, buttons=rating_buttons(case.id)),
            *self._ctx.closing(case, t.CLOSED_BY_PERSON_TOPIC, now),
        ]

    async def rate(self, person: str, case_id: int, verb: CaseVerb) -> list[Action]:
        """👍 😐 👎 after a case: counted once, with no person attached."""
        value = {CaseVerb.RATE_UP: "up", CaseVerb.RATE_MID: "neutral", CaseVerb.RATE_DOWN: "down"}
        if verb in value and await self._ctx.cases.mark_rated(case_id, person):
            await self._ctx.count(Counter.HANDOFF_SATISFACTION, value[verb])
        return [ReplyHere(t.RATING_THANKS)]

    # --- crisis and reminders -----------------------------------------------------------

    async def mark_urgent(self, person: str) -> list[Action]:
        """A crisis message during an open case: référents only, at once.

        The engine still gives the crisis numbers to the person; this routes the case.
        """
        now = self._ctx.clock()
        case = await self._ctx.cases.open_case_of(person)
        if case is None:
            return []
        owner = self._ctx.helper_by_key(case.owner_key)
        if case.status == Status.OWNED and owner and owner.role is not Role.PAIR_AIDANT:
            if case.urgent:
                return []
            await self._ctx.cases.set_urgent(case.id)
            await self._ctx.count(Counter.HANDOFF_URGENT, "kept")
            return [self._ctx.post(case, t.URGENT_TOPIC, now)]
        if case.status == Status.WAITING and case.urgent:
            return []
        actions = await self._requeue(
            case, now, audience=Role.REFERENT, owner_key=case.owner_key, urgent=True
        )
        if actions is None:
            return []
        log.info("case %d marked urgent", case.id)
        await self._ctx.count(Counter.HANDOFF_URGENT, "requeued")
        return [
            self._ctx.post(case, t.URGENT_TOPIC, now),
            *actions,
            *self._ctx.to_person(case, t.URGENT_TO_REFERENT),
        ]

    async def topics_not_created(
        self, now: dt.datetime | None = None, *, at_start: bool = False
    ) -> list[Action]:
        """Finish what a dead process started: an open case whose topic was never created.

        The process may be killed between the person's « Oui » (the case is stored) and the
        topic; then nothing would ever reach the team. At start every such case gets its
        topic; in the regular job only those older than ``TOPIC_LATE_AFTER`` (a younger one
        may be under way right now). The person is told it is now sent: the message saying
        so comes after the topic, so the dead process never sent it.
        """
        now = now or self._ctx.clock()
        actions: list[Action] = []
        for case in await self._ctx.cases.waiting():
            if case.topic_id is not None:
                continue
            late = now - case.opened_at >= TOPIC_LATE_AFTER
            if not (late or at_start):
                continue
            log.warning("case %d: its topic was never created, creating it now", case.id)
            actions += await self.topic_missing(case.id, note=t.TOPIC_LATE)
            actions += self._ctx.to_person(case, t.REQUEST_LATE)
        return actions

    async def due_reminders(self, now: dt.datetime | None = None) -> list[Action]:
        """Run every minute or so: announce, remind, widen. Never while the group is closed.

        First, a case whose topic a dead process never created gets it.
        """
        now = now or self._ctx.clock()
        actions: list[Action] = await self.topics_not_created(now)
        for case in await self._ctx.cases.waiting():
            if case.topic_id is None:
                continue
            group = self._ctx.group(case)
            start = group.hours.current_opening_start(now)
            if start is None:
                continue  # closed: the case waits, nobody is notified
            if case.announced_at is None or case.announced_at < start:
                if await self._ctx.cases.mark_announced(case.id, now):
                    text = t.ANNOUNCE.format(waited=waited(now - case.waiting_since))
                    actions.append(self._ctx.post(case, text, now, silent=False))
                continue
            quiet = now - case.announced_at
            stage = case.reminder_stage
            delays = self._ctx.staff.delays
            if stage == 0 and quiet >= delays.remind_after:
                if await self._ctx.cases.advance_reminder(case.id, 0):
                    await self._ctx.count(Counter.HANDOFF_REMINDER, "remind")
                    text = t.REMINDER.format(waited=waited(now - case.waiting_since))
                    actions.append(self._ctx.post(case, text, now, silent=False))
                    actions += self._ctx.to_person(case, t.STILL_WAITING_REMINDED)
            elif (
                stage == 1
                and quiet >= delays.widen_after
                and await self._ctx.cases.advance_reminder(case.id, 1)
            ):
                await self._ctx.count(Counter.HANDOFF_REMINDER, "widen")
                actions += await self._widen(case, now)
        return actions

    async def _widen(self, case: Case, now: dt.datetime) -> list[Action]:
        wait = waited(now - case.waiting_since)
        if case.audience == Role.REFERENT:
            return [
                self._ctx.post(case, t.WIDEN_REFERENT_CASE.format(waited=wait), now, silent=False),
                *self._ctx.to_person(case, t.STILL_WAITING_REMINDED),
            ]
        referents = self._ctx.staff.group_for(Role.REFERENT)
        actions: list[Action]
        if referents.chat_id == case.group_chat_id:
            # The same group: the référents are called; the card loses « Pour un
            # référent » (pressing it would tell the person a second time). Pair-aidants may
            # still take it: it is for whoever comes first.
            text = t.WIDEN_SAME_GROUP.format(waited=wait)
            actions = [
                self._ctx.post(case, text, now, silent=False),
                *self._ctx.edit_card(case, waiting_buttons(case.id, Role.REFERENT)),
            ]
        else:
            # Now the référents' case: their card, without « Pour un référent ».
            await self._ctx.cases.move(case.id, referents.chat_id, audience=Audience.REFERENT)
            actions = self._move(case, referents, now, audience=Role.REFERENT)
        return [*actions, *self._ctx.to_person(case, t.STILL_WAITING_WIDENED)]

    # --- when things go wrong -----------------------------------------------------------

    async def person_blocked_bot(self, person: str) -> list[Action]:
        """The person blocked the bot: their case closes, the helper is told why."""
        now = self._ctx.clock()
        case = await self._ctx.cases.open_case_of(person)
        if case is None:
            return []
        if not await self._ctx.cases.close(case.id, now):
            return []
        await self._ctx.relays.fail_pending(case.id)
        log.info("case %d closed: the person blocked the bot", case.id)
        await self._ctx.count(Counter.HANDOFF_CLOSED, "blocked")
        return self._ctx.closing(case, t.BLOCKED_TOPIC, now)

    async def case_unreachable(self, case_id: int) -> list[Action]:
        """Telegram refused a message to the person of ``case_id``: they blocked the bot.

        The adapter knows the case, not the person, when a notice to them fails.
        """
        case = await self._ctx.cases.get(case_id)
        if case is None or case.status == Status.CLOSED:
            return []
        return await self.person_blocked_bot(case.person_key)

    async def topic_missing(
        self, case_id: int, topic_id: int | None = None, *, note: str = t.TOPIC_RECREATED
    ) -> list[Action]:
        """The topic was deleted or closed by hand: create it again, with the card.

        ``topic_id``: the topic that failed. A report about a topic already replaced is
        ignored, so several failing sends make one new topic. Without it (the creation itself
        failed), the creation is asked again. The question was never stored, so the new card
        says "(question non conservée)".
        """
        now = self._ctx.clock()
        case = await self._ctx.cases.get(case_id)
        if case is None or case.status == Status.CLOSED:
            return []
        if topic_id is not None and case.topic_id != topic_id:
            return []
        if case.topic_id is not None and not await self._ctx.cases.forget_topic(case_id):
            return []
        group = self._ctx.group(case)
        owner = self._ctx.helper_by_key(case.owner_key)
        buttons = (
            owned_buttons(case.id, owner)
            if case.status == Status.OWNED and owner
            else waiting_buttons(case.id, Role(case.audience))
        )
        card = self._ctx.rebuilt_card(case, group) + "\n\n" + note
        log.info("case %d: topic re-created", case_id)
        return [
            OpenCaseThread(
                case_id=case.id,
                chat_id=case.group_chat_id,
                name=self._ctx.topic_name(case),
                card=card,
                buttons=buttons,
                silent=not group.hours.is_open(now),
            )
        ]

    async def case_for_topic(self, chat_id: int, topic_id: int) -> int | None:
        """Which case a topic belongs to (the adapter routes group messages with it)."""
        case = await self._ctx.cases.at_topic(chat_id, topic_id)
        return case.id if case else None

    # --- the charter and buttons --------------------------------------------------------

    async def show_charter(self, helper_id: int) -> list[Action]:
        """/charte: the text, with an "I accept" button for a pair-aidant who has not yet."""
        if self._ctx.charter is None:
            return []
        key, helper = self._ctx.helper(helper_id)
        accepted = await self._ctx.charters.acceptance(key) if helper else None
        text = self._ctx.charter.text
        buttons: Buttons = ()
        if accepted and accepted[0] == self._ctx.charter.version:
            text += "\n\n" + t.CHARTER_ALREADY.format(
                date=french_day(accepted[1], self._ctx.staff)
            )
        elif helper is not None:
            buttons = ((case_button(t.BUTTON_ACCEPT_CHARTER, CaseVerb.ACCEPT_CHARTER),),)
        return [ReplyHere(text, buttons=buttons)]

    async def accept_charter(self, helper_id: int) -> list[Action]:
        """The helper pressed "J'accepte": the date is kept, under their pseudonym."""
        key, helper = self._ctx.helper(helper_id)
        if self._ctx.charter is None:
            return []
        if helper is None:
            return [ShortNotice(t.NOT_A_HELPER, alert=True)]
        now = self._ctx.clock()
        await self._ctx.charters.accept(key, self._ctx.charter.version, now)
        return [
            ShortNotice(
                t.CHARTER_ACCEPTED.format(date=french_day(now, self._ctx.staff)), alert=True
            )
        ]

    async def press_staff(self, helper_id: int, verb: CaseVerb, case_id: int) -> list[Action]:
        """A staff button (read by ``parse_button`` in ``bot/domain/buttons.py``)."""
        if verb is CaseVerb.CLAIM:
            return await self.claim(helper_id, case_id)
        if verb is CaseVerb.TO_REFERENT:
            return await self.send_to_referents(helper_id, case_id)
        if verb is CaseVerb.ACCEPT_CHARTER:
            return await self.accept_charter(helper_id)
        case = await self._ctx.cases.get(case_id)
        return [ShortNotice(self._taken(case) if case and case.owner_key else t.CASE_CLOSED)]

    async def press_person(self, person: str, verb: CaseVerb, case_id: int) -> list[Action]:
        """A person's button (consent, "J'ai fini", satisfaction)."""
        if verb is CaseVerb.TRANSFER_YES:
            return await self.accept_transfer(person, case_id)
        if verb is CaseVerb.TRANSFER_NO:
            return await self.refuse_transfer(person, case_id)
        if verb is CaseVerb.DONE:
            return await self.close_by_person(person, case_id)
        if verb in (CaseVerb.RATE_UP, CaseVerb.RATE_MID, CaseVerb.RATE_DOWN):
            return await self.rate(person, case_id, verb)
        return [ReplyHere(t.STALE_BUTTON_PERSON)]

    # --- steps of the use cases above ---------------------------------------------------

    def _request_card(
        self,
        request: HandoffRequested,
        audience: Role,
        group: StaffGroup,
        alias: str,
        now: dt.datetime,
    ) -> str:
        """The card from the live request: the only time the question is in it."""
        return self._ctx.card(
            CardFacts(
                alias=alias,
                theme=request.theme,
                audience=audience,
                urgent=bool(request.crisis),
                since=now,
                shown_entries=request.shown_entries,
                not_helpful=request.not_helpful,
                question=request.question,
            ),
            group,
        )

    @staticmethod
    def _audience(request: HandoffRequested, referent: bool) -> Role:
        return Role.REFERENT if referent or request.crisis else Role.PAIR_AIDANT

    def _alias_for(self, person: str, now: dt.datetime) -> str:
        """Same alias in the preview and the card: derived from the person's key and day.

        Keyed with the secret, so the alias says nothing about the Telegram account.
        """
        day = now.astimezone(self._ctx.staff.hours.tz).date().isoformat()
        digest = hmac.new(
            self._ctx.secret.encode(), f"case:{person}:{day}".encode(), hashlib.sha256
        )
        return short_alias(digest.hexdigest())

    async def _random_alias(self) -> str:
        alias = short_alias(secrets.token_hex(4))
        for _ in range(20):
            if not await self._ctx.cases.alias_in_use(alias):
                break
            alias = short_alias(secrets.token_hex(4))
        return alias

    def _taken(self, case: Case) -> str:
        if case.status == Status.CLOSED:
            return t.CASE_CLOSED
        return t.ALREADY_TAKEN.format(helper=self._ctx.owner_name(case))

    async def _claim_refusal(self, helper: Helper | None, key: str, case: Case) -> str | None:
        """Why this helper may not claim this case, or None."""
        if helper is None:
            return t.NOT_A_HELPER
        if helper.role is Role.PAIR_AIDANT:
            if case.urgent or case.audience == Role.REFERENT:
                return t.REFERENT_ONLY
            if self._ctx.charter is not None:
                accepted = await self._ctx.charters.acceptance(key)
                if accepted is None or accepted[0] != self._ctx.charter.version:
                    return t.CHARTER_FIRST
        return None

    def _owner_refusal(self, key: str, case: Case | None) -> str | None:
        """Why this helper may not act as the case's owner, or None."""
        if case is None or case.status == Status.CLOSED:
            return t.CASE_CLOSED
        if case.status == Status.WAITING:
            return t.ONLY_OWNER_NOBODY
        if case.owner_key != key:
            return t.ONLY_OWNER.format(helper=self._ctx.owner_name(case))
        return None

    async def _persons_case(self, person: str, case_id: int) -> Case | None:
        case = await self._ctx.cases.open_case_of(person)
        return case if case is not None and case.id == case_id else None

    async def _requeue(
        self,
        case: Case,
        now: dt.datetime,
        *,
        audience: Role,
        owner_key: str | None,
        urgent: bool | None = None,
        keep_group: bool = False,
    ) -> list[Action] | None:
        """Back to the queue; move the case if its audience is served by another group.

        Returns the actions for the card/topic, or None if the case changed meanwhile.
        """
        group = self._ctx.group(case) if keep_group else self._ctx.staff.group_for(audience)
        moved = group.chat_id != case.group_chat_id
        if not await self._ctx.cases.requeue(
            case.id,
            now,
            audience=Audience(audience.value),
            group_chat_id=group.chat_id,
            announced=group.hours.is_open(now),
            owner_key=owner_key,
            urgent=urgent,
        ):
            return None
        if moved:
            return self._move(case, group, now, audience=audience, urgent=urgent)
        return self._ctx.edit_card(case, waiting_buttons(case.id, audience))

    def _move(
        self,
        case: Case,
        group: StaffGroup,
        now: dt.datetime,
        *,
        audience: Role,
        urgent: bool | None = None,
    ) -> list[Action]:
        """Close the old topic, create one in ``group`` with the old card copied first."""
        actions: list[Action] = []
        copy_from = None
        if case.topic_id is not None:
            actions.append(self._ctx.post(case, t.MOVED_OUT, now))
            actions += self._ctx.edit_card(case, ())
            actions.append(CloseCaseThread(case.id, case.group_chat_id, case.topic_id))
            if case.card_message_id is not None:
                copy_from = (case.group_chat_id, case.card_message_id)
        moved = dataclasses.replace(
            case,
            audience=Audience(audience.value),
            urgent=case.urgent if urgent is None else urgent,
            group_chat_id=group.chat_id,
        )
        actions.append(
            OpenCaseThread(
                case_id=case.id,
                chat_id=group.chat_id,
                name=self._ctx.topic_name(case),
                card=self._ctx.rebuilt_card(moved, group, copied=copy_from is not None),
                buttons=waiting_buttons(case.id, audience),
                silent=not group.hours.is_open(now),
                copy_from=copy_from,
            )
        )
        return actions
