"""Updates per second through the real Application: Relais versus a bare echo bot.

    .venv/bin/python -m bench.e2e [--people 1000] [--messages 3]

Both bots run on the same harness: python-telegram-bot's real ``Application`` with its update
queue and concurrent processing, talking to the in-process fake Bot API of ``tests/``. Each of
``--people`` simulated people sends ``--messages`` realistic messages (from the labelled set).
Telegram's own flood limits are switched off on both sides (``AIORateLimiter`` with no rate),
so the numbers measure what each bot costs, not Telegram's 30 messages per second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fake Bot API lives with the tests
os.environ.setdefault("PTB_TIMEDELTA", "true")

from fakebotapi import FakeBotApi, InProcessRequest, Person  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    MessageHandler,
    filters,
)

import bot.channels.telegram.app as relais_app  # noqa: E402
from bench.quality import load_labelled  # noqa: E402
from bot.bootstrap import open_services  # noqa: E402
from bot.config import Settings  # noqa: E402


def unlimited_rate_limiter(*_args: object, **_kwargs: object) -> AIORateLimiter:
    """PTB's limiter with no rate: the retry logic stays, the waiting goes."""
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0)


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bare bot: send the text back."""
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text[:4000])


def bare_echo_application(api: FakeBotApi) -> Application:
    transport = InProcessRequest(api)
    application = (
        ApplicationBuilder()
        .token(api.token)
        .request(transport)
        .get_updates_request(transport)
        .rate_limiter(unlimited_rate_limiter())
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


async def drive(
    application: Application,
    api: FakeBotApi,
    people: list[Person],
    texts: list[str],
    messages: int,
) -> float:
    """Queue every update, then wait until each has been answered; return updates/second."""
    updates = []
    for round_ in range(messages):
        for n, person in enumerate(people):
            updates.append(person.says(texts[(n + round_ * 7) % len(texts)]))
    sent_before = len(api.calls_to("sendMessage"))
    async with application:
        await application.start()
        start = time.perf_counter()
        for raw in updates:
            await application.update_queue.put(Update.de_json(raw, application.bot))
        await api.wait_until(
            lambda: len(api.calls_to("sendMessage")) - sent_before >= len(updates),
            within=600,
        )
        elapsed = time.perf_counter() - start
        await application.stop()
    return len(updates) / elapsed


async def run_relais(
    people_count: int, messages: int, texts: list[str], *, db_url: str | None = None
) -> float:
    """Relais' updates per second, on SQLite (a file) or on PostgreSQL at ``db_url``."""
    api = FakeBotApi()
    people = [Person(api, api.new_user(f"P{n}")) for n in range(people_count)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            token=api.token,
            secret="bench-secret-of-thirty-two-chars",
            db_path=Path(tmp) / "relais.sqlite3",
            db_url=db_url,
            knowledge_dir=ROOT / "knowledge",
        )
        services = await open_services(settings)
        original = relais_app.AIORateLimiter
        relais_app.AIORateLimiter = unlimited_rate_limiter  # type: ignore[assignment]
        try:
            transport = InProcessRequest(api)
            application = relais_app.build_application(
                settings, services, request=transport, get_updates_request=transport
            )
            return await drive(application, api, people, texts, messages)
        finally:
            relais_app.AIORateLimiter = original  # type: ignore[assignment]
            await services.close()


async def run_echo(people_count: int, messages: int, texts: list[str]) -> float:
    api = FakeBotApi()
    people = [Person(api, api.new_user(f"P{n}")) for n in range(people_count)]
    return await drive(bare_echo_application(api), api, people, texts, messages)


async def best_of(runs: int, fn: Callable[[], Awaitable[float]]) -> float:
    return max([await fn() for _ in range(runs)])


async def main_async(people: int, messages: int, runs: int) -> None:
    texts = [i.text for i in load_labelled(ROOT / "tests" / "data" / "messages")]
    echo_rate = await best_of(runs, lambda: run_echo(people, messages, texts))
    relais_rate = await best_of(runs, lambda: run_relais(people, messages, texts))
    total = people * messages
    print(
        f"\n## End to end: {people} people x {messages} messages = {total} updates "
        f"(best of {runs})\n"
    )
    print("| bot | updates/s | ms per update |")
    print("|---|---:|---:|")
    for name, rate in (("bare PTB echo bot", echo_rate), ("Relais full pipeline", relais_rate)):
        print(f"| {name} | {rate:.0f} | {1000 / rate:.2f} |")
    print(f"\nRelais costs {echo_rate / relais_rate:.2f}x the bare echo bot (target <= 1.5x).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main_async(args.people, args.messages, args.runs))


if __name__ == "__main__":
    main()
