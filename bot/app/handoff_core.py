"""The shared part of the handoff service: its dependencies and the helpers every step uses.

``HandoffService`` (``bot/app/handoff.py``) is assembled from this core and two mixins, one file
per job: ``handoff_relay.py`` (copies, outbox, lost topics, blocked people) and
``handoff_privacy.py`` (erase, say what is kept, purge). Nothing here talks to Telegram.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from bot.app.card import CardFacts, Catalog, NoCatalog, render_card, theme_label, topic_name
from bot.app.ports import Clock, Stores
from bot.domain.case import Case
from bot.domain.effects import (
    Action,
    Buttons,
    CaseButton,
    CaseVerb,
    CloseTopic,
    CopyToPerson,
    CopyToTopic,
    Delivery,
    EditCard,
    PostInGroup,
    PostInTopic,
    SendToPerson,
)
from bot.domain.pseudonym import user_key
from bot.domain.relay import (
    DEFAULT_PER_MINUTE,
    TO_PERSON,
    TO_TOPIC,
    OutboxItem,
    RelayState,
    plan_dispatch,
)
from bot.knowledge.staff import Charter, Helper, Role, StaffConfig, StaffGroup, french_date
from bot.texts import handoff as t

log = logging.getLogger("bot.app.handoff")

DEFAULT_RETENTION_DAYS = 30


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class HandoffCore:
    """Store, staff, secret and clock, and the small steps shared by every use case."""

    def __init__(
        self,
        stores: Stores,
        staff: StaffConfig,
        secret: str,
        clock: Clock = utc_now,
        *,
        charter: Charter | None = None,
        catalog: Catalog | None = None,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        relays_per_minute: int = DEFAULT_PER_MINUTE,
    ) -> None:
        self.cases = stores.cases
        self.relays = stores.relays
        self.counters = stores.counters
        self.charters = stores.charters
        self.staff = staff
        self._secret = secret
        self._clock = clock
        self.charter = charter
        self.catalog: Catalog = catalog or NoCatalog()
        self.retention_days = retention_days
        self.relays_per_minute = relays_per_minute
        # Planning reads the outbox then marks items in flight: two coroutines (an update
        # and the outbox job) must not plan between those two steps, or a copy goes twice.
        self._planning = asyncio.Lock()
        # Copies marked in flight before this process started were sent by one that died.
        self._started = clock()
        self._uncertain: dict[int, OutboxItem] = {}  # to the person, maybe made: see outbox_due
        # Helpers are compared by pseudonym: the database never holds their Telegram id.
        self._helpers = {user_key(secret, h.telegram_id): h for h in staff.helpers}

    # --- shared steps ------------------------------------------------------------------

    def _helper(self, helper_id: int) -> tuple[str, Helper | None]:
        key = user_key(self._secret, helper_id)
        return key, self._helpers.get(key)

    def _group(self, case: Case) -> StaffGroup:
        """The case's group; if the configuration changed, where it would go now."""
        return self.staff.group(case.group_chat_id) or self.staff.group_for(Role(case.audience))

    def _when(self, group: StaffGroup, now: dt.datetime) -> str:
        """Honest waiting time for the person: now, or the next opening in French."""
        if group.hours.is_open(now):
            return t.WAIT_OPEN
        when = group.hours.describe_next_opening(now)
        return t.WAIT_CLOSED.format(when=when) if when else t.WAIT_NO_HOURS

    def _when_for(self, audience: Role, now: dt.datetime) -> str:
        return self._when(self.staff.group_for(audience), now)

    def _card(self, facts: CardFacts, group: StaffGroup) -> str:
        return render_card(facts, self.catalog, group.hours.tz)

    def _rebuilt_card(self, case: Case, group: StaffGroup, *, copied: bool = False) -> str:
        return self._card(
            CardFacts(
                alias=case.alias,
                theme=case.theme,
                audience=Role(case.audience),
                urgent=case.urgent,
                since=case.opened_at,
                shown_entries=case.shown_entries,
                not_helpful=case.not_helpful,
                question=None,
                question_note=t.CARD_QUESTION_ABOVE if copied else t.CARD_QUESTION_NOT_KEPT,
            ),
            group,
        )

    def _topic_name(self, case: Case) -> str:
        return topic_name(case.alias, theme_label(self.catalog, case.theme))

    def _owner_name(self, case: Case) -> str:
        owner = self._helpers.get(case.owner_key or "")
        return owner.display if owner else "une autre personne"

    def _post(
        self,
        case: Case,
        text: str,
        now: dt.datetime,
        *,
        silent: bool | None = None,
        reply_to: int | None = None,
        insist: bool = False,
    ) -> Action:
        """A message about the case for the team: in its topic, or in General if it has none.

        Silent while the group is closed: nobody is woken up at night.
        """
        group = self._group(case)
        quiet = (not group.hours.is_open(now)) if silent is None else silent
        if case.topic_id is None:
            return PostInGroup(case.group_chat_id, f"{case.alias} : {text}", silent=quiet)
        return PostInTopic(
            case.id,
            case.group_chat_id,
            case.topic_id,
            text,
            silent=quiet,
            reply_to=reply_to,
            insist=insist,
        )

    def _edit_card(self, case: Case, buttons: Buttons) -> list[Action]:
        if case.card_message_id is None:
            return []
        return [EditCard(case.id, case.group_chat_id, case.card_message_id, buttons)]

    def _to_person(self, case: Case, text: str, *, buttons: Buttons = ()) -> list[Action]:
        if case.chat_id is None:
            return []
        return [SendToPerson(case.id, case.chat_id, text, buttons=buttons)]

    def _closing(self, case: Case, note: str, now: dt.datetime) -> list[Action]:
        """The team side of a close: a note, the card without buttons, the topic closed."""
        actions: list[Action] = [self._post(case, note, now, silent=True)]
        actions += self._edit_card(case, ())
        if case.topic_id is not None:
            actions.append(CloseTopic(case.id, case.group_chat_id, case.topic_id))
        return actions

    async def _count(self, name: str, key: str = "") -> None:
        """Counters are secondary: a failure is a log line, never a lost relay."""
        try:
            await self.counters.count(name, key, day=self._clock().date().isoformat())
        except Exception as exc:  # storage trouble must not block a handoff
            log.warning("counter %s not saved: %s", name, type(exc).__name__)

    async def _deliveries(
        self,
        case_id: int | None,
        *,
        direction: str | None = None,
        now: dt.datetime | None = None,
    ) -> list[Delivery]:
        """Plan, mark in flight, and describe the copies that may go now."""
        now = now or self._clock()
        async with self._planning:
            plan = plan_dispatch(
                await self.relays.pending(),
                await self.relays.attempts_since(now - dt.timedelta(minutes=1)),
                now,
                per_minute=self.relays_per_minute,
                orphaned_before=self._started,
            )
            for lost in plan.undeliverable:
                await self.relays.settle(lost.id, RelayState.FAILED)
            for maybe in plan.uncertain:  # never sent twice to a person; marked for the helper
                await self.relays.settle(maybe.id, RelayState.FAILED)
                self._uncertain[maybe.id] = maybe
            chosen = [
                r
                for r in plan.ready
                if (case_id is None or r.case_id == case_id)
                and (direction is None or r.direction == direction)
            ]
            await self.relays.start([r.id for r in chosen], now)
        return [self._delivery(r, now) for r in chosen]

    async def _flush_to_person(self, case_id: int, now: dt.datetime) -> list[Delivery]:
        """The owner's queued messages, now, even those waiting for a retry.

        Returned before "terminé" so that the person reads the last answer first.
        """
        async with self._planning:
            queued = [
                r
                for r in await self.relays.pending(case_id)
                if r.direction == TO_PERSON
                and r.status == RelayState.QUEUED
                and r.person_chat_id is not None
            ]
            await self.relays.start([r.id for r in queued], now)
        return [self._delivery(r, now) for r in queued]

    def _delivery(self, relay: OutboxItem, now: dt.datetime) -> Delivery:
        assert relay.person_chat_id is not None
        if relay.direction == TO_TOPIC:
            assert relay.topic_id is not None
            group = self.staff.group(relay.group_chat_id)
            is_open = group.hours.is_open(now) if group else self.staff.hours.is_open(now)
            return CopyToTopic(
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


# --- pure helpers ---------------------------------------------------------------------------


def waiting_buttons(case_id: int, audience: Role) -> Buttons:
    rows: list[tuple[CaseButton, ...]] = [(CaseButton(t.BUTTON_CLAIM, CaseVerb.CLAIM, case_id),)]
    if audience is Role.PAIR_AIDANT:
        rows.append((CaseButton(t.BUTTON_TO_REFERENT, CaseVerb.TO_REFERENT, case_id),))
    return tuple(rows)


def owned_buttons(case_id: int, helper: Helper) -> Buttons:
    label = t.BUTTON_TAKEN_BY.format(name=helper.name)
    return ((CaseButton(label, CaseVerb.STATUS, case_id),),)


def rating_buttons(case_id: int) -> Buttons:
    return (
        (
            CaseButton(t.BUTTON_RATE_UP, CaseVerb.RATE_UP, case_id),
            CaseButton(t.BUTTON_RATE_MID, CaseVerb.RATE_MID, case_id),
            CaseButton(t.BUTTON_RATE_DOWN, CaseVerb.RATE_DOWN, case_id),
        ),
    )


WAIT_BUCKETS = ((5, "0-5min"), (15, "5-15min"), (60, "15-60min"), (240, "1-4h"), (1440, "4-24h"))


def wait_bucket(delta: dt.timedelta) -> str:
    """Waiting time as a histogram bucket: counted with no person attached."""
    minutes = delta.total_seconds() / 60
    for limit, label in WAIT_BUCKETS:
        if minutes < limit:
            return label
    return "24h+"


def french_day(moment: dt.datetime, staff: StaffConfig) -> str:
    local = moment.astimezone(staff.hours.tz).date()
    return f"{french_date(local)} {local.year}"
