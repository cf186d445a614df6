"""Every counter the bot keeps, by name: a number per day, never a person.

The values are what the ``counters`` table stores and ``relais stats`` reads back, so a
member's value never changes (old rows would stop counting). Each comment says what the key
of that counter is; an empty key means "no detail".
"""

from __future__ import annotations

from enum import StrEnum


class Counter(StrEnum):
    """The name of a daily counter (``bot/app/stats.py`` turns them into the usage report)."""

    # The conversation engine (bot/app/conversation.py).
    CONVERSATION = "conversation"  # /start
    ANSWER = "answer"  # key: entry id
    HELPFUL = "helpful"  # key: entry id
    NOT_HELPFUL = "not-helpful"  # key: entry id
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    NONE_OF_THESE = "none-of-these"
    HUMAN_REQUESTED = "human-requested"
    CRISIS = "crisis"  # key: crisis category id (sure: the numbers took the reply over)
    CRISIS_CHECK = "crisis-check"  # key: crisis category id (a warm line under the answer)
    THEME_MENU = "theme-menu"  # key: theme id (a word or two naming a theme)
    SENSITIVE = "sensitive"  # key: the categories found, comma-separated
    SCAM_CHECK = "scam-check"  # key: suspicious | clean
    FLOOD = "flood"
    NEARBY = "nearby"  # key: the step reached (ask, choose, places, finder…), never the commune
    # The coordinators' wrapper (bot/app/coordination.py).
    ACTIVITY_HOUR = "activity-hour"  # key: local hour, 00…23
    # The handoff (bot/app/handoff.py, relaying.py, erasure.py).
    HANDOFF_OPENED = "handoff-opened"  # key: audience
    HANDOFF_CLAIMED = "handoff-claimed"  # key: the helper's role
    HANDOFF_WAIT = "handoff-wait"  # key: a waiting-time bucket
    HANDOFF_TO_REFERENT = "handoff-to-referent"
    HANDOFF_RELEASED = "handoff-released"
    HANDOFF_TRANSFER = "handoff-transfer"  # key: accepted | refused
    HANDOFF_ENTRY = "handoff-entry"  # key: entry id sent by a helper
    HANDOFF_CLOSED = "handoff-closed"  # key: helper | person | blocked | forgotten
    HANDOFF_SATISFACTION = "handoff-satisfaction"  # key: up | neutral | down
    HANDOFF_URGENT = "handoff-urgent"  # key: kept | requeued
    HANDOFF_REMINDER = "handoff-reminder"  # key: remind | widen
    HANDOFF_RELAY_FAILED = "handoff-relay-failed"  # key: direction | source-gone
    # The Telegram channel (bot/channels/telegram/).
    UNREADABLE_UPDATE = "unreadable-update"  # an update the library could not read, skipped
