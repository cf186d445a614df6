"""Turn what people really type into comparable text.

People write from a phone, in a hurry, often without accents and in SMS spelling
("jariv pa a macktualiser"). Every comparison in Relais (knowledge matching, crisis
patterns, the lexicon) goes through the same folding so that a coordinator's
phrasing and a person's message meet half-way.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
# Apostrophes glue French words ("j'ai", "l'appli"): split them into words.
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Three or more of the same letter is emphasis ("svppp", "merciii"), never French spelling.
_REPEATS = re.compile(r"([a-z])\1{2,}")
# Two of the same letter is often a spelling choice ("apel"/"appel"): folded only in keys.
_DOUBLES = re.compile(r"([a-z])\1")


# Combining marks left by NFKD (accents): removed with one regular expression, at C speed.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, squeeze emphasis; words separated by one space.

    Every step is a C-level ``str`` or ``re`` call: folding runs on every phrasing of the
    base at load (10 000 entries must index in seconds) and on every message.

    >>> fold("J'arrive PAS à m'actualiser sur Pôle-Emploi svppp !!")
    'j arrive pas a m actualiser sur pole emploi svp'
    """
    text = text.translate(_LIGATURES).lower()
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    text = _NON_WORD.sub(" ", text)
    text = _REPEATS.sub(r"\1", text)
    return " ".join(text.split())


def squash(token: str) -> str:
    """Fold doubled letters so that "apel" and "appel" share one key."""
    return _DOUBLES.sub(r"\1", token)


@dataclass(frozen=True)
class Lexicon:
    """SMS spellings and synonyms, read from ``knowledge/lexique.yaml``.

    ``replacements`` maps a folded variant (one or more words) to its folded canonical form.
    Longer variants win, so "carte bleue" is replaced before "carte".
    """

    replacements: Mapping[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _canonical: Mapping[str, str] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # For batches (the index build): variants by first word, in the regular expression's order.
    _by_first: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _single: Mapping[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _multi_start: frozenset[tuple[str, ...]] = field(
        default_factory=frozenset, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # One regular expression: at each word start the variant with the most words (then
        # the longest) wins, and a replacement is never rewritten again.
        variants = sorted(
            (v for v in self.replacements if v.split()),
            key=lambda v: (-len(v.split()), -len(v), v),
        )
        canonical = {" ".join(v.split()): c for v, c in self.replacements.items()}
        object.__setattr__(self, "_canonical", canonical)
        by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for variant in variants:
            words = tuple(variant.split())
            by_first.setdefault(words[0], []).append((words, canonical[" ".join(words)]))
        object.__setattr__(self, "_by_first", {k: tuple(v) for k, v in by_first.items()})
        # One-word variants, and the first two words of longer ones: most texts hold no such
        # pair and are replaced word by word in one pass.
        object.__setattr__(
            self,
            "_single",
            {w: opts[-1][1] for w, opts in by_first.items() if len(opts[-1][0]) == 1},
        )
        object.__setattr__(
            self,
            "_multi_start",
            frozenset(v[:2] for opts in by_first.values() for v, _ in opts if len(v) > 1),
        )
        if variants:
            alternatives = "|".join(re.escape(" ".join(v.split())) for v in variants)
            pattern = re.compile(rf"(?<!\S)(?:{alternatives})(?!\S)")
            object.__setattr__(self, "_pattern", pattern)

    def apply(self, folded: str) -> str:
        """Replace every known variant in already folded text by its canonical form."""
        if self._pattern is None:
            return folded
        replacements = self._canonical
        return self._pattern.sub(lambda m: replacements[m.group()], folded)

    def apply_words(self, words: list[str]) -> str:
        """:meth:`apply` for text already split into folded words, one word at a time.

        The same result as the regular expression; faster over many short texts, because
        most words start no variant and cost one dictionary look-up.
        """
        if self._multi_start.isdisjoint(itertools.pairwise(words)):
            single = self._single
            return " ".join([single.get(w, w) for w in words])
        by_first = self._by_first
        out: list[str] = []
        i, n = 0, len(words)
        while i < n:
            options = by_first.get(words[i])
            if options:
                for variant, canonical in options:
                    size = len(variant)
                    if size == 1 or tuple(words[i : i + size]) == variant:
                        out.append(canonical)
                        i += size
                        break
                else:
                    out.append(words[i])
                    i += 1
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)


# Separates texts folded together in one block; a text that holds it is folded alone.
_SEPARATOR = "\x00"
_NON_WORD_KEEP_SEPARATOR = re.compile(r"[^a-z0-9\x00]+")


def fold_many(texts: list[str]) -> list[str]:
    """:func:`fold` of each text, done as one block: a few C-level calls for all of them.

    Every step of folding works character by character (or within a word), so folding the
    texts joined by a separator that folding keeps, then splitting, gives each text's fold.
    """
    if not texts:
        return []
    if any(_SEPARATOR in text for text in texts):
        return [fold(text) for text in texts]
    block = _SEPARATOR.join(texts).translate(_LIGATURES).lower()
    if not block.isascii():
        block = _MARKS.sub("", unicodedata.normalize("NFKD", block))
    block = _NON_WORD_KEEP_SEPARATOR.sub(" ", block)
    block = _REPEATS.sub(r"\1", block)
    return [" ".join(part.split()) for part in block.split(_SEPARATOR)]


def normalize_many(texts: Iterable[str], lexicon: Lexicon | None = None) -> list[str]:
    """:func:`normalize` of each text, for the index build (over 100 000 phrasings).

    Folding works within a word, and the same words come back again and again: each distinct
    word is folded once (all of them as one block), then the lexicon is applied word by word
    (:meth:`Lexicon.apply_words`). Each distinct text is normalised once.
    """
    texts = list(texts)
    distinct = list(dict.fromkeys(texts))
    tokens = list(dict.fromkeys(" ".join(distinct).split()))
    folded_token = {t: f.split() for t, f in zip(tokens, fold_many(tokens), strict=True)}
    result: dict[str, str] = {}
    for text in distinct:
        words = [w for token in text.split() for w in folded_token[token]]
        result[text] = lexicon.apply_words(words) if lexicon is not None else " ".join(words)
    return [result[text] for text in texts]


def normalize(text: str, lexicon: Lexicon | None = None) -> str:
    """Fold ``text`` and apply the lexicon: the form every matcher compares."""
    folded = fold(text)
    return lexicon.apply(folded) if lexicon else folded
