"""Build the object graph once: knowledge, store, engine. Channels receive it ready-made."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.dialogue import Engine
from bot.knowledge import KnowledgeHolder
from bot.store import Store


@dataclass
class Services:
    """Everything a channel needs, opened together and closed together."""

    settings: Settings
    knowledge: KnowledgeHolder
    store: Store
    engine: Engine

    async def close(self) -> None:
        await self.store.close()


async def open_services(settings: Settings) -> Services:
    """Load the knowledge (raises KnowledgeError) and open the database."""
    knowledge = KnowledgeHolder.from_folder(settings.knowledge_dir)
    store = await Store.open(settings.db_path)
    return Services(
        settings=settings, knowledge=knowledge, store=store, engine=Engine(knowledge, store)
    )
