"""Webhook mode (``RELAIS_WEBHOOK_URL``): Telegram calls us instead of being polled.

python-telegram-bot's own webhook server (tornado, the ``webhooks`` extra) listens on
``RELAIS_WEBHOOK_LISTEN`` (``127.0.0.1:8080`` by default: behind the operator's reverse proxy,
which terminates TLS) at the path of ``RELAIS_WEBHOOK_URL``, and ``setWebhook`` tells Telegram
the public URL and a secret token. Telegram sends that token in the
``X-Telegram-Bot-Api-Secret-Token`` header of every request
(https://core.telegram.org/bots/api#setwebhook); PTB's handler refuses a request without it, or
with another one, with 403 before reading the update, so nothing reaches a handler.

An update python-telegram-bot cannot read (a field a newer Bot API changed) is skipped and
counted, as in polling mode (``updates.py``): PTB's own handler would answer 400, log the
update's content at CRITICAL, and Telegram would send it again and again. Here it gets 200,
one log line without its content, and the ``unreadable-update`` counter
(:class:`SkipUnreadableHandler`).

The token is derived from ``RELAIS_SECRET`` (an HMAC, so nothing more to configure or to keep),
unless ``RELAIS_WEBHOOK_SECRET`` sets one. It is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application
from telegram.ext._utils.webhookhandler import TelegramHandler

from bot.channels.telegram.updates import OnSkipped, note_skipped
from bot.config import ConfigError, Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
"""The header Telegram puts the secret token in, on every webhook request."""

MAX_CONNECTIONS = 40
"""Telegram's default: how many requests it may have open on our webhook at once."""

_DERIVATION = b"relais-telegram-webhook-v1"

CANNOT_LISTEN = (
    "Le robot ne peut pas écouter à l'adresse RELAIS_WEBHOOK_LISTEN ({why}) : choisissez un "
    "port libre de cette machine, celui vers lequel le proxy inverse renvoie."
)


def secret_token(settings: Settings) -> str:
    """The token Telegram must send on every request: ``RELAIS_WEBHOOK_SECRET``, or an HMAC
    of ``RELAIS_SECRET`` (64 hex characters: within the 1-256 ``A-Za-z0-9_-`` Telegram allows).
    """
    if settings.webhook_secret:
        return settings.webhook_secret
    assert settings.secret, "call settings.check_for_telegram() first"
    return hmac.new(settings.secret.encode(), _DERIVATION, hashlib.sha256).hexdigest()


def url_path(webhook_url: str) -> str:
    """The path our server answers at: the public URL's (``https://x/relais/tg`` → ``relais/tg``).

    The reverse proxy forwards that path unchanged; the bot token is never in it.
    """
    return urlsplit(webhook_url).path.strip("/")


class SkipUnreadableHandler(TelegramHandler):
    """PTB's webhook handler, which first checks (after the secret token) that PTB can read
    the update: one it cannot is answered 200, logged without its content and counted."""

    def initialize(  # type: ignore[override]
        self, on_skipped: OnSkipped | None = None, **shared: Any
    ) -> None:
        super().initialize(**shared)
        self.on_skipped = on_skipped

    async def post(self) -> None:
        self._validate_post()  # a wrong or missing secret token: 403 before anything is read
        data: object = None
        try:
            data = json.loads(self.request.body.decode())
            Update.de_json(data, self.bot)  # type: ignore[arg-type]
        except Exception as error:  # any failure of the library to read it, by design
            update_id = data.get("update_id") if isinstance(data, dict) else None
            await note_skipped(update_id, type(error).__name__, self.on_skipped)
            self.set_status(HTTPStatus.OK)
            return
        await super().post()


def _skip_unreadable(application: Application, on_skipped: OnSkipped | None) -> None:
    """Put :class:`SkipUnreadableHandler` in place of PTB's handler in its running server.

    PTB offers no option for it: its web application's routing rule is changed in place (a
    test fails if a new version of PTB moves it).
    """
    server = application.updater._httpd  # type: ignore[union-attr]
    web_app = server._http_server.request_callback
    rules = [r for r in web_app.wildcard_router.rules if r.target is TelegramHandler]
    if len(rules) != 1:
        raise RuntimeError("python-telegram-bot's webhook handler was not found")
    rules[0].target = SkipUnreadableHandler
    rules[0].target_kwargs = {**rules[0].target_kwargs, "on_skipped": on_skipped}


async def start_webhook(
    application: Application,
    settings: Settings,
    *,
    allowed_updates: Sequence[str],
    on_skipped: OnSkipped | None = None,
) -> None:
    """Listen for Telegram's requests and register the webhook with Telegram.

    Pending updates are kept (``drop_pending_updates=False``): a message sent while we
    restarted still counts, as with polling.
    """
    assert application.updater is not None and settings.webhook_url is not None
    try:
        await application.updater.start_webhook(
            listen=settings.webhook_host,
            port=settings.webhook_port,
            url_path=url_path(settings.webhook_url),
            webhook_url=settings.webhook_url,
            secret_token=secret_token(settings),
            allowed_updates=list(allowed_updates),
            drop_pending_updates=False,
            max_connections=MAX_CONNECTIONS,
        )
    except OSError as error:  # the port is taken, or the address is not this machine's
        raise ConfigError(
            CANNOT_LISTEN.format(why=error.strerror or type(error).__name__)
        ) from None
    _skip_unreadable(application, on_skipped)
    log.info("Relais receives Telegram's updates by webhook (RELAIS_WEBHOOK_LISTEN)")
