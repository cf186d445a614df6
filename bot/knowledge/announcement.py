"""The team's notice as a value, and its file (annonce.yaml) and command parsing.

A short notice from the team ("service réduit jusqu'au lundi 3…"), shown once a day.

Coordinators set it with ``/annonce <date> <texte>`` in the staff group (kept in the
database, so a restart does not lose it) or in ``knowledge/annonce.yaml`` (reloaded with the
knowledge files). The command wins while it is active. A person sees it before the bot's
first reply of the day; who has seen it today is remembered in memory only, by pseudonymous
key, and forgotten at midnight or when the notice changes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.yamlfile import KnowledgeError, LineDict, Problem, display_path, load_yaml

ANNOUNCEMENT_FILE = "annonce.yaml"
MAX_TEXT_CHARS = 400
# How far ahead a notice may run: a forgotten notice must not stay for ever.
MAX_DAYS_AHEAD = 90
MAX_REMEMBERED = 100_000
STOP_WORDS = frozenset({"fin", "stop", "arret", "arrêt", "retirer", "effacer"})
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{4}))?$")


@dataclass(frozen=True)
class Announcement:
    """A notice and the last day it is shown (included)."""

    text: str
    until: dt.date
    source: str = "commande"  # "commande" (/annonce) or the file name

    def active(self, today: dt.date) -> bool:
        return today <= self.until


class AnnouncementError(ValueError):
    """A notice that cannot be used; the message tells the coordinator how to write it."""


def parse_date(text: str, today: dt.date) -> dt.date:
    """``2026-12-03``, ``03/12/2026`` or ``3/12`` (this year, or next year if past)."""
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = _FRENCH_DATE.match(text)
    if match is None:
        raise AnnouncementError(
            f"« {text} » n'est pas une date : écrivez par exemple 03/12/2026 ou 2026-12-03"
        )
    day, month, year = int(match[1]), int(match[2]), match[3]
    try:
        date = dt.date(int(year) if year else today.year, month, day)
    except ValueError:
        raise AnnouncementError(f"la date « {text} » n'existe pas") from None
    if not year and date < today:
        date = date.replace(year=today.year + 1)
    return date


def parse_command(arguments: str, today: dt.date) -> Announcement | None:
    """``/annonce <date> <texte>``; None for ``/annonce fin``. Raises AnnouncementError."""
    words = arguments.split(maxsplit=1)
    if not words:
        raise AnnouncementError(
            "écrivez /annonce, la date de fin, puis le texte. Par exemple :\n"
            "/annonce 03/12 Service réduit jusqu'au mercredi 3 : appelez le 01 23 45 67 89.\n"
            "Pour retirer l'annonce : /annonce fin"
        )
    if words[0].lower() in STOP_WORDS and len(words) == 1:
        return None
    until = parse_date(words[0], today)
    text = words[1].strip() if len(words) > 1 else ""
    return _checked(Announcement(text=text, until=until), today)


def _checked(announcement: Announcement, today: dt.date) -> Announcement:
    if not announcement.text:
        raise AnnouncementError("l'annonce est vide : écrivez le texte après la date")
    if len(announcement.text) > MAX_TEXT_CHARS:
        raise AnnouncementError(
            f"l'annonce fait {len(announcement.text)} signes : {MAX_TEXT_CHARS} au plus, "
            "elle doit rester courte"
        )
    if announcement.until < today:
        raise AnnouncementError(f"la date de fin {announcement.until:%d/%m/%Y} est déjà passée")
    if (announcement.until - today).days > MAX_DAYS_AHEAD:
        raise AnnouncementError(
            f"la date de fin est dans plus de {MAX_DAYS_AHEAD} jours : choisissez une date plus "
            "proche (vous pourrez la prolonger)"
        )
    return announcement


def load_announcement_file(folder: Path) -> Announcement | None:
    """Read ``annonce.yaml`` (absent or empty: no notice); KnowledgeError with file:line.

    The file's date is not checked against today: a notice whose date passed is simply no
    longer shown, it is not a mistake in the file.
    """
    path = folder / ANNOUNCEMENT_FILE
    if not path.exists():
        return None
    shown = display_path(path)
    data = load_yaml(path)
    if data is None:
        return None
    if not isinstance(data, LineDict):
        raise KnowledgeError(
            [Problem(shown, 1, "écrivez deux lignes : « text: … » et « until: 2026-12-03 »")]
        )
    problems = [
        Problem(shown, data.line_of(key), f"clé « {key} » inconnue : écrivez text: et until:")
        for key in data
        if key not in ("text", "until")
    ]
    text = str(data.get("text") or "").strip()
    until = data.get("until")
    if not text:
        problems.append(Problem(shown, data.line_of("text"), "text: manque : le texte à montrer"))
    elif len(text) > MAX_TEXT_CHARS:
        problems.append(
            Problem(
                shown,
                data.line_of("text"),
                f"l'annonce fait {len(text)} signes : {MAX_TEXT_CHARS} au plus",
            )
        )
    if isinstance(until, dt.datetime):
        until = until.date()
    if not isinstance(until, dt.date):
        problems.append(
            Problem(
                shown,
                data.line_of("until"),
                "until: le dernier jour où l'annonce est montrée, par exemple until: 2026-12-03",
            )
        )
    if problems:
        raise KnowledgeError(problems)
    assert isinstance(until, dt.date)
    return Announcement(text=text, until=until, source=ANNOUNCEMENT_FILE)
