"""Live reload of the knowledge files: notice a change, check it, swap it in only if valid.

A coordinator saves a file; within a few seconds the bot sees new modification times,
waits for one more look to be sure the editor finished writing, then loads and checks
everything (``bot/knowledge/lint.py``) off the event loop. The new knowledge replaces the old one
only when nothing is an *error*; otherwise people keep the previous version and the staff
group is told what is wrong, with ``file:line``. Conversations are never dropped: sessions
live in the engine, and a button of a removed entry gets the usual "outdated" answer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.announcement import Announcement
from bot.knowledge.holder import Knowledge, KnowledgeHolder
from bot.knowledge.kb import Entry, KnowledgeBase
from bot.knowledge.lint import ERROR, LintOptions, load_and_check, sort_problems
from bot.knowledge.yamlfile import Problem
from bot.texts import coordination as t

log = logging.getLogger(__name__)

POLL_SECONDS = 5
"""How often the knowledge folder's modification times are read (a cheap ``stat`` each)."""

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(folder: Path) -> Fingerprint:
    """Name, modification time and size of every YAML file: changes when any file does."""
    found = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            info = path.stat()
        except OSError:  # removed between glob and stat: the next look sees it gone
            continue
        found.append((path.name, info.st_mtime_ns, info.st_size))
    return tuple(found)


@dataclass(frozen=True)
class Prepared:
    """A checked candidate: the knowledge if usable, every problem, the file's notice."""

    knowledge: Knowledge | None
    problems: tuple[Problem, ...]
    notice: Announcement | None = None
    notice_ok: bool = True

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)


def prepare(folder: Path, options: LintOptions) -> Prepared:
    """Load and check ``folder`` (pure but slow: run it in a thread)."""
    checked = load_and_check(folder, options)
    knowledge, notice, notice_ok = checked.knowledge, checked.announcement, checked.announcement_ok
    problems = checked.problems
    problems = sort_problems(problems)
    usable = knowledge if not any(p.severity == ERROR for p in problems) else None
    return Prepared(usable, tuple(problems), notice, notice_ok)


@dataclass(frozen=True)
class Changes:
    """Which entries a reload added, removed or changed (by id)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


def compare(old: KnowledgeBase, new: KnowledgeBase) -> Changes:
    before = {e.id: _content(e) for e in old.entries}
    after = {e.id: _content(e) for e in new.entries}
    return Changes(
        added=tuple(i for i in after if i not in before),
        removed=tuple(i for i in before if i not in after),
        changed=tuple(i for i in after if i in before and after[i] != before[i]),
    )


def _content(entry: Entry) -> tuple[object, ...]:
    """What a person sees or what leads to it; moving an entry in its file is no change."""
    return (
        entry.theme,
        entry.title,
        entry.questions,
        entry.keywords,
        entry.answer,
        entry.steps,
        entry.links,
        entry.phones,
        entry.escalate,
        entry.sources,
        entry.reviewed,
        entry.review_by,
    )


@dataclass(frozen=True)
class ReloadOutcome:
    """What a reload did, said to the staff group by :meth:`message`."""

    applied: bool
    problems: tuple[Problem, ...]
    entries: int = 0
    changes: Changes = field(default_factory=Changes)

    def message(self) -> str:
        if not self.applied:
            errors = [p for p in self.problems if p.severity == ERROR]
            return t.RELOAD_REFUSED.format(
                count=len(errors), problems=t.problem_list(errors), fix=t.RELOAD_HOW_TO_FIX
            )
        text = t.RELOAD_DONE.format(entries=self.entries)
        for label, ids in (
            (t.ADDED, self.changes.added),
            (t.CHANGED, self.changes.changed),
            (t.REMOVED, self.changes.removed),
        ):
            if ids:
                text += f"\n{label} : {', '.join(ids)}"
        if self.problems:
            text += "\n\n" + t.RELOAD_ADVICE.format(
                count=len(self.problems), problems=t.problem_list(list(self.problems))
            )
        return text


class KnowledgeWatcher:
    """Watches one knowledge folder and reloads the holder when its files change."""

    def __init__(
        self,
        holder: KnowledgeHolder,
        folder: Path,
        *,
        options: Callable[[], LintOptions],
        on_notice: Callable[[Announcement | None], None] | None = None,
    ) -> None:
        self.holder = holder
        self.folder = folder
        self._options = options
        self._on_notice = on_notice
        self._loaded = fingerprint(folder)
        self._seen = self._loaded
        self._lock = asyncio.Lock()

    def settled_change(self) -> bool:
        """True when the files differ from the loaded ones and did not move since last look.

        Editors write a file in several steps: waiting for two equal looks avoids reading a
        half-written file and telling the team about an error they did not make.
        """
        now = fingerprint(self.folder)
        stable = now == self._seen
        self._seen = now
        return stable and now != self._loaded

    async def poll(self) -> ReloadOutcome | None:
        """One look (the repeating job): a reload outcome when files changed, else None."""
        if not self.settled_change():
            return None
        return await self.reload()

    async def reload(self) -> ReloadOutcome:
        """Check the folder now and swap the knowledge in if it has no error."""
        async with self._lock:
            seen = fingerprint(self.folder)
            prepared = await asyncio.to_thread(prepare, self.folder, self._options())
            self._loaded = seen
            if prepared.notice_ok and self._on_notice is not None:
                self._on_notice(prepared.notice)
            if prepared.knowledge is None:
                log.warning(
                    "knowledge reload refused: %d error(s); keeping previous",
                    len(prepared.errors),
                )
                return ReloadOutcome(applied=False, problems=prepared.problems)
            old = self.holder.current.kb
            self.holder.current = prepared.knowledge
            log.info("knowledge reloaded: %d entries", len(prepared.knowledge.kb.entries))
            return ReloadOutcome(
                applied=True,
                problems=prepared.problems,
                entries=len(prepared.knowledge.kb.entries),
                changes=compare(old, prepared.knowledge.kb),
            )


def today_options(max_age_days: int, today: Callable[[], dt.date]) -> Callable[[], LintOptions]:
    """Lint options computed at each reload: "today" moves on while the bot runs."""
    return lambda: LintOptions(today=today(), max_age_days=max_age_days)
