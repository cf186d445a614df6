"""The conversation engine: one :class:`Inbound` in, a list of :class:`Outbound` out.

No Telegram here. The order of checks on a typed message is the product's promise:

1. crisis (a life may be at stake: the number at once, nothing else);
2. sensitive data (delete the message, say kindly never to send it, go on with the rest);
3. asking for a person, greetings, thanks;
4. "is this a scam?" on a pasted message;
5. places near the person, when they ask where to go (``bot/app/nearby.py``);
6. knowledge matching: answer, clarify or fallback.

Every reply offers a way to a person: a message is never a dead end.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.app.asking import FLOW_VERBS, HandoffFlow
from bot.app.flood import Flood, FloodGuard
from bot.app.handoff import HandoffService
from bot.app.nearby import NEARBY_VERBS, Asking, NearbyFlow, nearby_button
from bot.app.nearby import offers_nearby as _offers_nearby
from bot.app.ports import CounterStore
from bot.domain.buttons import MAX_BUTTONS_PER_SCREEN
from bot.domain.counters import Counter
from bot.domain.messages import (
    MAX_READ_CHARS,
    Action,
    Button,
    Command,
    DeleteIncoming,
    HandoffRequested,
    Inbound,
    Outbound,
    Reply,
    Verb,
)
from bot.knowledge.decision import Decision, decide, screen
from bot.knowledge.holder import Knowledge, KnowledgeHolder
from bot.knowledge.intents import Intent, is_emoji_only
from bot.knowledge.kb import Entry
from bot.safety import CrisisCategory, ScamVerdict
from bot.texts import handoff as handoff_texts
from bot.texts import person as texts
from bot.texts.memory import KEPT_SESSION

log = logging.getLogger(__name__)

# A session remembers, in memory only, what the person was shown, for the handoff summary.
SESSION_TTL_SECONDS = 3600
MAX_SESSIONS = 10_000


@dataclass
class Session:
    """What one person saw recently, kept in memory only, to brief a helper on handoff."""

    seen: float
    question: str = field(default="", repr=False)
    shown: list[str] = field(default_factory=list)
    not_helpful: list[str] = field(default_factory=list)
    theme: str | None = None
    crisis: str | None = None
    # The last entry or theme shown: the topic at hand for « 📍 Près de chez moi ».
    topic: str | None = None
    # Waiting for the person's commune (bot/app/nearby.py); never the commune itself.
    nearby: Asking | None = None


class Sessions:
    """A bounded, expiring map of sessions: nothing about a person outlives an hour idle."""

    def __init__(self, ttl: float = SESSION_TTL_SECONDS, limit: int = MAX_SESSIONS) -> None:
        self._ttl = ttl
        self._limit = limit
        self._items: OrderedDict[str, Session] = OrderedDict()

    def get(self, user: str, now: float) -> Session:
        # Sessions are ordered by last use: the idle ones are dropped from the front, so a
        # question is not kept in memory past the hour even if the person never comes back.
        while self._items and now - next(iter(self._items.values())).seen > self._ttl:
            self._items.popitem(last=False)
        session = self._items.get(user)
        if session is None or now - session.seen > self._ttl:
            session = Session(seen=now)
        session.seen = now
        self._items[user] = session
        self._items.move_to_end(user)
        while len(self._items) > self._limit:
            self._items.popitem(last=False)
        return session

    def holds(self, user: str) -> list[str]:
        """The session, as /mesdonnees says it (``bot/app/memory.py``)."""
        return [KEPT_SESSION] if user in self._items else []

    def forget(self, user: str) -> None:
        self._items.pop(user, None)

    def __contains__(self, user: object) -> bool:
        """Whether something about ``user`` is in memory (for /mesdonnees)."""
        return user in self._items

    def __len__(self) -> int:
        return len(self._items)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _human_button() -> Button:
    return Button(texts.BUTTON_HUMAN, Action(Verb.HUMAN))


def _menu_button() -> Button:
    return Button(texts.BUTTON_MENU, Action(Verb.MENU))


def _themes_with_entries(knowledge: Knowledge, themes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t for t in themes if knowledge.kb.entries_of(t))


def _page_of(arg: str) -> tuple[str, int]:
    """``caf:2`` -> (``caf``, 2); ``caf`` -> (``caf``, 1). The codec let only digits through."""
    name, _, page = arg.partition(":")
    return name, int(page) if page else 1


def _paged(
    buttons: list[Button],
    page: int,
    more: Callable[[int], Action],
    bottom: tuple[Button, ...],
) -> tuple[tuple[tuple[Button, ...], ...], int] | None:
    """One screen of a list, one button a row, with ``bottom`` under it: (rows, pages).

    A screen holds at most MAX_BUTTONS_PER_SCREEN buttons, ``bottom`` included; a longer list
    is cut into pages, each but the last ending with « Autres choix ». None: no such page.
    """
    room = MAX_BUTTONS_PER_SCREEN - len(bottom)
    size = room if len(buttons) <= room else room - 1
    pages = max(1, -(-len(buttons) // size))
    if not 1 <= page <= pages:
        return None
    rows: list[tuple[Button, ...]] = [(b,) for b in buttons[(page - 1) * size : page * size]]
    if page < pages:
        rows.append((Button(texts.BUTTON_MORE, more(page + 1)),))
    rows.append(bottom)
    return tuple(rows), pages


def _with_page(intro: str, page: int, pages: int) -> str:
    return intro if pages == 1 else f"{intro}\n{texts.PAGE.format(n=page, total=pages)}"


class Engine:
    """Decides what to say. State: the knowledge holder, a counter store, in-memory sessions."""

    def __init__(
        self,
        knowledge: KnowledgeHolder,
        counters: CounterStore | None = None,
        *,
        sessions: Sessions | None = None,
        clock: Any = time.monotonic,
        handoff: HandoffService | None = None,
        flood: FloodGuard | None = None,
        now: Callable[[], dt.datetime] | None = None,
        asking_clock: Callable[[], float] | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.counters = counters
        # `is None`, not `or`: an empty Sessions or FloodGuard is falsy (it has a length).
        self.sessions = sessions if sessions is not None else Sessions()
        self._clock = clock
        # One person sending very many messages is slowed down (bot/app/flood.py).
        self.flood = flood if flood is not None else FloodGuard(clock=clock)
        # Asking for a person, and relaying while a case is open (bot/app/asking.py).
        # ``asking_clock``: when a request not yet sent expires (the handoff's clock in tests
        # that move time; the sessions and the flood guard keep ``clock``).
        self.flow = HandoffFlow(handoff, clock=asking_clock or clock)
        # Places near the person (bot/app/nearby.py); ``now`` tells which are open.
        self.nearby = NearbyFlow[Session](
            now=now or _utc_now, count=self._count, show_entry=self._finder_answer
        )

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Everything the bot does in answer to one thing the person did."""
        session = self.sessions.get(inbound.user, self._clock())
        knowledge = self.knowledge.current  # one snapshot for the whole update
        if inbound.action is not None:
            return await self._on_action(knowledge, session, inbound)
        flood = self.flood.take(inbound.user)
        # The keyboard's keys (Menu, Parler à quelqu'un, J'ai fini) are for the bot, in a case too.
        keys = (texts.KEY_MENU, texts.KEY_HUMAN, texts.KEY_DONE)
        relayable = inbound.command is None and inbound.text.strip() not in keys
        # The case is looked up once per message, and only when something depends on it.
        needs_case = relayable or flood is not Flood.OK
        open_case = needs_case and await self.flow.has_open_case(inbound.user)
        if (slowed := await self._slow_down(knowledge, inbound, flood, open_case)) is not None:
            return slowed
        if inbound.command is not None:
            return await self._on_command(knowledge, session, inbound)
        # --- handoff: while a case is open, the team answers, not the bot ---
        if relayable and open_case:
            relayed = await self._to_case(knowledge, session, inbound)
            if relayed is not None:
                return relayed
        # --- end handoff ---
        if inbound.media is not None:
            text = texts.MEDIA_NOT_READ.get(inbound.media.value, texts.MEDIA_NOT_READ["other"])
            return [
                Reply(
                    f"{text}\n\n{texts.MEDIA_FOLLOW_UP}",
                    buttons=((_human_button(),), (_menu_button(),)),
                )
            ]
        return await self._on_text(knowledge, session, inbound)

    async def in_group(self, text: str) -> list[Outbound]:
        """A message in a group where the bot is: only a crisis is answered there.

        A life may be at stake, so the numbers are given where the person wrote, with no
        button (buttons work in private only); anything else is for the private chat.
        """
        if not text.strip():
            return []
        knowledge = self.knowledge.current
        screened = screen(knowledge, text)
        if screened.crisis is None:
            return []
        reply = self._crisis_reply(knowledge, screened.crisis, screened.also)
        await self._count(Counter.CRISIS, screened.crisis)
        return [replace(reply, buttons=())]

    # --- typed text -------------------------------------------------------------------

    async def _on_text(
        self, knowledge: Knowledge, session: Session, inbound: Inbound
    ) -> list[Outbound]:
        text = inbound.text.strip()
        if text == texts.KEY_MENU:
            self.flow.stop_awaiting(inbound.user)
            return [self._menu(knowledge)]
        if text == texts.KEY_HUMAN:
            return await self._ask_for_human(session, inbound.user)
        if text == texts.KEY_DONE:
            return await self.flow.finish(inbound.user)
        if not text:
            return [Reply(texts.EMPTY_TEXT, buttons=((_menu_button(), _human_button()),))]
        if is_emoji_only(text):
            return [Reply(texts.EMOJI_ONLY, buttons=((_menu_button(), _human_button()),))]
        out: list[Outbound] = []
        if inbound.edited:
            out.append(Reply(texts.EDITED))
        if inbound.truncated:
            out.append(Reply(texts.TOO_LONG))
        decision = decide(knowledge, text, read=MAX_READ_CHARS if inbound.truncated else None)
        if decision.kind == "crisis" and decision.crisis is not None:
            # A life may be at stake: the numbers come before anything else is said.
            session.crisis = decision.crisis
            session.nearby = None  # never read what follows as the commune asked for
            out.insert(0, self._crisis_reply(knowledge, decision.crisis, decision.crisis_also))
            await self._count(Counter.CRISIS, decision.crisis)
        if decision.sensitive:
            out.append(DeleteIncoming())
            out.append(Reply(texts.SENSITIVE_WARNING))
            await self._count(Counter.SENSITIVE, ",".join(decision.sensitive))
        if decision.kind == "crisis":
            return out
        replies = await self._understood(knowledge, session, inbound, decision)
        if decision.crisis_level == "check" and decision.crisis is not None:
            # Doubt costs little: the answer, then one warm line with the number.
            gentle = [_crisis(knowledge, decision.crisis).gentle]
            if decision.crisis_also is not None:
                gentle.append(_crisis(knowledge, decision.crisis_also).gentle)
            replies.append(Reply("\n".join(gentle), buttons=((_human_button(),),)))
            await self._count(Counter.CRISIS_CHECK, decision.crisis)
        return out + replies

    async def _understood(
        self, knowledge: Knowledge, session: Session, inbound: Inbound, decision: Decision
    ) -> list[Outbound]:
        """The reply to what the message asks (after the safety checks)."""
        out: list[Outbound] = []
        # The question asked for after « Autre chose »: for the team's preview, not the bot.
        written = self.flow.wrote(knowledge.kb, inbound.user, decision.masked_text)
        if written is not None:
            return out + written
        # Where to go nearby: before the question is kept, so that a commune is never kept.
        nearby = await self.nearby.on_text(knowledge, session, decision, inbound.text)
        if nearby is not None:
            return nearby
        # "Je veux parler à quelqu'un" is not a question: it does not replace the last one.
        if decision.kind != "human" or not session.question:
            session.question = decision.masked_text
        if decision.kind == "human":
            return out + await self._ask_for_human(session, inbound.user)
        if decision.intent is not None and decision.kind != "answer":
            return [*out, self._small_talk(Intent(decision.intent))]
        if decision.scam is not None and decision.scam.suspicious:
            out.append(self._scam_reply(knowledge, decision.scam))
            await self._count(Counter.SCAM_CHECK, "suspicious")
            return out
        if decision.scam is not None:
            await self._count(Counter.SCAM_CHECK, "clean")
            return [*out, Reply(texts.SCAM_LOOKS_FINE, buttons=((_human_button(),),))]
        if decision.kind == "answer" and decision.entry:
            entry = knowledge.kb.entry(decision.entry)
            if entry is not None:
                return out + await self._answer(knowledge, session, entry)
        if decision.kind == "clarify":
            await self._count(Counter.CLARIFY)
            return [*out, self._clarify(knowledge, decision.choices)]
        if decision.kind == "theme" and decision.theme is not None:
            menu = self._theme(knowledge, session, decision.theme)
            if menu is not None:
                await self._count(Counter.THEME_MENU, decision.theme)
                return [*out, menu]
        await self._count(Counter.FALLBACK)
        buttons = ((_human_button(),), (_menu_button(),))
        return [*out, Reply(texts.FALLBACK, buttons=buttons, unanswered=True)]

    def _small_talk(self, intent: Intent) -> Reply:
        text = {
            Intent.GREETING: texts.GREETING,
            Intent.THANKS: texts.THANKS,
            Intent.GOODBYE: texts.GOODBYE,
            Intent.ACK: texts.ACK,
        }[intent]
        return Reply(text, buttons=((_menu_button(), _human_button()),))

    def _crisis_reply(self, knowledge: Knowledge, crisis_id: str, also: str | None) -> Reply:
        """The numbers first; a second situation the message may also be adds its main one."""
        crisis = _crisis(knowledge, crisis_id)
        phones = crisis.phones
        if also is not None:
            # Its first number only: the reply stays short on a small screen.
            known = {phone.number for phone in phones}
            new = [p for p in _crisis(knowledge, also).phones if p.number not in known]
            phones += tuple(new[:1])
        return Reply(
            crisis.message,
            title=crisis.title,
            phones=phones,
            buttons=((_human_button(),),),
            urgent=True,
        )

    def _scam_reply(self, knowledge: Knowledge, verdict: ScamVerdict) -> Reply:
        reasons = "\n".join(f"• {r}" for r in verdict.reasons)
        rows: list[tuple[Button, ...]] = []
        entry = knowledge.kb.entry(verdict.entry_id) if verdict.entry_id else None
        if entry is not None:
            rows.append((Button(f"📖 {entry.title}", Action(Verb.ENTRY, entry.id)),))
        rows.append((_human_button(),))
        return Reply(
            f"{reasons}\n\n{texts.SCAM_ADVICE}", title=texts.SCAM_TITLE, buttons=tuple(rows)
        )

    # --- answers ------------------------------------------------------------------------

    async def _answer(
        self, knowledge: Knowledge, session: Session, entry: Entry, *, nearby: bool = True
    ) -> list[Outbound]:
        if entry.id not in session.shown:
            session.shown.append(entry.id)
        session.theme = entry.theme
        session.topic = entry.id
        await self._count(Counter.ANSWER, entry.id)
        rows: list[tuple[Button, ...]] = []
        if entry.steps:
            rows.append((Button(texts.BUTTON_NEXT_STEP, Action(Verb.STEP, f"{entry.id}:1")),))
        rows.append(self._feedback_row(entry))
        if nearby and _offers_nearby(knowledge, entry):
            rows.append((nearby_button(entry),))
        rows.append((_human_button(),))
        return [
            Reply(
                entry.answer,
                title=entry.title,
                links=entry.links,
                phones=entry.phones,
                buttons=tuple(rows),
            )
        ]

    async def _finder_answer(
        self, knowledge: Knowledge, session: Session, entry: Entry
    ) -> list[Outbound]:
        """The national finder entry, for the places flow: without « 📍 » (no loop)."""
        return await self._answer(knowledge, session, entry, nearby=False)

    @staticmethod
    def _feedback_row(entry: Entry) -> tuple[Button, ...]:
        return (
            Button(texts.BUTTON_HELPFUL, Action(Verb.HELPFUL, entry.id)),
            Button(texts.BUTTON_NOT_HELPFUL, Action(Verb.NOT_HELPFUL, entry.id)),
        )

    def _step(self, knowledge: Knowledge, arg: str) -> list[Outbound] | None:
        entry_id, _, number = arg.rpartition(":")
        entry = knowledge.kb.entry(entry_id)
        if entry is None or not number.isdigit() or not 1 <= int(number) <= len(entry.steps):
            return None
        n = int(number)
        rows: list[tuple[Button, ...]] = []
        if n < len(entry.steps):
            rows.append(
                (Button(texts.BUTTON_NEXT_STEP, Action(Verb.STEP, f"{entry.id}:{n + 1}")),)
            )
        else:
            rows.append(self._feedback_row(entry))
        rows.append((_human_button(),))
        title = texts.STEP_LABEL.format(n=n, total=len(entry.steps))
        return [Reply(entry.steps[n - 1], title=title, buttons=tuple(rows))]

    def _clarify(self, knowledge: Knowledge, choices: tuple[str, ...]) -> Reply:
        rows = []
        for entry_id in choices:
            entry = knowledge.kb.entry(entry_id)
            if entry is not None:
                rows.append((Button(entry.title, Action(Verb.ENTRY, entry.id)),))
        rows.append((Button(texts.BUTTON_NONE, Action(Verb.NONE)),))
        rows.append((_human_button(),))
        return Reply(texts.CLARIFY, buttons=tuple(rows))

    # --- the menu: groups of themes, then a group's themes, then a theme's questions -------

    def _menu(self, knowledge: Knowledge, page: int = 1) -> Reply:
        kb = knowledge.kb
        buttons = []
        for group in kb.groups:
            themes = _themes_with_entries(knowledge, group.themes)
            if len(themes) == 1:
                # A theme alone has its own button: one tap less to its questions.
                buttons.append(Button(group.label, Action(Verb.THEME, themes[0])))
            elif themes:
                buttons.append(Button(group.label, Action(Verb.GROUP, group.id)))
        screen = _paged(buttons, page, lambda n: Action(Verb.MENU, str(n)), (_human_button(),))
        if screen is None:
            return self._menu(knowledge)
        rows, pages = screen
        return Reply(_with_page(texts.MENU_INTRO, page, pages), buttons=rows)

    def _group(self, knowledge: Knowledge, session: Session, arg: str) -> Reply | None:
        group_id, page = _page_of(arg)
        group = knowledge.kb.group(group_id)
        if group is None:
            return None
        themes = _themes_with_entries(knowledge, group.themes)
        if len(themes) == 1:
            return self._theme(knowledge, session, themes[0])
        buttons = []
        for theme_id in themes:
            theme = knowledge.kb.theme(theme_id)
            assert theme is not None
            label = f"{theme.emoji} {theme.label}".strip()
            buttons.append(Button(label, Action(Verb.THEME, theme.id)))
        back = (Button(texts.BUTTON_BACK_TO_THEMES, Action(Verb.MENU)), _human_button())
        screen = _paged(buttons, page, lambda n: Action(Verb.GROUP, f"{group.id}:{n}"), back)
        if screen is None:
            return None
        rows, pages = screen
        intro = texts.GROUP_INTRO.format(label=group.label)
        return Reply(_with_page(intro, page, pages), buttons=rows)

    def _theme(self, knowledge: Knowledge, session: Session, arg: str) -> Reply | None:
        theme_id, page = _page_of(arg)
        kb = knowledge.kb
        theme = kb.theme(theme_id)
        if theme is None:
            return None
        session.theme = theme.id
        session.topic = theme.id
        buttons = [Button(e.title, Action(Verb.ENTRY, e.id)) for e in kb.entries_of(theme.id)]
        group = kb.group_of(theme.id)
        if group is not None and len(_themes_with_entries(knowledge, group.themes)) > 1:
            back = Button(texts.BUTTON_BACK, Action(Verb.GROUP, group.id))
        else:
            back = Button(texts.BUTTON_BACK_TO_THEMES, Action(Verb.MENU))
        more = lambda n: Action(Verb.THEME, f"{theme.id}:{n}")  # noqa: E731
        screen = _paged(buttons, page, more, (back, _human_button()))
        if screen is None:
            return None
        rows, pages = screen
        if not buttons:
            return Reply(texts.THEME_EMPTY, buttons=rows)
        intro = texts.THEME_INTRO.format(emoji=theme.emoji, label=theme.label).strip()
        return Reply(_with_page(intro, page, pages), buttons=rows)

    # --- buttons and commands ----------------------------------------------------------

    async def _on_action(
        self, knowledge: Knowledge, session: Session, inbound: Inbound
    ) -> list[Outbound]:
        action = inbound.action
        assert action is not None
        kb = knowledge.kb
        if action.verb not in FLOW_VERBS:
            self.flow.stop_awaiting(inbound.user)
        if action.verb is Verb.MENU:
            return [self._menu(knowledge, int(action.arg or 1))]
        if action.verb is Verb.HUMAN:
            return await self._ask_for_human(session, inbound.user)
        if action.verb in FLOW_VERBS:  # handoff: the asking dialogue's buttons
            return await self.flow.press(kb, inbound)
        if action.verb in NEARBY_VERBS:
            nearby = await self.nearby.on_button(knowledge, session, action)
            if nearby is not None:
                return nearby
        if action.verb is Verb.NONE:
            await self._count(Counter.NONE_OF_THESE)
            return [Reply(texts.NONE_OF_THESE, buttons=((_human_button(),), (_menu_button(),)))]
        if action.verb in (Verb.GROUP, Verb.THEME):
            show = self._group if action.verb is Verb.GROUP else self._theme
            reply = show(knowledge, session, action.arg)
            if reply is not None:
                return [reply]
        elif action.verb is Verb.ENTRY and (entry := kb.entry(action.arg)) is not None:
            return await self._answer(knowledge, session, entry)
        elif action.verb is Verb.STEP and (steps := self._step(knowledge, action.arg)):
            return steps
        elif action.verb in (Verb.HELPFUL, Verb.NOT_HELPFUL) and kb.entry(action.arg):
            return await self._feedback(session, action)
        return [Reply(texts.STALE_BUTTON), self._menu(knowledge)]

    async def _feedback(self, session: Session, action: Action) -> list[Outbound]:
        if action.verb is Verb.HELPFUL:
            await self._count(Counter.HELPFUL, action.arg)
            return [Reply(texts.FEEDBACK_THANKS_UP, buttons=((_menu_button(),),))]
        await self._count(Counter.NOT_HELPFUL, action.arg)
        if action.arg not in session.not_helpful:
            session.not_helpful.append(action.arg)
        return [Reply(texts.FEEDBACK_THANKS_DOWN, buttons=((_human_button(),), (_menu_button(),)))]

    async def _on_command(
        self, knowledge: Knowledge, session: Session, inbound: Inbound
    ) -> list[Outbound]:
        command = (inbound.command or "").lower()
        self.flow.stop_awaiting(inbound.user)
        if command == Command.START:
            await self._count(Counter.CONVERSATION)
            return [
                Reply(
                    texts.WELCOME.format(bot=texts.BOT_NAME),
                    buttons=((_menu_button(),), (_human_button(),)),
                )
            ]
        if command == Command.MENU:
            return [self._menu(knowledge)]
        if command == Command.HELP:
            return [Reply(texts.HELP, buttons=((_menu_button(), _human_button()),))]
        if command == Command.HUMAN:
            return await self._ask_for_human(session, inbound.user)
        return [Reply(texts.UNKNOWN_COMMAND, buttons=((_menu_button(), _human_button()),))]

    # --- handoff (bot/app/asking.py) -------------------------------------------------

    async def _ask_for_human(self, session: Session, user: str) -> list[Outbound]:
        """Start the asking dialogue: nothing is shared before the person's "Oui"."""
        await self._count(Counter.HUMAN_REQUESTED)
        request = HandoffRequested(
            user=user,
            theme=session.theme,
            question=session.question,
            shown_entries=tuple(session.shown),
            not_helpful=tuple(session.not_helpful),
            crisis=session.crisis,
        )
        return await self.flow.ask(self.knowledge.current.kb, request)

    async def _to_case(
        self, knowledge: Knowledge, session: Session, inbound: Inbound
    ) -> list[Outbound] | None:
        """A message to an open case goes to the team; None when the case closed meanwhile.

        The bot still acts at once where waiting would hurt: a crisis gets its numbers (and
        the case goes to référents), a secret is deleted and only its masked text is passed.
        Nothing else reads the message: no matching, no scam check (the team answers).
        """
        screened = screen(knowledge, inbound.text) if inbound.text.strip() else None
        out: list[Outbound] = []
        if screened is not None and screened.crisis is not None:
            session.crisis = screened.crisis
            out.append(self._crisis_reply(knowledge, screened.crisis, screened.also))
            await self._count(Counter.CRISIS, screened.crisis)
            out += await self.flow.urgent(inbound.user)
        if screened is not None and screened.sensitive:
            await self._count(Counter.SENSITIVE, ",".join(screened.sensitive))
            out += [DeleteIncoming(), Reply(texts.SENSITIVE_WARNING)]
            if not inbound.edited:
                out += await self.flow.relay_masked(inbound, screened.masked_text)
            return out
        if inbound.edited:  # a copy cannot follow an edit: say so rather than lose it silently
            return [*out, Reply(handoff_texts.EDITED_DURING_CASE)]
        relayed = await self.flow.relay(inbound)
        if relayed is None and not out:  # the case closed meanwhile: answer as usual
            return None
        return out + (relayed or [])

    async def _slow_down(
        self, knowledge: Knowledge, inbound: Inbound, verdict: Flood, open_case: bool
    ) -> list[Outbound] | None:
        """Past the flood limit: one kind notice, then silence; None: answer as usual.

        Button presses are not counted (a person finding their way taps fast). Safety comes
        first: a crisis or a secret is handled as usual, and so is a message to an open case.
        """
        if verdict is Flood.OK or open_case:
            return None
        if inbound.text.strip():
            screened = screen(knowledge, inbound.text)
            if screened.crisis is not None or screened.sensitive:
                return None
        if verdict is Flood.QUIET:
            return []
        self.flood.pause(inbound.user)
        await self._count(Counter.FLOOD)
        return [Reply(texts.FLOOD_PAUSE)]

    async def _count(self, name: str, key: str = "") -> None:
        """Counting is secondary: a failure is logged, the person still gets the answer."""
        if self.counters is None:
            return
        try:
            await self.counters.count(name, key)
        except Exception as exc:
            log.warning("counter %s not saved: %s", name, type(exc).__name__)


def _crisis(knowledge: Knowledge, crisis_id: str) -> CrisisCategory:
    return next(c for c in knowledge.safety.crises if c.id == crisis_id)
