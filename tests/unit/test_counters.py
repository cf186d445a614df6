"""Counter names are stored in the database: a renamed value would silently stop a count."""

from __future__ import annotations

from bot.domain.counters import Counter


def test_stored_counter_names_never_change() -> None:
    assert {c.value for c in Counter} == {
        "conversation",
        "answer",
        "helpful",
        "not-helpful",
        "clarify",
        "fallback",
        "none-of-these",
        "human-requested",
        "crisis",
        "crisis-check",
        "theme-menu",
        "nearby",
        "sensitive",
        "scam-check",
        "flood",
        "activity-hour",
        "handoff-opened",
        "handoff-claimed",
        "handoff-wait",
        "handoff-to-referent",
        "handoff-released",
        "handoff-transfer",
        "handoff-entry",
        "handoff-closed",
        "handoff-satisfaction",
        "handoff-urgent",
        "handoff-reminder",
        "handoff-relay-failed",
        "unreadable-update",
    }


def test_a_counter_is_its_stored_string() -> None:
    assert Counter.NOT_HELPFUL == "not-helpful"
    assert f"{Counter.HANDOFF_WAIT}" == "handoff-wait"
