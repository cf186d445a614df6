"""Buttons and their payloads, both ways: one button type, one codec, one format.

Telegram gives a button at most 64 bytes of ``callback_data`` and sends them back as they were,
or as anyone forged them: every payload is versioned, and read back through a validator that
refuses (``None``) whatever we did not send, so a stale or forged button gets the kind "ce
bouton n'est plus valable" and never an exception.

Every button is a :class:`Button`: a label and an :class:`Action` (a verb and its argument).
Three vocabularies of verbs share the one format ``v1|<verb>|<arg>``, each verb's code unique
across them, so a channel routes a press by the verb's vocabulary:

- :class:`Verb`: the conversation (menus, answers, asking for a person, places);
- :class:`CaseVerb`: the handoff (a card's "Je prends", a person's consent or rating); the
  argument is the case id;
- :class:`PrivacyVerb`: the privacy commands' buttons (``/oublier``, ``/effacer``).

Buttons sent before the handoff's and the privacy buttons joined this format are still in
people's chats (``h1:<verb>:<case id>`` and ``p1|<verb>``): they are read leniently, as the
same actions (``_LEGACY_CASE``, ``_LEGACY_PRIVACY``). A new shape means ``v2`` here, and old
payloads then read as stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_PAYLOAD_BYTES = 64
"""Telegram's limit for ``callback_data``."""

MAX_BUTTONS_PER_SCREEN = 8
"""What a small phone shows under a message without scrolling: longer lists go in pages."""

PREFIX = "v1|"
_SEP = "|"
_LEGACY_CASE_PREFIX = "h1:"
_LEGACY_PRIVACY_PREFIX = "p1|"
_MAX_CASE_ID_DIGITS = 19

# Ids are kebab-case; a step adds ":<n>". Anything else did not come from us.
_ARG_SHAPE = re.compile(r"[a-z0-9][a-z0-9_-]*(:[0-9]{1,3})?")


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


class CaseVerb(StrEnum):
    """What a handoff button asks; its argument is the case id ("0": no case).

    Values are short (they travel in callback data) and start with "c": no code of another
    vocabulary starts so.
    """

    CLAIM = "ck"  # staff: "Je prends"
    TO_REFERENT = "cr"  # staff: "Pour un référent"
    STATUS = "cs"  # staff: the card's "Pris par Sam" line; does nothing
    TRANSFER_YES = "cy"  # person: agrees to be passed to a référent
    TRANSFER_NO = "cn"  # person: prefers to stay
    DONE = "cd"  # person: "J'ai fini"
    RATE_UP = "c3"  # person: 👍
    RATE_MID = "c2"  # person: 😐
    RATE_DOWN = "c1"  # person: 👎
    ACCEPT_CHARTER = "cc"  # staff: "J'accepte la charte" (case id 0)


class PrivacyVerb(StrEnum):
    """What a button of /oublier or /effacer asks (no argument). Codes start with "f"."""

    FORGET = "fy"  # "Oui, effacer tout"
    KEEP = "fn"  # "Non"
    NOTICE_READ = "fr"  # "Compris": the notice after /effacer goes too


AnyVerb = Verb | CaseVerb | PrivacyVerb

_BY_CODE: dict[str, AnyVerb] = {
    verb.value: verb for vocabulary in (Verb, CaseVerb, PrivacyVerb) for verb in vocabulary
}
assert len(_BY_CODE) == len(Verb) + len(CaseVerb) + len(PrivacyVerb), "a verb code is reused"

_LEGACY_CASE = {
    "k": CaseVerb.CLAIM,
    "r": CaseVerb.TO_REFERENT,
    "s": CaseVerb.STATUS,
    "y": CaseVerb.TRANSFER_YES,
    "n": CaseVerb.TRANSFER_NO,
    "d": CaseVerb.DONE,
    "3": CaseVerb.RATE_UP,
    "2": CaseVerb.RATE_MID,
    "1": CaseVerb.RATE_DOWN,
    "c": CaseVerb.ACCEPT_CHARTER,
}
_LEGACY_PRIVACY = {
    "forget": PrivacyVerb.FORGET,
    "keep": PrivacyVerb.KEEP,
    "read": PrivacyVerb.NOTICE_READ,
}


@dataclass(frozen=True)
class Action:
    """A button press, independent of how a channel encodes it."""

    verb: AnyVerb
    arg: str = ""

    @property
    def case_id(self) -> int:
        """The case a handoff button is about (0: none, as the charter's)."""
        return int(self.arg) if self.arg.isdigit() else 0


@dataclass(frozen=True)
class Button:
    """An inline button: what it says, and what pressing it asks."""

    label: str
    action: Action


Buttons = tuple[tuple[Button, ...], ...]
"""Rows of buttons, as they are shown under a message."""


def case_button(label: str, verb: CaseVerb, case_id: int = 0) -> Button:
    """A handoff button about ``case_id``."""
    return Button(label, Action(verb, str(case_id)))


def fits(payload: str) -> bool:
    return len(payload.encode()) <= MAX_PAYLOAD_BYTES


def is_id(arg: str) -> bool:
    """A knowledge id (``caf-compte``) or a step (``caf-compte:2``), as we write them."""
    return _ARG_SHAPE.fullmatch(arg) is not None


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
    """Button payload: ``"v1|<verb>|<arg>"``; a programming error if over 64 bytes."""
    payload = PREFIX + action.verb.value + _SEP + action.arg
    assert fits(payload), f"button payload over {MAX_PAYLOAD_BYTES} bytes: {payload[:20]}…"
    return payload


def decode_action(payload: str | None) -> Action | None:
    """The action of a pressed button, or None for anything we did not send (old or forged).

    Reads the handoff's and the privacy buttons of the former formats as the same actions.
    """
    if not payload or not fits(payload):
        return None
    if payload.startswith(_LEGACY_CASE_PREFIX):
        fields = payload[len(_LEGACY_CASE_PREFIX) :].split(":")
        verb = _LEGACY_CASE.get(fields[0]) if len(fields) == 2 else None
        return _valid(verb, fields[-1]) if verb else None
    if payload.startswith(_LEGACY_PRIVACY_PREFIX):
        fields = payload[len(_LEGACY_PRIVACY_PREFIX) :].split(_SEP)
        verb = _LEGACY_PRIVACY.get(fields[0]) if len(fields) == 1 else None
        return Action(verb) if verb else None
    if not payload.startswith(PREFIX):
        return None
    fields = payload[len(PREFIX) :].split(_SEP)
    if len(fields) != 2 or fields[0] not in _BY_CODE:
        return None
    return _valid(_BY_CODE[fields[0]], fields[1])


def _valid(verb: AnyVerb, arg: str) -> Action | None:
    """The action when ``arg`` has the shape ``verb`` takes, else None."""
    if isinstance(verb, CaseVerb):
        ok = arg.isdigit() and arg.isascii() and len(arg) <= _MAX_CASE_ID_DIGITS
        return Action(verb, arg) if ok else None
    if isinstance(verb, PrivacyVerb):
        return None if arg else Action(verb)
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


def is_case_payload(payload: object) -> bool:
    """A handoff button's payload (new or former format): the channel routes it there."""
    action = decode_action(payload) if isinstance(payload, str) else None
    return action is not None and isinstance(action.verb, CaseVerb)


def is_privacy_payload(payload: object) -> bool:
    """A privacy button's payload (new or former format)."""
    action = decode_action(payload) if isinstance(payload, str) else None
    return action is not None and isinstance(action.verb, PrivacyVerb)


def parse_button(data: str | None) -> tuple[CaseVerb, int] | None:
    """A handoff button's verb and case id; None when it is not one (or a forged one)."""
    action = decode_action(data)
    if action is None or not isinstance(action.verb, CaseVerb):
        return None
    return action.verb, action.case_id


def encode_privacy(verb: PrivacyVerb) -> str:
    return encode_action(Action(verb))


def decode_privacy(payload: str | None) -> PrivacyVerb | None:
    """A privacy button's verb; None when it is not one."""
    action = decode_action(payload)
    return action.verb if action is not None and isinstance(action.verb, PrivacyVerb) else None
