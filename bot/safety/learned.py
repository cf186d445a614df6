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
from itertools import pairwise
from pathlib import Path
from typing import Protocol

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from bot.knowledge.yamlfile import load_yaml_fast
from bot.safety.files import FileCheck

EXAMPLES_FILE = "exemples-crises.yaml"
NOT_CRISIS = "-"
# Long messages are read in pieces: a crisis sentence inside a long admin story must not be
# drowned by the rest. Pieces end at sentence marks or line breaks, and are at most this long.
MAX_PIECE_CHARS = 280
PIECE_BREAK = "qqpiecebreakqq"  # survives folding, never typed
_SENTENCES = re.compile(r"(?<=[.!?…\n])\s+|\n+")
_TOP_KEYS = ("crisis", "not_crisis")
_LETTER = re.compile(r"[^\W\d_]")
# Units (n-grams, words, pairs) whose score is kept: a few megabytes at most.
MAX_CACHED_UNITS = 100_000
# Inverse regularisation strength, chosen by cross-validation (bench/tune_safety.py).
C = 30.0
# A feature must appear in this many examples to count.
MIN_EXAMPLES = 2
# What the model says when it cannot judge at all (noise, nothing but numbers): no class,
# and no weight on « no crisis » either, so that a pattern found in it keeps its force.
NO_OPINION: tuple[str | None, float, float] = (None, 0.0, 0.0)
# Below this share of known character n-grams, a piece is not judged by the model.
MIN_KNOWN_SHARE = 0.5
# A piece needs this many characters in its words to be judged (« adieu » has five).
MIN_LETTERS = 5
# Glued words (« jenpeuxplus ») stay well under this; longer runs are pastes, not words.
MAX_WORD = 40


@dataclass(frozen=True)
class Example:
    """One labelled message: ``category`` is a crisis id, or None for a look-alike."""

    text: str = field(repr=False)
    category: str | None
    style: str = ""
    line: int = 0


def load_examples(path: Path, categories: Sequence[str]) -> tuple[Example, ...]:
    """Read the crisis examples file (``crisis:`` then ``not_crisis:``, both required).

    Read by :func:`read_examples`, the one reader of every examples file; a crisis example
    names one of ``categories``, a look-alike none.
    """

    def label(key: str, item: object) -> tuple[str | None, str]:
        if key != "crisis":
            return None, ""
        category = item.get("category") if isinstance(item, dict) else None
        if category in categories:
            return str(category), ""
        known = ", ".join(categories)
        return None, f"category « {category} » inconnue : choisissez parmi {known}"

    return read_examples(path, _TOP_KEYS, label, required=True)


def read_examples(
    path: Path, keys: Sequence[str], label: LabelFn, *, required: bool = False
) -> tuple[Example, ...]:
    """Read an examples file made of lists under ``keys``; raise KnowledgeError with
    file:line for every problem. ``label(key, item)`` gives an example's category (None for
    a look-alike) and a problem to report ('' when there is none). ``required``: every key
    must hold a list. Thousands of lines: read with libyaml, lines found again for problems."""
    data = load_yaml_fast(path)
    check = FileCheck(path, data)
    listed = ", ".join(keys)
    if not isinstance(data, dict):
        check.add(1, f"le fichier doit contenir des listes : {listed}")
        check.done()
    for key in keys if required else ():
        if key not in data:
            check.add(check.key_line(key), f"« {key}: » : une liste d'exemples")
    examples: list[Example] = []
    seen: dict[str, int] = {}
    for key, items in data.items():
        where = check.key_line(str(key))
        if key not in keys:
            check.add(where, f"clé « {key} » inconnue : choisissez parmi {listed}")
            continue
        if not isinstance(items, list) or not items:
            check.add(where, f"« {key}: » : une liste d'exemples")
            continue
        after = where
        for number, item in enumerate(items, start=1):
            text = item.get("text") if isinstance(item, dict) else item
            if not isinstance(text, str) or not text.strip():
                check.add(after, f'{key} n°{number} : écrivez - {{text: "…"}}')
                continue
            line = after = check.item_line(after, text)
            category, problem = label(str(key), item)
            if problem:
                check.add(line, f"{key} n°{number} : {problem}")
                continue
            folded = " ".join(text.lower().split())
            if folded in seen:
                check.add(line, f"exemple déjà écrit ligne {seen[folded]} : enlevez l'un des deux")
                continue
            seen[folded] = line
            style = str(item.get("style", "")) if isinstance(item, dict) else ""
            examples.append(Example(text.strip(), category, style, line))
    check.done()
    return tuple(examples)


class LabelFn(Protocol):
    def __call__(self, key: str, item: object) -> tuple[str | None, str]: ...


class CrisisModel:
    """P(crisis category | message), trained on the examples at load.

    Two families of features, each scaled to unit length per piece of message: the
    character n-grams (2 to 5) of each word, padded with a space, which survive typos, SMS
    spellings and glued words; and the words and pairs of words, which keep a little of the
    order (« fatigué de vivre » against « fatigué de vivre dans ce logement »). Both are
    weighted by rarity (idf). A word's and a pair's contributions are computed once and
    cached, so a long message costs little once its words are known, and a message is scored
    exactly as the examples were during training.
    """

    def __init__(self, examples: Sequence[Example], prepare: PrepareFn) -> None:
        self._prepare = prepare
        pieces = [prepare(e.text).split() for e in examples]
        labels = [e.category or NOT_CRISIS for e in examples]
        # Every word of three letters or more the examples use, even once (_knows_a_word).
        self._words_seen = frozenset(w for words in pieces for w in words if len(w) >= 3)
        self._chars = _Family(_words, _ngrams, pieces)
        self._terms = _Family(_terms, _itself, pieces)
        model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
        features = hstack([self._chars.matrix(pieces), self._terms.matrix(pieces)]).tocsr()
        # One BLAS thread: on a busy machine, threads fighting for two cores made training
        # ten times slower, and the matrices are small.
        with threadpool_limits(limits=1):
            model.fit(features, labels)
        self.classes: tuple[str, ...] = tuple(str(c) for c in model.classes_)
        self._none = self.classes.index(NOT_CRISIS)
        split = len(self._chars.index)
        self._chars.set_weights(model.coef_[:, :split])
        self._terms.set_weights(model.coef_[:, split:])
        self._intercept = model.intercept_.astype(np.float64)

    def _knows_a_word(self, words: list[str]) -> bool:
        """At least one word of three letters or more that the examples used: noise that
        folds to « fi il ni » shares letter pairs with French, never whole words."""
        return any(w in self._words_seen for w in words)

    def predict(self, text: str) -> tuple[str | None, float, float]:
        """(most likely crisis, its probability, probability of no crisis) for ``text``."""
        return self.predict_prepared(f" {PIECE_BREAK} ".join(split_pieces(text)))

    def predict_prepared(self, joined: str) -> tuple[str | None, float, float]:
        """The same, for pieces already joined with PIECE_BREAK."""
        return self.predict_folded(self._prepare(joined))

    def predict_folded(self, folded: str) -> tuple[str | None, float, float]:
        """The same, for joined pieces already prepared (the detector folds once for all).

        The piece most likely to be a crisis speaks for the message; "no crisis" is the
        smallest over the pieces, so one calm sentence cannot hide a crisis in the next.
        """
        chances, none = self.chances_folded(folded)
        if not chances:
            return NO_OPINION
        best = max(chances, key=chances.__getitem__)
        return best, chances[best], none

    def chances_folded(self, folded: str) -> tuple[dict[str, float], float]:
        """Each crisis's highest chance over the pieces, and the chance of no crisis (the
        smallest over the pieces); ({}, 1.0) when the model cannot judge the message."""
        # A piece with no word of letters has no token at all: it is left out (numpy's
        # reduceat below would otherwise lend it its neighbour's row). So is a piece that
        # cannot be judged: « y » or « m » alone gave wild scores.
        if _repeated(folded):
            return {}, 1.0
        pieces = [p.split() for p in folded.split(PIECE_BREAK)]
        pieces = [p for p in pieces if _judgeable(_words(p)) and self._knows_a_word(p)]
        if not pieces:
            return {}, 1.0
        chars, known = self._chars.scores(pieces)
        terms, _ = self._terms.scores(pieces)
        logits = chars + terms + self._intercept
        logits = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities = logits / logits.sum(axis=1, keepdims=True)
        # A piece made mostly of letter sequences no example had (gibberish, another
        # language) cannot be judged: the model says nothing about it.
        unknown = known < MIN_KNOWN_SHARE
        probabilities[unknown] = 0.0
        probabilities[unknown, self._none] = 1.0
        none = float(probabilities[:, self._none].min())
        highest = probabilities.max(axis=0)
        chances = {
            label: float(highest[k]) for k, label in enumerate(self.classes) if k != self._none
        }
        return chances, none


def _repeated(folded: str) -> bool:
    """The same few words pasted over and over (100 kB of « nuit fin il »): no sentence to
    judge. A real long message uses, at the very least, one new word in ten."""
    words = _words(folded.split())
    return len(words) > 40 and len(set(words)) < 0.1 * len(words)


def _judgeable(words: list[str]) -> bool:
    """Enough to judge: five letters at least (« adieu »), and words, not noise."""
    if sum(map(len, words)) < MIN_LETTERS:
        return False
    if len(words) > 1 and len(set(words)) == 1:  # « fi fi fi », « il il il »
        return False
    # A sentence varies its words and many of them have three letters or more; a paste
    # of symbols folds to « a e a e … » or « mot il mot il … ». (A crisis said over and
    # over is still found by the patterns.)
    if len(words) > 4 and len(set(words)) < 0.4 * len(words):
        return False
    return len(words) <= 12 or sum(len(w) >= 3 for w in words) >= 0.2 * len(words)


class _Family:
    """One family of features: vocabulary, idf, learned weights, and a per-token cache.

    A token (a word, or a pair of words) stands for one or more features (its character
    n-grams, or itself). Its contribution to the class scores and to the squared length is
    computed once and cached; a message's scores are then one sum per piece.
    """

    def __init__(self, tokens: TokensFn, parts: PartsFn, pieces: Sequence[list[str]]) -> None:
        self._tokens = tokens
        self._parts = parts
        # Words come back in thousands of examples: each one's features are listed once.
        features_of: dict[str, list[str]] = {}
        frequency: dict[str, int] = {}
        for words in pieces:
            seen: set[str] = set()
            for token in tokens(words):
                found = features_of.get(token)
                if found is None:
                    found = features_of[token] = parts(token)
                seen.update(found)
            for feature in seen:
                frequency[feature] = frequency.get(feature, 0) + 1
        # A feature seen in one example only teaches little and slows training: left out.
        names = sorted(f for f, n in frequency.items() if n >= MIN_EXAMPLES)
        self.index = {name: column for column, name in enumerate(names)}
        total = len(pieces)
        self.idf = np.array([np.log((1 + total) / (1 + frequency[n])) + 1.0 for n in names])
        self._weights = np.zeros((len(names), 1))
        self._forget_tokens()

    def matrix(self, pieces: Sequence[list[str]]) -> csr_matrix:
        """Training rows: counts times idf over the piece's length (as :meth:`scores` reads).

        The length is the square root of the sum of idf² over every feature occurrence,
        exactly as :meth:`scores` adds up its tokens' squares.
        """
        rows: list[int] = []
        columns: list[int] = []
        columns_of: dict[str, list[int]] = {}
        for row, words in enumerate(pieces):
            for token in self._tokens(words):
                known = columns_of.get(token)
                if known is None:
                    known = columns_of[token] = [
                        c for f in self._parts(token) if (c := self.index.get(f)) is not None
                    ]
                columns.extend(known)
                rows.extend([row] * len(known))
        at = np.asarray(rows, dtype=np.intp)
        where = np.asarray(columns, dtype=np.intp)
        values = self.idf[where]
        norms = np.sqrt(np.bincount(at, weights=values * values, minlength=len(pieces)))
        norms[norms == 0] = 1.0
        # Repeated (row, column) pairs are summed by scipy: n occurrences give n * idf.
        return csr_matrix((values / norms[at], (at, where)), shape=(len(pieces), len(self.index)))

    def set_weights(self, coef: np.ndarray) -> None:
        self._weights = (coef * self.idf[np.newaxis, :]).T.astype(np.float64)
        self._forget_tokens()

    def scores(self, pieces: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """One row of class scores per piece (before the intercept), and the share of each
        piece's features that the examples had (gibberish has almost none)."""
        rows: list[int] = []
        starts: list[int] = []
        for words in pieces:
            starts.append(len(rows))
            for token in self._tokens(words):
                row = self._rows.get(token)
                rows.append(self._learn(token) if row is None else row)
        taken = np.fromiter(rows, dtype=np.intp, count=len(rows))
        total = np.add.reduceat(self._vectors[taken], starts, axis=0)
        squares = np.add.reduceat(self._squares[taken], starts)
        known = np.add.reduceat(self._known[taken], starts)
        seen = np.add.reduceat(self._seen[taken], starts)
        scores = total / np.sqrt(np.where(squares > 0, squares, 1.0))[:, np.newaxis]
        return scores, known / np.where(seen > 0, seen, 1.0)

    def _learn(self, token: str) -> int:
        """Compute a token's contribution once; its row in the cache."""
        if len(self._rows) >= MAX_CACHED_UNITS:
            self._forget_tokens()
        columns = [c for f in self._parts(token) if (c := self.index.get(f)) is not None]
        row = len(self._rows) + 1  # row 0 stays zero: a token the examples never had
        if row >= len(self._squares):
            grow = len(self._squares)
            self._vectors = np.vstack([self._vectors, np.zeros_like(self._vectors[:grow])])
            self._squares = np.concatenate([self._squares, np.zeros(grow)])
            self._known = np.concatenate([self._known, np.zeros(grow)])
            self._seen = np.concatenate([self._seen, np.zeros(grow)])
        self._vectors[row] = self._weights[columns].sum(axis=0)
        self._squares[row] = np.square(self.idf[columns]).sum()
        self._known[row] = len(columns)
        self._seen[row] = len(self._parts(token))
        self._rows[token] = row
        return row

    def _forget_tokens(self) -> None:
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((1024, self._weights.shape[1]))
        self._squares = np.zeros(1024)
        self._known = np.zeros(1024)  # how many of a token's features the examples had
        self._seen = np.zeros(1024)  # how many features the token has


class PrepareFn(Protocol):
    def __call__(self, text: str) -> str: ...


class TokensFn(Protocol):
    def __call__(self, words: list[str]) -> list[str]: ...


class PartsFn(Protocol):
    def __call__(self, token: str) -> list[str]: ...


def _words(words: list[str]) -> list[str]:
    """The words that have a letter: numbers alone say nothing of a crisis, and 100 kB of
    « 0 0 0 » must not weigh like a sentence. A « word » longer than any real one (a paste
    of 100 kB without a space) says nothing either."""
    return [w for w in words if len(w) <= MAX_WORD and _LETTER.search(w)]


def _ngrams(word: str) -> list[str]:
    """Character n-grams (2 to 5) of `` word ``, as scikit-learn's ``char_wb`` makes them."""
    padded = f" {word} "
    return [padded[i : i + n] for n in range(2, 6) for i in range(len(padded) - n + 1)]


def _terms(words: list[str]) -> list[str]:
    """Words (with a letter), and pairs of neighbouring words."""
    words = _words(words)
    return [*words, *(f"{a} {b}" for a, b in pairwise(words))]


def _itself(token: str) -> list[str]:
    return [token]


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
