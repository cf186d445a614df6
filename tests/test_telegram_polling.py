"""End to end over real HTTP: the bot polls the fake Bot API on 127.0.0.1 and answers.

``serve`` is what ``run`` runs; the last test runs ``run`` itself, in the main thread, and
stops it with SIGINT as a person deploying would with Ctrl-C.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import REPO_ROOT
from fakebotapi import FakeBotApi, FakeBotApiHttpServer, new_person

from bot.adapters.sqlite import open_stores
from bot.bootstrap import opener
from bot.channels.telegram.app import ALLOWED_UPDATES, REFUSED_TOKEN, file_url, run, serve
from bot.config import ConfigError, Settings
from bot.domain.counters import Counter
from bot.texts import person as texts

QUESTION = "jarrive pa a macktualiser sur pole emploi"
ANSWER_TITLE = "M'actualiser chaque mois"
SECRET = "a-test-secret-of-32-characters!!"


def env_for(api: FakeBotApi, base_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "RELAIS_TOKEN": api.token,
        "RELAIS_SECRET": SECRET,
        "RELAIS_BOT_API_URL": base_url,
        "RELAIS_DB": str(tmp_path / "relais.sqlite3"),
        "RELAIS_KNOWLEDGE": str(REPO_ROOT / "knowledge"),
    }


async def test_polling_answers_a_typed_question_within_one_cycle(
    fake_api: FakeBotApi, tmp_path: Path, caplog
) -> None:
    lea = new_person(fake_api)
    sent_while_down = lea.says("/start")  # before the bot starts: must not be dropped
    async with FakeBotApiHttpServer(fake_api) as server:
        settings = Settings.from_env(env_for(fake_api, server.base_url, tmp_path))
        stop = asyncio.Event()
        with caplog.at_level(logging.DEBUG, logger="httpx"):
            serving = asyncio.create_task(
                serve(settings, opener(settings), stop=stop, poll_timeout=10)
            )
            await fake_api.wait_until(lambda: len(fake_api.sent_to(lea.chat_id)) == 1)
            question = lea.says(QUESTION)
            await fake_api.wait_until(lambda: len(fake_api.sent_to(lea.chat_id)) == 2)
            stop.set()
            await serving

    welcome, answer = fake_api.sent_to(lea.chat_id)
    assert welcome.text == texts.WELCOME.format(bot=texts.BOT_NAME)
    assert welcome.reply_keyboard == [[texts.KEY_MENU, texts.KEY_HUMAN]]
    assert answer.text.startswith(ANSWER_TITLE)
    assert answer.parse_mode == "HTML"
    assert [texts.BUTTON_HELPFUL, texts.BUTTON_NOT_HELPFUL] in answer.inline_buttons

    # Served once each, and the answer was sent before the next getUpdates came back.
    assert fake_api.served_update_ids.count(sent_while_down["update_id"]) == 1
    assert fake_api.served_update_ids.count(question["update_id"]) == 1
    serving_call = next(
        i for i, c in enumerate(fake_api.calls) if question["update_id"] in c.served
    )
    after = fake_api.calls[serving_call + 1 :]
    first_send = next(i for i, c in enumerate(after) if c.method == "sendMessage")
    assert all(c.method != "getUpdates" for c in after[:first_send])

    # Start-up and shutdown as PTB does them, limited to what we use.
    assert [c.method for c in fake_api.calls[:2]] == ["getMe", "setMyCommands"]
    assert fake_api.webhook_deleted == 1
    assert fake_api.calls_to("deleteWebhook")[0].params.get("drop_pending_updates") in (
        None,
        False,
    )
    assert fake_api.allowed_updates == ALLOWED_UPDATES
    assert fake_api.calls_to("getUpdates")[-1].params["offset"] == question["update_id"] + 1
    assert fake_api.token not in caplog.text  # httpx stays quiet: its URLs hold the token


async def test_one_person_is_answered_in_order_even_when_typing_fast(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    lea, sam = new_person(fake_api, "Léa"), new_person(fake_api, "Sam")
    async with FakeBotApiHttpServer(fake_api) as server:
        settings = Settings.from_env(env_for(fake_api, server.base_url, tmp_path))
        stop = asyncio.Event()
        serving = asyncio.create_task(
            serve(settings, opener(settings), stop=stop, poll_timeout=10)
        )
        # Served in one getUpdates: PTB handles them concurrently, our processor per person.
        for text in ("bonjour", QUESTION, "merci"):
            lea.says(text)
            sam.says(text)
        await fake_api.wait_until(
            lambda: len(fake_api.sent_to(lea.chat_id)) == len(fake_api.sent_to(sam.chat_id)) == 3
        )
        stop.set()
        await serving
    for person in (lea, sam):
        greeting, answer, thanks = fake_api.texts_to(person.chat_id)
        assert greeting == texts.GREETING
        assert answer.startswith(ANSWER_TITLE)
        assert thanks == texts.THANKS


def test_file_url_follows_the_bot_api_url() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"


async def test_a_refused_token_is_one_sentence_without_the_token(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    async with FakeBotApiHttpServer(fake_api) as server:
        env = env_for(fake_api, server.base_url, tmp_path)
        env["RELAIS_TOKEN"] = "987654321:" + "B" * 35
        with pytest.raises(ConfigError) as refused:
            await serve(Settings.from_env(env), opener(Settings.from_env(env)))
    assert str(refused.value) == REFUSED_TOKEN
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert "987654321" not in str(refused.value)


async def test_an_unreachable_server_is_one_sentence(fake_api: FakeBotApi, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = env_for(fake_api, f"http://127.0.0.1:{port}/bot", tmp_path)
    with pytest.raises(ConfigError, match="Telegram ne répond pas"):
        await serve(Settings.from_env(env), opener(Settings.from_env(env)))


def test_run_checks_the_settings_first() -> None:
    with pytest.raises(ConfigError, match="RELAIS_TOKEN"):
        run(Settings(token=None), opener(Settings(token=None)))


def test_run_polls_until_ctrl_c(tmp_path: Path) -> None:
    """``run`` in the main thread; the fake Bot API lives in its own thread and loop."""
    api = FakeBotApi()
    lea = new_person(api)
    lea.says(QUESTION)
    url_ready, run_returned = threading.Event(), threading.Event()
    found: dict[str, object] = {}

    def fake_telegram() -> None:
        async def main() -> None:
            async with FakeBotApiHttpServer(api) as server:
                found["url"] = server.base_url
                url_ready.set()
                try:
                    await api.wait_until(lambda: bool(api.sent_to(lea.chat_id)), within=120)
                finally:
                    if api.calls_to("getUpdates"):  # polling (and its signal handler) is up
                        os.kill(os.getpid(), signal.SIGINT)
                await asyncio.to_thread(run_returned.wait, 30)

        asyncio.run(main())

    thread = threading.Thread(target=fake_telegram, daemon=True)
    thread.start()
    assert url_ready.wait(10)
    try:
        settings = Settings.from_env(env_for(api, str(found["url"]), tmp_path))
        run(settings, opener(settings))
    finally:
        run_returned.set()
        thread.join(10)
    [answer] = api.sent_to(lea.chat_id)
    assert answer.text.startswith(ANSWER_TITLE)


async def test_an_update_the_library_cannot_read_is_skipped_and_the_others_are_served(
    fake_api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A callback query without ``chat_instance`` (python-telegram-bot cannot build it).

    It is fetched once, skipped (the offset moves past it), counted, and logged in one line
    without its content; the person who wrote next is answered.
    """
    caplog.set_level(logging.DEBUG)
    mark = "Canarimalforme"
    lea = new_person(fake_api, f"Léa{mark}")
    lea.user.username = f"pseudo{mark}"
    broken = lea.sends_callback(f"{mark} texte")
    del broken["callback_query"]["chat_instance"]
    sam = new_person(fake_api, "Sam")
    question = sam.says(QUESTION)
    async with FakeBotApiHttpServer(fake_api) as server:
        settings = Settings.from_env(env_for(fake_api, server.base_url, tmp_path))
        stop = asyncio.Event()
        serving = asyncio.create_task(
            serve(settings, opener(settings), stop=stop, poll_timeout=10)
        )
        try:
            await fake_api.wait_until(lambda: bool(fake_api.sent_to(sam.chat_id)), within=30)
        finally:
            stop.set()
            await serving

    assert fake_api.texts_to(sam.chat_id)[0].startswith(ANSWER_TITLE)
    assert fake_api.served_update_ids.count(broken["update_id"]) == 1
    assert fake_api.calls_to("getUpdates")[-1].params["offset"] > question["update_id"]
    skipped = [r for r in caplog.records if "unreadable update" in r.getMessage()]
    assert [r.getMessage() for r in skipped] == [
        f"unreadable update skipped update_id={broken['update_id']} error=TypeError"
    ]
    for record in caplog.records:
        line = f"{record.getMessage()} {record.exc_text or ''}"
        assert mark not in line, f"{record.name} logged the update: {line[:200]!r}"
    stores = await open_stores(settings.db_path)
    try:
        assert await stores.counters.total(Counter.UNREADABLE_UPDATE) == 1
    finally:
        await stores.close()


async def test_updates_are_confirmed_to_telegram_only_once_handled(
    fake_api: FakeBotApi,
) -> None:
    """The next ``getUpdates`` (whose offset confirms the updates before it) waits until the
    updates of the previous answer are handled: a process killed meanwhile loses none."""
    from fakebotapi import InProcessRequest

    from bot.channels.telegram.updates import SkipUnreadableUpdates, UpdatesInHand

    in_hand = UpdatesInHand()
    transport = SkipUnreadableUpdates(InProcessRequest(fake_api), in_hand=in_hand)
    url = f"https://api.telegram.org/bot{fake_api.token}/getUpdates"
    lea = new_person(fake_api)
    first, second = lea.says("un"), lea.says("deux")
    await transport.do_request(url, "POST")
    assert len(in_hand) == 2
    confirming = asyncio.create_task(transport.do_request(url, "POST"))
    await asyncio.sleep(0.05)
    assert not confirming.done() and fake_api.served_update_ids.count(first["update_id"]) == 1
    in_hand.handled(SimpleNamespace(update_id=first["update_id"]))
    await asyncio.sleep(0.05)
    assert not confirming.done()  # one is still being handled
    in_hand.handled(SimpleNamespace(update_id=second["update_id"]))
    await asyncio.wait_for(confirming, 30)
    assert len(in_hand) == 2  # not confirmed (no offset sent): served again
