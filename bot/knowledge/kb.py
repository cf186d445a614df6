"""Load and check the knowledge files into an immutable :class:`KnowledgeBase`.

Coordinators edit ``knowledge/*.yaml`` with a text editor. Every mistake is reported as
``file:line: what is wrong, how to fix it`` and loading fails as a whole: a running bot keeps
its previous knowledge base rather than serving half a file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.domain.messages import Link, Phone
from bot.knowledge.normalize import Lexicon, fold
from bot.knowledge.yamlfile import (
    KnowledgeError,
    LineDict,
    Problem,
    display_path,
    load_yaml,
    load_yaml_fast,
)

THEMES_FILE = "themes.yaml"
LEXICON_FILE = "lexique.yaml"
# Files of knowledge/ that are not lists of entries; other modules read them.
SPECIAL_FILES = frozenset(
    {
        THEMES_FILE,
        LEXICON_FILE,
        "crises.yaml",
        "domaines-officiels.yaml",
        "charte.yaml",
        "jargon.yaml",
        "annonce.yaml",
        "lieux.yaml",
        "exemples-crises.yaml",
        "exemples-intentions.yaml",
        "exemples-arnaques.yaml",
        "exemples-hors-sujet.yaml",
    }
)
ESCALATE_TO = ("pair-aidant", "referent")
ID_SHAPE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Entry ids travel in Telegram button data (64 bytes with a prefix): keep them short.
MAX_ID_LENGTH = 40
MAX_TITLE_LENGTH = 60
REQUIRED = ("id", "theme", "title", "questions", "keywords", "answer")
KNOWN_FIELDS = frozenset(
    {*REQUIRED, "steps", "links", "phone", "escalate", "sources", "reviewed", "review_by"}
)


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    emoji: str = ""
    description: str = ""
    # The names people type alone for this theme (« caf », « pole emploi », « impots »): a
    # message of only these words gets the theme's menu (see bot/knowledge/themes.py).
    words: tuple[str, ...] = ()
    # The button of the first menu screen this theme is under (« 🪪 Papiers et droits »). Themes
    # of one group share a second screen; a theme without a group has its own button.
    group: str = ""
    line: int = 0


@dataclass(frozen=True)
class ThemeGroup:
    """One button of the first menu screen: a few themes, or one theme alone.

    Phones show about eight buttons without scrolling, and there are more themes than that:
    the menu opens on groups (``group:`` in themes.yaml), then a group's themes.
    """

    id: str
    label: str
    themes: tuple[str, ...]


def group_id(label: str) -> str:
    """The id of a group, from its label: « 🪪 Papiers et droits » -> ``papiers-et-droits``."""
    return re.sub(r"[^a-z0-9]+", "-", fold(label)).strip("-")[:MAX_ID_LENGTH].strip("-")


def group_themes(themes: Iterable[Theme]) -> tuple[ThemeGroup, ...]:
    """The groups in the order of their first theme; a theme without a group stands alone."""
    order: list[str] = []
    labels: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for theme in themes:
        if theme.group and group_id(theme.group):
            key, label = group_id(theme.group), theme.group
        else:
            key, label = f"theme:{theme.id}", f"{theme.emoji} {theme.label}".strip()
        if key not in members:
            order.append(key)
            labels[key] = label
            members[key] = []
        members[key].append(theme.id)
    return tuple(
        ThemeGroup(key.removeprefix("theme:"), labels[key], tuple(members[key])) for key in order
    )


@dataclass(frozen=True)
class Entry:
    """One answer of the knowledge base, with the phrasings that should lead to it."""

    id: str
    theme: str
    title: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    steps: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    phones: tuple[Phone, ...] = ()
    escalate: str = "pair-aidant"
    sources: tuple[str, ...] = ()
    reviewed: dt.date | None = None
    review_by: dt.date | None = None
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the bot knows, loaded at once and never changed afterwards."""

    themes: tuple[Theme, ...]
    entries: tuple[Entry, ...]
    lexicon: Lexicon = field(default_factory=Lexicon)
    folder: Path = Path("knowledge")
    _by_id: Mapping[str, Entry] = field(init=False, repr=False, compare=False)
    _themes_by_id: Mapping[str, Theme] = field(init=False, repr=False, compare=False)
    groups: tuple[ThemeGroup, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({e.id: e for e in self.entries}))
        object.__setattr__(self, "_themes_by_id", MappingProxyType({t.id: t for t in self.themes}))
        object.__setattr__(self, "groups", group_themes(self.themes))

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def theme(self, theme_id: str) -> Theme | None:
        return self._themes_by_id.get(theme_id)

    def group(self, group_id: str) -> ThemeGroup | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def group_of(self, theme_id: str) -> ThemeGroup | None:
        return next((g for g in self.groups if theme_id in g.themes), None)

    def entries_of(self, theme_id: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.theme == theme_id)


class _Collector:
    """Gathers problems so a coordinator sees all of them at once, not one per try."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, message))


def questions_in(folder: Path) -> tuple[tuple[str, str, str], ...]:
    """(entry id, theme, phrasing) for every ``questions:`` phrasing of the entry files,
    read quickly and leniently.

    The learned models take them as everyday messages written for the base: by definition
    not crises, and (outside the « arnaques » theme) not scams. A file with mistakes gives
    what it can; ``load_knowledge`` reports the mistakes.
    """
    found: list[tuple[str, str, str]] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        if path.name in SPECIAL_FILES:
            continue
        try:
            data = load_yaml_fast(path)
        except KnowledgeError:
            continue
        for entry in data if isinstance(data, list) else ():
            if not isinstance(entry, dict):
                continue
            questions = entry.get("questions") or ()
            for question in questions if isinstance(questions, list) else ():
                if isinstance(question, str) and question.strip():
                    found.append((str(entry.get("id")), str(entry.get("theme")), question))
    return tuple(found)


def load_knowledge(folder: Path) -> KnowledgeBase:
    """Load every YAML file of ``folder``; raise KnowledgeError listing every problem."""
    if not folder.is_dir():
        raise KnowledgeError([Problem(str(folder), 1, "ce dossier n'existe pas")])
    found = _Collector()
    themes = _load_themes(folder / THEMES_FILE, found)
    lexicon = _load_lexicon(folder / LEXICON_FILE, found)
    theme_ids = {t.id for t in themes}
    entries: list[Entry] = []
    seen: dict[str, Entry] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in SPECIAL_FILES:
            continue
        for entry in _load_entry_file(path, theme_ids, found):
            if entry.id in seen:
                first = seen[entry.id]
                found.add(
                    entry.path,
                    entry.line,
                    f"l'identifiant '{entry.id}' existe déjà ({first.path}:{first.line}) : "
                    "choisissez un autre identifiant",
                )
                continue
            seen[entry.id] = entry
            entries.append(entry)
    if not entries and not found.problems:
        found.add(display_path(folder), 1, "aucune fiche trouvée : ajoutez un fichier .yaml")
    if found.problems:
        raise KnowledgeError(found.problems)
    return KnowledgeBase(
        themes=tuple(themes), entries=tuple(entries), lexicon=lexicon, folder=folder
    )


def _read(path: Path, found: _Collector) -> Any:
    try:
        return load_yaml(path)
    except KnowledgeError as exc:
        found.problems.extend(exc.problems)
        return None


def _load_themes(path: Path, found: _Collector) -> list[Theme]:
    shown = display_path(path)
    if not path.exists():
        found.add(shown, 1, "fichier des thèmes manquant : créez themes.yaml")
        return []
    data = _read(path, found)
    if data is None:
        return []
    if not isinstance(data, list):
        found.add(
            shown, 1, "ce fichier doit être une liste de thèmes (lignes qui commencent par -)"
        )
        return []
    themes: list[Theme] = []
    for item in data:
        if not isinstance(item, LineDict) or not _text(item.get("id")):
            line = item.line if isinstance(item, LineDict) else 1
            found.add(shown, line, "chaque thème a besoin d'un 'id' et d'un 'label'")
            continue
        themes.append(
            Theme(
                id=str(item["id"]),
                label=_text(item.get("label")) or str(item["id"]),
                emoji=_text(item.get("emoji")),
                description=_text(item.get("description")),
                words=tuple(str(w) for w in item.get("words") or () if str(w).strip()),
                group=_group(item, shown, found),
                line=item.line,
            )
        )
    return themes


def _group(item: LineDict, shown: str, found: _Collector) -> str:
    group = item.get("group")
    if group is None:
        return ""
    if not isinstance(group, str) or not group_id(group):
        found.add(
            shown,
            item.line_of("group") if "group" in item else item.line,
            "group: est le texte du bouton du premier écran, avec des lettres "
            "(par exemple « 🪪 Papiers et droits »)",
        )
        return ""
    return group.strip()


def _load_lexicon(path: Path, found: _Collector) -> Lexicon:
    """Read ``canonical: [variants]`` groups; a variant may lead to one canonical only."""
    if not path.exists():
        return Lexicon()
    shown = display_path(path)
    data = _read(path, found)
    if data is None:
        return Lexicon()
    if not isinstance(data, LineDict):
        found.add(shown, 1, "le lexique doit avoir des rubriques (sms:, synonymes:)")
        return Lexicon()
    replacements: dict[str, str] = {}
    origin: dict[str, int] = {}
    for section, groups in data.items():
        if not isinstance(groups, LineDict):
            found.add(
                shown,
                data.line_of(section),
                f"la rubrique '{section}' doit contenir "
                "des lignes « mot compris: [façons de l'écrire] »",
            )
            continue
        for canonical, variants in groups.items():
            line = groups.line_of(canonical)
            if not isinstance(variants, list):
                found.add(
                    shown,
                    line,
                    f"'{canonical}' : mettez les façons de l'écrire entre "
                    "crochets, séparées par des virgules",
                )
                continue
            target = fold(canonical)
            for variant in variants:
                key = fold(str(variant))
                if not key or key == target:
                    continue
                previous = replacements.get(key)
                if previous is not None and previous != target:
                    found.add(
                        shown,
                        line,
                        f"« {variant} » mène déjà à « {previous} » "
                        f"(ligne {origin[key]}) : gardez-le à un seul endroit",
                    )
                    continue
                replacements[key] = target
                origin[key] = line
    return Lexicon(replacements)


def _load_entry_file(path: Path, theme_ids: set[str], found: _Collector) -> Iterable[Entry]:
    shown = display_path(path)
    data = _read(path, found)
    if data is None:
        if not found.problems or found.problems[-1].path != shown:
            found.add(shown, 1, "fichier vide : ajoutez des fiches ou supprimez le fichier")
        return
    if not isinstance(data, list):
        found.add(
            shown,
            1,
            "ce fichier doit être une liste de fiches (chaque fiche commence par « - id: »)",
        )
        return
    for item in data:
        entry = _parse_entry(item, shown, theme_ids, found)
        if entry is not None:
            yield entry


def _parse_entry(item: Any, shown: str, theme_ids: set[str], found: _Collector) -> Entry | None:
    if not isinstance(item, LineDict):
        found.add(shown, 1, "une fiche doit être un bloc « id: …, theme: …, … »")
        return None
    name = str(item.get("id") or "?")
    before = len(found.problems)

    def problem(key: str, message: str) -> None:
        found.add(shown, item.line_of(key), f"fiche '{name}' : {message}")

    for key in REQUIRED:
        if key not in item or item[key] in (None, "", []):
            problem(key, f"'{key}' est manquant ou vide : ajoutez la ligne « {key}: … »")
    for key in item:
        if key not in KNOWN_FIELDS:
            problem(
                key,
                f"champ inconnu '{key}' : vérifiez l'orthographe "
                f"(champs possibles : {', '.join(sorted(KNOWN_FIELDS))})",
            )
    entry_id = _text(item.get("id"))
    if entry_id and (not ID_SHAPE.match(entry_id) or len(entry_id) > MAX_ID_LENGTH):
        problem(
            "id",
            f"identifiant '{entry_id}' invalide : minuscules, chiffres et tirets, "
            f"{MAX_ID_LENGTH} signes au plus",
        )
    theme = _text(item.get("theme"))
    if theme and theme not in theme_ids:
        problem(
            "theme",
            f"thème inconnu '{theme}' : utilisez un thème de themes.yaml "
            f"({', '.join(sorted(theme_ids))})",
        )
    title = _text(item.get("title"))
    if len(title) > MAX_TITLE_LENGTH:
        problem(
            "title",
            f"titre trop long ({len(title)} signes) : {MAX_TITLE_LENGTH} au plus, "
            "il s'affiche sur un bouton",
        )
    questions = _text_list(item, "questions", problem)
    keywords = _text_list(item, "keywords", problem)
    steps = _text_list(item, "steps", problem)
    answer = _text(item.get("answer"))
    if "answer" in item and not answer:
        problem("answer", "la réponse est vide : écrivez le texte après « answer: | »")
    escalate = _text(item.get("escalate")) or "pair-aidant"
    if escalate not in ESCALATE_TO:
        problem("escalate", f"'{escalate}' inconnu : écrivez pair-aidant ou referent")
    links = _links(item, problem)
    phones = _phones(item, problem)
    sources = _text_list(item, "sources", problem)
    reviewed = _date(item, "reviewed", problem)
    review_by = _date(item, "review_by", problem)
    if len(found.problems) > before:
        return None
    return Entry(
        id=entry_id,
        theme=theme,
        title=title,
        questions=questions,
        keywords=keywords,
        answer=answer.strip(),
        steps=steps,
        links=links,
        phones=phones,
        escalate=escalate,
        sources=sources,
        reviewed=reviewed,
        review_by=review_by,
        path=shown,
        line=item.line,
    )


def _text(value: Any) -> str:
    if value is None or isinstance(value, list | dict):
        return ""
    return str(value).strip()


def _text_list(item: LineDict, key: str, problem: Any) -> tuple[str, ...]:
    value = item.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        problem(key, f"'{key}' doit être une liste de phrases (une par ligne, avec « - »)")
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def _links(item: LineDict, problem: Any) -> tuple[Link, ...]:
    value = item.get("links")
    if value is None:
        return ()
    if not isinstance(value, list):
        problem("links", "'links' doit être une liste de {label: …, url: …}")
        return ()
    links = []
    for link in value:
        if not isinstance(link, dict) or not _text(link.get("url")):
            problem("links", "chaque lien a besoin d'un 'label' et d'une 'url'")
            continue
        url = _text(link["url"])
        if not url.startswith("https://") or " " in url:
            problem("links", f"lien '{url}' refusé : il doit commencer par https://")
            continue
        links.append(Link(label=_text(link.get("label")) or url, url=url))
    return tuple(links)


_DIALLED = re.compile(r"[^\d+]")


def _phones(item: LineDict, problem: Any) -> tuple[Phone, ...]:
    value = item.get("phone")
    if value is None:
        return ()
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        problem("phone", "'phone' doit être {number: …, note: …} ou une liste de ceux-ci")
        return ()
    phones = []
    for phone in value:
        number = _text(phone.get("number")) if isinstance(phone, dict) else ""
        dialled = _DIALLED.sub("", number)
        if not dialled:
            problem("phone", "chaque numéro a besoin de 'number' (les chiffres à composer)")
            continue
        phones.append(Phone(number=dialled, label=number, note=_text(phone.get("note"))))
    return tuple(phones)


def _date(item: LineDict, key: str, problem: Any) -> dt.date | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    problem(key, f"date '{value}' illisible : écrivez-la comme 2026-11-23 (année-mois-jour)")
    return None
