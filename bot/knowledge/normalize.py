"""Turn what people really type into comparable text.

People write from a phone, in a hurry, often without accents and in SMS spelling
("jariv pa a macktualiser"). Every comparison in Relais (knowledge matching, crisis
patterns, the lexicon) goes through the same folding so that a coordinator's
phrasing and a person's message meet half-way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
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

    def __post_init__(self) -> None:
        # One regular expression: at each word start the variant with the most words (then
        # the longest) wins, and a replacement is never rewritten again.
        variants = sorted(
            (v for v in self.replacements if v.split()),
            key=lambda v: (-len(v.split()), -len(v), v),
        )
        canonical = {" ".join(v.split()): c for v, c in self.replacements.items()}
        object.__setattr__(self, "_canonical", canonical)
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


def normalize(text: str, lexicon: Lexicon | None = None) -> str:
    """Fold ``text`` and apply the lexicon: the form every matcher compares."""
    folded = fold(text)
    return lexicon.apply(folded) if lexicon else folded
