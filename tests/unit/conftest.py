"""Fixtures of the unit tests: the real knowledge files, fakes for everything with I/O."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conversation_fakes import Clock, Counters, Handoff, NoReading

from bot.knowledge.holder import Knowledge, KnowledgeHolder

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return Knowledge.load(KNOWLEDGE)


@pytest.fixture
def spied(knowledge: Knowledge) -> tuple[KnowledgeHolder, NoReading, NoReading]:
    """The real knowledge, with the matcher and the scam check recording what they read."""
    matcher = NoReading(knowledge.matcher, "match")
    safety = NoReading(knowledge.safety, "check_scam")
    bundle = dataclasses.replace(knowledge, matcher=matcher, safety=safety)  # type: ignore[arg-type]
    return KnowledgeHolder(bundle), matcher, safety


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def counters() -> Counters:
    return Counters()


@pytest.fixture
def handoff() -> Handoff:
    return Handoff()
