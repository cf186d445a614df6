"""Active / standby takeover time, measured over real kills: ``python -m bench.failover``.

Two real ``python -m bot run`` processes share a throw-away PostgreSQL server
(``tests/postgres_server.py``) and the fake Bot API served over HTTP on 127.0.0.1. Each round
SIGKILLs the instance that serves, sends a message at once, and measures how long until it is
answered (by the standby, which takes the advisory lock, starts, and polls); then a new standby
is started for the next round. Prints one line per kill and the median / max.

The takeover is bounded by the standby's retry period (``STANDBY_RETRY_SECONDS``), plus the
new active instance's start (its services opened, ``getMe``, commands, start-up jobs) and one
poll.
Needs PostgreSQL's binaries (``apt-get install postgresql``); not run by ``./relais bench``
(it takes a few minutes, and starts processes).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the fake Bot API and the server live with the tests

from fakebotapi import FakeBotApi, FakeBotApiHttpServer, new_person  # noqa: E402
from postgres_server import PostgresServer, unavailable  # noqa: E402

SECRET = "a-bench-secret-of-32-characters!"
STANDS_BY = "this one stands by"
TAKES_OVER = "this instance takes over"
LIMIT_SECONDS = 120.0  # a round that takes longer is reported as failed, and the bench stops


class Instance:
    """One ``python -m bot run`` process, its log lines read as they come."""

    def __init__(self, name: str, process: asyncio.subprocess.Process) -> None:
        self.name = name
        self.process = process
        self.lines: list[str] = []
        self.changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, name: str, env: dict[str, str]) -> Instance:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(name, process)

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip())
            self.changed.set()
        self.changed.set()

    async def said(self, words: str) -> None:
        while not any(words in line for line in self.lines):
            if self.process.returncode is not None:
                raise RuntimeError(f"{self.name} ended: " + "\n".join(self.lines[-5:]))
            self.changed.clear()
            await self.changed.wait()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await self.process.wait()
        await self._reader


async def measure(kills: int) -> list[float]:
    server = PostgresServer.start()
    api = FakeBotApi()
    person = new_person(api)
    instances: list[Instance] = []
    try:
        async with FakeBotApiHttpServer(api) as http:
            env = {
                **os.environ,
                "RELAIS_TOKEN": api.token,
                "RELAIS_SECRET": SECRET,
                "RELAIS_BOT_API_URL": http.base_url,
                "RELAIS_DB": server.new_database(),
                "RELAIS_KNOWLEDGE": str(ROOT / "knowledge"),
                "PYTHONPATH": str(ROOT),
            }
            active = await Instance.start("instance-1", env)
            instances.append(active)
            person.says("/start")
            await api.wait_until(lambda: len(api.sent_to(person.chat_id)) == 1, LIMIT_SECONDS)
            standby = await Instance.start("instance-2", env)
            instances.append(standby)
            await asyncio.wait_for(standby.said(STANDS_BY), LIMIT_SECONDS)
            times = []
            for round_number in range(1, kills + 1):
                answered = len(api.sent_to(person.chat_id))
                active.kill()
                killed_at = time.perf_counter()
                person.says("/aide")
                await api.wait_until(
                    lambda n=answered: len(api.sent_to(person.chat_id)) > n, LIMIT_SECONDS
                )
                took = time.perf_counter() - killed_at
                times.append(took)
                print(f"kill {round_number}: {standby.name} answered {took:.1f} s after the kill")
                await active.process.wait()
                replacement = await Instance.start(f"instance-{round_number + 2}", env)
                active, standby = standby, replacement
                instances.append(standby)
                await asyncio.wait_for(standby.said(STANDS_BY), LIMIT_SECONDS)
            return times
    finally:
        for instance in instances:
            await instance.stop()
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=5)
    args = parser.parse_args(argv)
    # The fake Bot API logs the long polls a killed instance left open: noise, not a result.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    reason = unavailable()
    if reason is not None:
        print(f"failover bench skipped: {reason}")
        return
    print(f"\n### Active / standby takeover ({args.kills} SIGKILLs of the serving instance)\n")
    times = asyncio.run(measure(args.kills))
    print(
        f"\ntakeover (kill → next message answered): median {statistics.median(times):.1f} s, "
        f"max {max(times):.1f} s over {len(times)} kills (target <= 30 s)"
    )


if __name__ == "__main__":
    main()
