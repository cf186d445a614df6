"""Shared fixtures. Telegram ones: a fake Bot API and settings pointing at it."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from bot.config import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent

# python-telegram-bot warns (an error here) each time it builds a RetryAfter unless we opt in
# to its future timedelta durations; bot.channels.telegram.app.run() opts in the same way.
os.environ.setdefault("PTB_TIMEDELTA", "true")


@pytest.fixture
def fake_api():
    """A fresh fake Telegram (tests/fakebotapi) with one bot."""
    from fakebotapi import FakeBotApi

    return FakeBotApi()


@pytest.fixture
def telegram_settings(tmp_path: Path, fake_api) -> Settings:
    """Settings for the Telegram bot: the fake's token, a real SQLite file, the real knowledge."""
    return Settings(
        token=fake_api.token,
        secret="a-test-secret-of-32-characters!!",
        db_path=tmp_path / "relais.sqlite3",
        knowledge_dir=REPO_ROOT / "knowledge",
    )


class BotUnderTest:
    """The real Application wired to the fake Bot API; ``send`` hands it one update."""

    def __init__(self, application, api, services) -> None:
        self.application = application
        self.api = api
        self.services = services

    async def send(self, update: dict) -> None:
        from telegram import Update

        await self.application.process_update(Update.de_json(update, self.application.bot))


@pytest.fixture
async def start_bot(telegram_settings: Settings, fake_api):
    """Start the Application on the in-process fake; ``services`` defaults to the real ones."""
    from contextlib import AsyncExitStack

    from fakebotapi import InProcessRequest

    from bot.channels.telegram.app import build_application

    async with AsyncExitStack() as stack:

        async def start(services=None, *, engine=None) -> BotUnderTest:
            """``engine``: what answers people instead of the real wrapped engine."""
            if services is None:
                from bot.bootstrap import open_services

                services = await open_services(telegram_settings)
                stack.push_async_callback(services.close)
            if engine is not None:
                services = dataclasses.replace(services, replies=engine)
            transport = InProcessRequest(fake_api)
            application = build_application(
                telegram_settings,
                services,
                request=transport,
                get_updates_request=transport,
            )
            await stack.enter_async_context(application)
            return BotUnderTest(application, fake_api, services)

        yield start


@pytest.fixture
async def relais(start_bot) -> BotUnderTest:
    """Relais with its real engine, a SQLite file in tmp_path and the real knowledge/."""
    return await start_bot()


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL server for this worker (tests/postgres_server.py), stopped at
    the end; the test is skipped, with the reason, where PostgreSQL is not installed."""
    from postgres_server import PostgresServer, unavailable

    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    server = PostgresServer.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the throw-away server; its ``postgresql://`` URL."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


# --- a staff desk: the bot with a team, on each store (tests/test_handoff_e2e.py's Desk) ---


@pytest.fixture(params=("sqlite", "postgresql"))
async def desk(fake_api, tmp_path: Path, request: pytest.FixtureRequest):
    """One staff group where every role is, on a SQLite file and on PostgreSQL."""
    from test_handoff_e2e import desk_on

    async with desk_on(request.param, fake_api, tmp_path, request) as desk:
        yield desk


@pytest.fixture(params=("sqlite", "postgresql"))
async def desk2(fake_api, tmp_path: Path, request: pytest.FixtureRequest):
    """Two staff groups: pair-aidants in one, référents and coordinators in the other."""
    from test_handoff_e2e import desk_on

    async with desk_on(request.param, fake_api, tmp_path, request, two_groups=True) as desk:
        yield desk
