"""Tune the matcher's decision thresholds on the labelled messages, and print the best ones.

    .venv/bin/python -m bench.tune_matcher

The objective rewards right answers and declined out-of-scope messages, and punishes wrong
confident answers three times as hard as a clarification: a wrong answer sends a stressed
person down the wrong path, a clarification only costs one tap.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.intents import detect_intent
from bot.knowledge import Knowledge
from bot.matching import decide
from bot.normalize import normalize
from bot.quality import OUT_OF_SCOPE, load_labelled

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    knowledge = Knowledge.load(ROOT / "knowledge")
    items = [
        i
        for i in load_labelled(ROOT / "tests" / "data" / "messages")
        if i.expected == OUT_OF_SCOPE or knowledge.kb.entry(i.expected)
    ]
    # Messages answered before matching (small talk) do not depend on thresholds.
    items = [i for i in items if detect_intent(normalize(i.text, knowledge.kb.lexicon)) is None]
    ranked = [(i, knowledge.matcher.rank(i.text)) for i in items]
    best = None
    grid = itertools.product(
        [x / 100 for x in range(40, 76, 2)],  # answer_min
        [x / 100 for x in range(0, 16, 2)],  # answer_margin
        [x / 100 for x in range(26, 56, 2)],  # clarify_min
    )
    for answer_min, margin, clarify_min in grid:
        if clarify_min > answer_min:
            continue
        right = wrong = clarify = declined = 0
        for item, cands in ranked:
            m = decide(cands, answer_min=answer_min, answer_margin=margin, clarify_min=clarify_min)
            if item.expected == OUT_OF_SCOPE:
                declined += m.kind.value != "answer"
                wrong += m.kind.value == "answer"
                continue
            if m.kind.value == "answer":
                right += m.entry_id == item.expected
                wrong += m.entry_id != item.expected
            elif m.kind.value == "clarify":
                clarify += item.expected in [c.entry_id for c in m.candidates]
        score = right + declined + 0.4 * clarify - 3 * wrong
        if best is None or score > best[0]:
            best = (score, answer_min, margin, clarify_min, right, wrong, clarify, declined)
    n_entries = sum(i.expected != OUT_OF_SCOPE for i in items)
    n_out = len(items) - n_entries
    score, answer_min, margin, clarify_min, right, wrong, clarify, declined = best
    print(f"messages: {n_entries} entry questions, {n_out} out of scope")
    print(f"best: ANSWER_MIN={answer_min} ANSWER_MARGIN={margin} CLARIFY_MIN={clarify_min}")
    print(
        f"  right answers {right}/{n_entries} ({right / n_entries:.1%}), wrong {wrong}, "
        f"clarified with the right choice {clarify}, out of scope declined {declined}/{n_out}"
    )


if __name__ == "__main__":
    main()
