"""Pseudonymous keys: a person is never stored under their Telegram id.

The key is an HMAC of the id with a secret from the environment. Without the secret,
nobody holding the database can find which Telegram account a row belongs to; with the
same secret, the same person always gets the same key, so counters and cases still work.
"""

from __future__ import annotations

import hashlib
import hmac


def user_key(secret: str, channel_id: int | str) -> str:
    """A stable 16-hex-character pseudonym for one person of one channel."""
    digest = hmac.new(secret.encode(), str(channel_id).encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def short_alias(key: str) -> str:
    """A four-character case label ("#A7F3") that staff can say out loud."""
    return "#" + key[:4].upper()
