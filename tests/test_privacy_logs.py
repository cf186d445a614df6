"""The log filter (bot/logsafety.py): the last line of defence, tested on real records."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot import logsafety
from bot.logsafety import EMAIL, NUMBER, TOKEN, RedactingFilter, redact

BOT_TOKEN = "123456789:" + "AAFakeTokenForTestsOnly0123456789abc"  # fake, split for scanners
SECRET = "a-test-secret-of-32-characters!!"
PERSON_WROTE = "je suis à la rue, Moussa, appelez-moi au 0612345678"


@pytest.fixture
def written() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose handler writes through the filter into a string."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter([BOT_TOKEN, SECRET]))
    logger = logging.getLogger("bot.test_privacy_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)
    logger.propagate = True


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("user 7123456789 wrote", f"user {NUMBER} wrote"),
        ("group -1001000000001", f"group -{NUMBER}"),
        ("appelez le 06 12 34 56 78 ou +33 6 12 34 56 78", f"appelez le {NUMBER} ou {NUMBER}"),
        ("carte 4970.1012.3456.7890", f"carte {NUMBER}"),
        ("écrivez à lea.martin+caf@exemple.fr", f"écrivez à {EMAIL}"),
        (
            f"https://api.telegram.org/bot{BOT_TOKEN}/getMe",
            f"https://api.telegram.org/bot{TOKEN}/getMe",
        ),
        ("987654321:" + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef012", TOKEN),  # any token, not only ours
        ("case 12 claimed, 3 relays, key 5f3a9c", "case 12 claimed, 3 relays, key 5f3a9c"),
    ],
)
def test_redact_removes_tokens_long_numbers_and_e_mails(raw: str, safe: str):
    assert redact(raw) == safe


def test_the_message_and_its_arguments_are_redacted(written):
    logger, out = written
    logger.info("chat %s (%s) token %s secret %s", 7123456789, "lea@exemple.fr", BOT_TOKEN, SECRET)
    assert out.getvalue() == (
        f"INFO bot.test_privacy_logs: chat {NUMBER} ({EMAIL}) token {TOKEN} secret {TOKEN}\n"
    )


def test_an_exception_keeps_its_type_and_frames_but_not_its_text(written):
    logger, out = written

    def handle(text: str) -> None:
        try:
            raise KeyError(text)
        except KeyError as error:
            raise RuntimeError(f"could not answer {text!r}") from error

    try:
        handle(PERSON_WROTE)
    except RuntimeError:
        logger.exception("update failed update_id=%d", 12)
    shown = out.getvalue()
    assert shown.startswith("ERROR bot.test_privacy_logs: update failed update_id=12\n")
    assert "KeyError (message hidden)" in shown and "RuntimeError (message hidden)" in shown
    assert "direct cause" in shown and "in handle" in shown
    assert "rue" not in shown and "Moussa" not in shown and "0612345678" not in shown
    assert "PERSON_WROTE" in shown  # the source line of the call is kept: it is our code


def test_library_debug_records_are_dropped_even_when_debug_is_on():
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter())
    for name in ("telegram.ext.Application", "httpx", "aiosqlite", "bot.app.conversation"):
        record = logging.LogRecord(
            name, logging.DEBUG, __file__, 1, "Processing %s", ("Léa",), None
        )
        handler.handle(record)
    assert out.getvalue() == "Processing Léa\n"  # only our own module's line


def test_install_covers_the_root_handlers_and_holds_library_levels_until_undone():
    root = logging.getLogger()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root.addHandler(handler)
    telegram = logging.getLogger("telegram")
    before = telegram.level
    undo = logsafety.install(token=BOT_TOKEN, secret=SECRET)
    try:
        assert telegram.getEffectiveLevel() >= logging.INFO
        assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
        logging.getLogger("bot.anything").warning("relayed to %s", 7123456789)
        assert out.getvalue() == f"relayed to {NUMBER}\n"
    finally:
        undo()
        root.removeHandler(handler)
    assert telegram.level == before
    assert handler.filters == []


def test_the_scheduler_says_only_what_goes_wrong(written):
    """Each run of a job logged two INFO lines: 70 000 a day for the outbox and the watch."""
    _logger, out = written
    release = logsafety.hold_library_levels()
    try:
        scheduler = logging.getLogger("apscheduler.executors.default")
        scheduler.addHandler(_logger.handlers[0])
        scheduler.info('Running job "handoff-outbox"')
        scheduler.warning('Run time of job "handoff-outbox" was missed')
        scheduler.removeHandler(_logger.handlers[0])
    finally:
        release()
    assert out.getvalue() == (
        'WARNING apscheduler.executors.default: Run time of job "handoff-outbox" was missed\n'
    )
