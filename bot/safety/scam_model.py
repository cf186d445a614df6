"""Scams recognised from examples, where the signs of ``domaines-officiels.yaml`` say nothing.

The signs find what their authors listed: a parcel, an amende, a « nouveau numéro ». People
paste and tell scams in endless other words: « la banque m'a appelé, il faut valider sur
l'appli pour annuler », « le proprio est à l'étranger, il veut la caution avant la visite ».
``knowledge/exemples-arnaques.yaml`` holds such messages, each with the entry that answers
it, and genuine messages that only look like one; the questions of the other entries are
ordinary messages, by definition. The crisis model's machinery (:mod:`bot.safety.learned`)
is trained on them at load; it speaks only when the signs have no verdict, and only when
quite sure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.safety.learned import CrisisModel, Example, read_examples
from bot.safety.unmask import unmask

SCAM_EXAMPLES_FILE = "exemples-arnaques.yaml"
_TOP_KEYS = ("scams", "genuine")
# Chance of a scam above which the model's verdict counts. Chosen by cross-validation on the
# examples (bench/tune_scams.py) so that genuine messages are almost never called scams.
SURE_AT = 0.80
READ_CHARS = 1_000
SCAM_THEME = "arnaques"
# What the person reads when the model, not a sign, recognised the scam.
LEARNED_REASON = "Ce message ressemble à des arnaques que nous connaissons déjà."


@dataclass(frozen=True)
class ScamGuess:
    entry: str
    probability: float


class ScamModel:
    """P(scam, and which entry answers it | message), trained once at load."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self._model = CrisisModel(examples, prepare=_prepare)

    def guess(self, text: str, sure_at: float = SURE_AT) -> ScamGuess | None:
        # A pasted scam is a few lines; the start of a long message is enough to judge it
        # (the crisis and secret checks, not this one, read every character).
        entry, _probability, none = self._model.predict(text[:READ_CHARS])
        if entry is None or 1.0 - none < sure_at:
            return None
        return ScamGuess(entry, 1.0 - none)


def _prepare(text: str) -> str:
    """Lower case, look-alike letters folded: what the model reads."""
    return " ".join(unmask(text).lower().split())


def load_scam_examples(path: Path) -> tuple[Example, ...]:
    """Read the examples file; raise KnowledgeError with file:line for every problem."""
    return read_examples(path, _TOP_KEYS, _scam_label)


def _scam_label(key: str, item: object) -> tuple[str | None, str]:
    """A scam names the entry that answers it; a genuine message is a look-alike."""
    if key != "scams":
        return None, ""
    entry = item.get("entry") if isinstance(item, dict) else None
    if not isinstance(entry, str):
        return None, "ajoutez « entry: » (la fiche qui répond)"
    return entry, ""


_TRAINED: dict[tuple[Example, ...], ScamModel] = {}
_MAX_TRAINED = 4


def scam_model(folder: Path, questions: Sequence[tuple[str, str, str]]) -> ScamModel | None:
    """The model for this folder (None without an examples file), trained once per content.

    ``questions``: the entries' (id, theme, phrasing), from ``questions_in``.
    """
    path = folder / SCAM_EXAMPLES_FILE
    if not path.is_file():
        return None
    examples = list(load_scam_examples(path))
    known = {" ".join(e.text.lower().split()) for e in examples}
    for _entry_id, theme, question in questions:
        folded = " ".join(question.lower().split())
        # The « arnaques » entries' questions are about scams, not scams: left out.
        if folded in known or theme == SCAM_THEME:
            continue
        known.add(folded)
        examples.append(Example(question, None))
    key = tuple(Example(e.text, e.category) for e in examples)
    model = _TRAINED.get(key)
    if model is None:
        if len(_TRAINED) >= _MAX_TRAINED:
            _TRAINED.clear()
        model = _TRAINED[key] = ScamModel(key)
    return model
