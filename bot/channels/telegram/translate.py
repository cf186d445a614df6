"""Telegram → engine values. Pure: no I/O, no Bot calls.

Keeping this apart from the handlers means every odd thing a Telegram client can send
(a command with ``@botname``, a sticker, a 10 000-character paste, forged button data) is
tested with plain values.
"""

from __future__ import annotations

from telegram import CallbackQuery, Message, MessageEntity
from telegram.constants import InlineKeyboardButtonLimit

from bot.domain.buttons import MAX_PAYLOAD_BYTES, Verb, decode_action, encode_action
from bot.domain.messages import MAX_READ_CHARS, Command, Inbound, MediaKind

__all__ = ["decode_action", "encode_action"]  # the codec, where the channel reads it

MAX_INBOUND_TEXT = MAX_READ_CHARS
"""Longer texts are marked ``truncated`` but handed over whole: see ``MAX_READ_CHARS``."""

# Button payloads are encoded and checked by the one codec (bot/domain/buttons.py).
MAX_CALLBACK_DATA_BYTES = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)
assert MAX_CALLBACK_DATA_BYTES == MAX_PAYLOAD_BYTES

COMMAND_ALIASES = {"help": Command.HELP.value}
"""``/help`` is what people used to other bots try first; it means ``/aide``."""

# Checked in this order: an animation also carries a ``document`` for old clients, and a
# venue carries a ``location``.
_MEDIA_FIELDS: tuple[tuple[str, MediaKind], ...] = (
    ("photo", MediaKind.PHOTO),
    ("voice", MediaKind.VOICE),
    ("audio", MediaKind.AUDIO),
    ("video_note", MediaKind.VIDEO_NOTE),
    ("video", MediaKind.VIDEO),
    ("sticker", MediaKind.STICKER),
    ("animation", MediaKind.ANIMATION),
    ("location", MediaKind.LOCATION),
    ("contact", MediaKind.CONTACT),
    ("document", MediaKind.DOCUMENT),
    ("poll", MediaKind.POLL),
)
# Content we do not name but that a person did send (not a service message).
_OTHER_CONTENT_FIELDS = ("dice", "game", "story", "paid_media", "invoice", "checklist")


# --------------------------------------------------------------------------- buttons


def inbound_from_callback(query: CallbackQuery, *, user: str) -> Inbound | None:
    """A conversation button's press, or None when its data cannot be trusted.

    The handoff's and the privacy buttons have their own handlers (registered before).
    """
    action = decode_action(query.data)
    if action is None or not isinstance(action.verb, Verb):
        return None
    return Inbound(user=user, action=action)


# --------------------------------------------------------------------------- messages


def inbound_from_message(message: Message, *, user: str, edited: bool = False) -> Inbound | None:
    """What the person did in this message, or None when there is nothing to answer.

    None covers service messages (a pin, a chat-background change…) and edits of media:
    answering those would only add noise.
    """
    command = command_of(message)
    if command is not None:
        return Inbound(user=user, command=command, edited=edited)
    if message.text is not None:
        text, truncated = cut(message.text)
        return Inbound(user=user, text=text, edited=edited, truncated=truncated)
    media = media_kind(message)
    if media is None or edited:
        return None
    caption, truncated = cut(message.caption or "")
    return Inbound(user=user, text=caption, media=media, truncated=truncated)


def command_of(message: Message) -> str | None:
    """``"start"`` for ``/start``, ``/start@relais_bot`` or ``/START payload``; else None.

    Telegram marks a command with a ``bot_command`` entity at offset 0; a lone ``/`` or
    ``/ 12`` is typed text.
    """
    text = message.text or ""
    entity = next(iter(message.entities or ()), None)
    if entity is None or entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    name = text[1 : entity.length].split("@", 1)[0].lower()
    return COMMAND_ALIASES.get(name, name)


def media_kind(message: Message) -> MediaKind | None:
    for field_name, kind in _MEDIA_FIELDS:
        if getattr(message, field_name, None):
            return kind
    if any(getattr(message, name, None) for name in _OTHER_CONTENT_FIELDS):
        return MediaKind.OTHER
    return None


def cut(text: str, limit: int = MAX_INBOUND_TEXT) -> tuple[str, bool]:
    """``text`` whole, and whether it is longer than the bot reads to understand it.

    Not cut here: the safety checks read all of it (a crisis after character 1 500).
    """
    return text, len(text) > limit
