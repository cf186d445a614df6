"""What the engine knows right now, and how it is swapped safely on reload.

A :class:`Knowledge` bundles the knowledge base with what is built from it (matcher, safety
rules, intent model, places). :class:`KnowledgeHolder` keeps the current one; the live reload
(:mod:`bot.app.reload`) builds a complete new bundle first and swaps it in only if everything
loaded and passed the safety regression gate, so a coordinator's bad edit never takes the bot
down.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.intent_model import IntentModel, intent_model
from bot.knowledge.kb import KnowledgeBase, load_knowledge
from bot.knowledge.matching import Matcher
from bot.knowledge.places import Places, load_places
from bot.knowledge.scope_model import ScopeModel, scope_model
from bot.knowledge.yamlfile import KnowledgeError, Problem
from bot.safety import SafetyRules, load_safety


@dataclass(frozen=True)
class Knowledge:
    kb: KnowledgeBase
    matcher: Matcher
    safety: SafetyRules
    # The places of the territory (knowledge/lieux.yaml); None: the national finders only.
    places: Places | None = None
    # Requests for a person (and the like) learned from knowledge/exemples-intentions.yaml.
    intents: IntentModel | None = None
    # What is for no theme at all, learned from knowledge/exemples-hors-sujet.yaml.
    scope: ScopeModel | None = None

    @classmethod
    def load(cls, folder: Path) -> Knowledge:
        """Load and build everything; raise KnowledgeError listing every problem."""
        problems: list[Problem] = []
        kb = safety = None
        try:
            kb = load_knowledge(folder)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
        try:
            safety = load_safety(folder)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
        places = intents = scope = None
        if kb is not None:
            try:
                places = load_places(folder, kb)
            except KnowledgeError as exc:
                problems.extend(exc.problems)
            try:
                phrasings = [(e.id, (e.title, *e.questions)) for e in kb.entries]
                intents = intent_model(folder, phrasings, kb.lexicon)
                themed = [(e.theme, q) for e in kb.entries for q in e.questions]
                scope = scope_model(folder, themed, kb.lexicon)
            except KnowledgeError as exc:
                problems.extend(exc.problems)
        if problems or kb is None or safety is None:
            raise KnowledgeError(problems)
        return cls(
            kb=kb, matcher=Matcher(kb), safety=safety, places=places, intents=intents, scope=scope
        )


class KnowledgeHolder:
    """The current knowledge, replaced only by a complete, valid one."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.current = knowledge

    @classmethod
    def from_folder(cls, folder: Path) -> KnowledgeHolder:
        return cls(Knowledge.load(folder))
