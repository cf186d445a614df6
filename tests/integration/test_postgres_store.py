"""What only the PostgreSQL store has to show (the shared promises are in
``test_store_contract.py``): the same schema as SQLite, versioned migrations, a server that
drops the connection, and a password never shown. Skipped, with the reason, where PostgreSQL
is not installed (``tests/postgres_server.py``)."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from pathlib import Path

import psycopg
import pytest

from bot.adapters.postgres import open_stores
from bot.adapters.postgres.database import shown_url
from bot.adapters.postgres.schema import MIGRATIONS
from bot.adapters.sqlite import open_stores as open_sqlite
from bot.adapters.sqlite.schema import MIGRATIONS as SQLITE_MIGRATIONS
from bot.app.ports import StoreError
from bot.bootstrap import open_database
from bot.config import DEFAULT_DB_PATH, Settings
from bot.domain.case import Audience, NewCase

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def new_case(person: str = "person-key-a") -> NewCase:
    return NewCase(
        alias="#A7F3",
        person_key=person,
        chat_id=7_123_456_789,
        audience=Audience.PAIR_AIDANT,
        urgent=False,
        theme="caf",
        shown_entries=(),
        not_helpful=(),
        group_chat_id=-1001,
        now=NOW,
        announced=True,
    )


async def sqlite_columns(tmp_path: Path) -> set[tuple[str, str]]:
    path = tmp_path / "relais.sqlite3"
    await (await open_sqlite(path)).close()
    with sqlite3.connect(path) as db:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {(t, c[1]) for t in tables for c in db.execute(f"PRAGMA table_info({t})")}


async def test_the_schema_has_the_same_tables_and_columns_as_sqlite(
    postgres_url: str, tmp_path: Path
) -> None:
    """docs/donnees.md is checked against SQLite; PostgreSQL keeps exactly the same fields."""
    stores = await open_stores(postgres_url)
    rows = await stores.database.rows(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name <> 'relais_schema'"
    )
    await stores.close()
    assert {(str(t), str(c)) for t, c in rows} == await sqlite_columns(tmp_path)
    assert len(MIGRATIONS) == len(SQLITE_MIGRATIONS)


async def test_the_schema_is_versioned_and_migrated_once(postgres_url: str) -> None:
    stores = await open_stores(postgres_url)
    assert await stores.database.schema_version() == len(MIGRATIONS)
    case_id = await stores.cases.add(new_case())
    await stores.close()
    again = await open_stores(postgres_url)  # a restart: nothing migrated twice, nothing lost
    assert await again.database.schema_version() == len(MIGRATIONS)
    assert await again.cases.get(case_id or 0) is not None
    await again.close()


async def test_a_database_of_a_newer_relais_is_refused(postgres_url: str) -> None:
    await (await open_stores(postgres_url)).close()
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("UPDATE relais_schema SET version = version + 1")
    with pytest.raises(StoreError, match="plus récente"):
        await open_stores(postgres_url)


async def test_a_dropped_connection_fails_once_then_the_store_works_again(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A server restart or fail-over: one StoreError, one log line, then it reconnects."""
    stores = await open_stores(postgres_url)
    try:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'relais'"
            )
        with caplog.at_level(logging.WARNING), pytest.raises(StoreError):
            await stores.cases.add(new_case())
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and warnings[0].startswith("database ")
        assert await stores.cases.add(new_case()) is not None
    finally:
        await stores.close()


async def test_a_unit_of_work_whose_connection_drops_saves_nothing(postgres_url: str) -> None:
    stores = await open_stores(postgres_url)
    try:
        with pytest.raises(StoreError):
            async with stores.unit_of_work() as uow:
                await stores.cases.add(new_case())
                with psycopg.connect(postgres_url, autocommit=True) as admin:
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = 'relais'"
                    )
                await stores.counters.count("handoff", day="2026-11-23")
                await uow.commit()
        assert await stores.cases.open_case_of("person-key-a") is None
        assert await stores.counters.total("handoff") == 0
    finally:
        await stores.close()


async def test_an_unreachable_server_stops_the_start_without_showing_the_password(
    postgres_server, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"postgresql://relais:s3cret-pw@/nowhere?host={postgres_server.folder}"
    with caplog.at_level(logging.DEBUG), pytest.raises(StoreError) as raised:
        await open_stores(url)
    assert "s3cret-pw" not in str(raised.value) and "s3cret-pw" not in caplog.text
    assert "n'existe pas" in str(raised.value)


def test_the_password_is_masked_wherever_the_url_is_shown() -> None:
    assert shown_url("postgresql://relais:pw@db.example/relais") == (
        "postgresql://relais:***@db.example/relais"
    )
    assert shown_url("postgresql:///relais?password=pw&host=/run") == (
        "postgresql:///relais?password=***&host=/run"
    )


def test_relais_db_selects_postgresql_by_its_url_and_sqlite_otherwise() -> None:
    url = "postgresql://relais:pw@db.example/relais"
    settings = Settings.from_env({"RELAIS_DB": url})
    assert settings.db_url == url and "pw" not in repr(settings)
    assert Settings.from_env({}).db_url is None
    assert Settings.from_env({}).db_path == DEFAULT_DB_PATH
    assert Settings.from_env({"RELAIS_DB": "x/relais.sqlite3"}).db_path == Path("x/relais.sqlite3")


async def test_the_wiring_opens_the_store_relais_db_names(postgres_url: str) -> None:
    stores = await open_database(Settings(db_url=postgres_url))
    try:
        assert type(stores).__module__.startswith("bot.adapters.postgres")
    finally:
        await stores.close()


def test_the_reports_read_the_postgresql_store(postgres_url: str) -> None:
    """``./relais stats`` with ``RELAIS_DB=postgresql://…`` reads the server, not a file."""
    import asyncio
    import io

    from bot.__main__ import build_parser
    from bot.bootstrap import store_at
    from bot.channels.reports_cli import run_report_command

    async def count() -> None:
        stores = await store_at(postgres_url)
        await stores.counters.count("answer", "caf-rib", day="2026-11-20")
        await stores.close()

    asyncio.run(count())
    out = io.StringIO()
    args = build_parser().parse_args(["stats", "--du", "2026-11-01", "--au", "2026-11-30"])
    code = run_report_command(args, Settings(db_url=postgres_url), out, store_at)
    assert code == 0 and "caf-rib" in out.getvalue()


def test_without_postgresql_binaries_the_tests_say_why_they_are_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Never silently passed: the fixture skips with this reason (tests/conftest.py)."""
    import postgres_server

    monkeypatch.setattr(postgres_server, "find_binaries", lambda: None)
    reason = postgres_server.unavailable()
    assert reason is not None and "apt-get install postgresql" in reason


def test_only_a_postgresql_store_has_a_serving_lease() -> None:
    from bot.adapters.postgres.lease import PostgresLease
    from bot.bootstrap import serving_lease

    assert serving_lease(Settings()) is None  # SQLite: one instance
    assert isinstance(serving_lease(Settings(db_url="postgresql://x@/y")), PostgresLease)
