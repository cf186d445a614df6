"""What a person can know and erase about themselves, and the daily erasing (issue 7).

No Telegram here: the adapter (``bot/channels/telegram/privacy.py``) turns the commands into these
calls and carries out the handoff actions they return.

- ``/confidentialite``: :meth:`Privacy.notice`, what is kept, for how long, who reads what;
- ``/mesdonnees``: :meth:`Privacy.kept`, what is kept about this person right now, on disk
  (their handoff cases) and in memory (whatever registered with the memory registry,
  ``bot/app/memory.py``, and the channel's ids of recent messages);
- ``/oublier``: :meth:`Privacy.forget`, all of it erased (the adapter deletes the topics);
- the daily job: :meth:`Privacy.purge`, closed cases erased after the retention period.

Every field on disk is listed in ``docs/donnees.md``; a test compares it with the schema.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.app.handoff import HandoffService
from bot.app.memory import MemoryRegistry
from bot.app.missed import RETENTION_DAYS as MISSED_RETENTION_DAYS
from bot.domain.effects import Action as CaseAction
from bot.domain.effects import DeleteCaseThread

log = logging.getLogger(__name__)

RECENT_MESSAGES_HOURS = 48
"""Telegram lets a bot delete messages of a private chat for 48 hours, no longer."""
DEFAULT_CONTACT = "votre référent ou la structure qui vous accompagne"

# --- /confidentialite ----------------------------------------------------------------------

NOTICE_TITLE = "🔒 Vos données"
NOTICE_KEPT = "Ce que je garde, et combien de temps :"
NOTICE_NEVER = "Jamais le texte de vos messages, ni votre nom, ni votre numéro de téléphone."
NOTICE_NOBODY_MISSED = (
    "L'équipe ne voit pas vos échanges avec le robot, sauf les questions restées sans "
    "réponse, sans nom ni numéro."
)
NOTICE_COUNTERS = (
    "Des compteurs sans nom (par exemple « cette fiche a aidé 12 fois »). "
    "Ils ne disent pas qui vous êtes."
)
NOTICE_CASE = (
    "Si vous demandez à parler à une personne : votre demande (le thème, les dates) sous un "
    "code, et le numéro de votre conversation Telegram pour vous envoyer les réponses. Ce "
    "numéro est effacé à la fin de la demande. La demande est effacée {days} jours après."
)
NOTICE_MISSED = (
    "Les questions auxquelles je n'ai pas su répondre, sans nom et sans numéro, pour écrire "
    "de meilleures réponses. Elles sont effacées après {days} jours."
)
NOTICE_MEMORY = (
    "En mémoire seulement, jamais sur disque : votre dernière question pendant une heure, et "
    "les numéros de nos messages pendant {hours} heures, pour pouvoir les effacer avec "
    "/effacer. Tout est oublié quand le robot redémarre."
)
NOTICE_COMMUNE = (
    "Votre commune, si vous la donnez pour trouver un lieu d'aide : elle sert à cette "
    "réponse, puis je l'oublie. Je ne la garde nulle part."
)
NOTICE_READERS = "Qui peut lire quoi :"
NOTICE_NOBODY = "L'équipe ne voit pas vos échanges avec le robot."
NOTICE_TEAM = (
    "Si vous demandez une personne de l'équipe, elle voit seulement ce que vous avez accepté "
    "d'envoyer, puis les messages que vous lui écrivez. Elle ne voit ni votre nom ni votre "
    "numéro. Ses réponses ne peuvent pas être transférées."
)
NOTICE_TELEGRAM = (
    "Attention : les conversations avec un robot Telegram ne sont pas chiffrées de bout en "
    "bout. Telegram peut techniquement les lire. Ne donnez jamais un mot de passe ni un code."
)
NOTICE_COMMANDS = (
    "Vos commandes :\n"
    "• /mesdonnees : voir ce que je garde sur vous.\n"
    "• /oublier : effacer tout ce que je garde sur vous.\n"
    "• /effacer : effacer nos messages récents de cette conversation."
)
NOTICE_CONTACT = "Une question sur vos données ? Contactez {contact}."

# --- /mesdonnees ---------------------------------------------------------------------------

KEPT_TITLE = "🔒 Ce que je garde sur vous en ce moment"
KEPT_NOTHING = "Rien. Je ne garde rien sur vous en ce moment."
KEPT_ON_DISK = "Dans la base de données :"
KEPT_IN_MEMORY = "En mémoire seulement (oublié si le robot redémarre) :"
KEPT_MESSAGE_IDS = (
    "Les numéros de {count} message(s) de cette conversation, jamais leur texte, pour pouvoir "
    "les effacer avec /effacer. Oubliés après {hours} heures."
)
KEPT_COUNTERS = (
    "Les compteurs (combien de fois une fiche a servi…) ne disent pas qui vous êtes : ils ne "
    "sont pas sur vous."
)
KEPT_HOW_TO_FORGET = "Pour tout effacer : /oublier"

# --- /oublier ------------------------------------------------------------------------------

FORGET_QUESTION = (
    "Voulez-vous que j'efface tout ce que je garde sur vous ?\n"
    "\n"
    "• Si une demande est en cours, elle s'arrête. L'équipe est prévenue, sans votre nom.\n"
    "• Les messages transmis à l'équipe sont supprimés de son groupe.\n"
    "• On ne peut pas revenir en arrière.\n"
    "\n"
    "Les messages de cette conversation restent sur votre téléphone. Pour les effacer, "
    "utilisez /effacer, avant ou après."
)
BUTTON_FORGET_YES = "🗑️ Oui, tout effacer"
BUTTON_FORGET_NO = "Non"
FORGOTTEN = (
    "C'est fait : j'ai effacé tout ce que je gardais sur vous.\n"
    "\n"
    "Je garde seulement, en mémoire, les numéros de nos messages récents. Jamais leur texte. "
    "Ils servent à /effacer, si vous voulez aussi effacer cette conversation. Je les oublie "
    f"après {RECENT_MESSAGES_HOURS} heures, ou quand le robot redémarre.\n"
    "\n"
    "Vous pouvez m'écrire de nouveau quand vous voulez."
)
NOT_FORGOTTEN = "D'accord, je n'ai rien effacé."

# --- /effacer ------------------------------------------------------------------------------

ERASED = "🧹 C'est fait : j'ai effacé nos messages récents de cette conversation."
NOTHING_TO_ERASE = "🧹 Je ne connais aucun message récent à effacer ici."
ERASED_NOT_ALL = (
    "🧹 Attention : {failed} message(s) n'ont pas pu être effacés. J'ai effacé les {done} autres."
)
ERASE_BY_HAND = (
    "Pour effacer un message à la main : appuyez longuement dessus, puis « Supprimer »."
)
ERASE_THE_REST = (
    "Pour effacer tout le reste : dans Telegram, appuyez longuement sur la conversation, "
    "puis « Supprimer »."
)
ERASE_LIMITS = (
    "Telegram ne me laisse pas effacer les messages de plus de {hours} heures. Et quand le "
    "robot redémarre, j'oublie quels messages effacer : les plus anciens sont à effacer à la "
    "main, de la même façon."
)
ERASE_CASE_NOTE = (
    "Les messages déjà transmis à l'équipe restent dans votre demande. Pour les effacer "
    "aussi : /oublier."
)
BUTTON_ERASE_NOTICE = "✅ Compris (effacer ce message)"


def privacy_notice(
    *, retention_days: int, contact: str | None, team: bool, keep_missed: bool
) -> str:
    """The whole /confidentialite text, true for this deployment's settings."""
    kept = [NOTICE_NEVER, NOTICE_COUNTERS]
    if team:
        kept.append(NOTICE_CASE.format(days=retention_days))
    if keep_missed:
        kept.append(NOTICE_MISSED.format(days=MISSED_RETENTION_DAYS))
    kept.append(NOTICE_MEMORY.format(hours=RECENT_MESSAGES_HOURS))
    kept.append(NOTICE_COMMUNE)
    readers = [NOTICE_NOBODY_MISSED if keep_missed else NOTICE_NOBODY]
    readers += [*([NOTICE_TEAM] if team else []), NOTICE_TELEGRAM]
    return "\n\n".join(
        (
            NOTICE_TITLE,
            f"{NOTICE_KEPT}\n{_bullets(kept)}",
            f"{NOTICE_READERS}\n{_bullets(readers)}",
            NOTICE_COMMANDS,
            NOTICE_CONTACT.format(contact=contact or DEFAULT_CONTACT),
        )
    )


def erase_notice(*, erased: int, open_case: bool, not_erased: int = 0) -> str:
    """What /effacer says after deleting: what it could do, and how to delete the rest.

    ``not_erased``: messages Telegram refused to delete, or that the bot no longer knows
    (more than it keeps per chat): never « C'est fait » then, but how to do it by hand.
    """
    if not_erased:
        head = ERASED_NOT_ALL.format(failed=not_erased, done=erased) + "\n\n" + ERASE_BY_HAND
    else:
        head = ERASED if erased else NOTHING_TO_ERASE
    parts = [head, ERASE_THE_REST]
    parts.append(ERASE_LIMITS.format(hours=RECENT_MESSAGES_HOURS))
    if open_case:
        parts.append(ERASE_CASE_NOTE)
    return "\n\n".join(parts)


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


# --- the service ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Purged:
    """What one retention run erased, and the topics the adapter must delete."""

    cases: int = 0
    relays: int = 0
    charters: int = 0
    actions: tuple[DeleteCaseThread, ...] = ()


class Privacy:
    """The person's rights over their data, and the retention, over the handoff service."""

    def __init__(
        self,
        handoff: HandoffService | None,
        *,
        memory: MemoryRegistry | None = None,
        retention_days: int,
        contact: str | None = None,
        keep_missed: bool = False,
    ) -> None:
        self.handoff = handoff
        self.memory = memory or MemoryRegistry()
        self.retention_days = retention_days
        self.contact = contact
        self.keep_missed = keep_missed

    def notice(self) -> str:
        """/confidentialite."""
        return privacy_notice(
            retention_days=self.retention_days,
            contact=self.contact,
            team=self.handoff is not None,
            keep_missed=self.keep_missed,
        )

    async def kept(self, person: str, *, message_ids: int = 0) -> str:
        """/mesdonnees: the database rows and the memories about ``person``, in plain French.

        ``message_ids``: how many recent message ids the channel keeps for this chat.
        """
        on_disk = await self.handoff.what_is_kept(person) if self.handoff else []
        in_memory = self.memory.holds(person)
        if message_ids:
            in_memory.append(
                KEPT_MESSAGE_IDS.format(count=message_ids, hours=RECENT_MESSAGES_HOURS)
            )
        if not on_disk and not in_memory:
            return "\n\n".join((KEPT_TITLE, KEPT_NOTHING, KEPT_COUNTERS))
        parts = [KEPT_TITLE]
        if on_disk:
            parts.append(f"{KEPT_ON_DISK}\n{_bullets(on_disk)}")
        if in_memory:
            parts.append(f"{KEPT_IN_MEMORY}\n{_bullets(in_memory)}")
        parts += [KEPT_COUNTERS, KEPT_HOW_TO_FORGET]
        return "\n\n".join(parts)

    async def forget(self, person: str) -> list[CaseAction]:
        """/oublier, confirmed: rows erased, memories dropped; returns the topics to delete.

        An open case is closed first and its helper told, without the person's name
        (``HandoffService.forget_person``). Nothing is logged about who it was.
        """
        actions = await self.handoff.forget_person(person) if self.handoff else []
        self.memory.forget(person)
        log.info("a person's data was erased at their request (%d action(s))", len(actions))
        return actions

    async def has_open_case(self, person: str) -> bool:
        return self.handoff is not None and await self.handoff.has_open_case(person)

    async def purge(self) -> Purged:
        """The daily retention: closed cases older than the retention period, former helpers'
        charter acceptances. Idempotent: a second run finds nothing."""
        if self.handoff is None:
            return Purged()
        result = await self.handoff.purge_closed()
        charters = await self.handoff.forget_former_helpers()
        return Purged(
            cases=result.cases, relays=result.relays, charters=charters, actions=result.actions
        )
