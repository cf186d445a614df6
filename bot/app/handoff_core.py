"""What the handoff use cases share: their collaborators and the small steps every one uses.

The handoff is three use cases composed by ``bot/bootstrap.py``, each given its collaborators
in its constructor, none inheriting from another: ``Cases`` (``bot/app/cases.py``: ask, claim,
transfer, close, remind, the topic's life), ``Relaying`` (``bot/app/relaying.py``: copies both
ways through the outbox, and what goes wrong) and ``Erasure`` (``bot/app/erasure.py``: erase,
say what is kept, purge). They share one :class:`HandoffContext` (the stores, the team, the
clock, how a message about a case is addressed) and one :class:`~bot.app.outbox.Outbox`
(the lock and the in-memory state of the copies in flight). Nothing here talks to Telegram.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.app.card import CardFacts, Catalog, NoCatalog, render_card, theme_label, topic_name
from bot.app.ports import Clock, Stores
from bot.domain.case import Case
from bot.domain.effects import (
    Action,
    Button,
    Buttons,
    CaseVerb,
    CloseCaseThread,
    EditCard,
    PostInCaseThread,
    PostToTeam,
    SendToPerson,
    case_button,
)
from bot.domain.pseudonym import user_key
from bot.domain.relay import DEFAULT_PER_MINUTE
from bot.knowledge.staff import Charter, Helper, Role, StaffConfig, StaffGroup, french_date
from bot.texts import handoff as t

log = logging.getLogger("bot.app.handoff")

DEFAULT_RETENTION_DAYS = 30


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class HandoffContext:
    """The stores, the team, the secret and the clock, and the steps every use case shares.

    ``charter`` and ``catalog`` may be replaced while the bot runs (a new charter version,
    a reloaded knowledge base): every use case reads them here, so all see the change.
    """

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
        self.secret = secret
        self.clock = clock
        self.charter = charter
        self.catalog: Catalog = catalog or NoCatalog()
        self.retention_days = retention_days
        self.relays_per_minute = relays_per_minute
        # Helpers are compared by pseudonym: the database never holds their Telegram id.
        self._helpers = {user_key(secret, h.telegram_id): h for h in staff.helpers}

    # --- the team -----------------------------------------------------------------------

    def helper(self, helper_id: int) -> tuple[str, Helper | None]:
        """A Telegram user's pseudonym, and the helper it is (None: not in the staff file)."""
        key = user_key(self.secret, helper_id)
        return key, self._helpers.get(key)

    def helper_by_key(self, key: str | None) -> Helper | None:
        """The configured helper with this pseudonym (a case's owner), if any."""
        return self._helpers.get(key or "")

    def helper_keys(self) -> list[str]:
        """The pseudonyms of every helper in the staff file."""
        return list(self._helpers)

    def group(self, case: Case) -> StaffGroup:
        """The case's group; if the configuration changed, where it would go now."""
        return self.staff.group(case.group_chat_id) or self.staff.group_for(Role(case.audience))

    def when(self, group: StaffGroup, now: dt.datetime) -> str:
        """Honest waiting time for the person: now, or the next opening in French."""
        if group.hours.is_open(now):
            return t.WAIT_OPEN
        when = group.hours.describe_next_opening(now)
        return t.WAIT_CLOSED.format(when=when) if when else t.WAIT_NO_HOURS

    def when_for(self, audience: Role, now: dt.datetime) -> str:
        return self.when(self.staff.group_for(audience), now)

    def owner_name(self, case: Case) -> str:
        owner = self.helper_by_key(case.owner_key)
        return owner.display if owner else "une autre personne"

    # --- the card and the topic ---------------------------------------------------------

    def card(self, facts: CardFacts, group: StaffGroup) -> str:
        return render_card(facts, self.catalog, group.hours.tz)

    def rebuilt_card(self, case: Case, group: StaffGroup, *, copied: bool = False) -> str:
        return self.card(
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

    def topic_name(self, case: Case) -> str:
        return topic_name(case.alias, theme_label(self.catalog, case.theme))

    # --- effects about a case -----------------------------------------------------------

    def post(
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
        group = self.group(case)
        quiet = (not group.hours.is_open(now)) if silent is None else silent
        if case.topic_id is None:
            return PostToTeam(case.group_chat_id, f"{case.alias} : {text}", silent=quiet)
        return PostInCaseThread(
            case.id,
            case.group_chat_id,
            case.topic_id,
            text,
            silent=quiet,
            reply_to=reply_to,
            insist=insist,
        )

    def edit_card(self, case: Case, buttons: Buttons) -> list[Action]:
        if case.card_message_id is None:
            return []
        return [EditCard(case.id, case.group_chat_id, case.card_message_id, buttons)]

    def to_person(self, case: Case, text: str, *, buttons: Buttons = ()) -> list[Action]:
        if case.chat_id is None:
            return []
        return [SendToPerson(case.id, case.chat_id, text, buttons=buttons)]

    def closing(self, case: Case, note: str, now: dt.datetime) -> list[Action]:
        """The team side of a close: a note, the card without buttons, the topic closed."""
        actions: list[Action] = [self.post(case, note, now, silent=True)]
        actions += self.edit_card(case, ())
        if case.topic_id is not None:
            actions.append(CloseCaseThread(case.id, case.group_chat_id, case.topic_id))
        return actions

    async def count(self, name: str, key: str = "") -> None:
        """Counters are secondary: a failure is a log line, never a lost relay."""
        try:
            await self.counters.count(name, key, day=self.clock().date().isoformat())
        except Exception as exc:  # storage trouble must not block a handoff
            log.warning("counter %s not saved: %s", name, type(exc).__name__)


# --- pure helpers ---------------------------------------------------------------------------


def waiting_buttons(case_id: int, audience: Role) -> Buttons:
    rows: list[tuple[Button, ...]] = [(case_button(t.BUTTON_CLAIM, CaseVerb.CLAIM, case_id),)]
    if audience is Role.PAIR_AIDANT:
        rows.append((case_button(t.BUTTON_TO_REFERENT, CaseVerb.TO_REFERENT, case_id),))
    return tuple(rows)


def owned_buttons(case_id: int, helper: Helper) -> Buttons:
    label = t.BUTTON_TAKEN_BY.format(name=helper.name)
    return ((case_button(label, CaseVerb.STATUS, case_id),),)


def rating_buttons(case_id: int) -> Buttons:
    return (
        (
            case_button(t.BUTTON_RATE_UP, CaseVerb.RATE_UP, case_id),
            case_button(t.BUTTON_RATE_MID, CaseVerb.RATE_MID, case_id),
            case_button(t.BUTTON_RATE_DOWN, CaseVerb.RATE_DOWN, case_id),
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
