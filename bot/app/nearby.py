"""« Où aller près de chez moi ? »: up to three places of the territory for a person's commune.

A person asks (« où aller pour qu'on m'aide », « france services à côté de chez moi », « il y a
un endroit pour imprimer à Ploërmel ? ») or presses « 📍 Près de chez moi » under an answer
that speaks of help nearby. If the message names no commune, the bot asks for it (a name or a
postcode, typos tolerated); several communes of that name are offered as buttons; then come
up to three places (``knowledge/lieux.yaml``) that serve that commune and help with the topic
at hand, and the way to a person. Without ``lieux.yaml``, or with no place for that commune,
the national finder answer (the France Services entry): no place is ever invented.

Gather → decide → apply, as the rest of the engine: :func:`plan_for_text` and
:func:`plan_for_button` are pure (knowledge, decision, text, time in; a frozen
:class:`NearbyPlan` out); :class:`NearbyFlow` applies a plan to the session and words it.

The commune is used for one answer and then forgotten: the session remembers only that the
bot is waiting for a commune, and for which topic (:class:`Asking`); the counter ``nearby``
says which step was reached, never where. Nothing here logs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from bot.domain.counters import Counter
from bot.domain.messages import Action, Button, Outbound, Phone, Reply, Verb
from bot.knowledge.communes import Commune, default_communes
from bot.knowledge.decision import Decision, decide
from bot.knowledge.holder import Knowledge
from bot.knowledge.kb import Entry
from bot.knowledge.nearby import Request, asks_for_a_place, communes_in, topic_words
from bot.knowledge.normalize import fold
from bot.knowledge.places import Place, PlaceMatch, render_place
from bot.texts import nearby as texts
from bot.texts import person as person_texts

# The national finder: the entry that says how to find a France Services on the map.
FINDER_ENTRY = "aide-france-services"
# An answer that says one of these offers the « 📍 Près de chez moi » button (folded text).
_NEARBY_WORDS = ("pres de chez", "france services")
_POSTCODE_ONLY = re.compile(r"^\s*(?:\d{5}|\d{2} \d{3})\s*$")
NEARBY_VERBS = frozenset({Verb.NEARBY, Verb.NEARBY_COMMUNE})


class Step(StrEnum):
    """What the bot does next; also the key of the ``nearby`` counter (never the commune)."""

    ASK = "ask"  # no commune in the message: ask for it
    NOT_FOUND = "not-found"  # asked, and the reply names no commune: ask again
    CHOOSE = "choose"  # several communes of that name: one button each
    PLACES = "places"  # up to three places
    FINDER = "finder"  # no lieux.yaml, or no place for that commune: the national finder


@dataclass(frozen=True)
class NearbyPlan:
    """The next step, with the communes understood and the places found (never stored)."""

    step: Step
    topic: str | None = None  # the entry or theme the places must help with; None: any
    # Shown when no place fits (Step.FINDER): the entry the message itself asked about
    # (« où aller pour une question d'impôts »), or else the national finder.
    entry: str = FINDER_ENTRY
    communes: tuple[Commune, ...] = field(default=(), repr=False)
    places: tuple[PlaceMatch, ...] = field(default=(), repr=False)

    @property
    def commune(self) -> Commune | None:
        """The one commune understood, if any."""
        return self.communes[0] if len(self.communes) == 1 else None


@dataclass(frozen=True)
class Asking:
    """The bot asked for a commune, for this topic. In the session (memory); no commune."""

    topic: str | None = None
    entry: str = FINDER_ENTRY  # shown when no place fits (see NearbyPlan.entry)


class NearbySession(Protocol):
    """What the flow reads and writes in the person's session (``bot/app/conversation.py``)."""

    nearby: Asking | None
    topic: str | None  # the last entry or theme shown: the topic at hand


def offers_nearby(knowledge: Knowledge, entry: Entry) -> bool:
    """Whether ``entry`` gets the « 📍 Près de chez moi » button: it speaks of help nearby
    and the territory has places (without them, the entry already gives the finder)."""
    if knowledge.places is None:
        return False
    folded = fold(" ".join((entry.answer, *entry.steps)))
    return any(words in folded for words in _NEARBY_WORDS)


# --- the pure core ----------------------------------------------------------------------


def plan_for_text(
    knowledge: Knowledge,
    decision: Decision,
    text: str,
    now: dt.datetime,
    *,
    asking: Asking | None = None,
    recent_topic: str | None = None,
) -> NearbyPlan | None:
    """The next step for a typed message, or None when it is not about places.

    ``decision`` is the engine's decision for ``text`` (safety ran first: a crisis, a request
    for a person, small talk or a pasted message are never read as a commune). ``asking``:
    the bot is waiting for a commune. ``recent_topic``: the entry or theme the person came
    from, for a request that names no topic of its own.
    """
    if decision.kind in ("crisis", "human") or decision.intent or decision.scam is not None:
        return None
    text = decision.masked_text or text
    request = asks_for_a_place(text)
    if asking is not None:
        plan = _reply_to_asking(knowledge, decision, text, now, asking)
        if plan is not None or request is None:
            return plan
    if request is None:
        return None
    if knowledge.places is None:
        # No places: the finder, unless the message asks something the base answers
        # (« où aller pour une question d'impôts » has its own answer).
        topic = _topic_of(knowledge, topic_words(text))
        if request is Request.KIND or (topic is not None and topic != FINDER_ENTRY):
            return None
        return NearbyPlan(Step.FINDER)
    # « france services ploermel »: a request only with the name as it is (« cest » is no
    # typo for Crest); « c'est quoi france services »: the entry answers, with its button.
    communes = communes_in(text, default_communes(), typos=request is Request.WHERE)
    if not communes and request is Request.KIND:
        return None
    commune = communes[0] if len(communes) == 1 else None
    asked = _topic_of(knowledge, topic_words(text, commune))
    fallback = asked if asked is not None and knowledge.kb.entry(asked) else FINDER_ENTRY
    return _plan_for(knowledge, communes, asked or recent_topic, now, fallback)


def plan_for_button(
    knowledge: Knowledge, action: Action, now: dt.datetime, *, asking: Asking | None = None
) -> NearbyPlan | None:
    """The next step after « 📍 Près de chez moi » or a commune's button; None: stale."""
    if action.verb is Verb.NEARBY:
        if knowledge.places is None:
            return NearbyPlan(Step.FINDER)
        return NearbyPlan(Step.ASK, topic=action.arg)
    if action.verb is Verb.NEARBY_COMMUNE:
        commune = default_communes().get(action.arg)
        if commune is None:
            return None
        if asking is None:
            return _plan_for(knowledge, (commune,), None, now)
        return _plan_for(knowledge, (commune,), asking.topic, now, asking.entry)
    return None


def _reply_to_asking(
    knowledge: Knowledge, decision: Decision, text: str, now: dt.datetime, asking: Asking
) -> NearbyPlan | None:
    """The bot asked for a commune: the reply names one, or the person moved on (None)."""
    communes = default_communes()
    exact = bool(communes.named(text)) or _POSTCODE_ONLY.match(text) is not None
    if decision.kind in ("answer", "theme") and not exact:
        return None  # a question the base answers is a new one; « Sens » alone: the commune
    # The base has ideas about it: a commune only as it is written, else a new question.
    found = communes_in(text, communes, typos=decision.kind != "clarify")
    if not found:
        if decision.kind == "clarify":
            return None
        return NearbyPlan(Step.NOT_FOUND, topic=asking.topic, entry=asking.entry)
    return _plan_for(knowledge, found, asking.topic, now, asking.entry)


def _plan_for(
    knowledge: Knowledge,
    communes: Sequence[Commune],
    topic: str | None,
    now: dt.datetime,
    entry: str = FINDER_ENTRY,
) -> NearbyPlan:
    if not communes:
        return NearbyPlan(Step.ASK, topic=topic, entry=entry)
    if len(communes) > 1:
        return NearbyPlan(Step.CHOOSE, topic=topic, communes=tuple(communes), entry=entry)
    places = knowledge.places.places_for(communes[0], topic, now) if knowledge.places else []
    step = Step.PLACES if places else Step.FINDER
    return NearbyPlan(
        step, topic=topic, entry=entry, communes=tuple(communes), places=tuple(places)
    )


def _topic_of(knowledge: Knowledge, words: str) -> str | None:
    """The entry or theme the words ask about, when the base is sure; None otherwise."""
    if not words:
        return None
    decision = decide(knowledge, words)
    if decision.kind == "answer" and decision.entry and decision.scam is None:
        return decision.entry
    if decision.kind == "theme":
        return decision.theme
    return None


# --- wording ----------------------------------------------------------------------------


def place_reply(
    place: Place, now: dt.datetime, buttons: Sequence[tuple[Button, ...]] = ()
) -> Reply:
    """One place as a person sees it (also ``/apercu lieu <id>``): the phone is tap-to-call."""
    phones = (Phone(number=place.phone_number, label=place.phone),) if place.phone else ()
    return Reply(render_place(place, now, phone_line=False), phones=phones, buttons=tuple(buttons))


def _human_row() -> tuple[Button, ...]:
    return (Button(person_texts.BUTTON_HUMAN, Action(Verb.HUMAN)),)


def _menu_row() -> tuple[Button, ...]:
    return (Button(person_texts.BUTTON_MENU, Action(Verb.MENU)),)


def nearby_button(entry: Entry) -> Button:
    return Button(texts.BUTTON_NEARBY, Action(Verb.NEARBY, entry.id))


# --- the flow ---------------------------------------------------------------------------

S = TypeVar("S", bound=NearbySession)


class NearbyFlow(Generic[S]):
    """Applies a plan: the session waits for a commune or not, the counter, the replies."""

    def __init__(
        self,
        *,
        now: Callable[[], dt.datetime],
        count: Callable[[str, str], Awaitable[None]],
        show_entry: Callable[[Knowledge, S, Entry], Awaitable[list[Outbound]]],
    ) -> None:
        self._now = now
        self._count = count
        # The engine's own answer for an entry (the finder), without the « 📍 » button.
        self._show_entry = show_entry

    async def on_text(
        self, knowledge: Knowledge, session: S, decision: Decision, text: str
    ) -> list[Outbound] | None:
        """Places, or a question about the commune; None: the message is about something else."""
        now = self._now()
        plan = plan_for_text(
            knowledge, decision, text, now, asking=session.nearby, recent_topic=session.topic
        )
        if plan is None:
            session.nearby = None  # the person moved on: stop waiting for a commune
            return None
        return await self._apply(knowledge, session, plan, now)

    async def on_button(
        self, knowledge: Knowledge, session: S, action: Action
    ) -> list[Outbound] | None:
        now = self._now()
        plan = plan_for_button(knowledge, action, now, asking=session.nearby)
        if plan is None:
            return None
        return await self._apply(knowledge, session, plan, now)

    async def _apply(
        self, knowledge: Knowledge, session: S, plan: NearbyPlan, now: dt.datetime
    ) -> list[Outbound]:
        waiting = plan.step in (Step.ASK, Step.NOT_FOUND, Step.CHOOSE)
        session.nearby = Asking(plan.topic, plan.entry) if waiting else None
        await self._count(Counter.NEARBY, plan.step.value)
        if plan.step is Step.ASK:
            return [Reply(texts.ASK_COMMUNE, buttons=(_human_row(),))]
        if plan.step is Step.NOT_FOUND:
            return [Reply(texts.COMMUNE_NOT_FOUND, buttons=(_human_row(), _menu_row()))]
        if plan.step is Step.CHOOSE:
            rows = [
                (Button(c.label, Action(Verb.NEARBY_COMMUNE, c.code.lower())),)
                for c in plan.communes
            ]
            return [Reply(texts.CHOOSE_COMMUNE, buttons=(*rows, _human_row()))]
        commune = plan.commune
        if plan.step is Step.PLACES and commune is not None:
            out: list[Outbound] = [Reply(texts.PLACES_INTRO.format(commune=commune.label))]
            last = len(plan.places) - 1
            for i, match in enumerate(plan.places):
                rows = (_human_row(), _menu_row()) if i == last else ()
                out.append(place_reply(match.place, now, rows))
            return out
        return await self._finder(knowledge, session, commune, plan.entry)

    async def _finder(
        self, knowledge: Knowledge, session: S, commune: Commune | None, entry_id: str
    ) -> list[Outbound]:
        """The national finder (or the entry asked about): honest, no place is made up."""
        entry = knowledge.kb.entry(entry_id) or knowledge.kb.entry(FINDER_ENTRY)
        if entry is None:
            return [Reply(texts.NO_PLACE_KNOWN, buttons=(_human_row(),))]
        intro = (
            [Reply(texts.NO_PLACE_HERE.format(commune=commune.label))]
            if commune is not None
            else []
        )
        return [*intro, *await self._show_entry(knowledge, session, entry)]
