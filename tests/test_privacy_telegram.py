"""The privacy commands end to end: the real Application, the fake Bot API, real SQLite.

/confidentialite, /mesdonnees, /oublier, /effacer as a person uses them, the retention job
as it runs every day, and the refusal to start without RELAIS_SECRET.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from fakebotapi import FakeBotApi, FakeMessage, Person, new_person
from telegram.ext import Application
from test_handoff_e2e import ON_EACH_STORE, QUESTION, Desk

from bot.app import privacy as p
from bot.app.flood import FloodGuard
from bot.app.handoff import Status
from bot.channels.telegram.app import start_up
from bot.channels.telegram.privacy import PrivacyDesk, run_retention
from bot.texts import handoff as t
from bot.texts import memory as m
from bot.texts import person as texts

HOUR = 3600.0


def privacy_desk(application: Application) -> PrivacyDesk:
    """The privacy handlers' object, found among the registered handlers."""
    for group in application.handlers.values():
        for handler in group:
            owner = getattr(handler.callback, "__self__", None)
            if isinstance(owner, PrivacyDesk):
                return owner
    raise AssertionError("privacy handlers not registered")


class Tick:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def desk(
    fake_api: FakeBotApi, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Desk]:
    desk = Desk(fake_api, tmp_path)
    desk.settings = replace(desk.settings, data_contact="dpo@relais-asso.fr")
    if getattr(request, "param", "sqlite") == "postgresql":  # ON_EACH_STORE
        desk.settings = replace(desk.settings, db_url=request.getfixturevalue("postgres_url"))
    await desk.start()
    yield desk
    await desk.stop()


def bot_text(desk: Desk, person: Person) -> str:
    return desk.last(person).text


# --- /confidentialite and the welcome --------------------------------------------------------


async def test_the_welcome_and_the_menu_tell_about_the_privacy_commands(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.send(lea.command("start"))
    welcome = bot_text(desk, lea)
    for command in ("/effacer", "/oublier", "/mesdonnees", "/confidentialite"):
        assert command in welcome
    await start_up(desk.application)
    shown = [c["command"] for c in fake_api.commands[""]]
    assert shown[-4:] == ["effacer", "oublier", "mesdonnees", "confidentialite"]
    assert [job.name for job in desk.application.job_queue.jobs()].count("privacy-retention") == 1


async def test_confidentialite_names_the_retention_and_the_contact(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.send(lea.command("confidentialite"))
    text = bot_text(desk, lea)
    assert text.startswith(p.NOTICE_TITLE)
    assert "La demande est effacée 30 jours après." in text
    assert text.endswith("Contactez dpo@relais-asso.fr.")
    assert "pas chiffrées de bout en bout" in text


# --- /mesdonnees and /oublier ------------------------------------------------------------------


@ON_EACH_STORE
async def test_mesdonnees_says_what_is_kept_and_oublier_erases_all_of_it(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.send(lea.command("mesdonnees"))
    first = desk.last(lea)
    assert first.text == "\n\n".join((p.KEPT_TITLE, p.KEPT_NOTHING, p.KEPT_COUNTERS))
    assert first.protect_content

    await desk.ask(lea)
    await desk.claim(desk.nadia, lea)
    group, topic = await desk.topic_of(lea)
    await desk.send(lea.says(texts.KEY_HUMAN))  # asked again: "already open", nothing pending
    await desk.send(lea.command("mesdonnees"))
    kept = bot_text(desk, lea)
    case = await desk.case_of(lea)
    assert f"({case.alias}, thème : CAF)" in kept and t.KEPT_CHAT_ID in kept
    assert m.KEPT_SESSION in kept and "Les numéros de" in kept
    # The command was answered here, not copied to the helper.
    assert not any("/mesdonnees" in m.text for m in desk.in_topic(group, topic))

    # /oublier asks first; "Non" keeps everything.
    await desk.send(lea.command("oublier"))
    question = desk.last(lea)
    assert question.text.startswith(p.FORGET_QUESTION.split("\n")[0])
    assert question.inline_buttons == [[p.BUTTON_FORGET_YES], [p.BUTTON_FORGET_NO]]
    await desk.send(lea.presses(question, p.BUTTON_FORGET_NO))
    assert bot_text(desk, lea) == p.NOT_FORGOTTEN
    assert (await desk.case_of(lea)).status == Status.OWNED

    # "Oui, tout effacer": case, topic, session, ids; the helper is told in General.
    await desk.send(lea.command("oublier"))
    question = desk.last(lea)
    await desk.send(lea.presses(question, p.BUTTON_FORGET_YES))
    assert bot_text(desk, lea) == p.FORGOTTEN
    assert question.inline_buttons == []  # an old "Oui" cannot be pressed again by mistake
    assert await desk.services.stores.cases.of_person(desk.key(lea)) == []
    assert topic not in fake_api.topics[group.id]
    general = [m for m in fake_api.sent_to(group.id) if m.thread_id is None]
    assert general[-1].text == t.FORGOTTEN_GROUP.format(alias=case.alias)
    assert desk.key(lea) not in desk.services.engine.sessions
    assert fake_api.unanswered_callback_queries() == []

    await desk.send(lea.command("mesdonnees"))
    after = bot_text(desk, lea)  # only the ids of the recent messages, for /effacer
    assert after.startswith(f"{p.KEPT_TITLE}\n\n{p.KEPT_IN_MEMORY}\n• Les numéros de")
    assert p.KEPT_ON_DISK not in after and m.KEPT_SESSION not in after
    # The bot answers by itself again: no case is left to relay to.
    await desk.send(lea.says(QUESTION))
    assert bot_text(desk, lea).startswith("Me connecter à Mon Compte Caf")


async def test_a_request_not_yet_sent_is_shown_and_forgotten(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk.send(lea.says(QUESTION))
    await desk.send(lea.says(texts.KEY_HUMAN))
    about = desk.last(lea)
    await desk.send(lea.command("mesdonnees"))
    assert m.KEPT_PENDING in bot_text(desk, lea)
    await desk.send(lea.command("oublier"))
    await desk.send(lea.presses(desk.last(lea), p.BUTTON_FORGET_YES))
    await desk.send(lea.presses(about, t.BUTTON_ASK_LAST))  # the old dialogue is gone
    assert bot_text(desk, lea).startswith(t.ASK_EXPIRED.split("\n")[0])


# --- /effacer ------------------------------------------------------------------------------


def still_there(api: FakeBotApi, person: Person) -> list[FakeMessage]:
    return [m for m in api.messages if m.chat_id == person.chat_id and not m.deleted]


async def test_effacer_deletes_the_recent_messages_and_not_the_older_ones(
    desk: Desk, fake_api: FakeBotApi
):
    tick = Tick()
    privacy_desk(desk.application).recent.clock = tick
    desk.services.engine.flood = FloodGuard(burst=1000)  # about deleting, not flooding
    lea = new_person(fake_api)
    await desk.send(lea.says(QUESTION))  # 2 messages, 49 hours old at /effacer
    old = still_there(fake_api, lea)
    tick.now += 49 * HOUR
    for _ in range(60):  # 120 messages: two batches
        await desk.send(lea.says("bonjour"))
    recent = [m.message_id for m in still_there(fake_api, lea)][2:]
    await desk.send(lea.command("effacer"))

    calls = fake_api.calls_to("deleteMessages")
    assert [len(c.params["message_ids"]) for c in calls] == [100, 21]  # 120 + the command
    asked = [i for c in calls for i in c.params["message_ids"]]
    assert sorted(asked) == sorted([*recent, recent[-1] + 1])
    notice = desk.last(lea)
    assert still_there(fake_api, lea) == [*old, notice]  # Telegram would refuse older ones
    assert notice.text == p.erase_notice(erased=True, open_case=False)
    assert p.ERASE_THE_REST in notice.text and "redémarre" in notice.text
    # "Compris" deletes the notice too: nothing is left of the last 48 hours.
    await desk.send(lea.presses(notice, p.BUTTON_ERASE_NOTICE))
    assert still_there(fake_api, lea) == old


async def test_effacer_after_a_restart_says_to_delete_by_hand(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk.send(lea.says(QUESTION))
    await desk.restart()  # ids lived in memory only
    await desk.send(lea.command("effacer"))
    assert bot_text(desk, lea).startswith(p.ERASED)  # the command itself was still deleted
    assert len(still_there(fake_api, lea)) == 3  # the question, its answer, the notice
    await desk.send(lea.command("effacer"))
    assert p.ERASE_THE_REST in bot_text(desk, lea)


async def test_effacer_during_a_case_says_the_copies_stay_with_the_team(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.ask(lea)
    group, topic = await desk.topic_of(lea)
    await desk.send(lea.says("Voici mon souci"))
    await desk.send(lea.command("effacer"))
    assert bot_text(desk, lea) == p.erase_notice(erased=True, open_case=True)
    assert any(m.text == "Voici mon souci" for m in desk.in_topic(group, topic))


# --- retention -----------------------------------------------------------------------------


@ON_EACH_STORE
async def test_retention_erases_closed_cases_at_n_days_and_deletes_their_topics(
    desk: Desk, fake_api: FakeBotApi
):
    lea, omar = new_person(fake_api, "Léa"), new_person(fake_api, "Omar")
    await desk.ask(lea)
    await desk.claim(desk.nadia, lea)
    group, topic = await desk.topic_of(lea)
    await desk.helper_writes(desk.nadia, lea, "/clore")
    closed_at = desk.clock.now
    await desk.ask(omar)  # open: never erased by time
    bot = desk.application.bot

    desk.clock.now = closed_at + dt.timedelta(days=30)
    nothing = await run_retention(bot, desk.cases)
    assert (nothing.cases, nothing.actions) == (0, ())
    assert topic in fake_api.topics[group.id]

    desk.clock.now = closed_at + dt.timedelta(days=30, seconds=1)
    purged = await run_retention(bot, desk.cases)
    assert (purged.cases, len(purged.actions)) == (1, 1)
    assert topic not in fake_api.topics[group.id]
    assert await desk.services.stores.cases.of_person(desk.key(lea)) == []
    assert (await desk.case_of(omar)).status == Status.WAITING
    again = await run_retention(bot, desk.cases)  # idempotent
    assert again.cases == 0 and len(fake_api.calls_to("deleteForumTopic")) == 1


async def test_retention_also_runs_at_start(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk.ask(lea)
    await desk.claim(desk.nadia, lea)
    group, topic = await desk.topic_of(lea)
    await desk.helper_writes(desk.nadia, lea, "/clore")
    desk.clock.advance(days=31)
    await start_up(desk.application)
    assert topic not in fake_api.topics[group.id]


# --- starting without the secret ----------------------------------------------------------


def test_run_refuses_to_start_without_the_secret_in_one_sentence(tmp_path: Path):
    token = "123456789:" + "AAFakeTokenForTestsOnly0123456789abc"  # fake token
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RELAIS_") and key != "PYTHONPATH"
    }
    env.update(RELAIS_TOKEN=token, RELAIS_DB=str(tmp_path / "db.sqlite3"))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Relais ne peut pas démarrer : RELAIS_SECRET manque")
    assert token not in done.stderr and done.stdout == ""
    assert not (tmp_path / "db.sqlite3").exists()  # refused before anything was opened
