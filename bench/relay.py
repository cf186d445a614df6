"""Relays into one staff group: rate held, and how long a burst of 60 messages takes.

    .venv/bin/python -m bench.relay

Telegram lets a bot post about 20 messages a minute into one group. Relais queues relays in
its SQLite outbox and paces them by the handoff clock. This runs the real Application, the
real handoff service and outbox against the in-process fake Bot API (the end-to-end test
harness ``tests/test_handoff_e2e.py``), with the clock moved by hand in 5-second ticks as the
outbox job runs in production, so a "minute" here costs no real minute.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("PTB_TIMEDELTA", "true")

from fakebotapi import FakeBotApi, new_person  # noqa: E402
from test_handoff_e2e import Desk  # noqa: E402

TICK = dt.timedelta(seconds=5)


async def burst(people: int, per_person: int) -> tuple[float, float, int, float, int]:
    """``people`` each send ``per_person`` messages within a minute into one staff group.

    Returns (simulated minutes until all delivered, best minute rate, relays, wall seconds,
    lost).
    """
    api = FakeBotApi()
    with tempfile.TemporaryDirectory() as tmp:
        desk = Desk(api, Path(tmp))
        await desk.start()
        try:
            persons = [new_person(api, f"P{n}") for n in range(people)]
            for person in persons:
                await desk.ask(person)
                await desk.claim(desk.nadia, person)
            start = desk.clock.now
            copies_before = len(api.calls_to("copyMessage"))
            copied_at: list[dt.datetime] = []
            wall = time.perf_counter()

            def note() -> None:
                made = sum(c.status == 200 for c in api.calls_to("copyMessage")) - copies_before
                copied_at.extend([desk.clock.now] * (made - len(copied_at)))

            total = people * per_person
            for n in range(per_person):
                desk.clock.now = start + dt.timedelta(seconds=60 * n / per_person)
                for person in persons:
                    await desk.send(person.says(f"message {n}"))
                await desk.tick()
                note()
            while len(copied_at) < total and desk.clock.now < start + dt.timedelta(hours=2):
                desk.clock.advance(seconds=TICK.total_seconds())
                await desk.tick()
                note()
            wall = time.perf_counter() - wall
            minutes = (max(copied_at) - start).total_seconds() / 60 if copied_at else 0.0
            best_minute = max(
                sum(m <= at < m + dt.timedelta(minutes=1) for at in copied_at) for m in copied_at
            )
            lost = total - len(copied_at)
            return minutes, best_minute, len(copied_at), wall, lost
        finally:
            await desk.stop()


async def main_async() -> None:
    print("\n## Relay into one staff group (outbox paced at 20 per minute)\n")
    print(
        "| burst | relayed | lost | simulated minutes to deliver | max in any minute | "
        "wall ms per relay |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for people, per_person in ((1, 60), (5, 24)):
        minutes, best, relayed, wall, lost = await burst(people, per_person)
        label = f"{people} person(s) x {per_person} messages in 1 minute"
        print(
            f"| {label} | {relayed} | {lost} | {minutes:.1f} | {best} | "
            f"{1000 * wall / max(relayed, 1):.2f} |"
        )


def main() -> None:
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
