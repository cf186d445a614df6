"""Every Bot API request passes here: one wrapper of PTB's rate limiter, with two hooks.

PTB calls the rate limiter's ``process_request`` for every Bot API method but
``getUpdates``, whoever sends; the inner limiter (PTB's ``AIORateLimiter``) does the waiting
and the retries, unchanged. :class:`RequestHooks` runs a ``before`` hook on the parameters
about to go and an ``after`` hook on what Telegram answered:

- before: :func:`only_its_parameters`. PTB builds ``editMessageReplyMarkup`` with its
  ``sendMessage`` helper, so the ``Defaults`` (``parse_mode``, ``link_preview_options``) are
  added to a method that has no text: Telegram ignores them today, a stricter server may
  refuse them. https://core.telegram.org/bots/api#editmessagereplymarkup
- after: the ids of the messages sent to people, for ``/effacer``
  (``privacy.RecentMessages.note_sent``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import BaseRateLimiter

TEXT_ONLY_PARAMETERS = ("parse_mode", "link_preview_options", "entities")
NO_TEXT_METHODS = frozenset({"editMessageReplyMarkup"})

Before = Callable[[str, dict[str, Any]], None]
"""``(endpoint, data)``: may change the parameters PTB is about to send."""

After = Callable[[str, object, object], None]
"""``(endpoint, chat_id, result)``: sees what Telegram answered; changes nothing."""


def only_its_parameters(endpoint: str, data: dict[str, Any]) -> None:
    """Drop text parameters from the methods that take no text."""
    if endpoint in NO_TEXT_METHODS:
        for name in TEXT_ONLY_PARAMETERS:
            data.pop(name, None)  # the dict PTB is about to send (``args``)


class RequestHooks(BaseRateLimiter[Any]):
    """Wraps the rate limiter (``None``: none, the request goes at once) with two hooks."""

    def __init__(
        self,
        inner: BaseRateLimiter[Any] | None,
        *,
        before: Before | None = None,
        after: After | None = None,
    ) -> None:
        self.inner = inner
        self.before = before
        self.after = after

    async def initialize(self) -> None:
        if self.inner is not None:
            await self.inner.initialize()

    async def shutdown(self) -> None:
        if self.inner is not None:
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
        if self.before is not None:
            self.before(endpoint, data)
        if self.inner is None:
            result = await callback(*args, **kwargs)
        else:
            result = await self.inner.process_request(
                callback=callback,
                args=args,
                kwargs=kwargs,
                endpoint=endpoint,
                data=data,
                rate_limit_args=rate_limit_args,
            )
        if self.after is not None:
            self.after(endpoint, data.get("chat_id"), result)
        return result
