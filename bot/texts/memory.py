"""What /mesdonnees says about each thing kept in memory (``bot/app/memory.py``)."""

from __future__ import annotations

KEPT_SESSION = (
    "Votre dernière question et les fiches que je vous ai montrées, pour préparer un résumé "
    "si vous demandez une personne. Oublié après une heure sans message."
)
KEPT_PENDING = (
    "Votre demande pour parler à une personne, pas encore envoyée. Oubliée après 30 minutes."
)
KEPT_FLOOD = (
    "Combien de messages vous m'avez envoyés ces dernières minutes (un simple nombre), pour "
    "ralentir si quelqu'un en envoie beaucoup trop."
)
KEPT_NOTICE_SEEN = "Que vous avez vu l'annonce de l'équipe aujourd'hui. Oublié à minuit."
