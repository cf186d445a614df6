"""The case state machine, as data: which event may happen to a case in which state.

A case is *waiting* (in the queue), *owned* (one helper answers) or *closed*. The service
checks this table before acting, and the store makes each change one conditional UPDATE, so
the table is the truth even when two helpers act at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    WAITING = "waiting"
    OWNED = "owned"
    CLOSED = "closed"


class Event(StrEnum):
    """What can happen to a case (commands and events in one vocabulary)."""

    CLAIM = "claim"  # "Je prends"
    TO_REFERENT = "to-referent"  # "Pour un référent" on a waiting card
    RELEASE = "release"  # /liberer
    TRANSFER = "transfer"  # /transferer, then the person says yes
    URGENT = "urgent"  # a crisis message during the case
    REMIND = "remind"  # nobody claimed: remind, then widen
    CLOSE = "close"  # /clore, "J'ai fini", blocked bot, erased on request


TRANSITIONS: dict[tuple[Status, Event], Status] = {
    (Status.WAITING, Event.CLAIM): Status.OWNED,
    (Status.WAITING, Event.TO_REFERENT): Status.WAITING,
    (Status.WAITING, Event.URGENT): Status.WAITING,
    (Status.WAITING, Event.REMIND): Status.WAITING,
    (Status.WAITING, Event.CLOSE): Status.CLOSED,
    (Status.OWNED, Event.RELEASE): Status.WAITING,
    (Status.OWNED, Event.TRANSFER): Status.WAITING,
    (Status.OWNED, Event.URGENT): Status.WAITING,  # a référent owner keeps it (still owned)
    (Status.OWNED, Event.CLOSE): Status.CLOSED,
}


class InvalidTransition(Exception):
    """This event cannot happen to a case in this state."""


def next_status(status: Status, event: Event) -> Status:
    """The state after ``event``; raise InvalidTransition when it is not allowed."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise InvalidTransition(f"{event.value} impossible from {status.value}") from None


def can(status: str, event: Event) -> bool:
    return (Status(status), event) in TRANSITIONS


class Audience(StrEnum):
    """Who may take a case: a pair-aidant's case can be taken by a référent too."""

    PAIR_AIDANT = "pair-aidant"
    REFERENT = "referent"


@dataclass(frozen=True)
class NewCase:
    """What is kept when a case opens: no text, no name; the chat id only while open."""

    alias: str
    person_key: str
    chat_id: int = field(repr=False)
    audience: Audience
    urgent: bool
    theme: str | None
    shown_entries: tuple[str, ...]
    not_helpful: tuple[str, ...]
    group_chat_id: int
    now: dt.datetime
    announced: bool


@dataclass(frozen=True)
class Case:
    """A stored case, as every store returns it (the fields of ``docs/donnees.md``)."""

    id: int
    alias: str
    person_key: str
    chat_id: int | None = field(repr=False)
    status: Status
    audience: Audience
    urgent: bool
    theme: str | None
    shown_entries: tuple[str, ...]
    not_helpful: tuple[str, ...]
    owner_key: str | None
    group_chat_id: int
    topic_id: int | None
    card_message_id: int | None
    transfer_asked: bool
    opened_at: dt.datetime
    waiting_since: dt.datetime
    announced_at: dt.datetime | None
    reminder_stage: int
    claimed_at: dt.datetime | None
    closed_at: dt.datetime | None
    rated: bool
