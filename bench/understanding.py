"""Understanding figures: the labelled (tuning) set beside the held-out set, per style.

``tests/data/heldout/understanding.yaml`` was written by someone who had seen neither the
entries' phrasings nor the matcher, before any tuning. Nothing is tuned on it: this prints
rates only, never the messages (reading the misses would be tuning on them).

    .venv/bin/python -m bench.understanding
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from bench.quality import OUT_OF_SCOPE, PERSON_ENTRY, load_labelled
from bot.knowledge.decision import Decision, decide
from bot.knowledge.holder import Knowledge

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "data" / "heldout" / "understanding.yaml"


def verdict(decision: Decision, expect: str) -> str:
    """right, wrong (another entry answered) or missed (fallback, or a choice without it)."""
    theme = getattr(decision, "theme", None)
    if expect == "out-of-scope":
        declined = decision.kind in ("fallback", "human") and decision.entry is None
        return "right" if declined and theme is None else "wrong"
    if expect == "human":
        if decision.kind == "human" or decision.entry == PERSON_ENTRY:
            return "right"
        return "wrong" if decision.kind == "answer" else "missed"
    if expect.startswith("theme:"):
        if theme == expect.removeprefix("theme:"):
            return "right"
        return "wrong" if decision.kind == "answer" else "missed"
    if decision.kind == "answer":
        return "right" if decision.entry == expect else "wrong"
    if decision.kind == "clarify" and expect in decision.choices:
        return "right"
    return "missed"


def heldout(knowledge: Knowledge) -> dict[str, Counter[str]]:
    items = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for item in items:
        result = verdict(decide(knowledge, item["m"]), item["expect"])
        kind = (
            "out of scope"
            if item["expect"] == "out-of-scope"
            else "person"
            if item["expect"] == "human"
            else "theme menu"
            if item["expect"].startswith("theme:")
            else "entry"
        )
        for key in ("all", f"style {item['style']}", f"expects {kind}"):
            counts[key][result] += 1
    return counts


def labelled(knowledge: Knowledge) -> Counter[str]:
    counts: Counter[str] = Counter()
    for item in load_labelled(ROOT / "tests" / "data" / "messages"):
        if item.expected in (OUT_OF_SCOPE,) or not knowledge.kb.entry(item.expected):
            continue
        decision = decide(knowledge, item.text)
        counts["n"] += 1
        counts["top1"] += decision.kind == "answer" and decision.entry == item.expected
        counts["wrong"] += decision.kind == "answer" and decision.entry != item.expected
    return counts


def main() -> None:
    start = time.perf_counter()
    knowledge = Knowledge.load(ROOT / "knowledge")
    print(f"understanding: knowledge loaded in {time.perf_counter() - start:.1f} s")
    tuned = labelled(knowledge)
    print(
        f"\nlabelled (tuning) set, questions about entries: {tuned['n']}, top-1 "
        f"{tuned['top1'] / tuned['n']:.1%}, wrong answers {tuned['wrong'] / tuned['n']:.1%}"
    )
    counts = heldout(knowledge)
    print("\nheld-out set (right first reply: the answer, or a choice that offers it):")
    print(f"  {'':24} {'n':>4} {'right':>7} {'wrong':>7} {'missed':>7}")
    for key in sorted(counts, key=lambda k: (k != "all", k)):
        c = counts[key]
        n = sum(c.values())
        print(
            f"  {key:24} {n:>4} {c['right'] / n:>7.1%} {c['wrong'] / n:>7.1%} "
            f"{c['missed'] / n:>7.1%}"
        )


if __name__ == "__main__":
    main()
