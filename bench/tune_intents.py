"""Choose the intent model's threshold by cross-validation on its training examples.

Five folds over ``knowledge/exemples-intentions.yaml`` plus the entries' phrasings: each
fold's model learns from the other four and scores the held-back fifth. Prints, for a grid
of thresholds, how many requests are recognised (with the right intent) and how many
ordinary messages would be taken for one. The held-out set of ``tests/data/heldout`` is
never read here.

    .venv/bin/python -m bench.tune_intents
"""

from __future__ import annotations

import random
from pathlib import Path

from bot.knowledge.intent_model import (
    INTENT_EXAMPLES_FILE,
    IntentModel,
    _unique,
    entry_examples,
    load_intent_examples,
)
from bot.knowledge.kb import load_knowledge
from bot.safety.learned import Example

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9)


def folds(examples: list[Example]) -> list[list[Example]]:
    rng = random.Random(20261203)
    shuffled = examples[:]
    rng.shuffle(shuffled)
    return [shuffled[i::FOLDS] for i in range(FOLDS)]


def main() -> None:
    folder = ROOT / "knowledge"
    kb = load_knowledge(folder)
    written = load_intent_examples(folder / INTENT_EXAMPLES_FILE)
    from_entries = entry_examples([(e.id, (e.title, *e.questions)) for e in kb.entries])
    examples = list(_unique(written + from_entries))
    source = {e.text: "file" for e in written}
    scored: list[tuple[Example, tuple[str | None, float, float]]] = []
    parts = folds(examples)
    for k, test in enumerate(parts):
        train = [e for i, fold in enumerate(parts) if i != k for e in fold]
        model = IntentModel(train, kb.lexicon)
        scored.extend((e, model._model.predict(e.text)) for e in test)
    asks = [s for s in scored if s[0].category]
    file_none = [s for s in scored if not s[0].category and source.get(s[0].text) == "file"]
    entry_none = [s for s in scored if not s[0].category and source.get(s[0].text) != "file"]
    print(
        f"{len(asks)} requests, {len(file_none)} written look-alikes, "
        f"{len(entry_none)} entry phrasings; {FOLDS}-fold cross-validation"
    )
    print(
        f"{'sure at':>8} {'recall':>7} {'right':>7} "
        f"{'false (written)':>16} {'false (entries)':>16}"
    )
    for sure_at in GRID:
        found = sum(1 for _e, (_c, _p, none) in asks if _c and 1 - none >= sure_at)
        right = sum(
            1 for e, (c, _p, none) in asks if c and 1 - none >= sure_at and c == e.category
        )
        false_file = sum(1 for _e, (_c, _p, none) in file_none if _c and 1 - none >= sure_at)
        false_entry = sum(1 for _e, (_c, _p, none) in entry_none if _c and 1 - none >= sure_at)
        print(
            f"{sure_at:>8.2f} {found / len(asks):>7.1%} {right / len(asks):>7.1%} "
            f"{false_file / max(len(file_none), 1):>16.1%} "
            f"{false_entry / max(len(entry_none), 1):>16.1%}"
        )
    by_intent: dict[str, list[bool]] = {}
    for e, (c, _p, none) in asks:
        by_intent.setdefault(str(e.category), []).append(bool(c) and 1 - none >= 0.8)
    for intent, hits in sorted(by_intent.items()):
        print(f"  {intent:<14} n={len(hits):>4} recall at 0.80: {sum(hits) / len(hits):.1%}")


if __name__ == "__main__":
    main()
