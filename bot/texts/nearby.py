"""What the bot says when a person looks for a place to go near where they live.

The places themselves are written by coordinators (``knowledge/lieux.yaml``) and shown by
:func:`bot.knowledge.places.render_place`; these are the bot's own words around them.
"""

from __future__ import annotations

# Under the answers that speak of help « près de chez vous » (France Services…).
BUTTON_NEARBY = "📍 Près de chez moi"

ASK_COMMUNE = (
    "📍 Dans quelle commune habitez-vous ?\n"
    "Écrivez son nom ou son code postal.\n"
    "\n"
    "🔒 Je l'utilise pour cette réponse, puis je l'oublie."
)
COMMUNE_NOT_FOUND = (
    "Je ne trouve pas cette commune. 🙏\nÉcrivez son nom, ou son code postal (5 chiffres)."
)
CHOOSE_COMMUNE = "Plusieurs communes ont ce nom. Laquelle est la vôtre ?"
PLACES_INTRO = "📍 Des lieux d'aide pour {commune} :"
NO_PLACE_HERE = (
    "Je ne connais pas encore de lieu d'aide pour {commune}.\nVoici ce qui peut vous aider :"
)
# The base has no national finder entry either: say so, and offer a person.
NO_PLACE_KNOWN = (
    "Je ne connais pas de lieu d'aide près de chez vous.\n"
    "Une personne de l'équipe peut vous aider."
)
