"""Carry out the handoff's action values with the Bot API, and report what happened back.

``bot/app/handoff.py`` decides; this module acts (the "apply outputs" step). Each value of
``bot/domain/effects.py`` becomes one or a few Bot API calls, and what Telegram answers goes
back to the service, which may ask for more (run right after, in order):

The domain speaks of a case's *thread* (where the team talks about one case) and of the
*team* (the group's shared place); on Telegram a thread is a forum topic of the staff
supergroup and the team's place is its General topic.

==================  =========================================  ===============================
effect              Bot API                                    when Telegram refuses
==================  =========================================  ===============================
CopyToCaseThread,   ``copyMessage`` (never ``forwardMessage``:  ``outbox_failed`` with the
CopyToPerson        a copy shows no author)                    reason of
                                                               :func:`delivery_failure`;
                                                               ``outbox_sent`` when it worked
OpenCaseThread      ``createForumTopic``, ``copyMessage`` (the  tried again by the outbox job;
                    old card, when moved), ``sendMessage``     then ``topic_created``
                    (card + buttons)
PostInCaseThread    ``sendMessage`` in the topic               topic gone: ``topic_missing``,
                                                               then posted in the new topic
PostToTeam          ``sendMessage`` in General                 logged
SendToPerson,       ``sendMessage``, ``protect_content``       blocked: ``case_unreachable``
SendEntry
EditCard            ``editMessageReplyMarkup``                 logged (card gone, unchanged)
CloseCaseThread,    ``closeForumTopic``, ``deleteForumTopic``  logged (already closed/gone)
DeleteCaseThread
ReplyHere           ``sendMessage`` where the update came from logged
ShortNotice         ``answerCallbackQuery`` (by the button     --
                    handler)
==================  =========================================  ===============================

Texts are escaped by ``render``; nothing here logs a text, a name or a chat id.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from telegram import Bot, InlineKeyboardMarkup, ReplyKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.app.handoff import HandoffService
from bot.app.ports import StoreError
from bot.channels.telegram import render
from bot.domain.buttons import CaseVerb
from bot.domain.case import Status
from bot.domain.effects import Action as CaseAction
from bot.domain.effects import (
    Buttons,
    CloseCaseThread,
    CopyToCaseThread,
    CopyToPerson,
    DeleteCaseThread,
    Delivery,
    DeliveryFailure,
    EditCard,
    OpenCaseThread,
    PostInCaseThread,
    PostToTeam,
    ReplyHere,
    SendEntry,
    SendToPerson,
    ShortNotice,
)
from bot.domain.messages import Reply
from bot.texts import handoff as t

log = logging.getLogger(__name__)

MAX_FOLLOW_UPS = 8
"""Reports that lead to more actions, nested: a guard against a loop, never reached in use."""
MAX_REMEMBERED_TOPICS = 1024
MAX_MARKS_TO_RETRY = 1024
MAX_HELD_MESSAGES = 1024
"""Helpers' messages the database could not take, kept in memory (ids only) to try again."""
""""Not delivered" marks that failed, kept to try again at the next outbox turn."""
# What Telegram says (400 Bad Request) when a topic was deleted or closed by hand, and when
# the message to copy was deleted by its author. https://core.telegram.org/bots/api#copymessage
_TOPIC_GONE = ("message thread not found", "topic_closed", "topic_deleted", "topic closed")
_SOURCE_GONE = ("message to copy not found", "message_id_invalid")


@dataclass(frozen=True)
class Here:
    """Where the update came from, for ``ReplyHere``: a chat, and its topic in a forum."""

    chat_id: int
    thread_id: int | None = None
    private: bool = False  # a person's chat: the persistent keyboard stays under the text


@dataclass(frozen=True)
class HeldMessage:
    """A helper's message in a case topic that the database could not queue: ids only."""

    helper_id: int
    case_id: int
    message_id: int
    here: Here


def delivery_failure(
    error: TelegramError, *, to_person: bool
) -> tuple[DeliveryFailure, float | None]:
    """Why a copy failed, as the outbox understands it, and how long Telegram asks to wait."""
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
        return DeliveryFailure.TRANSIENT, seconds
    if isinstance(error, Forbidden):  # a person who blocked the bot; a group we were removed from
        return (DeliveryFailure.BLOCKED if to_person else DeliveryFailure.TRANSIENT), None
    if isinstance(error, BadRequest):
        message = error.message.lower()
        if not to_person and any(words in message for words in _TOPIC_GONE):
            return DeliveryFailure.TOPIC_MISSING, None
        if any(words in message for words in _SOURCE_GONE):
            return DeliveryFailure.SOURCE_GONE, None
        if to_person and "chat not found" in message:
            return DeliveryFailure.BLOCKED, None
    if to_person and render.maybe_done(error):  # towards a topic, a retry is harmless
        return DeliveryFailure.UNCERTAIN, None
    return DeliveryFailure.TRANSIENT, None


def case_keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """Handoff buttons, built as every inline keyboard is; None removes a message's keyboard."""
    if not buttons:
        return None
    return render.inline_keyboard(buttons)


class CaseExecutor:
    """Runs the service's actions in order, reporting each outcome back to the service."""

    def __init__(self, service: HandoffService, entries: Callable[[str], Reply | None]) -> None:
        self.service = service
        self.staff_chats = frozenset(group.chat_id for group in service.staff.groups)
        self._entries = entries
        self._topics_to_retry: dict[int, OpenCaseThread] = {}
        self._latest_topic: OrderedDict[int, int] = OrderedDict()
        # A mark (``insist``) is the only trace of a message that did not arrive: one that
        # Telegram refused even after a few tries is tried again at each outbox turn.
        self._marks_to_retry: list[PostInCaseThread | SendToPerson] = []
        # A helper's message the database could not take (locked, read-only, full): marked
        # under it, and tried again at each outbox turn until it goes (memory only).
        self._held: OrderedDict[tuple[int, int], HeldMessage] = OrderedDict()

    # --- entry points ---------------------------------------------------------------------

    async def run(
        self,
        bot: Bot,
        actions: Sequence[CaseAction],
        here: Here | None = None,
        *,
        depth: int = 0,
    ) -> None:
        """Carry out ``actions`` in order; what a report asks for runs right after it."""
        for action in actions:
            follow = await self._carry(bot, action, here)
            if not follow:
                continue
            if depth >= MAX_FOLLOW_UPS:
                log.error("handoff follow-ups nested too deep: %s dropped", type(action).__name__)
                continue
            await self.run(bot, follow, here, depth=depth + 1)

    async def keyboard_for(self, person: str) -> ReplyKeyboardMarkup:
        """The person's reply keyboard: with « J'ai fini » while they have a request open.

        The database unreadable (locked by a backup): the usual keyboard, the reply goes.
        """
        try:
            if await self.service.has_open_case(person):
                return render.CASE_KEYBOARD
        except StoreError:
            log.info("keyboard chosen without the database")
        return render.PERSISTENT_KEYBOARD

    async def _case_keyboard(self, case_id: int) -> ReplyKeyboardMarkup | None:
        """The keyboard of a case's person; None (the chat keeps its own) if unknown now."""
        try:
            case = await self.service.context.cases.get(case_id)
        except StoreError:
            return None
        if case is not None and case.status != Status.CLOSED:
            return render.CASE_KEYBOARD
        return render.PERSISTENT_KEYBOARD

    async def for_person(self, bot: Bot, actions: Sequence[CaseAction], chat_id: int) -> None:
        """Actions coming from a person's update (the engine's ``CaseActions``)."""
        await self.run(bot, actions, Here(chat_id, private=True))

    async def helper_wrote(
        self, bot: Bot, helper_id: int, case_id: int, message_id: int, here: Here
    ) -> None:
        """A helper's message in a case topic (not a note): queued for the person.

        When the database cannot take it, the helper is told under the message, and it is
        tried again at each outbox turn (:meth:`drain_outbox`) until the database is back.
        """
        try:
            actions = await self.service.staff_message(helper_id, case_id, message_id)
        except StoreError as error:
            log.warning("case %d: helper's message held: %s", case_id, error)
            held = HeldMessage(helper_id, case_id, message_id, here)
            self._held[(here.chat_id, message_id)] = held
            while len(self._held) > MAX_HELD_MESSAGES:
                lost = self._held.popitem(last=False)[1]
                log.error("case %d: a held helper's message dropped (too many)", lost.case_id)
            await self.run(bot, [self._mark(held, t.HELPER_MESSAGE_HELD)])
            return
        await self.run(bot, actions, here)

    async def _retry_held(self, bot: Bot) -> None:
        for key, held in list(self._held.items()):
            try:
                actions = await self.service.staff_message(
                    held.helper_id, held.case_id, held.message_id
                )
            except StoreError:
                return  # still down: the next turn tries again, in the same order
            del self._held[key]
            log.info("case %d: held helper's message queued", held.case_id)
            if not any(isinstance(action, CopyToPerson) for action in actions):
                await self.run(bot, actions, held.here)  # closed or erased meanwhile: said so
                continue
            await self.run(bot, [*actions, self._mark(held, t.HELPER_MESSAGE_SENT_LATE)])

    @staticmethod
    def _mark(held: HeldMessage, text: str) -> PostInCaseThread:
        assert held.here.thread_id is not None
        return PostInCaseThread(
            held.case_id,
            held.here.chat_id,
            held.here.thread_id,
            text,
            reply_to=held.message_id,
            insist=True,
        )

    async def drain_outbox(self, bot: Bot) -> int:
        """One turn of the outbox job: topics to create again, helpers' messages the
        database could not take, then every copy due now."""
        for pending in list(self._topics_to_retry.values()):
            await self.run(bot, [pending])
        await self._retry_held(bot)
        marks, self._marks_to_retry = self._marks_to_retry, []
        await self.run(bot, marks)
        due = await self.service.outbox_due()
        await self.run(bot, due)
        return len(due)

    async def finish_topics(self, bot: Bot) -> None:
        """At start: the topics a killed process did not create (``topics_not_created``)."""
        await self.run(bot, await self.service.topics_not_created(at_start=True))

    async def send_reminders(self, bot: Bot) -> None:
        """One turn of the reminders job (the service stays quiet while a team is closed)."""
        await self.run(bot, await self.service.due_reminders())

    # --- one action -----------------------------------------------------------------------

    async def _carry(self, bot: Bot, action: CaseAction, here: Here | None) -> list[CaseAction]:
        if isinstance(action, CopyToCaseThread | CopyToPerson):
            return await self._relay(bot, action)
        if isinstance(action, OpenCaseThread):
            return await self._create_topic(bot, action)
        if isinstance(action, PostInCaseThread):
            return await self._post_in_topic(bot, action)
        if isinstance(action, SendToPerson | SendEntry):
            return await self._to_person(bot, action)
        try:
            if isinstance(action, PostToTeam):
                await self._send(bot, action.chat_id, action.text, silent=action.silent)
            elif isinstance(action, EditCard):
                await bot.edit_message_reply_markup(
                    action.chat_id, action.message_id, reply_markup=case_keyboard(action.buttons)
                )
            elif isinstance(action, CloseCaseThread):
                await bot.close_forum_topic(action.chat_id, action.topic_id)
            elif isinstance(action, DeleteCaseThread):
                await bot.delete_forum_topic(action.chat_id, action.topic_id)
            elif isinstance(action, ReplyHere) and here is not None:
                await self._send(
                    bot,
                    here.chat_id,
                    action.text,
                    thread_id=here.thread_id,
                    buttons=action.buttons,
                    private=here.private,
                )
            elif not isinstance(action, ShortNotice | ReplyHere):
                log.error("handoff action not handled: %s", type(action).__name__)
        except TelegramError as error:  # secondary: the case itself is safe in the database
            log.info("%s not done: %s", type(action).__name__, type(error).__name__)
        return []

    async def _relay(self, bot: Bot, item: Delivery) -> list[CaseAction]:
        """One copy, either way: the direction only changes where it goes and who is told."""
        to_topic = isinstance(item, CopyToCaseThread)
        thread, silent = (
            (item.topic_id, item.silent or None)
            if isinstance(item, CopyToCaseThread)
            else (None, None)
        )
        try:
            await bot.copy_message(
                chat_id=item.chat_id,
                from_chat_id=item.from_chat_id,
                message_id=item.message_id,
                message_thread_id=thread,
                disable_notification=silent,
                protect_content=item.protect,
            )
        except TelegramError as error:
            failure, retry_after = delivery_failure(error, to_person=not to_topic)
            log.info(
                "relay %d of case %d failed: %s (%s)",
                item.outbox_id,
                item.case_id,
                failure.value,
                type(error).__name__,
            )
            return await self.service.outbox_failed(
                item.outbox_id, failure, retry_after=retry_after
            )
        return await self.service.outbox_sent(item.outbox_id)

    async def _create_topic(self, bot: Bot, action: OpenCaseThread) -> list[CaseAction]:
        """The topic, the previous card when the case moved, the card; then report it."""
        try:
            topic = await bot.create_forum_topic(action.chat_id, action.name)
        except TelegramError as error:
            log.warning("case %d: topic not created (%s)", action.case_id, type(error).__name__)
            self._topics_to_retry[action.case_id] = action  # the outbox job tries again
            return []
        self._topics_to_retry.pop(action.case_id, None)
        thread = topic.message_thread_id
        self._remember_topic(action.case_id, thread)
        silent = action.silent or None
        try:
            if action.copy_from is not None:
                await bot.copy_message(
                    action.chat_id,
                    from_chat_id=action.copy_from[0],
                    message_id=action.copy_from[1],
                    message_thread_id=thread,
                    disable_notification=silent,
                    protect_content=True,
                )
        except TelegramError as error:
            log.info(
                "case %d: previous card not copied (%s)", action.case_id, type(error).__name__
            )
        card_id = None
        try:
            card_id = await self._send(
                bot,
                action.chat_id,
                action.card,
                thread_id=thread,
                buttons=action.buttons,
                silent=action.silent,
            )
        except TelegramError as error:
            log.warning("case %d: card not posted (%s)", action.case_id, type(error).__name__)
        return await self.service.topic_created(action.case_id, action.chat_id, thread, card_id)

    async def _post_in_topic(
        self, bot: Bot, action: PostInCaseThread, *, again: bool = False
    ) -> list[CaseAction]:
        """Post in the case's topic; if it was deleted, create it again and post there."""
        try:
            await self._send(
                bot,
                action.chat_id,
                action.text,
                thread_id=action.topic_id,
                buttons=action.buttons,
                silent=action.silent,
                reply_to=action.reply_to,
                insist=action.insist,
            )
            return []
        except TelegramError as error:
            gone = delivery_failure(error, to_person=False)[0] is DeliveryFailure.TOPIC_MISSING
            log.info("case %d: post not sent (%s)", action.case_id, type(error).__name__)
            if action.insist and not gone:
                self._retry_mark(action)
            if not gone or again:
                return []
        await self.run(bot, await self.service.topic_missing(action.case_id, action.topic_id))
        topic = self._latest_topic.get(action.case_id)
        if topic is None or topic == action.topic_id:
            return []
        moved = PostInCaseThread(
            action.case_id,
            action.chat_id,
            topic,
            action.text,
            action.buttons,
            action.silent,
            insist=action.insist,
        )
        return await self._post_in_topic(bot, moved, again=True)

    async def _to_person(self, bot: Bot, action: SendToPerson | SendEntry) -> list[CaseAction]:
        """A message of the bot to the person; if they blocked it, their case closes."""
        keyboard = await self._case_keyboard(action.case_id)
        try:
            if isinstance(action, SendEntry):
                reply = self._entries(action.entry_id)
                if reply is not None:
                    # Sent by a helper inside a personal case: protected like their own words.
                    shown = keyboard or render.PERSISTENT_KEYBOARD
                    for message in render.render_reply(reply, keyboard=shown):
                        await bot.send_message(
                            action.chat_id,
                            message.html,
                            reply_markup=message.markup,
                            protect_content=True,
                        )
            else:
                await self._send_to_person(bot, action, keyboard)
        except Forbidden:
            log.info("case %d: the person blocked the bot", action.case_id)
            return await self.service.case_unreachable(action.case_id)
        except TelegramError as error:
            if isinstance(action, SendToPerson) and action.insist:
                log.info("case %d: mark not sent yet (%s)", action.case_id, type(error).__name__)
                self._retry_mark(action)
                return []
            log.warning(
                "case %d: message to the person lost (%s)", action.case_id, type(error).__name__
            )
        return []

    async def _send_to_person(
        self, bot: Bot, action: SendToPerson, keyboard: ReplyKeyboardMarkup | None
    ) -> None:
        """A message to the person, with the keyboard their case calls for.

        « J'ai fini » is a key of :data:`render.CASE_KEYBOARD`, not an inline button that
        scrolls away. A message with inline buttons cannot change the keyboard (one keyboard
        per message): after the case closed (the closing and its 👍 😐 👎), its first
        paragraphs go alone, with the keyboard without « J'ai fini », then the last one with
        the buttons.
        """
        buttons = tuple(
            row for row in action.buttons if any(b.action.verb is not CaseVerb.DONE for b in row)
        )
        head, _, tail = action.text.rpartition("\n\n")
        send = partial(
            self._send,
            bot,
            action.chat_id,
            protect=action.protect,
            private=True,
            insist=action.insist,
            keyboard=keyboard,
        )
        if buttons and head and keyboard is render.PERSISTENT_KEYBOARD:
            await send(head, reply_to=action.reply_to)
            await send(tail, buttons=buttons)
            return
        await send(action.text, buttons=buttons, reply_to=action.reply_to)

    def _retry_mark(self, action: PostInCaseThread | SendToPerson) -> None:
        if len(self._marks_to_retry) < MAX_MARKS_TO_RETRY:
            self._marks_to_retry.append(action)
        else:
            log.warning("case %d: a not-delivered mark was dropped", action.case_id)

    # --- sending --------------------------------------------------------------------------

    async def _send(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        *,
        thread_id: int | None = None,
        buttons: Buttons = (),
        silent: bool = False,
        reply_to: int | None = None,
        protect: bool = False,
        private: bool = False,
        insist: bool = False,
        keyboard: ReplyKeyboardMarkup | None = None,
    ) -> int:
        """Send a plain text (``render.send_text``) with the case's buttons on the last part.

        A person's chat without buttons gets ``keyboard`` (the reply keyboard of their
        case), or keeps the one it has when None.
        """
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = case_keyboard(buttons)
        if markup is None and private:
            markup = keyboard
        return await render.send_text(
            bot,
            chat_id,
            text,
            markup=markup,
            thread_id=thread_id,
            silent=silent,
            reply_to=reply_to,
            protect=protect,
            insist=insist,
        )

    def _remember_topic(self, case_id: int, topic_id: int) -> None:
        """The newest topic of a case, to post again there when the old one was deleted."""
        self._latest_topic[case_id] = topic_id
        self._latest_topic.move_to_end(case_id)
        while len(self._latest_topic) > MAX_REMEMBERED_TOPICS:
            self._latest_topic.popitem(last=False)
