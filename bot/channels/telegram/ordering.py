"""Different people at the same time, each person's updates in the order they were sent.

Why not PTB's defaults:

- ``concurrent_updates=False`` handles one update at a time: one slow answer (a flood wait
  from Telegram, a busy database) would make everybody wait;
- ``concurrent_updates=True`` gives no order at all: a person who sends a question then taps
  "👍" on the previous answer could see the replies swapped.

So we keep PTB's concurrency and add one ``asyncio.Lock`` per chat. A lock exists only while
that chat has an update in flight, so the table is bounded by the number of updates being
processed, never by the number of people the bot has met. ``asyncio.Lock`` wakes waiters in
arrival order, and PTB starts update tasks in the order ``getUpdates`` returned them.
https://github.com/python-telegram-bot/python-telegram-bot/wiki/Concurrency
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 256
"""High on purpose: an update waiting for its chat's lock costs a little memory, no CPU."""


@dataclass
class _ChatTurn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    in_flight: int = 0


class PerChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, sequential within a chat."""

    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
        *,
        on_handled: Callable[[object], None] | None = None,
    ) -> None:
        """``on_handled(update)``: called once each update is handled (or failed), so that
        it is confirmed to Telegram only then (``updates.UpdatesInHand``)."""
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, _ChatTurn] = {}
        self._on_handled = on_handled

    @property
    def chats_in_flight(self) -> int:
        return len(self._turns)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._in_order(update, coroutine)
        finally:
            if self._on_handled is not None:
                self._on_handled(update)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        turn = self._turns.setdefault(key, _ChatTurn())
        turn.in_flight += 1
        try:
            async with turn.lock:
                await coroutine
        finally:
            turn.in_flight -= 1
            if turn.in_flight == 0:
                del self._turns[key]

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (the person's chat for a button press)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
