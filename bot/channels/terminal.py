"""The terminal try-out: the real bot's engine, typed at in a terminal, no token needed.

Built by ``bot/bootstrap.py`` like the Telegram bot (``open_try_out``: same knowledge, same
engine, an in-memory database, no team), so a newcomer tries exactly what people will get.
A reply is printed as plain text with its buttons numbered; typing a number presses one,
``/menu`` is a command.
``python -m bot try`` logs nothing below WARNING: the screen shows the bot alone.
"""

from __future__ import annotations

from typing import TextIO

from bot.app.coordination import Handles
from bot.domain.messages import Action, Button, Inbound, Reply
from bot.texts import coordination as team_texts
from bot.texts import person as texts

USER = "terminal"
"""The try-out's only person: a fixed key, nothing about anyone."""
QUIT = frozenset({"q", "quit", "quitter"})


async def chat(engine: Handles, stdin: TextIO, out: TextIO) -> int:
    """Read a line, hand it to the engine, print the replies; the first message is /start."""
    print(texts.TRY_OUT_INTRO + "\n", file=out)
    pending: Inbound | None = Inbound(user=USER, command="start")
    buttons: list[Button] = []
    while True:
        if pending is not None:
            buttons = []
            for item in await engine.handle(pending):
                if isinstance(item, Reply):
                    print(render(item, buttons) + "\n", file=out)
                else:
                    note = team_texts.TRY_OUT_CHANNEL_ACTION.format(kind=type(item).__name__)
                    print(f"  {note}\n", file=out)
        print("> ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line or line.strip().lower() in QUIT:
            print(f"\n{texts.GOODBYE}", file=out)
            return 0
        pending = typed(line.strip(), buttons)


def render(reply: Reply, buttons: list[Button]) -> str:
    """A reply as plain text, buttons numbered from ``len(buttons) + 1`` (appended to list)."""
    parts = []
    if reply.title:
        parts.append(f"== {reply.title} ==")
    parts.append(reply.text)
    parts.extend(f"☎️  {p.label}" + (f" — {p.note}" if p.note else "") for p in reply.phones)
    parts.extend(f"🔗 {link.label} : {link.url}" for link in reply.links)
    for row in reply.buttons:
        for button in row:
            buttons.append(button)
            parts.append(f"  [{len(buttons)}] {button.label}")
    return "\n".join(parts)


def typed(line: str, buttons: list[Button]) -> Inbound:
    """What a typed line means: a button's number, a /command, or text."""
    if line.isdigit() and 1 <= int(line) <= len(buttons):
        action: Action = buttons[int(line) - 1].action
        return Inbound(user=USER, action=action)
    if line.startswith("/"):
        return Inbound(user=USER, command=line[1:].split()[0] if len(line) > 1 else "")
    return Inbound(user=USER, text=line)
