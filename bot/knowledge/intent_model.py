"""Requests for a person, a call, to be forgotten, about the bot: learned from examples.

The patterns of :mod:`bot.knowledge.intents` find the ways their authors thought of. People
ask for a human in many more: « est-ce qu'une personne peut regarder mon dossier avec moi »,
« j'écris mal, je préfère parler », « la dame du CCAS elle peut me rappeler ? ». Missing one
sends someone who asked for a person to an FAQ: the exact failure the field reports describe.

``knowledge/exemples-intentions.yaml`` holds such messages per intent, and look-alikes that
are none (« comment appeler la caf », « mon assistante sociale m'a dit de… »); the entries'
own phrasings are look-alikes too, by definition. A linear model over character n-grams and
words (the crisis model's, :mod:`bot.safety.learned`) is trained on them at load; the patterns
still come first, the model only adds what they miss, and only when it is quite sure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.intents import Intent
from bot.knowledge.normalize import Lexicon, normalize
from bot.safety.learned import CrisisModel, Example, read_examples

INTENT_EXAMPLES_FILE = "exemples-intentions.yaml"
NONE_KEY = "none"
# The intents the model may add; the others (greetings, thanks) are patterns only.
LEARNED = (Intent.HUMAN, Intent.CALL_OR_MEET, Intent.FORGET, Intent.ABOUT_BOT)
# The entries whose phrasings are examples of an intent rather than look-alikes.
ENTRY_INTENTS = {
    "besoin-voir-quelqu-un": Intent.CALL_OR_MEET,
    "bot-presentation": Intent.ABOUT_BOT,
    "bot-donnees": Intent.FORGET,
}
# Chance of the intent (against « none ») above which the model's word counts. Chosen by
# cross-validation on the examples (bench/tune_intents.py): few ordinary questions pass it.
SURE_AT = 0.80
# A large base teaches little more about what an ordinary question looks like, and training
# time grows with it: at most this many entry phrasings are used as look-alikes.
MAX_ENTRY_PHRASINGS = 4_000


@dataclass(frozen=True)
class IntentGuess:
    intent: Intent
    probability: float


class IntentModel:
    """P(intent | message) for the intents of :data:`LEARNED`, trained once at load."""

    def __init__(self, examples: Sequence[Example], lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._model = CrisisModel(examples, prepare=self._prepare)

    def _prepare(self, text: str) -> str:
        return normalize(text, self._lexicon)

    def guess(self, text: str, sure_at: float = SURE_AT) -> IntentGuess | None:
        """The intent ``text`` surely expresses, or None (the patterns and matcher decide)."""
        label, probability, none = self._model.predict(text)
        if label is None or 1.0 - none < sure_at:
            return None
        return IntentGuess(Intent(label), probability)


def load_intent_examples(path: Path) -> tuple[Example, ...]:
    """Read the examples file; raise KnowledgeError with file:line for every problem."""
    keys = [i.value for i in LEARNED] + [NONE_KEY]
    return read_examples(path, keys, lambda key, _item: (None if key == NONE_KEY else key, ""))


def entry_examples(
    phrasings_by_entry: Sequence[tuple[str, Sequence[str]]],
) -> tuple[Example, ...]:
    """The entries' phrasings as examples: their own intent for a few, « none » for the rest."""
    examples: list[Example] = []
    ordinary = 0
    for entry_id, phrasings in phrasings_by_entry:
        intent = ENTRY_INTENTS.get(entry_id)
        for text in phrasings:
            if intent is None:
                if ordinary >= MAX_ENTRY_PHRASINGS:
                    continue
                ordinary += 1
            examples.append(Example(text, intent.value if intent else None))
    return tuple(examples)


_TRAINED: dict[tuple[tuple[Example, ...], tuple[tuple[str, str], ...]], IntentModel] = {}
_MAX_TRAINED = 4


def intent_model(
    folder: Path, phrasings_by_entry: Sequence[tuple[str, Sequence[str]]], lexicon: Lexicon
) -> IntentModel | None:
    """The model for this folder's examples and entries, trained once (None: no examples file).

    Trained models are kept by content, so tests and reloads that load the same files again
    do not train again.
    """
    path = folder / INTENT_EXAMPLES_FILE
    if not path.is_file():
        return None
    examples = _unique(load_intent_examples(path) + entry_examples(phrasings_by_entry))
    key = (examples, tuple(sorted(lexicon.replacements.items())))
    model = _TRAINED.get(key)
    if model is None:
        if len(_TRAINED) >= _MAX_TRAINED:
            _TRAINED.clear()
        model = _TRAINED[key] = IntentModel(examples, lexicon)
    return model


def _unique(examples: tuple[Example, ...]) -> tuple[Example, ...]:
    """The first of each text: the file wins over an entry phrasing written the same way."""
    seen: set[str] = set()
    out: list[Example] = []
    for example in examples:
        folded = " ".join(example.text.lower().split())
        if folded not in seen:
            seen.add(folded)
            out.append(Example(example.text, example.category))
    return tuple(out)
