"""The case state machine, as data: which event may happen to a case in which state.

A case is *waiting* (in the queue), *owned* (one helper answers) or *closed*. The service
checks this table before acting, and the store makes each change one conditional UPDATE, so
the table is the truth even when two helpers act at once.
"""

from __future__ import annotations

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
