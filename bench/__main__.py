"""All benchmarks in one run: ``./relais bench`` (or ``.venv/bin/python -m bench``).

Prints the machine, then the tables of bench.matching, bench.e2e, bench.relay and
bench.places.
Tests never assert on these times; README.md shows the latest tables.
"""

from __future__ import annotations

import asyncio
import os
import platform
import time

from bench import e2e, matching, places, relay


def main() -> None:
    start = time.perf_counter()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )
    matching.main()
    asyncio.run(e2e.main_async(people=1000, messages=3, runs=2))
    relay.main()
    places.main()
    print(f"\nall benchmarks ran in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
