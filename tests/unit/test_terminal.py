"""The terminal try-out (bot/channels/terminal.py): the real engine, typed at, no Telegram."""

from __future__ import annotations

import io
import logging

import pytest
from conversation_fakes import KNOWLEDGE, knowledge_fixture  # noqa: F401 (fixtures)

from bot import __main__ as cli
from bot.app.conversation import Engine
from bot.channels import terminal
from bot.domain.messages import Action, Button, Inbound, Reply, Verb
from bot.knowledge.holder import Knowledge, KnowledgeHolder
from bot.texts import person as texts


async def test_a_newcomer_chats_presses_a_button_and_quits(knowledge: Knowledge) -> None:
    out = io.StringIO()
    typed = io.StringIO("comment je m'actualise sur france travail\n1\nq\n")
    assert await terminal.chat(Engine(KnowledgeHolder(knowledge)), typed, out) == 0
    screen = out.getvalue()
    assert screen.startswith(texts.TRY_OUT_INTRO)
    assert texts.WELCOME.format(bot=texts.BOT_NAME) in screen
    assert "== M'actualiser chaque mois ==" in screen
    assert "== " + texts.STEP_LABEL.format(n=1, total=7) in screen  # button 1 was pressed
    assert screen.rstrip().endswith(texts.GOODBYE)


def test_a_line_is_a_button_a_command_or_text() -> None:
    buttons = [Button("Menu", Action(Verb.MENU))]
    assert terminal.typed("1", buttons) == Inbound(user=terminal.USER, action=Action(Verb.MENU))
    assert terminal.typed("2", buttons) == Inbound(user=terminal.USER, text="2")
    assert terminal.typed("/aide", buttons) == Inbound(user=terminal.USER, command="aide")
    assert terminal.typed("/", buttons) == Inbound(user=terminal.USER, command="")


def test_buttons_are_numbered_after_those_already_shown() -> None:
    buttons = [Button("a", Action(Verb.MENU))]
    shown = terminal.render(Reply("Texte", title="Titre", buttons=((buttons[0],),)), buttons)
    assert shown == "== Titre ==\nTexte\n  [2] a"


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_the_try_out_is_built_like_the_bot_and_logs_nothing_below_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("bonjour\nq\n"))
    monkeypatch.setattr("sys.stdout", io.StringIO())
    root = logging.getLogger()
    kept, level = Kept(), root.level
    root.addHandler(kept)
    root.setLevel(logging.INFO)  # as if something had asked for INFO before
    try:
        assert await cli.try_out(KNOWLEDGE) == 0
    finally:
        root.removeHandler(kept)
        root.setLevel(level)
    assert [r.getMessage() for r in kept.records if r.levelno < logging.WARNING] == []
