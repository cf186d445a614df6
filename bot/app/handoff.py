"""Human handoff: one entry point for the channels over three use cases.

The handoff is three use cases that share explicit collaborators and inherit nothing
(``bot/bootstrap.py`` composes them, ``build_handoff``):

- :class:`~bot.app.cases.Cases` (``cases.py``): a case's life, from "Je transmets ? Oui" to
  closed: ask, claim, transfer, close, remind, the topic, the charter;
- :class:`~bot.app.relaying.Relaying` (``relaying.py``): copies both ways through the outbox
  and what goes wrong with them;
- :class:`~bot.app.erasure.Erasure` (``erasure.py``): erase on request, say what is kept,
  purge on time.

They share a :class:`~bot.app.handoff_core.HandoffContext` (stores, team, secret, clock) and
an :class:`~bot.app.outbox.Outbox` (the planning lock and the copies in flight).
:class:`HandoffService` is a thin facade with no logic of its own: the channels and the
conversation call one object, and each method says which use case answers it.

Nothing here talks to Telegram. Each method returns a list of frozen values
(``bot/domain/effects.py``) saying what to send where; the channel carries them out in order
and reports back (``topic_created``, ``outbox_sent``, ``outbox_failed``…). Relays are copies
of messages by id: message text is never read, stored or logged here, and the person's chat
id is kept only while their case is open.
"""

from __future__ import annotations

import datetime as dt

from bot.app.cases import TOPIC_LATE_AFTER, Cases
from bot.app.erasure import Erasure, PurgeResult
from bot.app.handoff_core import DEFAULT_RETENTION_DAYS, HandoffContext, utc_now
from bot.app.relaying import Relaying
from bot.domain.case import TRANSITIONS, Event, InvalidTransition, Status, next_status
from bot.domain.effects import Action, CaseVerb, DeliveryFailure, NoCase
from bot.domain.messages import HandoffRequested
from bot.knowledge.staff import StaffConfig

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "TOPIC_LATE_AFTER",
    "TRANSITIONS",
    "Event",
    "HandoffService",
    "InvalidTransition",
    "PurgeResult",
    "Status",
    "next_status",
    "utc_now",
]


class HandoffService:
    """The handoff as the channels see it: each method hands over to one use case."""

    def __init__(
        self, context: HandoffContext, cases: Cases, relaying: Relaying, erasure: Erasure
    ) -> None:
        self.context = context
        self.cases = cases
        self.relaying = relaying
        self.erasure = erasure

    @property
    def staff(self) -> StaffConfig:
        return self.context.staff

    @property
    def retention_days(self) -> int:
        return self.context.retention_days

    # --- Cases: asking --------------------------------------------------------------------

    def build_preview(self, request: HandoffRequested, *, referent: bool = False) -> str:
        return self.cases.build_preview(request, referent=referent)

    def consent_notes(self, request: HandoffRequested, *, referent: bool = False) -> str:
        return self.cases.consent_notes(request, referent=referent)

    async def has_open_case(self, person: str) -> bool:
        return await self.cases.has_open_case(person)

    async def open_case(
        self,
        request: HandoffRequested,
        chat_id: int,
        *,
        referent: bool = False,
        territory: str | None = None,
    ) -> list[Action]:
        return await self.cases.open_case(request, chat_id, referent=referent, territory=territory)

    async def topic_created(
        self, case_id: int, chat_id: int, topic_id: int, card_message_id: int | None
    ) -> list[Action]:
        return await self.cases.topic_created(case_id, chat_id, topic_id, card_message_id)

    # --- Cases: the team's side -----------------------------------------------------------

    async def claim(self, helper_id: int, case_id: int) -> list[Action]:
        return await self.cases.claim(helper_id, case_id)

    async def send_to_referents(self, helper_id: int, case_id: int) -> list[Action]:
        return await self.cases.send_to_referents(helper_id, case_id)

    async def release(self, helper_id: int, case_id: int) -> list[Action]:
        return await self.cases.release(helper_id, case_id)

    async def request_transfer(self, helper_id: int, case_id: int) -> list[Action]:
        return await self.cases.request_transfer(helper_id, case_id)

    async def send_entry(self, helper_id: int, case_id: int, entry_id: str) -> list[Action]:
        return await self.cases.send_entry(helper_id, case_id, entry_id)

    async def close_by_helper(self, helper_id: int, case_id: int) -> list[Action]:
        return await self.cases.close_by_helper(helper_id, case_id)

    async def show_charter(self, helper_id: int) -> list[Action]:
        return await self.cases.show_charter(helper_id)

    async def accept_charter(self, helper_id: int) -> list[Action]:
        return await self.cases.accept_charter(helper_id)

    async def press_staff(self, helper_id: int, verb: CaseVerb, case_id: int) -> list[Action]:
        return await self.cases.press_staff(helper_id, verb, case_id)

    async def case_for_topic(self, chat_id: int, topic_id: int) -> int | None:
        return await self.cases.case_for_topic(chat_id, topic_id)

    # --- Cases: the person's side ---------------------------------------------------------

    async def accept_transfer(self, person: str, case_id: int) -> list[Action]:
        return await self.cases.accept_transfer(person, case_id)

    async def refuse_transfer(self, person: str, case_id: int) -> list[Action]:
        return await self.cases.refuse_transfer(person, case_id)

    async def close_by_person(self, person: str, case_id: int | None = None) -> list[Action]:
        return await self.cases.close_by_person(person, case_id)

    async def rate(self, person: str, case_id: int, verb: CaseVerb) -> list[Action]:
        return await self.cases.rate(person, case_id, verb)

    async def press_person(self, person: str, verb: CaseVerb, case_id: int) -> list[Action]:
        return await self.cases.press_person(person, verb, case_id)

    async def mark_urgent(self, person: str) -> list[Action]:
        return await self.cases.mark_urgent(person)

    # --- Cases: jobs and what the channel reports ------------------------------------------

    async def topics_not_created(
        self, now: dt.datetime | None = None, *, at_start: bool = False
    ) -> list[Action]:
        return await self.cases.topics_not_created(now, at_start=at_start)

    async def due_reminders(self, now: dt.datetime | None = None) -> list[Action]:
        return await self.cases.due_reminders(now)

    async def person_blocked_bot(self, person: str) -> list[Action]:
        return await self.cases.person_blocked_bot(person)

    async def case_unreachable(self, case_id: int) -> list[Action]:
        return await self.cases.case_unreachable(case_id)

    async def topic_missing(self, case_id: int, topic_id: int | None = None) -> list[Action]:
        return await self.cases.topic_missing(case_id, topic_id)

    # --- Relaying -------------------------------------------------------------------------

    async def person_message(self, person: str, message_id: int) -> list[Action] | NoCase:
        return await self.relaying.person_message(person, message_id)

    async def person_masked_message(
        self, person: str, masked: str, *, media: bool = False
    ) -> list[Action] | NoCase:
        return await self.relaying.person_masked_message(person, masked, media=media)

    async def staff_message(
        self, helper_id: int, case_id: int, message_id: int, text: str = ""
    ) -> list[Action]:
        return await self.relaying.staff_message(helper_id, case_id, message_id, text)

    async def outbox_due(self, now: dt.datetime | None = None) -> list[Action]:
        return await self.relaying.outbox_due(now)

    async def outbox_sent(self, outbox_id: int) -> list[Action]:
        return await self.relaying.outbox_sent(outbox_id)

    async def outbox_failed(
        self, outbox_id: int, failure: DeliveryFailure, *, retry_after: float | None = None
    ) -> list[Action]:
        return await self.relaying.outbox_failed(outbox_id, failure, retry_after=retry_after)

    # --- Erasure --------------------------------------------------------------------------

    async def forget_person(self, person: str) -> list[Action]:
        return await self.erasure.forget_person(person)

    async def what_is_kept(self, person: str) -> list[str]:
        return await self.erasure.what_is_kept(person)

    async def purge_closed(
        self, older_than_days: int | None = None, now: dt.datetime | None = None
    ) -> PurgeResult:
        return await self.erasure.purge_closed(older_than_days, now)

    async def forget_former_helpers(self) -> int:
        return await self.erasure.forget_former_helpers()
