"""Where in a knowledge file a piece of an entry is written, for ``file:line`` messages.

The loader keeps the line of each entry and of each of its keys, not of each sentence or
list item. A coordinator needs the exact line, so this module rereads the file and looks
for the words from the key's line onwards, inside the entry.
"""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.jargon import plain
from bot.knowledge.kb import Entry, KnowledgeBase
from bot.knowledge.yamlfile import KnowledgeError, LineDict, load_yaml


class Places:
    """Line numbers of the pieces of each entry of one knowledge base (files read once)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._folder = kb.folder
        self._lines: dict[str, list[str]] = {}
        self._items: dict[str, dict[str, LineDict]] = {}
        ends: dict[str, int] = {}
        # An entry ends where the next entry of the same file starts.
        self._end: dict[str, int] = {}
        for entry in sorted(kb.entries, key=lambda e: (e.path, -e.line)):
            self._end[entry.id] = ends.get(entry.path, 10**9)
            ends[entry.path] = entry.line

    def line(self, entry: Entry, key: str, snippet: str = "") -> int:
        """The line of ``snippet`` in ``key`` of ``entry``; the key's line if not found."""
        item = self._item(entry)
        start = item.line_of(key) if item is not None else entry.line
        if not snippet:
            return start
        lines = self._file(entry)
        end = min(self._end.get(entry.id, len(lines) + 1), len(lines) + 1)
        for candidate in _candidates(snippet):
            for number in range(start, end):
                if candidate in lines[number - 1]:
                    return number
        return start

    def _file(self, entry: Entry) -> list[str]:
        if entry.path not in self._lines:
            try:
                text = self._path(entry).read_text(encoding="utf-8")
            except OSError:
                text = ""
            self._lines[entry.path] = [plain(line) for line in text.splitlines()]
        return self._lines[entry.path]

    def _item(self, entry: Entry) -> LineDict | None:
        if entry.path not in self._items:
            try:
                data = load_yaml(self._path(entry))
            except KnowledgeError:
                data = None
            items = data if isinstance(data, list) else []
            self._items[entry.path] = {
                str(i.get("id")): i for i in items if isinstance(i, LineDict)
            }
        return self._items[entry.path].get(entry.id)

    def _path(self, entry: Entry) -> Path:
        return self._folder / Path(entry.path).name


def _candidates(snippet: str) -> list[str]:
    """The snippet as it may appear in the file: whole, its start, its first words."""
    text = plain(snippet).strip()
    words = text.split()
    out = [text[:60], " ".join(words[:4]), " ".join(words[:2])]
    return [c for c in dict.fromkeys(out) if c]
