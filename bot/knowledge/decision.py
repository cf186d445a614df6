"""What the bot makes of one typed message, as a pure function of the knowledge and the text.

The order is the product's promise: a crisis first (a life may be at stake), then secrets
(masked before anything else reads the text), asking for a person and small talk, a word or
two naming a theme (its menu), a pasted scam, and only then the knowledge base. ``kb check``
uses the same function, so a phrasing a coordinator adds is checked exactly as a person's
message is answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.knowledge.holder import Knowledge
from bot.knowledge.intents import Intent, detect_intent
from bot.knowledge.matching import EXACT, Kind
from bot.knowledge.normalize import normalize
from bot.safety import Level, ScamVerdict, find_sensitive, mask_sensitive

# "Tu es qui ?" is answered with this entry of knowledge/bot.yaml when it exists.
ABOUT_BOT_ENTRY = "bot-presentation"
# "Appelez-moi", "je préfère en vrai": the entry that says honestly the bot cannot phone or
# meet, that a person can answer here, and where to meet someone. Without it: the handoff.
CALL_OR_MEET_ENTRY = "besoin-voir-quelqu-un"
# "Efface tout", "oublie-moi": the entry that says what the bot keeps and offers /oublier.
FORGET_ENTRY = "bot-donnees"
# Intents answered with an entry (when the base has it).
# Above this, the intent model wins over a clear answer of the base (see _learned_intent).
INTENT_OVERRIDES_AT = 0.95
# What the model may add. « Tu es qui ? » stays with the patterns: the model took too many
# off-topic questions to the bot (« tu aimes le foot ? ») for it.
LEARNED_ACTS_ON = (Intent.HUMAN, Intent.CALL_OR_MEET, Intent.FORGET)
INTENT_ENTRIES = {
    Intent.ABOUT_BOT: ABOUT_BOT_ENTRY,
    Intent.CALL_OR_MEET: CALL_OR_MEET_ENTRY,
    Intent.FORGET: FORGET_ENTRY,
}


@dataclass(frozen=True)
class Decision:
    """What the bot makes of one typed message; ``ask --json`` prints it."""

    kind: str  # answer | clarify | fallback | crisis | human | theme
    entry: str | None = None
    # For ``theme``: the id of the theme a one- or two-word message names (its menu is shown).
    theme: str | None = None
    choices: tuple[str, ...] = ()
    # The crisis the message may speak of: ``sure`` (kind ``crisis``, the numbers take the
    # reply over) or ``check`` (the answer, then one warm line with the number).
    crisis: str | None = None
    crisis_level: str | None = None
    # A second situation it may also be, whose number the first lacks (given with it).
    crisis_also: str | None = None
    score: float = 0.0
    sensitive: tuple[str, ...] = ()
    intent: str | None = None
    scam: ScamVerdict | None = None
    masked_text: str = field(default="", repr=False)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "entry": self.entry,
            "choices": list(self.choices),
            "crisis": self.crisis,
            "crisis_level": self.crisis_level,
            "crisis_also": self.crisis_also,
            "theme": self.theme,
            "score": round(self.score, 3),
            "sensitive": list(self.sensitive),
        }
        if self.intent:
            data["intent"] = self.intent
        if self.scam is not None:
            data["scam"] = {"suspicious": self.scam.suspicious, "reasons": list(self.scam.reasons)}
        return data


@dataclass(frozen=True)
class Screening:
    """The checks that come before anything else reads a message: a crisis, then secrets."""

    crisis: str | None = None  # the crisis category id, when the bot is sure
    sensitive: tuple[str, ...] = ()  # categories of secrets found, in order, once each
    masked_text: str = field(default="", repr=False)  # the text with every secret masked

    check: str | None = None  # a crisis the message may speak of: worth a warm line
    also: str | None = None  # a second situation, with a number the first lacks


# Small talk the patterns recognised. A goodbye is not in it: « au revoir » may be a farewell.
_SMALL_TALK = frozenset({Intent.GREETING.value, Intent.THANKS.value, Intent.ACK.value})


def screen(knowledge: Knowledge, text: str) -> Screening:
    """Crisis and secrets only: all a message to an open case needs (no matcher, no scam)."""
    alert = knowledge.safety.assess_crisis(text)
    findings = find_sensitive(text)
    sensitive = tuple(dict.fromkeys(f.category for f in findings))
    masked = mask_sensitive(text, findings) if findings else text
    sure = alert is not None and alert.level is Level.SURE
    return Screening(
        alert.category.id if alert is not None and sure else None,
        sensitive,
        masked,
        alert.category.id if alert is not None and not sure else None,
        alert.also.id if alert is not None and alert.also is not None else None,
    )


def decide(knowledge: Knowledge, text: str, *, read: int | None = None) -> Decision:
    """Pure decision for one typed message (no I/O, no session).

    Safety reads the whole text; what it asks is understood from its first ``read``
    characters (all of it when None).
    """
    return _decide(knowledge, text, screen(knowledge, text), read=read)


def _decide(
    knowledge: Knowledge, text: str, screened: Screening, *, read: int | None = None
) -> Decision:
    if screened.crisis is not None:
        return Decision(
            "crisis",
            crisis=screened.crisis,
            crisis_level="sure",
            crisis_also=screened.also,
            score=1.0,
            sensitive=screened.sensitive,
            masked_text=screened.masked_text,
        )
    decision = _understand(knowledge, text[:read], screened.sensitive, screened.masked_text[:read])
    if screened.check is None or decision.intent in _SMALL_TALK:
        # « merci », « bonjour », « ok »: nothing to doubt, no warm line about a crisis.
        return decision
    return replace(
        decision, crisis=screened.check, crisis_level="check", crisis_also=screened.also
    )


def _understand(
    knowledge: Knowledge, text: str, sensitive: tuple[str, ...], masked: str
) -> Decision:
    """What the message asks, once safety has spoken (no crisis that takes the reply over)."""
    normalised = normalize(masked, knowledge.kb.lexicon)
    intent = detect_intent(normalised, text)
    theme = knowledge.matcher.themes.theme_of(normalised) if intent is None else None
    if intent is None and theme is None and knowledge.intents is not None:
        intent = _learned_intent(knowledge, masked)
    entry = INTENT_ENTRIES.get(intent) if intent is not None else None
    if intent is not None and entry is not None and knowledge.kb.entry(entry):
        return Decision(
            "answer",
            entry=entry,
            score=1.0,
            sensitive=sensitive,
            intent=intent.value,
            masked_text=masked,
        )
    if intent in (Intent.HUMAN, Intent.CALL_OR_MEET):
        return Decision(
            "human", score=1.0, sensitive=sensitive, intent=Intent.HUMAN.value, masked_text=masked
        )
    if intent in INTENT_ENTRIES:
        intent = None  # its entry is missing from this base: the matcher does its best
    if intent is not None:
        return Decision("fallback", sensitive=sensitive, intent=intent.value, masked_text=masked)
    if theme is not None:
        return Decision("theme", theme=theme, score=1.0, sensitive=sensitive, masked_text=masked)
    scam = knowledge.safety.check_scam(masked, learned=False)
    match = knowledge.matcher.match(masked)
    if scam is None and match.kind is not Kind.ANSWER:
        # The scam model's verdict only counts when the base has no clear answer: it is
        # asked only then (about a millisecond saved on every answered question).
        scam = knowledge.safety.check_scam(masked)
    # A pasted message with a link is judged on its link; a question without a link ("on
    # m'a arnaqué, que faire ?") is better served by the matching entry when there is one.
    if scam is not None and scam.suspicious and (scam.domains or match.kind is not Kind.ANSWER):
        entry = scam.entry_id if scam.entry_id and knowledge.kb.entry(scam.entry_id) else None
        return Decision(
            "answer", entry=entry, score=1.0, sensitive=sensitive, scam=scam, masked_text=masked
        )
    if (
        match.kind in (Kind.ANSWER, Kind.CLARIFY)
        and match.score < EXACT
        and knowledge.scope is not None
        and knowledge.scope.out_of_scope(masked)
    ):
        # Words in common, but about something else (« le code de la porte chez ma soeur »).
        return Decision("fallback", score=match.score, sensitive=sensitive, masked_text=masked)
    # A verdict is shown only when it is what the bot answers; otherwise the entry wins.
    shown_verdict = scam if scam is not None and not scam.suspicious else None
    if match.kind is Kind.ANSWER:
        shown_verdict = None
    return Decision(
        match.kind.value,
        entry=match.entry_id,
        choices=tuple(c.entry_id for c in match.candidates) if match.kind is Kind.CLARIFY else (),
        score=match.score,
        sensitive=sensitive,
        scam=shown_verdict,
        masked_text=masked,
    )


def _learned_intent(knowledge: Knowledge, masked: str) -> Intent | None:
    """What the intent model adds to the patterns: a request they missed.

    A question the base answers clearly (« comment appeler la caf ») keeps its answer, unless
    the model is very sure the person asks for someone: then they get someone.
    """
    assert knowledge.intents is not None
    guess = knowledge.intents.guess(masked)
    if guess is None or guess.intent not in LEARNED_ACTS_ON:
        return None
    scam = knowledge.safety.check_scam(masked, learned=False)
    if scam is not None and scam.suspicious:  # « Appelez-moi au 06… pour votre colis »
        return None
    match = knowledge.matcher.match(masked)
    if match.kind is Kind.ANSWER and match.candidates and match.candidates[0].fuzzy >= EXACT:
        return None  # a coordinator wrote this very phrasing for an entry: it wins
    if guess.intent in (Intent.HUMAN, Intent.CALL_OR_MEET) and (
        guess.probability >= INTENT_OVERRIDES_AT
    ):
        return guess.intent
    return guess.intent if match.kind is not Kind.ANSWER else None
