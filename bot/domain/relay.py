"""When each queued relay may go: pure scheduling for the outbox.

A staff supergroup takes about 20 messages a minute; beyond that Telegram answers "429 Too
Many Requests" and a naive bot drops or floods. The outbox keeps every relay in SQLite and
this module decides, from plain values, which ones are due now and when to look again:

- each stream (one case, one direction) keeps its order: an item waits behind the ones
  before it;
- copies into a group are limited to ``per_minute`` in any rolling minute, per group;
- an item handed to the adapter and never reported is retried after a lease, at once when
  the process that took it has died (a crash); except a copy to a person, which may have
  reached them: it is never sent twice, it is reported as uncertain (the helper is told).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.case import Status


class Direction(StrEnum):
    """Which way a relay goes: the person's message to the team, or a helper's to the person."""

    TO_TOPIC = "to_topic"
    TO_PERSON = "to_person"


class RelayState(StrEnum):
    """Where a queued copy is: waiting, handed to the channel, or settled."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


TO_TOPIC = Direction.TO_TOPIC
TO_PERSON = Direction.TO_PERSON
RATE_WINDOW = dt.timedelta(seconds=60)
DEFAULT_PER_MINUTE = 20
# An attempt not reported within this time is considered lost and tried again.
LEASE = dt.timedelta(seconds=120)
MAX_ATTEMPTS = 5
_FIRST_RETRY_SECONDS = 5
_MAX_RETRY_SECONDS = 300


@dataclass(frozen=True)
class DispatchPlan:
    """``ready``: hand these to the adapter now, in order. ``undeliverable``: mark failed.

    ``uncertain``: copies to a person taken and never reported: maybe made, never resent.
    ``next_at``: when something else becomes due (None: only when something new arrives).
    """

    ready: tuple[OutboxItem, ...] = ()
    undeliverable: tuple[OutboxItem, ...] = ()
    next_at: dt.datetime | None = None
    uncertain: tuple[OutboxItem, ...] = ()


def plan_dispatch(
    pending: Sequence[OutboxItem],
    recent_attempts: Iterable[tuple[int, dt.datetime]],
    now: dt.datetime,
    *,
    per_minute: int = DEFAULT_PER_MINUTE,
    lease: dt.timedelta = LEASE,
    orphaned_before: dt.datetime | None = None,
) -> DispatchPlan:
    """Decide what goes now. ``recent_attempts``: (group, time) of copies into topics.

    ``orphaned_before``: when this process started; an item taken before was taken by a
    process that is gone, and its lease is over.
    """
    used: dict[int, list[dt.datetime]] = defaultdict(list)
    for group, at in recent_attempts:
        if at > now - RATE_WINDOW:
            used[group].append(at)
    blocked: set[tuple[int, str]] = set()
    ready: list[OutboxItem] = []
    undeliverable: list[OutboxItem] = []
    uncertain: list[OutboxItem] = []
    wakes: list[dt.datetime] = []
    for item in sorted(pending, key=lambda r: r.id):
        stream = (item.case_id, item.direction)
        if stream in blocked:
            continue
        if item.person_chat_id is None:
            undeliverable.append(item)  # the case was erased or closed: nobody to copy
            continue
        if item.direction == TO_TOPIC and item.topic_id is None:
            blocked.add(stream)  # waits for topic_created
            continue
        later = _due_at(item, lease, orphaned_before)
        if later > now:
            blocked.add(stream)
            wakes.append(later)
            continue
        if item.status == RelayState.SENDING and item.direction == TO_PERSON:
            uncertain.append(item)  # the stream goes on once it is settled
            blocked.add(stream)
            continue
        if item.direction == TO_TOPIC:
            times = used[item.group_chat_id]
            if len(times) >= per_minute:
                blocked.add(stream)
                wakes.append(min(times) + RATE_WINDOW)
                continue
            times.append(now)
        ready.append(item)
    return DispatchPlan(
        ready=tuple(ready),
        undeliverable=tuple(undeliverable),
        next_at=min(wakes) if wakes else None,
        uncertain=tuple(uncertain),
    )


def _due_at(
    item: OutboxItem, lease: dt.timedelta, orphaned_before: dt.datetime | None
) -> dt.datetime:
    if item.status == RelayState.SENDING and item.last_attempt_at is not None:
        if orphaned_before is not None and item.last_attempt_at < orphaned_before:
            return item.last_attempt_at  # its process died: no need to wait for the lease
        return item.last_attempt_at + lease
    return item.not_before


def retry_delay(attempts: int, retry_after: float | None = None) -> dt.timedelta:
    """Back off 5 s, 10 s, 20 s… up to 5 min; never sooner than Telegram's ``retry_after``."""
    seconds = min(_FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), _MAX_RETRY_SECONDS)
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return dt.timedelta(seconds=seconds)


@dataclass(frozen=True)
class OutboxItem:
    """One queued copy, with what is needed to deliver it (read from its case)."""

    id: int
    case_id: int
    direction: Direction
    source_message_id: int
    status: RelayState
    attempts: int
    not_before: dt.datetime
    last_attempt_at: dt.datetime | None
    group_chat_id: int
    topic_id: int | None
    person_chat_id: int | None = field(repr=False)
    case_status: Status | None = None
