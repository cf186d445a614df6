"""Flood guard: one person sending very many messages is slowed down, and nobody else is.

A token bucket per person, keyed by the pseudonymous key and kept in memory only: a burst of
:data:`FLOOD_BURST` messages, refilled at :data:`FLOOD_PER_MINUTE` a minute. A person who
empties it is told once, kindly, that the bot pauses for a minute; the bot then stays silent
on their next messages until the bucket is full again (one minute), and answers as usual.

Why the extra messages are dropped rather than queued: python-telegram-bot runs a bounded
number of updates at once (``bot/channels/telegram/ordering.py``), and a queued message
holds one of those slots while it waits, so a person sending hundreds of messages would make
everybody wait. Dropped, each costs a dictionary look-up.

Never dropped (``Engine._slow_down`` checks before dropping): a crisis message (the numbers at
once), a message holding secret data (it must still be deleted from the chat), and a message
while a case is open (the team reads everything; the outbox paces the copies).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.texts.memory import KEPT_FLOOD

FLOOD_BURST = 20
"""Messages a person may send at once before the bot slows down."""
FLOOD_PER_MINUTE = 20
"""Sustained rate answered: one message every three seconds, more than anyone types."""
MAX_TRACKED_PEOPLE = 10_000
"""Buckets kept at most; the least recently seen is forgotten first (memory stays bounded)."""


class Flood(Enum):
    """What to do with one message."""

    OK = "ok"  # answer as usual
    PAUSE = "pause"  # the bucket just ran out: say once that the bot pauses
    QUIET = "quiet"  # paused: no answer until the bucket is full again


@dataclass
class _Bucket:
    tokens: float
    at: float
    paused: bool = False


class FloodGuard:
    """Per-person token buckets, bounded in number."""

    def __init__(
        self,
        *,
        burst: int = FLOOD_BURST,
        per_minute: float = FLOOD_PER_MINUTE,
        limit: int = MAX_TRACKED_PEOPLE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._burst = float(burst)
        self._per_second = per_minute / 60
        self._limit = limit
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, person: str) -> Flood:
        """Count one message of ``person`` and say whether the bot answers it.

        ``PAUSE`` does not pause yet: the caller calls :meth:`pause` when it does tell the
        person (a crisis message is answered, and the next message is weighed again).
        """
        now = self._clock()
        bucket = self._buckets.get(person)
        if bucket is None:
            bucket = _Bucket(tokens=self._burst, at=now)
            self._buckets[person] = bucket
            while len(self._buckets) > self._limit:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(person)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._per_second)
        bucket.at = now
        if bucket.paused:
            if bucket.tokens < self._burst:
                return Flood.QUIET
            bucket.paused = False  # the minute is over: a fresh start
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Flood.OK
        return Flood.PAUSE

    def pause(self, person: str) -> None:
        """The person was told: stay silent until their bucket is full again."""
        bucket = self._buckets.get(person)
        if bucket is not None:
            bucket.paused = True

    def holds(self, person: str) -> list[str]:
        """What /mesdonnees says: a count of recent messages, if any (``bot/app/memory.py``)."""
        return [KEPT_FLOOD] if person in self._buckets else []

    def forget(self, person: str) -> None:
        """/oublier: the count goes too."""
        self._buckets.pop(person, None)

    def __len__(self) -> int:
        return len(self._buckets)
