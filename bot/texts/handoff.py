"""Every sentence of the handoff, for the person and for the team, under a name.

Person-facing texts use simple French and "vous", say honestly when someone will answer, and
always say what to do if it is urgent. Staff-facing texts are short: helpers read them in a
busy group. Plain text: the adapter escapes and formats. ``{placeholders}`` are filled with
``str.format``.
"""

from __future__ import annotations

# --- buttons -----------------------------------------------------------------------------

BUTTON_CLAIM = "✋ Je prends"
BUTTON_TO_REFERENT = "➡️ Pour un référent"
BUTTON_TAKEN_BY = "✅ Pris par {name}"
BUTTON_DONE = "✅ J'ai fini"
BUTTON_TRANSFER_YES = "Oui, d'accord"
BUTTON_TRANSFER_NO = "Non, je préfère rester"
BUTTON_RATE_UP = "👍"
BUTTON_RATE_MID = "😐"
BUTTON_RATE_DOWN = "👎"
BUTTON_ACCEPT_CHARTER = "✅ J'ai lu et j'accepte la charte"

# --- the card (also shown to the person as a preview, before "Je transmets ?") -------------

# How long a case has waited (bot/app/card.py ``waited``).
WAITED_UNDER_A_MINUTE = "moins d'une minute"
WAITED_MINUTES = "{minutes} min"
WAITED_HOURS = "{hours} h {minutes:02d}"
WAITED_ONE_DAY = "1 jour"
WAITED_DAYS = "{days} jours"
CARD_TITLE = "🆕 Demande {alias} · {theme}"
CARD_FOR_PAIR_AIDANT = (
    "Pour : une personne pair-aidante (site internet, téléphone, démarche en ligne)"
)
CARD_FOR_REFERENT = "Pour : une personne référente (situation personnelle)"
CARD_URGENT = "⚠️ Situation urgente repérée par le robot : réservé aux personnes référentes."
CARD_SINCE = "En attente depuis : {since}"
CARD_SHOWN = "📖 Fiches déjà montrées par le robot :"
CARD_NOT_HELPFUL = "👎 Pas utiles pour la personne :"
CARD_NONE = "• aucune"
CARD_QUESTION = "💬 Sa question :"
CARD_NO_QUESTION = "(pas de question écrite)"
CARD_QUESTION_NOT_KEPT = "(question non conservée)"
CARD_QUESTION_ABOVE = "(question : voir le message copié juste au-dessus)"
THEME_UNKNOWN = "Demande"

# --- asking for a person (bot/app/asking.py): nothing is shared before "Oui" ------------

ASK_ABOUT = (
    "🙋 D'accord. Une personne de l'équipe peut vous aider ici, par écrit.\n"
    "\n"
    "D'abord, c'est à propos de quoi ? Choisissez ci-dessous."
)
ASK_ABOUT_LAST = "Votre dernière question : « {question} »"
BUTTON_ASK_LAST = "💬 Ma dernière question"
BUTTON_ASK_TOPICS = "📂 Un autre sujet"
BUTTON_ASK_OTHER = "❓ Autre chose"
BUTTON_ASK_CANCEL = "✖️ Annuler"
# After « Autre chose »: the person writes what they need, before anything is sent.
ASK_WRITE = "D'accord. Écrivez votre question ici, en une phrase."
ASK_KIND = (
    "C'est pour quoi ?\n"
    "\n"
    "💻 Pour utiliser un site, une appli ou le téléphone : une personne pair-aidante vous aide. "
    "Elle est formée, et elle a connu les mêmes difficultés.\n"
    "\n"
    "👤 Pour votre situation personnelle (un dossier, de l'argent, le logement, la famille) : "
    "une personne référente vous aide : travailleur ou travailleuse sociale."
)
BUTTON_ASK_PAIR = "💻 Un site, une appli, le téléphone"
BUTTON_ASK_REFERENT = "👤 Ma situation personnelle"
PREVIEW_INTRO = "Voici exactement ce que la personne de l'équipe verra :"
PREVIEW_FOOTER = (
    "Votre nom, votre numéro de téléphone et votre compte Telegram ne sont pas transmis. "
    "Ensuite, les messages que vous écrirez ici lui seront transmis.\n"
    "\n"
    "Je transmets ?"
)
# Under the preview's card (bot/app/consent.py): who reads the request, and when.
PREVIEW_WHO = "👀 Qui pourra la lire dans l'équipe :\n{readers}"
PREVIEW_ROLE_PAIR = "• les personnes pair-aidantes"
PREVIEW_ROLE_REFERENT = "• les personnes référentes (travail social)"
PREVIEW_ROLE_COORDINATION = "• les personnes de la coordination"
PREVIEW_WIDEN = (
    "Votre demande peut aussi aller à une personne référente, sans vous redemander :\n"
    "• si une personne pair-aidante pense que c'est mieux pour vous ;\n"
    "• si personne ne la prend en {minutes} minutes, quand l'équipe est ouverte."
)
PREVIEW_CLOSED = (
    "🌙 L'équipe est fermée en ce moment. Une personne vous répondra à partir de {when}."
)
PREVIEW_CLOSED_NO_HOURS = (
    "🌙 L'équipe est fermée en ce moment. Elle vous répondra dès que possible."
)
BUTTON_ASK_YES = "✅ Oui, je transmets"
BUTTON_ASK_NO = "❌ Non"
ASK_DECLINED = (
    "D'accord, je n'ai rien transmis et je n'ai rien gardé. 🙂\n"
    "Vous pouvez continuer à m'écrire, ou demander une personne plus tard."
)
ASK_EXPIRED = (
    "Cette demande n'est plus valable : rien n'a été transmis.\n"
    "Pour parler à une personne, appuyez de nouveau sur « 🙋 Parler à quelqu'un »."
)
NO_TEAM_YET = (
    "Pour l'instant, aucune équipe n'est reliée à ce robot : je ne peux pas encore vous "
    "mettre en contact avec une personne ici. Désolé. 🙏\n"
    "\n"
    "Une vraie personne peut vous aider gratuitement, près de chez vous :"
)
EDITED_DURING_CASE = (
    "J'ai vu que vous avez modifié un message. La personne de l'équipe voit la première "
    "version : pour corriger, envoyez plutôt un nouveau message."
)

# --- to the person -----------------------------------------------------------------------

WAIT_OPEN = (
    "✅ C'est transmis. Une personne de l'équipe va vous répondre ici, dans les prochaines "
    "minutes."
)
WAIT_CLOSED = (
    "✅ C'est transmis. L'équipe est fermée en ce moment : une personne vous répondra ici "
    "à partir de {when}."
)
WAIT_NO_HOURS = "✅ C'est transmis. L'équipe vous répondra ici dès que possible."
HOW_IT_WORKS = (
    "Tout ce que vous écrivez ici sera transmis à l'équipe. "
    "Quand c'est réglé, appuyez sur « ✅ J'ai fini », en bas de l'écran."
)
URGENT_INFO = (
    "Si c'est urgent, n'attendez pas :\n"
    "• 15 (SAMU) ou 112 : urgence médicale, danger ;\n"
    "• 17 : police ;\n"
    "• 3114 : si vous pensez au suicide, jour et nuit, gratuit.\n"
    "Vous pouvez aussi aller dans une France Services : une personne vous reçoit, "
    "sans rendez-vous le plus souvent."
)
ALREADY_OPEN = (
    "Vous avez déjà une demande en cours. Écrivez ici : votre message sera transmis à l'équipe."
)
CLAIMED = "{helper}, va vous répondre ici."
STILL_WAITING_REMINDED = (
    "Votre demande attend encore, désolé. Nous avons relancé l'équipe. Merci de votre patience."
)
STILL_WAITING_WIDENED = (
    "Votre demande attend encore, désolé. Nous l'avons envoyée aux personnes référentes "
    "(travail social) de l'équipe."
)
SENT_TO_REFERENT = (
    "Votre demande a été confiée à une personne référente (travail social) : c'est la bonne "
    "personne pour votre situation."
)
RELEASED = "{helper}, a dû laisser votre demande. Une autre personne de l'équipe va la reprendre."
TRANSFER_QUESTION = (
    "{helper}, propose de passer votre demande à une personne référente (travail social), qui "
    "pourra mieux vous aider.\n"
    "Elle verra le résumé de votre demande, et les messages que vous écrirez ensuite. "
    "Vos échanges d'avant restent dans l'équipe.\n"
    "Vous êtes d'accord ?"
)
TRANSFER_ACCEPTED = "Merci. Une personne référente va reprendre votre demande, ici même."
TRANSFER_REFUSED = "D'accord. {helper}, continue avec vous."
URGENT_TO_REFERENT = "Votre demande passe en priorité à une personne référente de l'équipe."
CLOSED_BY_HELPER = (
    "{helper}, a terminé votre demande. Vous pouvez revenir quand vous voulez.\n\nÇa vous a aidé ?"
)
CLOSED_BY_PERSON = "C'est noté, votre demande est terminée. Merci.\n\nÇa vous a aidé ?"
RATING_THANKS = "Merci pour votre avis 🙏 Il nous aide à faire mieux."
NOT_DELIVERED_TO_TEAM = (
    "⚠️ Ce message n'a pas pu être transmis à l'équipe. Pouvez-vous l'envoyer encore une fois ?"
)
STALE_BUTTON_PERSON = "Ce bouton n'est plus valable."
# For the engine's /mesdonnees and erase commands (the person asked; the engine answers).
FORGOTTEN = "C'est fait : nous avons effacé votre demande et ce qui vous concernait."

# --- /mesdonnees: what is kept about one person (one line each) --------------------------

KEPT_OPEN_CASE = "Une demande d'aide ({alias}, thème : {theme}), ouverte le {opened}, en cours."
KEPT_CHAT_ID = (
    "Le numéro de votre conversation Telegram, pour vous transmettre les réponses. "
    "Il est effacé quand la demande est terminée."
)
KEPT_CLOSED_CASE = (
    "Une demande d'aide terminée ({alias}, thème : {theme}), du {opened} au {closed}. "
    "Elle sera effacée le {purge}."
)
KEPT_SHOWN = "La liste des fiches que le robot vous a montrées ({count}), pour le résumé."
KEPT_RELAYS = (
    "Les numéros de {count} message(s) transmis, pour ne jamais les envoyer deux fois "
    "(jamais leur texte)."
)
KEPT_NEVER = "Nous ne gardons jamais le texte de vos messages, ni votre nom, ni votre numéro."

# --- to the team -------------------------------------------------------------------------

OWNER_HINT = (
    "✋ {helper}, prend ce cas.\n"
    "Ce que vous écrivez ici est transmis à la personne. Commencez par ! pour une note "
    "interne.\n"
    "/fiche <id> envoie une fiche · /transferer passe à une personne référente · /liberer rend le "
    "cas · /clore termine."
)
NOT_A_HELPER = "Vous n'êtes pas dans la liste de l'équipe : vous ne pouvez pas prendre de cas."
ALREADY_TAKEN = "Déjà pris par {helper}."
CASE_CLOSED = "Ce cas est clos."
CHARTER_FIRST = "Avant votre premier cas, lisez et acceptez la charte : envoyez /charte."
REFERENT_ONLY = "Ce cas est réservé aux personnes référentes."
YOU_HAVE_IT = "C'est à vous."
ALREADY_FOR_REFERENT = "Ce cas est déjà pour les personnes référentes."
SENT_TO_REFERENT_TOAST = "C'est transmis aux personnes référentes."
SENT_TO_REFERENT_TOPIC = "➡️ {helper}, a passé ce cas aux personnes référentes."
MOVED_OUT = "➡️ Ce cas est passé au groupe des personnes référentes. Ce sujet est fermé."
NOT_OWNER_MESSAGE = (
    "Ce message n'est pas transmis : c'est {helper}, qui a ce cas. "
    "Pour une note interne, commencez par !"
)
NOT_A_HELPER_MESSAGE = (
    "Ce message n'est pas transmis : vous n'êtes pas dans la liste de l'équipe. "
    "Pour une note interne, commencez par !"
)
NOT_CLAIMED_MESSAGE = (
    "Ce message n'est pas transmis : appuyez d'abord sur « Je prends » sur la fiche du cas."
)
CLOSED_MESSAGE = "Ce cas est clos : le message n'est pas transmis."
ONLY_OWNER = "Seule la personne qui a ce cas peut faire ça : {helper}."
ONLY_OWNER_NOBODY = "Personne n'a pris ce cas : appuyez d'abord sur « Je prends »."
ANNOUNCE = "🔔 Ce cas attend depuis {waited}. Quelqu'un peut le prendre ?"
REMINDER = "🔔 Rappel : ce cas attend depuis {waited}. Quelqu'un peut le prendre ?"
WIDEN_SAME_GROUP = (
    "🔔 Personne n'a encore pris ce cas ({waited}). "
    "Personnes référentes : pouvez-vous le prendre ?"
)
WIDEN_REFERENT_CASE = (
    "🔔 Toujours personne sur ce cas ({waited}). Coordination : pouvez-vous aider ?"
)
RELEASED_TOPIC = "↩️ {helper}, a libéré ce cas. Il attend quelqu'un."
TRANSFER_ASKED = (
    "❓ Question envoyée à la personne : accepte-t-elle de passer à une personne référente ?"
)
TRANSFER_ALREADY_ASKED = "La question est déjà posée à la personne : attendez sa réponse."
TRANSFER_ACCEPTED_TOPIC = "✅ La personne est d'accord. Le cas attend une personne référente."
TRANSFER_REFUSED_TOPIC = "La personne préfère rester avec vous : vous gardez le cas."
URGENT_TOPIC = (
    "⚠️ Le robot a repéré un message de crise. Ce cas passe aux personnes référentes, en priorité."
)
CLOSED_BY_HELPER_TOPIC = "🔒 Cas clos par {helper}."
CLOSED_BY_PERSON_TOPIC = "🔒 La personne a indiqué avoir fini. Cas clos."
BLOCKED_TOPIC = (
    "🔒 La personne a bloqué le robot : vos messages ne peuvent plus lui arriver. Cas clos."
)
FORGOTTEN_GROUP = "🗑️ Le cas {alias} a été effacé à la demande de la personne."
TOPIC_RECREATED = (
    "♻️ Le sujet de ce cas avait été supprimé ou fermé : il est recréé ici. "
    "Les anciens messages ne sont plus visibles."
)
HELPER_MESSAGE_HELD = (
    "⏸️ Ce message n'est pas encore parti : la base de données du robot est indisponible. "
    "Il partira tout seul dès qu'elle revient. Ne le renvoyez pas."
)
HELPER_MESSAGE_SENT_LATE = "✅ Ce message est parti, en retard."
TOPIC_LATE = (
    "⏳ Ce cas n'avait pas pu être posté à cause d'une panne du robot : le voici. "
    "La question n'a pas été gardée : demandez-la à la personne."
)
REQUEST_LATE = (
    "Désolé, une panne a retardé votre demande. Elle est maintenant transmise à l'équipe. "
    "Vous pouvez écrire ici."
)
NOT_DELIVERED_TO_PERSON = "⚠️ Ce message n'a pas pu être remis à la personne ({attempts} essais)."
# Telegram did not answer a copy: it may have arrived. Not sent again, so never shown twice.
MAYBE_NOT_DELIVERED_TO_PERSON = (
    "⚠️ Telegram n'a pas confirmé ce message : il n'est peut-être pas arrivé à la personne. "
    "Le robot ne le renvoie pas, pour ne pas le doubler : renvoyez-le si besoin."
)
MASKED_MESSAGE = (
    "🔒 Message de la personne. Il contenait une donnée secrète : le robot l'a effacé et "
    "vous montre le texte masqué.\n« {text} »"
)
MASKED_MEDIA = (
    "🔒 La personne a envoyé un fichier dont la légende contenait une donnée secrète : le "
    "robot l'a effacé. Légende masquée :\n« {text} »"
)
RELAY_DELAYED = (
    "⏳ La personne envoie beaucoup de messages : les suivants arrivent avec un peu de retard "
    "(Telegram limite à {per_minute} messages par minute dans un groupe). Rien n'est perdu."
)
STAFF_EDITED = (
    "✏️ Une modification n'est pas transmise : la personne voit la première version. "
    "Envoyez plutôt un nouveau message."
)
STAFF_UNKNOWN_COMMAND = (
    "Commande inconnue. Dans le sujet d'un cas : /fiche <id> · /transferer · /liberer · "
    "/clore. Partout : /charte."
)
STAFF_COMMAND_OUTSIDE_CASE = "Envoyez cette commande dans le sujet du cas."
ENTRY_SENT = "📖 Fiche envoyée à la personne : {title}"
ENTRY_UNKNOWN = "Je ne connais pas la fiche « {entry} ». Vérifiez son id (par exemple caf-compte)."
ENTRY_MISSING_ID = "Donnez l'id de la fiche : /fiche caf-compte"
CHARTER_ACCEPTED = "Merci, c'est noté ({date}). Vous pouvez prendre des cas."
CHARTER_ALREADY = "Vous avez accepté cette charte le {date}."
