"""Measure how well the bot understands people, on labelled messages.

Used by the tests (hit rate must stay above a floor), by ``bench/`` (threshold tuning and
comparisons) and by coordinators' checks. A labelled message is ``{m: text, e: expected}``
where ``expected`` is an entry id, or one of the special labels below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

OUT_OF_SCOPE = "hors-sujet"  # must not be answered with an entry
HUMAN = "humain"  # must be understood as asking for a person
SMALL_TALK = "bavardage"  # greeting, thanks, goodbye, ok
# Asking for a call or a meeting is answered with this entry: the bot cannot phone or meet,
# says so honestly, and offers a person here and a place to meet one.
PERSON_ENTRY = "besoin-voir-quelqu-un"
# ``theme:caf``: a word or two naming a theme, which must get that theme's menu.
THEME_PREFIX = "theme:"
THEME = "theme"  # the group of those messages


@dataclass(frozen=True)
class Labelled:
    text: str
    expected: str
    source: str = ""


def load_labelled(folder: Path) -> list[Labelled]:
    """Every ``{m, e}`` pair of the YAML files in ``folder``."""
    items = []
    for path in sorted(folder.glob("*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            items.append(Labelled(str(row["m"]), str(row["e"]), path.name))
    return items


@dataclass(frozen=True)
class Outcome:
    item: Labelled
    kind: str
    entry: str | None
    choices: tuple[str, ...]
    intent: str | None
    score: float
    theme: str | None = None

    @property
    def group(self) -> str:
        if self.item.expected in (OUT_OF_SCOPE, HUMAN, SMALL_TALK):
            return self.item.expected
        if self.item.expected.startswith(THEME_PREFIX):
            return THEME
        return "entry"

    @property
    def correct(self) -> bool:
        expected = self.item.expected
        if expected == OUT_OF_SCOPE:
            return self.kind not in ("answer", "human", "theme")
        if expected == HUMAN:
            return self.kind == "human" or self.entry == PERSON_ENTRY
        if expected.startswith(THEME_PREFIX):
            return self.kind == "theme" and self.theme == expected.removeprefix(THEME_PREFIX)
        if expected == SMALL_TALK:
            return self.intent is not None and self.kind != "human"
        return self.kind == "answer" and self.entry == expected

    @property
    def wrong_answer(self) -> bool:
        """A confident answer with the wrong entry: the worst outcome for a person."""
        return self.kind == "answer" and self.entry != self.item.expected

    @property
    def clarified_with_right_choice(self) -> bool:
        return self.kind == "clarify" and self.item.expected in self.choices


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def rate(self, group: str) -> float:
        rows = [o for o in self.outcomes if o.group == group]
        return sum(o.correct for o in rows) / len(rows) if rows else 1.0

    def count(self, group: str) -> int:
        return sum(o.group == group for o in self.outcomes)

    def entry_stats(self) -> dict[str, float]:
        rows = [o for o in self.outcomes if o.group == "entry"]
        n = len(rows) or 1
        return {
            "top1": sum(o.correct for o in rows) / n,
            "clarify": sum(o.kind == "clarify" for o in rows) / n,
            "clarify_right": sum(o.clarified_with_right_choice for o in rows) / n,
            "fallback": sum(o.kind == "fallback" for o in rows) / n,
            "wrong": sum(o.wrong_answer for o in rows) / n,
        }

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]

    def summary(self) -> str:
        stats = self.entry_stats()
        kinds = Counter(o.kind for o in self.outcomes)
        lines = [
            f"labelled messages: {len(self.outcomes)} "
            f"(entries {self.count('entry')}, out of scope {self.count(OUT_OF_SCOPE)}, "
            f"human {self.count(HUMAN)}, small talk {self.count(SMALL_TALK)}, "
            f"theme names {self.count(THEME)})",
            f"entries: top-1 {stats['top1']:.1%}, clarify {stats['clarify']:.1%} "
            f"(right choice offered {stats['clarify_right']:.1%}), "
            f"fallback {stats['fallback']:.1%}, wrong answer {stats['wrong']:.1%}",
            f"out of scope declined {self.rate(OUT_OF_SCOPE):.1%}, "
            f"human understood {self.rate(HUMAN):.1%}, small talk {self.rate(SMALL_TALK):.1%}, "
            f"theme menus {self.rate(THEME):.1%}",
            f"decisions: {dict(sorted(kinds.items()))}",
        ]
        return "\n".join(lines)


def evaluate(decide_fn, items: Iterable[Labelled]) -> Report:
    """Run ``decide_fn(text) -> Decision`` on every labelled message."""
    report = Report()
    for item in items:
        d = decide_fn(item.text)
        report.outcomes.append(
            Outcome(item, d.kind, d.entry, tuple(d.choices), d.intent, d.score, d.theme)
        )
    return report
