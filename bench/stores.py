"""Each store, SQLite and PostgreSQL: updates per second end to end, and relays per second.

    .venv/bin/python -m bench.stores [--people 300] [--messages 2] [--relays 100]

- **updates/s**: the real Application with the whole pipeline (``bench.e2e``'s harness: the
  in-process fake Bot API, Telegram's flood limits switched off), on each store.
- **relays/s**: one case taken by a helper (``tests/test_handoff_e2e.py``'s ``Desk``); the
  helper writes ``--relays`` messages in the case's topic and the person ``--relays`` to the
  team; each is handled (queued in the outbox) and copied by the outbox job. The pace into a
  staff group (20 a minute, Telegram's limit) is kept by the handoff clock, which is moved by
  hand here, so the number is what the bot and its store cost, not Telegram's limit.

PostgreSQL runs on a throw-away server (``tests/postgres_server.py``, ``fsync`` off, a local
socket): a managed server over a network costs more per statement. Without PostgreSQL's
binaries its rows say why they are missing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakebotapi import FakeBotApi, FakeMessage, new_person  # noqa: E402
from postgres_server import PostgresServer, unavailable  # noqa: E402
from test_handoff_e2e import Desk  # noqa: E402

from bench import e2e  # noqa: E402
from bench.quality import load_labelled  # noqa: E402


async def relays_per_second(db_url: str | None, count: int) -> float:
    """Relays handled and copied per second, both ways, on one case."""
    api = FakeBotApi()
    with tempfile.TemporaryDirectory() as tmp:
        desk = Desk(api, Path(tmp))
        if db_url is not None:
            desk.settings = dataclasses.replace(desk.settings, db_url=db_url)
        await desk.start()
        try:
            lea = new_person(api, "Léa")
            await desk.ask(lea)
            await desk.claim(desk.nadia, lea)
            group, topic = await desk.topic_of(lea)

            def copies(messages: list[FakeMessage]) -> int:
                return sum("copied_from" in m.payload for m in messages)

            before_person = copies(api.sent_to(lea.chat_id))
            before_topic = copies(desk.in_topic(group, topic))
            start = time.perf_counter()
            for n in range(count):
                await desk.send(desk.nadia.says(f"aide {n}", chat=group, topic=topic))
                await desk.send(lea.says(f"question {n}"))
            while (
                copies(api.sent_to(lea.chat_id)) - before_person < count
                or copies(desk.in_topic(group, topic)) - before_topic < count
            ):
                await desk.tick()
                desk.clock.advance(seconds=61)  # the group's pace, without waiting for it
            return 2 * count / (time.perf_counter() - start)
        finally:
            await desk.stop()


async def updates_per_second(db_url: str | None, people: int, messages: int) -> float:
    texts = [i.text for i in load_labelled(ROOT / "tests" / "data" / "messages")]
    return await e2e.run_relais(people, messages, texts, db_url=db_url)


async def main_async(people: int, messages: int, relays: int) -> None:
    print(
        f"\n## Each store: {people} people x {messages} messages end to end; "
        f"{relays} relays each way on one case\n"
    )
    print("| store | updates/s | relays/s |")
    print("|---|---:|---:|")
    rows: list[tuple[str, str, str]] = []
    updates = await updates_per_second(None, people, messages)
    relayed = await relays_per_second(None, relays)
    rows.append(("SQLite (file)", f"{updates:.0f}", f"{relayed:.0f}"))
    reason = unavailable()
    if reason is None:
        server = PostgresServer.start()
        try:
            updates = await updates_per_second(server.new_database(), people, messages)
            relayed = await relays_per_second(server.new_database(), relays)
        finally:
            server.stop()
        rows.append(("PostgreSQL (local socket)", f"{updates:.0f}", f"{relayed:.0f}"))
    else:
        rows.append(("PostgreSQL", "skipped", reason))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--messages", type=int, default=2)
    parser.add_argument("--relays", type=int, default=100)
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.people, args.messages, args.relays))


if __name__ == "__main__":
    main()
