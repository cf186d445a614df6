"""The places of the territory where a person can get help: ``knowledge/lieux.yaml``.

A coordinator lists the France Services, CCAS, espaces publics numériques, associations and
permanences of their territory (``lieux.example.yaml`` documents the file). The file is
optional: without it the bot keeps pointing to the national finders. With it, a person who
says where they live gets up to three places that serve their commune and help with their
question, each with when it is open (:func:`answer_for`, :func:`render_place`).

Every mistake is reported as ``file:line: what is wrong, how to fix it`` and loading fails as
a whole, like the other knowledge files. Opening hours use the staff file's syntax
(:func:`bot.knowledge.staff.read_hours`).

The commune a person gives is used for one answer and then forgotten: nothing here stores
or logs it (``docs/donnees.md``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.knowledge.communes import Commune, Communes, default_communes
from bot.knowledge.kb import ID_SHAPE, MAX_ID_LENGTH, KnowledgeBase
from bot.knowledge.staff import DEFAULT_TIMEZONE, OpeningHours, french_time, read_hours
from bot.knowledge.yamlfile import KnowledgeError, LineDict, Problem, display_path, load_yaml

PLACES_FILE = "lieux.yaml"
# At most this many places in one answer: more does not fit on a phone, nor in a head.
MAX_PLACES = 3
_TOP_KEYS = ("timezone", "places")
_PLACE_KEYS = (
    "id", "name", "kind", "what", "helps_with", "address", "phone", "email", "link",
    "hours", "closed", "accessibility", "serves",
)  # fmt: skip
_REQUIRED = ("id", "name", "kind", "address", "serves")
_SERVES_KEYS = ("communes", "epci", "departements")
# 10 digits starting with 0 (01 to 09), or +33 and 9 digits; spaces, dots and dashes allowed.
_LONG_PHONE = re.compile(r"^(?:0|\+33\s?(?:\(0\))?)([1-9](?:[\s.-]?\d){8})$")
# Short numbers: emergency and social numbers (15, 17, 18, 112, 114, 115, 119…) and the
# 4-digit services numbers starting with 3 (3919, 3114, 3949…).
_SHORT_PHONE = re.compile(r"^(?:1[0-9]{1,2}|3\d{3})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)


class Kind(StrEnum):
    """What kind of place it is; the label tells a person what to expect there."""

    FRANCE_SERVICES = "france-services"
    CCAS = "ccas"
    EPN = "epn"
    CONSEILLER_NUMERIQUE = "conseiller-numerique"
    MEDIATHEQUE = "mediatheque"
    MAIRIE = "mairie"
    ASSOCIATION = "association"
    PERMANENCE = "permanence"
    AUTRE = "autre"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    Kind.FRANCE_SERVICES: "France Services : de l'aide pour vos démarches, gratuite",
    Kind.CCAS: "CCAS : le service social de la mairie",
    Kind.EPN: "Espace public numérique : des ordinateurs et de l'aide",
    Kind.CONSEILLER_NUMERIQUE: "Conseiller numérique : aide pour l'ordinateur et le téléphone",
    Kind.MEDIATHEQUE: "Médiathèque : des ordinateurs et de l'aide",
    Kind.MAIRIE: "Mairie",
    Kind.ASSOCIATION: "Association",
    Kind.PERMANENCE: "Permanence : une personne vous reçoit",
    Kind.AUTRE: "Lieu d'aide",
}


@dataclass(frozen=True)
class Territory:
    """Which communes a place serves: some communes, some EPCI, some départements."""

    communes: frozenset[str] = frozenset()
    epcis: frozenset[str] = frozenset()
    departements: frozenset[str] = frozenset()

    def nearness(self, commune: Commune) -> int | None:
        """0 when the commune is listed, 1 through its EPCI, 2 its département, else None."""
        if commune.code in self.communes:
            return 0
        if commune.epci and commune.epci in self.epcis:
            return 1
        if commune.departement in self.departements:
            return 2
        return None


@dataclass(frozen=True)
class Place:
    """One place where a person can go. Fictitious examples in ``lieux.example.yaml``."""

    id: str
    name: str
    kind: Kind
    address: str
    territory: Territory
    hours: OpeningHours
    what: str = ""
    helps_with: frozenset[str] = frozenset()  # theme and entry ids; empty: everything
    phone: str = ""  # as shown, « 01 99 00 00 01 »
    phone_number: str = ""  # as dialled, « +33199000001 » or « 3919 »: tap to call
    email: str = ""
    link: str = ""
    accessibility: str = ""
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class PlaceMatch:
    """A place for one person's question, with when it is open, in French."""

    place: Place
    opening: str  # « ouvert maintenant, jusqu'à 17 h » / « fermé, ouvre lundi à 9 h »
    open_now: bool


@dataclass(frozen=True)
class Places:
    """All places of ``lieux.yaml``, checked, and the base's entry → theme map."""

    places: tuple[Place, ...]
    themes_of_entries: dict[str, str] = field(default_factory=dict, repr=False)

    def get(self, place_id: str) -> Place | None:
        return next((p for p in self.places if p.id == place_id), None)

    def places_for(
        self, commune: Commune, topic: str | None, now: dt.datetime, limit: int = MAX_PLACES
    ) -> list[PlaceMatch]:
        """Up to ``limit`` places that serve ``commune`` and help with ``topic``, best first.

        ``topic`` is an entry id, a theme id, or None (any help). Best first: the place made
        for that entry, then for its theme, then general help; among those the nearest (the
        commune listed, then its EPCI, then the département), then open now, then the one
        that opens soonest.
        """
        ranked: list[tuple[tuple[int, int, int, dt.datetime, str], PlaceMatch]] = []
        far_future = now + dt.timedelta(days=400)
        for place in self.places:
            nearness = place.territory.nearness(commune)
            fit = self._fit(place, topic)
            if nearness is None or fit is None:
                continue
            open_now = place.hours.is_open(now)
            next_open = now if open_now else place.hours.next_opening(now) or far_future
            match = PlaceMatch(place, opening_status(place.hours, now), open_now)
            ranked.append(((fit, nearness, not open_now, next_open, place.name), match))
        ranked.sort(key=lambda r: r[0])
        return [match for _key, match in ranked[:limit]]

    def _fit(self, place: Place, topic: str | None) -> int | None:
        """0 made for this entry, 1 for its theme, 2 general help; None: not for this."""
        if not place.helps_with:
            return 2
        if topic is None:
            return 2
        if topic in place.helps_with:
            return 0 if topic in self.themes_of_entries else 1
        theme = self.themes_of_entries.get(topic)
        return 1 if theme and theme in place.helps_with else None


# --- opening status and rendering -----------------------------------------------------


def opening_status(hours: OpeningHours, now: dt.datetime) -> str:
    """« ouvert maintenant, jusqu'à 17 h », « fermé, ouvre lundi à 9 h », or what to do."""
    end = hours.current_opening_end(now)
    if end is not None:
        return f"ouvert maintenant, jusqu'à {french_time(end.astimezone(hours.tz).time())}"
    following = hours.describe_next_opening(now)
    if following is None:
        return "horaires non connus : appelez avant d'y aller"
    return f"fermé maintenant, ouvre {following}"


def render_place(place: Place, now: dt.datetime, *, phone_line: bool = True) -> str:
    """The place as a person reads it, in plain text (FALC): what, where, phone, when.

    Used for the person's answer and for ``/apercu lieu <id>`` in the staff group, so that
    coordinators see exactly what people see. The channel escapes and formats it.
    ``phone_line=False`` leaves the phone out, for a channel that shows it tap-to-call
    (``bot/app/nearby.py`` passes it as a :class:`~bot.domain.messages.Phone`).
    """
    lines = [f"📍 {place.name}", place.what or place.kind.label]
    lines.append(f"Adresse : {place.address}")
    if place.phone and phone_line:
        lines.append(f"☎️ {place.phone}")
    status = opening_status(place.hours, now)
    lines.append(f"🕘 {status[:1].upper()}{status[1:]}.")
    if place.accessibility:
        lines.append(f"♿ {place.accessibility}")
    if place.email:
        lines.append(f"✉️ {place.email}")
    if place.link:
        lines.append(f"🔗 {place.link}")
    return "\n".join(lines)


# --- what the conversation asks -------------------------------------------------------


@dataclass(frozen=True)
class PlacesAnswer:
    """What :func:`answer_for` found in one message. Nothing of it is stored or logged.

    - ``communes`` empty: no commune understood, ask « Dans quelle commune habitez-vous ? »
      (name or postcode);
    - several ``communes`` and no ``places``: offer them as buttons (``Commune.label``),
      then call :func:`answer_for` again with the chosen one's code;
    - one commune: ``places`` are the places for it (maybe none: give the national finders).
    """

    communes: tuple[Commune, ...] = ()
    places: tuple[PlaceMatch, ...] = ()

    @property
    def commune(self) -> Commune | None:
        """The commune understood, when there is exactly one."""
        return self.communes[0] if len(self.communes) == 1 else None


def answer_for(
    text: str,
    places: Places | None,
    now: dt.datetime,
    *,
    topic: str | None = None,
    communes: Communes | None = None,
) -> PlacesAnswer:
    """The communes ``text`` names and, when it names one, the places for ``topic`` there.

    ``text`` is the person's message, a commune's name or postcode, or a code INSEE from a
    button. ``places`` is None when there is no ``lieux.yaml``: the communes are still
    understood, and ``places`` stays empty (the national finders apply). Pure: no I/O
    after the communes are loaded once.
    """
    communes = communes or default_communes()
    chosen = communes.get(text) if _COMMUNE_CODE.match(text.strip()) else None
    found = [chosen] if chosen is not None else communes.find(text)
    if len(found) != 1:
        return PlacesAnswer(communes=tuple(found))
    matches = places.places_for(found[0], topic, now) if places is not None else []
    return PlacesAnswer(communes=(found[0],), places=tuple(matches))


# --- loading --------------------------------------------------------------------------


def load_places(
    folder: Path, kb: KnowledgeBase, communes: Communes | None = None
) -> Places | None:
    """Read ``folder/lieux.yaml``; None when there is none; KnowledgeError on any mistake."""
    path = folder / PLACES_FILE
    if not path.exists():
        return None
    return read_places(path, kb, communes or default_communes())


def read_places(path: Path, kb: KnowledgeBase, communes: Communes) -> Places:
    """Read one places file (also ``lieux.example.yaml``); raise KnowledgeError on mistakes."""
    shown = display_path(path)
    data = load_yaml(path)
    problems: list[Problem] = []

    def error(line: int, message: str) -> None:
        problems.append(Problem(shown, line, message))

    if not isinstance(data, LineDict) or not isinstance(data.get("places"), list):
        raise KnowledgeError(
            [Problem(shown, 1, "le fichier doit contenir places: (voir lieux.example.yaml)")]
        )
    _unknown_keys(data, _TOP_KEYS, "le fichier", error)
    timezone = data.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(timezone, str):
        error(data.line_of("timezone"), "timezone doit être un nom comme Europe/Paris")
        timezone = DEFAULT_TIMEZONE
    topics = {t.id for t in kb.themes} | {e.id for e in kb.entries}
    places: list[Place] = []
    seen: dict[str, int] = {}
    for item in data["places"]:
        if not isinstance(item, LineDict):
            error(data.line_of("places"), "chaque lieu commence par « - id: … » (voir l'exemple)")
            continue
        place = _place(item, shown, timezone, topics, communes, error, problems)
        if place is None:
            continue
        if place.id in seen:
            error(
                item.line_of("id"),
                f"l'identifiant '{place.id}' existe déjà (ligne {seen[place.id]}) : "
                "choisissez-en un autre",
            )
            continue
        seen[place.id] = place.line
        places.append(place)
    if problems:
        raise KnowledgeError(problems)
    return Places(tuple(places), {e.id: e.theme for e in kb.entries})


def _place(
    item: LineDict,
    shown: str,
    timezone: str,
    topics: set[str],
    communes: Communes,
    error: Any,
    problems: list[Problem],
) -> Place | None:
    before = len(problems)
    _unknown_keys(item, _PLACE_KEYS, "un lieu", error)
    for key in _REQUIRED:
        if item.get(key) in (None, "", [], {}):
            error(item.line, f"{key}: manque dans ce lieu")
    place_id = _text(item.get("id"))
    if place_id and (not ID_SHAPE.match(place_id) or len(place_id) > MAX_ID_LENGTH):
        error(
            item.line_of("id"),
            f"identifiant '{place_id}' : des minuscules, chiffres et tirets, "
            f"{MAX_ID_LENGTH} signes au plus (par exemple france-services-ploermel)",
        )
    kind = _text(item.get("kind"))
    if kind and kind not in {k.value for k in Kind}:
        error(
            item.line_of("kind"),
            f"kind « {kind} » inconnu : écrivez " + ", ".join(k.value for k in Kind),
        )
    helps = item.get("helps_with") or []
    if isinstance(helps, str):
        helps = [helps]
    if not isinstance(helps, list):
        error(item.line_of("helps_with"), "helps_with: est une liste d'ids, par exemple [caf]")
        helps = []
    for topic in helps:
        if str(topic) not in topics:
            error(
                item.line_of("helps_with"),
                f"« {topic} » n'est ni un thème (themes.yaml) ni une fiche : "
                "vérifiez l'identifiant",
            )
    phone, number = _phone(item, error)
    email = _text(item.get("email"))
    if email and not _EMAIL.match(email):
        error(item.line_of("email"), f"e-mail « {email} » illisible : écrivez nom@domaine.fr")
    link = _text(item.get("link"))
    if link and (urlsplit(link).scheme != "https" or not urlsplit(link).hostname):
        error(
            item.line_of("link"),
            f"lien « {link} » : écrivez une adresse complète en https:// (site sécurisé)",
        )
    hours, hour_errors, _warnings = read_hours(item, shown, timezone=timezone, required=False)
    problems.extend(hour_errors)
    territory = _territory(item, communes, error)
    if len(problems) > before:
        return None
    return Place(
        id=place_id,
        name=_text(item.get("name")),
        kind=Kind(kind),
        address=_text(item.get("address")),
        territory=territory,
        hours=hours,
        what=_text(item.get("what")),
        helps_with=frozenset(str(t) for t in helps),
        phone=phone,
        phone_number=number,
        email=email,
        link=link,
        accessibility=_text(item.get("accessibility")),
        path=shown,
        line=item.line,
    )


def _phone(item: LineDict, error: Any) -> tuple[str, str]:
    """(as shown, as dialled), or ("", "") when absent or wrong."""
    raw = item.get("phone")
    if raw is None:
        return "", ""
    if isinstance(raw, int):
        error(item.line_of("phone"), 'mettez le numéro entre guillemets : phone: "01 99 00 00 01"')
        return "", ""
    text = _text(raw)
    compact = re.sub(r"[\s.-]", "", text)
    if _SHORT_PHONE.match(compact):
        return compact, compact
    match = _LONG_PHONE.match(text)
    if not match:
        error(
            item.line_of("phone"),
            f"« {text} » n'est pas un numéro français : 10 chiffres qui commencent par 0 "
            '(par exemple "02 99 00 00 00") ou un numéro court (3919)',
        )
        return "", ""
    digits = "0" + re.sub(r"\D", "", match.group(1))
    shown = " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return shown, "+33" + digits[1:]


def _territory(item: LineDict, communes: Communes, error: Any) -> Territory:
    serves = item.get("serves")
    line = item.line_of("serves")
    if serves is None:
        return Territory()
    if not isinstance(serves, LineDict):
        error(line, "serves: liste communes:, epci: ou departements: (voir l'exemple)")
        return Territory()
    _unknown_keys(serves, _SERVES_KEYS, "serves:", error)
    codes: set[str] = set()
    for value in _as_list(serves.get("communes")):
        text = str(value).strip()
        key_line = serves.line_of("communes")
        if isinstance(value, int) and len(text) != 5:  # 01033 without quotes is octal 539
            error(key_line, f'mettez les codes commune entre guillemets : "0…" (lu : {text})')
            continue
        if _COMMUNE_CODE.match(text):
            if communes.get(text) is None:
                error(key_line, f"code commune « {text} » inconnu : vérifiez le code INSEE")
            else:
                codes.add(text.upper())
            continue
        named = communes.named(text)
        if len(named) == 1:
            codes.add(named[0].code)
        elif named:
            choices = ", ".join(f"{c.code} pour {c.label}" for c in named[:6])
            error(
                key_line,
                f"plusieurs communes s'appellent « {text} » : écrivez le code ({choices})",
            )
        else:
            guesses = ", ".join(f"{c.label} ({c.code})" for c in communes.find(text)[:3])
            hint = f" : vouliez-vous dire {guesses} ?" if guesses else " : vérifiez l'orthographe"
            error(key_line, f"commune « {text} » inconnue{hint}")
    epcis: set[str] = set()
    for value in _as_list(serves.get("epci")):
        text = str(value).strip()
        if text in communes.epcis:
            epcis.add(text)
        else:
            error(
                serves.line_of("epci"),
                f"code EPCI « {text} » inconnu : c'est le numéro SIREN de "
                "l'intercommunalité, 9 chiffres",
            )
    departements: set[str] = set()
    for value in _as_list(serves.get("departements")):
        text = str(value).strip().upper().zfill(2)
        if text in communes.departements:
            departements.add(text)
        else:
            error(
                serves.line_of("departements"),
                f"département « {value} » inconnu : écrivez son numéro entre guillemets, "
                'par exemple "56" ou "2A"',
            )
    if not (codes or epcis or departements):
        error(
            line,
            "ce lieu ne sert personne : donnez des communes, un EPCI ou un département "
            "dans serves:",
        )
    return Territory(frozenset(codes), frozenset(epcis), frozenset(departements))


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _unknown_keys(mapping: LineDict, known: tuple[str, ...], where: str, error: Any) -> None:
    for key in mapping:
        if key not in known:
            error(
                mapping.line_of(key),
                f"clé « {key} » inconnue dans {where} : les clés possibles sont "
                + ", ".join(known),
            )
