"""``python -m bot stats`` and ``python -m bot manques``: the coordinators' reports.

Both read the database of the running bot (``RELAIS_DB``, or ``--base``) and print French
text; ``stats --html FILE`` also writes a page to open or print. Neither shows a person:
``stats`` reads counters only, ``manques`` the masked questions kept when the team turned
it on (``RELAIS_MANQUES=1``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from collections.abc import Awaitable
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app.missed import RETENTION_DAYS, format_groups, group_missed, oldest_kept_day
from bot.app.ports import StoreOpener, Stores
from bot.app.stats import Period, UsageReport, default_period, format_text, load_report
from bot.channels.report_html import render_html
from bot.config import POSTGRES_URL_PREFIXES, Settings
from bot.knowledge.kb import KnowledgeBase, load_knowledge
from bot.knowledge.staff import DEFAULT_TIMEZONE
from bot.knowledge.yamlfile import KnowledgeError
from bot.texts import coordination as t

REPORT_COMMANDS = frozenset({"stats", "manques"})


def add_report_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    stats = sub.add_parser("stats", help="rapport d'utilisation (compteurs, sans personne)")
    stats.add_argument("--du", type=_day, metavar="AAAA-MM-JJ", help="premier jour")
    stats.add_argument("--au", type=_day, metavar="AAAA-MM-JJ", help="dernier jour (inclus)")
    stats.add_argument("--html", type=Path, metavar="FICHIER", help="écrire aussi une page")
    _base_arg(stats)
    missed = sub.add_parser("manques", help="les questions restées sans réponse, regroupées")
    missed.add_argument(
        "--jours",
        type=int,
        default=RETENTION_DAYS,
        metavar="N",
        help=f"les N derniers jours (au plus {RETENTION_DAYS}, par défaut {RETENTION_DAYS})",
    )
    _base_arg(missed)


def _base_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base", type=Path, metavar="FICHIER", help="la base du robot (par défaut RELAIS_DB)"
    )
    parser.add_argument(
        "--knowledge", type=Path, default=None, metavar="DOSSIER", help=argparse.SUPPRESS
    )


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t.NOT_A_DATE.format(text=text)) from None


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()


def run_report_command(
    args: argparse.Namespace, settings: Settings, out: TextIO, open_stores: StoreOpener
) -> int:
    """``stats`` or ``manques`` on the database file; ``open_stores`` comes from the wiring."""
    database = args.base or settings.db_url or settings.db_path
    if not str(database).startswith(POSTGRES_URL_PREFIXES) and not Path(database).is_file():
        print(t.NO_DATABASE.format(path=database), file=out)
        return 1
    if args.command == "stats":
        period = _period(args.du, args.au)
        if period is None:
            print(t.PERIOD_REVERSED, file=out)
            return 2
        kb = _knowledge(args.knowledge or settings.knowledge_dir)
        report = asyncio.run(_report(open_stores(database), period, kb))
        print(format_text(report), file=out)
        if args.html is not None:
            args.html.write_text(render_html(report, generated=today()), encoding="utf-8")
            print("\n" + t.PAGE_WRITTEN.format(path=args.html), file=out)
        return 0
    days = max(1, min(args.jours, RETENTION_DAYS))
    return asyncio.run(manques(open_stores(database), days, out))


def _period(start: dt.date | None, end: dt.date | None) -> Period | None:
    base = default_period(today())
    period = Period(start or (end - dt.timedelta(days=29) if end else base.start), end or base.end)
    return period if period.start <= period.end else None


def _knowledge(folder: Path) -> KnowledgeBase | None:
    """Titles and themes for the report; without them, entry ids are shown as they are."""
    try:
        return load_knowledge(folder)
    except KnowledgeError:
        return None


async def _report(
    opening: Awaitable[Stores], period: Period, kb: KnowledgeBase | None
) -> UsageReport:
    stores = await opening
    try:
        return await load_report(stores.counters, period, kb)
    finally:
        await stores.close()


async def manques(opening: Awaitable[Stores], days: int, out: TextIO) -> int:
    stores = await opening
    try:
        end = today()
        start = oldest_kept_day(end, days)
        rows = await stores.missed.since(start.isoformat())
    finally:
        await stores.close()
    print(format_groups(group_missed(rows), start, end), file=out)
    return 0
