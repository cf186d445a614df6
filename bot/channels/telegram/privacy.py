"""The person's privacy commands in Telegram, the recent-message tracker, the retention job.

- ``/confidentialite``, ``/mesdonnees``, ``/oublier`` (then "Oui, tout effacer" / "Non") and
  ``/effacer``, in private chats only, before the engine (handler group ``PRIVACY_GROUP``): they
  are answered here and never relayed to a helper, even while a case is open;
- :class:`RecentMessages`: for ``/effacer``, the ids (never the text) of the messages of the
  last 48 hours of each private chat, in memory only and bounded. Incoming ids are noted by the
  first handler of all (``NOTE_GROUP``); outgoing ones by :meth:`RecentMessages.note_sent`,
  called after every request by the rate limiter's wrapper (``shaping.py``), because
  python-telegram-bot passes every Bot API call through it, whoever sends (the engine's
  replies, the relays of the handoff, the error handler…);
- the retention: :func:`start_retention` (from ``post_init``) erases expired cases at once,
  then every day, and deletes their topics through the handoff's executor.

Gather → call ``bot/app/privacy.py`` → act, as everywhere in this package.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.constants import BulkRequestLimit, ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.app import privacy as p
from bot.app.privacy import Privacy, Purged
from bot.channels.telegram import render
from bot.channels.telegram.context import LATE_RUN_IS_FINE, RelaisContext
from bot.domain.buttons import Action, Button, PrivacyVerb, decode_privacy, is_privacy_payload

if TYPE_CHECKING:
    from bot.channels.telegram.handoff_actions import CaseExecutor

log = logging.getLogger(__name__)

NOTE_GROUP = -100
"""First of all handlers: a message stopped later (a flood limit) can still be erased."""
PRIVACY_GROUP = -4
"""Before the engine (group 0), so these commands stop here and are never relayed."""

RETENTION_EVERY = dt.timedelta(days=1)
MAX_IDS_PER_CHAT = 500
MAX_CHATS = 10_000

Clock = Callable[[], float]
_POSTING = ("send", "copy", "forward")


# --- the recent message ids -----------------------------------------------------------------


class RecentMessages:
    """Per private chat, the ids of the messages of the last 48 hours. Memory only, bounded.

    Ids only: a message id says nothing without the chat, and the chat holds the text. The
    clock is monotonic seconds; a message older than ``keep`` cannot be deleted by a bot.
    """

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        keep: dt.timedelta = dt.timedelta(hours=p.RECENT_MESSAGES_HOURS),
        per_chat: int = MAX_IDS_PER_CHAT,
        chats: int = MAX_CHATS,
    ) -> None:
        self.clock = clock
        self._keep = keep.total_seconds()
        self._per_chat = per_chat
        self._chats = chats
        self._ids: OrderedDict[int, OrderedDict[int, float]] = OrderedDict()
        # Per chat, how many young ids were let go because the chat had too many: /effacer
        # says that many could not be deleted (a number only, memory only).
        self._lost: dict[int, int] = {}

    def add(self, chat_id: int, message_id: int) -> None:
        """Note one message of a private chat (a person's chat id is positive)."""
        if chat_id <= 0:
            return
        now = self.clock()
        seen = self._ids.setdefault(chat_id, OrderedDict())
        seen.setdefault(message_id, now)
        self._ids.move_to_end(chat_id)
        while len(seen) > self._per_chat:
            seen.popitem(last=False)
            self._lost[chat_id] = self._lost.get(chat_id, 0) + 1
        while len(self._ids) > self._chats:
            gone, _ = self._ids.popitem(last=False)
            self._lost.pop(gone, None)
        self._expire(chat_id, now)

    def note_sent(self, endpoint: str, chat_id: object, result: object) -> None:
        """A Bot API result: the message(s) the bot just sent to ``chat_id``, if any.

        Only methods that post a new message count (``send…``, ``copy…``, ``forward…``): an
        edit returns an old message, which must not come back after ``forget``.
        """
        if not isinstance(chat_id, int) or not endpoint.startswith(_POSTING):
            return
        for item in result if isinstance(result, list) else [result]:
            if isinstance(item, dict) and isinstance(item.get("message_id"), int):
                self.add(chat_id, item["message_id"])

    def deletable(self, chat_id: int) -> list[int]:
        """Ids still young enough to delete, oldest first."""
        self._expire(chat_id, self.clock())
        return list(self._ids.get(chat_id, ()))

    def count(self, chat_id: int, *, besides: int | None = None) -> int:
        return sum(1 for message_id in self.deletable(chat_id) if message_id != besides)

    def drop(self, chat_id: int, message_ids: Sequence[int]) -> None:
        seen = self._ids.get(chat_id)
        for message_id in message_ids if seen is not None else ():
            seen.pop(message_id, None)  # type: ignore[union-attr]

    def take_lost(self, chat_id: int) -> int:
        """How many recent ids of this chat were let go (too many), counted once."""
        return self._lost.pop(chat_id, 0)

    def forget(self, chat_id: int) -> None:
        self._ids.pop(chat_id, None)
        self._lost.pop(chat_id, None)

    def __len__(self) -> int:
        return len(self._ids)

    def _expire(self, chat_id: int, now: float) -> None:
        seen = self._ids.get(chat_id)
        if seen is None:
            return
        while seen and now - next(iter(seen.values())) >= self._keep:
            seen.popitem(last=False)
        if not seen:
            del self._ids[chat_id]


async def delete_messages(bot: Bot, chat_id: int, message_ids: Sequence[int]) -> int:
    """Delete messages by batches of 100 (``deleteMessages``); returns how many were asked.

    Telegram skips ids it cannot find. If it refuses a whole batch (one message just turned
    48 hours old), each message of that batch is tried alone and refusals are ignored.
    """
    done = 0
    batch_size = int(BulkRequestLimit.MAX_LIMIT)
    for start in range(0, len(message_ids), batch_size):
        batch = list(message_ids[start : start + batch_size])
        try:
            await bot.delete_messages(chat_id, batch)
            done += len(batch)
            continue
        except BadRequest as error:
            log.info("batch not deleted (%s): one by one", type(error).__name__)
        for message_id in batch:
            with suppress(BadRequest):
                await bot.delete_message(chat_id, message_id)
                done += 1
    return done


# --- the commands ---------------------------------------------------------------------------


class PrivacyDesk:
    """The privacy handlers, over the core (``bot/app/privacy.py``) and the id tracker."""

    def __init__(self, core: Privacy, recent: RecentMessages) -> None:
        self.core = core
        self.recent = recent

    def handlers(self) -> list[tuple[int, BaseHandler[Update, RelaisContext, None]]]:
        """(group, handler) pairs; edits of a command are swallowed, never run twice."""
        private = filters.ChatType.PRIVATE
        return [
            (NOTE_GROUP, MessageHandler(private, self.note_incoming)),
            (PRIVACY_GROUP, CommandHandler("confidentialite", self.notice_command, private)),
            (PRIVACY_GROUP, CommandHandler("mesdonnees", self.kept_command, private)),
            (PRIVACY_GROUP, CommandHandler("oublier", self.forget_command, private)),
            (PRIVACY_GROUP, CommandHandler("effacer", self.erase_command, private)),
            (PRIVACY_GROUP, CallbackQueryHandler(self.button_pressed, pattern=is_privacy_payload)),
        ]

    async def note_incoming(self, update: Update, _context: RelaisContext) -> None:
        """Every message a person sends privately: its id (only), for /effacer."""
        message = update.effective_message
        if message is not None:
            self.recent.add(message.chat_id, message.message_id)

    async def notice_command(self, update: Update, context: RelaisContext) -> None:
        """/confidentialite: what is kept, how long, who reads what, whom to ask."""
        if (chat_id := _new_command(update)) is not None:
            keyboard = await _keyboard_of(context, update)
            await _say(context.bot, chat_id, self.core.notice(), keyboard=keyboard)
        raise ApplicationHandlerStop

    async def kept_command(self, update: Update, context: RelaisContext) -> None:
        """/mesdonnees: what is kept about this person right now."""
        chat_id = _new_command(update)
        if chat_id is not None and update.effective_user is not None:
            person = context.deps.person(update.effective_user.id)
            besides = update.effective_message.message_id if update.effective_message else None
            text = await self.core.kept(
                person,
                message_ids=self.recent.count(chat_id, besides=besides),
            )
            keyboard = await _keyboard_of(context, update)
            await _say(context.bot, chat_id, text, protect=True, keyboard=keyboard)
        raise ApplicationHandlerStop

    async def forget_command(self, update: Update, context: RelaisContext) -> None:
        """/oublier: nothing is erased before the person confirms."""
        if (chat_id := _new_command(update)) is not None:
            buttons = _keyboard(
                (p.BUTTON_FORGET_YES, PrivacyVerb.FORGET),
                (p.BUTTON_FORGET_NO, PrivacyVerb.KEEP),
            )
            await _say(context.bot, chat_id, p.FORGET_QUESTION, markup=buttons)
        raise ApplicationHandlerStop

    async def erase_command(self, update: Update, context: RelaisContext) -> None:
        """/effacer: delete the recent messages of this chat, say how to delete the rest."""
        chat_id = _new_command(update)
        if chat_id is not None and update.effective_user is not None:
            ids = self.recent.deletable(chat_id)  # this command included
            erased = await delete_messages(context.bot, chat_id, ids)
            self.recent.drop(chat_id, ids)
            not_erased = len(ids) - erased + self.recent.take_lost(chat_id)
            log.info(
                "recent messages erased at the person's request: %d (%d not)", erased, not_erased
            )
            person = context.deps.person(update.effective_user.id)
            text = p.erase_notice(
                erased=erased,
                not_erased=not_erased,
                open_case=await self.core.has_open_case(person),
            )
            read = _keyboard((p.BUTTON_ERASE_NOTICE, PrivacyVerb.NOTICE_READ))
            await _say(context.bot, chat_id, text, markup=read)
        raise ApplicationHandlerStop

    async def button_pressed(self, update: Update, context: RelaisContext) -> None:
        """ "Oui, tout effacer", "Non", "Compris (effacer ce message)"."""
        query = update.callback_query
        chat = update.effective_chat
        if query is None:
            raise ApplicationHandlerStop
        # Answered at once: until then the person's Telegram shows a spinner on the button.
        with suppress(BadRequest):
            await query.answer()
        if chat is None or chat.type != ChatType.PRIVATE:
            raise ApplicationHandlerStop
        verb = decode_privacy(query.data)  # a button already in a chat may be in the old format
        if verb is PrivacyVerb.FORGET:
            person = context.deps.person(query.from_user.id)
            actions = await self.core.forget(person)
            cases = context.deps.cases
            if actions and cases is not None:
                await cases.run(context.bot, actions)  # topics deleted, the helper told
            await render.take_buttons_off(context.bot, query)
            # The message ids stay (memory only, 48 hours): /effacer after /oublier still
            # deletes the whole recent conversation. FORGOTTEN says so.
            await _say(context.bot, chat.id, p.FORGOTTEN)
        elif verb is PrivacyVerb.KEEP:
            await render.take_buttons_off(context.bot, query)
            keyboard = await _keyboard_of(context, update)
            await _say(context.bot, chat.id, p.NOT_FORGOTTEN, keyboard=keyboard)
        elif verb is PrivacyVerb.NOTICE_READ and query.message is not None:
            with suppress(BadRequest):
                await context.bot.delete_message(chat.id, query.message.message_id)
            self.recent.drop(chat.id, [query.message.message_id])
        raise ApplicationHandlerStop


async def _keyboard_of(context: RelaisContext, update: Update) -> ReplyKeyboardMarkup:
    """The person's reply keyboard: « J'ai fini » stays on it while their case is open."""
    cases, user = context.deps.cases, update.effective_user
    if cases is None or user is None:
        return render.PERSISTENT_KEYBOARD
    return await cases.keyboard_for(context.deps.person(user.id))


def _new_command(update: Update) -> int | None:
    """The private chat of a new command; None for an edited one (not run a second time)."""
    if update.message is None or update.message.chat.type != ChatType.PRIVATE:
        return None
    return update.message.chat_id


def _keyboard(*rows: tuple[str, PrivacyVerb]) -> InlineKeyboardMarkup:
    """One button per row: these questions are read on small screens."""
    return render.inline_keyboard([[Button(label, Action(verb))] for label, verb in rows])


async def _say(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    protect: bool = False,
    keyboard: ReplyKeyboardMarkup = render.PERSISTENT_KEYBOARD,
) -> None:
    """Send a plain text as every text of the bot is sent (``render.send_text``)."""
    await render.send_text(bot, chat_id, text, markup=markup or keyboard, protect=protect)


# --- wiring and the retention job ---------------------------------------------------------


async def start_retention(application: Application) -> None:
    """``post_init``: erase what expired while the bot was off, then every day.

    Without a team no case is ever stored, so there is nothing to erase.
    """
    cases: CaseExecutor | None = application.bot_data.cases
    if cases is None:
        return
    await run_retention(application.bot, cases)
    if application.job_queue is None:
        log.warning("no job queue: closed cases are erased only at each start")
        return
    application.job_queue.run_repeating(
        retention_job,
        interval=RETENTION_EVERY,
        first=RETENTION_EVERY,
        name="privacy-retention",
        job_kwargs=LATE_RUN_IS_FINE,
    )


async def retention_job(context: RelaisContext) -> None:
    """The daily retention run."""
    if context.deps.cases is not None:
        await run_retention(context.bot, context.deps.cases)


async def run_retention(bot: Bot, cases: CaseExecutor) -> Purged:
    """Erase closed cases past the retention period and delete their topics. Logs counts."""
    service = cases.service
    purged = await Privacy(service, retention_days=service.retention_days).purge()
    await cases.run(bot, list(purged.actions))
    log.info(
        "retention: %d case(s), %d relay(s), %d charter acceptance(s) erased; %d topic(s) deleted",
        purged.cases,
        purged.relays,
        purged.charters,
        len(purged.actions),
    )
    return purged
