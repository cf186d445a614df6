"""The tree shows the flow: channels → use cases → domain; knowledge, safety, texts are leaves.

A change that points an arrow the wrong way (a use case importing SQLite, the domain importing
a use case, anything but a channel importing python-telegram-bot) fails here, with the import
that did it. ``bot/bootstrap.py`` and ``bot/__main__.py`` are the wiring: they may import all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# What each layer may import from bot/ (besides itself). The wiring imports everything.
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "texts": {"domain"},
    "safety": {"domain", "knowledge"},  # the normaliser and the YAML reader only
    "knowledge": {"domain", "safety", "texts"},
    "app": {"domain", "knowledge", "safety", "texts"},
    "adapters": {"domain", "app"},  # they implement bot.app.ports
    "channels": {"domain", "knowledge", "safety", "texts", "app", "config", "logsafety"},
    "config": set(),
    "logsafety": set(),
}
WIRING = {"bootstrap", "__main__", "bot"}
# Third-party packages that only one layer may touch.
OWNED = {
    "telegram": "channels",
    "tornado": "channels",
    "aiosqlite": "adapters",
    "psycopg": "adapters",
    "asyncpg": "adapters",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    # A package's __init__ resolves relative imports against the package itself.
    anchor = module_name(path) + (".__init__" if path.name == "__init__.py" else "")
    return imports_in(path.read_text(encoding="utf-8"), anchor, str(path))


def imports_in(source: str, module: str, filename: str = "<test>") -> set[str]:
    """Every module ``source`` imports, at any depth (in a function too), relative ones
    resolved against ``module`` (``from ..app import x`` in ``bot.domain.y``: ``bot.app.x``)."""
    names: set[str] = set()
    package = module.split(".")  # a module's package is itself minus its last part
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level]
                base = ".".join([*anchor, base] if base else anchor)
            if base:
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def all_modules() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(BOT.rglob("*.py"))}


def wrong_arrows(modules: dict[str, set[str]]) -> list[str]:
    """``"<module> imports <name>"`` for every import that points the wrong way."""
    wrong = []
    for module, names in modules.items():
        own = layer(module)
        if own in WIRING:
            continue
        assert own in ALLOWED, f"{module}: a new top-level package needs a rule here"
        for name in names:
            top = name.split(".")[0]
            if top in OWNED and OWNED[top] != own:
                wrong.append(f"{module} imports {name}")
            if top == "bot" and name != "bot":
                other = layer(name)
                if other != own and other not in ALLOWED[own]:
                    wrong.append(f"{module} imports {name}")
    return sorted(set(wrong))


def test_every_arrow_points_the_right_way() -> None:
    assert wrong_arrows(all_modules()) == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("bot.domain.case", "from bot.app.ports import Clock"),
        ("bot.domain.case", "from ..app import ports"),
        ("bot.domain.case", "from bot.channels.telegram import render"),
        ("bot.domain.case", "import telegram"),
        ("bot.domain.case", "def f():\n    import aiosqlite"),
        ("bot.app.cases", "from telegram.error import BadRequest"),
        ("bot.app.cases", "import aiosqlite"),
        ("bot.app.cases", "from bot.adapters.sqlite import open_stores"),
        ("bot.app.cases", "from bot.channels.telegram.render import send_text"),
        ("bot.knowledge.kb", "from bot.app.memory import MemoryRegistry"),
        ("bot.knowledge.kb", "from bot.channels.terminal import main"),
        ("bot.safety.crisis", "from bot.app import conversation"),
        ("bot.safety.crisis", "from bot.channels.telegram import app"),
        ("bot.texts.person", "from bot.app.asking import AskingFlow"),
        ("bot.texts.person", "from bot.channels import terminal"),
        ("bot.adapters.sqlite.cases", "from bot.channels.telegram import app"),
        ("bot.domain.__init__", "from .. import bootstrap"),
    ],
)
def test_an_arrow_pointing_the_wrong_way_is_caught(module: str, source: str) -> None:
    assert wrong_arrows({module: imports_in(source, module)}) != []


def test_no_class_is_composed_from_mixins() -> None:
    """Behaviour is shared by passing collaborators in, never by inheriting from two classes
    (the handoff was ``HandoffService(RelayMixin, PrivacyMixin)``; issue 13)."""
    found = [
        f"{path.relative_to(BOT.parent)}: {node.name}"
        for path in sorted(BOT.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and len(node.bases) > 1
    ]
    assert found == []


def test_the_domain_uses_the_standard_library_only() -> None:
    third_party = {
        "telegram", "aiosqlite", "psycopg", "tornado", "yaml", "rapidfuzz", "stdnum", "sklearn",
        "httpx",
    }  # fmt: skip
    found = [
        f"{module} imports {name}"
        for module, names in all_modules().items()
        if layer(module) == "domain"
        for name in names
        if name.split(".")[0] in third_party
    ]
    assert found == []


def test_there_is_no_import_cycle() -> None:
    modules = all_modules()
    graph = {
        module: {n for n in names if n in modules and n != module}
        for module, names in modules.items()
    }
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_check_sees_imports() -> None:
    """The checks above would pass vacuously if the parser saw nothing."""
    modules = all_modules()
    assert "telegram.ext" in modules["bot.channels.telegram.app"]
    assert any(n.startswith("bot.domain") for n in modules["bot.app.conversation"])
