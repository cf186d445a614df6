"""Only bot/telegram/ may import python-telegram-bot: the engine stays channel-free."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_telegram_is_imported_only_under_bot_telegram() -> None:
    offenders = [
        str(path.relative_to(BOT.parent))
        for path in sorted(BOT.rglob("*.py"))
        if "telegram" not in path.relative_to(BOT).parts[:-1]
        and any(
            name == "telegram" or name.startswith("telegram.") for name in imported_modules(path)
        )
    ]
    assert offenders == []


def test_the_check_sees_imports() -> None:
    assert "telegram.ext" in imported_modules(BOT / "telegram" / "app.py")
