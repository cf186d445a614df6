"""The canary: a whole conversation marked everywhere, then look for the mark on disk and in logs.

A person whose name, username and every message carry a unique marker asks an FAQ question,
sends a password, writes a crisis message, asks for a person, writes with a helper both ways
(and sends a password again during the case), asks /mesdonnees; the helper answers, writes
a note, closes; the retention runs a month later. Then the SQLite file, its ``-wal`` and
``-shm``, and every log record (DEBUG for ``bot.*`` and the root logger, the libraries held
as ``run`` holds them) are searched for the marker and for the person's Telegram id, in
decimal and as SQLite stores integers. Only the chat id of the open case may be on disk, and
only while it is open.

The search is not vacuous: the test asserts that the marker did go through the bot (the
card, the copies, the masked message all reached the fake Bot API) and that the open case's
chat id is found by the same search while the case is open.
"""

from __future__ import annotations

import io
import logging
import secrets
import string
import sys
import traceback
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fakebotapi import FakeBotApi, FakeChat, FakeUser, InProcessRequest, Person
from telegram import Bot, Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters
from test_handoff_e2e import SECRET, Desk

from bot import logsafety
from bot.channels.telegram.privacy import run_retention
from bot.safety import find_sensitive
from bot.texts import handoff as t
from bot.texts import person as texts

PERSON_ID = 7_123_456_789  # 6 bytes in a SQLite record: as a Telegram id of today
MARK = "Canari" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))


@pytest.fixture
async def desk(fake_api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Desk]:
    desk = Desk(fake_api, tmp_path)
    await desk.start()
    yield desk
    await desk.stop()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record at DEBUG, the libraries held at the levels ``run`` holds them at.

    No redaction here: the canary checks what the code logs, not what the filter hides.
    """
    release = logsafety.hold_library_levels()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="bot")
    yield caplog
    release()


def marked_person(api: FakeBotApi) -> Person:
    user = FakeUser(id=PERSON_ID, first_name=f"Prénom{MARK}", username=f"pseudo{MARK}")
    api.chats[user.id] = FakeChat(id=user.id, type="private", first_name=user.first_name)
    return Person(api, user)


def on_disk(db_path: Path) -> bytes:
    return b"".join(
        Path(f"{db_path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm", "-journal")
        if Path(f"{db_path}{suffix}").exists()
    )


def as_stored(number: int) -> list[bytes]:
    """The ways an integer can sit in a SQLite file: as text, or big-endian on 6 or 8 bytes."""
    return [str(number).encode(), number.to_bytes(6, "big"), number.to_bytes(8, "big")]


def assert_nothing_on_disk(desk: Desk, person: Person) -> None:
    disk = on_disk(desk.settings.db_path)
    assert MARK.encode() not in disk
    assert not any(form in disk for form in as_stored(PERSON_ID))
    for helper in (desk.sam, desk.nadia, desk.claire):
        assert str(helper.user.id).encode() not in disk
        assert helper.user.first_name.encode() not in disk


def assert_nothing_in_logs(
    logs: pytest.LogCaptureFixture, desk: Desk, person: Person, alias: str
) -> None:
    """No marker, Telegram id or name; nor the person's pseudonym or case code (/oublier)."""
    assert any(r.name.startswith("bot.") for r in logs.records), "the logs were not captured"
    assert any("case 1 opened" in r.getMessage() for r in logs.records), "not the bot's log"
    forbidden = [MARK, str(PERSON_ID), desk.key(person), alias]
    forbidden += [str(h.user.id) for h in (desk.sam, desk.nadia, desk.claire)]
    forbidden += [h.user.first_name for h in (desk.sam, desk.nadia, desk.claire)]
    for record in logs.records:
        line = f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for word in forbidden:
            assert word not in line, f"{word!r} logged by {record.name}: {line!r}"
    for word in forbidden:
        assert word not in logs.text


async def test_no_text_no_name_no_telegram_id_on_disk_or_in_the_logs(
    desk: Desk, fake_api: FakeBotApi, logs: pytest.LogCaptureFixture
):
    lea = marked_person(fake_api)
    actualisation = desk.services.knowledge.current.kb.entry("ft-actualisation")
    assert actualisation is not None

    # Alone with the bot: an FAQ question, a password, a crisis.
    await desk.send(lea.command("start"))
    await desk.send(lea.says(f"comment m'actualiser sur france travail {MARK}"))
    assert desk.last(lea).text.startswith(actualisation.title)
    secret = lea.says(f"{MARK} mon mot de passe caf est Soleil2024!")
    await desk.send(secret)
    assert texts.SENSITIVE_WARNING in fake_api.texts_to(PERSON_ID)
    assert fake_api.message(PERSON_ID, secret["message"]["message_id"]).deleted
    await desk.send(lea.says(f"je veux mourir {MARK}"))
    assert "3114" in desk.last(lea).text

    # Asking for a person: after a crisis, straight to the preview (référents only).
    await desk.send(lea.says(texts.KEY_HUMAN))
    preview = desk.last(lea)
    assert MARK in preview.text  # the masked last question, shown before anything is sent
    await desk.send(lea.presses(preview, t.BUTTON_ASK_YES))
    await desk.claim(desk.nadia, lea)
    group, topic = await desk.topic_of(lea)
    alias = (await desk.case_of(lea)).alias

    # Relays both ways, a note, a password during the case, /mesdonnees.
    await desk.send(lea.says(f"{MARK} voici mon souci"))
    await desk.helper_writes(desk.nadia, lea, f"{MARK} je regarde avec vous")
    await desk.helper_writes(desk.nadia, lea, f"! {MARK} note pour l'équipe")
    await desk.send(lea.says(f"{MARK} mon mot de passe est Soleil2024!"))
    await desk.send(lea.command("mesdonnees"))

    # The marker went through the bot: card, copies both ways, the masked message.
    in_topic = [m.text for m in desk.in_topic(group, topic)]
    assert any(MARK in m and "🆕 Demande" in m for m in in_topic)  # the card
    assert f"{MARK} voici mon souci" in in_topic  # the person's message, copied
    assert any(MARK in m and "Soleil2024" not in m and "mot de passe" in m for m in in_topic)
    to_person = [m for m in fake_api.sent_to(PERSON_ID) if "copied_from" in m.payload]
    assert [m.text for m in to_person] == [f"{MARK} je regarde avec vous"]
    # Sensitive answers cannot be forwarded or saved: the helper's copy, the case's messages.
    assert all(m.protect_content for m in to_person)
    assert desk.last(lea).protect_content  # /mesdonnees
    # Helpers never see who the person is.
    staff_side = [m.text for m in fake_api.sent_to(group.id)]
    staff_side += [topic.name for topic in fake_api.topics[group.id].values()]
    assert not any(lea.user.first_name in s or lea.user.username in s for s in staff_side)

    # While the case is open, its chat id is on disk, and the same search finds it.
    disk = on_disk(desk.settings.db_path)
    assert PERSON_ID.to_bytes(6, "big") in disk
    assert MARK.encode() not in disk and lea.user.first_name.encode() not in disk

    # Closed: the chat id goes. A month later, the case goes.
    await desk.helper_writes(desk.nadia, lea, "/clore")
    await desk.send(lea.presses(desk.last(lea), "👍"))
    assert_nothing_on_disk(desk, lea)
    desk.clock.advance(days=31)
    purged = await run_retention(desk.application.bot, desk.cases)
    assert purged.cases == 1 and topic not in fake_api.topics[group.id]
    assert await desk.services.stores.cases.of_person(desk.key(lea)) == []
    assert_nothing_on_disk(desk, lea)
    assert_nothing_in_logs(logs, desk, lea, alias)


def test_the_marker_is_not_taken_for_a_secret():
    """Else the guard would mask it and the canary would prove nothing."""
    assert find_sensitive(f"{MARK} voici mon souci") == []


# --- what reaches the log file: records the code does not write itself -----------------------


@pytest.fixture
def log_file() -> Iterator[io.StringIO]:
    """The log as ``run`` writes it: a root handler, the filter installed on it, DEBUG on."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    undo = logsafety.install(token=FakeBotApi().token, secret=SECRET, root=root)
    yield out
    undo()
    root.removeHandler(handler)
    root.setLevel(level)


def malformed_update(api: FakeBotApi, person: Person) -> dict:
    """A callback query without ``chat_instance``: python-telegram-bot cannot build it."""
    update = person.sends_callback(f"{MARK} données du bouton")
    del update["callback_query"]["chat_instance"]
    return update


async def test_malformed_updates_and_library_errors_leave_nothing_in_the_log_file(
    desk: Desk, fake_api: FakeBotApi, log_file: io.StringIO
) -> None:
    """Libraries log what they received and what broke: names, texts, reprs of updates.

    The filter keeps their sentences and exception types, never the values in them.
    """
    lea = marked_person(fake_api)
    # 1. Through the bot: the unreadable update is skipped in one line of ours.
    broken = malformed_update(fake_api, lea)
    updates = await desk.application.bot.get_updates()
    assert [u.update_id for u in updates] == [broken["update_id"]]
    assert updates[0].effective_message is None  # a bare id: no handler takes it

    # 2. PTB alone (no wrapper): it logs the raw answer at CRITICAL, names and texts in it.
    malformed_update(fake_api, lea)
    transport = InProcessRequest(fake_api)
    async with Bot(fake_api.token, request=transport, get_updates_request=transport) as bare:
        with pytest.raises(TypeError):
            await bare.get_updates()

    # 3. An error in a handler, its message quoting the person, with no error handler.
    def fails(update: Update, _context: object) -> None:
        raise ValueError(f"could not read {update.effective_message.text!r}")

    application = ApplicationBuilder().token(fake_api.token).request(transport).build()
    application.add_handler(MessageHandler(filters.TEXT, fails))  # type: ignore[arg-type]
    async with application:
        await application.process_update(
            Update.de_json(lea.says(f"je suis à la rue {MARK}"), application.bot)
        )

    # 4. An update logged as an object, or as an argument, by a library.
    update = Update.de_json(lea.says(f"bonjour {MARK}"), None)
    logging.getLogger("apscheduler.executors").error(update)
    logging.getLogger("telegram.ext.Application").warning("got %r from %s", update, lea.user)

    # 5. A traceback already formatted by someone else (``exc_text``, no ``exc_info``).
    try:
        raise KeyError(f"{PERSON_ID}\n{lea.user.first_name}")
    except KeyError:
        formatted = traceback.format_exc()
    record = logging.LogRecord("aiosqlite", logging.ERROR, __file__, 1, "failed", None, None)
    record.exc_text = formatted
    logging.getLogger("aiosqlite").handle(record)

    written = log_file.getvalue()
    assert "Error while parsing updates! Received data was [hidden]" in written
    assert "unreadable update skipped" in written
    assert "ValueError (message hidden)" in written and "KeyError (message hidden)" in written
    assert "got [hidden] from [hidden]" in written and "[Update]" in written
    assert MARK not in written and str(PERSON_ID) not in written and "Prénom" not in written
    assert sys.exc_info() == (None, None, None)
    # The bot's own database, its -wal and -shm: the skipped update left a counter only.
    await desk.send(lea.says(f"je suis à la rue {MARK}"))
    assert_nothing_on_disk(desk, lea)
