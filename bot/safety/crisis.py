"""Crisis detection: someone writing on the worst day of their life gets a helpline first.

The situations, their helplines and their patterns live in ``knowledge/crises.yaml`` so
that coordinators can add the way people really say things. Matching runs on folded words
(see :mod:`bot.safety.phrases`); idioms listed under ``not_crisis`` ("mort de rire") are
blanked out first. When in doubt the pattern side wins: a false alarm costs one kind
message, a missed crisis costs far more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.domain.messages import Phone
from bot.knowledge.normalize import Lexicon, fold
from bot.knowledge.yamlfile import LineDict
from bot.safety.files import FileCheck, is_id
from bot.safety.phrases import Phrase, PhraseError, Vocabulary

# Categories the conversation engine relies on (knowledge-coverage.yaml, `crisis:`).
REQUIRED_CRISES = (
    "suicide",
    "violences-conjugales",
    "enfance-danger",
    "urgence-medicale",
    "sans-abri",
)
# Every number of kb-facts.md section 15. A crisis answer with a mistyped number could cost
# a life, so a number outside this list is refused rather than shown.
VERIFIED_NUMBERS = frozenset(
    {
        "15",
        "17",
        "18",
        "112",
        "114",
        "115",
        "119",
        "3114",
        "3919",
        "116006",
        "3018",
        "0800231313",
        "0974751313",
        "0800235236",
        "0805805817",
    }
)
_GROUP = re.compile(r"^[a-z0-9_-]+$")
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_NUMBER = re.compile(r"\d[\d .]*\d")
_TOP_KEYS = ("spellings", "not_typos", "groups", "not_crisis", "crises")
_CRISIS_KEYS = ("id", "title", "message", "phones", "patterns")
_PHONE_KEYS = ("number", "label", "note")


@dataclass(frozen=True)
class CrisisCategory:
    """A situation that needs a helpline now, and what to say."""

    id: str
    title: str
    message: str
    phones: tuple[Phone, ...]


@dataclass(frozen=True)
class CrisisDetector:
    """Compiled patterns, tried in file order: the first situation that matches wins."""

    vocabulary: Vocabulary
    idioms: tuple[Phrase, ...]
    rules: tuple[tuple[CrisisCategory, tuple[Phrase, ...]], ...]

    def detect(self, text: str) -> CrisisCategory | None:
        """The first situation whose phrase is in ``text``, once idioms are blanked out."""
        if not text:
            return None
        scan = self.vocabulary.scan(text)
        for idiom in self.idioms:
            scan.blank(idiom)
        for category, phrases in self.rules:
            if any(scan.find(phrase) is not None for phrase in phrases):
                return category
        return None


def _spellings(check: FileCheck, data: LineDict) -> Lexicon:
    raw = data.get("spellings") or {}
    if not isinstance(raw, LineDict):
        check.add(data.line_of("spellings"), "« spellings » doit être une liste « mot: [façons] »")
        return Lexicon()
    replacements: dict[str, str] = {}
    for canonical, variants in raw.items():
        where = f"spellings « {canonical} »"
        if not isinstance(variants, list):
            check.add(raw.line_of(canonical), f"{where} : donnez une liste [façon1, façon2]")
            continue
        target = fold(canonical)
        for variant in variants:
            key = fold(str(variant))
            if not key or key == target:
                continue
            if key in replacements and replacements[key] != target:
                check.add(
                    raw.line_of(canonical),
                    f"{where} : « {variant} » mène déjà à « {replacements[key]} » ; "
                    "une façon d'écrire ne peut mener qu'à un seul mot",
                )
            replacements[key] = target
    # "jé" folds to "je": as a variant it would rewrite every "je" of every message.
    understood = {word for target in replacements.values() for word in target.split()}
    for variant in replacements:
        if variant in understood:
            check.add(
                raw.line_of(next(c for c in raw if fold(c) == replacements[variant])),
                f"spellings : « {variant} » est déjà un mot compris ailleurs (sans accents, "
                "il s'écrit pareil) : retirez-le des façons d'écrire",
            )
    return Lexicon(replacements)


def _groups(check: FileCheck, data: LineDict) -> dict[str, list[str]]:
    """Named word lists; an item "<autre>" brings in a group defined above it."""
    raw = data.get("groups") or {}
    if not isinstance(raw, LineDict):
        check.add(data.line_of("groups"), "« groups » doit être une liste « nom: [mots] »")
        return {}
    groups: dict[str, list[str]] = {}
    for name in raw:
        where = f"groupe « {name} »"
        if not _GROUP.match(name):
            check.add(raw.line_of(name), f"{where} : nom en minuscules, sans espace")
        words: list[str] = []
        for item in check.strings(raw, name, where):
            inner = item[1:-1] if item.startswith("<") and item.endswith(">") else None
            if inner is not None and inner in groups:
                words.extend(groups[inner])
            elif inner is not None:
                check.add(
                    check.item_line(raw.line_of(name), item),
                    f"{where} : « {item} » : seul un groupe défini plus haut peut être repris",
                )
            elif any(mark in item for mark in ("/", "<", ">", "...", "…", "?")):
                check.add(
                    check.item_line(raw.line_of(name), item),
                    f"{where} : « {item} » : dans un groupe, une ligne = une façon de dire, "
                    "sans / ? ni ...",
                )
            else:
                words.append(item)
        groups[name] = words
    return groups


def _phrases(
    check: FileCheck,
    vocabulary: Vocabulary,
    groups: dict[str, list[str]],
    mapping: LineDict,
    key: str,
    where: str,
) -> tuple[Phrase, ...]:
    compiled: list[Phrase] = []
    for source in check.strings(mapping, key, where):
        try:
            compiled.append(vocabulary.compile(source, groups))
        except PhraseError as exc:
            line = check.item_line(mapping.line_of(key), source)
            check.add(line, f"{where} : motif « {source} » : {exc}")
    return tuple(compiled)


def _phones(check: FileCheck, crisis: LineDict, where: str) -> tuple[Phone, ...]:
    raw = crisis.get("phones")
    if not isinstance(raw, list) or not raw:
        check.add(crisis.line_of("phones"), f"{where} : « phones » : donnez au moins un numéro")
        return ()
    phones: list[Phone] = []
    for item in raw:
        if not isinstance(item, LineDict):
            check.add(
                crisis.line_of("phones"), f"{where} : un numéro s'écrit {{number: ..., note: ...}}"
            )
            continue
        check.keys(item, _PHONE_KEYS, where)
        shown = check.text(item, "number", where)
        number = re.sub(r"[\s.]", "", shown)
        if shown and not number.isdigit():
            check.add(
                item.line_of("number"), f"{where} : numéro « {shown} » : des chiffres seulement"
            )
        elif number and number not in VERIFIED_NUMBERS:
            check.add(
                item.line_of("number"),
                f"{where} : le numéro « {shown} » n'est pas dans la liste des numéros vérifiés "
                "(fiche de faits, section 15) : demandez à l'équipe technique de le vérifier",
            )
        label = check.text(item, "label", where, required=False) or shown
        note = check.text(item, "note", where, required=False, limit=120)
        phones.append(Phone(number=number, label=label, note=note))
    return tuple(phones)


def _numbers_in_text(check: FileCheck, crisis: LineDict, key: str, where: str, text: str) -> None:
    """A number written in the message must be a verified one too ("Appelez le 3114")."""
    for found in _NUMBER.finditer(text):
        for part in re.split(r"[ .]{2,}|\. ", found.group()):
            number = re.sub(r"[ .]", "", part)
            if len(number) >= 3 and number not in VERIFIED_NUMBERS:
                check.add(
                    crisis.line_of(key),
                    f"{where} : « {key} » cite « {part.strip()} », qui n'est pas un numéro "
                    "vérifié (fiche de faits, section 15)",
                )


def load_crises(path: Path) -> tuple[tuple[CrisisCategory, ...], CrisisDetector]:
    """Read ``crises.yaml``; raise KnowledgeError listing every problem with its line."""
    check = FileCheck(path)
    data = check.data
    if not isinstance(data, LineDict) or not isinstance(data.get("crises"), list):
        check.add(
            getattr(data, "line", 1),
            "le fichier doit contenir « crises: » suivi de la liste des situations",
        )
        check.done()
    check.keys(data, _TOP_KEYS, "crises.yaml")
    not_typos = check.strings(data, "not_typos", "not_typos", required=False)
    vocabulary = Vocabulary(spellings=_spellings(check, data), not_typos=not_typos)
    groups = _groups(check, data)
    idioms = (
        _phrases(check, vocabulary, groups, data, "not_crisis", "not_crisis")
        if "not_crisis" in data
        else ()
    )
    rules: list[tuple[CrisisCategory, tuple[Phrase, ...]]] = []
    seen: dict[str, int] = {}
    for number, crisis in enumerate(data["crises"], start=1):
        if not isinstance(crisis, LineDict):
            check.add(data.line_of("crises"), f"situation n°{number} : « - id: ... » attendu")
            continue
        cid = check.text(crisis, "id", f"situation n°{number}")
        where = f"situation « {cid or number} »"
        if cid and not is_id(cid):
            check.add(crisis.line_of("id"), f"{where} : l'id s'écrit en minuscules-avec-tirets")
        if cid in seen:
            check.add(
                crisis.line_of("id"),
                f"{where} : id déjà utilisé ligne {seen[cid]} : chaque situation a son id",
            )
        seen.setdefault(cid, crisis.line_of("id"))
        check.keys(crisis, _CRISIS_KEYS, where)
        title = check.text(crisis, "title", where, limit=80)
        message = check.text(crisis, "message", where, limit=900)
        for key, value in (("title", title), ("message", message)):
            if _HTML.search(value):
                check.add(
                    crisis.line_of(key),
                    f"{where} : pas de balises HTML dans « {key} » : texte simple",
                )
            _numbers_in_text(check, crisis, key, where, value)
        phones = _phones(check, crisis, where)
        phrases = _phrases(check, vocabulary, groups, crisis, "patterns", where)
        category = CrisisCategory(id=cid, title=title, message=message, phones=phones)
        rules.append((category, phrases))
    for required in REQUIRED_CRISES:
        if required not in seen:
            check.add(
                data.line_of("crises"),
                f"la situation « {required} » manque : le robot en a besoin",
            )
    check.done()
    detector = CrisisDetector(vocabulary=vocabulary, idioms=idioms, rules=tuple(rules))
    return tuple(category for category, _ in rules), detector
