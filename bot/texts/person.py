"""Every sentence the bot says by itself, under a name that says what it is for.

Answers to questions live in ``knowledge/``; these are the bot's own words. Keeping them
here means the terminal try-out and Telegram say exactly the same thing, and a coordinator
can reread them all in one place. Plain text: channels escape and format.
"""

from __future__ import annotations

BOT_NAME = "Relais"

# The two buttons a person always sees at the bottom of the screen (Telegram reply keyboard).
KEY_MENU = "📋 Menu"
KEY_HUMAN = "🙋 Parler à quelqu'un"
# A third key while the person has a request open with the team: it ends the request.
KEY_DONE = "✅ J'ai fini"
NOTHING_TO_FINISH = "Vous n'avez pas de demande en cours avec l'équipe."
# Grey hint in the empty text field (Telegram: 64 characters at most).
INPUT_PLACEHOLDER = "Écrivez votre question ici"
# The same hint while a request is open: what the person writes goes to the team.
CASE_INPUT_PLACEHOLDER = "Écrivez à l'équipe ici"

BUTTON_HUMAN = "🙋 Parler à quelqu'un"
BUTTON_MENU = "📋 Menu"
BUTTON_NONE = "❌ Aucune de ces réponses"
BUTTON_HELPFUL = "👍 Ça m'aide"
BUTTON_NOT_HELPFUL = "👎 Non"
BUTTON_NEXT_STEP = "➡️ Étape suivante"
BUTTON_BACK_TO_THEMES = "⬅️ Autres thèmes"
BUTTON_BACK = "⬅️ Retour"
# Under a list too long for one screen: the next screen of the same list.
BUTTON_MORE = "➡️ Autres choix"

# Commands shown in Telegram's menu (set_my_commands), in the order shown.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Commencer"),
    ("menu", "Voir les thèmes"),
    ("aide", "Comment ça marche"),
    ("humain", "Parler à une personne"),
    ("effacer", "Effacer nos messages récents"),
    ("oublier", "Effacer tout ce que le robot garde sur moi"),
    ("mesdonnees", "Voir ce que le robot garde sur moi"),
    ("confidentialite", "Vie privée : tout savoir"),
)

WELCOME = (
    "Bonjour 👋 Je suis {bot}, un robot d'aide.\n"
    "\n"
    "✅ Je réponds aux questions sur les démarches en ligne : CAF, France Travail, ameli, "
    "impôts, papiers, mots de passe, arnaques.\n"
    "❌ Je ne suis pas la CAF ni une administration. Je ne vois pas votre dossier.\n"
    "\n"
    "✍️ Écrivez votre question avec vos mots. Les fautes ne sont pas un problème.\n"
    "📋 Ou appuyez sur « Menu » pour voir les thèmes.\n"
    "🙋 Une personne de l'équipe peut aussi vous aider.\n"
    "\n"
    "🔒 Je ne garde pas vos messages. N'envoyez jamais vos mots de passe ni vos codes.\n"
    "🧹 /effacer efface nos messages, /oublier tout ce que je sais de vous. "
    "/mesdonnees montre ce que je garde, /confidentialite explique tout."
)

HELP = (
    "Comment ça marche ?\n"
    "\n"
    "1. Écrivez votre question, même avec des fautes.\n"
    "2. Je vous donne une réponse courte, avec les étapes.\n"
    "3. Si ce n'est pas la bonne, appuyez sur « 👎 Non ».\n"
    "4. Pour parler à une personne, appuyez sur « 🙋 Parler à quelqu'un ».\n"
    "\n"
    "📋 « Menu » montre tous les thèmes."
)

MENU_INTRO = "📋 Choisissez un thème :"
GROUP_INTRO = "{label} : choisissez un thème."
THEME_INTRO = "{emoji} {label} : choisissez votre question."
# Under the intro of a list shown in several screens.
PAGE = "Page {n} sur {total}."
THEME_EMPTY = "Ce thème n'a pas encore de réponse. Une personne peut vous aider."

CLARIFY = "Je ne suis pas sûr d'avoir compris. Votre question parle de quoi ?"
FALLBACK = (
    "Désolé, je n'ai pas de réponse à cette question. 🙏\n"
    "\n"
    "Vous pouvez :\n"
    "• écrire votre question autrement, avec d'autres mots ;\n"
    "• regarder le menu des thèmes ;\n"
    "• parler à une personne de l'équipe."
)
NONE_OF_THESE = (
    "D'accord. Je n'ai pas trouvé la bonne réponse, désolé.\n"
    "Une personne de l'équipe peut vous aider."
)
THANKS = "Avec plaisir 🙂 Vous pouvez revenir quand vous voulez."
GOODBYE = "Au revoir 👋 Revenez quand vous voulez."
GREETING = "Bonjour 🙂 Quelle est votre question ? Vous pouvez l'écrire avec vos mots."
EMPTY_TEXT = "Je n'ai pas vu de question. Écrivez-la avec vos mots, ou ouvrez le menu."
EMOJI_ONLY = (
    "Je comprends mieux les mots que les émojis 🙂 Écrivez votre question en quelques mots."
)

FEEDBACK_THANKS_UP = "Merci ! Content que ça vous aide. 🙂"
FEEDBACK_THANKS_DOWN = (
    "Merci de me le dire. Vous pouvez écrire votre question autrement, ou parler à une personne."
)

HUMAN_REQUESTED = (
    "D'accord, je cherche une personne de l'équipe pour vous. 🙋\n"
    "Vous pouvez continuer à écrire ici."
)

MEDIA_NOT_READ = {
    "photo": "Merci pour la photo. Je ne sais pas encore lire les images.",
    "voice": "Merci pour le message vocal. Je ne sais pas encore écouter les messages vocaux.",
    "audio": "Merci pour le son. Je ne sais pas encore écouter les fichiers audio.",
    "video": "Merci pour la vidéo. Je ne sais pas encore regarder les vidéos.",
    "video_note": "Merci pour la vidéo. Je ne sais pas encore regarder les vidéos.",
    "sticker": "Joli autocollant 🙂 Je ne comprends que les mots écrits.",
    "animation": "Merci. Je ne sais pas encore regarder les images animées.",
    "location": "Merci. Je n'utilise pas les positions : je ne peux pas savoir où vous êtes.",
    "contact": "Merci. Je n'utilise pas les contacts : ne m'envoyez pas de numéros de téléphone.",
    "document": "Merci pour le document. Je ne sais pas encore ouvrir les fichiers.",
    "poll": "Merci. Je ne sais pas répondre aux sondages.",
    "other": "Merci. Je ne sais pas encore lire ce type de message.",
}
MEDIA_FOLLOW_UP = (
    "✍️ Écrivez votre question avec des mots.\n🙋 Ou demandez à parler à une personne de l'équipe."
)

EDITED = "J'ai vu que vous avez modifié votre message. Voici ma réponse au nouveau texte :"
TOO_LONG = (
    "Votre message est très long : j'ai lu seulement le début. "
    "Pour une longue explication, une personne de l'équipe peut vous aider."
)
UNKNOWN_COMMAND = "Je ne connais pas cette commande. Écrivez votre question, ou ouvrez le menu."
# The title over the team's notice (/annonce), shown once a day before the first reply.
TEAM_NOTICE_TITLE = "📢 Information de l'équipe"
# The terminal try-out (bot/channels/terminal.py).
TRY_OUT_INTRO = (
    "Essai de Relais dans le terminal. Tapez un numéro pour appuyer sur un bouton, "
    "« q » pour quitter."
)
STALE_BUTTON = "Ce bouton n'est plus valable. Voici le menu à jour."
STEP_LABEL = "Étape {n} sur {total}"

GROUP_ONLY_PRIVATE = (
    "Bonjour 👋 Je réponds seulement en message privé, pour protéger votre vie privée. "
    "Écrivez-moi directement."
)
TECHNICAL_PROBLEM = (
    "Désolé, un problème technique m'empêche de répondre. 🛠️\n"
    "Réessayez dans un moment, ou demandez à parler à une personne."
)
# Someone sending more than 20 messages a minute (bot/app/flood.py): said once, then a pause.
FLOOD_PAUSE = (
    "Vous m'envoyez beaucoup de messages très vite. Je fais une pause d'une minute : "
    "je ne réponds pas aux messages envoyés pendant cette minute. 🙏\n"
    "Ensuite, écrivez votre question en un seul message : je suis toujours là.\n"
    "En cas d'urgence, appelez le 112."
)

ACK = "D'accord 🙂 Avez-vous une autre question ? Écrivez-la avec vos mots."

SENSITIVE_WARNING = (
    "🔒 Attention : votre message contenait une information secrète "
    "(mot de passe, code, numéro de carte ou de sécurité sociale…).\n"
    "Personne ici n'en a besoin. Ne l'envoyez jamais par message, même à nous.\n"
    "J'ai effacé votre message quand c'était possible. Je ne l'ai pas gardé."
)

SCAM_TITLE = "⚠️ Ce message ressemble à une arnaque"
SCAM_ADVICE = (
    "Ce qu'il faut faire :\n"
    "1. Ne cliquez pas sur le lien.\n"
    "2. Ne donnez aucun code ni numéro de carte.\n"
    "3. Si c'est un SMS, transférez-le gratuitement au 33700, puis supprimez-le.\n"
    "En cas de doute, contactez l'organisme vous-même, avec son site officiel."
)
SCAM_LOOKS_FINE = (
    "✅ Je ne vois pas de signe d'arnaque dans ce message : les liens vont vers des sites "
    "officiels. En cas de doute, ouvrez vous-même le site officiel, sans cliquer."
)
