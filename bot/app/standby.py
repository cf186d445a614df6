"""Active / standby: an instance serves only while it holds the lease (``bot.app.ports.Lease``,
a PostgreSQL advisory lock in ``bot/adapters/postgres/lease.py``).

A standby holds nothing but its try at the lease, every ``STANDBY_RETRY_SECONDS``; it calls
Telegram not at all, and opens its services (knowledge, database) only once it holds the lease:
they then start at the takeover, so what was in flight before it counts as left by an instance
that is gone (``orphaned_before`` in ``bot/domain/relay.py``: no waiting for a lease of 2 min).
When the active instance dies, the database frees its lease and the standby starts serving:
it polls (or sets the webhook), and its start-up finishes what was in flight, as after any
restart (the outbox, the topics of half-created cases, the retention). An active instance that
loses its lease (its connection to the database gone) stops serving at once and exits
(``LeaseLost``), so that two instances never serve together: its supervisor restarts it, as a
standby.

A use case over the Lease port: the channel gives ``serve_while_held`` what to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.app.ports import Lease

log = logging.getLogger(__name__)

STANDBY_RETRY_SECONDS = 5.0
"""How often a standby tries to take the lease: the takeover takes at most this, plus a start."""

LEASE_CHECK_SECONDS = 5.0
"""How often the active instance checks that it still holds the lease."""


class LeaseLost(Exception):
    """The active instance lost its lease while serving: it stopped, and must exit."""


async def wait_for_lease(
    lease: Lease, stop: asyncio.Event, *, retry_seconds: float = STANDBY_RETRY_SECONDS
) -> bool:
    """Wait as a standby until the lease is ours (True) or ``stop`` is set (False)."""
    announced = False
    while not stop.is_set():
        if await lease.acquire():
            if announced:
                log.warning("this instance takes over: it serves now")
            return True
        if not announced:
            log.info("another instance serves: this one stands by")
            announced = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), retry_seconds)
    return False


async def serve_while_held(
    lease: Lease | None,
    serve: Callable[[asyncio.Event], Awaitable[None]],
    stop: asyncio.Event,
    *,
    retry_seconds: float = STANDBY_RETRY_SECONDS,
    check_seconds: float = LEASE_CHECK_SECONDS,
) -> None:
    """Stand by until the lease is ours, then ``serve(until)`` while it stays ours.

    ``serve`` returns when the event it is given is set: by ``stop`` (Ctrl-C, SIGTERM), or by
    the lease lost, and then LeaseLost is raised once serving has stopped. Without a lease
    (SQLite: one instance) it serves at once.
    """
    if lease is None:
        await serve(stop)
        return
    if not await wait_for_lease(lease, stop, retry_seconds=retry_seconds):
        await lease.release()
        return
    until = asyncio.Event()
    lost = False

    async def watch() -> None:
        nonlocal lost
        while not until.is_set():
            if stop.is_set():
                until.set()
                return
            if not await lease.held():
                log.critical("serving lease lost: this instance stops serving")
                lost = True
                until.set()
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), check_seconds)

    watcher = asyncio.create_task(watch())
    try:
        await serve(until)
    finally:
        until.set()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await lease.release()
    if lost:
        raise LeaseLost("the serving lease was lost")
