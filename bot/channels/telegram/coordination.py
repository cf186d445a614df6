"""The coordinators' side in the staff group: reload, preview, test, announcement.

- ``/recharger`` (coordinateurs): check the knowledge files now and use them if valid;
  a repeating job does the same by itself when a file changes;
- ``/apercu <id>`` and ``/tester <message>`` (every helper): what a person would get, drawn
  by the same renderer as people's answers, with the matching decision; ``/apercu lieu <id>``
  shows a place of ``lieux.yaml`` the same way;
- ``/annonce <date> <texte>`` (coordinateurs): the notice people see once a day.

Handlers are filtered where they are registered (the staff groups of the staff file, and the
helpers allowed), in a handler group that runs before the others: a command handled here
stops there, so the "write to me in private" answer to groups never follows it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from rapidfuzz import process
from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, filters

from bot.app.announcement import AnnouncementBoard
from bot.app.conversation import Engine
from bot.app.missed import MissedQuestions
from bot.app.nearby import place_reply
from bot.app.ports import NoticeStore
from bot.app.reload import POLL_SECONDS, KnowledgeWatcher, ReloadOutcome
from bot.app.wiring import App
from bot.channels.telegram import render
from bot.channels.telegram.context import LATE_RUN_IS_FINE, RelaisContext
from bot.domain.messages import Action, DeleteIncoming, Inbound, Outbound, Reply, Verb
from bot.knowledge.announcement import (
    Announcement,
    AnnouncementError,
    parse_command,
)
from bot.knowledge.decision import Decision, decide
from bot.knowledge.holder import KnowledgeHolder
from bot.knowledge.staff import Role, StaffConfig
from bot.texts import coordination as t

log = logging.getLogger(__name__)

COORDINATION_GROUP = -5
"""Runs before the default group (0), where groups get "write to me in private"."""

PURGE_EVERY = dt.timedelta(days=1)
PREVIEW_USER = "apercu"  # the engine's session key for previews: never a person
PLACE_WORD = "lieu"  # /apercu lieu <id>: a place of lieux.yaml, not an entry


def desk_for(app: App) -> CoordinationDesk:
    """The coordinators' commands and jobs over the services the wiring built."""
    return CoordinationDesk(
        knowledge=app.knowledge,
        notices=app.stores.notices,
        staff=app.staff,
        watcher=app.watcher,
        board=app.board,
        missed=app.missed,
        now=app.now,
    )


class CoordinationDesk:
    """The staff-group commands and jobs, with their dependencies typed (no ``bot_data`` keys)."""

    def __init__(
        self,
        *,
        knowledge: KnowledgeHolder,
        notices: NoticeStore,
        staff: StaffConfig | None,
        watcher: KnowledgeWatcher,
        board: AnnouncementBoard,
        missed: MissedQuestions,
        now: Callable[[], dt.datetime],
    ) -> None:
        self.knowledge = knowledge
        self.notices = notices
        self.staff = staff
        self.watcher = watcher
        self.board = board
        self.missed = missed
        self._now = now

    # --- wiring -------------------------------------------------------------------------

    def add_handlers(self, application: Application) -> None:
        """Commands only in the staff groups, only from the helpers allowed (filters)."""
        if self.staff is None:
            return
        in_staff_groups = filters.Chat(chat_id=[g.chat_id for g in self.staff.groups])
        coordinators = filters.User(
            user_id=[h.telegram_id for h in self.staff.helpers if h.role is Role.COORDINATEUR]
        )
        helpers = filters.User(user_id=[h.telegram_id for h in self.staff.helpers])
        for command, callback, who in (
            ("recharger", self.reload_command, coordinators),
            ("annonce", self.announce_command, coordinators),
            ("apercu", self.preview_command, helpers),
            ("tester", self.test_command, helpers),
        ):
            application.add_handler(
                CommandHandler(command, callback, filters=in_staff_groups & who),
                group=COORDINATION_GROUP,
            )
        # After them (same group, first match wins): another helper is told who may.
        application.add_handler(
            CommandHandler(
                ["recharger", "annonce"], self.coordinators_only, filters=in_staff_groups & helpers
            ),
            group=COORDINATION_GROUP,
        )

    def schedule(self, application: Application) -> None:
        """The file watch every few seconds; the purge of missed questions at start, then daily."""
        jobs = application.job_queue
        if jobs is None:  # PTB without its job-queue extra: no live reload, say so once
            log.warning("no job queue: knowledge files are reloaded only with /recharger")
            return
        jobs.run_repeating(
            self.watch_job,
            interval=POLL_SECONDS,
            name="knowledge-watch",
            job_kwargs=LATE_RUN_IS_FINE,
        )
        jobs.run_repeating(
            self.purge_job,
            interval=PURGE_EVERY,
            first=0,
            name="missed-purge",
            job_kwargs=LATE_RUN_IS_FINE,
        )

    # --- jobs ---------------------------------------------------------------------------

    async def watch_job(self, context: RelaisContext) -> None:
        """A file changed and settled: reload, then tell the coordinators what happened."""
        outcome = await self.watcher.poll()
        if outcome is not None:
            await self._tell_coordinators(context.bot, outcome)

    async def purge_job(self, context: RelaisContext) -> None:
        erased = await self.missed.purge(self._now().date())
        if erased:
            log.info("missed questions purged: %d row(s)", erased)

    # --- commands -----------------------------------------------------------------------

    async def coordinators_only(self, update: Update, context: RelaisContext) -> None:
        """/annonce or /recharger from a helper who is not a coordinator: say who may."""
        message = _message(update)
        command = (message.text or "").split()[0].split("@")[0]
        await _say(context.bot, message, t.COORDINATORS_ONLY.format(command=command))
        raise ApplicationHandlerStop

    async def reload_command(self, update: Update, context: RelaisContext) -> None:
        """/recharger: check the files now; use them if valid; say what happened here."""
        message = _message(update)
        outcome = await self.watcher.reload()
        await _say(context.bot, message, outcome.message())
        raise ApplicationHandlerStop

    async def preview_command(self, update: Update, context: RelaisContext) -> None:
        """/apercu <id>: the entry exactly as a person gets it, and where its questions lead."""
        message = _message(update)
        if (context.args or [""])[0].lower() == PLACE_WORD:
            await self._preview_place(context.bot, message, " ".join(context.args[1:]))
            raise ApplicationHandlerStop
        entry_id = " ".join(context.args or []).strip().lower()
        knowledge = self.knowledge.current
        entry = knowledge.kb.entry(entry_id) if entry_id else None
        if not entry_id:
            await _say(context.bot, message, t.PREVIEW_USAGE)
            raise ApplicationHandlerStop
        if entry is None:
            near = process.extract(entry_id, [e.id for e in knowledge.kb.entries], limit=3)
            hint = t.PREVIEW_NEAR.format(ids=", ".join(n[0] for n in near)) if near else ""
            unknown = t.PREVIEW_UNKNOWN_ENTRY.format(entry=entry_id, near=hint)
            await _say(context.bot, message, unknown)
            raise ApplicationHandlerStop
        decisions = [(q, decide(knowledge, q)) for q in entry.questions]
        missed = [(q, d) for q, d in decisions if not (d.kind == "answer" and d.entry == entry.id)]
        lines = [t.PREVIEW_HEADER.format(entry=entry.id, where=f"{entry.path}:{entry.line}")]
        if decisions:
            lines.append(describe(decisions[0][1]))
        if missed:
            listed = "\n".join(f"• « {q} » → {describe(d)}" for q, d in missed)
            lines.append(
                t.PREVIEW_QUESTIONS_MISSED.format(
                    missed=len(missed), total=len(decisions), list=listed
                )
            )
        elif decisions:
            lines.append(t.PREVIEW_QUESTIONS_OK.format(total=len(decisions)))
        if entry.steps:
            lines.append(t.PREVIEW_STEPS.format(count=len(entry.steps)))
        await _say(context.bot, message, "\n\n".join(lines))
        outbounds = await self._preview_engine().handle(
            Inbound(user=PREVIEW_USER, action=Action(Verb.ENTRY, entry.id))
        )
        await _show(context.bot, message, outbounds)
        raise ApplicationHandlerStop

    async def _preview_place(self, bot: Bot, message: Message, place_id: str) -> None:
        """/apercu lieu <id>: the place exactly as a person gets it, open or closed now."""
        places = self.knowledge.current.places
        place_id = place_id.strip().lower()
        if places is None:
            await _say(bot, message, t.PREVIEW_NO_PLACES)
            return
        if not place_id:
            ids = ", ".join(p.id for p in places.places)
            await _say(bot, message, t.PREVIEW_PLACE_USAGE.format(ids=ids))
            return
        place = places.get(place_id)
        if place is None:
            ids = [p.id for p in places.places]
            near = process.extract(place_id, ids, limit=3)
            hint = t.PREVIEW_NEAR.format(ids=", ".join(n[0] for n in near)) if near else ""
            await _say(bot, message, t.PREVIEW_UNKNOWN_PLACE.format(place=place_id, near=hint))
            return
        header = t.PREVIEW_PLACE_HEADER.format(place=place.id, where=f"{place.path}:{place.line}")
        await _say(bot, message, header)
        await _show(bot, message, [place_reply(place, self._now())])

    async def test_command(self, update: Update, context: RelaisContext) -> None:
        """/tester <message>: the decision and the reply, as if a person had typed it."""
        message = _message(update)
        text = _arguments(message)
        if not text:
            await _say(context.bot, message, t.TEST_USAGE)
            raise ApplicationHandlerStop
        decision = decide(self.knowledge.current, text)
        # The coordinator's words are shown back masked, as a helper would see them.
        header = t.TEST_HEADER.format(text=decision.masked_text)
        await _say(context.bot, message, f"{header}\n\n{describe(decision)}")
        outbounds = await self._preview_engine().handle(Inbound(user=PREVIEW_USER, text=text))
        await _show(context.bot, message, outbounds)
        raise ApplicationHandlerStop

    async def announce_command(self, update: Update, context: RelaisContext) -> None:
        """/annonce <date> <texte>, /annonce fin, or /annonce alone to see the current one."""
        message = _message(update)
        today = self._now().date()
        arguments = _arguments(message)
        if not arguments:
            await _say(context.bot, message, self._current_notice(today))
            raise ApplicationHandlerStop
        try:
            notice = parse_command(arguments, today)
        except AnnouncementError as error:
            await _say(context.bot, message, t.ANNOUNCE_ERROR.format(reason=error))
            raise ApplicationHandlerStop from None
        self.board.from_command = notice
        saved = await self._save_notice(notice)
        if notice is None:
            text = t.ANNOUNCE_CLEARED
            still = self.board.current(today)
            if still is not None:
                text += t.ANNOUNCE_FILE_STILL.format(until=f"{still.until:%d/%m/%Y}")
        else:
            text = t.ANNOUNCE_SET.format(until=f"{notice.until:%d/%m/%Y}", text=notice.text)
        if not saved:
            text += "\n\n" + t.ANNOUNCE_NOT_SAVED
        await _say(context.bot, message, text)
        raise ApplicationHandlerStop

    # --- helpers ------------------------------------------------------------------------

    def _preview_engine(self) -> Engine:
        """A fresh engine without store nor handoff: previews count nothing, open nothing."""
        return Engine(self.knowledge)

    def _current_notice(self, today: dt.date) -> str:
        notice = self.board.current(today)
        if notice is None:
            return t.ANNOUNCE_NONE
        return t.ANNOUNCE_CURRENT.format(
            until=f"{notice.until:%d/%m/%Y}", source=notice.source, text=notice.text
        )

    async def _save_notice(self, notice: Announcement | None) -> bool:
        try:
            if notice is None:
                await self.notices.clear()
            else:
                await self.notices.set(notice.text, notice.until, self._now())
        except Exception as exc:  # the notice still shows; the team is told it is not kept
            log.warning("announcement not saved: %s", type(exc).__name__)
            return False
        return True

    async def _tell_coordinators(self, bot: Bot, outcome: ReloadOutcome) -> None:
        """Post a reload outcome in the groups that serve coordinators (all groups if none)."""
        if self.staff is None:
            log.info("reload outcome not posted: no staff group configured")
            return
        groups = [g for g in self.staff.groups if Role.COORDINATEUR in g.roles]
        for group in groups or self.staff.groups:
            try:
                await render.send_text(bot, group.chat_id, outcome.message())
            except TelegramError as error:
                log.warning("reload outcome not posted: %s", type(error).__name__)


def describe(decision: Decision) -> str:
    """The matching decision in one line: kind, entry or choices, score, secrets seen."""
    parts = [t.DECISION.format(kind=t.KINDS.get(decision.kind, decision.kind))]
    if decision.entry:
        parts.append(t.DECISION_ENTRY.format(entry=decision.entry))
    if decision.choices:
        parts.append(t.DECISION_CHOICES.format(choices=", ".join(decision.choices)))
    if decision.crisis:
        parts.append(t.DECISION_CRISIS.format(crisis=decision.crisis))
    parts.append(t.DECISION_SCORE.format(score=decision.score))
    if decision.sensitive:
        parts.append(t.DECISION_SENSITIVE.format(kinds=", ".join(decision.sensitive)))
    return " · ".join(parts)


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None  # CommandHandler only passes updates with a message
    return message


def _arguments(message: Message) -> str:
    """What follows the command, line breaks kept (context.args would lose them)."""
    text = message.text or ""
    return text.split(maxsplit=1)[1].strip() if len(text.split(maxsplit=1)) > 1 else ""


def _thread(message: Message) -> int | None:
    """Answer in the topic the command came from (forum groups)."""
    return message.message_thread_id if message.is_topic_message else None


async def _say(bot: Bot, message: Message, text: str) -> None:
    """A plain text in the topic the command came from (``render.send_text``)."""
    await render.send_text(bot, message.chat_id, text, thread_id=_thread(message))


async def _show(bot: Bot, message: Message, outbounds: Sequence[Outbound]) -> None:
    """Send the person's replies exactly as rendered for them, inline buttons included.

    The persistent "Menu / Parler à quelqu'un" keyboard is not sent: in a group it would
    replace every member's keyboard. A note says it is there for the person.
    """
    keyboard_noted = False
    for outbound in outbounds:
        if isinstance(outbound, DeleteIncoming):
            continue  # the decision line already says the message would be deleted
        if not isinstance(outbound, Reply):
            await _say(bot, message, t.HANDOFF_NOTE)
            continue
        for part in render.render_reply(outbound):
            inline = part.markup if isinstance(part.markup, InlineKeyboardMarkup) else None
            await bot.send_message(
                message.chat_id,
                part.html,
                reply_markup=inline,
                message_thread_id=_thread(message),
            )
            if part.markup is not None and inline is None and not keyboard_noted:
                keyboard_noted = True
                await _say(bot, message, t.KEYBOARD_NOTE)
