"""Choose the crisis model's thresholds by cross-validation on the training examples.

Five folds over ``knowledge/exemples-crises.yaml`` plus the shipped regression set: each
fold's model is trained on the other four and scores the held-back fifth, and the patterns
run as in production. Prints recall and false alarms for a grid of (sure, check)
thresholds. The held-out set of ``tests/data/heldout`` is never read here.

    .venv/bin/python -m bench.tune_safety
"""

from __future__ import annotations

import random
from pathlib import Path

from bench.safety import KEY_NUMBERS
from bot.knowledge.kb import questions_in
from bot.safety import crisis as crisis_module
from bot.safety import ordinary_phrasings, wishes_to_be_forgotten
from bot.safety.crisis import CrisisDetector, load_crises
from bot.safety.learned import CrisisModel, Example, load_examples

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5


def folds(examples: list[Example]) -> list[list[Example]]:
    rng = random.Random(20261203)
    shuffled = examples[:]
    rng.shuffle(shuffled)
    return [shuffled[i::FOLDS] for i in range(FOLDS)]


def main() -> None:
    knowledge = ROOT / "knowledge"
    categories, detector = load_crises(knowledge / "crises.yaml")
    ids = [c.id for c in categories]
    examples = list(load_examples(knowledge / "exemples-crises.yaml", ids))
    # As at load: the entries' phrasings are everyday messages, in every fold's training.
    everyday = [
        Example(q, None, "entry")
        for q in ordinary_phrasings(questions_in(knowledge)) + wishes_to_be_forgotten(knowledge)
    ]
    by_id = {c.id: c for c in categories}

    def numbers(category_id: str, level: str) -> set[str]:
        """What the person reads: every number when sure, the gentle line's when check."""
        category = by_id[category_id]
        gentle = category.gentle.replace(" ", "")
        return {p.number for p in category.phones if level == "sure" or p.number in gentle}

    def right(category_id: str, level: str, expected: str) -> bool:
        return bool(numbers(category_id, level) & KEY_NUMBERS[expected])

    scored: list[tuple[Example, object, tuple[str | None, float, float]]] = []
    for k, test in enumerate(folds(examples)):
        train = [e for i, fold in enumerate(folds(examples)) if i != k for e in fold]
        model = CrisisModel(train + everyday, prepare=detector.vocabulary.fold)
        patterns_only = CrisisDetector(
            detector.vocabulary,
            detector.idioms,
            detector.rules,
            distance=detector.distance,
            doubts=detector.doubts,
        )
        for example in test:
            _, found, idiom, far, doubt = patterns_only.read(example.text)
            read = (found, idiom or far, far, doubt.category if doubt else None)
            scored.append((example, read, model.predict(example.text)))
    crises = [s for s in scored if s[0].category]
    looks = [s for s in scored if not s[0].category]
    print(f"{len(crises)} crises, {len(looks)} look-alikes, {FOLDS}-fold cross-validation")
    print(f"{'sure':>5} {'check':>6} {'recall':>7} {'sure':>6} {'takeover':>9} {'gentle':>7}")
    for ordinary_at in (0.6, 0.8):
        crisis_module.ORDINARY_AT = ordinary_at
        print("ordinary at", ordinary_at)
        for sure_at in (0.8, 0.9, 0.95):
            for check_at in (0.4, 0.5, 0.6, 0.7):
                if check_at >= sure_at:
                    continue
                crisis_module.SURE_AT, crisis_module.CHECK_AT = sure_at, check_at

                def level(read, guess, expected, sure_at=sure_at, check_at=check_at):  # type: ignore[no-untyped-def]
                    found, gentle_only, far, doubt = read
                    category, _probability, none = guess
                    probability = 1.0 - none if category is not None else 0.0
                    if found is not None:
                        ordinary = far or none >= crisis_module.ORDINARY_AT
                        got = "check" if ordinary else "sure"
                        return got, right(found.id, got, expected) if expected else True
                    if probability >= sure_at and not gentle_only:
                        return "sure", right(category, "sure", expected) if expected else True
                    if probability >= check_at:
                        return "check", right(category, "check", expected) if expected else True
                    if doubt is not None:
                        return "check", right(doubt.id, "check", expected) if expected else True
                    return None, False

                recall = sure = 0
                for example, found, guess in crises:
                    got, ok = level(found, guess, example.category)
                    recall += got is not None and ok
                    sure += got == "sure" and ok
                takeover = gentle = 0
                for _example, found, guess in looks:
                    got, _ = level(found, guess, None)
                    takeover += got == "sure"
                    gentle += got == "check"
                print(
                    f"{sure_at:>5} {check_at:>6} {recall / len(crises):>7.1%} "
                    f"{sure / len(crises):>6.1%} {takeover / len(looks):>9.1%} "
                    f"{gentle / len(looks):>7.1%}"
                )


if __name__ == "__main__":
    main()
