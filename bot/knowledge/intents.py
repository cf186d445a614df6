"""Small conversational intents recognised before knowledge matching.

"Bonjour", "merci", "je veux parler à quelqu'un": these are not questions for the knowledge
base, and answering them with an FAQ entry would feel absurd. Patterns work on folded,
lexicon-normalised text (see :mod:`bot.knowledge.normalize`).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Intent(StrEnum):
    HUMAN = "human"
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    ACK = "ack"
    ABOUT_BOT = "about-bot"


_GREETING_WORDS = frozenset("bonjour bonsoir hey yo allo re wesh".split())
_THANKS_WORDS = frozenset(
    "merci beaucoup bien c est gentil super top parfait genial cool nickel ok".split()
)
_ACK_WORDS = frozenset(
    [
        "ok",
        "oui",
        "non",
        "d",
        "accord",
        "dacord",
        "daccord",
        "ah",
        "bon",
        "hmm",
        "ouais",
        "bien",
        "vu",
    ]
)
_GOODBYE = re.compile(
    r"^(au revoir|bye|bye bye|a plus|a bientot|a \+|bonne (journee|soiree|nuit)|ciao|adieu)"
    r"( merci| bonjour| a vous)*$"
)

# Asking for a person. An organisation word means "how do I reach my CAF adviser", which is
# a knowledge question (caf-contact, ft-contact…), not a request for our own team.
_HUMAN = re.compile(
    r"\b(parler|discuter|ecrire|echanger|contacter|joindre|avoir|passe moi|passez moi|veux|"
    r"voudrais|besoin d)\b.*\b(quelqu un|une personne|un humain|une humaine|un etre humain|"
    r"une vraie personne|un vrai|quelqu un de reel|un conseiller|une conseillere|un benevole|"
    r"un pair aidant|pair aidant|mon referent|ma referente|un referent|assistante? sociale|"
    r"travailleur social|educat\w*)\b"
    r"|^(humain|un humain|une personne|quelqu un|parler a quelqu un|conseiller|aide humaine|"
    r"pair aidant|referent)$"
    r"|\b(t es|tu es|vous etes|c est) (un|une) (robot|bot|machine)\b"
)
_ABOUT_BOT = re.compile(
    r"^(t es|tu es|vous etes|c est) (qui|quoi)( toi| vous)?$|^(qui|quoi) (es tu|etes vous|est ce)$"
    r"|^t (es )?(ki|qui)$|^(ki|qui) (es tu|t es)$|^tu sers a quoi$|^(tu fais|vous faites) quoi$"
)
_ORGANISATION = re.compile(
    r"\b(caf|france travail|assurance maladie|impots|banque|mairie|prefecture|ants|msa|"
    r"la poste|bancaire)\b"
)


def detect_intent(normalised: str) -> Intent | None:
    """The conversational intent of a whole normalised message, if it is only that."""
    if not normalised:
        return None
    if _HUMAN.search(normalised) and not _ORGANISATION.search(normalised):
        return Intent.HUMAN
    if _ABOUT_BOT.search(normalised):
        return Intent.ABOUT_BOT
    words = normalised.split()
    if _GOODBYE.match(normalised):
        return Intent.GOODBYE
    if len(words) <= 6 and "merci" in words and set(words) <= _THANKS_WORDS | _GREETING_WORDS:
        return Intent.THANKS
    if len(words) <= 3 and set(words) <= _GREETING_WORDS | {"madame", "monsieur", "a", "tous"}:
        return Intent.GREETING
    if len(words) <= 3 and set(words) <= _ACK_WORDS:
        return Intent.ACK
    return None


def is_emoji_only(text: str) -> bool:
    """True for a message made only of emoji, symbols and spaces (no letter or digit)."""
    stripped = "".join(ch for ch in text if not ch.isspace())
    if not stripped:
        return False
    return all(unicodedata.category(ch)[0] in "SMC" or ch in "\u200d\ufe0f" for ch in stripped)
