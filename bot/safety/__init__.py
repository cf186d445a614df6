"""The safety layer: what Relais checks before any FAQ matching.

1. Crisis first: suicidal thoughts, violence, a child in danger, a medical emergency,
   nowhere to sleep tonight get the right helpline at once (``knowledge/crises.yaml``).
2. Sensitive data: a password, an SMS code, a NIR, an IBAN, a card or ID number typed by
   mistake is found so the engine can delete the message and mask it for volunteers.
3. "Est-ce une arnaque ?": a pasted SMS or e-mail is read for fake links and pressure
   tricks (``knowledge/domaines-officiels.yaml``), without ever opening a link.

Everything here is pure: text in, values out, no I/O after :func:`load_safety`, no logging
(message text must never reach a log).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.kb import questions_in
from bot.knowledge.yamlfile import KnowledgeError, load_yaml_fast
from bot.safety.crisis import CrisisAlert, CrisisCategory, CrisisDetector, Level, load_crises
from bot.safety.scam import OfficialSite, ScamChecker, ScamVerdict, load_scam_rules
from bot.safety.scam_model import LEARNED_REASON, ScamModel, scam_model
from bot.safety.sensitive import CATEGORIES as CATEGORY_IDS
from bot.safety.sensitive import SensitiveFinding, find_sensitive, mask_sensitive

__all__ = [
    "CATEGORY_IDS",
    "CrisisAlert",
    "CrisisCategory",
    "Level",
    "SafetyRules",
    "ScamVerdict",
    "SensitiveFinding",
    "find_sensitive",
    "load_safety",
    "mask_sensitive",
]

CRISES_FILE = "crises.yaml"
EXAMPLES_FILE = "exemples-crises.yaml"
INTENT_EXAMPLES_FILE = "exemples-intentions.yaml"
DOMAINS_FILE = "domaines-officiels.yaml"


@dataclass(frozen=True)
class SafetyRules:
    """Crisis categories and official domains, with their compiled matchers.

    Built by :func:`load_safety`. Built by hand with only ``crises`` and
    ``official_domains`` (in tests of other modules), crisis detection finds nothing and the
    scam check only looks at links.
    """

    crises: tuple[CrisisCategory, ...]
    official_domains: frozenset[str]
    _detector: CrisisDetector | None = field(default=None, repr=False, compare=False)
    _scam: ScamChecker | None = field(default=None, repr=False, compare=False)
    _scam_model: ScamModel | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._scam is None:
            sites = tuple(OfficialSite(domain=d) for d in sorted(self.official_domains))
            object.__setattr__(self, "_scam", ScamChecker(sites))

    def detect_crisis(self, text: str) -> CrisisCategory | None:
        """The crisis this message surely speaks of, or None. Idioms are ignored."""
        return self._detector.detect(text) if self._detector is not None else None

    def assess_crisis(self, text: str) -> CrisisAlert | None:
        """The crisis this message may speak of, ``sure`` or only worth a ``check``."""
        return self._detector.assess(text) if self._detector is not None else None

    def check_scam(self, text: str, *, learned: bool = True) -> ScamVerdict | None:
        """A verdict on a pasted message or an "is this a scam?" question, else None.

        ``learned=False``: the signs and links only, without the scam model.
        """
        assert self._scam is not None  # set in __post_init__
        verdict = self._scam.check(text)
        if verdict is None and learned and self._scam_model is not None:
            # No sign and no link to judge: the examples may still know this scam.
            guess = self._scam_model.guess(text)
            if guess is not None:
                return ScamVerdict(True, (LEARNED_REASON,), guess.entry, ())
        return verdict


# The « needs » entries speak of fear and discouragement (« je n'y arrive plus, j'ai envie
# de tout laisser tomber »): as everyday examples they taught the crisis model that distress
# is ordinary, and cross-validated recall lost a point (bench/tune_safety.py).
NOT_ORDINARY_THEMES = frozenset({"besoins"})


def ordinary_phrasings(questions: tuple[tuple[str, str, str], ...]) -> tuple[str, ...]:
    """The entries' phrasings the crisis model learns as everyday messages, once each."""
    return tuple(
        dict.fromkeys(q for _id, theme, q in questions if theme not in NOT_ORDINARY_THEMES)
    )


EVERYDAY_INTENTS = ("forget", "human", "call-or-meet")
"""The intent examples the crisis model learns as everyday messages to the bot."""


def wishes_to_be_forgotten(knowledge_dir: Path) -> tuple[str, ...]:
    """The intent examples of wishes the bot meets itself: to be forgotten (« retirez tout
    ce que je vous ai écrit »), to talk to a person, to be called or met (« pk personne me
    repond jveu 1 personne », « je suis pas capable de faire ça tout seul »). Everyday
    messages to the bot, never a crisis: without them the model read « je vous ai écrit » as
    a farewell letter, and « personne », « tout seul » as loneliness, and took the reply
    over. The other intents (about the bot, none) stay out: they cost cross-validated
    recall. Read leniently: the knowledge loader reports the file's mistakes."""
    try:
        data = load_yaml_fast(knowledge_dir / INTENT_EXAMPLES_FILE)
    except (KnowledgeError, OSError):
        return ()
    if not isinstance(data, dict):
        return ()
    items = [item for key in EVERYDAY_INTENTS for item in data.get(key) or ()]
    texts = (item.get("text") if isinstance(item, dict) else item for item in items)
    return tuple(text for text in texts if isinstance(text, str) and text.strip())


def load_safety(knowledge_dir: Path) -> SafetyRules:
    """Read both safety files; raise KnowledgeError with every problem of both files."""
    problems = []
    crises: tuple[CrisisCategory, ...] = ()
    detector: CrisisDetector | None = None
    scam: ScamChecker | None = None
    # The entries' phrasings, read once for both models.
    questions = questions_in(knowledge_dir)
    try:
        crises, detector = load_crises(
            knowledge_dir / CRISES_FILE,
            knowledge_dir / EXAMPLES_FILE,
            ordinary=ordinary_phrasings(questions) + wishes_to_be_forgotten(knowledge_dir),
        )
    except KnowledgeError as exc:
        problems.extend(exc.problems)
    try:
        scam = load_scam_rules(knowledge_dir / DOMAINS_FILE)
    except KnowledgeError as exc:
        problems.extend(exc.problems)
    learned: ScamModel | None = None
    try:
        learned = scam_model(knowledge_dir, questions)
    except KnowledgeError as exc:
        problems.extend(exc.problems)
    if problems or scam is None:
        raise KnowledgeError(problems)
    return SafetyRules(
        crises=crises,
        official_domains=scam.official,
        _detector=detector,
        _scam=scam,
        _scam_model=learned,
    )
