"""The staff configuration: who helps, in which Telegram group, and when the team is open.

A coordinator edits one YAML file (``staff.example.yaml`` documents it; its path comes from
``RELAIS_STAFF_CONFIG``). Every mistake is reported as ``file:line: what is wrong, how to
fix it`` in French, all at once, and loading fails as a whole: a half-read team would route
people to nobody. Opening hours exist so that the bot can tell a person honestly when someone
will answer, and so that nobody on the team is woken up at night.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.knowledge.yamlfile import KnowledgeError, LineDict, Problem, display_path, load_yaml

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
DEFAULT_TIMEZONE = "Europe/Paris"
DEFAULT_REMIND_AFTER_MINUTES = 10
DEFAULT_WIDEN_AFTER_MINUTES = 30
MAX_NAME_LENGTH = 30
# How far ahead to look for the next opening: a year covers any holiday closure.
_SEARCH_DAYS = 370
_CLOSED_WORDS = frozenset({"", "ferme", "fermé", "fermée", "non", "-"})
_INTERVAL = re.compile(r"^\s*(\d{1,2})[:hH](\d{2})\s*-\s*(\d{1,2})[:hH](\d{2})\s*$")


class Role(StrEnum):
    """What a helper may do. A case's audience is one of the first two."""

    PAIR_AIDANT = "pair-aidant"
    REFERENT = "referent"
    COORDINATEUR = "coordinateur"

    @property
    def label(self) -> str:
        """How the role is said to a person: inclusive without a middle dot (« personne … »)."""
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.PAIR_AIDANT: "personne pair-aidante",
    Role.REFERENT: "personne référente",
    Role.COORDINATEUR: "personne coordinatrice",
}


# --- opening hours ----------------------------------------------------------------------


@dataclass(frozen=True)
class OpeningHours:
    """Weekly opening intervals in one timezone, minus closed dates.

    ``week[0]`` is Monday. Intervals are ``(start, end)`` local times, end excluded.
    """

    week: tuple[tuple[tuple[dt.time, dt.time], ...], ...] = ((),) * 7
    closed: frozenset[dt.date] = frozenset()
    timezone: str = DEFAULT_TIMEZONE

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _intervals_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The opening intervals of one local day, as aware UTC datetimes."""
        if day in self.closed:
            return []
        tz = self.tz
        return [
            (
                dt.datetime.combine(day, start, tzinfo=tz).astimezone(dt.UTC),
                dt.datetime.combine(day, end, tzinfo=tz).astimezone(dt.UTC),
            )
            for start, end in self.week[day.weekday()]
        ]

    def _interval_at(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
        local_day = now.astimezone(self.tz).date()
        for start, end in self._intervals_on(local_day):
            if start <= now < end:
                return start, end
        return None

    def is_open(self, now: dt.datetime) -> bool:
        """Is the team open at ``now`` (an aware datetime)?"""
        return self._interval_at(now) is not None

    def current_opening_end(self, now: dt.datetime) -> dt.datetime | None:
        """When the opening that contains ``now`` ends (UTC), or None when closed."""
        interval = self._interval_at(now)
        return interval[1] if interval else None

    def current_opening_start(self, now: dt.datetime) -> dt.datetime | None:
        """When the opening that contains ``now`` began (UTC), or None when closed."""
        interval = self._interval_at(now)
        return interval[0] if interval else None

    def next_opening(self, now: dt.datetime) -> dt.datetime | None:
        """The first opening that starts at or after ``now`` (UTC), or None if never."""
        local_day = now.astimezone(self.tz).date()
        for offset in range(_SEARCH_DAYS):
            for start, _end in self._intervals_on(local_day + dt.timedelta(days=offset)):
                if start >= now:
                    return start
        return None

    def describe_next_opening(self, now: dt.datetime) -> str | None:
        """The next opening in French, e.g. "lundi à 9 h", or None if there is none."""
        moment = self.next_opening(now)
        return None if moment is None else french_moment(moment, now, self.tz)


def french_time(moment: dt.time) -> str:
    """9:00 -> "9 h", 14:30 -> "14 h 30": the way times are written in French."""
    return f"{moment.hour} h" if moment.minute == 0 else f"{moment.hour} h {moment.minute:02d}"


def french_date(day: dt.date) -> str:
    """2026-01-05 -> "lundi 5 janvier"."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def french_moment(moment: dt.datetime, now: dt.datetime, tz: ZoneInfo) -> str:
    """A moment relative to now: "aujourd'hui à 14 h", "demain à 9 h", "lundi à 9 h"…"""
    local = moment.astimezone(tz)
    days = (local.date() - now.astimezone(tz).date()).days
    at = french_time(local.time())
    if days <= 0:
        return f"aujourd'hui à {at}"
    if days == 1:
        return f"demain à {at}"
    if days < 7:
        return f"{WEEKDAYS[local.weekday()]} à {at}"
    return f"le {french_date(local.date())} à {at}"


# --- staff ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Helper:
    """One person of the team. The Telegram id stays in memory, out of ``repr`` and logs."""

    telegram_id: int = field(repr=False)
    name: str
    role: Role

    @property
    def display(self) -> str:
        """What a person sees: "Sam, personne pair-aidante"."""
        return f"{self.name}, {self.role.label}"


@dataclass(frozen=True)
class StaffGroup:
    """A staff supergroup with forum topics; one topic per case."""

    chat_id: int
    roles: frozenset[Role]
    hours: OpeningHours
    name: str = ""
    territory: str | None = None


@dataclass(frozen=True)
class Delays:
    """How long a waiting case stays quiet before the group is reminded, then widened."""

    remind_after: dt.timedelta = dt.timedelta(minutes=DEFAULT_REMIND_AFTER_MINUTES)
    widen_after: dt.timedelta = dt.timedelta(minutes=DEFAULT_WIDEN_AFTER_MINUTES)


@dataclass(frozen=True)
class StaffConfig:
    """The whole team, checked. ``warnings`` are advice that does not block the start."""

    groups: tuple[StaffGroup, ...]
    helpers: tuple[Helper, ...]
    hours: OpeningHours
    delays: Delays = field(default_factory=Delays)
    warnings: tuple[Problem, ...] = ()

    def helper(self, telegram_id: int) -> Helper | None:
        return next((h for h in self.helpers if h.telegram_id == telegram_id), None)

    def group(self, chat_id: int) -> StaffGroup | None:
        return next((g for g in self.groups if g.chat_id == chat_id), None)

    def group_for(self, audience: Role, territory: str | None = None) -> StaffGroup:
        """The group where a case for ``audience`` goes (routing by role, then territory).

        A pair-aidant case goes to référents when no group serves pair-aidants.
        """
        serving = [g for g in self.groups if audience in g.roles]
        if not serving:
            serving = [g for g in self.groups if Role.REFERENT in g.roles] or list(self.groups)
        if territory:
            for group in serving:
                if group.territory and group.territory.casefold() == territory.casefold():
                    return group
        return serving[0]


# --- loading ----------------------------------------------------------------------------

_TOP_KEYS = ("timezone", "hours", "closed", "delays", "groups", "helpers")
_GROUP_KEYS = ("chat_id", "name", "roles", "territory", "hours", "closed")
_HELPER_KEYS = ("telegram_id", "name", "role")
_DELAY_KEYS = ("remind_after_minutes", "widen_after_minutes")
_ROLES_TEXT = "pair-aidant, referent ou coordinateur"


class _Problems:
    """Collects problems so a coordinator sees all of them at once."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, line: int, message: str) -> None:
        self.errors.append(Problem(self.path, line, message))

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(Problem(self.path, line, message, severity="attention"))

    def unknown_keys(self, mapping: LineDict, known: Iterable[str], where: str) -> None:
        allowed = tuple(known)
        for key in mapping:
            if key not in allowed:
                self.error(
                    mapping.line_of(key),
                    f"clé « {key} » inconnue dans {where} : les clés possibles sont "
                    + ", ".join(allowed),
                )


def read_hours(
    data: LineDict, shown: str, *, timezone: str = DEFAULT_TIMEZONE, required: bool = True
) -> tuple[OpeningHours, list[Problem], list[Problem]]:
    """``hours:`` and ``closed:`` of one mapping, in this file's syntax, with file:line problems.

    The places file (``bot/knowledge/places.py``) writes opening hours the same way, so a
    coordinator learns the syntax once. Returns the hours, the errors and the warnings.
    """
    found = _Problems(shown)
    hours = _hours(data, "hours", timezone, found, required=required)
    closed = _closed(data, found)
    return (
        OpeningHours(week=hours.week, closed=closed, timezone=timezone),
        found.errors,
        found.warnings,
    )


def load_staff(path: Path) -> StaffConfig:
    """Read and check the staff file; raise KnowledgeError listing every problem."""
    shown = display_path(path)
    data = _load(path, shown)
    found = _Problems(shown)
    if not isinstance(data, LineDict):
        raise KnowledgeError(
            [
                Problem(
                    shown,
                    1,
                    "le fichier doit contenir groups:, helpers: et hours: (voir "
                    "staff.example.yaml)",
                )
            ]
        )
    found.unknown_keys(data, _TOP_KEYS, "le fichier")
    timezone = _timezone(data, found)
    hours = _hours(data, "hours", timezone, found, required=True)
    closed = _closed(data, found)
    hours = OpeningHours(week=hours.week, closed=closed, timezone=timezone)
    groups = _groups(data, hours, found)
    helpers = _helpers(data, found)
    delays = _delays(data, found)
    if groups and not any(Role.REFERENT in g.roles for g in groups):
        found.error(
            data.line_of("groups"),
            "aucun groupe ne sert les référents : ajoutez referent aux roles d'un groupe "
            "(les situations de crise leur sont réservées)",
        )
    if helpers and not any(h.role is not Role.PAIR_AIDANT for h in helpers):
        found.warn(
            data.line_of("helpers"),
            "aucun référent ni coordinateur : les situations de crise n'auront personne",
        )
    if found.errors:
        raise KnowledgeError(found.errors)
    return StaffConfig(
        groups=tuple(groups),
        helpers=tuple(helpers),
        hours=hours,
        delays=delays,
        warnings=tuple(found.warnings),
    )


def _load(path: Path, shown: str) -> Any:
    """load_yaml, plus impossible dates: PyYAML raises a bare ValueError for 2026-13-01."""
    try:
        return load_yaml(path)
    except ValueError as exc:
        raise KnowledgeError(
            [Problem(shown, 1, f"une date est impossible ({exc}) : vérifiez les dates AAAA-MM-JJ")]
        ) from None


def _timezone(data: LineDict, found: _Problems) -> str:
    name = data.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(name, str):
        found.error(data.line_of("timezone"), "timezone doit être un nom comme Europe/Paris")
        return DEFAULT_TIMEZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        found.error(
            data.line_of("timezone"),
            f"fuseau horaire « {name} » inconnu : écrivez par exemple Europe/Paris",
        )
        return DEFAULT_TIMEZONE
    return name


def _hours(
    data: LineDict, key: str, timezone: str, found: _Problems, *, required: bool
) -> OpeningHours:
    raw = data.get(key)
    if raw is None:
        if required:
            found.error(
                data.line,
                f"{key}: manque : donnez les horaires d'ouverture, par exemple "
                'lundi: "09:00-12:00, 14:00-17:00"',
            )
        return OpeningHours(timezone=timezone)
    if not isinstance(raw, LineDict):
        found.error(data.line_of(key), f"{key}: doit lister les jours : lundi:, mardi:…")
        return OpeningHours(timezone=timezone)
    week: list[tuple[tuple[dt.time, dt.time], ...]] = [()] * 7
    for day, value in raw.items():
        line = raw.line_of(day)
        if day not in WEEKDAYS:
            found.error(
                line, f"jour « {day} » inconnu : écrivez lundi, mardi, … dimanche (en minuscules)"
            )
            continue
        week[WEEKDAYS.index(day)] = _day_intervals(value, day, line, found)
    if not any(week):
        found.warn(raw.line, "aucun jour d'ouverture : les personnes ne sauront pas quand revenir")
    return OpeningHours(week=tuple(week), timezone=timezone)


def _day_intervals(
    value: Any, day: str, line: int, found: _Problems
) -> tuple[tuple[dt.time, dt.time], ...]:
    if value is None or value is False:
        return ()
    if isinstance(value, int):
        found.error(
            line,
            f"{day} : mettez les horaires entre guillemets, "
            'par exemple "09:00-12:00, 14:00-17:00"',
        )
        return ()
    parts = value if isinstance(value, list) else str(value).split(",")
    if len(parts) == 1 and str(parts[0]).strip().lower() in _CLOSED_WORDS:
        return ()
    intervals: list[tuple[dt.time, dt.time]] = []
    for part in parts:
        match = _INTERVAL.match(str(part))
        start = end = None
        if match:
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60:
                start, end = dt.time(h1, m1), dt.time(h2, m2)
        if start is None or end is None:
            found.error(
                line,
                f"{day} : « {str(part).strip()} » n'est pas une plage horaire : "
                'écrivez par exemple "09:00-12:00" (heure:minutes-heure:minutes)',
            )
            continue
        if start >= end:
            found.error(
                line,
                f"{day} : la plage {str(part).strip()} finit avant de commencer "
                "(une plage ne peut pas passer minuit)",
            )
            continue
        intervals.append((start, end))
    intervals.sort()
    for (_s1, e1), (s2, _e2) in itertools.pairwise(intervals):
        if s2 < e1:
            found.error(line, f"{day} : deux plages horaires se chevauchent")
    return tuple(intervals)


def _closed(data: LineDict, found: _Problems) -> frozenset[dt.date]:
    raw = data.get("closed")
    if raw is None:
        return frozenset()
    line = data.line_of("closed")
    if not isinstance(raw, list):
        found.error(line, "closed: doit être une liste de dates, par exemple [2026-12-25]")
        return frozenset()
    days: set[dt.date] = set()
    for item in raw:
        if isinstance(item, LineDict) and set(item) == {"from", "to"}:
            first, last = _date(item["from"]), _date(item["to"])
            if first is None or last is None or last < first:
                found.error(
                    item.line,
                    "closed: une période s'écrit {from: 2026-12-24, to: "
                    "2027-01-02}, la fin après le début",
                )
                continue
            days.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
            continue
        day = _date(item)
        if day is None:
            found.error(
                line,
                f"closed: « {item} » n'est pas une date : écrivez AAAA-MM-JJ, "
                "par exemple 2026-12-25",
            )
            continue
        days.add(day)
    return frozenset(days)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _roles(raw: Any, line: int, found: _Problems) -> frozenset[Role]:
    values = raw if isinstance(raw, list) else [raw]
    roles: set[Role] = set()
    for value in values:
        try:
            roles.add(Role(str(value).strip()))
        except ValueError:
            found.error(line, f"rôle « {value} » inconnu : écrivez {_ROLES_TEXT}")
    return frozenset(roles)


def _groups(data: LineDict, hours: OpeningHours, found: _Problems) -> list[StaffGroup]:
    raw = data.get("groups")
    if not isinstance(raw, list) or not raw:
        found.error(
            data.line_of("groups"),
            "groups: manque : donnez au moins un groupe d'équipe (chat_id: et roles:)",
        )
        return []
    groups: list[StaffGroup] = []
    seen: set[int] = set()
    for item in raw:
        if not isinstance(item, LineDict):
            found.error(data.line_of("groups"), "chaque groupe s'écrit - chat_id: …, roles: […]")
            continue
        found.unknown_keys(item, _GROUP_KEYS, "un groupe")
        chat_id = item.get("chat_id")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int) or chat_id >= 0:
            found.error(
                item.line_of("chat_id"),
                "chat_id d'un groupe : un nombre négatif comme -1001234567890 (ajoutez le robot "
                "au groupe, il vous donnera ce nombre)",
            )
            continue
        if chat_id in seen:
            found.error(item.line_of("chat_id"), f"le groupe {chat_id} est déjà listé plus haut")
            continue
        seen.add(chat_id)
        if "roles" not in item:
            found.error(
                item.line,
                f"roles: manque pour le groupe {chat_id} : écrivez "
                "par exemple roles: [pair-aidant]",
            )
            continue
        roles = _roles(item["roles"], item.line_of("roles"), found)
        group_hours = hours
        if "hours" in item:
            own = _hours(item, "hours", hours.timezone, found, required=False)
            group_hours = OpeningHours(
                own.week, hours.closed | _closed(item, found), hours.timezone
            )
        elif "closed" in item:
            group_hours = OpeningHours(
                hours.week, hours.closed | _closed(item, found), hours.timezone
            )
        territory = item.get("territory")
        groups.append(
            StaffGroup(
                chat_id=chat_id,
                roles=roles,
                hours=group_hours,
                name=str(item.get("name") or ""),
                territory=str(territory) if territory else None,
            )
        )
    return groups


def _helpers(data: LineDict, found: _Problems) -> list[Helper]:
    raw = data.get("helpers")
    if not isinstance(raw, list) or not raw:
        found.error(
            data.line_of("helpers"),
            "helpers: manque : listez les aidants (telegram_id:, name:, role:)",
        )
        return []
    helpers: list[Helper] = []
    seen: set[int] = set()
    for item in raw:
        if not isinstance(item, LineDict):
            found.error(
                data.line_of("helpers"), "chaque aidant s'écrit - telegram_id: …, name: …, role: …"
            )
            continue
        found.unknown_keys(item, _HELPER_KEYS, "un aidant")
        telegram_id = item.get("telegram_id")
        if isinstance(telegram_id, bool) or not isinstance(telegram_id, int) or telegram_id <= 0:
            found.error(
                item.line_of("telegram_id"),
                "telegram_id : le numéro Telegram de "
                "l'aidant (un nombre positif ; il peut le demander à @userinfobot)",
            )
            continue
        if telegram_id in seen:
            found.error(item.line_of("telegram_id"), "cet aidant est déjà listé plus haut")
            continue
        seen.add(telegram_id)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME_LENGTH:
            found.error(
                item.line_of("name"),
                "name : le prénom montré aux personnes "
                f"(par exemple Sam), {MAX_NAME_LENGTH} signes au plus",
            )
            continue
        try:
            role = Role(str(item.get("role", "")).strip())
        except ValueError:
            found.error(
                item.line_of("role"),
                f"rôle « {item.get('role')} » inconnu : écrivez {_ROLES_TEXT}",
            )
            continue
        helpers.append(Helper(telegram_id=telegram_id, name=name.strip(), role=role))
    return helpers


def _delays(data: LineDict, found: _Problems) -> Delays:
    raw = data.get("delays")
    if raw is None:
        return Delays()
    if not isinstance(raw, LineDict):
        found.error(
            data.line_of("delays"),
            "delays: doit contenir remind_after_minutes: et widen_after_minutes:",
        )
        return Delays()
    found.unknown_keys(raw, _DELAY_KEYS, "delays")
    values: dict[str, int] = {}
    for key, default in zip(
        _DELAY_KEYS, (DEFAULT_REMIND_AFTER_MINUTES, DEFAULT_WIDEN_AFTER_MINUTES), strict=True
    ):
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24 * 60:
            found.error(raw.line_of(key), f"{key} : un nombre de minutes entre 1 et 1440")
            value = default
        values[key] = value
    remind, widen = values["remind_after_minutes"], values["widen_after_minutes"]
    if widen <= remind:
        found.error(
            raw.line_of("widen_after_minutes"),
            "widen_after_minutes doit être plus "
            "grand que remind_after_minutes (on relance d'abord, on élargit ensuite)",
        )
    return Delays(dt.timedelta(minutes=remind), dt.timedelta(minutes=widen))


# --- the pair-aidant charter ------------------------------------------------------------


@dataclass(frozen=True)
class Charter:
    """The charter a pair-aidant accepts before a first case. A new version asks again."""

    version: str
    title: str
    text: str


def load_charter(path: Path) -> Charter:
    """Read ``knowledge/charte.yaml``; raise KnowledgeError with file:line on mistakes."""
    shown = display_path(path)
    data = _load(path, shown)
    if not isinstance(data, LineDict):
        raise KnowledgeError(
            [Problem(shown, 1, "la charte doit avoir version:, title: et sections:")]
        )
    problems: list[Problem] = []
    version = data.get("version")
    if isinstance(version, dt.date):
        version = version.isoformat()
    if not isinstance(version, str) or not version.strip():
        problems.append(
            Problem(
                shown,
                data.line_of("version"),
                "version: manque : mettez la date du texte (changez-la quand le texte change)",
            )
        )
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(shown, data.line_of("title"), "title: manque"))
    sections = data.get("sections")
    lines: list[str] = []
    if not isinstance(sections, list) or not sections:
        problems.append(
            Problem(
                shown,
                data.line_of("sections"),
                "sections: manque : une liste de - title: … text: …",
            )
        )
    else:
        for number, section in enumerate(sections, start=1):
            if (
                not isinstance(section, LineDict)
                or not isinstance(section.get("title"), str)
                or not isinstance(section.get("text"), str)
            ):
                line = section.line if isinstance(section, LineDict) else data.line_of("sections")
                problems.append(Problem(shown, line, "une section s'écrit - title: … text: …"))
                continue
            lines.append(f"{number}. {section['title'].strip()}\n{section['text'].strip()}")
    if problems:
        raise KnowledgeError(problems)
    assert isinstance(title, str) and isinstance(version, str)
    return Charter(
        version=version.strip(),
        title=title.strip(),
        text=f"{title.strip()}\n\n" + "\n\n".join(lines),
    )
