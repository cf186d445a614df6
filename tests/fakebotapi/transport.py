"""The in-process transport: PTB's ``BaseRequest`` answered by the fake, without a socket.

Most tests use it: the whole ``Bot`` → rate limiter → request stack of python-telegram-bot
runs for real, only the socket is replaced. Parameters go through a JSON round trip, as on the
wire, so the fake never sees a Python object the real server could not receive.
"""

from __future__ import annotations

import json

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from .api import FakeBotApi, TransportFault


class InProcessRequest(BaseRequest):
    """A ``BaseRequest`` whose ``do_request`` calls :class:`FakeBotApi` directly."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

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
        prefix, _, endpoint = url.rpartition("/")
        if not prefix.endswith(self.api.token):
            return 401, b'{"ok": false, "error_code": 401, "description": "Unauthorized"}'
        params = json.loads(json.dumps(request_data.parameters)) if request_data else {}
        try:
            status, body = await self.api.call(endpoint, params)
        except TransportFault as fault:
            # Raised as PTB's httpx transport raises them, with httpx's error as the cause:
            # the request went out, and no answer came back.
            if fault.kind == "timeout":
                raise TimedOut("Timed out (fake)") from httpx.ReadTimeout("no answer (fake)")
            reset = httpx.RemoteProtocolError("connection reset (fake)")
            raise NetworkError(f"httpx.RemoteProtocolError: {reset}") from reset
        return status, json.dumps(body).encode()
