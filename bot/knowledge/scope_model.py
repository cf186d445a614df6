"""Out of scope, learned from examples: say « I can't help with that » instead of a wrong
entry.

The matcher scores shared words, so « le code de la porte chez ma soeur » found the entry
about SMS codes, and « je veux acheter une voiture » the one about the carte grise. A
linear model (the crisis model's, :mod:`bot.safety.learned`) learns the entries' themes
from their phrasings and, as « none », the messages of ``knowledge/exemples-hors-sujet.yaml``.
When it is sure a message belongs to no theme, the matcher's guess is not offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.knowledge.normalize import Lexicon, normalize
from bot.safety.learned import CrisisModel, Example, read_examples

SCOPE_EXAMPLES_FILE = "exemples-hors-sujet.yaml"
KEY = "hors_sujet"
# Chance of « no theme » from which a match is declined. On the labelled set (written by
# someone else than the examples), out-of-scope declines went from 73 % to 92 % while
# top-1 lost 0.2 point and no blind people-style phrasing was lost (session notes).
OUT_AT = 0.5
# Training time grows with the base: at most this many phrasings, taken evenly.
MAX_PHRASINGS = 4_000


class ScopeModel:
    """P(no theme | message), trained once at load."""

    def __init__(self, examples: Sequence[Example], lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._model = CrisisModel(examples, prepare=self._prepare)

    def _prepare(self, text: str) -> str:
        return normalize(text, self._lexicon)

    def out_of_scope(self, text: str, out_at: float = OUT_AT) -> bool:
        """Whether every piece of ``text`` surely belongs to no theme of the base."""
        label, _probability, none = self._model.predict(text)
        return label is not None and none >= out_at


def scope_model(
    folder: Path, themed_phrasings: Sequence[tuple[str, str]], lexicon: Lexicon
) -> ScopeModel | None:
    """The model for this folder (None: no examples file, or fewer than two themes).

    ``themed_phrasings``: (theme, phrasing) for every entry phrasing.
    """
    path = folder / SCOPE_EXAMPLES_FILE
    if not path.is_file() or len({theme for theme, _ in themed_phrasings}) < 2:
        return None
    outside = read_examples(path, [KEY], lambda _key, _item: (None, ""))
    step = max(1, len(themed_phrasings) // MAX_PHRASINGS)
    inside = tuple(Example(text, theme) for theme, text in themed_phrasings[::step])
    return _trained(inside + outside, lexicon)


_TRAINED: dict[tuple[tuple[Example, ...], tuple[tuple[str, str], ...]], ScopeModel] = {}
_MAX_TRAINED = 4


def _trained(examples: tuple[Example, ...], lexicon: Lexicon) -> ScopeModel:
    """Kept by content: tests and reloads that load the same files do not train again."""
    key = (examples, tuple(sorted(lexicon.replacements.items())))
    model = _TRAINED.get(key)
    if model is None:
        if len(_TRAINED) >= _MAX_TRAINED:
            _TRAINED.clear()
        model = _TRAINED[key] = ScopeModel(examples, lexicon)
    return model
