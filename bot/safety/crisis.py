"""Crisis detection: someone writing on the worst day of their life gets a helpline first.

The situations, their helplines and their patterns live in ``knowledge/crises.yaml`` so
that coordinators can add the way people really say things. Matching runs on folded words
(see :mod:`bot.safety.phrases`); idioms listed under ``not_crisis`` ("mort de rire") are
blanked out first. When in doubt the pattern side wins: a false alarm costs one kind
message, a missed crisis costs far more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from bot.domain.messages import Phone
from bot.knowledge.normalize import Lexicon, fold
from bot.knowledge.yamlfile import LineDict
from bot.safety.files import FileCheck, is_id
from bot.safety.learned import PIECE_BREAK, CrisisModel, Example, load_examples, split_pieces
from bot.safety.phrases import Phrase, PhraseError, PhraseIndex, Scan, Vocabulary
from bot.safety.unmask import deleet, unmask

# Categories the conversation engine relies on (knowledge-coverage.yaml, `crisis:`).
REQUIRED_CRISES = (
    "suicide",
    "violences-conjugales",
    "enfance-danger",
    "urgence-medicale",
    "sans-abri",
    "sourd-114",
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
_TOP_KEYS = ("spellings", "not_typos", "groups", "not_crisis", "distance", "crises")
_CRISIS_KEYS = ("id", "title", "message", "gentle", "phones", "patterns", "doubt")
_PHONE_KEYS = ("number", "label", "note")


@dataclass(frozen=True)
class CrisisCategory:
    """A situation that needs a helpline now, and what to say."""

    id: str
    title: str
    message: str
    phones: tuple[Phone, ...]
    # One warm line for a message that may be this crisis but may not: added under the
    # answer instead of taking the whole reply over (« Si ça ne va pas du tout… »).
    gentle: str = ""


class Level(StrEnum):
    """How sure the bot is: ``sure`` takes the reply over, ``check`` adds one warm line."""

    SURE = "sure"
    CHECK = "check"


@dataclass(frozen=True)
class CrisisAlert:
    """A crisis found in a message, and how sure the bot is of it."""

    category: CrisisCategory
    level: Level
    # Another situation the message may also be, with a number the first lacks.
    also: CrisisCategory | None = None


# The learned model's chance of a crisis above which it is sure, or worth a gentle line.
# Chosen on the training examples by cross-validation (bench/tune_safety.py), never on the
# held-out set: see the README's safety section for the figures.
SURE_AT = 0.90
CHECK_AT = 0.50
# A pattern that fired is sure, unless the model is this sure that the message is ordinary
# (« fatigué de vivre dans ce taudis » is about housing): then it is only a gentle check.
ORDINARY_AT = 0.85
# A second situation the model sees at least this likely is named too, when it brings a
# number the first one lacks (a child put out at night: the 115 and the 119). Chosen by
# cross-validation (bench/tune_safety.py): the right number went from 87.4 % to 88.9 %.
ALSO_AT = 0.5


@dataclass(frozen=True)
class _Indexes:
    """A detector's phrases in :class:`PhraseIndex` es, with the situation of each pattern."""

    rules: PhraseIndex
    rule_of: tuple[CrisisCategory, ...]
    doubts: PhraseIndex
    doubt_of: tuple[CrisisCategory, ...]
    idioms: PhraseIndex
    distance: PhraseIndex

    @classmethod
    def of(cls, detector: CrisisDetector) -> _Indexes:
        rules = [(c, phrase) for c, phrases in detector.rules for phrase in phrases]
        doubts = [(c, phrase) for c, phrases in detector.doubts for phrase in phrases]
        return cls(
            PhraseIndex([phrase for _, phrase in rules]),
            tuple(c for c, _ in rules),
            PhraseIndex([phrase for _, phrase in doubts]),
            tuple(c for c, _ in doubts),
            PhraseIndex(detector.idioms),
            PhraseIndex(detector.distance),
        )


@dataclass(frozen=True)
class CrisisDetector:
    """Hand-written patterns and a learned model, read on the unmasked whole message."""

    vocabulary: Vocabulary
    idioms: tuple[Phrase, ...]
    rules: tuple[tuple[CrisisCategory, tuple[Phrase, ...]], ...]
    model: CrisisModel | None = None
    # A story told from a distance (« il y a dix ans », « dans un film », « pour mon
    # exposé »): the words of a crisis are there, the danger may not be now.
    distance: tuple[Phrase, ...] = ()
    # Words that may say this situation, or may not (« au bout du rouleau », « à quoi bon
    # tout ça »): never a takeover by themselves, always worth the warm line.
    doubts: tuple[tuple[CrisisCategory, tuple[Phrase, ...]], ...] = ()

    def detect(self, text: str) -> CrisisCategory | None:
        """The crisis this message surely speaks of (the ``sure`` level), or None."""
        alert = self.assess(text)
        return alert.category if alert is not None and alert.level is Level.SURE else None

    def assess(self, text: str) -> CrisisAlert | None:
        """Patterns first (idioms blanked out), then the model; None when neither sees one."""
        if not text:
            return None
        folded, matched, idiom, far, doubt = self.read(text)
        chances, none = self.model.chances_folded(folded) if self.model is not None else ({}, 1.0)
        by_id = {category.id: category for category, _ in self.rules}
        chances = {key: value for key, value in chances.items() if key in by_id}
        if matched:
            found, *others = matched
            # No opinion (noise, no model) never softens a pattern.
            ordinary = far or (bool(chances) and none >= ORDINARY_AT)
            level = Level.CHECK if ordinary else Level.SURE
            # A second situation a pattern names too (« mis dehors » and « j'ai 14 ans »)
            # counts as if the model were sure of it.
            also = {c.id: 1.0 for c in others}
            return CrisisAlert(found, level, self._also(found, {**chances, **also}, by_id))
        if not chances:
            return doubt
        # The tier follows the chance that the message is a crisis at all (1 - P(none));
        # the category is the most likely crisis.
        category = by_id[max(chances, key=chances.__getitem__)]
        probability = 1.0 - none
        also = self._also(category, chances, by_id)
        # A coordinator's « not a crisis » phrase, or a story told from a distance: the
        # model alone may add a gentle line, never take the reply over.
        if probability >= SURE_AT and not idiom and not far:
            return CrisisAlert(category, Level.SURE, also)
        if probability >= CHECK_AT:
            return CrisisAlert(category, Level.CHECK, also)
        return doubt

    @staticmethod
    def _also(
        first: CrisisCategory, chances: dict[str, float], by_id: dict[str, CrisisCategory]
    ) -> CrisisCategory | None:
        """The next most likely situation, if likely enough and it brings a new number."""
        others = {key: value for key, value in chances.items() if key != first.id}
        if not others:
            return None
        best = max(others, key=others.__getitem__)
        if others[best] < ALSO_AT:
            return None
        known = {phone.number for phone in first.phones}
        return by_id[best] if any(p.number not in known for p in by_id[best].phones) else None

    def read(
        self, text: str
    ) -> tuple[str, tuple[CrisisCategory, ...], bool, bool, CrisisAlert | None]:
        """The message as the model reads it, the situations patterns found (in the order of
        the file), whether an idiom was blanked out, whether the story is told from a
        distance, and the warm line a doubt phrase calls for (« à quoi bon tout ça »), all
        from one scan."""
        plain = deleet(unmask(text))
        folded = self.vocabulary.fold(f" {PIECE_BREAK} ".join(split_pieces(plain)))
        words = [w for w in folded.split() if w != PIECE_BREAK]
        scan = self.vocabulary.scan_words(words)
        matched, idiom = self._pattern_matches(scan)
        far = self._indexes.distance.first(scan) is not None
        doubt = None if matched else self._doubt(scan)
        return folded, matched, idiom, far, doubt

    def _doubt(self, scan: Scan) -> CrisisAlert | None:
        """The warm line for words that may say a situation (idioms already blanked out)."""
        first = self._indexes.doubts.first(scan)
        return (
            CrisisAlert(self._indexes.doubt_of[first], Level.CHECK) if first is not None else None
        )

    @cached_property
    def _indexes(self) -> _Indexes:
        """The phrases in indexes (built once, on first use)."""
        return _Indexes.of(self)

    def _blank_idioms(self, scan: Scan) -> bool:
        """Hide the idioms (« mort de rire ») from the patterns; True if one was there."""
        idioms = self._indexes.idioms
        return sum(scan.blank(idioms.phrases[n]) for n in idioms.candidates(scan)) > 0

    def _pattern_matches(self, scan: Scan) -> tuple[tuple[CrisisCategory, ...], bool]:
        """Every situation whose phrase is in the message once idioms are blanked out, in
        the order of the file, and whether an idiom was found (« mort de rire »)."""
        idioms = self._blank_idioms(scan)
        indexes = self._indexes
        matched = (indexes.rule_of[n] for n in indexes.rules.matching(scan))
        return tuple(dict.fromkeys(matched)), idioms


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


# Trained models by what they were trained on: a reload that changed no example, or the
# same files loaded again, reuses the model instead of training it again (about a second).
_TRAINED: dict[tuple[tuple[Example, ...], tuple[tuple[str, str], ...]], CrisisModel] = {}
_MAX_TRAINED = 4


def trained(examples: tuple[Example, ...], vocabulary: Vocabulary) -> CrisisModel:
    """The model for these examples read with these SMS spellings, trained once."""
    key = (examples, tuple(sorted(vocabulary.spellings.lexicon.replacements.items())))
    model = _TRAINED.get(key)
    if model is None:
        if len(_TRAINED) >= _MAX_TRAINED:
            _TRAINED.clear()
        model = _TRAINED[key] = CrisisModel(examples, prepare=vocabulary.fold)
    return model


def load_crises(
    path: Path, examples_path: Path | None = None, ordinary: Sequence[str] = ()
) -> tuple[tuple[CrisisCategory, ...], CrisisDetector]:
    """Read ``crises.yaml`` (and the examples the model learns from, when the file exists);
    raise KnowledgeError listing every problem with its line."""
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
    distance = (
        _phrases(check, vocabulary, groups, data, "distance", "distance")
        if "distance" in data
        else ()
    )
    rules: list[tuple[CrisisCategory, tuple[Phrase, ...]]] = []
    doubts: list[tuple[CrisisCategory, tuple[Phrase, ...]]] = []
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
        gentle = check.text(crisis, "gentle", where, required=False, limit=200)
        for key, value in (("title", title), ("message", message), ("gentle", gentle)):
            if _HTML.search(value):
                check.add(
                    crisis.line_of(key),
                    f"{where} : pas de balises HTML dans « {key} » : texte simple",
                )
            _numbers_in_text(check, crisis, key, where, value)
        phones = _phones(check, crisis, where)
        phrases = _phrases(check, vocabulary, groups, crisis, "patterns", where)
        category = CrisisCategory(
            id=cid, title=title, message=message, phones=phones, gentle=gentle
        )
        rules.append((category, phrases))
        if "doubt" in crisis:
            doubts.append((category, _phrases(check, vocabulary, groups, crisis, "doubt", where)))
    for required in REQUIRED_CRISES:
        if required not in seen:
            check.add(
                data.line_of("crises"),
                f"la situation « {required} » manque : le robot en a besoin",
            )
    check.done()
    model = None
    if examples_path is not None and examples_path.exists():
        examples = load_examples(examples_path, [category.id for category, _ in rules])
        # The entries' phrasings teach the model what everyday questions look like.
        everyday = tuple(Example(text, None, "entry") for text in ordinary)
        model = trained(examples + everyday, vocabulary)
    detector = CrisisDetector(
        vocabulary=vocabulary,
        idioms=idioms,
        rules=tuple(rules),
        model=model,
        distance=distance,
        doubts=tuple(doubts),
    )
    return tuple(category for category, _ in rules), detector
