"""Privacy of the handoff (issue 7): erase on request, say what is kept, purge on time.

What is stored, why and how long is listed in ``docs/donnees.md`` (a test keeps it true).
Erasing removes the rows and asks the adapter to delete the topics, where Telegram holds the
copies of the messages.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot.app.card import theme_label
from bot.app.handoff_core import HandoffContext, french_day
from bot.domain.case import Status
from bot.domain.counters import Counter
from bot.domain.effects import Action, DeleteCaseThread, PostToTeam
from bot.texts import handoff as t

log = logging.getLogger("bot.app.handoff")


@dataclass(frozen=True)
class PurgeResult:
    """What ``purge_closed`` erased, and the topics the adapter must delete."""

    cases: int
    relays: int
    actions: tuple[DeleteCaseThread, ...] = ()


class Erasure:
    """``forget_person``, ``what_is_kept``, ``purge_closed``, ``forget_former_helpers``."""

    def __init__(self, context: HandoffContext) -> None:
        self._ctx = context

    async def forget_person(self, person: str) -> list[Action]:
        """Erase everything about a person: rows, and the topics holding copies of messages.

        An open case is closed first; its helper is told in the group's General topic (the
        case's own topic is deleted).
        """
        actions: list[Action] = []
        cases = await self._ctx.cases.delete_of_person(person)
        for case in cases:
            if case.status != Status.CLOSED:
                await self._ctx.count(Counter.HANDOFF_CLOSED, "forgotten")
                actions.append(
                    PostToTeam(case.group_chat_id, t.FORGOTTEN_GROUP.format(alias=case.alias))
                )
            if case.topic_id is not None:
                actions.append(DeleteCaseThread(case.group_chat_id, case.topic_id))
        if cases:
            log.info("%d case(s) erased at the person's request", len(cases))
        return actions

    async def what_is_kept(self, person: str) -> list[str]:
        """/mesdonnees: what is kept about this person, one plain French line each."""
        lines: list[str] = []
        for case in await self._ctx.cases.of_person(person):
            theme = theme_label(self._ctx.catalog, case.theme)
            opened = french_day(case.opened_at, self._ctx.staff)
            if case.status == Status.CLOSED and case.closed_at is not None:
                purge = case.closed_at + dt.timedelta(days=self._ctx.retention_days)
                lines.append(
                    t.KEPT_CLOSED_CASE.format(
                        alias=case.alias,
                        theme=theme,
                        opened=opened,
                        closed=french_day(case.closed_at, self._ctx.staff),
                        purge=french_day(purge, self._ctx.staff),
                    )
                )
            else:
                lines.append(t.KEPT_OPEN_CASE.format(alias=case.alias, theme=theme, opened=opened))
            if case.chat_id is not None:
                lines.append(t.KEPT_CHAT_ID)
            if case.shown_entries or case.not_helpful:
                count = len(set(case.shown_entries) | set(case.not_helpful))
                lines.append(t.KEPT_SHOWN.format(count=count))
            relays = await self._ctx.relays.count_for(case.id)
            if relays:
                lines.append(t.KEPT_RELAYS.format(count=relays))
        if lines:
            lines.append(t.KEPT_NEVER)
        return lines

    async def purge_closed(
        self, older_than_days: int | None = None, now: dt.datetime | None = None
    ) -> PurgeResult:
        """Erase cases closed more than ``older_than_days`` ago (default: the retention).

        Idempotent: run it daily; a second run finds nothing.
        """
        now = now or self._ctx.clock()
        days = self._ctx.retention_days if older_than_days is None else older_than_days
        await self._ctx.cases.release_closed_chat_ids()
        cases, relays = await self._ctx.cases.purge_closed(now - dt.timedelta(days=days))
        if cases:
            log.info("purged %d closed case(s), %d relay(s)", len(cases), relays)
        return PurgeResult(
            cases=len(cases),
            relays=relays,
            actions=tuple(
                DeleteCaseThread(c.group_chat_id, c.topic_id)
                for c in cases
                if c.topic_id is not None
            ),
        )

    async def forget_former_helpers(self) -> int:
        """Drop charter acceptances of helpers no longer in the staff configuration."""
        return await self._ctx.charters.forget_except(self._ctx.helper_keys())
