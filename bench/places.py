"""Commune lookup speed and the size of the communes file: ``python -m bench.places``.

The target is p99 ≤ 2 ms per lookup, so that finding a commune never slows an answer.
Tests never assert on these times.
"""

from __future__ import annotations

import gc
import os
import statistics
import time

from bot.knowledge.communes import DATA_FILE, Communes

# What people write: names, typos, postcodes, sentences, and sentences without a commune.
QUERIES = (
    "Ploërmel", "ploermel", "plormel", "56800", "56800 Ploërmel", "St-Malo", "saint etiene",
    "Saint-Denis", "saint denis 93", "j'habite au havre", "marseile", "Paris 15e", "75015",
    "il y a un endroit pour imprimer à Ploërmel ?", "je cherche une france services à Vannes",
    "Neuilly", "boulogne", "les sables d'olonne", "Cherbourg", "vanes", "grenble",
    "où aller pour qu'on m'aide", "france services à côté de chez moi",
    "un faux message de la caf", "mon mot de passe a changé et je ne peux plus me connecter",
    "besoin d'aide pour la caf à Pau",
)  # fmt: skip
ROUNDS = 40


def main() -> None:
    start = time.perf_counter()
    communes = Communes.load()
    built = time.perf_counter() - start
    gc.collect()
    gc.freeze()  # the index lives as long as the bot: keep it out of the collector's scans
    timings: list[float] = []
    cpu: list[float] = []
    for _ in range(ROUNDS):
        for query in QUERIES:
            c0, t0 = time.thread_time(), time.perf_counter()
            communes.find(query)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
    timings.sort()
    cpu.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print("\n## Commune lookup (bot/knowledge/communes.py)")
    print(
        f"data file: {DATA_FILE.name}, {DATA_FILE.stat().st_size / 1000:.0f} kB, "
        f"{len(communes.communes)} communes, Etalab {communes.version}"
    )
    print(f"index built in {built:.2f} s (once, at first use)")
    print(
        f"{len(timings)} lookups: median {statistics.median(timings):.3f} ms, "
        f"p99 {p99:.3f} ms, max {timings[-1]:.3f} ms (target p99 ≤ 2 ms)"
    )
    # On a busy machine the wall clock also counts other processes; CPU time does not.
    print(
        f"CPU time per lookup: median {statistics.median(cpu):.3f} ms, "
        f"p99 {cpu[int(len(cpu) * 0.99) - 1]:.3f} ms (load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
