"""One handler per kind of update: gather (translate) → decide (engine) → act (render).

Chat filters are applied where the handlers are registered (``app.py``), so no handler here
checks the chat type again, except the button handler: ``CallbackQueryHandler`` takes no chat
filter.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import replace

from telegram import CallbackQuery, ChatMember, ReplyKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.app.asking import FLOW_VERBS
from bot.channels.telegram import render, translate
from bot.channels.telegram.context import RelaisContext
from bot.channels.telegram.sinks import CaseSink
from bot.domain.effects import Action as CaseAction
from bot.domain.messages import Action, Button, Inbound, Reply, Verb
from bot.texts import person as texts

log = logging.getLogger(__name__)


async def private_message(update: Update, context: RelaisContext) -> None:
    """Text, command, media or edit in a private chat."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    deps = context.deps
    person = deps.person(user.id)
    inbound = translate.inbound_from_message(
        message, user=person, edited=update.edited_message is not None
    )
    if inbound is None:  # a service message or an edited photo: nothing to answer
        return
    # The chat and message ids serve the handoff only: relaying a message is copying it.
    inbound = replace(inbound, chat=message.chat_id, message_id=message.message_id)
    outbounds = await deps.engine.handle(inbound)
    await render.deliver(
        context.bot,
        message.chat_id,
        outbounds,
        incoming_message_id=message.message_id,
        welcome=inbound.command == "start",
        on_case=_case_sink(context),
        keyboard=await _keyboard(context, person),
    )


async def button_pressed(update: Update, context: RelaisContext) -> None:
    """An inline button was tapped. Forged or outdated data gets the menu, not an error."""
    query = update.callback_query
    if query is None:
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        # We only put buttons in private chats; anything else is answered and ignored.
        await _answer(query)
        return
    deps = context.deps
    person = deps.person(query.from_user.id)
    inbound = translate.inbound_from_callback(query, user=person)
    # Every callback query must be answered, even with nothing to say: until it is, the
    # person's Telegram shows a spinner on the button (and some clients freeze it).
    # https://core.telegram.org/bots/api#answercallbackquery
    unreadable = inbound is None
    if unreadable:
        await _answer(query, texts.STALE_BUTTON)
        inbound = Inbound(user=person, command="menu")
    else:
        await _answer(query)
    outbounds = await deps.engine.handle(replace(inbound, chat=chat.id))
    await render.deliver(
        context.bot,
        chat.id,
        outbounds,
        incoming_message_id=None,
        on_case=_case_sink(context),
        keyboard=await _keyboard(context, person),
    )
    # A step of asking for a person is answered once: its next step comes as a new message,
    # so its old buttons would only restart a request. An unreadable button goes too. Menus
    # and answers keep theirs: they can be read again. After the reply, never at its cost.
    if unreadable or (inbound.action is not None and inbound.action.verb in FLOW_VERBS):
        await render.take_buttons_off(context.bot, query)


async def _keyboard(context: RelaisContext, person: str) -> ReplyKeyboardMarkup:
    """The reply keyboard after the engine acted: « J'ai fini » on it while a case is open."""
    cases = context.deps.cases
    if cases is None:
        return render.PERSISTENT_KEYBOARD
    return await cases.keyboard_for(person)


def _case_sink(context: RelaisContext) -> CaseSink | None:
    """Where the engine's handoff actions are carried out (None: no team configured)."""
    cases = context.deps.cases
    if cases is None:
        return None
    bot = context.bot

    async def carry_out(actions: Sequence[CaseAction], chat_id: int) -> None:
        await cases.for_person(bot, actions, chat_id)

    return carry_out


async def _answer(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a callback query; one too old to answer (after a restart) is still handled."""
    with suppress(BadRequest):
        await query.answer(text)


async def group_message(update: Update, context: RelaisContext) -> None:
    """In a group or channel: the crisis numbers when a message needs them; otherwise say
    once that the bot works in private, then stay silent.

    The chat id is kept in memory only (a group is not a person) and nothing else is kept.
    """
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return
    text = (message.text or message.caption or "") if message is not None else ""
    outbounds = await context.deps.engine.in_group(text)
    if outbounds:
        log.info("crisis numbers given in a group or channel")
        await render.deliver(context.bot, chat.id, outbounds, incoming_message_id=None)
    if not context.deps.groups_told.add(chat.id):
        return
    log.info("group or channel told to write in private")
    try:
        await render.send_text(context.bot, chat.id, texts.GROUP_ONLY_PRIVATE)
    except (Forbidden, BadRequest) as error:  # no right to write there: silence is fine
        log.info("group not told: %s", type(error).__name__)


async def membership_changed(update: Update, context: RelaisContext) -> None:
    """The person blocked (or unblocked) the bot in their private chat.

    Blocking closes their open case, if any: the helper is told why in the topic.
    """
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:  # groups: nothing to note
        return
    person = context.deps.person(change.from_user.id)
    if change.new_chat_member.status == ChatMember.BANNED:
        log.info("a person blocked the bot")
        cases = context.deps.cases
        if cases is not None:
            await cases.run(context.bot, await cases.service.person_blocked_bot(person))
    elif change.old_chat_member.status == ChatMember.BANNED:
        log.info("a person unblocked the bot")


async def error_happened(update: object, context: RelaisContext) -> None:
    """The one error handler: log without personal data, tell the person, keep running.

    The log line has the update id, the exception type and the stack frames, never the
    exception message (it may quote the person's text) nor names or ids.
    """
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    kind = type(error).__name__
    if isinstance(error, Forbidden):
        log.info("person unreachable update_id=%s error=%s", update_id, kind)
        return
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # Polling retries by itself (PTB's network retry loop); a reply lost here is logged.
        log.warning("network problem update_id=%s error=%s", update_id, kind)
    else:
        log.error("update failed update_id=%s error=%s at %s", update_id, kind, _where(error))
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    problem = Reply(
        texts.TECHNICAL_PROBLEM, buttons=((Button(texts.BUTTON_HUMAN, Action(Verb.HUMAN)),),)
    )
    bot = context.bot
    try:
        for message in render.render_reply(problem):
            # Insisting: seen twice is better than a question left without any answer.
            await render.patiently(
                lambda m=message: bot.send_message(chat.id, m.html, reply_markup=m.markup),
                insist=True,
            )
    except TelegramError as second:
        log.warning(
            "person not told about the problem update_id=%s error=%s",
            update_id,
            type(second).__name__,
        )


def _where(error: BaseException | None) -> str:
    """Stack frames as ``file:line function``: enough to find the bug, no source, no values."""
    if error is None:
        return "-"
    frames = traceback.extract_tb(error.__traceback__)
    return " < ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames)
    )
