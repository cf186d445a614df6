"""A crisis model that learns from examples, so that new ways of saying it are recognised.

Hand-written patterns find what their authors thought of. People on their worst day write
« a quoi bon tout ça », « j'ai avalé toute la boîte », « on dort sous le pont depuis
samedi ». ``knowledge/exemples-crises.yaml`` holds many such messages, and as many
look-alikes that are not crises (« mort de rire », « ce formulaire me tue »); coordinators add
to it like any other file. At every load a character n-gram logistic regression
(scikit-learn) is trained on it in well under a second: nothing is downloaded, nothing
pickled, and a coordinator's new example counts at the next reload.

Character n-grams within words are robust to the typos, SMS spellings and glued words of
real messages, where whole-word features would miss « mourrir » or « jenpeuxplus ».
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from bot.knowledge.yamlfile import LineDict
from bot.safety.files import FileCheck

EXAMPLES_FILE = "exemples-crises.yaml"
NOT_CRISIS = "-"
# Long messages are read in pieces: a crisis sentence inside a long admin story must not be
# drowned by the rest. Pieces end at sentence marks or line breaks, and are at most this long.
MAX_PIECE_CHARS = 280
PIECE_BREAK = "qqpiecebreakqq"  # survives folding, never typed
_SENTENCES = re.compile(r"(?<=[.!?…\n])\s+|\n+")
_TOP_KEYS = ("crisis", "not_crisis")
# Words whose score is kept: more than a day of messages, a few megabytes at most.
MAX_CACHED_WORDS = 50_000


@dataclass(frozen=True)
class Example:
    """One labelled message: ``category`` is a crisis id, or None for a look-alike."""

    text: str = field(repr=False)
    category: str | None
    style: str = ""
    line: int = 0


def load_examples(path: Path, categories: Sequence[str]) -> tuple[Example, ...]:
    """Read the examples file; raise KnowledgeError with file:line for every problem."""
    check = FileCheck(path)
    data = check.data
    if not isinstance(data, LineDict):
        check.add(1, "le fichier doit contenir « crisis: » puis « not_crisis: »")
        check.done()
    check.keys(data, _TOP_KEYS, EXAMPLES_FILE)
    examples: list[Example] = []
    seen: dict[str, int] = {}
    for key in _TOP_KEYS:
        items = data.get(key)
        if not isinstance(items, list) or not items:
            check.add(
                data.line_of(key) if key in data else 1, f"« {key}: » : une liste d'exemples"
            )
            continue
        for number, item in enumerate(items, start=1):
            line = getattr(item, "line", data.line_of(key))
            if not isinstance(item, LineDict) or not isinstance(item.get("text"), str):
                check.add(line, f'{key} n°{number} : écrivez - {{text: "…", …}}')
                continue
            line = item.line_of("text")
            text = item["text"].strip()
            category = item.get("category") if key == "crisis" else None
            if key == "crisis" and category not in categories:
                known = ", ".join(categories)
                check.add(line, f"category « {category} » inconnue : choisissez parmi {known}")
                continue
            folded = " ".join(text.lower().split())
            if not text:
                check.add(line, "exemple vide : écrivez le message entre les guillemets")
            elif folded in seen:
                check.add(line, f"exemple déjà écrit ligne {seen[folded]} : enlevez l'un des deux")
            else:
                seen[folded] = line
                examples.append(Example(text, category, str(item.get("style", "")), line))
    check.done()
    return tuple(examples)


class CrisisModel:
    """P(crisis category | message), trained on the examples at load.

    Features are the character n-grams (2 to 5 letters) of each word, padded with a space on
    each side, weighted by rarity (idf) and scaled to unit length per piece. Scoring is
    written so that a word's contribution is computed once and cached: a long message costs
    well under a millisecond once its words are known, and a message is scored exactly as
    the examples were during training.
    """

    def __init__(self, examples: Sequence[Example], prepare: PrepareFn) -> None:
        self._prepare = prepare
        pieces = [prepare(e.text) for e in examples]
        labels = [e.category or NOT_CRISIS for e in examples]
        self._index, self._idf = _vocabulary(pieces)
        model = LogisticRegression(C=12.0, max_iter=3000, class_weight="balanced")
        model.fit(self._matrix(pieces), labels)
        self.classes: tuple[str, ...] = tuple(str(c) for c in model.classes_)
        self._none = self.classes.index(NOT_CRISIS)
        # Each n-gram's weight for every class, idf included: a word's score is a sum of rows.
        self._weights = (model.coef_ * self._idf[np.newaxis, :]).T.astype(np.float64)
        self._intercept = model.intercept_.astype(np.float64)
        self._words: dict[str, tuple[np.ndarray, float]] = {}

    def predict(self, text: str) -> tuple[str | None, float, float]:
        """(most likely crisis, its probability, probability of no crisis) for ``text``."""
        return self.predict_prepared(f" {PIECE_BREAK} ".join(split_pieces(text)))

    def predict_prepared(self, joined: str) -> tuple[str | None, float, float]:
        """The same, for pieces already joined with PIECE_BREAK (the detector does it once).

        The piece most likely to be a crisis speaks for the message; "no crisis" is the
        smallest over the pieces, so one calm sentence cannot hide a crisis in the next.
        """
        parts: list[tuple[np.ndarray, float]] = []
        starts: list[int] = []
        for piece in self._prepare(joined).split(PIECE_BREAK):
            words = piece.split()
            if words:
                starts.append(len(parts))
                parts.extend(self._word(w) for w in words)
        if not parts:
            return None, 0.0, 1.0
        scores = np.add.reduceat(np.array([part[0] for part in parts]), starts, axis=0)
        squares = np.add.reduceat(np.array([part[1] for part in parts]), starts)
        logits = scores / np.sqrt(np.where(squares > 0, squares, 1.0))[:, np.newaxis]
        logits += self._intercept
        logits = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities = logits / logits.sum(axis=1, keepdims=True)
        none = float(probabilities[:, self._none].min())
        probabilities[:, self._none] = -1.0
        row, column = np.unravel_index(int(np.argmax(probabilities)), probabilities.shape)
        return self.classes[int(column)], float(probabilities[row, column]), none

    def _word(self, word: str) -> tuple[np.ndarray, float]:
        cached = self._words.get(word)
        if cached is None:
            columns = _columns(word, self._index)
            score = self._weights[columns].sum(axis=0)
            cached = (score, float(np.square(self._idf[columns]).sum()))
            if len(self._words) >= MAX_CACHED_WORDS:
                self._words.clear()
            self._words[word] = cached
        return cached

    def _matrix(self, pieces: Sequence[str]) -> csr_matrix:
        """The training rows, built the way :meth:`predict` reads a message."""
        rows: list[int] = []
        columns: list[int] = []
        values: list[float] = []
        for row, piece in enumerate(pieces):
            found = [c for word in piece.split() for c in _columns(word, self._index)]
            weights = self._idf[found]
            norm = float(np.sqrt(np.square(weights).sum())) or 1.0
            counts: dict[int, int] = {}
            for column in found:
                counts[column] = counts.get(column, 0) + 1
            for column, count in counts.items():
                rows.append(row)
                columns.append(column)
                values.append(count * float(self._idf[column]) / norm)
        return csr_matrix((values, (rows, columns)), shape=(len(pieces), len(self._index)))


class PrepareFn(Protocol):
    def __call__(self, text: str) -> str: ...


def _ngrams(word: str) -> list[str]:
    """Character n-grams of `` word `` (2 to 5 long), as scikit-learn's ``char_wb`` makes them."""
    padded = f" {word} "
    return [padded[i : i + n] for n in range(2, 6) for i in range(len(padded) - n + 1)]


def _columns(word: str, index: dict[str, int]) -> list[int]:
    return [index[g] for g in _ngrams(word) if g in index]


def _vocabulary(pieces: Sequence[str]) -> tuple[dict[str, int], np.ndarray]:
    """Every n-gram of the examples, and its smoothed idf (as scikit-learn computes it)."""
    frequency: dict[str, int] = {}
    for piece in pieces:
        for gram in {g for word in piece.split() for g in _ngrams(word)}:
            frequency[gram] = frequency.get(gram, 0) + 1
    grams = sorted(frequency)
    total = len(pieces)
    idf = np.array([np.log((1 + total) / (1 + frequency[g])) + 1.0 for g in grams])
    return {gram: column for column, gram in enumerate(grams)}, idf


def split_pieces(text: str) -> list[str]:
    """Sentences of a message, each at most MAX_PIECE_CHARS (cut at a space)."""
    pieces: list[str] = []
    for sentence in _SENTENCES.split(text):
        while len(sentence) > MAX_PIECE_CHARS:
            cut = sentence.rfind(" ", 0, MAX_PIECE_CHARS)
            cut = cut if cut > MAX_PIECE_CHARS // 2 else MAX_PIECE_CHARS
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        if sentence.strip():
            pieces.append(sentence)
    return pieces
