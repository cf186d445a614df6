"""The typed object graph ``bot/bootstrap.py`` builds once, and every channel receives.

Defined here, not in the bootstrap, so that a channel can name its type without importing
the wiring (and, through it, SQLite). Nothing in a channel builds a service: it reads it here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.app.announcement import AnnouncementBoard
from bot.app.conversation import Engine
from bot.app.coordination import CoordinatedEngine
from bot.app.handoff import HandoffService
from bot.app.memory import MemoryRegistry
from bot.app.missed import MissedQuestions
from bot.app.ports import Stores
from bot.app.privacy import Privacy
from bot.app.reload import KnowledgeWatcher
from bot.knowledge.holder import KnowledgeHolder
from bot.knowledge.staff import StaffConfig


@dataclass(frozen=True)
class App:
    """Everything a channel needs besides the settings, opened and closed together (``close``).

    ``replies`` is what a channel calls for each person's message: the conversation
    ``engine`` wrapped with the team's notice, the missed questions and the per-hour counter.
    """

    knowledge: KnowledgeHolder
    stores: Stores
    engine: Engine
    replies: CoordinatedEngine
    memory: MemoryRegistry
    privacy: Privacy
    board: AnnouncementBoard
    missed: MissedQuestions  # purging runs even when keeping is turned off
    watcher: KnowledgeWatcher
    now: Callable[[], dt.datetime]  # in the team's time zone: days and hours of the team
    staff: StaffConfig | None = None
    handoff: HandoffService | None = None

    async def close(self) -> None:
        await self.stores.close()


AppOpener = Callable[[], Awaitable[App]]
"""How a channel that runs by itself (polling) opens its App: passed in by the wiring."""
