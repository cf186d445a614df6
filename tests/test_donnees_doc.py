"""docs/donnees.md must list exactly the fields of the real database: code and doc cannot drift."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.adapters.sqlite import open_stores

DOC = Path(__file__).resolve().parent.parent / "docs" / "donnees.md"
ROW = re.compile(r"^\|\s*`(?P<table>\w+)`\s*\|\s*`(?P<field>\w+)`\s*\|(?P<rest>.*)\|\s*$")


def documented() -> dict[tuple[str, str], list[str]]:
    rows: dict[tuple[str, str], list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            key = (match["table"], match["field"])
            assert key not in rows, f"{key} is documented twice"
            rows[key] = [cell.strip() for cell in match["rest"].split("|")]
    return rows


async def real_schema(tmp_path: Path) -> set[tuple[str, str]]:
    path = tmp_path / "relais.sqlite3"
    stores = await open_stores(path)
    await stores.close()
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            (table, column[1])
            for table in tables
            for column in db.execute(f"PRAGMA table_info({table})")
        }


async def test_every_stored_field_is_documented_and_nothing_else(tmp_path: Path):
    doc = set(documented())
    real = await real_schema(tmp_path)
    assert real - doc == set(), "fields stored but not explained in docs/donnees.md"
    assert doc - real == set(), "fields explained in docs/donnees.md but not stored"


def test_every_field_says_what_why_and_how_long():
    for key, cells in documented().items():
        assert len(cells) == 3 and all(cells), f"{key}: fill 'ce que c'est', 'pourquoi', 'durée'"


def test_the_chat_id_is_said_to_go_at_the_end():
    cells = documented()[("cases", "chat_id")]
    assert "seulement pendant la demande" in cells[2]


def test_what_is_said_about_time_and_memory_is_what_the_code_does():
    """Durations and bounds written for people are the ones the code uses (issue 7)."""
    from bot.app.asking import PENDING_TTL_SECONDS
    from bot.app.conversation import SESSION_TTL_SECONDS
    from bot.app.privacy import RECENT_MESSAGES_HOURS
    from bot.channels.telegram.privacy import MAX_IDS_PER_CHAT
    from bot.config import DEFAULT_RETENTION_DAYS

    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert f"**{DEFAULT_RETENTION_DAYS} jours après la fin**" in text
    assert SESSION_TTL_SECONDS == 3600 and "en mémoire une heure au plus" in text
    assert f"en mémoire {PENDING_TTL_SECONDS // 60} minutes au plus" in text
    assert f"{MAX_IDS_PER_CHAT} par conversation au plus" in text
    assert f"oubliés après {RECENT_MESSAGES_HOURS} heures" in text
    for setting in ("RELAIS_RETENTION_DAYS", "RELAIS_CONTACT_DONNEES", "RELAIS_SECRET"):
        assert setting in text
