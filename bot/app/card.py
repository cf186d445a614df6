"""The case card: the summary a helper reads, which the person previews before saying yes.

Pure functions. The card is built on the fly and sent, never stored: when it must be built
again (a deleted topic), only the stored non-text facts are there and the question is said
to be "non conservée".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.knowledge.kb import KnowledgeBase
from bot.knowledge.staff import Role, french_date, french_time
from bot.texts import handoff as t

# Telegram limits: a topic name is 1-128 characters, a message 4096. The question is cut well
# below so that the card always fits with its lists.
MAX_TOPIC_NAME = 128
MAX_QUESTION_CHARS = 1500


class Catalog(Protocol):
    """What the handoff needs to know about the knowledge base: titles, not answers."""

    def entry_title(self, entry_id: str) -> str | None: ...

    def theme_label(self, theme_id: str) -> str | None: ...


class NoCatalog:
    """No knowledge at hand (tests, terminal): ids are shown as they are."""

    def entry_title(self, entry_id: str) -> str | None:
        return None

    def theme_label(self, theme_id: str) -> str | None:
        return None


class KnowledgeCatalog:
    """Titles from the current knowledge base (``lambda: holder.current.kb``)."""

    def __init__(self, current: Callable[[], KnowledgeBase]) -> None:
        self._current = current

    def entry_title(self, entry_id: str) -> str | None:
        entry = self._current().entry(entry_id)
        return entry.title if entry else None

    def theme_label(self, theme_id: str) -> str | None:
        """A theme's label, or a group's (the person may choose « Papiers et droits »)."""
        kb = self._current()
        theme = kb.theme(theme_id)
        if theme is not None:
            return theme.label
        group = kb.group(theme_id)
        return group.label if group else None


@dataclass(frozen=True)
class CardFacts:
    """Everything the card says. ``question`` is None when it was not kept."""

    alias: str
    theme: str | None
    audience: Role
    urgent: bool
    since: dt.datetime
    shown_entries: tuple[str, ...] = ()
    not_helpful: tuple[str, ...] = ()
    question: str | None = field(default=None, repr=False)
    question_note: str = t.CARD_QUESTION_NOT_KEPT  # said when ``question`` is None


def theme_label(catalog: Catalog, theme: str | None) -> str:
    if not theme:
        return t.THEME_UNKNOWN
    return catalog.theme_label(theme) or theme


def topic_name(alias: str, label: str) -> str:
    """ "#A7F3 · CAF": never a name, a username or an id."""
    return f"{alias} · {label}"[:MAX_TOPIC_NAME]


def render_card(facts: CardFacts, catalog: Catalog, tz: ZoneInfo) -> str:
    """The card text, plain; the adapter escapes it."""
    label = theme_label(catalog, facts.theme)
    lines = [t.CARD_TITLE.format(alias=facts.alias, theme=label)]
    referent = facts.audience is Role.REFERENT
    lines.append(t.CARD_FOR_REFERENT if referent else t.CARD_FOR_PAIR_AIDANT)
    if facts.urgent:
        lines.append(t.CARD_URGENT)
    local = facts.since.astimezone(tz)
    lines.append(t.CARD_SINCE.format(since=f"{french_date(local.date())}, {french_time(local)}"))
    lines += ["", t.CARD_SHOWN, *_entry_lines(catalog, facts.shown_entries)]
    lines += [t.CARD_NOT_HELPFUL, *_entry_lines(catalog, facts.not_helpful)]
    lines += ["", t.CARD_QUESTION, _question(facts)]
    return "\n".join(lines)


def _entry_lines(catalog: Catalog, ids: tuple[str, ...]) -> list[str]:
    if not ids:
        return [t.CARD_NONE]
    return [f"• {catalog.entry_title(entry_id) or entry_id}" for entry_id in ids]


def _question(facts: CardFacts) -> str:
    if facts.question is None:
        return facts.question_note
    text = facts.question.strip()
    if not text:
        return t.CARD_NO_QUESTION
    if len(text) > MAX_QUESTION_CHARS:
        text = text[: MAX_QUESTION_CHARS - 1].rstrip() + "…"
    return f"« {text} »"


def waited(delta: dt.timedelta) -> str:
    """A waiting time in French: "moins d'une minute", "12 min", "1 h 05", "3 jours"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return t.WAITED_UNDER_A_MINUTE
    if minutes < 60:
        return t.WAITED_MINUTES.format(minutes=minutes)
    if minutes < 24 * 60:
        return t.WAITED_HOURS.format(hours=minutes // 60, minutes=minutes % 60)
    days = minutes // (24 * 60)
    return t.WAITED_ONE_DAY if days == 1 else t.WAITED_DAYS.format(days=days)
