"""Faults: Telegram refusing, failing or not answering; the process killed mid-case; the
database locked or full. Nobody gets an answer twice, no relayed message silently vanishes,
and the bot keeps running.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import logging
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT
from fakebotapi import FakeBotApi, FakeBotApiHttpServer, Fault, new_person
from reliability_support import (
    CASE_QUESTION,
    SECRET,
    Team,
    desk_for,
    faq_messages,
    people,
    running,
    settings_for,
)
from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from test_handoff_support import MONDAY_10H

from bot.adapters.sqlite import SqliteStores, open_stores
from bot.adapters.sqlite import database as database_module
from bot.app import privacy as privacy_texts
from bot.channels.telegram import render
from bot.channels.telegram.handoff_actions import delivery_failure
from bot.domain.effects import DeliveryFailure
from bot.domain.messages import HandoffRequested
from bot.domain.pseudonym import user_key
from bot.domain.relay import MAX_ATTEMPTS, TO_PERSON, TO_TOPIC, OutboxItem, plan_dispatch
from bot.texts import handoff as handoff_texts
from bot.texts import person as texts

# Every way a Bot API call can fail without it being our fault.
FAULTS = [
    Fault.flood(retry_after=1),
    Fault.server_error(500),
    Fault.server_error(502),
    Fault.timeout(),
    Fault.connection_reset(),
    Fault.answer_lost(),
]


@pytest.fixture
def short_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """A send Telegram did not take is tried again after a pause: shortened, same logic."""
    monkeypatch.setattr(render, "RETRY_PAUSE_SECONDS", 0.01)


def test_the_fakes_random_faults_are_seeded_and_limited() -> None:
    """The chaos is replayable (a failing seed can be run again) and bounded."""

    async def draw(seed: int) -> list[int]:
        api = FakeBotApi()
        api.chaos([Fault.server_error(500)], rate=0.5, seed=seed, limit=3)
        statuses = []
        for _ in range(20):
            status, _body = await api.call("getMe", {})
            statuses.append(status)
        return statuses

    first, again = asyncio.run(draw(7)), asyncio.run(draw(7))
    assert first == again and first.count(500) == 3


@pytest.mark.heavy
async def test_faq_answers_under_random_faults_are_never_doubled_nor_silently_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, short_pauses: None
) -> None:
    """300 people ask at once while a fifth of the Bot API calls fail at random.

    What a person sees: the whole answer, once; or the start of it and "un problème
    technique"; never an answer twice. When even that notice fails, a log line says so.
    """
    caplog.set_level(logging.INFO)
    api = FakeBotApi()
    questions = faq_messages()
    async with running(api, settings_for(api, tmp_path)) as relais:
        alone = {}
        for question in questions:
            probe = new_person(api, "Sonde")
            await relais.send(probe.says(question))
            alone[question] = api.texts_to(probe.chat_id)
        crowd = people(api, 300)
        asked = {p.chat_id: questions[i % len(questions)] for i, p in enumerate(crowd)}
        api.chaos(
            FAULTS,
            rate=0.2,
            methods={"sendMessage", "deleteMessage", "answerCallbackQuery"},
            seed=20261123,
        )
        application = relais.application
        await application.start()
        for person in crowd:
            update = person.says(asked[person.chat_id])
            await application.update_queue.put(Update.de_json(update, application.bot))
        await application.update_queue.join()
        await application.stop()
        api.calm()

        whole = partial = silent = 0
        for person in crowd:
            seen = api.texts_to(person.chat_id)
            expected = alone[asked[person.chat_id]]
            answer = [text for text in seen if text != texts.TECHNICAL_PROBLEM]
            assert answer == expected[: len(answer)], "an answer doubled, reordered or invented"
            # The notice insists (render.patiently): twice when its own answer was lost.
            assert seen.count(texts.TECHNICAL_PROBLEM) <= render.SEND_ATTEMPTS
            if answer == expected:
                whole += 1
            elif texts.TECHNICAL_PROBLEM in seen:
                partial += 1
            else:
                silent += 1
        # A reply Telegram may have delivered (a timeout, a reset) is not sent twice: the
        # log says so, as it says when the person could not be told about a problem.
        not_told = [
            r
            for r in caplog.records
            if "person not told" in r.getMessage() or "maybe delivered" in r.getMessage()
        ]
        assert silent <= len(not_told)  # never silent without a line in the log
        # The faults did happen (every kind, below), and retries carry most answers through.
        assert whole > 200
        assert {fault for _method, fault in api.faults_served} == set(FAULTS)  # each kind
        print(f"\nFAQ under faults: {whole} whole, {partial} told of a problem, {silent} silent")

        # No lasting harm: everybody asks again and gets the whole answer.
        for person in crowd:
            before = len(api.texts_to(person.chat_id))
            await relais.send(person.says(asked[person.chat_id]))
            assert api.texts_to(person.chat_id)[before:] == alone[asked[person.chat_id]]


@pytest.mark.heavy
async def test_relays_under_random_faults_arrive_once_or_are_marked_undelivered(
    fake_api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture, short_pauses: None
) -> None:
    """A claimed case; a third of the copies and sends fail at random, both ways.

    Each message of the helper reaches the person exactly once, or the helper is told,
    under it, that it did not (or may not have). Each message of the person reaches the
    topic, or the person is told, under it, that it did not; a copy whose answer was lost is
    sent again, so the team may see it twice (the person never sees that).
    """
    caplog.set_level(logging.INFO)
    async with desk_for(fake_api, tmp_path) as desk:
        lea = new_person(fake_api, "Léa")
        await desk.ask(lea)
        await desk.claim(desk.team.nadia, lea)
        topic = await desk.topic_of(lea)
        fake_api.chaos(
            FAULTS, rate=0.3, methods={"copyMessage", "sendMessage"}, seed=1123, limit=60
        )
        from_person, from_helper = [], []
        for i in range(20):
            update = lea.says(f"Léa {i}")
            from_person.append(update["message"]["message_id"])
            await desk.send(update)
            update = await desk.helper_writes(desk.team.nadia, lea, f"Nadia {i}")
            from_helper.append(update["message"]["message_id"])
            if i % 3 == 0:
                await desk.drain(minutes=0.5)
        for _ in range(3 * MAX_ATTEMPTS):
            await desk.drain(minutes=5)
        fake_api.calm()
        for _ in range(3):
            await desk.drain(minutes=5)
        assert await desk.relais.services.stores.relays.pending() == []

        in_topic = desk.team.topic_messages(topic)
        to_lea = fake_api.texts_to(lea.chat_id)
        marked_for_lea = _replied_to(fake_api, lea.chat_id, handoff_texts.NOT_DELIVERED_TO_TEAM)
        marked_for_team = _replied_to(
            fake_api,
            desk.team.group.id,
            handoff_texts.NOT_DELIVERED_TO_PERSON.split("(")[0],
            handoff_texts.MAYBE_NOT_DELIVERED_TO_PERSON,
        )
        lost, doubled_for_team = [], 0
        for i, message_id in enumerate(from_person):
            copies = in_topic.count(f"Léa {i}")
            doubled_for_team += copies > 1
            if not (copies >= 1 or message_id in marked_for_lea):
                lost.append((f"Léa {i}", copies))
        for i, message_id in enumerate(from_helper):
            copies = to_lea.count(f"Nadia {i}")
            if not (copies == 1 or (copies == 0 and message_id in marked_for_team)):
                lost.append((f"Nadia {i}", copies))
        assert lost == []
        assert len(fake_api.faults_served) >= 5 and marked_for_team  # faults did happen
        print(
            f"\nrelays under {len(fake_api.faults_served)} faults: 40 messages; "
            f"to Léa: {len(marked_for_team)} marked for the helper, none doubled; "
            f"to the team: {len(marked_for_lea)} marked for Léa, {doubled_for_team} doubled; "
            "none lost without a mark"
        )


def _replied_to(api: FakeBotApi, chat_id: int, *marks: str) -> set[int]:
    """Ids of the messages the bot marked, in ``chat_id``, with a reply starting so."""
    found = set()
    for call in api.calls_to("sendMessage"):
        params = call.params
        if call.status != 200 or int(params.get("chat_id", 0)) != chat_id:
            continue
        reply = params.get("reply_parameters") or {}
        text = html.unescape(str(params.get("text", "")))
        if "message_id" in reply and text.startswith(marks):
            found.add(int(reply["message_id"]))
    return found


# --- the database --------------------------------------------------------------------------


@pytest.fixture
def quick_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A locked database is waited for 5 s per query in production; 0.2 s here."""
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 200)


def store_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("bot.adapters.sqlite") and r.levelno == logging.WARNING
    ]


async def test_a_database_locked_by_another_program(
    fake_api: FakeBotApi,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    quick_busy_timeout: None,
) -> None:
    """A backup or an administrator's ``sqlite3`` holds the write lock for a while.

    Questions are still answered (counting can wait); a message for the team cannot be
    queued, so the person is told "problème technique" at once. Once the lock is gone, all
    works again, without a restart.
    """
    caplog.set_level(logging.INFO)
    async with desk_for(fake_api, tmp_path) as desk:
        lea, sam = new_person(fake_api, "Léa"), new_person(fake_api, "Sam")
        await desk.ask(lea)
        await desk.claim(desk.team.nadia, lea)
        question = faq_messages()[0]
        await desk.send(sam.says(question))
        answer = fake_api.texts_to(sam.chat_id)
        store = desk.relais.services.stores

        other = sqlite3.connect(tmp_path / "relais.sqlite3", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        other.execute("INSERT INTO counters (day, name, key, value) VALUES ('x', 'x', '', 1)")
        await desk.send(sam.says(question))
        assert fake_api.texts_to(sam.chat_id) == answer * 2
        await desk.send(lea.says("pendant le verrou"))
        assert desk.last(lea).text == texts.TECHNICAL_PROBLEM
        assert "database locked by another program (SQLITE_BUSY): count failed" in (
            store_warnings(caplog)
        )
        assert any("enqueue failed" in line for line in store_warnings(caplog))
        other.execute("ROLLBACK")
        other.close()

        counted = await store.counters.total("answer", "caf-compte")
        await desk.send(sam.says(question))
        assert fake_api.texts_to(sam.chat_id) == answer * 3
        assert await store.counters.total("answer", "caf-compte") == counted + 1
        await desk.send(lea.says("après le verrou"))
        await desk.drain()
        topic = desk.team.topic_messages(await desk.topic_of(lea))
        assert topic[-1] == "après le verrou" and "pendant le verrou" not in topic
        assert fake_api.texts_to(lea.chat_id).count(texts.TECHNICAL_PROBLEM) == 1


@pytest.mark.parametrize("fault", ["locked", "read-only"])
async def test_a_helpers_message_the_database_cannot_take_is_marked_and_sent_when_it_is_back(
    fake_api: FakeBotApi, tmp_path: Path, quick_busy_timeout: None, fault: str
) -> None:
    """A backup holds the lock, or the database turned read-only, while Nadia writes: she sees
    under her message that it did not go yet; once the database is back, it reaches Léa,
    once, and Nadia sees that it went."""
    async with desk_for(fake_api, tmp_path) as desk:
        lea = new_person(fake_api, "Léa")
        await desk.ask(lea)
        await desk.claim(desk.team.nadia, lea)
        store = desk.relais.services.stores
        assert isinstance(store, SqliteStores)
        other = sqlite3.connect(tmp_path / "relais.sqlite3", isolation_level=None)
        if fault == "locked":
            other.execute("BEGIN EXCLUSIVE")
            other.execute("INSERT INTO counters (day, name, key, value) VALUES ('x', 'x', '', 1)")
        else:
            await store.database.connection.execute("PRAGMA query_only = ON")
        update = await desk.helper_writes(desk.team.nadia, lea, "pendant la panne")
        held = update["message"]["message_id"]
        group = desk.team.group.id
        assert held in _replied_to(fake_api, group, handoff_texts.HELPER_MESSAGE_HELD)
        await desk.drain()  # still down: kept, not lost, nobody told twice
        assert "pendant la panne" not in fake_api.texts_to(lea.chat_id)
        if fault == "locked":
            other.execute("ROLLBACK")
        else:
            await store.database.connection.execute("PRAGMA query_only = OFF")
        other.close()
        await desk.drain()
        assert fake_api.texts_to(lea.chat_id).count("pendant la panne") == 1
        assert held in _replied_to(fake_api, group, handoff_texts.HELPER_MESSAGE_SENT_LATE)
        marks = [m for m in fake_api.texts_to(group) if m == handoff_texts.HELPER_MESSAGE_HELD]
        assert len(marks) == 1


def test_a_data_folder_the_bot_cannot_write_is_one_sentence_and_exit_code_2(
    tmp_path: Path,
) -> None:
    """``python -m bot run`` with its database in a folder it cannot write: no traceback,
    one sentence that says what to check, exit code 2 (as every other start error)."""
    if os.geteuid() == 0:  # root ignores permissions; nothing can be created in /proc
        database = Path("/proc/relais.sqlite3")
    else:
        folder = tmp_path / "data"
        folder.mkdir()
        folder.chmod(0o555)
        database = folder / "relais.sqlite3"
    env = {
        **os.environ,
        "RELAIS_TOKEN": FakeBotApi().token,
        "RELAIS_SECRET": SECRET,
        "RELAIS_BOT_API_URL": "http://127.0.0.1:9/bot",  # never reached
        "RELAIS_DB": str(database),
        "RELAIS_KNOWLEDGE": str(REPO_ROOT / "knowledge"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    said = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert len(said) == 1 and str(database) in said[0] and "RELAIS_DB" in said[0]


async def test_oublier_racing_a_helpers_message_leaves_no_error(
    fake_api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Nadia's message is being queued when Léa's « Oui, tout effacer » erases the case: the
    message goes nowhere (nothing is left to relay to), and nothing fails in the log."""
    caplog.set_level(logging.INFO)
    async with desk_for(fake_api, tmp_path) as desk:
        lea = new_person(fake_api, "Léa")
        await desk.ask(lea)
        await desk.claim(desk.team.nadia, lea)
        topic = await desk.topic_of(lea)
        await desk.send(lea.command("oublier"))
        question = desk.last(lea)
        relays = desk.relais.services.stores.relays
        enqueue = relays.enqueue

        async def erased_meanwhile(*args: object, **kwargs: object) -> int | None:
            await desk.send(lea.presses(question, privacy_texts.BUTTON_FORGET_YES))
            return await enqueue(*args, **kwargs)

        relays.enqueue = erased_meanwhile  # type: ignore[method-assign]
        update = desk.team.nadia.says("juste avant", chat=desk.team.group, topic=topic)
        await desk.send(update)
        relays.enqueue = enqueue  # type: ignore[method-assign]
        assert desk.last(lea).text == privacy_texts.FORGOTTEN
    assert "juste avant" not in fake_api.texts_to(lea.chat_id)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_full_disk(
    fake_api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No room left for the database: the same promises as a lock, and a line that says
    "full". Simulated with SQLite's own size cap (``PRAGMA max_page_count``)."""
    caplog.set_level(logging.INFO)
    async with desk_for(fake_api, tmp_path) as desk:
        lea = new_person(fake_api, "Léa")
        await desk.ask(lea)
        await desk.claim(desk.team.nadia, lea)
        store = desk.relais.services.stores
        assert isinstance(store, SqliteStores)
        db = store.database.connection  # the store's own connection: the cap is per connection
        async with db.execute("PRAGMA page_count") as cursor:
            (pages,) = await cursor.fetchone()
        await db.execute(f"PRAGMA max_page_count = {pages}")
        # Léa keeps writing: her messages are queued while the last pages have room.
        for i in range(500):
            await desk.send(lea.says(f"message {i}"))
            if desk.last(lea).text == texts.TECHNICAL_PROBLEM:
                break
        else:
            pytest.fail("the database never filled up")
        assert any(
            "database full (no space left on the disk) (SQLITE_FULL)" in line
            for line in store_warnings(caplog)
        )
        await db.execute("PRAGMA max_page_count = 1073741823")  # room again
        await desk.send(lea.says("de la place"))
        for _ in range(4):  # the group takes 20 copies a minute
            await desk.drain()
        topic = desk.team.topic_messages(await desk.topic_of(lea))
        queued = [f"message {n}" for n in range(i)]  # before the disk filled up
        assert [t for t in topic if t.startswith("message ")] == queued
        assert topic[-1] == "de la place"


# --- the process killed in the middle of a case ---------------------------------------------


class BotProcess:
    """``python -m bot run`` in a child process, polling the HTTP fake on 127.0.0.1."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=REPO_ROOT,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=out,
            )

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no last commit, no goodbye to Telegram."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 120)


@pytest.mark.heavy
async def test_a_case_goes_on_after_the_process_is_killed(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """``python -m bot run`` killed (SIGKILL) three times in the middle of a case.

    1. while it waits for messages, and both sides write while it is down;
    2. while a copy of the person's message waits for Telegram's answer;
    3. while a copy of the helper's message waits for an answer that will never come
       (Telegram made it): the person must not get it twice.

    Restarted on the same database, the case goes on; the person sees each message of
    the helper once, and every message of the person reaches the team.
    """
    api, team, lea = fake_api, Team(fake_api, tmp_path), new_person(fake_api, "Léa")
    database = tmp_path / "relais.sqlite3"

    def seen_by_lea(text: str) -> bool:
        return any(t.startswith(text) for t in api.texts_to(lea.chat_id))

    def in_topic(text: str) -> bool:
        return any(m.text.startswith(text) for m in api.sent_to(team.group.id))

    async with FakeBotApiHttpServer(api) as server:
        env = {
            **os.environ,
            "RELAIS_TOKEN": api.token,
            "RELAIS_SECRET": SECRET,
            "RELAIS_BOT_API_URL": server.base_url,
            "RELAIS_DB": str(database),
            "RELAIS_KNOWLEDGE": str(REPO_ROOT / "knowledge"),
            "RELAIS_STAFF_CONFIG": str(team.path),
        }
        relais = BotProcess(env, tmp_path / "relais.log")
        try:
            await relais.start()
            lea.says(CASE_QUESTION)
            await api.wait_until(lambda: len(api.texts_to(lea.chat_id)) == 1, within=120)
            lea.says(texts.KEY_HUMAN)
            for label in (
                handoff_texts.BUTTON_ASK_LAST,
                handoff_texts.BUTTON_ASK_REFERENT,
                handoff_texts.BUTTON_ASK_YES,
            ):
                await api.wait_until(lambda label=label: _has_button(api, lea, label))
                lea.presses(api.sent_to(lea.chat_id)[-1], label)
            await api.wait_until(lambda: seen_by_lea(handoff_texts.WAIT_OPEN.split(".")[0]))
            card = next(m for m in api.sent_to(team.group.id) if m.text.startswith("🆕"))
            topic = card.thread_id
            team.nadia.presses(card, handoff_texts.BUTTON_CLAIM)
            await api.wait_until(
                lambda: seen_by_lea("Nadia, personne référente, va vous répondre")
            )
            lea.says("avant la panne")
            await api.wait_until(lambda: in_topic("avant la panne"))
            await _outbox_settled(database)

            # 1. Killed while waiting; both sides write while it is down.
            await relais.kill()
            lea.says("pendant la panne")
            team.nadia.says("Nadia pendant la panne", chat=team.group, topic=topic)
            await relais.start()
            await api.wait_until(lambda: in_topic("pendant la panne"), within=120)
            await api.wait_until(lambda: seen_by_lea("Nadia pendant la panne"))
            await _outbox_settled(database)

            # 2. Killed while the copy of Léa's message waits for Telegram, in vain.
            api.inject(Fault.timeout(), method="copyMessage")
            lea.says("Léa en vol")
            await api.wait_until(lambda: len(api.faults_served) == 1)
            await relais.kill()
            await relais.start()
            await api.wait_until(lambda: in_topic("Léa en vol"), within=120)

            # 3. Killed while the copy of Nadia's message, made, waits for its answer.
            api.inject(Fault.answer_lost(), method="copyMessage")
            team.nadia.says("Nadia en vol", chat=team.group, topic=topic)
            await api.wait_until(lambda: len(api.faults_served) == 2)
            assert seen_by_lea("Nadia en vol")
            await relais.kill()
            await relais.start()
            mark = handoff_texts.MAYBE_NOT_DELIVERED_TO_PERSON
            await api.wait_until(lambda: in_topic(mark), within=120)  # the outbox job, ≤ 5 s

            lea.says("après la panne")
            await api.wait_until(lambda: in_topic("après la panne"), within=120)
            team.nadia.says("Nadia après la panne", chat=team.group, topic=topic)
            await api.wait_until(lambda: seen_by_lea("Nadia après la panne"))
        finally:
            await relais.stop()

    topic_texts = [m.text for m in api.sent_to(team.group.id) if m.thread_id == topic]
    lea_saw = api.texts_to(lea.chat_id)
    for said in ("avant la panne", "pendant la panne", "Léa en vol", "après la panne"):
        assert topic_texts.count(said) == 1, said
    for said in ("Nadia pendant la panne", "Nadia en vol", "Nadia après la panne"):
        assert lea_saw.count(said) == 1, said
    assert topic_texts.count(mark) == 1
    assert texts.TECHNICAL_PROBLEM not in lea_saw
    store = await open_stores(database)
    try:
        assert await store.relays.pending() == []
        [case] = await store.cases.of_person(user_key(SECRET, lea.user.id))
    finally:
        await store.close()
    assert case.status == "owned"


async def test_killed_between_yes_and_the_topic_the_case_gets_its_topic_at_restart(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """SIGKILL while Telegram creates the staff topic: the case is stored, its topic is not.

    Restarted, the bot creates the topic with the card at once; what the person wrote while
    it was down reaches it; asking again does not say « déjà ouverte » for ever.
    """
    api, team, lea = fake_api, Team(fake_api, tmp_path), new_person(fake_api, "Léa")
    database = tmp_path / "relais.sqlite3"
    async with FakeBotApiHttpServer(api) as server:
        env = {
            **os.environ,
            "RELAIS_TOKEN": api.token,
            "RELAIS_SECRET": SECRET,
            "RELAIS_BOT_API_URL": server.base_url,
            "RELAIS_DB": str(database),
            "RELAIS_KNOWLEDGE": str(REPO_ROOT / "knowledge"),
            "RELAIS_STAFF_CONFIG": str(team.path),
        }
        relais = BotProcess(env, tmp_path / "relais.log")
        try:
            await relais.start()
            lea.says(CASE_QUESTION)
            await api.wait_until(lambda: len(api.texts_to(lea.chat_id)) == 1, within=120)
            lea.says(texts.KEY_HUMAN)
            for label in (
                handoff_texts.BUTTON_ASK_LAST,
                handoff_texts.BUTTON_ASK_REFERENT,
                handoff_texts.BUTTON_ASK_YES,
            ):
                await api.wait_until(lambda label=label: _has_button(api, lea, label))
                if label == handoff_texts.BUTTON_ASK_YES:
                    creating = api.hang("createForumTopic")
                lea.presses(api.sent_to(lea.chat_id)[-1], label)
            await asyncio.wait_for(creating.wait(), 120)
            await relais.kill()
            api.unhang("createForumTopic")
            lea.says("vous êtes là ?")
            await relais.start()
            await api.wait_until(lambda: bool(api.topics[team.group.id]), within=120)
            [topic] = api.topics[team.group.id]
            await api.wait_until(
                lambda: "vous êtes là ?" in team.topic_messages(topic), within=120
            )
            # She never read « transmise » (it comes after the topic): now she does.
            await api.wait_until(
                lambda: handoff_texts.REQUEST_LATE in api.texts_to(lea.chat_id), within=120
            )
            lea.says(texts.KEY_HUMAN)  # asking again: her request is open, and said so
            await api.wait_until(
                lambda: api.texts_to(lea.chat_id)[-1] == handoff_texts.ALREADY_OPEN, within=120
            )
        finally:
            await relais.stop()
    card, *_ = team.topic_messages(topic)
    assert card.startswith("🆕 Demande") and handoff_texts.TOPIC_LATE in card
    assert texts.TECHNICAL_PROBLEM not in api.texts_to(lea.chat_id)
    assert api.texts_to(lea.chat_id).count(handoff_texts.REQUEST_LATE) == 1


async def test_a_case_left_without_its_topic_gets_it_from_the_regular_job(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """The job finishes it too (a topic creation that died without a restart), and the
    person, who waited, is told; a case opened a moment ago is left to its own creation."""
    async with desk_for(fake_api, tmp_path) as desk:
        lea = new_person(fake_api, "Léa")
        service = desk.relais.services.handoff
        assert service is not None
        request = HandoffRequested(user=user_key(SECRET, lea.user.id), crisis=None)
        await service.open_case(request, lea.chat_id, referent=True)  # actions lost: killed
        await desk.cases.send_reminders(desk.relais.application.bot)
        assert fake_api.topics[desk.team.group.id] == {}  # under way, maybe: not yet
        await desk.send(lea.says("il y a quelqu'un ?"))
        desk.clock.advance(minutes=5)
        await desk.cases.send_reminders(desk.relais.application.bot)
        await desk.drain()
        topic = await desk.topic_of(lea)
        in_topic = desk.team.topic_messages(topic)
        assert handoff_texts.TOPIC_LATE in in_topic[0] and "il y a quelqu'un ?" in in_topic
        assert handoff_texts.REQUEST_LATE in fake_api.texts_to(lea.chat_id)


async def _outbox_settled(database: Path) -> None:
    """Wait until the bot has recorded every copy it made (read from its database)."""
    async with asyncio.timeout(120):  # a safety net for a broken test, never a measure
        while True:
            with sqlite3.connect(database) as db:
                (sending,) = db.execute(
                    "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')"
                ).fetchone()
            if sending == 0:
                return
            await asyncio.sleep(0.05)


def _has_button(api: FakeBotApi, person, label: str) -> bool:
    sent = api.sent_to(person.chat_id)
    return bool(sent) and any(label in row for row in sent[-1].inline_buttons)


# --- what "maybe delivered" means, in the small ------------------------------------------------


def test_after_a_crash_a_copy_to_the_team_goes_again_and_one_to_the_person_never() -> None:
    """Copies taken by a process that died: the team's goes at once (a duplicate there is
    harmless), the person's is reported as uncertain (the helper is told), never resent."""
    started = MONDAY_10H + dt.timedelta(seconds=30)  # the new process
    to_team = outbox_row(1, status="sending", last_attempt_at=MONDAY_10H)
    to_person = outbox_row(2, direction=TO_PERSON, status="sending", last_attempt_at=MONDAY_10H)
    behind = outbox_row(3, direction=TO_PERSON)  # waits behind the uncertain one
    plan = plan_dispatch([to_team, to_person, behind], [], started, orphaned_before=started)
    assert [r.id for r in plan.ready] == [1]
    assert [r.id for r in plan.uncertain] == [2]
    # In the same process, a copy still in flight is waited for (its lease).
    plan = plan_dispatch([to_team, to_person, behind], [], started, orphaned_before=MONDAY_10H)
    assert plan.ready == () and plan.uncertain == ()


def outbox_row(n: int, **fields: object) -> OutboxItem:
    values: dict[str, object] = {
        "id": n,
        "case_id": 1,
        "direction": TO_TOPIC,
        "source_message_id": n,
        "status": "queued",
        "attempts": 0,
        "not_before": MONDAY_10H,
        "last_attempt_at": None,
        "group_chat_id": -100,
        "topic_id": 7,
        "person_chat_id": 42,
        "case_status": "owned",
    }
    values.update(fields)
    return OutboxItem(**values)  # type: ignore[arg-type]


def _raised(error: TelegramError, cause: BaseException | None) -> TelegramError:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "maybe"),
    [
        (RetryAfter(dt.timedelta(seconds=3)), False),  # Telegram said: not now
        (BadRequest("message to copy not found"), False),
        (Forbidden("bot was blocked by the user"), False),
        (NetworkError("Bad Gateway"), False),  # an error answer: not done
        (_raised(TimedOut(), httpx.ReadTimeout("r")), True),  # sent, no answer
        (_raised(NetworkError("x"), httpx.RemoteProtocolError("r")), True),
        (_raised(NetworkError("x"), httpx.ReadError("r")), True),
        (_raised(TimedOut(), httpx.ConnectTimeout("c")), False),  # never left
        (_raised(TimedOut(), httpx.PoolTimeout("p")), False),
        (_raised(NetworkError("x"), httpx.ConnectError("c")), False),
        (TimedOut(), True),  # a timeout of unknown origin: maybe done
    ],
)
def test_only_a_request_sent_and_never_answered_may_have_been_done(
    error: TelegramError, maybe: bool
) -> None:
    assert render.maybe_done(error) is maybe
    failure, _wait = delivery_failure(error, to_person=True)
    assert (failure is DeliveryFailure.UNCERTAIN) is maybe
    assert delivery_failure(error, to_person=False)[0] is not DeliveryFailure.UNCERTAIN
