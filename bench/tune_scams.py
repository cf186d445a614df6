"""Choose the scam model's threshold by cross-validation on its training examples.

Five folds over ``knowledge/exemples-arnaques.yaml`` plus the entries' questions: each
fold's model learns from the other four and scores the held-back fifth. Prints, for a grid
of thresholds, how many scams are recognised and how many genuine messages or ordinary
questions would be called scams. The held-out set of ``tests/data/heldout`` is never read.

    .venv/bin/python -m bench.tune_scams
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from bot.knowledge.kb import questions_in
from bot.safety.learned import Example
from bot.safety.scam_model import (
    SCAM_EXAMPLES_FILE,
    SCAM_THEME,
    ScamModel,
    load_scam_examples,
)

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)


def main() -> None:
    folder = ROOT / "knowledge"
    written = list(load_scam_examples(folder / SCAM_EXAMPLES_FILE))
    source = {e.text: "file" for e in written}
    examples = [Example(e.text, e.category) for e in written]
    for _entry_id, theme, question in questions_in(folder):
        if theme != SCAM_THEME:
            examples.append(Example(question, None))
    rng = random.Random(20261203)
    rng.shuffle(examples)
    parts = [examples[i::FOLDS] for i in range(FOLDS)]
    scored = []
    start = time.perf_counter()
    for k, test in enumerate(parts):
        model = ScamModel([e for i, part in enumerate(parts) if i != k for e in part])
        scored.extend((e, model._model.predict(e.text)) for e in test)
    print(f"{FOLDS} models trained and scored in {time.perf_counter() - start:.1f} s")
    scams = [s for s in scored if s[0].category]
    genuine = [s for s in scored if not s[0].category and source.get(s[0].text) == "file"]
    ordinary = [s for s in scored if not s[0].category and source.get(s[0].text) != "file"]
    print(f"{len(scams)} scams, {len(genuine)} genuine messages, {len(ordinary)} questions")
    print(f"{'sure at':>8} {'found':>7} {'entry':>7} {'genuine':>8} {'questions':>10}")
    for sure_at in GRID:
        found = sum(1 for _e, (_c, _p, none) in scams if _c and 1 - none >= sure_at)
        right = sum(
            1 for e, (c, _p, none) in scams if c and 1 - none >= sure_at and c == e.category
        )
        false_genuine = sum(1 for _e, (_c, _p, none) in genuine if _c and 1 - none >= sure_at)
        false_questions = sum(1 for _e, (_c, _p, none) in ordinary if _c and 1 - none >= sure_at)
        print(
            f"{sure_at:>8.2f} {found / len(scams):>7.1%} {right / len(scams):>7.1%} "
            f"{false_genuine:>8} {false_questions / max(len(ordinary), 1):>10.1%}"
        )


if __name__ == "__main__":
    main()
