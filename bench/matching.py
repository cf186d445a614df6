"""Matcher speed and quality: real knowledge base, synthetic 1 000 and 10 000 entries.

    .venv/bin/python -m bench.matching

Prints two tables: time per query (median, p99), memory, load and index build time; then
quality side by side on the labelled messages: the Relais matcher, plain rapidfuzz WRatio over
the phrasings, and BM25 alone (same knowledge, same normalisation).
"""

from __future__ import annotations

import dataclasses
import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

from bench.quality import OUT_OF_SCOPE, Labelled, load_labelled
from bot.knowledge.kb import KnowledgeBase, load_knowledge
from bot.knowledge.matching import Kind, Matcher, decide
from bot.knowledge.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261123


def synthetic(kb: KnowledgeBase, size: int) -> KnowledgeBase:
    """A bigger base made by varying the real phrasings: same words, more entries."""
    rng = random.Random(SEED)
    words = sorted({w for e in kb.entries for q in e.questions for w in q.split()})
    entries = list(kb.entries)
    while len(entries) < size:
        base = rng.choice(kb.entries)
        n = len(entries)
        questions = tuple(
            " ".join(rng.sample(q.split(), k=len(q.split())) + rng.sample(words, k=2))
            for q in base.questions
        )
        entries.append(
            dataclasses.replace(
                base,
                id=f"syn-{n}",
                title=f"{base.title} {n}",
                questions=questions,
                keywords=(*base.keywords, f"mot{n}"),
            )
        )
    return KnowledgeBase(themes=kb.themes, entries=tuple(entries), lexicon=kb.lexicon)


def time_queries(fn: Callable[[str], object], queries: list[str], rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            fn(q)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def speed_table(kb: KnowledgeBase, queries: list[str]) -> None:
    print("\n## Matching speed (one core)\n")
    print(
        "| base | entries | index build ms | build CPU ms | index memory MB | median ms | p99 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, base, rounds in (
        ("real", kb, 5),
        ("synthetic", synthetic(kb, 1_000), 2),
        ("synthetic", synthetic(kb, 10_000), 1),
    ):
        # Time and memory come from two builds: tracing every allocation slows Python code
        # several times over, so a build timed under tracemalloc says little about its speed.
        # CPU time is shown beside wall time: the machine may be busy with other work.
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        matcher = Matcher(base)
        build_ms = (time.perf_counter() - start) * 1000
        build_cpu_ms = (time.process_time() - cpu) * 1000
        del matcher
        gc.collect()
        tracemalloc.start()
        matcher = Matcher(base)
        memory = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        matcher.match("echauffement du cache")
        timings = time_queries(matcher.match, queries, rounds)
        print(
            f"| {label} | {len(base.entries)} | {build_ms:.0f} | {build_cpu_ms:.0f} | "
            f"{memory:.1f} | "
            f"{statistics.median(timings):.2f} | {p99(timings):.2f} |"
        )


class WRatioBaseline:
    """Plain rapidfuzz WRatio over every normalised phrasing: best phrasing wins."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.texts: list[str] = []
        self.owner: list[str] = []
        for e in kb.entries:
            for p in (e.title, *e.questions):
                self.texts.append(normalize(p, kb.lexicon))
                self.owner.append(e.id)

    def rank(self, text: str) -> list[tuple[str, float]]:
        q = normalize(text, self.kb.lexicon)
        best: dict[str, float] = {}
        for _, score, idx in process.extract(q, self.texts, scorer=fuzz.WRatio, limit=30):
            best.setdefault(self.owner[idx], score / 100)
        return sorted(best.items(), key=lambda kv: -kv[1])


def tuned_decision(ranked: list[tuple[str, float]], items: list[tuple[Labelled, list]]):
    """Pick the best answer threshold for a baseline on the same labelled set (fair play)."""
    best = (float("-inf"), 0.0)
    for t in [x / 100 for x in range(30, 100, 2)]:
        score = 0.0
        for item, cands in items:
            answer = cands[0][0] if cands and cands[0][1] >= t else None
            if item.expected == OUT_OF_SCOPE:
                score += 1 if answer is None else -3
            elif answer is not None:
                score += 1 if answer == item.expected else -3
        best = max(best, (score, t))
    return best[1]


def quality_table(kb: KnowledgeBase, items: list[Labelled]) -> None:
    print("\n## Quality side by side (labelled messages)\n")
    matcher = Matcher(kb)
    wratio = WRatioBaseline(kb)

    def bm25_rank(text: str) -> list[tuple[str, float]]:
        terms = matcher.query_terms(normalize(text, kb.lexicon))
        scores = matcher._lexical(terms)
        ids = [e.id for e in kb.entries]
        return sorted(((ids[i], s) for i, s in scores.items()), key=lambda kv: -kv[1])

    print("| matcher | top-1 | clarify | wrong answer | out of scope declined | median ms |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = []
    for name, rank in (
        ("Relais (BM25 + rapidfuzz)", None),
        ("rapidfuzz WRatio alone", wratio.rank),
        ("BM25 alone", bm25_rank),
    ):
        if rank is None:

            def decide_relais(text: str) -> tuple[str | None, bool]:
                m = decide(matcher.rank(text))
                return m.entry_id, m.kind is Kind.CLARIFY

            fn = decide_relais
        else:
            ranked_items = [(i, rank(i.text)) for i in items]
            threshold = tuned_decision([], ranked_items)

            def fn(text: str, rank=rank, threshold=threshold) -> tuple[str | None, bool]:
                cands = rank(text)
                ok = cands and cands[0][1] >= threshold
                return (cands[0][0] if ok else None), False

        timings = []
        top1 = clarify = wrong = declined = n_entries = n_out = 0
        for item in items:
            start = time.perf_counter()
            answer, clarified = fn(item.text)
            timings.append((time.perf_counter() - start) * 1000)
            if item.expected == OUT_OF_SCOPE:
                n_out += 1
                declined += answer is None
                continue
            n_entries += 1
            top1 += answer == item.expected
            clarify += clarified
            wrong += answer is not None and answer != item.expected
        rows.append(name)
        n_entries = max(n_entries, 1)
        print(
            f"| {name} | {top1 / n_entries:.1%} | {clarify / n_entries:.1%} | "
            f"{wrong / n_entries:.1%} | {declined / max(n_out, 1):.1%} | "
            f"{statistics.median(timings):.2f} |"
        )


def main() -> None:
    start = time.perf_counter()
    kb = load_knowledge(ROOT / "knowledge")
    load_ms = (time.perf_counter() - start) * 1000
    items = [
        i
        for i in load_labelled(ROOT / "tests" / "data" / "messages")
        if i.expected == OUT_OF_SCOPE or kb.entry(i.expected)
    ]
    print(
        f"knowledge: {len(kb.entries)} entries loaded and validated in {load_ms:.0f} ms; "
        f"{len(items)} labelled messages"
    )
    speed_table(kb, [i.text for i in items])
    quality_table(kb, items)


if __name__ == "__main__":
    main()
