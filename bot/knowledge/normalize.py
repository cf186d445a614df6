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


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation, squeeze emphasis; words separated by one space.

    >>> fold("J'arrive PAS à m'actualiser sur Pôle-Emploi svppp !!")
    'j arrive pas a m actualiser sur pole emploi svp'
    """
    text = text.translate(_LIGATURES).lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
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
    _by_first_word: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for variant, canonical in self.replacements.items():
            words = tuple(variant.split())
            if words:
                index.setdefault(words[0], []).append((words, canonical))
        frozen = {
            first: tuple(sorted(options, key=lambda o: -len(o[0])))
            for first, options in index.items()
        }
        object.__setattr__(self, "_by_first_word", frozen)

    def apply(self, folded: str) -> str:
        """Replace every known variant in already folded text by its canonical form."""
        words = folded.split()
        out: list[str] = []
        i = 0
        while i < len(words):
            for variant, canonical in self._by_first_word.get(words[i], ()):
                if tuple(words[i : i + len(variant)]) == variant:
                    out.append(canonical)
                    i += len(variant)
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)


def normalize(text: str, lexicon: Lexicon | None = None) -> str:
    """Fold ``text`` and apply the lexicon: the form every matcher compares."""
    folded = fold(text)
    return lexicon.apply(folded) if lexicon else folded
