"""One or two words naming an organisation or a topic: the theme's menu, not a guess.

« caf », « pole emploi ? », « impots », « papiers » are not questions. Answering them with
one entry would be a guess, and a fallback would be unkind: the person gets the menu of the
theme they named. The words are the theme's id and its ``words:`` in
``knowledge/themes.yaml``, which coordinators edit. A message gets a theme only when every
word that carries meaning is one of these names, of one theme: « trop percu caf » or
« allocs coupees » name a precise need and go to the entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.knowledge.kb import Theme
from bot.knowledge.normalize import Lexicon, normalize

# Words around a name that do not change what is asked: articles, politeness, "problème".
# Question words are not here: « c quoi relais » is a question, answered by an entry.
FILLERS = frozenset(
    """
    le la les l un une des de du d a au aux en et ou mon ma mes ton ta tes son sa ses notre
    nos votre vos leur leurs pour sur avec chez j je ai moi svp stp s il vous plait merci
    bonjour bonsoir help urgent question questions probleme problemes souci soucis info
    infos renseignement renseignements rubrique menu sujet theme site truc
    """.split()
)
# "one or two words": a longer message says more than a name.
MAX_WORDS = 4
MAX_NAMES = 2


@dataclass(frozen=True)
class ThemeNames:
    """The names of each theme, normalised like messages, and how to read a short query."""

    names: Mapping[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    longest: int = 1

    @classmethod
    def build(cls, themes: Iterable[Theme], lexicon: Lexicon | None = None) -> ThemeNames:
        names: dict[tuple[str, ...], set[str]] = {}
        for theme in themes:
            for name in (theme.id.replace("-", " "), *theme.words):
                words = tuple(w for w in normalize(name, lexicon).split() if w not in FILLERS)
                if words:
                    names.setdefault(words, set()).add(theme.id)
        frozen = {k: frozenset(v) for k, v in names.items()}
        return cls(frozen, max((len(k) for k in frozen), default=1))

    def theme_of(self, normalised: str) -> str | None:
        """The theme a short message names, if it only names one theme."""
        words = [w for w in normalised.split() if w not in FILLERS]
        if not words or len(words) > MAX_WORDS:
            return None
        themes = self._cover(words)
        if themes is None:
            return None
        common = frozenset.intersection(*themes)
        return next(iter(common)) if len(common) == 1 else None

    def _cover(self, words: list[str]) -> list[frozenset[str]] | None:
        """The themes of the names that make up ``words`` exactly, longest names first."""
        found: list[frozenset[str]] = []
        i = 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                themes = self.names.get(tuple(words[i : i + size]))
                if themes:
                    found.append(themes)
                    i += size
                    break
            else:
                return None
        return found if len(found) <= MAX_NAMES else None
