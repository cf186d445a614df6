"""Engine values → Bot API calls: escaped HTML, buttons, long answers split, deletions.

Every piece of text that comes from a person or from the knowledge files is escaped here and
nowhere else (the parse mode is set once, in ``Defaults``), so a ``<`` in a question or an
``&`` in a YAML answer can never break a message. Building messages (:func:`render_reply`) is
pure; :func:`deliver` only sends them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html as html_module
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from html import escape
from typing import TypeVar

import httpx
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyParameters,
)
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.channels.telegram.sinks import CaseSink
from bot.channels.telegram.translate import encode_action
from bot.domain.messages import (
    Button,
    CaseActions,
    DeleteIncoming,
    Link,
    Outbound,
    Phone,
    Reply,
    Verb,
)
from bot.texts import person as texts

log = logging.getLogger(__name__)

PERSISTENT_KEYBOARD = ReplyKeyboardMarkup(
    [[texts.KEY_MENU, texts.KEY_HUMAN]],
    resize_keyboard=True,
    is_persistent=True,
    input_field_placeholder=texts.INPUT_PLACEHOLDER,
)
"""The two keys always under the text field, so a person is never stuck."""

CASE_KEYBOARD = ReplyKeyboardMarkup(
    [[texts.KEY_MENU, texts.KEY_HUMAN], [texts.KEY_DONE]],
    resize_keyboard=True,
    is_persistent=True,
    input_field_placeholder=texts.CASE_INPUT_PLACEHOLDER,
)
"""While a request is open: « J'ai fini » joins the two keys, so it is never lost far up the
chat. A reply keyboard stays until a message brings another one; the first message after the
case closes brings :data:`PERSISTENT_KEYBOARD` back (``handoff_actions.py``)."""

# Inline buttons that only repeat what the persistent keyboard offers.
_KEYBOARD_VERBS = frozenset({Verb.MENU, Verb.HUMAN})
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_TAG = re.compile(r"<[^>]*>")
# A French number of 10 digits ("0969399111") becomes "+33969399111": Telegram clients make the
# international form tappable; a short number ("3114") is shown as is.
_MIN_INTERNATIONAL_DIGITS = 10

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True)
class OutgoingMessage:
    """One ``sendMessage``: HTML text, its keyboard, and whether to forbid forwarding."""

    html: str
    markup: Markup | None = None
    protect: bool = False

    @property
    def plain(self) -> str:
        """The same text without formatting, for when Telegram refuses the HTML."""
        return html_module.unescape(_TAG.sub("", self.html))


# --------------------------------------------------------------------------- pure part


def escape_text(text: str) -> str:
    """Escape ``<``, ``>`` and ``&`` for Telegram HTML; quotes only matter in attributes."""
    return escape(text, quote=False)


def render_reply(
    reply: Reply,
    *,
    welcome: bool = False,
    limit: int = MessageLimit.MAX_TEXT_LENGTH,
    keyboard: ReplyKeyboardMarkup = PERSISTENT_KEYBOARD,
) -> list[OutgoingMessage]:
    """The messages that show ``reply``: one, or several split between paragraphs.

    The keyboard goes on the last message. A reply without inline buttons carries the
    persistent keyboard, so a person always has "Menu" and "Parler à quelqu'un". The welcome
    sets that keyboard too; its inline buttons are dropped when they only repeat those keys
    (a message has one keyboard). ``keyboard`` is :data:`CASE_KEYBOARD` while the person has
    a request open.
    """
    parts = pack(reply_units(reply, limit), limit)
    markup = _markup(reply.buttons, welcome=welcome, keyboard=keyboard)
    last = len(parts) - 1
    return [
        OutgoingMessage(html=part, markup=markup if i == last else None, protect=reply.protect)
        for i, part in enumerate(parts)
    ]


def _markup(
    rows: Sequence[Sequence[Button]], *, welcome: bool, keyboard: ReplyKeyboardMarkup
) -> Markup:
    only_keyboard_keys = all(b.action.verb in _KEYBOARD_VERBS for row in rows for b in row)
    if not rows or (welcome and only_keyboard_keys):
        return keyboard
    return inline_keyboard(rows)


def inline_keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=encode_action(b.action)) for b in row]
            for row in rows
        ]
    )


def reply_units(reply: Reply, limit: int) -> list[tuple[str, str]]:
    """The reply as ``(separator before, HTML)`` units, each well-formed and within ``limit``.

    Splitting only ever happens between units, so never inside a tag or an entity. Titles,
    phones and links are short; a paragraph longer than a message is cut first.
    """
    units: list[tuple[str, str]] = []
    if reply.title:
        units.append(("\n\n", f"<b>{escape_text(reply.title)}</b>"))
    for paragraph in map(str.strip, _PARAGRAPH_BREAK.split(reply.text)):
        if paragraph:
            pieces = _escaped_pieces(paragraph, limit)
            units.extend(("\n\n" if i == 0 else sep, html) for i, (sep, html) in enumerate(pieces))
    for separator, phone in _first_with("\n\n", [phone_line(p) for p in reply.phones]):
        units.append((separator, phone))
    links = [line for line in map(link_line, reply.links) if line]
    units.extend(_first_with("\n\n", links))
    return units


def _first_with(separator: str, lines: list[str]) -> list[tuple[str, str]]:
    """Lines of one block: a paragraph break before the first, a line break between."""
    return [(separator if i == 0 else "\n", line) for i, line in enumerate(lines)]


def phone_line(phone: Phone) -> str:
    """``☎️ <b>3114</b> — note``; long French numbers in the tappable +33 form."""
    line = f"☎️ <b>{escape_text(dialable(phone))}</b>"
    return f"{line} — {escape_text(phone.note)}" if phone.note else line


def dialable(phone: Phone) -> str:
    digits = re.sub(r"\D", "", phone.number)
    if len(digits) < _MIN_INTERNATIONAL_DIGITS:
        return phone.label or phone.number
    if phone.number.strip().startswith("+"):
        return f"+{digits}"
    if digits.startswith("00"):
        return f"+{digits[2:]}"
    if digits.startswith("0") and len(digits) == _MIN_INTERNATIONAL_DIGITS:
        return f"+33{digits[1:]}"
    return phone.label or phone.number


def link_line(link: Link) -> str | None:
    """``🔗 <a href="…">label</a>``; None for anything but https (checked here, at the edge)."""
    if not link.url.startswith("https://"):
        log.warning("link not shown: only https links are rendered")
        return None
    return f'🔗 <a href="{escape(link.url, quote=True)}">{escape_text(link.label)}</a>'


def pack(units: list[tuple[str, str]], limit: int) -> list[str]:
    """Put units into as few messages as fit ``limit``; a separator at a cut is dropped."""
    messages: list[str] = []
    current = ""
    for separator, html in units:
        candidate = f"{current}{separator}{html}" if current else html
        if _size(candidate) <= limit:
            current = candidate
            continue
        messages.append(current)
        current = html
    if current or not messages:
        messages.append(current)
    return messages


def _escaped_pieces(plain: str, limit: int) -> list[tuple[str, str]]:
    """Cut a long paragraph at line breaks, then spaces, then anywhere; escape each piece."""
    if _size(escape_text(plain)) <= limit:
        return [("", escape_text(plain))]
    for separator in ("\n", " "):
        if separator in plain.strip():
            out: list[tuple[str, str]] = []
            for chunk in plain.split(separator):
                out.extend(
                    (separator if i == 0 else sep, part)
                    for i, (sep, part) in enumerate(_escaped_pieces(chunk, limit))
                )
            return out
    out, current = [], ""
    for char in plain:
        if _size(escape_text(current + char)) > limit:
            out.append(("", escape_text(current)))
            current = ""
        current += char
    out.append(("", escape_text(current)))
    return out


def _size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- sending

SEND_ATTEMPTS = 3
"""Tries for a message Telegram failed to take (a 5xx, a connection that did not open)."""
RETRY_PAUSE_SECONDS = 1.0
"""Pause before the second try; twice as long before the third."""
# Transport errors raised before the request was fully sent: Telegram cannot have acted on it.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
)
T = TypeVar("T")


def maybe_done(error: TelegramError) -> bool:
    """Whether Telegram may have carried out a request that failed with ``error``.

    An error answer (429, 4xx, 5xx) says it was not done. A request sent whose answer never
    came (read timeout, connection dropped) may have been: PTB keeps httpx's error as the
    cause, and a timeout without a cause is counted as sent.
    """
    if isinstance(error, BadRequest | Forbidden) or not isinstance(error, NetworkError):
        return False
    cause = error.__cause__
    if cause is None:
        return isinstance(error, TimedOut)
    return isinstance(cause, httpx.HTTPError) and not isinstance(cause, _NOT_SENT)


async def patiently(send: Callable[[], Awaitable[T]], *, insist: bool = False) -> T:
    """``send()``, tried again after a short pause when Telegram did not take it.

    Never again when it may have arrived (no answer came back): that could show it twice,
    unless ``insist`` (a notice that must be seen, where twice is better than never).
    A refusal (blocked, bad request) is final and raised at once, and so is a 429 that
    outlasted PTB's limiter (which has already waited every turn Telegram asked for).
    """
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await send()
        except (BadRequest, Forbidden, RetryAfter):
            raise
        except TelegramError as error:
            if attempt == SEND_ATTEMPTS or (maybe_done(error) and not insist):
                raise
            await asyncio.sleep(RETRY_PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


URGENT_ATTEMPTS = 8
"""Tries for a safety reply (the crisis numbers) before giving up: see :func:`urgently`."""


async def urgently(send: Callable[[bool], Awaitable[T]]) -> T:
    """``send(plain)`` until Telegram takes it: for a reply that must arrive (the crisis numbers).

    Tried again after a 5xx, a timeout or a dropped connection (twice is better than never),
    after the wait a 429 asks for (PTB's limiter has already waited its own turns), and once
    as plain text (``send(True)``) when Telegram refuses the request as it is (the HTML). A
    blocked bot is final. Gives up after ``URGENT_ATTEMPTS`` tries and raises the last error.
    """
    plain = False
    for attempt in range(1, URGENT_ATTEMPTS + 1):
        try:
            return await send(plain)
        except Forbidden:
            raise
        except BadRequest as error:
            if plain or attempt == URGENT_ATTEMPTS:
                raise
            log.warning("urgent reply refused (%s): sent as plain text", type(error).__name__)
            plain = True
        except TelegramError as error:
            if attempt == URGENT_ATTEMPTS:
                raise
            await asyncio.sleep(_pause(error, attempt))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _pause(error: TelegramError, attempt: int) -> float:
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        return wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
    return RETRY_PAUSE_SECONDS * min(attempt, SEND_ATTEMPTS)


async def deliver(
    bot: Bot,
    chat_id: int,
    outbounds: Sequence[Outbound],
    *,
    incoming_message_id: int | None,
    welcome: bool = False,
    on_case: CaseSink | None = None,
    keyboard: ReplyKeyboardMarkup = PERSISTENT_KEYBOARD,
) -> bool:
    """Send what the engine decided, in order. False when the person cannot be reached.

    A person who blocked the bot is not written to again for this update (no retry loop;
    their next message, if they unblock, is answered normally). Handoff actions
    (``CaseActions``) are carried out by ``on_case``, in their place in the order.

    Each reply is sent as relays are (:func:`patiently`): again when Telegram cannot have
    taken it, never twice when it may have (then the rest goes on: no « problème technique »
    after a reply that may be on its way). A safety reply is sent :func:`urgently`, and its
    failure does not stop what follows. A message that cannot be deleted stops nothing.
    """
    try:
        for outbound in outbounds:
            if isinstance(outbound, Reply):
                for message in render_reply(outbound, welcome=welcome, keyboard=keyboard):
                    await send_reply(bot, chat_id, message, urgent=outbound.urgent)
            elif isinstance(outbound, DeleteIncoming):
                await _delete_incoming(bot, chat_id, incoming_message_id)
            elif isinstance(outbound, CaseActions) and on_case is not None:
                await on_case(outbound.actions, chat_id)
    except Forbidden:
        log.info("person unreachable (blocked the bot or left)")
        return False
    return True


async def send_reply(
    bot: Bot, chat_id: int, message: OutgoingMessage, *, urgent: bool = False
) -> None:
    """One message of a reply: see :func:`deliver`. Raises what Telegram refused for good."""

    async def send(plain: bool = False) -> object:
        if plain:
            return await bot.send_message(
                chat_id,
                message.plain,
                parse_mode=None,
                reply_markup=message.markup,
                protect_content=message.protect or None,
            )
        return await bot.send_message(
            chat_id,
            message.html,
            reply_markup=message.markup,
            protect_content=message.protect or None,
        )

    if urgent:
        try:
            await urgently(send)
        except Forbidden:
            raise
        except TelegramError as error:
            log.error("urgent reply not delivered after every try: %s", type(error).__name__)
        return
    try:
        await patiently(send)
    except TelegramError as error:
        if not maybe_done(error):
            raise
        log.warning("reply maybe delivered, not sent again: %s", type(error).__name__)


async def send_text(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    markup: Markup | None = None,
    private: bool = False,
    thread_id: int | None = None,
    silent: bool = False,
    reply_to: int | None = None,
    protect: bool = False,
    insist: bool = False,
) -> int:
    """The one way to send a plain text of the bot (escaped, split if long); the last id.

    Used for every text that is not an engine's reply: the team's notes and cards, the
    coordinators' answers, the privacy commands' sentences. ``markup`` goes on the last part;
    in a person's chat (``private``) a text without one carries the persistent keyboard, as
    every other message of the bot does. A part Telegram did not take is tried again
    (:func:`patiently`; ``insist``: even if it may show twice).
    """
    parts = pack(
        reply_units(Reply(text), MessageLimit.MAX_TEXT_LENGTH), MessageLimit.MAX_TEXT_LENGTH
    )
    if markup is None and private:
        markup = PERSISTENT_KEYBOARD
    message_id = 0
    for index, html in enumerate(parts):
        last, first = index == len(parts) - 1, index == 0
        sent = await patiently(
            lambda html=html, last=last, first=first: bot.send_message(
                chat_id,
                html,
                message_thread_id=thread_id,
                reply_markup=markup if last else None,
                disable_notification=silent or None,
                protect_content=protect or None,
                reply_parameters=(
                    ReplyParameters(reply_to, allow_sending_without_reply=True)
                    if reply_to is not None and first
                    else None
                ),
            ),
            insist=insist,
        )
        message_id = sent.message_id
    return message_id


async def _delete_incoming(bot: Bot, chat_id: int, message_id: int | None) -> None:
    """Remove the person's message; one that cannot be removed stops nothing that follows.

    Too old, already gone, or Telegram failing: the warning that follows says « quand c'était
    possible », and the replies still go.
    """
    if message_id is None:
        return
    try:
        await patiently(lambda: bot.delete_message(chat_id, message_id))
    except Forbidden:
        raise
    except TelegramError as error:
        log.info("incoming message not deleted: %s", type(error).__name__)


async def take_buttons_off(bot: Bot, query: CallbackQuery) -> None:
    """Remove the inline buttons of the message a button was pressed under.

    A consent, a rating or a step of asking for a person is answered once, so an old button
    cannot be pressed again by mistake. Best effort, and never at the cost of what comes
    next: a message Telegram no longer lets us edit (older than 48 hours), a message already
    without buttons, or a network error leave the buttons where they are.
    """
    message = query.message
    if message is None:
        return
    with suppress(TelegramError):
        await bot.edit_message_reply_markup(
            chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
        )
