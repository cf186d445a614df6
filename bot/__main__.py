"""Command line: ``python -m bot run | try | ask | kb check | stats | manques``.

``run`` is the Telegram bot; ``try`` chats in the terminal with the same engine, no token
needed; ``ask`` shows coordinators and scripts what the bot would do with a message;
``kb check`` checks the knowledge files (``bot/knowledge/lint.py``); ``stats`` and
``manques`` are the coordinators' reports (``bot/channels/reports_cli.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app.nearby import FINDER_ENTRY, NearbyPlan, Step, plan_for_text
from bot.app.standby import LeaseLost
from bot.bootstrap import open_try_out
from bot.channels import terminal
from bot.channels.reports_cli import REPORT_COMMANDS, add_report_commands, run_report_command
from bot.config import ConfigError, Settings
from bot.knowledge.decision import decide
from bot.knowledge.holder import Knowledge
from bot.knowledge.lint import DEFAULT_MAX_AGE_DAYS, ERROR, LintOptions, check_folder, summary
from bot.knowledge.staff import DEFAULT_TIMEZONE
from bot.knowledge.yamlfile import KnowledgeError
from bot.texts import coordination as team_texts


def _knowledge_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--knowledge",
        type=Path,
        default=None,
        metavar="DOSSIER",
        help="dossier des fichiers de connaissances (par défaut : knowledge/ ou RELAIS_KNOWLEDGE)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Relais, robot d'aide.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="lancer le robot Telegram (sans jeton : l'essai dans le terminal)")
    try_parser = sub.add_parser("try", help="discuter avec le robot dans le terminal")
    _knowledge_arg(try_parser)
    ask = sub.add_parser("ask", help="ce que le robot ferait d'un message")
    ask.add_argument("message", help="le message, ou - pour lire un message par ligne")
    ask.add_argument("--json", action="store_true", help="une ligne JSON par message")
    _knowledge_arg(ask)
    kb = sub.add_parser("kb", help="les fichiers de connaissances")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="vérifier les fichiers de connaissances")
    _knowledge_arg(check)
    check.add_argument(
        "--max-age-days",
        type=int,
        default=DEFAULT_MAX_AGE_DAYS,
        metavar="JOURS",
        help=f"âge au-delà duquel une fiche est à revérifier (par défaut {DEFAULT_MAX_AGE_DAYS})",
    )
    add_report_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    # The running bot logs its events; everything else (the try-out above all) keeps quiet.
    bot_runs = args.command == "run" and bool(settings.token)
    logging.basicConfig(
        level=logging.INFO if bot_runs else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    folder = getattr(args, "knowledge", None) or settings.knowledge_dir
    try:
        if args.command == "run":
            return _run(settings)
        if args.command == "try":
            return asyncio.run(try_out(folder))
        if args.command == "ask":
            return ask(folder, args.message, as_json=args.json, out=sys.stdout)
        if args.command in REPORT_COMMANDS:
            from bot.bootstrap import store_at

            return run_report_command(args, settings, sys.stdout, store_at)
        return kb_check(folder, sys.stdout, max_age_days=args.max_age_days)
    except ConfigError as exc:
        print(team_texts.CANNOT_START.format(reason=exc), file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        print(team_texts.KNOWLEDGE_ERRORS, file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except LeaseLost:  # active / standby: another instance may serve now (bot/app/standby.py)
        print(team_texts.LEASE_LOST, file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


def _run(settings: Settings) -> int:
    if not settings.token:
        print(team_texts.NO_TOKEN_HELP, file=sys.stderr)
        return asyncio.run(try_out(settings.knowledge_dir))
    settings.check_for_telegram()
    from bot.bootstrap import opener, serving_lease
    from bot.channels.telegram.app import run  # imported here: only `run` needs Telegram

    run(settings, opener(settings), lease=serving_lease(settings))
    return 0


def kb_check(
    folder: Path,
    out: TextIO,
    *,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    today: dt.date | None = None,
) -> int:
    """Check the knowledge files (``bot/knowledge/lint.py``); exit code 1 on an error."""
    today = today or dt.datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()
    options = LintOptions(today=today, max_age_days=max_age_days)
    problems = check_folder(folder, options)
    for problem in problems:
        icon = "❌" if problem.severity == ERROR else "⚠️"
        print(f"{icon} {problem}", file=out)
    entries = None
    try:
        knowledge = Knowledge.load(folder)
    except KnowledgeError:
        print(team_texts.LOAD_FIRST, file=out)
    else:
        entries = len(knowledge.kb.entries)
        print(
            f"{entries} fiches dans {len(knowledge.kb.themes)} thèmes, "
            f"{len(knowledge.safety.crises)} situations de crise.",
            file=out,
        )
        places = knowledge.places
        print(
            f"{len(places.places)} lieux d'aide (lieux.yaml)."
            if places is not None
            else "Pas de lieux.yaml : le robot donne les cartes nationales.",
            file=out,
        )
    print(summary(problems, entries), file=out)
    return 1 if any(p.severity == ERROR for p in problems) else 0


async def try_out(folder: Path) -> int:
    """The terminal try-out, built by bootstrap like the real bot, closed when it ends."""
    logging.getLogger().setLevel(logging.WARNING)  # an INFO line would cut the conversation
    services = await open_try_out(folder)
    try:
        return await terminal.chat(services.engine, sys.stdin, sys.stdout)
    finally:
        await services.close()


def ask(folder: Path, message: str, *, as_json: bool, out: TextIO) -> int:
    """Print the decision for one message, or for each line of stdin with ``-``."""
    knowledge = Knowledge.load(folder)
    lines = (line.rstrip("\n") for line in sys.stdin) if message == "-" else iter([message])
    for line in lines:
        decision = decide(knowledge, line)
        now = dt.datetime.now(ZoneInfo(DEFAULT_TIMEZONE))
        nearby = plan_for_text(knowledge, decision, line, now)
        if as_json:
            data = decision.as_json()
            if nearby is not None:
                data.update(_nearby_json(nearby))
            print(json.dumps(data, ensure_ascii=False), file=out, flush=True)
            continue
        if nearby is not None:
            places = ", ".join(m.place.id for m in nearby.places) or "-"
            print(f"nearby\t{nearby.step}\t{places}", file=out, flush=True)
            continue
        target = (
            decision.entry
            or decision.crisis
            or decision.theme
            or ", ".join(decision.choices)
            or "-"
        )
        print(f"{decision.kind}\t{target}\t{decision.score:.2f}", file=out, flush=True)
    return 0


def _nearby_json(plan: NearbyPlan) -> dict[str, object]:
    """What the bot does instead of the decision: the places, or asking for the commune."""
    return {
        "kind": "nearby",
        "entry": FINDER_ENTRY if plan.step is Step.FINDER else None,
        "nearby": plan.step.value,
        "topic": plan.topic,
        "commune": plan.commune.code if plan.commune is not None else None,
        "communes": [c.code for c in plan.communes] if len(plan.communes) > 1 else [],
        "places": [m.place.id for m in plan.places],
    }


if __name__ == "__main__":
    sys.exit(main())
