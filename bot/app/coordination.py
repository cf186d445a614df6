"""The conversation engine with what coordinators add around it, without touching it.

:class:`CoordinatedEngine` wraps any engine (``handle(Inbound) -> list[Outbound]``) and:

1. puts the team's notice (``bot/app/announcement.py``) before the first reply of a person's
   day, except before a crisis reply: the helpline comes first and alone;
2. keeps the question when the engine found no answer (its reply says ``unanswered``), if
   the team turned it on (``bot/app/missed.py``: masked, no person, 30 days);
3. counts the load per hour of the day (counter ``activity-hour``, key ``00``…``23``, local
   time): a number per hour, no person.

A failure here is secondary: it is logged and the person still gets the engine's answer.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from bot.app.announcement import AnnouncementBoard
from bot.app.missed import MissedQuestions
from bot.app.ports import CounterStore, NoticeStore
from bot.domain.counters import Counter
from bot.domain.messages import Inbound, Outbound, Reply
from bot.knowledge.announcement import Announcement
from bot.knowledge.holder import KnowledgeHolder
from bot.texts import person as texts

log = logging.getLogger(__name__)


class Handles(Protocol):
    async def handle(self, inbound: Inbound) -> list[Outbound]: ...

    async def in_group(self, text: str) -> list[Outbound]: ...


class CoordinatedEngine:
    """An engine plus the notice, the missed questions and the per-hour counter."""

    def __init__(
        self,
        inner: Handles,
        knowledge: KnowledgeHolder,
        *,
        board: AnnouncementBoard,
        counters: CounterStore | None,
        notices: NoticeStore | None,
        missed: MissedQuestions | None,
        now: Callable[[], dt.datetime],
    ) -> None:
        self.inner = inner
        self.knowledge = knowledge
        self.board = board
        self.counters = counters
        self.notices = notices
        self.missed = missed
        self._now = now
        self._notice_loaded = notices is None

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        outbounds = await self.inner.handle(inbound)
        moment = self._now()
        try:
            await self._count_hour(moment)
            if self.missed is not None and inbound.text and _unanswered(outbounds):
                await self.missed.keep(inbound.text, moment.date())
            await self._load_notice()
        except Exception as exc:  # secondary: the answer matters more than a counter
            log.warning("coordination step failed: %s", type(exc).__name__)
        return self._with_notice(inbound, outbounds, moment.date())

    async def in_group(self, text: str) -> list[Outbound]:
        """A message in a group: the engine's answer (a crisis only), nothing added."""
        return await self.inner.in_group(text)

    async def _count_hour(self, moment: dt.datetime) -> None:
        if self.counters is not None:
            day = moment.date().isoformat()
            await self.counters.count(Counter.ACTIVITY_HOUR, f"{moment.hour:02d}", day=day)

    async def _load_notice(self) -> None:
        """The notice set with /annonce survives restarts: read it once, at the first message."""
        if self._notice_loaded or self.notices is None:
            return
        self._notice_loaded = True
        stored = await self.notices.current()
        if stored is not None and self.board.from_command is None:
            self.board.from_command = Announcement(text=stored[0], until=stored[1])

    def _with_notice(
        self, inbound: Inbound, outbounds: list[Outbound], today: dt.date
    ) -> list[Outbound]:
        notice = self.board.pending(inbound.user, today)
        first = next((i for i, o in enumerate(outbounds) if isinstance(o, Reply)), None)
        if notice is None or first is None:
            return outbounds
        if inbound.text and self.knowledge.current.safety.detect_crisis(inbound.text):
            return outbounds  # crisis: the number at once, nothing before it
        self.board.mark_seen(inbound.user)
        reply = Reply(notice.text, title=texts.TEAM_NOTICE_TITLE)
        return [*outbounds[:first], reply, *outbounds[first:]]


def _unanswered(outbounds: list[Outbound]) -> bool:
    """The engine decided it had no answer to this question (not guessed from its wording)."""
    return any(isinstance(o, Reply) and o.unanswered for o in outbounds)
