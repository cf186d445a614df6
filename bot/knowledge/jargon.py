"""Words people may not know, and whether an answer explains them where they first appear.

``knowledge/jargon.yaml`` is edited by coordinators: each word comes with the one-line
explanation expected next to it. A person reads one answer at a time, on a small screen,
often without anyone to ask: a word like "RIB" or "FranceConnect" that is not explained
in the same paragraph is a word that stops them.

A use is *explained* when, in the same paragraph (or step), one of these is true:

- the word is followed by a definition mark: ``RIB :``, ``RIB (…)``, ``RIB, c'est…``,
  ``RIB est un…``, ``RIB =``;
- the word is itself in brackets after the plain words: ``compte bancaire (RIB)``;
- one of the word's ``signs`` from jargon.yaml is there ("bouton" next to FranceConnect).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.yamlfile import KnowledgeError, LineDict, Problem, display_path, load_yaml

JARGON_FILE = "jargon.yaml"
_KEYS = ("word", "forms", "explanation", "signs")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "’": "'"})
# What may follow a word to define it, on text made plain (lower case, no accents).
_DEFINED_AFTER = re.compile(
    r"^\+?\s*(?::|\(|=|,?\s*c'est\b|,?\s*ca veut dire\b|\s+est\s+(?:un|une|le|la|l')|"
    r"\s+s'appelle\b|\s+signifie\b)"
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class JargonWord:
    """One word to explain, its other spellings and what shows it is explained."""

    word: str
    explanation: str
    forms: tuple[str, ...] = ()
    signs: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern[str]:
        """The word and its forms as whole words, on plain text."""
        options = sorted({plain(w) for w in (self.word, *self.forms)}, key=len, reverse=True)
        return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, options)) + r")(?![\w-])")


def plain(text: str) -> str:
    """Lower case without accents, punctuation kept: definition marks stay visible."""
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES).lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def load_jargon(folder: Path) -> tuple[JargonWord, ...]:
    """Read ``jargon.yaml`` of ``folder`` (none is fine); raise KnowledgeError on mistakes."""
    path = folder / JARGON_FILE
    if not path.exists():
        return ()
    shown = display_path(path)
    data = load_yaml(path)
    if data is None:
        return ()
    if not isinstance(data, list):
        raise KnowledgeError(
            [Problem(shown, 1, "ce fichier doit être une liste de mots (« - word: … »)")]
        )
    problems: list[Problem] = []
    words: list[JargonWord] = []
    for item in data:
        line = item.line if isinstance(item, LineDict) else 1
        if not isinstance(item, LineDict) or not _text(item.get("word")):
            problems.append(
                Problem(shown, line, "chaque mot s'écrit « - word: … » puis « explanation: … »")
            )
            continue
        unknown = [k for k in item if k not in _KEYS]
        for key in unknown:
            problems.append(
                Problem(
                    shown,
                    item.line_of(key),
                    f"clé « {key} » inconnue : les clés possibles sont {', '.join(_KEYS)}",
                )
            )
        explanation = _text(item.get("explanation"))
        if not explanation:
            problems.append(
                Problem(
                    shown,
                    line,
                    f"« {item['word']} » : ajoutez « explanation: » (l'explication en une ligne)",
                )
            )
        if unknown or not explanation:
            continue
        words.append(
            JargonWord(
                word=_text(item["word"]),
                explanation=explanation,
                forms=_texts(item.get("forms")),
                signs=_texts(item.get("signs")),
            )
        )
    if problems:
        raise KnowledgeError(problems)
    return tuple(words)


def paragraphs(text: str) -> list[str]:
    """Blocks separated by a blank line: what a person sees together."""
    return [p for p in map(str.strip, _BLANK_LINE.split(text)) if p]


def first_unexplained(word: JargonWord, blocks: Iterable[str]) -> str | None:
    """The paragraph where ``word`` first appears, if it is not explained there; else None.

    Once explained, later uses in the same answer are fine: the person has read it.
    """
    pattern = word.pattern()
    signs = [plain(s) for s in word.signs]
    for block in blocks:
        text = plain(block)
        found = pattern.search(text)
        if found is None:
            continue
        if _explained(text, found, signs):
            return None
        return block
    return None


def _explained(text: str, found: re.Match[str], signs: list[str]) -> bool:
    if _DEFINED_AFTER.match(text[found.end() :]):
        return True
    before = text[: found.start()].rstrip()
    if before.endswith("(") and text[found.end() :].lstrip().startswith(")"):
        return True
    return any(sign and sign in text for sign in signs)


def _text(value: object) -> str:
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _texts(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    return tuple(t for t in (_text(v) for v in values) if t)
