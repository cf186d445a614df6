"""The callback the renderer hands handoff values to: a leaf module, so that the renderer,
the handlers' context and the effects executor do not import one another in a circle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.domain.effects import Action as CaseAction

CaseSink = Callable[[Sequence[CaseAction], int], Awaitable[None]]
"""Carries out the handoff actions the engine passed on, for the person's chat id."""
