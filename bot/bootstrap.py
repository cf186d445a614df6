"""The only wiring: stores, knowledge, team, use cases and engine, built once into one App.

Channels receive the :class:`~bot.app.wiring.App` ready (``bot/channels/``); none of them
builds a service, loads a file or opens the database. The handoff exists only when a staff
file is configured (``RELAIS_STAFF_CONFIG``); without it the bot still answers, and says
honestly that no team is connected yet.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.adapters.sqlite import open_stores
from bot.app.announcement import AnnouncementBoard
from bot.app.card import Catalog, KnowledgeCatalog
from bot.app.cases import Cases
from bot.app.conversation import Engine
from bot.app.coordination import CoordinatedEngine
from bot.app.erasure import Erasure
from bot.app.handoff import HandoffService
from bot.app.handoff_core import DEFAULT_RETENTION_DAYS, HandoffContext, utc_now
from bot.app.memory import MemoryRegistry
from bot.app.missed import MissedQuestions
from bot.app.outbox import Outbox
from bot.app.ports import Clock, Lease, StoreError, Stores
from bot.app.privacy import Privacy
from bot.app.relaying import Relaying
from bot.app.reload import KnowledgeWatcher, today_options
from bot.app.wiring import App, AppOpener
from bot.config import POSTGRES_URL_PREFIXES, ConfigError, Settings
from bot.knowledge.announcement import Announcement, load_announcement_file
from bot.knowledge.holder import KnowledgeHolder
from bot.knowledge.lint import DEFAULT_MAX_AGE_DAYS
from bot.knowledge.staff import DEFAULT_TIMEZONE, Charter, StaffConfig, load_charter, load_staff
from bot.knowledge.yamlfile import KnowledgeError
from bot.texts.coordination import STAFF_FILE_ERRORS

log = logging.getLogger(__name__)

CHARTER_FILE = "charte.yaml"
"""The pair-aidants' charter, in the knowledge folder (``knowledge/charte.yaml``)."""


async def open_services(
    settings: Settings, *, clock: Callable[[], dt.datetime] | None = None
) -> App:
    """Load the knowledge and the staff file (raise KnowledgeError), open the database.

    ``clock`` replaces the handoff's clock and the one that tells which places are open
    (tests move time by hand).
    """
    knowledge = KnowledgeHolder.from_folder(settings.knowledge_dir)
    team = _load_team(settings)  # files first: a bad one stops us before the database opens
    try:
        stores = await open_database(settings)
    except StoreError as error:  # a folder that cannot be written, a newer schema
        raise ConfigError(str(error)) from None
    staff, charter = team if team is not None else (None, None)
    memory = MemoryRegistry()  # what /mesdonnees lists and /oublier erases, in memory
    handoff = None
    if staff is not None:
        assert settings.secret is not None  # checked by _load_team
        handoff = build_handoff(
            stores,
            staff,
            settings.secret,
            clock or utc_now,
            charter=charter,
            catalog=KnowledgeCatalog(lambda: knowledge.current.kb),
            retention_days=settings.retention_days,
            memory=memory,
        )
    tz = ZoneInfo(staff.hours.timezone if staff is not None else DEFAULT_TIMEZONE)

    def now() -> dt.datetime:
        return dt.datetime.now(tz)

    def places_now() -> dt.datetime:
        """When the places' opening hours are read: the test's clock when it moves time."""
        return clock().astimezone(tz) if clock is not None else now()

    asking_clock = (lambda: clock().timestamp()) if clock is not None else None
    engine = Engine(
        knowledge, stores.counters, handoff=handoff, now=places_now, asking_clock=asking_clock
    )
    board = AnnouncementBoard()
    board.from_file = _file_notice(settings.knowledge_dir)
    for holder in (engine.sessions, engine.flow, engine.flood, board):
        memory.register(holder)
    missed = MissedQuestions(stores.missed)
    return App(
        knowledge=knowledge,
        stores=stores,
        engine=engine,
        replies=CoordinatedEngine(
            engine,
            knowledge,
            board=board,
            counters=stores.counters,
            notices=stores.notices,
            missed=missed if settings.keep_missed else None,
            now=now,
        ),
        memory=memory,
        privacy=Privacy(
            handoff,
            memory=memory,
            retention_days=settings.retention_days,
            contact=settings.data_contact,
            keep_missed=settings.keep_missed,
        ),
        board=board,
        missed=missed,
        watcher=KnowledgeWatcher(
            knowledge,
            settings.knowledge_dir,
            options=today_options(DEFAULT_MAX_AGE_DAYS, lambda: now().date()),
            on_notice=board.set_file_notice,
        ),
        now=now,
        staff=staff,
        handoff=handoff,
    )


async def open_database(settings: Settings) -> Stores:
    """The store ``RELAIS_DB`` names: a PostgreSQL server (``postgresql://…``) or, by default,
    a SQLite file. psycopg is imported only when PostgreSQL is used."""
    if settings.db_url is not None:
        from bot.adapters.postgres import open_stores as open_postgres

        return await open_postgres(settings.db_url)
    return await open_stores(settings.db_path)


def serving_lease(settings: Settings) -> Lease | None:
    """On PostgreSQL, only the instance holding this lease serves (active / standby,
    ``bot/app/standby.py``); a SQLite file has one instance, and no lease."""
    if settings.db_url is None:
        return None
    from bot.adapters.postgres.lease import PostgresLease

    return PostgresLease(settings.db_url)


async def store_at(target: Path | str) -> Stores:
    """The store at ``target``: a ``postgresql://`` URL or a SQLite file (reports)."""
    if str(target).startswith(POSTGRES_URL_PREFIXES):
        return await open_database(Settings(db_url=str(target)))
    return await open_stores(target)


def build_handoff(
    stores: Stores,
    staff: StaffConfig,
    secret: str,
    clock: Clock = utc_now,
    *,
    charter: Charter | None = None,
    catalog: Catalog | None = None,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    memory: MemoryRegistry | None = None,
) -> HandoffService:
    """The handoff's three use cases over one context and one outbox, behind one facade.

    ``Cases`` is built first: ``Relaying`` asks it to re-create a lost topic or to close the
    case of a person who blocked the bot. The outbox's in-memory state registers in
    ``memory`` like every other holder.
    """
    context = HandoffContext(
        stores,
        staff,
        secret,
        clock,
        charter=charter,
        catalog=catalog,
        retention_days=retention_days,
    )
    outbox = Outbox(stores.relays, staff, clock, per_minute=context.relays_per_minute)
    if memory is not None:
        memory.register(outbox)
    cases = Cases(context, outbox)
    return HandoffService(
        context,
        cases=cases,
        relaying=Relaying(context, outbox, cases),
        erasure=Erasure(context),
    )


def opener(settings: Settings) -> AppOpener:
    """What a channel that runs by itself calls to open its App, in its own event loop."""

    async def open_app() -> App:
        return await open_services(settings)

    return open_app


async def open_try_out(knowledge_dir: Path) -> App:
    """The terminal try-out: the real engine over ``knowledge_dir``, a database in memory and
    no team (nothing is kept once the try-out ends)."""
    settings = Settings(knowledge_dir=knowledge_dir, db_path=Path(":memory:"))
    return await open_services(settings)


def _load_team(settings: Settings) -> tuple[StaffConfig, Charter | None] | None:
    """The staff file and the charter, checked; None when no staff file is configured."""
    if settings.staff_config is None:
        return None
    if not settings.secret:
        raise ConfigError(
            "RELAIS_SECRET manque : il faut une phrase secrète pour relier les personnes à "
            "l'équipe sans garder leur numéro Telegram."
        )
    try:
        staff = load_staff(settings.staff_config)
    except KnowledgeError as exc:  # a start error like the others (exit 2), naming its file
        problems = "".join(f"\n  {problem}" for problem in exc.problems)
        raise ConfigError(
            STAFF_FILE_ERRORS.format(path=settings.staff_config) + problems
        ) from None
    for problem in staff.warnings:
        log.warning("staff file: %s", problem)
    charter_path = settings.knowledge_dir / CHARTER_FILE
    charter = load_charter(charter_path) if charter_path.is_file() else None
    if charter is None:
        log.warning("no %s: pair-aidants can take cases without a charter", CHARTER_FILE)
    return staff, charter


def _file_notice(folder: Path) -> Announcement | None:
    try:
        return load_announcement_file(folder)
    except KnowledgeError as exc:
        log.warning("announcement file unusable: %d problem(s)", len(exc.problems))
        return None
