"""Checks shared by the two safety files, so every mistake is reported as ``file:line: …``.

A coordinator who breaks ``crises.yaml`` must see at once where and how to fix it: the
bot keeps the previous version running meanwhile (see ``knowledge/LISEZMOI.md``). All
problems of a file are collected and raised together, not one per reload.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rapidfuzz import process

from bot.knowledge.yamlfile import KnowledgeError, LineDict, Problem, display_path, load_yaml

_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_LABEL_CHARS = _ID_CHARS


def is_id(text: str) -> bool:
    """kebab-case: "arnaque-colis", "sans-abri" (checked without a regular expression)."""
    return (
        bool(text)
        and set(text) <= _ID_CHARS
        and not text.startswith("-")
        and not text.endswith("-")
        and "--" not in text
    )


def is_domain(text: str) -> bool:
    """A bare domain name ("caf.fr", "caf.cnafmail.fr"), no scheme, path or space."""
    labels = text.split(".")
    return (
        len(labels) >= 2
        and labels[-1].isalpha()
        and 2 <= len(labels[-1]) <= 24
        and all(
            0 < len(label) <= 63
            and set(label) <= _LABEL_CHARS
            and not label.startswith("-")
            and not label.endswith("-")
            for label in labels
        )
    )


class FileCheck:
    """The problems found in one file, with the file's lines to locate list items."""

    def __init__(self, path: Path, data: Any = None) -> None:
        self.path = path
        self.shown = display_path(path)
        self.problems: list[Problem] = []
        self.data: Any = load_yaml(path) if data is None else data
        try:
            self.lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):  # pragma: no cover - load_yaml already read it
            self.lines = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.shown, max(line, 1), message))

    def done(self) -> None:
        """Raise every problem found, if any."""
        if self.problems:
            raise KnowledgeError(self.problems)

    def item_line(self, after: int, text: str) -> int:
        """Line of a plain list item (strings carry no line): first line from ``after`` with it."""
        needle = text.strip()[:40]
        for number in range(max(after, 1), len(self.lines) + 1):
            if needle and needle in self.lines[number - 1]:
                return number
        return after

    def key_line(self, key: str) -> int:
        """Line of a top-level ``key:`` (for data read without line numbers)."""
        for number, line in enumerate(self.lines, start=1):
            if line.startswith(f"{key}:"):
                return number
        return 1

    def keys(self, mapping: LineDict, allowed: Iterable[str], where: str) -> None:
        """Report unknown keys, with the closest known one (a typo like « paterns »)."""
        allowed = list(allowed)
        for key in mapping:
            if key not in allowed:
                guess = process.extractOne(key, allowed)
                hint = f" : vouliez-vous dire « {guess[0]} » ?" if guess and guess[1] >= 60 else ""
                self.add(mapping.line_of(key), f"{where} : clé « {key} » inconnue{hint}")

    def text(
        self, mapping: LineDict, key: str, where: str, *, required: bool = True, limit: int = 0
    ) -> str:
        """A non-empty string field; '' (and a problem) when missing or wrong."""
        value = mapping.get(key)
        if value is None:
            if required:
                self.add(mapping.line, f"{where} : il manque « {key}: »")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(mapping.line_of(key), f"{where} : « {key} » doit être un texte")
            return ""
        text = str(value).strip()
        if not text and required:
            self.add(mapping.line_of(key), f"{where} : « {key} » est vide")
        if limit and len(text) > limit:
            self.add(
                mapping.line_of(key),
                f"{where} : « {key} » est trop long ({len(text)} signes, {limit} au plus)",
            )
        return text

    def strings(
        self, mapping: LineDict, key: str, where: str, *, required: bool = True
    ) -> list[str]:
        """A list of non-empty strings (numbers are accepted and read as text)."""
        value = mapping.get(key)
        if value is None:
            if required:
                self.add(mapping.line, f"{where} : il manque « {key}: » (une liste)")
            return []
        if not isinstance(value, list):
            self.add(mapping.line_of(key), f"{where} : « {key} » doit être une liste (- ...)")
            return []
        out: list[str] = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, str | int | float):
                self.add(
                    mapping.line_of(key),
                    f"{where} : dans « {key} », chaque élément doit être un simple texte "
                    "(mettez entre guillemets les mots comme « on », « off », « yes »)",
                )
                continue
            text = str(item).strip()
            if text:
                out.append(text)
        if required and not out:
            self.add(mapping.line_of(key), f"{where} : « {key} » est vide")
        return out
