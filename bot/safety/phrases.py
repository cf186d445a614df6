"""Coordinator-written phrases ("mon mari ... me frapp*") matched on folded words.

Crisis patterns and scam signs are edited by coordinators, not developers, so they are
not regular expressions (one stray bracket would break them, or worse, make them match
everything). A phrase is a row of words with a tiny syntax:

- ``mot``       a word; accents, case and doubled letters do not matter, and a light typo
                is tolerated for words of five letters or more;
- ``mot*``      any word that starts with ``mot`` ("frapp*" = frappe, frapper, frappée…);
- ``a/b/c``     one of these words ("mari/copain/conjoint");
- ``mot?``      an optional word (also ``a/b?``);
- ``...``       from 0 to :data:`GAP_WORDS` words of anything;
- ``<groupe>``  one of the words or expressions listed under that group name.

Groups use chevrons, not braces: in YAML a list item starting with ``{`` is a mapping, and
a coordinator would get a syntax error for ``- {partenaire} ... me frapp*``.

Matching is word-based and linear: each word of the message is looked up once (exact,
prefix, then typo tolerance through rapidfuzz), and phrases are only tried where their
first word was seen, so a 4,000-character message costs well under a millisecond per
hundred phrases.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.knowledge.normalize import Lexicon, fold, squash

# "..." skips at most this many words: enough for "mon mari quand il a bu il me frappe",
# short enough that two unrelated sentences rarely join into a false alarm.
GAP_WORDS = 5
# Typo tolerance: words of 5-9 letters may differ by one edit, longer ones by two.
FUZZY_MIN_LENGTH = 5
LONG_WORD = 10
# The per-word lookup is cached (it halves the cost of a message); the cache is cleared
# past this size. Words holding digits are not kept: they are the likeliest to be a code
# or a password, and nothing typed by a person should outlive its message.
_CACHE_LIMIT = 20_000
_FORBIDDEN = set("()[]{}|\\^$+")


class PhraseError(ValueError):
    """A phrase cannot be understood; the message is French, for a coordinator."""


@dataclass(frozen=True, eq=False)
class _Slot:
    """One position of a phrase: alternatives, each a sequence of word ids.

    ``by_first`` indexes the alternatives by their first word, so that a group of sixty
    verbs costs one dictionary lookup per word of the message, not sixty comparisons.
    """

    options: tuple[tuple[int, ...], ...] = ()
    optional: bool = False
    gap: bool = False
    by_first: Mapping[int, tuple[tuple[int, ...], ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, options: Iterable[tuple[int, ...]], optional: bool) -> _Slot:
        unique = tuple(dict.fromkeys(options))
        index: dict[int, list[tuple[int, ...]]] = {}
        for option in unique:
            index.setdefault(option[0], []).append(option)
        return cls(
            options=unique,
            optional=optional,
            by_first={k: tuple(v) for k, v in index.items()},
        )


@dataclass(frozen=True, eq=False)
class Phrase:
    """A compiled phrase. ``source`` is what the coordinator wrote.

    ``required`` holds, for each mandatory slot, the words that can start it: a message
    lacking any of them is skipped without trying to match.
    """

    source: str
    slots: tuple[_Slot, ...]
    first_ids: frozenset[int]
    required: tuple[frozenset[int], ...]
    complete: tuple[tuple[frozenset[int], ...], ...]  # per mandatory slot, each option's words


# fold() looks at every character in Python to drop accents: about 1 ms for a full Telegram
# message. The same steps done by C-level str and re calls give the same result much faster;
# a property test checks that both always agree.
_LIGATURES = (("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"), ("ß", "ss"))
_MARKS = re.compile("[\u0300-\u036f]+")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")


def fast_fold(text: str) -> str:
    """Exactly :func:`bot.knowledge.normalize.fold`, without its per-character Python loop."""
    if text.isascii():
        low = text.lower()
    else:
        plain = text
        for ligature, letters in _LIGATURES:
            if ligature in plain:
                plain = plain.replace(ligature, letters)
        low = _MARKS.sub("", unicodedata.normalize("NFKD", plain.lower()))
        if not low.isascii() and any(
            unicodedata.combining(c) for c in set(low) if not c.isascii()
        ):
            return fold(text)
    return " ".join(_REPEATS.sub(r"\1", _NON_WORD.sub(" ", low)).split())


class Spellings:
    """:meth:`bot.knowledge.normalize.Lexicon.apply` as one regular expression (C speed).

    Same result as the method, which stays the reference.

    The variants are tried longest first at each word start, left to right, and a
    replacement is never rewritten again, exactly like the lexicon; a property test checks
    both agree.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        variants = sorted(lexicon.replacements, key=lambda v: (-len(v.split()), -len(v), v))
        self._pattern = (
            re.compile(r"(?<!\S)(?:" + "|".join(re.escape(v) for v in variants) + r")(?!\S)")
            if variants
            else None
        )

    def apply(self, folded: str) -> str:
        if self._pattern is None:
            return folded
        replacements = self.lexicon.replacements
        return self._pattern.sub(lambda m: replacements[m.group()], folded)


def _folded_words(text: str, spellings: Spellings | None) -> list[str]:
    folded = fast_fold(text)
    if spellings is not None:
        folded = spellings.apply(folded)
    return folded.split()


def _words_of(text: str, spellings: Spellings | None) -> list[str]:
    return [squash(w) for w in _folded_words(text, spellings)]


class Vocabulary:
    """Every word used by a set of phrases, with the lookups that make matching fast.

    Compile all phrases first, then scan messages: the lookup tables are built on the
    first scan and compiling afterwards is refused.
    """

    def __init__(
        self,
        spellings: Lexicon | None = None,
        not_typos: Iterable[str] = (),
    ) -> None:
        self.spellings = Spellings(spellings) if spellings is not None else None
        self._specs: list[tuple[str, bool]] = []
        self._ids: dict[tuple[str, bool], int] = {}
        self._lengths: dict[int, int] = {}  # letters as written, before squashing
        self._not_typos = {w for t in not_typos for w in _words_of(t, self.spellings)}
        self._ready = False
        self._cache: dict[str, frozenset[int]] = {}

    # -- compiling ---------------------------------------------------------------------

    def _word_id(self, text: str, prefix: bool) -> int:
        key = (text, prefix)
        if key not in self._ids:
            if self._ready:
                raise RuntimeError("compile every phrase before scanning")
            self._ids[key] = len(self._specs)
            self._specs.append(key)
        return self._ids[key]

    def _option(self, text: str) -> tuple[int, ...]:
        """One alternative ("me tuer", "frapp*") as a sequence of word ids."""
        prefix = text.endswith("*")
        core = text.rstrip("*")
        if "*" in core:
            raise PhraseError(f"« {text} » : l'étoile * se met seulement à la fin d'un mot")
        words = _folded_words(core, self.spellings)
        if not words:
            raise PhraseError(f"« {text} » ne contient aucun mot")
        ids = [
            self._word_id(squash(w), prefix and k == len(words) - 1) for k, w in enumerate(words)
        ]
        for i, word in zip(ids, words, strict=True):
            self._lengths[i] = max(self._lengths.get(i, 0), len(word))
        return tuple(ids)

    def _alternative(self, alt: str, groups: Mapping[str, Iterable[str]]) -> list[tuple[int, ...]]:
        """A word ("frapp*") or a group ("<partenaire>") as its list of options."""
        if "<" not in alt and ">" not in alt:
            return [self._option(alt)]
        name = alt[1:-1]
        if not (alt.startswith("<") and alt.endswith(">")) or not name or "<" in name:
            raise PhraseError(f"« {alt} » : un groupe s'écrit <nom>, sans espace")
        if name not in groups:
            known = ", ".join(sorted(groups)) or "aucun"
            raise PhraseError(f"groupe <{name}> inconnu (groupes définis : {known})")
        return [self._option(item) for item in groups[name]]

    def compile(self, source: str, groups: Mapping[str, Iterable[str]] | None = None) -> Phrase:
        """Turn a coordinator's phrase into a :class:`Phrase`, or raise :class:`PhraseError`."""
        groups = groups or {}
        bad = sorted(_FORBIDDEN.intersection(source))
        if bad:
            raise PhraseError(
                f"caractère « {bad[0]} » non permis : écrivez des mots simples, "
                "avec seulement * / ? ... et <groupe>"
            )
        slots: list[_Slot] = []
        for token in source.split():
            if token in ("...", "…"):
                if not slots or slots[-1].gap:
                    raise PhraseError("« ... » doit se trouver entre deux mots")
                slots.append(_Slot(gap=True))
                continue
            if "..." in token or "…" in token:
                raise PhraseError(f"« {token} » : mettez un espace avant et après « ... »")
            optional = token.endswith("?")
            body = token.rstrip("?")
            if "?" in body:
                raise PhraseError(f"« {token} » : le ? se met seulement à la fin")
            if not body or body.startswith("/") or body.endswith("/") or "//" in body:
                raise PhraseError(f"« {token} » : un choix s'écrit mot1/mot2, sans espace")
            options: list[tuple[int, ...]] = []
            for alt in body.split("/"):
                options.extend(self._alternative(alt, groups))
            slots.append(_Slot.of(options, optional))
        if not slots:
            raise PhraseError("motif vide")
        if slots[-1].gap:
            raise PhraseError("« ... » doit se trouver entre deux mots")
        mandatory = [s for s in slots if not s.gap and not s.optional]
        if not mandatory:
            raise PhraseError("il faut au moins un mot obligatoire (sans ?)")
        weight = sum(min(self._option_length(o) for o in s.options) for s in mandatory)
        if weight < 3:
            raise PhraseError(
                "motif trop court : il se déclencherait dans presque tous les messages"
            )
        first: set[int] = set()
        for slot in slots:
            first.update(option[0] for option in slot.options)
            if not slot.optional:
                break
        return Phrase(
            source=source,
            slots=tuple(slots),
            first_ids=frozenset(first),
            required=tuple(frozenset(s.by_first) for s in mandatory),
            complete=tuple(tuple(frozenset(o) for o in s.options) for s in mandatory),
        )

    def _option_length(self, option: tuple[int, ...]) -> int:
        return sum(self._lengths[i] for i in option)

    # -- matching ----------------------------------------------------------------------

    def _prepare(self) -> None:
        self._exact: dict[str, int] = {}
        self._prefix: dict[str, int] = {}
        for i, (text, prefix) in enumerate(self._specs):
            (self._prefix if prefix else self._exact)[text] = i
        self._prefix_lengths = sorted({len(t) for t in self._prefix})
        # Typo candidates, bucketed by first letter: a typo on the first letter is rare, and
        # the bucket keeps "mourir" from matching "nourrir".
        self._fuzzy: dict[str, list[str]] = {}
        self._fuzzy_prefix: dict[str, list[str]] = {}
        for text, prefix in self._specs:
            if len(text) >= FUZZY_MIN_LENGTH and not text.isdigit():
                bucket = self._fuzzy_prefix if prefix else self._fuzzy
                bucket.setdefault(text[0], []).append(text)
        self._ready = True

    def lookup(self, word: str) -> frozenset[int]:
        """The ids of every phrase word that ``word`` (folded) stands for."""
        found = self._cache.get(word)
        if found is None:
            if not self._ready:
                self._prepare()
            found = self._lookup(squash(word))
            if not (word.isalpha() or (word.isdigit() and len(word) <= 3)):
                return found
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = found
        return found

    def _lookup(self, word: str) -> frozenset[int]:
        ids: set[int] = set()
        exact = self._exact.get(word)
        if exact is not None:
            ids.add(exact)
        for length in self._prefix_lengths:
            if length > len(word):
                break
            hit = self._prefix.get(word[:length])
            if hit is not None:
                ids.add(hit)
        if exact is None and len(word) >= FUZZY_MIN_LENGTH and word not in self._not_typos:
            ids.update(self._typos(word))
        return frozenset(ids)

    def _typos(self, word: str) -> set[int]:
        """Phrase words that ``word`` is a light typo of ("mourrir", "fraper", "sucide")."""
        ids: set[int] = set()
        for text, dist, _ in process.extract(
            word,
            self._fuzzy.get(word[0], ()),
            scorer=Levenshtein.distance,
            score_cutoff=2,
            limit=None,
        ):
            if dist <= (1 if len(text) < LONG_WORD else 2):
                ids.add(self._exact[text])
        for stem in self._fuzzy_prefix.get(word[0], ()):
            n = len(stem)
            if len(word) >= n - 1 and any(
                Levenshtein.distance(word[:k], stem, score_cutoff=1) <= 1
                for k in (n - 1, n, n + 1)
            ):
                ids.add(self._prefix[stem])
        return ids

    def scan(self, text: str) -> Scan:
        """Look every word of ``text`` up once, ready for :meth:`Scan.find`."""
        return self.scan_words(_folded_words(text, self.spellings))

    def fold(self, text: str) -> str:
        """``text`` folded and with SMS spellings replaced, as patterns read it."""
        return " ".join(_folded_words(text, self.spellings))

    def scan_words(self, words: list[str]) -> Scan:
        """:meth:`scan` for words already folded by :meth:`fold`."""
        return Scan([self.lookup(w) for w in words], words)


class Scan:
    """One message, word by word, with the phrase words each position stands for."""

    def __init__(self, hits: list[frozenset[int]], words: list[str] | None = None) -> None:
        self.hits = hits
        self.words = words or []  # the folded words, for callers that need them
        self._where: dict[int, list[int]] = {}
        for pos, ids in enumerate(hits):
            for i in ids:
                self._where.setdefault(i, []).append(pos)
        # Blanking idioms later does not shrink this: it only makes the pre-check looser.
        self._present = frozenset(self._where)

    @property
    def present(self) -> frozenset[int]:
        """The phrase words found anywhere in the message (before any blanking)."""
        return self._present

    def _possible(self, phrase: Phrase) -> bool:
        """Every mandatory slot has its words somewhere in the message (cheap pre-check)."""
        present = self._present
        if any(present.isdisjoint(ids) for ids in phrase.required):
            return False
        return all(any(o <= present for o in slot) for slot in phrase.complete)

    def _starts(self, phrase: Phrase) -> Iterator[int]:
        """Positions where the phrase could begin, in order (lazily: the first match wins)."""
        return heapq.merge(*(self._where.get(i, ()) for i in phrase.first_ids))

    def find(self, phrase: Phrase) -> tuple[int, int] | None:
        """The first (start, end) word span where ``phrase`` matches, or None."""
        if self._possible(phrase):
            for pos in self._starts(phrase):
                end = self._match(phrase.slots, 0, pos)
                if end is not None:
                    return pos, end
        return None

    def blank(self, phrase: Phrase) -> int:
        """Hide every match of ``phrase`` (an idiom) from later phrases; return how many."""
        if not self._possible(phrase):
            return 0
        count = 0
        free = 0  # matches do not overlap
        for pos in self._starts(phrase):
            if pos < free:
                continue
            end = self._match(phrase.slots, 0, pos)
            if end is not None:
                for blanked in range(pos, max(end, pos + 1)):
                    self.hits[blanked] = frozenset()
                free = max(end, pos + 1)
                count += 1
        return count

    def _match(self, slots: tuple[_Slot, ...], k: int, pos: int) -> int | None:
        if k == len(slots):
            return pos
        slot = slots[k]
        n = len(self.hits)
        if slot.gap:
            for skip in range(min(GAP_WORDS, n - pos) + 1):
                end = self._match(slots, k + 1, pos + skip)
                if end is not None:
                    return end
            return None
        if pos < n:
            for first in self.hits[pos]:
                for option in slot.by_first.get(first, ()):
                    stop = pos + len(option)
                    if stop <= n and all(
                        option[j] in self.hits[pos + j] for j in range(1, len(option))
                    ):
                        end = self._match(slots, k + 1, stop)
                        if end is not None:
                            return end
        if slot.optional:
            return self._match(slots, k + 1, pos)
        return None


class PhraseIndex:
    """Which phrases of a list a message may match, without trying each one.

    Safety reads every message against several hundred phrases; most share no word with it.
    Each phrase is filed under the words of its rarest mandatory slot (a message lacking all
    of them cannot match it), so a message only tries the phrases filed under its own words.
    A phrase with no mandatory slot is always tried. Order is kept: the first match among
    the candidates is the first match of the whole list.
    """

    def __init__(self, phrases: Sequence[Phrase]) -> None:
        self.phrases = tuple(phrases)
        self._always: list[int] = []
        self._by_word: dict[int, list[int]] = {}
        for n, phrase in enumerate(self.phrases):
            if not phrase.required:
                self._always.append(n)
                continue
            for word in min(phrase.required, key=len):
                self._by_word.setdefault(word, []).append(n)

    def candidates(self, scan: Scan) -> list[int]:
        """Indices of the phrases ``scan`` may match, in list order."""
        found = set(self._always)
        for word in scan.present:
            found.update(self._by_word.get(word, ()))
        return sorted(found)

    def first(self, scan: Scan) -> int | None:
        """Index of the first phrase that matches, or None."""
        return next(
            (n for n in self.candidates(scan) if scan.find(self.phrases[n]) is not None), None
        )

    def matching(self, scan: Scan) -> list[int]:
        """Indices of every phrase that matches, in list order."""
        return [n for n in self.candidates(scan) if scan.find(self.phrases[n]) is not None]
