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
    CALL_OR_MEET = "call-or-meet"
    FORGET = "forget"
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

# What the bot is and can do: « tu sers a quoi », « tu peux faire quoi pour moi ».
_YOU = r"(?:tu|vous|toi|ce robot|le robot|relais)"
_ABOUT_BOT = re.compile(
    r"^(t es|tu es|vous etes|c est) (qui|quoi)( toi| vous)?$|^(qui|quoi) (es tu|etes vous|est ce)$"
    r"|^t (es )?(ki|qui)$|^(ki|qui) (es tu|t es)$|^tu sers a quoi$|^(tu fais|vous faites) quoi$"
    rf"|\b{_YOU} (?:sers|sert|servez) a (?:quoi|rien|qui)\b|\ba quoi (?:tu sers|vous servez|"
    r"sert ce robot|sert ce truc|sert relais|tu peux servir)\b|^(?:ca|ce truc) sert a quoi$"
    r"|^a quoi ca sert (?:ce truc|ce robot|relais|ici)$"
    r"|^(?:et )?(?:toi |vous )?(?:tu|vous) (?:fais|faites|sais faire|savez faire|peux faire|"
    r"pouvez faire|peux m aider|pouvez m aider|peux faire pour moi|pouvez faire pour moi|"
    r"fais pour moi|faites pour moi)(?: a| pour)? (?:quoi|qui)"
    r"(?: toi| vous| pour moi| exactement)?$"
    r"|\bqu est ce que (?:tu|vous) (?:sais|savez|peux|pouvez) faire\b"
    r"|\bc est qui qui (?:repond|ecrit|me repond)\b|\bqui (?:me )?repond (?:ici|la)\b"
    r"|^(?:tu|vous) (?:travailles|travaillez|bosses|bossez) pour qui$"
    r"|\b(?:tu es|t es|vous etes|c est) (?:un robot|une machine|une ia) de (?:la |l )?\w+"
)
# Wishing to be forgotten, or one's messages deleted: « efface tout », « oublie moi ».
_FORGET = re.compile(
    r"(?:^|\b(?:tu peux|vous pouvez|pouvez vous|peux tu|je veux|je voudrais|j aimerais|"
    r"merci d|s il vous plait) )(?:oublie|oubliez|efface|effacer|effacez|supprime|"
    r"supprimer|"
    r"supprimez|retire|retirer|retirez|detruis|detruire|detruisez|vide|vider|videz|enleve|enlever)"
    r"(?: moi| tout| tous| toutes| tout ca| tout ce que| ce que| mes messages| mes donnees|"
    r"mes infos| mes informations| notre conversation| la conversation| cette conversation|"
    r"l historique| mon historique| mes traces| ma conversation| mes ecrits| ce que j ai ecrit|"
    r"ce que j ai dit| mon nom| qui je suis| mes conversations)+"
    r"(?: ici| s il vous plait| de ce robot| du robot| chez vous| de votre cote)?$"
    r"|\b(?:que|que tu|que vous) (?:m )?(?:oublie|oubliez|efface|effaciez|supprime|supprimiez)"
    r"(?: moi| tout| mes| ce que| notre| la conversation)"
    r"|\b(?:mes donnees|mes messages|mes infos|mes informations|ce que j ai ecrit|"
    r"notre conversation)"
    r" (?:soient |soit |etre )?(?:supprime|supprimee|supprimees|supprimes|efface|effacee|effacees|"
    r"effaces|oublie|oubliee|oubliees|oublies|detruit|detruites)\b"
    r"|\b(?:oublie|oubliez|efface|effacer|effacez|supprime|supprimer|supprimez|retire|retirer)"
    r" (?:tout |tous )?(?:ce que|les messages que) (?:je|j|on)\b"
    r"|\b(?:ecrit|dit|envoye)\b.*\b(?:l|les|le) (?:effacer|supprimer|enlever|retirer|oublier)\b"
    r"|\b(?:etre oublie|etre oubliee|qu on m oublie|que vous m oubliez)\b"
    r"|\b(?:supprimer|effacer|fermer|supprime|efface) (?:mon compte|mon profil)"
    r" (?:ici|sur relais|du robot|chez vous|de ce robot)\b"
    r"|\b(?:tu|vous) (?:enregistres|enregistrez|enregistre|gardes|gardez|garde|conserves|"
    r"conservez|"
    r"stockes|stockez|retiens|retenez|memorises|memorisez|sauvegardes|sauvegardez) "
    r"(?:ce que|mes|tout|les messages|nos|ce qu on)\b"
)

# --- Asking for a person -----------------------------------------------------------------
# People ask for a person in many ways: a request to talk to someone, their own social worker,
# a real human rather than a robot, a call or a meeting wished for, someone to do a procedure
# with them. The patterns are built from small word lists so that a new way of saying it is
# one word added to a list, not a new regular expression.

# Someone of their own: "mon assistante sociale", "ma referente", "mon educ".
_WORKER = (
    r"(?:assistante?s? sociale?s?|asistante?s? sociale?s?|assistant social|as|a s|ass|"
    r"educ|educs|educateur|educatrice|educateurs|educatrices|educ spe|referent|referente|"
    r"referents|travailleur social|travailleuse sociale|cesf|conseillere? en insertion|"
    r"accompagnante?|mediateur|mediatrice|tuteur|tutrice|curateur|curatrice)"
)
_MY_WORKER = rf"\b(?:mon|ma|mes|notre|votre|ton|ta|son|sa|leur) {_WORKER}\b"
# A person in general (with an organisation word this means someone of that organisation).
_SOMEONE = (
    r"(?:quelqu un|une personne|des personnes|la personne|une vraie personne|"
    r"des vraies personnes|une autre personne|un conseiller|une conseillere|un agent|"
    r"une dame|un monsieur|la dame|le monsieur|un benevole|une benevole|un professionnel|"
    r"une professionnelle|un accompagnateur|une accompagnatrice|un referent|une referente|"
    r"un travailleur social|une assistante sociale|une as|un educateur|une educatrice|"
    r"un pair aidant|pair aidant|l equipe|lequipe|votre equipe|quelqu un de reel|"
    r"quelqu un en vrai|quelqu un de vrai|un humain|une humaine|un etre humain|un vrai|"
    r"une vraie|du vrai|de vrais gens|des vrais gens|des gens)"
)
# Someone of the team behind the bot, or explicitly not a robot: always a request for us.
_HUMAN_ALWAYS = re.compile(
    r"\b(?:un|une|des|d un|d une|l|le|vrai|vraie)( vrai| vraie)? (?:humain|humaine|etre humain)\b"
    r"|^(?:humain|humaine|etre humain|un humain|une humaine|aide humaine)\b"
    r"|\bhumain (?:derriere|la|ici|dispo|present)\b|\bparler a (?:un|une) humaine?\b"
    r"|\bquelqu un de (?:l equipe|lequipe|votre equipe|chez vous|reel|vrai)\b"
    r"|\bquelqu un en chair et en os\b|\ben chair et en os\b"
    r"|\b(?:t es|tu es|vous etes|c est|est ce que c est|est ce|t est) "
    r"(?:un|une|juste un|juste une) (?:robot|machine|ia|intelligence artificielle|ordinateur)\b"
    r"|\b(?:parler?|parle|discuter|ecrire|repondre) (?:pas )?(?:a|avec) (?:un|une|des|ce) "
    r"(?:robot|machine|ordinateur)s?\b"
    r"|\bpas (?:a )?(?:un|une) (?:robot|machine)\b"
    r"|\b(?:marre|ras le bol|deteste|aime pas|supporte pas|veux pas) "
    r"(?:des|les|de|d|ce|du|parler a)"
    r"(?: un| une| des| ce)? (?:robot|machine)s?\b"
    r"|\bune vraie personne\b|\bvraies? personnes?\b|\bdes vrais gens\b|\bde vrais gens\b"
)
# A request verb before a person: "je veux parler a", "passez moi", "mettez moi en relation".
_ASK = (
    r"(?:parler|parle|discuter|ecrire|echanger|contacter|joindre|avoir|passe moi|passez moi|"
    r"passer|me passer|mettre en relation|mettez moi en relation|mets moi en relation|"
    r"en relation|en contact|mettez moi en contact|veux|voudrais|voudrait|aimerais|aimerait|"
    r"besoin d|besoin de|cherche|"
    r"appeler|voir|rencontrer|demander a|dire a|dites a|prevenir|transmettre a|il me faut|"
    r"faut que je parle|vouloir)"
)
_ASK_SOMEONE = re.compile(rf"\b{_ASK}\b.*\b{_SOMEONE}\b")
_ASK_WORKER = re.compile(
    rf"\b{_ASK}\b.*{_MY_WORKER}|{_MY_WORKER}.*\b(?:{_ASK}|dispo|disponible|"
    r"est la|il est la|elle est la|est ou|ou est|peut m aider|pourrait m aider|repond pas|"
    r"r?appeler|r?appelle|telephoner|telephone|rendez vous|voir|rencontrer)\b"
)
# Just a person, or asking whether someone is there: "un conseiller svp", "y a quelqu un ?".
_SOMEONE_ALONE = re.compile(
    rf"^(?:(?:je veux |je voudrais |besoin d |svp |s il vous plait )?{_SOMEONE}|"
    r"parler a quelqu un|conseiller|aide humaine|pair aidant|referent|referente|"
    rf"(?:est ce qu )?(?:il )?(?:y a|ya|y a t il) (?:{_SOMEONE}|personne)"
    r"(?: la| ici| derriere| pour m aider| qui peut m aider|"
    r" de dispo| qui repond)?|(?:quelqu un|qui que ce soit) (?:est la|est dispo|la|ici|dispo)|"
    r"(?:quelqu un|une personne) (?:peut|pourrait|pouvez) (?:m aider|me repondre))"
    r"(?: s il vous plait| svp| merci| vite| c est urgent| urgent| la)*$"
)
_WORKER_ALONE = re.compile(rf"^(?:{_MY_WORKER}|{_WORKER})(?: s il vous plait| svp| la)*$")
# Doing the procedure together: "quelqu un peut faire la demarche avec moi".
_TOGETHER = re.compile(
    rf"\b(?:{_SOMEONE}|vous|on|tu)\b(?: \w+){{0,3}} (?:faire|fasse|fassiez|fassions|remplir|"
    r"remplisse|remplissiez|completer|m aider|m accompagner|me guider|me montrer|regarder|"
    r"voir)\b.*\b(?:avec moi|a cote de moi|"
    r"a mes cotes|ensemble|etape par etape|pas a pas)\b"
    rf"|\b(?:{_SOMEONE}|vous|tu)(?: \w+){{0,2}} "
    r"(?:m accompagner|me guider|m accompagne|me guide)\b"
    r"|\b(?:remplir|demarches?|dossier|formulaire|papiers|cerfa)\b.*"
    rf"\b(?:avec|aupres d) {_SOMEONE}\b"
)
# Looking for a place ("un endroit ou un agent m aide") or for someone to act in one's place
# (Aidants Connect): knowledge questions, not a request for our team.
_PLACE_OR_DELEGATION = re.compile(
    r"\b(?:quelque part|un endroit|un lieu|ou aller|a ma place|pour moi a|le faire pour moi|"
    r"fasse\w* (?:\w+ )*pour moi)\b"
)
# Organisations: "parler a un conseiller de la caf" is a knowledge question (caf-contact…),
# not a request for our own team.
_ORGANISATION = re.compile(
    r"\b(caf|france travail|assurance maladie|impots|banque|mairie|prefecture|ants|msa|"
    r"la poste|bancaire|mdph|urssaf|france services?|conseiller numerique|aidants? connect|"
    r"ccas|retraite|carsat|anef|edf|engie|bailleur|proprietaire|medecin|docteur|hopital|"
    r"pharmacie|ecole|college|lycee|allo service public|3939)\b"
)

# --- A call or a meeting wished for ------------------------------------------------------
# The bot cannot phone or meet: these get the entry that says so, and where to meet someone.
_CALL = re.compile(
    r"(?:^|\b)(?:r?appell?ez moi|r?appell?e moi|telephonez moi|telephone moi|r?appell?ez nous)\b"
    r"(?! (?:comment|quoi|quel|quelle|ce que|ce qu|le|la|les|mon|ma|mes|c est|ou|pourquoi|"
    r"combien|qu|si|a quoi|de|du|des))"
    r"|\b(?:peux|pouvez|pourriez|pourrais|peut|pourrait|voulez|veux|voudrais|voudrait|"
    r"aimerais|aimerait|prefere|preferais|prefererais|faudrait|possible de|"
    r"moyen de|demande de|demandez lui de|dites lui de|dites a \w+(?: \w+)? de|"
    r"dire a \w+(?: \w+)? de)"
    r"(?: tu| vous| il| elle| on| quelqu un| pas| bien| plutot| me| m)* (?:me |m )"
    r"(?:r?appeler|telephoner|contacter par telephone|faire un appel)\b"
    r"|\bqu (?:on|quelqu un|vous|tu|il|elle|une personne|quelqu un de chez vous)"
    r" (?:me |m )(?:r?appell?e|r?appellent|r?appeliez|r?appelliez|telephone|telephoniez)\b"
    r"|\b(?:de|pour) me (?:r?appeler|telephoner)\b"
    r"|\b(?:vous|tu|on) (?:me |m )(?:r?appell?ez|r?appell?e|telephonez|telephone)"
    r"(?: quand| s il vous plait| svp| ou| demain| plutot)?$"
    r"|\bcoups? de fil\b|\bde vive voix\b"
    r"|\b(?:prefere|preferais|prefererais|plutot|mieux|aime mieux|plus simple)\b.*"
    r"\b(?:au|par) telephone\b"
    r"|\b(?:au|par) telephone\b.*\b(?:prefere|plutot|mieux|plus simple)\b"
    r"|\b(?:parler|avoir|quelqu un|une personne|un conseiller|vous) (?:au|par) telephone\b"
    r"|\b(?:je prefere|preferer|je prefererais|j aime mieux|plutot) (?:parler|telephoner|"
    r"appeler|l oral|oral)\b"
    r"|\b(?:un|votre|le) (?:numero|telephone) (?:pour|ou) (?:vous|vous appeler|vous joindre|"
    r"parler a quelqu un|joindre quelqu un|parler a une personne)\b"
    r"|\b(?:je peux|on peut|puis je|peut on|comment) (?:vous|t) (?:appeler|telephoner|joindre)\b"
)
_MEET_PLACE = (
    r"(?:en vrai|en face|face a face|en personne|de visu|physiquement|en presentiel|sur place|"
    r"en rendez vous|dans un bureau|a votre bureau|vos bureaux|chez moi|a domicile|"
    r"en chair et en os)"
)
_MEET = re.compile(
    r"\b(?:voir|rencontrer|recevoir|venir voir|passer voir)\b.*\b"
    rf"(?:{_SOMEONE}|vous|quelqu un|{_MEET_PLACE})\b"
    rf"|\bparler\b.*\b{_MEET_PLACE}\b"
    rf"|\b(?:{_SOMEONE}|vous|on)\b.*\b(?:voir|rencontrer|recevoir)\b.*\b{_MEET_PLACE}\b"
    r"|\b(?:on|nous) (?:peut|pourrait|pourrais|peux|pourra)(?: pas)? (?:se voir|se rencontrer)\b"
    r"|\bon se voit\b|\bse rencontrer\b"
    rf"|\bse voir {_MEET_PLACE}\b"
    rf"|\b(?:prefere|preferais|prefererais|mieux|plus simple|plutot|veux|voudrais|aimerais)\b.*"
    rf"\b(?:en face|face a face|en personne|de visu|en vrai|physiquement|en presentiel)\b"
    r"|\brendez vous\b.*\b(?:avec (?:vous|quelqu un|une personne|un conseiller|une conseillere|"
    rf"l equipe|un benevole|{_SOMEONE})|{_MEET_PLACE}|de chez vous|avec qui)\b"
    r"|^(?:je veux |je voudrais |j aimerais |on peut |je peux |possible d |possible de |"
    r"comment |peut on |puis je )?(?:avoir |prendre |faire )?(?:un )?rendez vous"
    r"(?: avec vous| s il vous plait| svp)?$"
    r"|\b(?:quelqu un|vous|une personne) (?:peut|pouvez|pourrait|pourriez) (?:passer|venir) "
    r"(?:chez moi|me voir|a la maison)\b"
    r"|\b(?:venir|passer) (?:vous voir|a votre bureau|dans vos bureaux|chez vous)\b"
    r"|\bou (?:est|sont|se trouve|se trouvent) "
    r"(?:votre bureau|vos bureaux|vos locaux|votre local)\b"
)
# A pasted message ("Appelez-moi au 06…", a link) is not a wish to be phoned.
_PASTED = re.compile(r"\d{2}\s?\d{2}\s?\d{2}\s?\d{2}|https?|www|\.fr\b|\.com\b")


def _asks_for_own_person(normalised: str) -> bool:
    """A real human rather than a robot, or one's own social worker: always our team."""
    return bool(
        _HUMAN_ALWAYS.search(normalised)
        or _WORKER_ALONE.match(normalised)
        or _ASK_WORKER.search(normalised)
    )


def _asks_for_person(normalised: str) -> bool:
    """A request for a person, unless it is someone of an organisation (a knowledge question)."""
    if _SOMEONE_ALONE.match(normalised):
        return True
    if _ORGANISATION.search(normalised) or _PLACE_OR_DELEGATION.search(normalised):
        return False
    return bool(_ASK_SOMEONE.search(normalised) or _TOGETHER.search(normalised))


def _wishes_call_or_meeting(normalised: str) -> bool:
    """A phone call or a meeting in person wished for (not told of, not pasted)."""
    if _ORGANISATION.search(normalised):
        return False
    if _CALL.search(normalised):
        return True
    return bool(_MEET.search(normalised))


def detect_intent(normalised: str, original: str = "") -> Intent | None:
    """The conversational intent of a whole normalised message, if it is only that.

    ``original`` is the text as typed, when known: a phone number or a link in it means a
    pasted message, where « appelez-moi » is the sender's words, not the person's wish.
    """
    if not normalised:
        return None
    pasted = bool(_PASTED.search(original or normalised))
    # One's own social worker, or "a human, not a robot": the team is asked at once.
    if not pasted and _wishes_call_or_meeting(normalised):
        return Intent.CALL_OR_MEET
    if not pasted and _asks_for_own_person(normalised):
        return Intent.HUMAN
    if _asks_for_person(normalised) and not pasted:
        return Intent.HUMAN
    if _FORGET.search(normalised):
        return Intent.FORGET
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
