"""In-memory fakes of what the conversation engine and the asking flow use: no Telegram, no SQLite.

Kept in tests/unit (not ``tests/fakes.py``): they fake only the few methods these two use cases
call today, the counter store and the handoff service. The fixtures are here too, imported by
the test modules (a second ``conftest.py`` would shadow ``tests/conftest.py`` on import).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bot.domain.effects import Action as CaseAction
from bot.domain.effects import CopyToCaseThread, NoCase, PostInCaseThread, SendToPerson
from bot.domain.messages import HandoffRequested
from bot.knowledge.holder import Knowledge, KnowledgeHolder


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counters:
    """The counter store, as a list of (name, key) in the order counted."""

    def __init__(self) -> None:
        self.counted: list[tuple[str, str]] = []

    async def count(self, name: str, key: str = "") -> None:
        self.counted.append((str(name), key))


class Handoff:
    """The handoff service: cases in a set, every call recorded, effects as plain values."""

    def __init__(self) -> None:
        self.open: set[str] = set()
        self.lookups = 0
        self.opened: list[tuple[HandoffRequested, int, bool]] = []
        self.relayed: list[tuple[str, int]] = []
        self.masked: list[tuple[str, str, bool]] = []
        self.urgent: list[str] = []

    async def has_open_case(self, person: str) -> bool:
        self.lookups += 1
        return person in self.open

    def build_preview(self, request: HandoffRequested, *, referent: bool = False) -> str:
        who = "référent" if referent else "pair-aidant"
        return f"CARTE thème={request.theme} pour={who} question={request.question!r}"

    def consent_notes(self, request: HandoffRequested, *, referent: bool = False) -> str:
        return "QUI LIRA"

    async def open_case(
        self, request: HandoffRequested, chat_id: int, *, referent: bool = False
    ) -> list[CaseAction]:
        self.open.add(request.user)
        self.opened.append((request, chat_id, referent))
        return [SendToPerson(1, chat_id, "ouvert")]

    async def person_message(self, person: str, message_id: int) -> list[CaseAction] | NoCase:
        if person not in self.open:
            return NoCase()
        self.relayed.append((person, message_id))
        return [CopyToCaseThread(1, 1, 42, message_id, -100, 7)]

    async def person_masked_message(
        self, person: str, masked: str, *, media: bool = False
    ) -> list[CaseAction] | NoCase:
        if person not in self.open:
            return NoCase()
        self.masked.append((person, masked, media))
        return [PostInCaseThread(1, -100, 7, masked)]

    async def mark_urgent(self, person: str) -> list[CaseAction]:
        self.urgent.append(person)
        return [PostInCaseThread(1, -100, 7, "urgent")]


class NoReading:
    """Stands for the matcher or the scam check where nothing may read the message."""

    def __init__(self, inner: Any, forbidden: str) -> None:
        self._inner = inner
        self._forbidden = forbidden
        self.read: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name == self._forbidden:

            def spy(text: str, *args: Any, **kwargs: Any) -> Any:
                self.read.append(text)
                return getattr(self._inner, name)(text, *args, **kwargs)

            return spy
        return getattr(self._inner, name)


KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(name="knowledge", scope="session")
def knowledge_fixture() -> Knowledge:
    return Knowledge.load(KNOWLEDGE)


@pytest.fixture(name="spied")
def spied_fixture(knowledge: Knowledge) -> tuple[KnowledgeHolder, NoReading, NoReading]:
    """The real knowledge, with the matcher and the scam check recording what they read."""
    matcher = NoReading(knowledge.matcher, "match")
    safety = NoReading(knowledge.safety, "check_scam")
    bundle = dataclasses.replace(knowledge, matcher=matcher, safety=safety)  # type: ignore[arg-type]
    return KnowledgeHolder(bundle), matcher, safety


@pytest.fixture(name="clock")
def clock_fixture() -> Clock:
    return Clock()


@pytest.fixture(name="counters")
def counters_fixture() -> Counters:
    return Counters()


@pytest.fixture(name="handoff")
def handoff_fixture() -> Handoff:
    return Handoff()
