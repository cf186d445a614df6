"""Updates python-telegram-bot cannot read are skipped, one by one, instead of deafening the bot.

PTB builds all the updates of one ``getUpdates`` answer at once (``Bot.get_updates``). One it
cannot build (a callback query without ``chat_instance``, a field a newer Bot API changed)
makes the whole batch fail: PTB logs the raw answer at CRITICAL (names, texts) and asks for the
same batch again, at once, for ever, and nobody else is answered. Here, between the HTTP
transport and PTB, each update of the answer is tried alone; one that cannot be built is
replaced by a bare ``{"update_id": …}``, which PTB reads, confirms (the offset moves past it)
and which no handler takes. It is counted and logged in one line, without its content.

Updates are also confirmed to Telegram only once they are handled (:class:`UpdatesInHand`).
PTB asks ``getUpdates`` for the next batch with ``offset`` past the last update it received,
which tells Telegram that every update before it was delivered, while those updates may still
wait in PTB's queue. A process killed then (SIGKILL, a crash, a takeover by the standby) would
lose them: the messages of a relay burst, a person's question. So the next ``getUpdates`` is
sent only once every update of the previous answers has been handled (or after
``CONFIRM_WAIT_SECONDS``, so that one handler stuck for ever does not deafen the bot). A
process killed before that gets them again at its restart (or the standby does): handling an
update twice is harmless for a relay (the outbox queues a message once,
``UNIQUE (case_id, direction, source_message_id)``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

OnSkipped = Callable[[], Awaitable[None]]
"""Called once per skipped update (the daily counter); a failure there is only logged."""


CONFIRM_WAIT_SECONDS = 60.0
"""How long the next ``getUpdates`` waits for the updates in hand to be handled, at most."""


class UpdatesInHand:
    """The ids of the updates handed to PTB and not handled yet.

    ``received`` when ``getUpdates`` answers, ``handled`` by the update processor
    (``ordering.py``) once its handlers are done; ``all_handled`` waits for none to be left.
    """

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._none_left = asyncio.Event()
        self._none_left.set()

    def __len__(self) -> int:
        return len(self._ids)

    def received(self, update_ids: list[int]) -> None:
        self._ids.update(update_ids)
        if self._ids:
            self._none_left.clear()

    def handled(self, update: object) -> None:
        update_id = getattr(update, "update_id", None)
        if isinstance(update_id, int):
            self._ids.discard(update_id)
        if not self._ids:
            self._none_left.set()

    async def all_handled(self, within: float = CONFIRM_WAIT_SECONDS) -> bool:
        """Wait until every update received is handled (True), or ``within`` seconds (False)."""
        try:
            await asyncio.wait_for(self._none_left.wait(), within)
        except TimeoutError:
            return False
        return True


def readable_updates(updates: list[Any]) -> tuple[list[Any], list[tuple[object, str]]]:
    """``updates`` with each one PTB cannot build replaced by its bare id.

    Returns the list to hand to PTB and the ``(update_id, error type)`` of each one skipped.
    An element without a usable ``update_id`` is left out (there is nothing to confirm).
    """
    kept: list[Any] = []
    skipped: list[tuple[object, str]] = []
    for raw in updates:
        try:
            Update.de_json(raw, None)
        except Exception as error:  # any failure of the library to build it, by design
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            skipped.append((update_id, type(error).__name__))
            if isinstance(update_id, int):
                kept.append({"update_id": update_id})
            continue
        kept.append(raw)
    return kept, skipped


class SkipUnreadableUpdates(BaseRequest):
    """The ``getUpdates`` transport, wrapped: see the module docstring."""

    def __init__(
        self,
        inner: BaseRequest,
        on_skipped: OnSkipped | None = None,
        in_hand: UpdatesInHand | None = None,
    ) -> None:
        self._inner = inner
        self._on_skipped = on_skipped
        self._in_hand = in_hand

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None = None,
        write_timeout: float | None = None,
        connect_timeout: float | None = None,
        pool_timeout: float | None = None,
    ) -> tuple[int, bytes]:
        polls = url.endswith("/getUpdates")
        if polls and self._in_hand is not None and not await self._in_hand.all_handled():
            log.warning(
                "updates still being handled after %.0f s: confirmed anyway (%d)",
                CONFIRM_WAIT_SECONDS,
                len(self._in_hand),
            )
        status, payload = await self._inner.do_request(
            url,
            method,
            request_data=request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if not polls or status != HTTPStatus.OK:
            return status, payload
        try:
            body = json.loads(payload)
        except ValueError:
            return status, payload  # PTB says what is wrong with it (no content logged)
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, list):
            return status, payload
        kept, skipped = readable_updates(result)
        if self._in_hand is not None:
            self._in_hand.received(
                [u["update_id"] for u in kept if isinstance(u.get("update_id"), int)]
            )
        if not skipped:
            return status, payload
        for update_id, error in skipped:
            await note_skipped(update_id, error, self._on_skipped)
        return status, json.dumps({**body, "result": kept}).encode()


async def note_skipped(update_id: object, error: str, on_skipped: OnSkipped | None) -> None:
    """One log line without the update's content, and the daily counter."""
    log.warning("unreadable update skipped update_id=%s error=%s", update_id, error)
    if on_skipped is None:
        return
    try:
        await on_skipped()
    except Exception as failure:  # counting is secondary: the update is skipped anyway
        log.warning("counter unreadable-update not saved: %s", type(failure).__name__)
