"""Every sentence the bot says to coordinators in the staff group (plain text, French)."""

from __future__ import annotations

from collections.abc import Sequence

# --- the command line (bot/__main__.py), read by whoever installs or runs the bot ---
CANNOT_START = "Relais ne peut pas démarrer : {reason}"
COORDINATORS_ONLY = (
    "{command} est réservé aux coordinateurs et coordinatrices de l'équipe "
    "(rôle coordinateur dans le fichier de l'équipe). Demandez à l'un d'eux."
)
STAFF_FILE_ERRORS = "le fichier de l'équipe ({path}) a des erreurs, corrigez-les :"
KNOWLEDGE_ERRORS = "Les fichiers de connaissances ont des erreurs :"
LOAD_FIRST = (
    "Les fichiers ne se lisent pas encore : corrigez ces erreurs d'abord, les autres "
    "vérifications (questions, longueurs, liens, dates) se feront ensuite."
)
NO_TOKEN_HELP = (
    "Pas de jeton Telegram (RELAIS_TOKEN) : je lance l'essai dans le terminal.\n"
    "Pour le vrai robot : sur Telegram, écrivez à @BotFather, envoyez /newbot, puis mettez le "
    "jeton reçu dans RELAIS_TOKEN et une phrase secrète dans RELAIS_SECRET (voir README.md).\n"
)
TRY_OUT_CHANNEL_ACTION = "(action pour le canal : {kind})"

# --- the reports (python -m bot stats / manques, bot/channels/reports_cli.py) ---
NO_DATABASE = (
    "Pas de base de données à {path} : le robot n'a encore rien compté ici. "
    "Donnez le bon fichier avec --base (ou RELAIS_DB)."
)
PERIOD_REVERSED = "--du doit être avant --au."
PAGE_WRITTEN = "Page écrite : {path} (à ouvrir ou à imprimer)."
NOT_A_DATE = "« {text} » n'est pas une date : écrivez-la comme 2026-11-01"
REPORT_TITLE = "Relais : utilisation du {start:%d/%m/%Y} au {end:%d/%m/%Y} ({days} jours)"
REPORT_CONVERSATIONS = "Conversations commencées : {n}"
REPORT_MESSAGES = "Messages et boutons reçus : {n}"
REPORT_ANSWERS = "Réponses données : {n}"
REPORT_OPINIONS = "Avis sur les réponses : 👍 {up}, 👎 {down} ({rate} utiles)"
REPORT_CLARIFICATIONS = "Questions pas claires (choix proposé) : {n}"
REPORT_FALLBACKS = "Pas de réponse : {n}"
REPORT_NONE_OF_THESE = "« Aucune de ces réponses » : {n}"
REPORT_HUMAN_REQUESTED = "Demandes de parler à quelqu'un : {n}"
REPORT_CRISES = "Situations de crise : {n}"
REPORT_HANDOFF = "Aide humaine"
# A case is one request (one « Oui »); a claim is one « Je prends ». After a transfer or a
# release the same request is claimed again: the two figures are counted and named apart.
REPORT_CASES_OPENED = "  demandes transmises à l'équipe : {n} (une par « Oui » d'une personne)"
REPORT_CLAIMS = "  prises en charge (« Je prends ») : {n}"
REPORT_CLAIMS_NOTE = (
    "    une demande transférée ou laissée est reprise : elle compte une fois de plus"
)
REPORT_TRANSFERS = (
    "  transferts vers un référent : {accepted} acceptés par la personne, {refused} refusés"
)
REPORT_TO_REFERENT = "  confiées aux référents avant d'être prises : {n}"
REPORT_RELEASED = "  laissées par une personne de l'équipe, remises en attente : {n}"
REPORT_CASES_CLOSED = "  terminées : {n}"
REPORT_RUNNING = "Fonctionnement du robot"
REPORT_UNREADABLE = (
    "  messages illisibles, ignorés : {n} (Telegram les a envoyés sous une forme "
    "que le robot ne sait pas lire)"
)
REPORT_WAIT = "  attente avant prise en charge : médiane {median}, 9 sur 10 : {p90}"
REPORT_SATISFACTION = "  avis des personnes : 👍 {up}  😐 {neutral}  👎 {down}"
REPORT_ENTRIES = "Fiches les plus données (réponses, avis utiles)"
REPORT_ENTRY = "{entry} ({opinions} avis)"
REPORT_HOURS = "Charge par heure (messages reçus)"
REPORT_NOBODY = "Aucune personne ni aucun message dans ce rapport : seulement des compteurs."
REPORT_WAITS = {
    "0-5min": "moins de 5 min",
    "5-15min": "5 à 15 min",
    "15-60min": "15 min à 1 h",
    "1-4h": "1 à 4 h",
    "4-24h": "4 à 24 h",
    "24h+": "plus de 24 h",
}
REPORT_CLOSED_BY = {
    "helper": "par l'équipe",
    "person": "par la personne",
    "blocked": "personne injoignable",
    "forgotten": "effacées à la demande",
}
REPORT_UNKNOWN_THEME = "(fiche retirée)"
MISSED_TITLE = "Questions sans réponse du {since:%d/%m/%Y} au {until:%d/%m/%Y}"
MISSED_NONE = "aucune.\n(Rien n'est gardé si RELAIS_MANQUES n'est pas à 1.)"
MISSED_COUNTS = "{total} questions, {groups} sujets."
MISSED_ALSO = "aussi : « {wording} » ({times})"
MISSED_MORE = "… et {n} autres façons"
MISSED_ADVICE = (
    "Pour une question qui revient : ajoutez une fiche, ou ajoutez cette façon\n"
    "de demander aux questions: d'une fiche qui existe (voir docs/coordination.md)."
)

# How many problems a staff message lists; the rest is in ``python -m bot kb check``.
MAX_LISTED = 8

RELOAD_DONE = "✅ Fiches rechargées : {entries} fiches. Les personnes ont la nouvelle version."
ADDED = "Nouvelles"
CHANGED = "Modifiées"
REMOVED = "Retirées"
RELOAD_ADVICE = "⚠️ {count} remarque(s), à regarder quand vous pouvez :\n{problems}"
RELOAD_REFUSED = (
    "❌ Fiches PAS rechargées : les personnes ont toujours la version d'avant.\n"
    "{count} erreur(s) à corriger :\n{problems}\n\n{fix}"
)
RELOAD_HOW_TO_FIX = (
    "Corrigez le fichier et enregistrez-le : je le relis tout seul. "
    "Ou envoyez /recharger. Pour la liste complète : python -m bot kb check"
)

PREVIEW_UNKNOWN_ENTRY = (
    "Je ne connais pas la fiche « {entry} ». Écrivez son id, par exemple /apercu caf-compte.{near}"
)
PREVIEW_NEAR = "\nVoulez-vous dire : {ids} ?"
PREVIEW_USAGE = (
    "Écrivez l'id d'une fiche après /apercu, par exemple : /apercu caf-compte "
    "(ou /apercu lieu <id> pour un lieu de lieux.yaml)"
)
PREVIEW_HEADER = (
    "👁️ Aperçu de la fiche « {entry} » ({where}), exactement comme une personne la voit :"
)
PREVIEW_PLACE_HEADER = (
    "👁️ Aperçu du lieu « {place} » ({where}), exactement comme une personne le voit, "
    "avec ses horaires à cette heure-ci :"
)
PREVIEW_UNKNOWN_PLACE = (
    "Je ne connais pas le lieu « {place} ». Écrivez son id (lieux.yaml), par exemple "
    "/apercu lieu france-services-ploermel.{near}"
)
PREVIEW_PLACE_USAGE = "Écrivez l'id d'un lieu après /apercu lieu. Les lieux : {ids}."
PREVIEW_NO_PLACES = (
    "Il n'y a pas de lieux.yaml : le robot donne les cartes nationales. "
    "Pour ajouter les lieux du territoire, voir docs/coordination.md (section 11)."
)
PREVIEW_QUESTIONS_OK = "✅ Ses {total} questions mènent toutes à cette fiche."
PREVIEW_QUESTIONS_MISSED = "⚠️ {missed} question(s) sur {total} mènent ailleurs :\n{list}"
PREVIEW_STEPS = "➡️ Puis {count} étape(s), une par message, avec le bouton « Étape suivante »."
TEST_USAGE = "Écrivez un message après /tester, par exemple : /tester mot de passe caf oublié"
TEST_HEADER = "🔎 Test de « {text} » : voici la décision et la réponse qu'une personne recevrait."
KEYBOARD_NOTE = "(en dessous, la personne a aussi le clavier « 📋 Menu · 🙋 Parler à quelqu'un »)"
HANDOFF_NOTE = "🙋 Ici, le robot proposerait de passer la main à l'équipe."

DECISION = "Décision : {kind}"
DECISION_ENTRY = "fiche « {entry} »"
DECISION_CHOICES = "choix proposés : {choices}"
DECISION_CRISIS = "situation de crise « {crisis} » : le numéro d'aide tout de suite"
DECISION_SCORE = "score {score:.2f}"
DECISION_SENSITIVE = "données secrètes repérées ({kinds}) : le message serait effacé"
KINDS = {
    "answer": "réponse",
    "clarify": "question pas claire, le robot propose un choix",
    "fallback": "pas de réponse",
    "crisis": "crise",
    "human": "demande à parler à quelqu'un",
}

ANNOUNCE_SET = (
    "📢 Annonce enregistrée jusqu'au {until} inclus. Chaque personne la verra une fois par "
    "jour, avant la réponse :\n\n{text}"
)
ANNOUNCE_CLEARED = "📢 Annonce retirée."
ANNOUNCE_FILE_STILL = (
    "\nAttention : knowledge/annonce.yaml contient encore une annonce jusqu'au {until} : "
    "elle reste montrée. Videz ce fichier pour la retirer."
)
ANNOUNCE_NONE = (
    "Pas d'annonce en ce moment. Pour en mettre une :\n"
    "/annonce 03/12 Service réduit jusqu'au mercredi 3 : appelez le 01 23 45 67 89."
)
ANNOUNCE_CURRENT = "📢 Annonce en cours (jusqu'au {until}, {source}) :\n\n{text}"
ANNOUNCE_ERROR = "Annonce pas enregistrée : {reason}"
ANNOUNCE_NOT_SAVED = (
    "⚠️ L'annonce est montrée, mais je n'ai pas pu l'enregistrer : elle sera perdue au "
    "prochain redémarrage."
)


def problem_list(problems: Sequence[object]) -> str:
    """``• file:line: message`` lines, at most MAX_LISTED, then how many more.

    A problem is anything that prints as ``file:line: message`` (``knowledge.yamlfile.Problem``
    does): texts are a leaf and import nothing of the knowledge package.
    """
    lines = [f"• {p}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"… et {len(problems) - MAX_LISTED} autre(s) : python -m bot kb check")
    return "\n".join(lines)


# Active / standby on PostgreSQL (bot/app/standby.py): the instance that served lost its lease.
LEASE_LOST = (
    "Relais s'arrête : sa connexion à la base PostgreSQL est perdue, et une autre instance "
    "peut servir à sa place. Relancez-le : il attendra, en réserve, de pouvoir reprendre."
)
