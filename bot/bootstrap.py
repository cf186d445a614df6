"""Build the object graph once: knowledge, store, handoff, engine. Channels receive it ready.

The handoff exists only when a staff file is configured (``RELAIS_STAFF_CONFIG``); without
it the bot still answers, and says honestly that no team is connected yet.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.adapters.sqlite import open_stores
from bot.app.card import KnowledgeCatalog
from bot.app.conversation import Engine
from bot.app.handoff import HandoffService, utc_now
from bot.app.memory import MemoryRegistry
from bot.app.ports import Stores
from bot.config import ConfigError, Settings
from bot.knowledge.holder import KnowledgeHolder
from bot.knowledge.staff import Charter, StaffConfig, load_charter, load_staff

log = logging.getLogger(__name__)

CHARTER_FILE = "charte.yaml"
"""The pair-aidants' charter, in the knowledge folder (``knowledge/charte.yaml``)."""


@dataclass
class Services:
    """Everything a channel needs, opened together and closed together."""

    settings: Settings
    knowledge: KnowledgeHolder
    stores: Stores
    engine: Engine
    memory: MemoryRegistry
    handoff: HandoffService | None = None

    async def close(self) -> None:
        await self.stores.close()


async def open_services(
    settings: Settings, *, clock: Callable[[], dt.datetime] | None = None
) -> Services:
    """Load the knowledge and the staff file (raise KnowledgeError), open the database.

    ``clock`` replaces the handoff's clock (tests move time by hand).
    """
    knowledge = KnowledgeHolder.from_folder(settings.knowledge_dir)
    team = _load_team(settings)  # files first: a bad one stops us before the database opens
    stores = await open_stores(settings.db_path)
    handoff = None
    if team is not None:
        staff, charter = team
        assert settings.secret is not None  # checked by _load_team
        handoff = HandoffService(
            stores,
            staff,
            settings.secret,
            clock or utc_now,
            charter=charter,
            catalog=KnowledgeCatalog(lambda: knowledge.current.kb),
            retention_days=settings.retention_days,
        )
    engine = Engine(knowledge, stores.counters, handoff=handoff)
    memory = MemoryRegistry()  # what /mesdonnees lists and /oublier erases, in memory
    for holder in (engine.sessions, engine.flow, engine.flood):
        memory.register(holder)
    return Services(
        settings=settings,
        knowledge=knowledge,
        stores=stores,
        engine=engine,
        memory=memory,
        handoff=handoff,
    )


def _load_team(settings: Settings) -> tuple[StaffConfig, Charter | None] | None:
    """The staff file and the charter, checked; None when no staff file is configured."""
    if settings.staff_config is None:
        return None
    if not settings.secret:
        raise ConfigError(
            "RELAIS_SECRET manque : il faut une phrase secrète pour relier les personnes à "
            "l'équipe sans garder leur numéro Telegram."
        )
    staff = load_staff(settings.staff_config)
    for problem in staff.warnings:
        log.warning("staff file: %s", problem)
    charter_path = settings.knowledge_dir / CHARTER_FILE
    charter = load_charter(charter_path) if charter_path.is_file() else None
    if charter is None:
        log.warning("no %s: pair-aidants can take cases without a charter", CHARTER_FILE)
    return staff, charter
