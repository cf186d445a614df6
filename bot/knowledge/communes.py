"""The communes of France, and finding the one a person means in what they type.

The data comes from Etalab's administrative divisions (``data/COMMUNES-SOURCE.md``), built
into ``data/communes.tsv.gz`` by ``scripts/build_communes.py``; nothing is downloaded at run
time. The index is built once, on first use (about half a second), then :meth:`Communes.find`
answers in well under a millisecond (``bench/places.py``).

People write a commune as they can: « st malo », « Saint-Malô », « ploermel », « plormel »,
« 56800 », « il y a un endroit pour imprimer à Ploërmel ? ». :meth:`Communes.find` reads all
of these; it returns several communes when the name is shared (« Saint-Denis »), most
populated first, so that the person can choose with a button.

Many commune names are also French words (Orange, Sens, Place, Ligne, Y…). Inside a sentence
such a name counts only when the person wrote it with a capital letter, or after « j'habite »,
« près de », « commune de »…, or as the whole message: « un faux message de la CAF » is not
about the commune of Faux.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge.normalize import fold

DATA_FILE = Path(__file__).with_name("data") / "communes.tsv.gz"
# How many communes a lookup returns at most: a handful of buttons fits on a phone.
MAX_RESULTS = 5
# The longest commune name has 8 words once folded.
_MAX_SPAN = 8
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "mt": "mont"}
_ARTICLES = ("le", "la", "les", "l")
# « au Havre » is « Le Havre », « aux Sables-d'Olonne » is « Les Sables-d'Olonne ».
_CONTRACTIONS = {"au": "le", "aux": "les"}
_LINKS = frozenset(
    {"en", "sur", "sous", "les", "lez", "le", "la", "l", "de", "du", "des", "d", "aux", "au", "et"}
)
_REPEATS = re.compile(r"([a-z])\1{2,}")
_POSTCODE = re.compile(r"(?<!\d)(\d{5}|\d{2} \d{3})(?!\d)")
# Words before a commune that leave no doubt: the next words are a place.
_STRONG_CUES = (
    ("habite",),
    ("habite", "a"),
    ("habite", "au"),
    ("habite", "aux"),
    ("habitons", "a"),
    ("pres", "de"),
    ("pres", "d"),
    ("vers",),
    ("commune", "de"),
    ("commune", "d"),
    ("ville", "de"),
    ("ville", "d"),
    ("mairie", "de"),
    ("mairie", "d"),
    ("secteur", "de"),
    ("a", "cote", "de"),
    ("je", "suis", "a"),
    ("je", "suis", "de"),
    ("je", "vis", "a"),
    ("j", "habite"),
)
# Words before a commune that make it likely: « à », « de »… (weak: « ça a changé »).
_WEAK_CUES = frozenset({"a", "au", "aux", "de", "d", "du", "dans", "sur", "vers", "pres"})
# Commune names that are everyday words (found in what people write to the bot). Inside a
# sentence they count only with a capital letter or a strong cue.
COMMON_WORDS = frozenset(
    """
    aide aime aire aucun avion avril bar bats bois bonne borne boulot bras bu bus by campagne
    celle chance change charge chemin cheville citerne contre courant cours courtes die
    ecole etais eu faux fa fille force four frais gars garde grand gy hommes jardin job lance
    lasse ligne lire long loue lue lies lutter maire marie marques marre mars mer mere moyen
    mons mousse murs nuits orange pannes parce parent pere pin place plan pleure pont port
    portes publier riez rouge rue sai salon sens sers serez seuil signes simple son sos sure
    tampon thesee tours treve tresses us vert viens vieux ville vire vitre vue y
    pres vers habite commune mairie secteur cote chez moi saint sainte france services
    """.split()
)


@dataclass(frozen=True)
class Commune:
    """One current commune of France."""

    code: str  # code INSEE (« 56165 », « 2A004 »)
    name: str  # official name, with accents (« Ploërmel »)
    postcodes: tuple[str, ...]
    departement: str  # « 56 », « 2A », « 974 »
    epci: str = ""  # code SIREN of its EPCI, "" for the few outside any
    population: int = 0
    former_names: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """What a button shows: « Saint-Denis (93) »."""
        return f"{self.name} ({self.departement})"


@dataclass(frozen=True)
class _Span:
    """Some words of the message that may be a commune."""

    key: str
    start: int
    end: int
    strength: int  # 3 whole message, 2 strong cue or capital, 1 weak cue or first word, 0
    capital: bool = False


@dataclass
class Communes:
    """All communes, indexed by code, postcode and folded name. Build once, share."""

    communes: tuple[Commune, ...] = field(repr=False)
    epcis: Mapping[str, str] = field(default_factory=dict)
    version: str = ""
    _by_code: dict[str, Commune] = field(init=False, repr=False)
    # Names, then other names: former names, without « Le », short forms (« Cherbourg »).
    _tiers: tuple[dict[str, list[Commune]], dict[str, list[Commune]]] = field(
        init=False, repr=False
    )
    _by_postcode: dict[str, list[Commune]] = field(init=False, repr=False)
    _buckets: dict[str, tuple[list[str], list[int]]] = field(init=False, repr=False)
    departements: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self._by_code = {c.code: c for c in self.communes}
        self._tiers = ({}, {})
        self._by_postcode = {}
        ranked = sorted(self.communes, key=lambda c: -c.population)
        keys = _keys([n for c in ranked for n in (c.name, *c.former_names)])
        position = 0
        names, others = self._tiers
        for commune in ranked:
            count = 1 + len(commune.former_names)
            own, former = keys[position], keys[position + 1 : position + count]
            position += count
            names.setdefault(own, []).append(commune)
            other = {*former, *(_without_article(k) for k in (own, *former))} - {own, ""}
            other |= {s for k in (own, *other) for s in _short_forms(k)} - {own}
            for key in other:
                others.setdefault(key, []).append(commune)
            for postcode in commune.postcodes:
                self._by_postcode.setdefault(postcode, []).append(commune)
        # Fuzzy candidates: names and other names, grouped by first letter, by length.
        buckets: dict[str, list[str]] = {}
        for key in {*names, *others}:
            buckets.setdefault(_bucket(key), []).append(key)
        self._buckets = {}
        for bucket, members in buckets.items():
            members.sort(key=lambda k: (len(k), k))
            self._buckets[bucket] = (members, [len(k) for k in members])
        self.departements = frozenset(c.departement for c in self.communes)

    # --- reading ---------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> Communes:
        """Read the file built by ``scripts/build_communes.py``."""
        communes: list[Commune] = []
        epcis: dict[str, str] = {}
        version = ""
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("# version:"):
                    version = line.split(":", 1)[1].strip()
                if line.startswith("#") or not line.strip():
                    continue
                fields = line.rstrip("\n").split("\t")
                if fields[0] == "E":
                    epcis[fields[1]] = fields[2]
                elif fields[0] == "C":
                    code, name, postcodes, dep, epci, population, former = fields[1:8]
                    communes.append(
                        Commune(
                            code=code,
                            name=name,
                            postcodes=tuple(p for p in postcodes.split(",") if p),
                            departement=dep,
                            epci=epci,
                            population=int(population or 0),
                            former_names=tuple(n for n in former.split("|") if n),
                        )
                    )
        return cls(tuple(communes), epcis, version)

    # --- looking up ------------------------------------------------------------------

    def get(self, code: str) -> Commune | None:
        """The commune with this code INSEE."""
        return self._by_code.get(code.strip().upper())

    def epci_name(self, code: str) -> str | None:
        return self.epcis.get(code)

    def named(self, name: str) -> list[Commune]:
        """The communes whose name is exactly ``name`` (accents, case and « St » aside).

        Former names count when no current commune has that name. For the places file, where
        a coordinator writes a commune's name: no typo is guessed.
        """
        key = name_key(name)
        names, others = self._tiers
        return list(names.get(key) or others.get(key) or [])

    def find(self, text: str, limit: int = MAX_RESULTS) -> list[Commune]:
        """The communes ``text`` may mean, best first (at most ``limit``); [] when none.

        ``text`` is a name, a postcode, or a sentence with one of them in it.
        """
        words = name_key(text).split()
        if not words:
            return []
        capitals = _capitalised(text, len(words))
        postcodes = [p.replace(" ", "") for p in _POSTCODE.findall(text)]
        if postcodes:
            found = [c for p in postcodes for c in self._by_postcode.get(p, ())]
            if found:
                named = self._exact(words, capitals, among=found) or self._fuzzy(
                    words, capitals, among=found
                )
                return _unique(named or found)[:limit]
        found = self._exact(words, capitals) or self._fuzzy(words, capitals)
        return _unique(self._by_departement(found, words))[:limit]

    def _exact(
        self, words: list[str], capitals: list[bool], among: Iterable[Commune] | None = None
    ) -> list[Commune]:
        allowed = None if among is None else {c.code for c in among}
        names, others = self._tiers
        spans: list[tuple[_Span, list[Commune], list[Commune]]] = []
        for span in _spans(words, capitals):
            if not _credible(span, narrowed=allowed is not None):
                continue
            own = [c for c in names.get(span.key, ()) if allowed is None or c.code in allowed]
            other: list[Commune] = []
            if span.strength >= 1 or allowed is not None:
                other = [
                    c for c in others.get(span.key, ()) if allowed is None or c.code in allowed
                ]
            if own or other:
                spans.append((span, own, other))
        if not spans:
            return []
        # A longer name wins over the shorter names inside it (« Saint-Denis-de-Pile » over
        # « Saint-Denis »); then the surer span, the longer one, an official name over
        # another name, the bigger commune (« Saint-Denis de la Réunion »: not La Réunion).
        spans = [
            s
            for s in spans
            if not any(
                o[0].start <= s[0].start
                and s[0].end <= o[0].end
                and o[0].end - o[0].start > s[0].end - s[0].start
                for o in spans
            )
        ]
        spans.sort(
            key=lambda s: (
                -s[0].strength,
                -(s[0].end - s[0].start),
                not s[1],
                -max(c.population for c in s[1] or s[2]),
            )
        )
        _span, own, other = spans[0]
        # Other names come after the official ones, and only when they are bigger towns:
        # « Neuilly » is Neuilly (27) and (58), but also Neuilly-sur-Seine; « Paris » is Paris.
        biggest = max((c.population for c in own), default=-1)
        return own + [c for c in other if c.population > biggest]

    def _fuzzy(
        self, words: list[str], capitals: list[bool], among: Iterable[Commune] | None = None
    ) -> list[Commune]:
        """Names within a few typos of the message, or of the words after a cue.

        Only the closest names are kept: « plormel » gives Ploërmel and Ploemel (one typo
        each), not Le Portel (two).
        """
        names, others = self._tiers
        pool = None if among is None else sorted({k for c in among for k in _keys_of(c)})
        scored: list[tuple[int, int, int, Commune]] = []
        for key, strength in _fuzzy_queries(words, capitals).items():
            typos = _max_typos(key)
            if not typos:
                continue
            choices = pool if pool is not None else self._near(key, typos)
            for found, distance, _index in process.extract(
                key, choices, scorer=OSA.distance, score_cutoff=typos, limit=MAX_RESULTS
            ):
                for commune in names.get(found) or others.get(found) or ():
                    scored.append((-strength, distance, -commune.population, commune))
        if not scored:
            return []
        scored.sort(key=lambda s: s[:3])
        best = scored[0][:2]
        return [c for strength, distance, _p, c in scored if (strength, distance) == best]

    def _near(self, key: str, typos: int) -> list[str]:
        """The names that start like ``key`` and are about as long: the only ones that can
        be within ``typos`` of it."""
        members, lengths = self._buckets.get(_bucket(key), ([], []))
        low = bisect.bisect_left(lengths, len(key) - typos)
        high = bisect.bisect_right(lengths, len(key) + typos)
        return members[low:high]

    def _by_departement(self, found: list[Commune], words: list[str]) -> list[Commune]:
        """« Saint-Denis 93 »: a département number among the words narrows the choice."""
        numbers = {w.upper() for w in words if w.upper() in self.departements}
        narrowed = [c for c in found if c.departement in numbers]
        return narrowed or found


def name_key(text: str) -> str:
    """The folded form names are compared in: « St-Malô » and « saint malo » meet."""
    return " ".join(_ABBREVIATIONS.get(w, w) for w in fold(text).split())


@functools.cache
def default_communes() -> Communes:
    """The communes shipped with the bot, read once (no I/O at import)."""
    return Communes.load()


def _keys(names: list[str]) -> list[str]:
    """:func:`name_key` of many names at once, as fast as the start-up needs.

    :func:`fold` strips accents one character at a time: fine for a message, three seconds
    for 37 000 names. Here every distinct character is folded once and the names are
    translated with one table; a test checks that the result is :func:`name_key`'s.
    """
    text = "\n".join(names)
    table = {ord(ch): fold(ch) or " " for ch in set(text) - {"\n"}}
    return [
        " ".join(_ABBREVIATIONS.get(w, w) for w in _REPEATS.sub(r"\1", line).split())
        for line in text.translate(table).split("\n")
    ]


def _short_forms(key: str) -> Iterable[str]:
    """How people shorten a name: « Cherbourg » for Cherbourg-en-Cotentin, « Boulogne »…"""
    words = key.split()
    for end in range(1, len(words)):
        prefix = words[:end]
        if prefix[-1] in _LINKS or " ".join(prefix) in ("saint", "sainte"):
            continue
        if len("".join(prefix)) >= 3:
            yield " ".join(prefix)


def _without_article(key: str) -> str:
    first, _, rest = key.partition(" ")
    return rest if first in _ARTICLES and rest else key


def _keys_of(commune: Commune) -> set[str]:
    keys = {name_key(commune.name), *(name_key(n) for n in commune.former_names)}
    return keys | {_without_article(k) for k in keys}


def _bucket(key: str) -> str:
    """Fuzzy candidates share the first letter (after « saint », which 4 000 names share)."""
    for prefix in ("saint ", "sainte "):
        if key.startswith(prefix):
            return prefix + key[len(prefix) : len(prefix) + 1]
    return key[:1]


def _max_typos(key: str) -> int:
    """How many typos a name of this length may carry and still be recognised."""
    letters = len(key.replace(" ", ""))
    if letters < 4:
        return 0
    if letters < 6:
        return 1
    return 2 if letters < 12 else 3


def _capitalised(text: str, count: int) -> list[bool]:
    """For each folded word, did the person start it with a capital letter?

    Only meaningful when the folding kept the words one to one, which it does for letters
    and digits; otherwise nothing counts as capitalised.
    """
    raw = re.findall(r"[^\W_]+", text)
    if len(raw) != count:
        return [False] * count
    return [w[:1].isupper() and i > 0 for i, w in enumerate(raw)]


def _spans(words: list[str], capitals: list[bool]) -> Iterable[_Span]:
    """Every run of up to 8 words, with how surely it is meant as a place."""
    n = len(words)
    for start in range(n):
        sure = _strength(words, capitals, start)
        contraction = _CONTRACTIONS.get(words[start - 1]) if start else None
        for end in range(start + 1, min(n, start + _MAX_SPAN) + 1):
            key = " ".join(words[start:end])
            strength = 3 if start == 0 and end == n else sure
            yield _Span(key, start, end, strength, capitals[start])
            if contraction:
                yield _Span(f"{contraction} {key}", start, end, max(strength, 1), True)


def _strength(words: list[str], capitals: list[bool], start: int) -> int:
    """2 after a strong cue or with a capital letter, 1 after a weak cue or first, else 0."""
    before = tuple(words[max(0, start - 3) : start])
    if capitals[start] or any(before[-len(cue) :] == cue for cue in _STRONG_CUES):
        return 2
    return 1 if start == 0 or words[start - 1] in _WEAK_CUES else 0


def _credible(span: _Span, narrowed: bool) -> bool:
    """Is this span a commune, or an everyday word that happens to be one?"""
    if span.strength == 3 or narrowed:
        return True
    words = span.key.split()
    meaning = words[1:] if len(words) > 1 and words[0] in _ARTICLES else words
    if len(meaning) == 1 and (meaning[0] in COMMON_WORDS or len(meaning[0]) <= 3):
        return span.capital  # « à Orange », not « un forfait orange »
    return span.strength >= 1 or not (len(words) > 1 and words[0] in _ARTICLES)


def _fuzzy_queries(words: list[str], capitals: list[bool]) -> dict[str, int]:
    """Which words to compare with names when no name is written exactly, and how sure."""
    queries: dict[str, int] = {}
    if len(words) <= 6:
        queries[" ".join(words)] = 3
    for span in _spans(words, capitals):
        if span.end - span.start > 4 or words[span.start] in COMMON_WORDS:
            continue
        if span.strength >= 2 or (len(words) <= 4 and span.end - span.start <= 3):
            queries.setdefault(span.key, span.strength)
    return queries


def _unique(communes: Iterable[Commune]) -> list[Commune]:
    seen: set[str] = set()
    out: list[Commune] = []
    for commune in communes:
        if commune.code not in seen:
            seen.add(commune.code)
            out.append(commune)
    return out
