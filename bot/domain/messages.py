"""The values that cross the line between a channel (Telegram, terminal) and the engine.

The conversation engine takes an :class:`Inbound` and returns a list of :class:`Outbound`
values. Nothing here knows about Telegram, so the whole conversation can be tested with plain
Python values and another channel could be added by writing one more adapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.buttons import Action, Button, Verb
from bot.domain.effects import Action as CaseAction

__all__ = ["Action", "Button", "Verb"]  # re-exported: they were defined here


class MediaKind(StrEnum):
    """Kinds of non-text messages a person may send."""

    PHOTO = "photo"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    VIDEO_NOTE = "video_note"
    STICKER = "sticker"
    ANIMATION = "animation"
    LOCATION = "location"
    CONTACT = "contact"
    DOCUMENT = "document"
    POLL = "poll"
    OTHER = "other"


class Command(StrEnum):
    """Commands a person can type (without the slash)."""

    START = "start"
    MENU = "menu"
    HELP = "aide"
    HUMAN = "humain"


MAX_READ_CHARS = 1500
"""What the bot reads to understand a question: nobody asks one in 1 500 characters, and
matching stays fast. Safety (crisis, secrets) reads the whole message."""


@dataclass(frozen=True)
class Inbound:
    """One thing a person did: typed text, pressed a button, sent a command or a media.

    ``user`` is a pseudonymous key, never a Telegram id. ``text`` is never logged
    (``repr=False``) and never stored.
    """

    user: str
    text: str = field(default="", repr=False)
    action: Action | None = None
    # Where it happened, for the handoff only: the chat to relay to (kept while a case is open)
    # and the message to copy (never its text). None in a channel that cannot relay. Not part
    # of equality: two Inbounds are equal when the person did the same thing.
    chat: int | None = field(default=None, repr=False, compare=False)
    message_id: int | None = field(default=None, compare=False)
    command: str | None = None
    media: MediaKind | None = None
    edited: bool = False
    # Longer than what the bot reads to understand a question (``MAX_READ_CHARS``): the
    # whole text is still handed over, for the safety checks (a crisis or a secret may be
    # at the end), and only its start is matched.
    truncated: bool = False


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Phone:
    number: str  # as dialled, e.g. "3114" or "0969399111"
    label: str  # as shown, e.g. "3114" or "0 969 399 111"
    note: str = ""


@dataclass(frozen=True)
class Reply:
    """A message to the person. ``text`` is plain text: the channel escapes and formats it.

    Paragraphs are separated by a blank line, so a channel can split a long answer between
    paragraphs. ``buttons`` is a list of rows.
    """

    text: str = field(repr=False)
    title: str = ""
    links: tuple[Link, ...] = ()
    phones: tuple[Phone, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    protect: bool = False  # ask the channel to prevent forwarding and saving
    # The engine found nothing to answer the person's question with (its fallback). Said by
    # the engine, which knows its decision, so the missed questions (bot/app/missed.py) never
    # depend on the wording of a reply.
    unanswered: bool = False
    # A safety reply (the crisis numbers): the channel sends it with the strongest delivery
    # it has (retried until the chat service takes it, as plain text if formatting is refused).
    urgent: bool = False


@dataclass(frozen=True)
class DeleteIncoming:
    """Remove the person's message from the chat (it held a password, a card number…)."""


@dataclass(frozen=True)
class HandoffRequested:
    """What the bot knows when a person asks for someone: the asking flow's request.

    Built by the engine, completed by the asking flow (``bot/app/asking.py``) and given to
    the handoff's ``build_preview`` and ``open_case``; never sent to a channel.
    """

    user: str
    theme: str | None = None
    question: str = field(default="", repr=False)  # already masked by the safety guard
    shown_entries: tuple[str, ...] = ()
    not_helpful: tuple[str, ...] = ()
    crisis: str | None = None


@dataclass(frozen=True)
class CaseActions:
    """What the handoff service asks the channel to do (``bot/domain/effects.py``), in order.

    The engine passes them on untouched: only the channel knows how to copy a message.
    """

    actions: tuple[CaseAction, ...] = ()


Outbound = Reply | DeleteIncoming | CaseActions
