"""What people ask that the bot cannot answer: kept (only if the team chose to), then grouped.

Off by default (``RELAIS_MANQUES=1`` turns it on). A question that ends in the fallback
answer is kept so that coordinators can write the missing entries, and nothing else:

- the sensitive-data guard masks it first (passwords, codes, card, IBAN, NIR…), then e-mail
  addresses, links and every number of 5 digits or more (phone, file numbers) are masked;
- no person: no pseudonymous key, no chat id; the day only, no time; identical questions of
  a day are merged into one row with a count, so not even their order is kept;
- 30 days at most: a daily job (and every start) erases older days.

``python -m bot manques`` groups similar questions (rapidfuzz) and prints them with counts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.app.ports import MissedStore
from bot.knowledge.matching import content_words
from bot.knowledge.normalize import fold
from bot.safety import find_sensitive, mask_sensitive
from bot.texts import coordination as t

RETENTION_DAYS = 30
MAX_QUESTION_CHARS = 300
# Two questions are "the same question" from this similarity on (0-100), see group_missed.
GROUP_THRESHOLD = 76
MASK = "•••"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"\d(?:[\s.\-]?\d){4,}")


def scrub(text: str) -> str:
    """The question as it may be kept: secrets, addresses and long numbers masked."""
    findings = find_sensitive(text)
    masked = mask_sensitive(text, findings) if findings else text
    masked = _EMAIL.sub(MASK, masked)
    masked = _LINK.sub(MASK, masked)
    masked = _LONG_NUMBER.sub(MASK, masked)
    masked = " ".join(masked.split())
    if len(masked) > MAX_QUESTION_CHARS:
        masked = masked[: MAX_QUESTION_CHARS - 1].rstrip() + "…"
    return masked


def oldest_kept_day(today: dt.date, days: int = RETENTION_DAYS) -> dt.date:
    """The first day still kept: ``days`` days counting today."""
    return today - dt.timedelta(days=days - 1)


class MissedQuestions:
    """Keeps and erases missed questions; used only when the configuration says so."""

    def __init__(self, store: MissedStore) -> None:
        self._store = store

    async def keep(self, text: str, today: dt.date) -> None:
        question = scrub(text)
        if question:
            await self._store.keep(today.isoformat(), question)

    async def purge(self, today: dt.date) -> int:
        """Erase the days older than the retention period; returns the rows erased."""
        return await self._store.purge(oldest_kept_day(today).isoformat())


@dataclass
class MissedGroup:
    """Similar questions: the most asked wording first, then the others with their counts."""

    wording: str
    total: int = 0
    variants: list[tuple[str, int]] = field(default_factory=list)


def group_missed(
    rows: list[tuple[str, str, int]], threshold: int = GROUP_THRESHOLD
) -> list[MissedGroup]:
    """Group ``(day, question, times)`` rows by similarity, most asked groups first.

    Questions are compared on their meaningful words (folded, without "comment", "je",
    "la"…), with rapidfuzz's ``token_set_ratio`` (one question's words within the other's)
    blended with ``token_sort_ratio`` (the same words overall): "logement social demande"
    joins "comment avoir un logement social", "mot de passe ameli" stays apart from
    "mot de passe impots".
    """
    counts: Counter[str] = Counter()
    wordings: dict[str, Counter[str]] = {}
    for _day, question, times in rows:
        key = _key(question)
        if not key:
            continue
        counts[key] += times
        wordings.setdefault(key, Counter())[question] += times
    groups: list[MissedGroup] = []
    heads: list[str] = []
    for key, times in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        wording = wordings[key].most_common(1)[0][0]
        best, best_score = None, 0.0
        for index, head in enumerate(heads):
            score = (fuzz.token_set_ratio(key, head) + fuzz.token_sort_ratio(key, head)) / 2
            if score >= threshold and score > best_score:
                best, best_score = index, score
        if best is None:
            groups.append(MissedGroup(wording=wording, total=times))
            heads.append(key)
            continue
        groups[best].total += times
        groups[best].variants.append((wording, times))
    groups.sort(key=lambda g: (-g.total, fold(g.wording)))
    return groups


def _key(question: str) -> str:
    folded = fold(question)
    return " ".join(content_words(folded)) or folded


def format_groups(groups: list[MissedGroup], since: dt.date, until: dt.date) -> str:
    """The groups as a coordinator reads them in the terminal."""
    total = sum(g.total for g in groups)
    head = t.MISSED_TITLE.format(since=since, until=until)
    if not groups:
        return f"{head} : {t.MISSED_NONE}"
    lines = [f"{head} : " + t.MISSED_COUNTS.format(total=total, groups=len(groups)), ""]
    width = len(str(groups[0].total))
    for group in groups:
        lines.append(f"{group.total:>{width}} × {group.wording}")
        for wording, times in group.variants[:5]:
            lines.append(
                f"{'':>{width}}     " + t.MISSED_ALSO.format(wording=wording, times=times)
            )
        if len(group.variants) > 5:
            more = t.MISSED_MORE.format(n=len(group.variants) - 5)
            lines.append(f"{'':>{width}}     {more}")
    lines += ["", t.MISSED_ADVICE]
    return "\n".join(lines)
