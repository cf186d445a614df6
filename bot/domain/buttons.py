"""Button payloads, both ways: the one codec of every button the bot sends.

Telegram gives a button at most 64 bytes of ``callback_data`` and sends them back as they were,
or as anyone forged them: every payload is versioned, and read back through a validator that
refuses (``None``) whatever we did not send, so a stale or forged button gets the kind "ce
bouton n'est plus valable" and never an exception.

Three families share the codec, each with its own prefix so a channel routes a press without
decoding it:

- ``v1|<verb>|<arg>``: the conversation's buttons (:class:`bot.domain.messages.Action`);
- ``h1:<verb>:<case id>``: the handoff's buttons (:class:`bot.domain.effects.CaseVerb`);
- ``p1|<verb>``: the privacy commands' buttons (:class:`PrivacyVerb`).

The formats are those already in people's chats: changing one means a new version here, and
old payloads then read as stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_PAYLOAD_BYTES = 64
"""Telegram's limit for ``callback_data``."""

MAX_BUTTONS_PER_SCREEN = 8
"""What a small phone shows under a message without scrolling: longer lists go in pages."""

CONVERSATION_PREFIX = "v1|"
CASE_PREFIX = "h1:"
PRIVACY_PREFIX = "p1|"

# Ids are kebab-case; a step adds ":<n>". Anything else did not come from us.
_ARG_SHAPE = re.compile(r"[a-z0-9][a-z0-9_-]*(:[0-9]{1,3})?")


class PrivacyVerb(StrEnum):
    """What a button of /oublier or /effacer asks."""

    FORGET = "forget"  # "Oui, effacer tout"
    KEEP = "keep"  # "Non"
    NOTICE_READ = "read"  # "Compris": the notice after /effacer goes too


def fits(payload: str) -> bool:
    return len(payload.encode()) <= MAX_PAYLOAD_BYTES


def encode(prefix: str, *parts: str) -> str:
    """``prefix`` then ``parts`` joined by the prefix's separator; a programming error if long."""
    payload = prefix + prefix[-1].join(parts)
    assert fits(payload), f"button payload over {MAX_PAYLOAD_BYTES} bytes: {payload[:20]}…"
    return payload


def split(payload: str | None, prefix: str, parts: int) -> tuple[str, ...] | None:
    """The ``parts`` fields of a payload of this family, or None when it is not one."""
    if not payload or not fits(payload) or not payload.startswith(prefix):
        return None
    fields = tuple(payload[len(prefix) :].split(prefix[-1]))
    return fields if len(fields) == parts else None


def is_id(arg: str) -> bool:
    """A knowledge id (``caf-compte``) or a step (``caf-compte:2``), as we write them."""
    return _ARG_SHAPE.fullmatch(arg) is not None


def encode_privacy(verb: PrivacyVerb) -> str:
    return encode(PRIVACY_PREFIX, verb.value)


def decode_privacy(payload: str | None) -> PrivacyVerb | None:
    fields = split(payload, PRIVACY_PREFIX, 1)
    if fields is None:
        return None
    try:
        return PrivacyVerb(fields[0])
    except ValueError:
        return None


# --- the conversation's buttons: "v1|<verb>|<arg>" ------------------------------------------


class Verb(StrEnum):
    """What a button asks the engine to do. Values are short: they travel in callback data."""

    MENU = "m"  # arg: "" or a page number -> the first menu screen (the groups of themes)
    GROUP = "g"  # arg: group id -> list the themes of that group
    THEME = "t"  # arg: theme id, or "<theme id>:<page>" -> list the entries of that theme
    ENTRY = "e"  # arg: entry id -> show that answer
    NONE = "n"  # "Aucune de ces réponses"
    HUMAN = "h"  # "Parler à quelqu'un"
    HELPFUL = "y"  # arg: entry id -> "Ça m'aide"
    NOT_HELPFUL = "x"  # arg: entry id -> "Non"
    STEP = "s"  # arg: "<entry id>:<n>" -> next step of a long answer
    # Asking for a person (bot/app/asking.py): nothing is shared before ASK_YES.
    ASK_LAST = "hl"  # it is about my last question
    ASK_THEME = "ht"  # arg: theme id, or a group's id -> it is about this
    ASK_TOPICS = "hc"  # it is about another subject: show the subjects (the menu's groups)
    ASK_OTHER = "ho"  # it is about something else
    ASK_PAIR = "hp"  # help with a website, an app, the phone -> pair-aidant
    ASK_REFERENT = "hr"  # my personal situation -> référent
    ASK_YES = "hy"  # arg: preview number -> "Oui, je transmets"
    ASK_NO = "hn"  # "Non" (or cancel): nothing is shared, nothing is kept
    # Places near the person (bot/app/nearby.py).
    NEARBY = "p"  # arg: entry id -> "📍 Près de chez moi" under that answer
    NEARBY_COMMUNE = "pc"  # arg: code INSEE, lower-case ("56165", "2a004") -> that commune


@dataclass(frozen=True)
class Action:
    """A button press, independent of how a channel encodes it."""

    verb: Verb
    arg: str = ""


_VERBS_WITH_ARG = frozenset(
    {
        Verb.GROUP,
        Verb.THEME,
        Verb.ENTRY,
        Verb.HELPFUL,
        Verb.NOT_HELPFUL,
        Verb.STEP,
        Verb.ASK_THEME,
        Verb.ASK_YES,
        Verb.NEARBY,
        Verb.NEARBY_COMMUNE,
    }
)
# A long list is shown a few buttons at a time: ":<page>" says which screen.
_PAGED_VERBS = frozenset({Verb.GROUP, Verb.THEME})


def encode_action(action: Action) -> str:
    """Button payload: ``"v1|<verb>|<arg>"``. The version lets a later format reject ours."""
    return encode(CONVERSATION_PREFIX, action.verb.value, action.arg)


def decode_action(payload: str | None) -> Action | None:
    """The action of a pressed button, or None for anything we did not send (old or forged)."""
    fields = split(payload, CONVERSATION_PREFIX, 2)
    if fields is None:
        return None
    verb_code, arg = fields
    try:
        verb = Verb(verb_code)
    except ValueError:
        return None
    if verb in _VERBS_WITH_ARG:
        if not is_id(arg):
            return None
        if ":" in arg and verb not in _PAGED_VERBS and verb is not Verb.STEP:
            return None
        if ":" not in arg and verb is Verb.STEP:
            return None
    elif arg and not (verb is Verb.MENU and arg.isdigit() and len(arg) <= 3):
        return None
    return Action(verb, arg)


# --- the handoff's buttons: "h1:<verb>:<case id>" -------------------------------------------

# Button data: "h1:<verb>:<case id>". "h" keeps it apart from the engine's own buttons, "1"
# is the payload version (change it if the shape changes: old buttons then read as stale).
BUTTON_PREFIX = CASE_PREFIX.rstrip(":")


class CaseVerb(StrEnum):
    """What a handoff button asks. Values are short: they travel in callback data."""

    CLAIM = "k"  # staff: "Je prends"
    TO_REFERENT = "r"  # staff: "Pour un référent"
    STATUS = "s"  # staff: the card's "Pris par Sam" line; does nothing
    TRANSFER_YES = "y"  # person: agrees to be passed to a référent
    TRANSFER_NO = "n"  # person: prefers to stay
    DONE = "d"  # person: "J'ai fini"
    RATE_UP = "3"  # person: 👍
    RATE_MID = "2"  # person: 😐
    RATE_DOWN = "1"  # person: 👎
    ACCEPT_CHARTER = "c"  # staff: "J'accepte la charte" (case id 0)


@dataclass(frozen=True)
class CaseButton:
    """An inline button; ``data`` is what the adapter puts in ``callback_data``."""

    label: str
    verb: CaseVerb
    case_id: int = 0

    @property
    def data(self) -> str:
        return encode(CASE_PREFIX, self.verb.value, str(self.case_id))


Buttons = tuple[tuple[CaseButton, ...], ...]


def parse_button(data: str) -> tuple[CaseVerb, int] | None:
    """Read button data back; None when it is not a (current) handoff button."""
    fields = split(data, CASE_PREFIX, 2)
    if fields is None or not fields[1].isdigit():
        return None
    try:
        return CaseVerb(fields[0]), int(fields[1])
    except ValueError:
        return None
