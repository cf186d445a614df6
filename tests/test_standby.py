"""Active / standby: only the holder of the lease serves (``bot/app/standby.py``), the lease
being a PostgreSQL advisory lock held by a connection of its own
(``bot/adapters/postgres/lease.py``).

The PostgreSQL tests use a throw-away server and are skipped, with the reason, where
PostgreSQL is not installed. Nothing here asserts on time: the standby's retry period is made
short so that the tests are quick, and each step waits for what it stands for.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest
from conftest import REPO_ROOT
from fakebotapi import FakeBotApi, FakeBotApiHttpServer, new_person

from bot.adapters.postgres.lease import PostgresLease
from bot.app.ports import Lease
from bot.app.standby import LeaseLost, serve_while_held, wait_for_lease
from bot.app.wiring import App
from bot.bootstrap import open_services
from bot.channels.telegram.app import serve
from bot.config import Settings
from bot.texts import person as texts

SECRET = "a-test-secret-of-32-characters!!"
QUICK = 0.05  # seconds between a standby's tries, in these tests only


class FakeLease:
    """A lease whose answers the test sets: ``free`` to acquire, ``alive`` while held."""

    def __init__(self, *, free: bool = True) -> None:
        self.free = free
        self.alive = True
        self.tries = 0
        self.released = 0
        self.refused_thrice = asyncio.Event()

    async def acquire(self) -> bool:
        self.tries += 1
        if not self.free and self.tries >= 3:
            self.refused_thrice.set()
        return self.free

    async def held(self) -> bool:
        return self.alive

    async def release(self) -> None:
        self.released += 1


# --- the use case, with a fake lease -------------------------------------------------------


async def test_without_a_lease_it_serves_at_once() -> None:
    served: list[str] = []

    async def serving(until: asyncio.Event) -> None:
        served.append("served")

    await serve_while_held(None, serving, asyncio.Event())
    assert served == ["served"]


async def test_a_standby_serves_only_once_the_lease_is_free() -> None:
    lease = FakeLease(free=False)
    stop = asyncio.Event()
    started = asyncio.Event()

    async def serving(until: asyncio.Event) -> None:
        started.set()
        await until.wait()

    task = asyncio.create_task(
        serve_while_held(lease, serving, stop, retry_seconds=QUICK, check_seconds=QUICK)
    )
    await lease.refused_thrice.wait()  # it keeps trying, and does not serve
    assert not started.is_set()
    lease.free = True
    await started.wait()
    stop.set()
    await task
    assert lease.released == 1


async def test_an_active_instance_that_loses_the_lease_stops_serving_and_says_so() -> None:
    lease = FakeLease()
    stopped = []

    async def serving(until: asyncio.Event) -> None:
        lease.alive = False  # its connection to the database is gone
        await until.wait()
        stopped.append("stopped")

    with pytest.raises(LeaseLost):
        await serve_while_held(
            lease, serving, asyncio.Event(), retry_seconds=QUICK, check_seconds=QUICK
        )
    assert stopped == ["stopped"]


async def test_a_standby_stopped_before_its_turn_never_serves() -> None:
    lease = FakeLease(free=False)
    stop = asyncio.Event()
    stop.set()

    async def serving(until: asyncio.Event) -> None:
        raise AssertionError("a standby must not serve")

    await serve_while_held(lease, serving, stop, retry_seconds=QUICK)
    assert await wait_for_lease(lease, stop, retry_seconds=QUICK) is False


# --- the advisory lock on a real server -----------------------------------------------------


async def test_one_instance_at_a_time_holds_the_advisory_lock(postgres_url: str) -> None:
    first, second = PostgresLease(postgres_url), PostgresLease(postgres_url)
    try:
        assert await first.acquire()
        assert await first.acquire()  # still ours
        assert not await second.acquire()
        assert await first.held() and not await second.held()
        await first.release()
        assert await second.acquire()
        assert not await first.acquire()
    finally:
        await first.release()
        await second.release()


async def test_when_the_holders_connection_dies_the_standby_takes_the_lock(
    postgres_url: str,
) -> None:
    """What a SIGKILL of the active instance does, as the database sees it: its session ends."""
    active, standby = PostgresLease(postgres_url), PostgresLease(postgres_url)
    try:
        assert await active.acquire()
        assert not await standby.acquire()
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(  # the session holding the lock, only
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted"
            )
        assert not await active.held()  # the active instance learns it lost the lease
        assert await standby.acquire()
    finally:
        await active.release()
        await standby.release()


# --- two real instances on one database, end to end -----------------------------------------


class CountedLease:
    """The real lease, counting the tries (to know the standby tried and failed)."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self.refused = 0
        self.refused_twice = asyncio.Event()

    async def acquire(self) -> bool:
        taken = await self.lease.acquire()
        self.refused += not taken
        if self.refused >= 2:
            self.refused_twice.set()
        return taken

    async def held(self) -> bool:
        return await self.lease.held()

    async def release(self) -> None:
        await self.lease.release()


async def test_the_standby_answers_once_the_active_instance_stops(
    fake_api: FakeBotApi, tmp_path: Path, postgres_url: str
) -> None:
    lea = new_person(fake_api)
    opened = {"a": 0, "b": 0}  # how many times each instance opened its services

    def opener_for(name: str, settings: Settings):
        async def open_app() -> App:
            opened[name] += 1
            return await open_services(settings)

        return open_app

    lease_a = CountedLease(PostgresLease(postgres_url))
    lease_b = CountedLease(PostgresLease(postgres_url))
    async with FakeBotApiHttpServer(fake_api) as server:
        settings = Settings(
            token=fake_api.token,
            secret=SECRET,
            bot_api_url=server.base_url,
            db_url=postgres_url,
            knowledge_dir=REPO_ROOT / "knowledge",
        )
        stop_a, stop_b = asyncio.Event(), asyncio.Event()
        a = asyncio.create_task(
            serve(settings, opener_for("a", settings), stop=stop_a, poll_timeout=1, lease=lease_a)
        )
        lea.says("/start")
        await fake_api.wait_until(lambda: len(fake_api.sent_to(lea.chat_id)) == 1)
        b = asyncio.create_task(
            serve(
                settings,
                opener_for("b", settings),
                stop=stop_b,
                poll_timeout=1,
                lease=lease_b,
                standby_retry=QUICK,
            )
        )
        try:
            await lease_b.refused_twice.wait()  # b stands by: it tried and was refused
            # It opened its services once to check them, and closed them: they start afresh
            # at the takeover.
            assert opened == {"a": 2, "b": 1}
            assert await lease_a.held() and not await lease_b.held()
            assert len(fake_api.sent_to(lea.chat_id)) == 1

            stop_a.set()
            await a
            lea.says("/aide")  # only b is left to answer
            await fake_api.wait_until(lambda: len(fake_api.sent_to(lea.chat_id)) == 2)
            assert await lease_b.held() and opened == {"a": 2, "b": 2}
        finally:
            stop_a.set()
            stop_b.set()
            await asyncio.gather(a, b, return_exceptions=True)

    welcome, help_text = fake_api.sent_to(lea.chat_id)
    assert welcome.text == texts.WELCOME.format(bot=texts.BOT_NAME)
    assert help_text.text
