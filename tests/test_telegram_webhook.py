"""End to end in webhook mode: the real Application serves its webhook on 127.0.0.1, Telegram's
side is the fake Bot API, and requests come over real HTTP.

A request with the secret token set by ``setWebhook`` is served; one without it, or with
another, is refused with 403 and never reaches a handler (``bot/channels/telegram/webhook.py``).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT
from fakebotapi import FakeBotApi, FakeBotApiHttpServer, new_person

from bot import logsafety
from bot.adapters.sqlite import open_stores
from bot.bootstrap import opener
from bot.channels.telegram.app import ALLOWED_UPDATES, serve
from bot.channels.telegram.webhook import SECRET_HEADER, secret_token, url_path
from bot.config import ConfigError, Settings
from bot.domain.counters import Counter
from bot.texts import person as texts

SECRET = "a-test-secret-of-32-characters!!"
PUBLIC_URL = "https://relais.example.org/telegram/hook"
QUESTION = "jarrive pa a macktualiser sur pole emploi"
ANSWER_TITLE = "M'actualiser chaque mois"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def accepting(port: int, tries: int = 400) -> bool:
    """Whether our webhook server accepts connections (PTB calls setWebhook just before it
    starts listening, so the test waits for the socket, not for a time)."""
    for _ in range(tries):
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return True
    return False


def webhook_settings(api: FakeBotApi, base_url: str, tmp_path: Path, port: int) -> Settings:
    return Settings.from_env(
        {
            "RELAIS_TOKEN": api.token,
            "RELAIS_SECRET": SECRET,
            "RELAIS_BOT_API_URL": base_url,
            "RELAIS_DB": str(tmp_path / "relais.sqlite3"),
            "RELAIS_KNOWLEDGE": str(REPO_ROOT / "knowledge"),
            "RELAIS_WEBHOOK_URL": PUBLIC_URL,
            "RELAIS_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
        }
    )


@dataclass
class Serving:
    """The bot serving its webhook: its settings, the address Telegram posts to, the token."""

    settings: Settings
    endpoint: str
    token: str


@asynccontextmanager
async def serving_webhook(
    fake_api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Serving]:
    """``serve`` in webhook mode, the log filter installed as run() does, stopped at the end."""
    port = free_port()
    async with FakeBotApiHttpServer(fake_api) as server:
        settings = webhook_settings(fake_api, server.base_url, tmp_path, port)
        stop = asyncio.Event()
        caplog.set_level(logging.DEBUG)
        # As run() does: the libraries' DEBUG lines (PTB logs setWebhook's parameters) dropped.
        undo_log_filter = logsafety.install(token=settings.token, secret=settings.secret)
        serving = asyncio.create_task(serve(settings, opener(settings), stop=stop))
        try:
            await fake_api.wait_until(lambda: fake_api.webhook is not None or serving.done())
            assert not serving.done()
            assert await accepting(port)
            token = fake_api.webhook["secret_token"]  # type: ignore[index]
            yield Serving(settings, f"http://127.0.0.1:{port}/telegram/hook", token)
        finally:
            stop.set()
            await serving
            undo_log_filter()


async def test_only_requests_with_the_secret_token_reach_the_bot(
    fake_api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lea = new_person(fake_api)
    async with serving_webhook(fake_api, tmp_path, caplog) as bot:
        settings, token = bot.settings, bot.token
        async with httpx.AsyncClient(trust_env=False) as client:  # no proxy

            async def post(update: dict, headers: dict[str, str]) -> int:
                return (await client.post(bot.endpoint, json=update, headers=headers)).status_code

            assert await post(lea.says("/start"), {SECRET_HEADER: token}) == 200
            await fake_api.wait_until(lambda: len(fake_api.sent_to(lea.chat_id)) == 1)
            # Refused before the update is read: nothing queued, nothing answered.
            assert await post(lea.says("/aide"), {}) == 403
            assert await post(lea.says("/aide"), {SECRET_HEADER: token[:-1] + "x"}) == 403
            assert await post(lea.says("/aide"), {SECRET_HEADER: SECRET}) == 403
            # The next good request is answered; the refused ones never were (one chat's
            # updates are handled in order, so they would have been answered before).
            assert await post(lea.says(QUESTION), {SECRET_HEADER: token}) == 200
            await fake_api.wait_until(lambda: len(fake_api.sent_to(lea.chat_id)) >= 2)

    welcome, answer = fake_api.sent_to(lea.chat_id)
    assert welcome.text == texts.WELCOME.format(bot=texts.BOT_NAME)
    assert answer.text.startswith(ANSWER_TITLE)
    # Telegram was told the public URL, our updates and the token; never polled.
    assert fake_api.webhook is not None
    assert fake_api.webhook["url"] == PUBLIC_URL
    assert fake_api.webhook["allowed_updates"] == ALLOWED_UPDATES
    assert token == secret_token(settings) and token != SECRET
    assert all(call.method != "getUpdates" for call in fake_api.calls)
    assert token not in caplog.text and SECRET not in caplog.text


def test_the_secret_token_is_derived_from_the_secret_unless_set() -> None:
    derived = secret_token(Settings(secret=SECRET))
    assert len(derived) == 64 and derived.isalnum() and SECRET not in derived
    assert derived != secret_token(Settings(secret=SECRET + "!"))
    assert secret_token(Settings(secret=SECRET, webhook_secret="chosen_by-the-operator")) == (
        "chosen_by-the-operator"
    )
    assert url_path(PUBLIC_URL) == "telegram/hook"
    assert url_path("https://relais.example.org") == ""


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"RELAIS_WEBHOOK_URL": "http://relais.example.org/tg"}, "RELAIS_WEBHOOK_URL"),
        ({"RELAIS_WEBHOOK_LISTEN": "127.0.0.1:port"}, "RELAIS_WEBHOOK_LISTEN"),
        ({"RELAIS_WEBHOOK_SECRET": "short"}, "RELAIS_WEBHOOK_SECRET"),
        ({"RELAIS_WEBHOOK_SECRET": "has spaces in it, more than 16"}, "RELAIS_WEBHOOK_SECRET"),
    ],
)
def test_a_wrong_webhook_setting_stops_the_start_with_one_sentence(
    env: dict[str, str], sentence: str, fake_api: FakeBotApi
) -> None:
    base = {
        "RELAIS_TOKEN": fake_api.token,
        "RELAIS_SECRET": SECRET,
        "RELAIS_KNOWLEDGE": str(REPO_ROOT / "knowledge"),
        "RELAIS_WEBHOOK_URL": PUBLIC_URL,
    }
    with pytest.raises(ConfigError, match=sentence):
        Settings.from_env({**base, **env}).check_for_telegram()


def test_webhook_settings_are_read_and_polling_stays_the_default() -> None:
    settings = Settings.from_env(
        {"RELAIS_WEBHOOK_URL": PUBLIC_URL, "RELAIS_WEBHOOK_LISTEN": "[::1]:9000"}
    )
    assert (settings.webhook_url, settings.webhook_host, settings.webhook_port) == (
        PUBLIC_URL,
        "::1",
        9000,
    )
    default = Settings.from_env({})
    assert default.webhook_url is None
    assert (default.webhook_host, default.webhook_port) == ("127.0.0.1", 8080)


async def test_an_update_the_library_cannot_read_is_skipped_and_counted(
    fake_api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As in polling mode: 200 (Telegram does not send it again), one line without its
    content, the ``unreadable-update`` counter; the next update is served."""
    mark = "Canarimalforme"
    lea = new_person(fake_api, f"Léa{mark}")
    broken = lea.sends_callback(f"{mark} texte")
    del broken["callback_query"]["chat_instance"]  # python-telegram-bot cannot build it
    async with serving_webhook(fake_api, tmp_path, caplog) as bot:
        settings, endpoint = bot.settings, bot.endpoint
        headers = {SECRET_HEADER: bot.token}
        async with httpx.AsyncClient(trust_env=False) as client:
            skipped = await client.post(endpoint, json=broken, headers=headers)
            not_json = await client.post(
                endpoint,
                content=b"{not json " + mark.encode(),
                headers={**headers, "Content-Type": "application/json"},
            )
            refused = await client.post(endpoint, json=broken, headers={})
            served = await client.post(endpoint, json=lea.says("/start"), headers=headers)
        await fake_api.wait_until(lambda: len(fake_api.sent_to(lea.chat_id)) == 1)

    assert (skipped.status_code, not_json.status_code) == (200, 200)
    assert (refused.status_code, served.status_code) == (403, 200)
    lines = [r.getMessage() for r in caplog.records if "unreadable update" in r.getMessage()]
    assert lines == [
        f"unreadable update skipped update_id={broken['update_id']} error=TypeError",
        "unreadable update skipped update_id=None error=JSONDecodeError",
    ]
    for record in caplog.records:
        line = f"{record.getMessage()} {record.exc_text or ''}"
        assert mark not in line, f"{record.name} logged the update: {line[:200]!r}"
    stores = await open_stores(settings.db_path)
    try:
        assert await stores.counters.total(Counter.UNREADABLE_UPDATE) == 2
    finally:
        await stores.close()
