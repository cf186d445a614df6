"""The typed dependencies every handler receives, instead of string keys in ``bot_data``.

PTB creates ``bot_data`` once per Application from ``ContextTypes.bot_data``; we make it our
:class:`BotDeps`, and :class:`RelaisContext` exposes it as ``context.deps`` with its type
(PTB ``examples/contexttypesbot.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from telegram.ext import CallbackContext, ExtBot

from bot.domain.messages import Inbound, Outbound
from bot.domain.pseudonym import user_key

if TYPE_CHECKING:
    from bot.channels.telegram.handoff_actions import CaseExecutor

MAX_REMEMBERED_GROUPS = 10_000

# Every repeating job: on a busy machine a run may start late; it must still run, once.
# (APScheduler's default skips a run more than one second late, and logs a warning.)
LATE_RUN_IS_FINE: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True}


class Decides(Protocol):
    """The conversation engine as the channel sees it (``bot.app.conversation.Engine``)."""

    async def handle(self, inbound: Inbound) -> list[Outbound]: ...

    async def in_group(self, text: str) -> list[Outbound]: ...


class RememberedChats:
    """Chat ids already told something, oldest forgotten first: memory stays bounded."""

    def __init__(self, limit: int = MAX_REMEMBERED_GROUPS) -> None:
        self._limit = limit
        self._ids: OrderedDict[int, None] = OrderedDict()

    def add(self, chat_id: int) -> bool:
        """Remember ``chat_id``; False if it was already remembered."""
        if chat_id in self._ids:
            return False
        self._ids[chat_id] = None
        while len(self._ids) > self._limit:
            self._ids.popitem(last=False)
        return True

    def __contains__(self, chat_id: object) -> bool:
        return chat_id in self._ids


@dataclass
class BotDeps:
    """What the handlers need, built once by ``build_application``."""

    engine: Decides
    secret: str = field(repr=False)
    groups_told: RememberedChats = field(default_factory=RememberedChats)
    cases: CaseExecutor | None = None  # the handoff, when a staff file is configured

    def person(self, telegram_id: int) -> str:
        """The pseudonymous key of a person: the only identity that leaves this package."""
        return user_key(self.secret, telegram_id)


class RelaisContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotDeps]):
    """``CallbackContext`` with our dependencies typed."""

    @property
    def deps(self) -> BotDeps:
        return self.bot_data
