"""Settings, read once at start from the environment and checked.

Every module receives what it needs from :class:`Settings`; nothing reads the environment
elsewhere. A missing or wrong setting stops the start with one sentence that says what to set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BOT_API_URL = "https://api.telegram.org/bot"
DEFAULT_DB_PATH = Path("data/relais.sqlite3")
# RELAIS_DB starting with one of these names a PostgreSQL server (bot/adapters/postgres/).
POSTGRES_URL_PREFIXES = ("postgresql://", "postgres://")
DEFAULT_KNOWLEDGE_DIR = Path("knowledge")
# Days a closed handoff case is kept (for the helper to reread) before it is erased.
DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 365
# A Telegram token looks like "123456789:AA…" (the id, a colon, 35 url-safe characters).
_TOKEN_SHAPE = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,}$")
MIN_SECRET_LENGTH = 16
# Webhook mode (bot/channels/telegram/webhook.py): where our server listens, behind the
# operator's reverse proxy; the secret token's alphabet and length are Telegram's.
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1:8080"
_WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
_YES = frozenset({"1", "oui", "yes", "true", "on"})


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one sentence for the person deploying."""


@dataclass(frozen=True)
class Settings:
    """What the bot needs to run. The token and secret never appear in ``repr``."""

    token: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    bot_api_url: str = DEFAULT_BOT_API_URL
    db_path: Path = DEFAULT_DB_PATH
    # RELAIS_DB=postgresql://…: the PostgreSQL store instead of the SQLite file (db_path is
    # then unused). Out of repr: the URL may hold a password.
    db_url: str | None = field(default=None, repr=False)
    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR
    staff_config: Path | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS
    # Keep the questions the bot could not answer (masked, no person, 30 days): off unless
    # the team decided it (RELAIS_MANQUES=1), see docs/donnees.md.
    keep_missed: bool = False
    # Who a person can ask about their data (/confidentialite), e.g. the structure's DPO
    # e-mail (RELAIS_CONTACT_DONNEES). None: "votre référent ou la structure qui vous accompagne".
    data_contact: str | None = None
    # Webhook mode instead of long polling: the public HTTPS URL Telegram calls
    # (RELAIS_WEBHOOK_URL), where our server listens (RELAIS_WEBHOOK_LISTEN, host:port) and
    # the token Telegram must send (RELAIS_WEBHOOK_SECRET; by default derived from the secret).
    webhook_url: str | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``RELAIS_*`` variables; see README.md for the list."""
        env = os.environ if env is None else env
        token = env.get("RELAIS_TOKEN", "").strip() or None
        secret = env.get("RELAIS_SECRET", "").strip() or None
        url = env.get("RELAIS_BOT_API_URL", "").strip() or DEFAULT_BOT_API_URL
        staff = env.get("RELAIS_STAFF_CONFIG", "").strip()
        db = env.get("RELAIS_DB", "").strip()
        db_url = db if db.startswith(POSTGRES_URL_PREFIXES) else None
        host, port = _listen(env.get("RELAIS_WEBHOOK_LISTEN", ""))
        return cls(
            token=token,
            secret=secret,
            bot_api_url=url,
            db_path=Path(db) if db and db_url is None else DEFAULT_DB_PATH,
            db_url=db_url,
            knowledge_dir=Path(env.get("RELAIS_KNOWLEDGE", "").strip() or DEFAULT_KNOWLEDGE_DIR),
            staff_config=Path(staff) if staff else None,
            retention_days=_retention_days(env.get("RELAIS_RETENTION_DAYS", "")),
            keep_missed=env.get("RELAIS_MANQUES", "").strip().lower() in _YES,
            data_contact=env.get("RELAIS_CONTACT_DONNEES", "").strip() or None,
            webhook_url=env.get("RELAIS_WEBHOOK_URL", "").strip() or None,
            webhook_host=host,
            webhook_port=port,
            webhook_secret=env.get("RELAIS_WEBHOOK_SECRET", "").strip() or None,
        )

    def check_for_telegram(self) -> None:
        """Raise ConfigError with one clear sentence if the Telegram bot cannot start."""
        if not self.token:
            raise ConfigError(
                "Aucun jeton Telegram : mettez-le dans RELAIS_TOKEN "
                "(demandez-le à @BotFather sur Telegram, commande /newbot)."
            )
        if not _TOKEN_SHAPE.match(self.token):
            raise ConfigError(
                "RELAIS_TOKEN n'a pas la forme d'un jeton Telegram "
                "(chiffres, deux-points, puis une longue suite de lettres) : recopiez-le "
                "depuis @BotFather."
            )
        if not self.secret or len(self.secret) < MIN_SECRET_LENGTH:
            raise ConfigError(
                "RELAIS_SECRET manque ou est trop court : mettez une phrase secrète d'au moins "
                f"{MIN_SECRET_LENGTH} caractères (par exemple la sortie de "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`), "
                "et gardez-la : elle sert à rendre les personnes anonymes dans la base."
            )
        if not self.bot_api_url.startswith(("https://", "http://127.", "http://localhost")):
            raise ConfigError(
                "RELAIS_BOT_API_URL doit commencer par https:// "
                "(ou http://127.0.0.1 pour un serveur Bot API local)."
            )
        if not 1 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise ConfigError(
                "RELAIS_RETENTION_DAYS doit être un nombre de jours entre 1 et "
                f"{MAX_RETENTION_DAYS} (par défaut {DEFAULT_RETENTION_DAYS})."
            )
        self.check_webhook()
        self.check_knowledge_dir()

    def check_webhook(self) -> None:
        """Raise ConfigError if webhook mode is asked for but cannot work."""
        if self.webhook_url is None:
            return
        if not self.webhook_url.startswith("https://"):
            raise ConfigError(
                "RELAIS_WEBHOOK_URL doit être l'adresse publique en https:// que Telegram "
                "appellera (par exemple https://relais.exemple.fr/telegram)."
            )
        if not 1 <= self.webhook_port <= 65535 or not self.webhook_host:
            raise ConfigError(
                "RELAIS_WEBHOOK_LISTEN doit être une adresse et un port, par exemple "
                f"{DEFAULT_WEBHOOK_LISTEN} (derrière le proxy inverse)."
            )
        if self.webhook_secret is not None and not _WEBHOOK_SECRET_SHAPE.match(
            self.webhook_secret
        ):
            raise ConfigError(
                "RELAIS_WEBHOOK_SECRET doit faire de 16 à 256 caractères parmi les lettres, "
                "les chiffres, _ et - (ou restez sans : il est tiré de RELAIS_SECRET)."
            )

    def check_knowledge_dir(self) -> None:
        if not self.knowledge_dir.is_dir():
            raise ConfigError(
                f"Le dossier de connaissances {self.knowledge_dir} n'existe pas : "
                "mettez son chemin dans RELAIS_KNOWLEDGE."
            )


def _listen(raw: str) -> tuple[str, int]:
    """RELAIS_WEBHOOK_LISTEN, ``host:port`` (``[::1]:8080`` for IPv6); a port that is not a
    number is 0 (refused by ``check_webhook`` with a clear sentence)."""
    host, _, port = (raw.strip() or DEFAULT_WEBHOOK_LISTEN).rpartition(":")
    host = host.strip("[]")
    return host, int(port) if port.isdigit() else 0


def _retention_days(raw: str) -> int:
    """RELAIS_RETENTION_DAYS; empty means the default, anything not a number is 0 (refused
    by ``check_for_telegram`` with a clear sentence)."""
    raw = raw.strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    return int(raw) if raw.isdigit() else 0
