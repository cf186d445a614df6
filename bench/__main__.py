"""All benchmarks in one run: ``./relais bench`` (or ``.venv/bin/python -m bench``).

Prints the machine, then the tables of bench.matching, bench.e2e, bench.relay,
bench.places, bench.stores (SQLite and PostgreSQL) and bench.failover (the takeover time over
5 SIGKILLs; ``--no-failover`` leaves it out: it takes a few minutes). Without PostgreSQL the
last two say why they are skipped.
Tests never assert on these times; README.md shows the latest tables.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time

from bench import e2e, failover, matching, places, relay, stores


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-failover", action="store_true", help="leave out bench.failover")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )
    matching.main()
    asyncio.run(e2e.main_async(people=1000, messages=3, runs=2))
    relay.main()
    places.main()
    stores.main([])
    if not args.no_failover:
        failover.main([])
    print(f"\nall benchmarks ran in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
