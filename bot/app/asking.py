"""Asking for a person, and the person's messages while a case is open: the engine's side.

Pure Python, no Telegram. Asking takes three taps, and nothing leaves the bot before the last:

1. what it is about: a theme, or "ma dernière question" when there is one;
2. what kind of help: using a website, an app or the phone (a pair-aidant) or the personal
   situation (a référent). After a crisis 1 and 2 are skipped: a référent, about the last
   message, straight to the preview;
3. the preview: exactly the card the helper will see (``HandoffService.build_preview``), then
   "Je transmets ?". "Oui" opens the case; "Non" forgets the request.

The request waiting for those taps lives in memory only, one per person, and expires. A "Oui"
carries the number of the preview it answers, so an old button never sends something the
person did not see last. Once a case is open, the person's messages are relayed to it; the
engine keeps the crisis and sensitive-data rules (``bot/app/conversation.py``, ``_to_case``).
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.app.handoff import HandoffService
from bot.domain.buttons import MAX_BUTTONS_PER_SCREEN
from bot.domain.effects import Action as CaseAction
from bot.domain.effects import NoCase
from bot.domain.messages import (
    Action,
    Button,
    CaseActions,
    HandoffRequested,
    Inbound,
    Outbound,
    Reply,
    Verb,
)
from bot.knowledge.kb import KnowledgeBase
from bot.texts import handoff as t
from bot.texts import person as texts
from bot.texts.memory import KEPT_PENDING

PENDING_TTL_SECONDS = 30 * 60
"""A request not confirmed within half an hour is forgotten (the buttons then say so)."""
MAX_PENDING = 10_000
LAST_QUESTION_SHOWN = 200
"""Characters of the last question quoted when asking what it is about."""
NO_TEAM_ENTRIES = ("aide-france-services", "aide-conseiller-numerique")
"""Where a person can meet someone when no team is connected to this bot."""

FLOW_VERBS = frozenset(
    {
        Verb.ASK_LAST,
        Verb.ASK_THEME,
        Verb.ASK_TOPICS,
        Verb.ASK_OTHER,
        Verb.ASK_PAIR,
        Verb.ASK_REFERENT,
        Verb.ASK_YES,
        Verb.ASK_NO,
    }
)


@dataclass
class PendingRequest:
    """One person's request between "Parler à quelqu'un" and "Oui". Memory only."""

    base: HandoffRequested  # what the bot knew when the person asked
    seen: float
    about_chosen: bool = False
    about_last: bool = False
    theme: str | None = None
    referent: bool | None = None
    preview: HandoffRequested | None = None  # exactly what the last preview showed
    awaiting_question: bool = False  # « Autre chose »: the next text is the question
    written: str | None = None  # that question, masked as the engine masks (memory only)
    number: int = 0  # that preview's number, carried by its "Oui" button


class HandoffFlow:
    """The asking dialogue and the relaying of the person's messages, over one service.

    Without a service (no staff configuration) asking says honestly that no team is
    connected yet, and where to meet someone instead.
    """

    def __init__(
        self,
        service: HandoffService | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        ttl: float = PENDING_TTL_SECONDS,
        limit: int = MAX_PENDING,
    ) -> None:
        self.service = service
        self._clock = clock
        self._ttl = ttl
        self._limit = limit
        self._pending: OrderedDict[str, PendingRequest] = OrderedDict()
        self._numbers = itertools.count(1)

    # --- what is in memory (bot/app/memory.py) ----------------------------------------------

    def holds(self, person: str) -> list[str]:
        """A request not yet sent, as /mesdonnees says it."""
        return [KEPT_PENDING] if person in self._pending else []

    def forget(self, person: str) -> None:
        """/oublier: the request not yet sent goes."""
        self._pending.pop(person, None)

    # --- asking -------------------------------------------------------------------------

    async def ask(self, kb: KnowledgeBase, request: HandoffRequested) -> list[Outbound]:
        """ "Parler à quelqu'un": the first question, or why it cannot happen here."""
        if self.service is None:
            return [no_team_reply(kb)]
        if await self.service.has_open_case(request.user):
            self._pending.pop(request.user, None)
            return [Reply(t.ALREADY_OPEN)]
        pending = PendingRequest(base=request, seen=self._clock())
        self._remember(pending)
        if request.crisis:
            # After a crisis no theme is asked: a référent, about what was last written.
            pending.about_chosen, pending.referent = True, True
            pending.about_last = bool(request.question.strip())
            return [self._preview(pending)]
        return [_about_question(kb, request)]

    async def press(self, kb: KnowledgeBase, inbound: Inbound) -> list[Outbound]:
        """A button of the asking dialogue (a verb of ``FLOW_VERBS``)."""
        assert inbound.action is not None
        verb, arg = inbound.action.verb, inbound.action.arg
        if verb is Verb.ASK_NO:
            self._pending.pop(inbound.user, None)
            return [Reply(t.ASK_DECLINED, buttons=((_menu_button(),),))]
        pending = self._get(inbound.user)
        if pending is None or self.service is None:
            return await self._stale(inbound.user)
        if verb is Verb.ASK_YES:
            return await self._open(pending, inbound)
        pending.awaiting_question = False
        if verb is Verb.ASK_LAST and pending.base.question.strip():
            pending.about_chosen, pending.about_last = True, True
            pending.theme = pending.base.theme
        elif verb is Verb.ASK_THEME and (kb.theme(arg) or kb.group(arg)) is not None:
            pending.about_chosen, pending.about_last, pending.theme = True, False, arg
        elif verb is Verb.ASK_TOPICS:
            return [_topics_question(kb)]
        elif verb is Verb.ASK_OTHER:
            pending.about_chosen, pending.about_last, pending.theme = True, False, None
            pending.awaiting_question, pending.written = True, None
            return [_write_question()]
        elif verb in (Verb.ASK_PAIR, Verb.ASK_REFERENT):
            pending.referent = verb is Verb.ASK_REFERENT
        else:
            return await self._stale(inbound.user)
        return [self._next_step(kb, pending)]

    def wrote(self, kb: KnowledgeBase, user: str, text: str) -> list[Outbound] | None:
        """The question written after « Autre chose »; None when none is awaited.

        ``text`` is what the engine would keep of it (secrets masked): that is what the
        preview shows and the team may read, after the person's « Oui ».
        """
        pending = self._get(user)
        if pending is None or not pending.awaiting_question or not text.strip():
            return None
        pending.awaiting_question = False
        pending.written = text.strip()
        return [self._next_step(kb, pending)]

    def stop_awaiting(self, user: str) -> None:
        """The person went elsewhere (the menu, a command): their next text is for the bot."""
        pending = self._pending.get(user)
        if pending is not None:
            pending.awaiting_question = False

    def _next_step(self, kb: KnowledgeBase, pending: PendingRequest) -> Reply:
        if not pending.about_chosen:
            return _about_question(kb, pending.base)
        if pending.referent is None and not pending.base.crisis:
            return _kind_question()
        return self._preview(pending)

    def _preview(self, pending: PendingRequest) -> Reply:
        """The card exactly as the helper will get it, then "Je transmets ?"."""
        assert self.service is not None
        question = pending.base.question if pending.about_last else (pending.written or "")
        request = replace(pending.base, theme=pending.theme, question=question)
        pending.preview = request
        pending.number = next(self._numbers)
        card = self.service.build_preview(request, referent=bool(pending.referent))
        notes = self.service.consent_notes(request, referent=bool(pending.referent))
        return Reply(
            f"{t.PREVIEW_INTRO}\n\n{card}\n\n{notes}\n\n{t.PREVIEW_FOOTER}",
            buttons=(
                (Button(t.BUTTON_ASK_YES, Action(Verb.ASK_YES, str(pending.number))),),
                (Button(t.BUTTON_ASK_NO, Action(Verb.ASK_NO)),),
            ),
        )

    async def _open(self, pending: PendingRequest, inbound: Inbound) -> list[Outbound]:
        """ "Oui" to the last preview shown: the case opens with exactly that request."""
        assert self.service is not None and inbound.action is not None
        if pending.preview is None or inbound.action.arg != str(pending.number):
            return await self._stale(inbound.user)
        if inbound.chat is None:  # a channel that cannot relay (the terminal try-out)
            return [no_team_reply(None)]
        self._pending.pop(inbound.user, None)
        actions = await self.service.open_case(
            pending.preview, inbound.chat, referent=bool(pending.referent)
        )
        return [CaseActions(tuple(actions))]

    async def _stale(self, user: str) -> list[Outbound]:
        if self.service is not None and await self.service.has_open_case(user):
            return [Reply(t.ALREADY_OPEN)]
        return [Reply(t.ASK_EXPIRED, buttons=((_human_button(),),))]

    def _get(self, user: str) -> PendingRequest | None:
        pending = self._pending.get(user)
        now = self._clock()
        if pending is None or now - pending.seen > self._ttl:
            self._pending.pop(user, None)
            return None
        pending.seen = now
        return pending

    def _remember(self, pending: PendingRequest) -> None:
        self._pending[pending.base.user] = pending
        self._pending.move_to_end(pending.base.user)
        while len(self._pending) > self._limit:
            self._pending.popitem(last=False)

    # --- while a case is open -----------------------------------------------------------

    async def has_open_case(self, user: str) -> bool:
        return self.service is not None and await self.service.has_open_case(user)

    async def finish(self, user: str) -> list[Outbound]:
        """The keyboard's « J'ai fini »: the open case ends, as with its button."""
        if self.service is None or not await self.service.has_open_case(user):
            return [Reply(texts.NOTHING_TO_FINISH)]
        return _wrap(await self.service.close_by_person(user))

    async def relay(self, inbound: Inbound) -> list[Outbound] | None:
        """Copy the person's message into their case; None when no case is open (any more)."""
        if self.service is None or inbound.message_id is None:
            return None
        result = await self.service.person_message(inbound.user, inbound.message_id)
        return None if isinstance(result, NoCase) else _wrap(result)

    async def relay_masked(self, inbound: Inbound, masked: str) -> list[Outbound]:
        """The team reads the masked text of a message the bot deleted (it held a secret)."""
        if self.service is None:
            return []
        result = await self.service.person_masked_message(
            inbound.user, masked, media=inbound.media is not None
        )
        return [] if isinstance(result, NoCase) else _wrap(result)

    async def urgent(self, user: str) -> list[Outbound]:
        """A crisis message during a case: référents, at once (the engine gives the numbers)."""
        if self.service is None:
            return []
        return _wrap(await self.service.mark_urgent(user))


# --- replies ------------------------------------------------------------------------------


def _wrap(actions: list[CaseAction]) -> list[Outbound]:
    return [CaseActions(tuple(actions))] if actions else []


def _human_button() -> Button:
    return Button(texts.BUTTON_HUMAN, Action(Verb.HUMAN))


def _menu_button() -> Button:
    return Button(texts.BUTTON_MENU, Action(Verb.MENU))


def _about_question(kb: KnowledgeBase, base: HandoffRequested) -> Reply:
    """What the request is about: the last question, or another subject (next screen).

    Two short screens rather than one long one: a phone shows about eight buttons.
    """
    question = base.question.strip()
    if not question:
        return _topics_question(kb)
    if len(question) > LAST_QUESTION_SHOWN:
        question = question[: LAST_QUESTION_SHOWN - 1].rstrip() + "…"
    return Reply(
        t.ASK_ABOUT + "\n\n" + t.ASK_ABOUT_LAST.format(question=question),
        buttons=(
            (Button(t.BUTTON_ASK_LAST, Action(Verb.ASK_LAST)),),
            (Button(t.BUTTON_ASK_TOPICS, Action(Verb.ASK_TOPICS)),),
            (Button(t.BUTTON_ASK_CANCEL, Action(Verb.ASK_NO)),),
        ),
    )


def _topics_question(kb: KnowledgeBase) -> Reply:
    """The subjects as the menu's first screen groups them, and « Autre chose »."""
    rows: list[tuple[Button, ...]] = []
    for group in kb.groups:
        themes = [kb.theme(theme_id) for theme_id in group.themes]
        shown = [theme for theme in themes if theme is not None and kb.entries_of(theme.id)]
        if not shown:
            continue
        # A group of one theme stands for that theme (its label is the theme's).
        arg = shown[0].id if len(group.themes) == 1 else group.id
        rows.append((Button(group.label, Action(Verb.ASK_THEME, arg)),))
    rows = rows[: MAX_BUTTONS_PER_SCREEN - 1]
    rows.append((Button(t.BUTTON_ASK_OTHER, Action(Verb.ASK_OTHER)),))
    return Reply(t.ASK_ABOUT, buttons=tuple(rows))


def _write_question() -> Reply:
    return Reply(t.ASK_WRITE, buttons=((Button(t.BUTTON_ASK_CANCEL, Action(Verb.ASK_NO)),),))


def _kind_question() -> Reply:
    return Reply(
        t.ASK_KIND,
        buttons=(
            (Button(t.BUTTON_ASK_PAIR, Action(Verb.ASK_PAIR)),),
            (Button(t.BUTTON_ASK_REFERENT, Action(Verb.ASK_REFERENT)),),
            (Button(t.BUTTON_ASK_CANCEL, Action(Verb.ASK_NO)),),
        ),
    )


def no_team_reply(kb: KnowledgeBase | None) -> Reply:
    """No team is connected to this bot: say so, and where a person can help for real."""
    rows: list[tuple[Button, ...]] = []
    for entry_id in NO_TEAM_ENTRIES:
        entry = kb.entry(entry_id) if kb is not None else None
        if entry is not None:
            rows.append((Button(f"📖 {entry.title}", Action(Verb.ENTRY, entry.id)),))
    rows.append((_menu_button(),))
    return Reply(t.NO_TEAM_YET, buttons=tuple(rows))


def entry_reply(kb: KnowledgeBase, entry_id: str) -> Reply | None:
    """A knowledge entry as the bot shows answers, for ``/fiche`` (``SendEntry``)."""
    entry = kb.entry(entry_id)
    if entry is None:
        return None
    rows: tuple[tuple[Button, ...], ...] = ()
    if entry.steps:
        rows = ((Button(texts.BUTTON_NEXT_STEP, Action(Verb.STEP, f"{entry.id}:1")),),)
    return Reply(
        entry.answer, title=entry.title, links=entry.links, phones=entry.phones, buttons=rows
    )
