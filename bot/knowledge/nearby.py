"""Whether a message asks where to go for help nearby, and what it asks help for.

« où aller pour qu'on m'aide », « france services à côté de chez moi », « il y a un endroit
pour imprimer à Ploërmel ? »: the person wants a real place and a real person, not a web
page. :func:`asks_for_a_place` recognises these on folded text; :func:`topic_words` keeps
what the message asks help *for* (« imprimer ») so the matcher can name the topic without
being misled by the words of the request itself (« où aller » is not about voting).

Pure functions over the text; no commune is kept (``bot/app/nearby.py`` uses them).
"""

from __future__ import annotations

import re
from enum import StrEnum

from rapidfuzz.distance import Indel

from bot.knowledge.communes import Commune, Communes, name_key
from bot.knowledge.normalize import fold

# Words that say « near where I live », or « where can I go »: the message asks for a place.
_WHERE = re.compile(
    r"\b(?:"
    r"(?:pres|a cote|pas loin|proche|autour) de (?:chez )?(?:moi|nous|mon domicile)"
    r"|(?:pres|a cote) d ici"
    r"|dans (?:mon quartier|ma ville|ma commune|mon village|mon secteur|mon coin)"
    r"|ou (?:est ce que |est ce qu |qu )?(?:je peux |on peut |puis je |peut on |pourrais je "
    r"|je dois |il faut |faut il |dois je )?(?:aller|me rendre|trouver quelqu un|passer)"
    r"|(?:la|le) plus proche"
    r"|(?:un|quel|quels|des|le plus proche) (?:endroit|endroits|lieu|lieux) "
    r"(?:pour|ou|qui|d aide|pres|a cote|proche)"
    r"|(?:un|des|quel) (?:endroit|lieu)s? (?:a|dans|sur|vers) "
    r"|lieux? d aide"
    r")\b"
)
# A kind of place: with a commune named next to it (« france services ploermel »), a request.
_KIND = re.compile(
    r"\b(?:france services?|maison (?:de )?services? (?:au )?public|ccas|espace (?:public )?"
    r"numerique|epn|mediatheque|conseillere? numerique|permanence)\b"
)
# The words of the request itself, removed before looking for the topic.
_REQUEST_WORDS = re.compile(
    r"\b(?:il y a|y a t il|y a|est ce qu il y a|je cherche|on cherche|ou|trouver|aller|me rendre"
    r"|endroits?|lieux?|pres|a cote|pas loin|proche|autour|de chez|chez|moi|nous|d ici"
    r"|mon domicile|dans|la plus|le plus|mon quartier|ma ville|ma commune|mon village"
    r"|mon secteur|mon coin"
    r"|qu on m aide|qui m aide|pour m aider|m aider|aide moi|aidez moi|quelqu un"
    r"|j habite|je suis|je vis|habite)\b"
)
_POSTCODE = re.compile(r"\b\d{5}\b|\b\d{2} \d{3}\b")
# How close some words of the message must be to a commune's name to be that name (Indel
# similarity, 0 to 1): « plormel », « vanes » are; « merci » is not « Mercin-et-Vaux ».
_CLOSE = 0.85
# A name's first words stand for it, from this length on and before a link word:
# « Cherbourg » (-en-Cotentin), « Châlons » (-en-Champagne); not « Maison » (-Rouge).
_SHORT_FORM_MIN = 5
_LINKS = frozenset({"en", "sur", "sous", "les", "lez", "le", "la", "de", "du", "des", "d", "aux"})
_ARTICLES = frozenset({"le", "la", "les", "l"})


class Request(StrEnum):
    """How a message asks for a place."""

    WHERE = "where"  # « près de chez moi », « où aller », « un endroit pour »: always a request
    KIND = "kind"  # « france services », « ccas »: a request when a commune is named too


def asks_for_a_place(text: str) -> Request | None:
    """How ``text`` asks for a place nearby, or None when it does not."""
    folded = fold(text)
    if _WHERE.search(folded):
        return Request.WHERE
    if _KIND.search(folded):
        return Request.KIND
    return None


def topic_words(text: str, commune: Commune | None = None) -> str:
    """What the message asks help for: ``text`` folded, without the request nor the commune.

    « il y a un endroit pour imprimer à Ploërmel ? » → « un pour imprimer a »: the matcher
    then reads « imprimer », not « endroit » or « Ploërmel ».
    """
    folded = name_key(text)
    if commune is not None:
        folded = re.sub(rf"\b{re.escape(name_key(commune.name))}\b", " ", folded)
    folded = _POSTCODE.sub(" ", folded)
    return " ".join(_REQUEST_WORDS.sub(" ", folded).split())


def communes_in(text: str, communes: Communes, *, typos: bool = True) -> list[Commune]:
    """The communes ``text`` names, as the person wrote them, best first.

    :meth:`Communes.find` is generous, so that a button can offer a guess; here a commune
    counts only if some words of the message are its name (``typos``: or close to it, for
    names of 5 letters or more), or its postcode is written: « j'ai pas compris » is not
    Combrit, « non merci » not Mercin-et-Vaux, « je suis perdu » not Sus.
    """
    words = name_key(text).split()
    digits = re.sub(r"\D", "", text)
    least = _CLOSE if typos else 1.0
    return [c for c in communes.find(text) if _written(words, digits, c, least)]


def _written(words: list[str], digits: str, commune: Commune, least: float) -> bool:
    if any(p in digits for p in commune.postcodes):
        return True
    # Typos only in the current name: a former name is rarer than a word like « suis »
    # (Suris, now Terres-de-Haute-Charente).
    names = [(commune.name, least), *((n, 1.0) for n in commune.former_names)]
    for name, needed in names:
        target = name_key(name).split()
        bare = target[1:] if len(target) > 1 and target[0] in _ARTICLES else target
        for size in range(1, len(target) + 2):
            for start in range(len(words) - size + 1):
                span = words[start : start + size]
                if _close(span, target, needed) or _close(span, bare, needed):
                    return True
    return False


def _close(span: list[str], target: list[str], least: float) -> bool:
    """``span`` is the name ``target``, or close to it, or its first words (a short form)."""
    written, name = " ".join(span), " ".join(target)
    if written == name:
        return True
    if len(name) >= _SHORT_FORM_MIN and Indel.normalized_similarity(written, name) >= least:
        return True
    return (
        len(written) >= _SHORT_FORM_MIN
        and len(span) < len(target)
        and target[: len(span)] == span
        and target[len(span)] in _LINKS
    )
