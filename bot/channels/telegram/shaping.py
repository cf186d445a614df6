"""Requests carry only the parameters their Bot API method takes.

PTB builds ``editMessageReplyMarkup`` with its ``sendMessage`` helper, so the ``Defaults``
(``parse_mode``, ``link_preview_options``) are added to a method that has no text: Telegram
ignores them today, a stricter server may refuse them. They are removed here, the one place
every request passes through before it is sent (PTB's rate limiter hook).
https://core.telegram.org/bots/api#editmessagereplymarkup
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import BaseRateLimiter

TEXT_ONLY_PARAMETERS = ("parse_mode", "link_preview_options", "entities")
NO_TEXT_METHODS = frozenset({"editMessageReplyMarkup"})


class OnlyItsParameters(BaseRateLimiter[Any]):
    """Wraps the rate limiter: drops text parameters from methods that take no text."""

    def __init__(self, inner: BaseRateLimiter[Any]) -> None:
        self.inner = inner

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in NO_TEXT_METHODS:
            for name in TEXT_ONLY_PARAMETERS:
                data.pop(name, None)  # the dict PTB is about to send (``args``)
        return await self.inner.process_request(
            callback=callback,
            args=args,
            kwargs=kwargs,
            endpoint=endpoint,
            data=data,
            rate_limit_args=rate_limit_args,
        )
