import sqlite3
from pathlib import Path

import pytest

from bot.adapters.sqlite import open_stores
from bot.adapters.sqlite.schema import MIGRATIONS
from bot.app.ports import StoreError


async def test_counters_add_up_per_day_and_key(tmp_path: Path):
    store = await open_stores(tmp_path / "relais.sqlite3")
    try:
        await store.counters.count("answer", "caf-rib", day="2026-11-20")
        await store.counters.count("answer", "caf-rib", day="2026-11-20")
        await store.counters.count("answer", "caf-rib", day="2026-11-21")
        await store.counters.count("helpful", "caf-rib", day="2026-11-21")
        rows = await store.counters.counters("2026-11-21", "2026-11-21", names=["answer"])
        assert [(r.day, r.name, r.key, r.value) for r in rows] == [
            ("2026-11-21", "answer", "caf-rib", 1)
        ]
        assert await store.counters.total("answer", "caf-rib") == 3
    finally:
        await store.close()


async def test_schema_version_survives_reopening(tmp_path: Path):
    path = tmp_path / "relais.sqlite3"
    store = await open_stores(path)
    await store.counters.count("answer", "x")
    await store.close()
    store = await open_stores(path)
    try:
        assert await store.database.schema_version() == len(MIGRATIONS)
        assert await store.counters.total("answer", "x") == 1
    finally:
        await store.close()


async def test_database_from_a_newer_version_is_refused(tmp_path: Path):
    path = tmp_path / "relais.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="mettez Relais à jour"):
        await open_stores(path)
