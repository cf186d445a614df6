"""Build the object graph once: knowledge, store, handoff, engine. Channels receive it ready.

The handoff exists only when a staff file is configured (``RELAIS_STAFF_CONFIG``); without
it the bot still answers, and says honestly that no team is connected yet.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.adapters.sqlite.store import Store
from bot.app.card import KnowledgeCatalog
from bot.app.conversation import Engine
from bot.app.handoff import HandoffService, utc_now
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
    store: Store
    engine: Engine
    handoff: HandoffService | None = None

    async def close(self) -> None:
        await self.store.close()


async def open_services(
    settings: Settings, *, clock: Callable[[], dt.datetime] | None = None
) -> Services:
    """Load the knowledge and the staff file (raise KnowledgeError), open the database.

    ``clock`` replaces the handoff's clock (tests move time by hand).
    """
    knowledge = KnowledgeHolder.from_folder(settings.knowledge_dir)
    team = _load_team(settings)  # files first: a bad one stops us before the database opens
    store = await Store.open(settings.db_path)
    handoff = None
    if team is not None:
        staff, charter = team
        assert settings.secret is not None  # checked by _load_team
        handoff = HandoffService(
            store,
            staff,
            settings.secret,
            clock or utc_now,
            charter=charter,
            catalog=KnowledgeCatalog(lambda: knowledge.current.kb),
            retention_days=settings.retention_days,
        )
    return Services(
        settings=settings,
        knowledge=knowledge,
        store=store,
        engine=Engine(knowledge, store, handoff=handoff),
        handoff=handoff,
    )


async def open_try_out(knowledge_dir: Path) -> Services:
    """The terminal try-out: the real engine over ``knowledge_dir``, a database in memory and
    no team (nothing is kept once the try-out ends)."""
    settings = Settings(knowledge_dir=knowledge_dir, db_path=Path(":memory:"))
    return await open_services(settings)


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
