"""What the handoff use cases ask a channel to do, as plain frozen values.

The use cases never talk to Telegram: each method returns a list of these values and the
channel's effects executor carries them out in order. The names say what they mean for a
case: the team talks about each case in its own *thread* (a forum topic on Telegram, see
``bot/channels/telegram/handoff_actions.py``), the team's shared place is where a case
without a thread is mentioned, and a *short notice* answers a button press. The fields keep
the ids the channel gives (``chat_id``, ``topic_id``: a thread's id, ``message_id``), as the
case store does. Texts are plain French; the channel escapes them. Nothing here is stored:
chat ids travel in memory, from the use case to the channel, and are gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.buttons import (  # re-exported: they were defined here
    Button,
    Buttons,
    CaseVerb,
    case_button,
    parse_button,
)

__all__ = ["Button", "Buttons", "CaseVerb", "case_button", "parse_button"]


class DeliveryFailure(StrEnum):
    """Why a relay could not be delivered, as the adapter reports it."""

    TRANSIENT = "transient"  # network, 5xx, 429 flood control: try again later
    BLOCKED = "blocked"  # 403 "bot was blocked by the user": the person left
    TOPIC_MISSING = "topic-missing"  # 400 "message thread not found": re-create the topic
    SOURCE_GONE = "source-gone"  # 400 "message to copy not found": its author deleted it
    # A copy to the person sent, but no answer came back (a read timeout): it may be there.
    # Never retried, the person would see it twice; the helper is told it may be missing.
    # (Towards a topic such a copy is retried: a duplicate there only costs a helper a glance.)
    UNCERTAIN = "uncertain"


# --- to the person ----------------------------------------------------------------------


@dataclass(frozen=True)
class SendToPerson:
    """Send ``text`` to the person's private chat."""

    case_id: int
    chat_id: int = field(repr=False)
    text: str = field(repr=False)
    buttons: Buttons = ()
    protect: bool = True  # protect_content: not forwardable, not savable
    reply_to: int | None = None  # a message of the person's chat to answer
    insist: bool = False  # a "not delivered" mark: tried again even if it may show twice


@dataclass(frozen=True)
class SendEntry:
    """Send knowledge entry ``entry_id`` to the person, rendered as the bot shows answers."""

    case_id: int
    chat_id: int = field(repr=False)
    entry_id: str


@dataclass(frozen=True)
class CopyToPerson:
    """Relay a helper's message: a copy (no author shown) from the thread to the person.

    Report the result with ``outbox_sent`` / ``outbox_failed`` and ``outbox_id``.
    """

    outbox_id: int
    case_id: int
    from_chat_id: int
    message_id: int
    chat_id: int = field(repr=False)
    protect: bool = True


# --- to the team --------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyToCaseThread:
    """Relay a person's message: a copy (no author shown) from their chat into the thread.

    ``silent`` means disable_notification (the team is closed). Report the result with
    ``outbox_sent`` / ``outbox_failed``.
    """

    outbox_id: int
    case_id: int
    from_chat_id: int = field(repr=False)
    message_id: int
    chat_id: int
    topic_id: int
    silent: bool = False
    protect: bool = True  # helpers cannot forward a person's message out of the topic


@dataclass(frozen=True)
class OpenCaseThread:
    """Open the case's thread ``name`` in the team's group ``chat_id``, post the card in it.

    If ``copy_from`` is set (``(chat_id, message_id)`` of the previous card, when a case moves
    to another group), copy that message first: it still holds the question, which the bot
    did not keep. Then call ``topic_created(case_id, topic_id, card_message_id)``.
    """

    case_id: int
    chat_id: int
    name: str
    card: str = field(repr=False)
    buttons: Buttons = ()
    silent: bool = False
    copy_from: tuple[int, int] | None = None


@dataclass(frozen=True)
class PostInCaseThread:
    """Post ``text`` in the case's thread."""

    case_id: int
    chat_id: int
    topic_id: int
    text: str = field(repr=False)
    buttons: Buttons = ()
    silent: bool = False
    reply_to: int | None = None  # a message of the topic to answer (e.g. "not delivered")
    insist: bool = False  # a "not delivered" mark: tried again even if it may show twice


@dataclass(frozen=True)
class PostToTeam:
    """Post ``text`` in the team's shared place (when the case has no thread any more)."""

    chat_id: int
    text: str = field(repr=False)
    silent: bool = False


@dataclass(frozen=True)
class EditCard:
    """Replace the buttons of the case card (the text stays: the question is not kept)."""

    case_id: int
    chat_id: int
    message_id: int
    buttons: Buttons = ()


@dataclass(frozen=True)
class CloseCaseThread:
    """Close the case's thread (helpers can still read it until it is deleted)."""

    case_id: int
    chat_id: int
    topic_id: int


@dataclass(frozen=True)
class DeleteCaseThread:
    """Delete the case's thread and every message in it (retention or the person's request)."""

    chat_id: int
    topic_id: int


# --- to whoever acted --------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyHere:
    """Answer in the chat where the update came from (a command, a typed message).

    For a button press, the adapter may show it as the callback answer when it is short.
    """

    text: str = field(repr=False)
    buttons: Buttons = ()


@dataclass(frozen=True)
class ShortNotice:
    """Answer a button press with a short notice (a toast; an alert when ``alert``)."""

    text: str = field(repr=False)
    alert: bool = False


@dataclass(frozen=True)
class NoCase:
    """The person has no open case: the engine answers as usual."""


Delivery = CopyToCaseThread | CopyToPerson
Action = (
    SendToPerson
    | SendEntry
    | CopyToPerson
    | CopyToCaseThread
    | OpenCaseThread
    | PostInCaseThread
    | PostToTeam
    | EditCard
    | CloseCaseThread
    | DeleteCaseThread
    | ReplyHere
    | ShortNotice
)
