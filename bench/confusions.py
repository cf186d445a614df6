"""Which entries the matcher mixes up, measured on the entries' own phrasings.

    PYTHONPATH=. .venv/bin/python -m bench.confusions [--folds 5] [--top 15]

Only the labelled phrasings of ``knowledge/*.yaml`` (``questions:``) are used, never the
held-out sets. Two measures, one table each, pairs most often confused first:

- **as shipped**: each phrasing is asked as a message, with the phrasing itself in the index
  (what ``kb check`` does). A pair counts when the decision is not the phrasing's own entry
  (another answer, or a "which one?" list), or when the other entry scores within
  ``CLOSE_MARGIN`` of it: a near miss that a typo would tip over.
- **held out** (``--folds``): the phrasings are cut in folds; each fold is asked to a matcher
  built without it. A phrasing then reaches its entry only through the entry's other
  phrasings, keywords and title, as a new message would: the pairs that come out are the
  entries people cannot tell apart with their own words.

Pairs are unordered: (a, b) counts a's phrasings taken for b and b's taken for a.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bot.knowledge.decision import decide
from bot.knowledge.holder import Knowledge
from bot.knowledge.kb import Entry, KnowledgeBase
from bot.knowledge.lint import CLOSE_MARGIN
from bot.knowledge.matching import Matcher

ROOT = Path(__file__).resolve().parents[1]
Pair = tuple[str, str]


@dataclasses.dataclass
class Tally:
    """Confusions between entries: pair -> count, and how many phrasings were asked."""

    asked: int = 0
    lost: int = 0  # decided for another entry
    unsure: int = 0  # a "which one?" list, or a fallback
    pairs: Counter[Pair] = dataclasses.field(default_factory=Counter)

    def add(self, own: str, other: str) -> None:
        self.pairs[(own, other) if own < other else (other, own)] += 1


def as_shipped(knowledge: Knowledge) -> Tally:
    tally = Tally()
    for entry in knowledge.kb.entries:
        for question in entry.questions:
            _ask(knowledge, entry, question, tally)
    return tally


def held_out(knowledge: Knowledge, folds: int) -> Tally:
    """Each phrasing asked to a matcher that never saw it (k folds, round robin per entry)."""
    tally = Tally()
    kb = knowledge.kb
    for fold in range(folds):
        kept, asked = _split(kb.entries, fold, folds)
        trained = dataclasses.replace(knowledge, matcher=Matcher(_with(kb, kept)))
        for entry, question in asked:
            _ask(trained, entry, question, tally)
    return tally


def _split(
    entries: Iterable[Entry], fold: int, folds: int
) -> tuple[list[Entry], list[tuple[Entry, str]]]:
    kept: list[Entry] = []
    asked: list[tuple[Entry, str]] = []
    for entry in entries:
        questions = []
        for i, question in enumerate(entry.questions):
            if i % folds == fold:
                asked.append((entry, question))
            else:
                questions.append(question)
        kept.append(dataclasses.replace(entry, questions=tuple(questions)))
    return kept, asked


def _with(kb: KnowledgeBase, entries: list[Entry]) -> KnowledgeBase:
    return KnowledgeBase(
        themes=kb.themes, entries=tuple(entries), lexicon=kb.lexicon, folder=kb.folder
    )


def _ask(knowledge: Knowledge, entry: Entry, question: str, tally: Tally) -> None:
    decision = decide(knowledge, question)
    if decision.kind == "crisis":
        return  # the helpline comes first, whatever entry the words belong to
    tally.asked += 1
    if decision.kind == "answer" and decision.entry and decision.entry != entry.id:
        tally.lost += 1
        tally.add(entry.id, decision.entry)
        return
    if decision.kind != "answer":
        tally.unsure += 1
        for other in decision.choices:
            if other != entry.id:
                tally.add(entry.id, other)
        return
    ranked = knowledge.matcher.rank(question)
    own = next((c.score for c in ranked if c.entry_id == entry.id), 0.0)
    for other in ranked:
        if other.entry_id != entry.id and other.score >= own - CLOSE_MARGIN:
            tally.add(entry.id, other.entry_id)


def report(title: str, tally: Tally, top: int) -> str:
    right = tally.asked - tally.lost - tally.unsure
    lines = [
        f"\n{title}: {tally.asked} phrasings, {right} to their own entry "
        f"({100 * right / max(tally.asked, 1):.1f} %), {tally.lost} to another entry, "
        f"{tally.unsure} unsure (a list or a fallback)",
        f"{'count':>5}  pair",
    ]
    for (a, b), count in tally.pairs.most_common(top):
        lines.append(f"{count:>5}  {a} <-> {b}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--folds", type=int, default=5, help="0: as shipped only")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    knowledge = Knowledge.load(args.knowledge)
    print(report("As shipped (own phrasing in the index)", as_shipped(knowledge), args.top))
    if args.folds > 1:
        tally = held_out(knowledge, args.folds)
        title = f"Held out ({args.folds} folds, own phrasing not in the index)"
        print(report(title, tally, args.top))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
