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

from bot.knowledge.communes import Commune, name_key
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
