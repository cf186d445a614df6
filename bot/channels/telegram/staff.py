"""The staff side: the team's forum groups, the handoff buttons, the jobs, the start check.

Each case has a topic in a staff group. In it, the owner's messages are copied to the person
(``!…`` stays inside as a note) and the commands act on that case. The handlers are filtered
by the staff chats where they are registered (``app.py``), so none checks the chat again. The
handoff's buttons (a ``CaseVerb``) come from both sides: a helper's on a card, a person's (consent,
"J'ai fini", satisfaction) in their private chat.

Every handler is gather → call the service → carry out its actions (``handoff_actions.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Collection
from contextlib import suppress

from telegram import (
    Bot,
    CallbackQuery,
    ChatMemberAdministrator,
    ChatMemberOwner,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CommandHandler, JobQueue, MessageHandler, filters

from bot.app.handoff import HandoffService
from bot.app.relaying import NOTE_PREFIX
from bot.channels.telegram import render, translate
from bot.channels.telegram.context import LATE_RUN_IS_FINE, RelaisContext
from bot.channels.telegram.handoff_actions import CaseExecutor, Here
from bot.config import ConfigError
from bot.domain.effects import Action as CaseAction
from bot.domain.effects import ReplyHere, ShortNotice, parse_button
from bot.knowledge.staff import StaffConfig
from bot.texts import handoff as t

log = logging.getLogger(__name__)

OUTBOX_EVERY = dt.timedelta(seconds=5)
"""How often queued copies are looked at: retries and the group rate free up over time."""
REMINDERS_EVERY = dt.timedelta(minutes=1)

NOT_IN_GROUP = (
    "Le robot ne peut pas lire le groupe d'équipe {group} (RELAIS_STAFF_CONFIG) : ajoutez-le "
    "au groupe, ou corrigez le chat_id dans le fichier de l'équipe."
)
NOT_A_FORUM = (
    "Le groupe d'équipe {group} n'a pas les sujets activés : dans Telegram, ouvrez le groupe, "
    "« Modifier », puis activez « Sujets » (un sujet par demande)."
)
NO_TOPIC_RIGHT = (
    "Dans le groupe d'équipe {group}, le robot doit être administrateur avec le droit "
    "« Gérer les sujets » : donnez-lui ce droit, puis relancez."
)

CaseCommand = Callable[[HandoffService, int, int, list[str]], Awaitable[list[CaseAction]]]


# --- registration ---------------------------------------------------------------------------


def staff_handlers(staff_chats: Collection[int]) -> list[BaseHandler[Update, RelaisContext, None]]:
    """The staff groups' handlers, in order: commands, then messages, then the rest (silence).

    Edited commands are not run again (a typo fixed in ``/clore`` must not close twice).
    """
    in_staff = filters.Chat(chat_id=list(staff_chats))
    commands = in_staff & ~filters.UpdateType.EDITED_MESSAGE
    return [
        CommandHandler("fiche", fiche_command, filters=commands),
        CommandHandler("transferer", transferer_command, filters=commands),
        CommandHandler("liberer", liberer_command, filters=commands),
        CommandHandler("clore", clore_command, filters=commands),
        CommandHandler("charte", charte_command, filters=commands),
        MessageHandler(in_staff & ~filters.StatusUpdate.ALL, topic_message),
        # Service messages (topic created, member joined…): the team's business, and never
        # the "write to me in private" notice that other groups get.
        MessageHandler(in_staff, _ignore),
    ]


def schedule_jobs(job_queue: JobQueue[RelaisContext] | None) -> None:
    """The outbox and the reminders run on PTB's JobQueue (started with the Application)."""
    if job_queue is None:
        raise ConfigError(
            "Il manque APScheduler pour les rappels de l'équipe : installez "
            "python-telegram-bot[job-queue] (./relais run le fait)."
        )
    job_queue.run_repeating(
        outbox_job,
        interval=OUTBOX_EVERY,
        first=1,
        name="handoff-outbox",
        job_kwargs=LATE_RUN_IS_FINE,
    )
    job_queue.run_repeating(
        reminders_job,
        interval=REMINDERS_EVERY,
        first=5,
        name="handoff-reminders",
        job_kwargs=LATE_RUN_IS_FINE,
    )


async def check_staff_groups(bot: Bot, staff: StaffConfig) -> None:
    """Before polling: each staff group is a forum where the bot may manage topics.

    Raises ConfigError with one sentence for the person deploying, as
    telegram-report-bot's ``before_start.py`` does.
    """
    for group in staff.groups:
        label = f"« {group.name} »" if group.name else str(group.chat_id)
        try:
            chat = await bot.get_chat(group.chat_id)
            member = await bot.get_chat_member(group.chat_id, bot.id)
        except (BadRequest, Forbidden):
            raise ConfigError(NOT_IN_GROUP.format(group=label)) from None
        if not chat.is_forum:
            raise ConfigError(NOT_A_FORUM.format(group=label))
        allowed = isinstance(member, ChatMemberOwner) or (
            isinstance(member, ChatMemberAdministrator) and bool(member.can_manage_topics)
        )
        if not allowed:
            raise ConfigError(NO_TOPIC_RIGHT.format(group=label))
    log.info("%d staff group(s) checked", len(staff.groups))


# --- jobs -----------------------------------------------------------------------------------


async def outbox_job(context: RelaisContext) -> None:
    """Copies due now (retries, and what waited for the group's rate)."""
    if context.deps.cases is not None:
        await context.deps.cases.drain_outbox(context.bot)


async def reminders_job(context: RelaisContext) -> None:
    """Announce, remind, widen: never while a team is closed."""
    if context.deps.cases is not None:
        await context.deps.cases.send_reminders(context.bot)


# --- messages in the staff groups ---------------------------------------------------------


async def topic_message(update: Update, context: RelaisContext) -> None:
    """A message in a staff group: in a case's topic, the owner's goes to the person."""
    message, user, cases = update.effective_message, update.effective_user, context.deps.cases
    if message is None or user is None or cases is None:
        return
    case_id = await _case_of(cases, message)
    if case_id is None:  # General, or a topic that is no case: the team talking together
        return
    here = Here(message.chat_id, message.message_thread_id)
    text = message.text or message.caption or ""
    if update.edited_message is not None:  # a copy cannot follow an edit: say so
        if not text.lstrip().startswith(NOTE_PREFIX):
            await cases.run(context.bot, [ReplyHere(t.STAFF_EDITED)], here)
        return
    if translate.command_of(message) is not None:  # an unknown command is not for the person
        await cases.run(context.bot, [ReplyHere(t.STAFF_UNKNOWN_COMMAND)], here)
        return
    if text.lstrip().startswith(NOTE_PREFIX):  # a note for the team: never relayed
        return
    await cases.helper_wrote(context.bot, user.id, case_id, message.message_id, here)


async def _ignore(update: Update, context: RelaisContext) -> None:
    """Service messages in a staff group: nothing to do."""


async def fiche_command(update: Update, context: RelaisContext) -> None:
    """/fiche <id>: send a knowledge entry to the person of this topic's case."""
    await _case_command(update, context, lambda s, h, c, args: s.send_entry(h, c, " ".join(args)))


async def transferer_command(update: Update, context: RelaisContext) -> None:
    """/transferer: ask the person whether a référent may take over."""
    await _case_command(update, context, lambda s, h, c, _args: s.request_transfer(h, c))


async def liberer_command(update: Update, context: RelaisContext) -> None:
    """/liberer: give the case back to the queue."""
    await _case_command(update, context, lambda s, h, c, _args: s.release(h, c))


async def clore_command(update: Update, context: RelaisContext) -> None:
    """/clore: end the case; the person is asked how it went."""
    await _case_command(update, context, lambda s, h, c, _args: s.close_by_helper(h, c))


async def charte_command(update: Update, context: RelaisContext) -> None:
    """/charte: the pair-aidants' charter, with "J'accepte" for who has not accepted it."""
    message, user, cases = update.effective_message, update.effective_user, context.deps.cases
    if message is None or user is None or cases is None:
        return
    thread = message.message_thread_id if message.is_topic_message else None
    await cases.run(
        context.bot, await cases.service.show_charter(user.id), Here(message.chat_id, thread)
    )


async def _case_command(update: Update, context: RelaisContext, act: CaseCommand) -> None:
    message, user, cases = update.effective_message, update.effective_user, context.deps.cases
    if message is None or user is None or cases is None:
        return
    case_id = await _case_of(cases, message)
    thread = message.message_thread_id if message.is_topic_message else None
    here = Here(message.chat_id, thread)
    if case_id is None:
        await cases.run(context.bot, [ReplyHere(t.STAFF_COMMAND_OUTSIDE_CASE)], here)
        return
    actions = await act(cases.service, user.id, case_id, list(context.args or ()))
    await cases.run(context.bot, actions, here)


async def _case_of(cases: CaseExecutor, message: Message) -> int | None:
    if not message.is_topic_message or message.message_thread_id is None:
        return None
    return await cases.service.case_for_topic(message.chat_id, message.message_thread_id)


# --- the handoff's buttons, both sides ------------------------------------------------------


async def case_button(update: Update, context: RelaisContext) -> None:
    """A handoff button: a helper's on a card, or a person's in their private chat."""
    query, chat, cases = update.callback_query, update.effective_chat, context.deps.cases
    if query is None:
        return
    parsed = parse_button(query.data or "")
    if parsed is None or chat is None or cases is None:
        await _answer(query, t.STALE_BUTTON_PERSON)
        return
    verb, case_id = parsed
    if chat.type == ChatType.PRIVATE:
        person = context.deps.person(query.from_user.id)
        actions = await cases.service.press_person(person, verb, case_id)
        here = Here(chat.id, private=True)
    elif chat.id in cases.staff_chats:
        actions = await cases.service.press_staff(query.from_user.id, verb, case_id)
        message = query.message
        thread = (
            message.message_thread_id
            if isinstance(message, Message) and message.is_topic_message
            else None
        )
        here = Here(chat.id, thread)
    else:  # our buttons live only in private chats and staff groups
        await _answer(query)
        return
    # Every callback query is answered, at once: until then the button shows a spinner.
    # https://core.telegram.org/bots/api#answercallbackquery
    toast = next((a for a in actions if isinstance(a, ShortNotice)), None)
    await _answer(query, toast.text if toast else None, alert=bool(toast and toast.alert))
    if chat.type == ChatType.PRIVATE:  # a consent or a rating is given once
        await render.take_buttons_off(context.bot, query)
    await cases.run(context.bot, [a for a in actions if not isinstance(a, ShortNotice)], here)


async def _answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a callback query; one too old to answer (after a restart) is still handled."""
    with suppress(BadRequest):
        await query.answer(text, show_alert=alert)
