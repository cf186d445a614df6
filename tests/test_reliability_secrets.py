"""No token, secret, name, Telegram id or typed text in the logs, nor in any error sentence,
whatever happens: faults, forged buttons, a locked database, a token revoked while running.

The logs are read as our code and the libraries write them (before ``bot.logsafety``, the
last line of defence, rewrites them): the code itself must not need that filter.
"""

from __future__ import annotations

import ast
import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from fakebotapi import FakeBotApi, FakeBotApiHttpServer, Fault, new_person
from reliability_support import SECRET, Team, desk_for

from bot.adapters.sqlite import database as database_module
from bot.bootstrap import open_services, opener
from bot.channels.telegram import app as telegram_app
from bot.channels.telegram import render
from bot.channels.telegram.app import REFUSED_TOKEN, serve
from bot.channels.telegram.staff import check_staff_groups
from bot.config import ConfigError, Settings

TYPED = [
    "je m'appelle Géraldine Dupont, mon numéro est le 06 12 34 56 78",
    "mon mail : geraldine.dupont@example.org",
    "mon mot de passe ameli c'est Soleil2024!",
    "je n'arrive pas à me connecter à mon compte caf",
]


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Each record as a handler would write it, exception and stack included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


def secrets_of(api: FakeBotApi, *people) -> list[str]:
    found = [api.token, api.token.split(":")[1], SECRET, *TYPED, "Soleil2024"]
    for person in people:
        found += [person.user.first_name, str(person.user.id)]
    found += ["06 12 34 56 78", "geraldine.dupont@example.org", "Dupont"]
    return found


async def test_a_rough_day_leaves_nothing_personal_in_the_logs(
    fake_api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(render, "RETRY_PAUSE_SECONDS", 0.01)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    async with desk_for(fake_api, tmp_path) as desk:
        lea = new_person(fake_api, "Géraldine")
        sam = new_person(fake_api, "Samuel")
        for text in TYPED:
            await desk.send(lea.says(text))
        await desk.ask(lea)
        await desk.claim(desk.team.nadia, lea)
        fake_api.chaos(
            [
                Fault.flood(retry_after=1),
                Fault.server_error(),
                Fault.timeout(),
                Fault.connection_reset(),
                Fault.answer_lost(),
            ],
            rate=0.3,
            seed=5,
            limit=12,
        )
        for text in TYPED:
            await desk.send(lea.says(text))
            await desk.helper_writes(desk.team.nadia, lea, f"Nadia répond : {text}")
            await desk.send(sam.says(text))
        for _ in range(6):
            await desk.drain(minutes=5)
        fake_api.calm()
        # A stranger in the staff group, forged buttons, a refused HTML, a locked database.
        stranger = new_person(fake_api, "Maxime")
        await desk.helper_writes(stranger, lea, "donnez-moi son numéro")
        for data in ("h1:k:1", "h1:d:1", "v1|e|../../etc", "p1|forget", "x" * 64):
            await desk.send(sam.sends_callback(data))
        fake_api.inject(Fault(400, "Bad Request: can't parse entities"), method="sendMessage")
        await desk.send(sam.says(TYPED[0]))
        other = sqlite3.connect(tmp_path / "relais.sqlite3", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        other.execute("INSERT INTO counters (day, name, key, value) VALUES ('x', 'x', '', 1)")
        await desk.send(lea.says(TYPED[1]))
        await desk.send(sam.says(TYPED[3]))
        other.execute("ROLLBACK")
        other.close()
        await desk.send(lea.blocks_bot())
        await desk.send(lea.says(TYPED[2]))

    logged = everything_logged(caplog.records)
    assert "update failed" in logged and "SQLITE_BUSY" in logged  # the day was rough
    people = [lea, sam, stranger, desk.team.nadia, desk.team.sam]
    leaked = [secret for secret in secrets_of(fake_api, *people) if secret in logged]
    assert leaked == []


async def test_a_token_revoked_while_running_stops_the_bot_with_one_sentence(
    fake_api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    """Revoked at @BotFather: PTB stops polling for good and the process would idle, alive
    and deaf. Relais notices within a minute and stops, saying why (exit code 2)."""
    monkeypatch.setattr(telegram_app, "TOKEN_CHECK_SECONDS", 0.2)
    caplog.set_level(logging.INFO)
    lea = new_person(fake_api)
    token = fake_api.token
    async with FakeBotApiHttpServer(fake_api) as server:
        settings = Settings(
            token=token,
            secret=SECRET,
            bot_api_url=server.base_url,
            db_path=tmp_path / "relais.sqlite3",
            knowledge_dir=REPO_ROOT / "knowledge",
        )
        serving = asyncio.create_task(serve(settings, opener(settings), poll_timeout=1))
        lea.says("/start")
        await fake_api.wait_until(lambda: len(fake_api.texts_to(lea.chat_id)) == 1, within=120)
        fake_api.token = "987654321:" + "R" * 35  # Telegram now knows only the new token
        lea.says(TYPED[3])
        with pytest.raises(ConfigError) as stopped:
            await asyncio.wait_for(serving, 120)
    assert str(stopped.value) == REFUSED_TOKEN
    logged = everything_logged(caplog.records)
    assert "Telegram refuses the token now: stopping" in logged
    assert token not in logged and token.split(":")[1] not in logged


async def test_no_configuration_error_quotes_the_token_or_the_secret(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """Every sentence a person deploying can get, produced with a real token and secret."""
    token, secret = fake_api.token, "une-phrase-secrète-très-longue-42"
    team = Team(fake_api, tmp_path)
    said: list[str] = []

    def refused(settings: Settings) -> None:
        with pytest.raises(ConfigError) as error:
            settings.check_for_telegram()
        said.append(str(error.value))

    refused(Settings(token=None, secret=secret))
    refused(Settings(token=token[:-20], secret=secret))
    refused(Settings(token=token + " " + secret, secret=secret))
    refused(Settings(token=token, secret=secret[:10]))
    refused(Settings(token=token, secret=None))
    refused(Settings(token=token, secret=secret, bot_api_url=f"http://x.org/bot{token}"))
    refused(Settings(token=token, secret=secret, retention_days=0))
    refused(Settings(token=token, secret=secret, knowledge_dir=tmp_path / "absent"))
    with pytest.raises(ConfigError) as error:
        await open_services(Settings(token=token, staff_config=team.path))
    said.append(str(error.value))
    # At start: a refused token, an unreachable server, staff groups the bot cannot use.
    async with FakeBotApiHttpServer(fake_api) as server:
        wrong = Settings(
            token="111111111:" + secret.replace("-", "A")[:35].ljust(35, "A"),
            secret=secret,
            bot_api_url=server.base_url,
            db_path=tmp_path / "relais.sqlite3",
            knowledge_dir=REPO_ROOT / "knowledge",
        )
        with pytest.raises(ConfigError) as error:
            await serve(wrong, opener(wrong))
        said.append(str(error.value))
    unreachable = Settings(
        token=token,
        secret=secret,
        bot_api_url=f"http://127.0.0.1:9/bot{token}/",  # the token pasted into the URL
        db_path=tmp_path / "relais.sqlite3",
        knowledge_dir=REPO_ROOT / "knowledge",
    )
    with pytest.raises(ConfigError) as error:
        await serve(unreachable, opener(unreachable))
    said.append(str(error.value))
    (tmp_path / "desk").mkdir()
    async with desk_for(fake_api, tmp_path / "desk") as desk:
        for setup in ({"bot_status": "left"}, {"is_forum": False}, {"can_manage": False}):
            group = desk.team.group
            group.bot_status = setup.get("bot_status", "administrator")
            group.is_forum = setup.get("is_forum", True)
            group.bot_can_manage_topics = setup.get("can_manage", True)
            with pytest.raises(ConfigError) as error:
                await check_staff_groups(desk.relais.application.bot, desk.cases.service.staff)
            said.append(str(error.value))

    assert len(said) == 14 and all(said)
    for sentence in said:
        for leak in (token, token.split(":")[1], secret, secret[:10]):
            assert leak not in sentence, sentence


def test_configuration_errors_are_built_from_nothing_secret() -> None:
    """Static: no ``ConfigError(...)`` in the code mentions a token or secret variable."""
    offenders = []
    for path in (REPO_ROOT / "bot").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ConfigError"):
                continue
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            if names & {"token", "secret", "_token", "_secret"}:  # the values themselves
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
