"""The fake Bot API over real HTTP on 127.0.0.1, for end-to-end tests of polling itself.

A few dozen lines of HTTP/1.1 on asyncio streams (keep-alive, Content-Length bodies, form or
JSON parameters), enough for httpx as python-telegram-bot uses it. It runs in the test's event
loop, so the test and the server share the fake's state without threads or locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .api import JSON, FakeBotApi, TransportFault

# Parameters that are strings even when they look like JSON ("123", "true").
_TEXT_PARAMETERS = frozenset(
    {"text", "caption", "parse_mode", "callback_query_id", "name", "url", "language_code"}
)


def decode_parameter(name: str, raw: str) -> Any:
    """PTB sends strings as-is and every other value JSON-encoded (``RequestData``)."""
    if name in _TEXT_PARAMETERS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class FakeBotApiHttpServer:
    """Serve :class:`FakeBotApi` at ``http://127.0.0.1:<port>/bot<token>/<method>``."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        """What ``RELAIS_BOT_API_URL`` should say (the token is appended by PTB)."""
        assert self._server is not None, "start the server first"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/bot"

    async def __aenter__(self) -> FakeBotApiHttpServer:
        self._server = await asyncio.start_server(self._serve_connection, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._server.wait_closed()

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while await self._serve_one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        request_line = await reader.readline()
        if not request_line:
            return False
        verb, target, _version = request_line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        url = urlsplit(target)
        prefix, _, method = url.path.rpartition("/")
        if prefix != f"/bot{self.api.token}":
            await self._answer(
                writer, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
            return True
        params = self._parameters(url.query, headers.get("content-type", ""), body)
        try:
            status, answer = await self.api.call(method, params)
        except TransportFault as fault:
            if fault.kind == "timeout":  # say nothing until the client gives up
                await reader.read()
            writer.transport.abort()
            return False
        await self._answer(writer, status, answer)
        return verb != "HEAD"

    @staticmethod
    def _parameters(query: str, content_type: str, body: bytes) -> JSON:
        pairs = parse_qsl(query, keep_blank_values=True)
        if content_type.startswith("application/json") and body:
            return {**dict(pairs), **json.loads(body)}
        if content_type.startswith("application/x-www-form-urlencoded"):
            pairs += parse_qsl(body.decode(), keep_blank_values=True)
        elif body:
            raise ValueError(f"the fake does not read {content_type or 'this body'}")
        return {name: decode_parameter(name, raw) for name, raw in pairs}

    @staticmethod
    async def _answer(writer: asyncio.StreamWriter, status: int, body: JSON) -> None:
        payload = json.dumps(body).encode()
        head = (
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n"
            "Connection: keep-alive\r\n\r\n"
        )
        writer.write(head.encode() + payload)
        await writer.drain()
