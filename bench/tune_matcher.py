"""Tune the matcher's decision thresholds on the labelled messages, and print the best ones.

    .venv/bin/python -m bench.tune_matcher

The objective rewards right answers and declined out-of-scope messages, and punishes wrong
confident answers three times as hard as a clarification: a wrong answer sends a stressed
person down the wrong path, a clarification only costs one tap.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

from bench.quality import OUT_OF_SCOPE, load_labelled
from bot.knowledge.holder import Knowledge
from bot.knowledge.intents import detect_intent
from bot.knowledge.matching import BLEND_LEXICAL, CLARIFY_SPREAD, Candidate, decide
from bot.knowledge.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
# At most this share of out-of-scope messages may get an answer (the test allows 10 %).
MAX_OUT_OF_SCOPE_ANSWERED = 0.09


def main() -> None:
    knowledge = Knowledge.load(ROOT / "knowledge")
    items = [
        i
        for i in load_labelled(ROOT / "tests" / "data" / "messages")
        if i.expected == OUT_OF_SCOPE or knowledge.kb.entry(i.expected)
    ]
    # Messages answered before matching (small talk) do not depend on thresholds.
    items = [i for i in items if detect_intent(normalize(i.text, knowledge.kb.lexicon)) is None]
    ranked_raw = [(i, knowledge.matcher.rank(i.text)) for i in items]
    best = None
    for blend in [BLEND_LEXICAL]:
        ranked = [(i, reblend(cands, blend)) for i, cands in ranked_raw]
        best = search(ranked, blend, best)
    report(items, best)


def reblend(cands: list[Candidate], blend: float) -> list[Candidate]:
    """The same candidates scored with another lexical/fuzzy blend."""
    out = [dataclasses.replace(c, score=blend * c.lexical + (1 - blend) * c.fuzzy) for c in cands]
    return sorted(out, key=lambda c: c.score, reverse=True)


def search(ranked, blend, best):
    n_out = sum(i.expected == OUT_OF_SCOPE for i, _ in ranked)
    grid = itertools.product(
        [x / 100 for x in range(44, 66, 2)],  # answer_min
        [x / 100 for x in range(0, 12, 2)],  # answer_margin
        [x / 100 for x in range(30, 50, 2)],  # clarify_min
        [x / 100 for x in range(40, 60, 2)],  # alone_min
        [0.0, 0.3, 0.35, 0.4, 0.45],  # min_lexical
        [0.0, 0.5, 0.6],  # min_fuzzy
    )
    for answer_min, margin, clarify_min, alone_min, min_lexical, min_fuzzy in grid:
        if not clarify_min <= alone_min <= answer_min:
            continue
        right = wrong = clarify = declined = out_answered = 0
        for item, cands in ranked:
            m = decide(
                cands,
                answer_min=answer_min,
                answer_margin=margin,
                clarify_min=clarify_min,
                alone_min=alone_min,
                clarify_spread=CLARIFY_SPREAD,
                min_lexical=min_lexical,
                min_fuzzy=min_fuzzy,
            )
            if item.expected == OUT_OF_SCOPE:
                # A fallback is the right answer; a clarification is tolerable.
                declined += {"fallback": 1, "clarify": 0.5}.get(m.kind.value, 0)
                out_answered += m.kind.value == "answer"
                continue
            if m.kind.value == "answer":
                right += m.entry_id == item.expected
                wrong += m.entry_id != item.expected
            elif m.kind.value == "clarify":
                clarify += item.expected in [c.entry_id for c in m.candidates]
        if out_answered > MAX_OUT_OF_SCOPE_ANSWERED * n_out:
            continue  # the product promise: out-of-scope questions are declined
        score = right + declined + 0.4 * clarify - 3 * wrong
        if best is None or score > best[0]:
            best = (
                score,
                blend,
                (answer_min, margin, clarify_min, alone_min, min_lexical, min_fuzzy),
                right,
                wrong,
                clarify,
                declined,
            )
    return best


def report(items, best) -> None:
    n_entries = sum(i.expected != OUT_OF_SCOPE for i in items)
    n_out = len(items) - n_entries
    _, blend, params, right, wrong, clarify, declined = best
    answer_min, margin, clarify_min, alone_min, min_lexical, min_fuzzy = params
    print(f"messages: {n_entries} entry questions, {n_out} out of scope")
    print(
        f"best: BLEND_LEXICAL={blend} ANSWER_MIN={answer_min} ANSWER_MARGIN={margin} "
        f"CLARIFY_MIN={clarify_min} ALONE_MIN={alone_min} MIN_LEXICAL={min_lexical} "
        f"MIN_FUZZY={min_fuzzy}"
    )
    print(
        f"  right answers {right}/{n_entries} ({right / n_entries:.1%}), wrong {wrong}, "
        f"clarified with the right choice {clarify}, out of scope declined {declined}/{n_out}"
    )


if __name__ == "__main__":
    main()
