"""Questions the bot could not answer: masked, kept without anyone, 30 days, then grouped."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

import pytest

from bot.__main__ import build_parser
from bot.adapters.sqlite import SqliteStores, open_stores
from bot.app.announcement import AnnouncementBoard
from bot.app.conversation import Engine
from bot.app.coordination import CoordinatedEngine
from bot.app.missed import (
    RETENTION_DAYS,
    MissedQuestions,
    format_groups,
    group_missed,
    oldest_kept_day,
    scrub,
)
from bot.channels.reports_cli import run_report_command, today
from bot.config import Settings
from bot.domain.messages import Inbound, Outbound, Reply
from bot.knowledge.holder import KnowledgeHolder
from bot.texts import person as texts

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
TODAY = dt.date(2026, 11, 24)
NOW = dt.datetime(2026, 11, 24, 14, 30, tzinfo=dt.UTC)
OUT_OF_SCOPE = "recette de la tarte aux pommes de ma grand mere"


@pytest.fixture(scope="module")
def holder() -> KnowledgeHolder:
    return KnowledgeHolder.from_folder(KNOWLEDGE)


@pytest.fixture
async def store(tmp_path: Path):
    store = await open_stores(tmp_path / "relais.sqlite3")
    yield store
    await store.close()


def test_secrets_addresses_and_long_numbers_are_masked() -> None:
    masked = scrub(
        "mon mdp c est Soleil2024! appelez moi au 06 12 34 56 78 ou jean.dupont@gmail.com "
        "voir https://x.fr/a?b=1 dossier 1234567 nir 1 85 05 78 006 084 36"
    )
    for secret in ("Soleil2024", "06 12", "dupont", "x.fr", "1234567", "085", "084 36"):
        assert secret not in masked, secret
    assert masked.startswith("mon mdp c est ")
    assert "appelez moi au •••" in masked


def test_a_very_long_question_is_cut() -> None:
    assert len(scrub("prime " * 200)) <= 300


def test_similar_questions_are_grouped_with_their_counts() -> None:
    rows = [
        ("2026-11-20", "prime de noel quand", 3),
        ("2026-11-21", "Prime de Noël quand ?", 2),
        ("2026-11-21", "mot de passe ameli", 1),
        ("2026-11-21", "mot de passe impots", 1),
        ("2026-11-21", "c quand la prime de noel", 1),
        ("2026-11-22", "comment avoir un logement social", 2),
        ("2026-11-22", "logement social demande comment", 1),
        ("2026-11-23", "caf", 1),
        ("2026-11-23", "recette tarte aux pommes", 1),
    ]
    groups = group_missed(rows)
    assert [(g.wording, g.total) for g in groups] == [
        ("prime de noel quand", 6),
        ("comment avoir un logement social", 3),
        ("caf", 1),
        ("mot de passe ameli", 1),
        ("mot de passe impots", 1),
        ("recette tarte aux pommes", 1),
    ]
    assert groups[0].variants == [("c quand la prime de noel", 1)]
    text = format_groups(groups, dt.date(2026, 10, 26), TODAY)
    assert "Questions sans réponse du 26/10/2026 au 24/11/2026 : 13 questions, 6 sujets." in text
    assert "6 × prime de noel quand" in text
    assert "aussi : « c quand la prime de noel » (1)" in text


def test_nothing_kept_says_how_to_turn_it_on() -> None:
    assert "RELAIS_MANQUES" in format_groups([], TODAY, TODAY)


async def test_keeping_merges_a_day_and_purging_keeps_30_days(store: SqliteStores) -> None:
    missed = MissedQuestions(store.missed)
    first_kept = oldest_kept_day(TODAY)
    assert (TODAY - first_kept).days == RETENTION_DAYS - 1
    for day in (first_kept - dt.timedelta(days=1), first_kept, TODAY, TODAY):
        await missed.keep("prime de noel quand", day)
    assert await missed.purge(TODAY) == 1
    assert await store.missed.since("0000-00-00") == [
        (first_kept.isoformat(), "prime de noel quand", 1),
        (TODAY.isoformat(), "prime de noel quand", 2),
    ]
    assert await missed.purge(TODAY) == 0


def coordinated(holder: KnowledgeHolder, store: SqliteStores, *, keep: bool) -> CoordinatedEngine:
    return CoordinatedEngine(
        Engine(holder, store.counters),
        holder,
        board=AnnouncementBoard(),
        counters=store.counters,
        notices=store.notices,
        missed=MissedQuestions(store.missed) if keep else None,
        now=lambda: NOW,
    )


async def test_a_fallback_question_is_kept_masked_and_without_anyone(
    holder: KnowledgeHolder, store: SqliteStores, tmp_path: Path
) -> None:
    engine = coordinated(holder, store, keep=True)
    person = "pseudonyme-de-lea-0123456789"
    await engine.handle(Inbound(user=person, text=f"{OUT_OF_SCOPE} mdp: Soleil2024"))
    await engine.handle(Inbound(user=person, text="comment je m'actualise sur france travail"))
    await engine.handle(Inbound(user=person, command="start"))
    [(day, question, times)] = await store.missed.since("0000-00-00")
    assert (day, times) == ("2026-11-24", 1)
    assert question.startswith(OUT_OF_SCOPE) and "Soleil2024" not in question
    await store.database.checkpoint()
    raw = (tmp_path / "relais.sqlite3").read_bytes()
    assert person.encode() not in raw and b"Soleil2024" not in raw


class Says:
    """An engine that always gives the same reply: the wrapper must trust its decision."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        return [self.reply]


@pytest.mark.parametrize(
    ("reply", "kept"),
    [
        (Reply("Autre formulation de « pas de réponse »", unanswered=True), 1),
        (Reply(texts.FALLBACK), 0),  # the same words, but the engine did not say "unanswered"
    ],
)
async def test_the_question_is_kept_from_the_engines_decision_not_its_wording(
    holder: KnowledgeHolder, store: SqliteStores, reply: Reply, kept: int
) -> None:
    engine = CoordinatedEngine(
        Says(reply),
        holder,
        board=AnnouncementBoard(),
        counters=store.counters,
        notices=store.notices,
        missed=MissedQuestions(store.missed),
        now=lambda: NOW,
    )
    await engine.handle(Inbound(user="x", text=OUT_OF_SCOPE))
    assert len(await store.missed.since("0000-00-00")) == kept


async def test_nothing_is_kept_unless_the_team_turned_it_on(
    holder: KnowledgeHolder, store: SqliteStores
) -> None:
    engine = coordinated(holder, store, keep=False)
    await engine.handle(Inbound(user="x", text=OUT_OF_SCOPE))
    assert await store.missed.since("0000-00-00") == []
    assert Settings.from_env({}).keep_missed is False
    assert Settings.from_env({"RELAIS_MANQUES": "1"}).keep_missed is True


async def test_every_message_counts_in_its_hour(
    holder: KnowledgeHolder, store: SqliteStores
) -> None:
    engine = coordinated(holder, store, keep=False)
    await engine.handle(Inbound(user="x", text=OUT_OF_SCOPE))
    await engine.handle(Inbound(user="y", command="menu"))
    assert await store.counters.total("activity-hour", "14") == 2


async def test_manques_command_prints_the_groups(store: SqliteStores, tmp_path: Path) -> None:
    day = today().isoformat()  # the command reads the last days up to today
    for question in ("prime de noel quand", "Prime de Noël quand ?", "piscine"):
        await store.missed.keep(day, question)
    out = io.StringIO()
    args = build_parser().parse_args(
        ["manques", "--jours", "7", "--base", str(tmp_path / "relais.sqlite3")]
    )
    code = await asyncio.to_thread(run_report_command, args, Settings(), out, open_stores)
    assert code == 0
    assert "2 × Prime de Noël quand ?" in out.getvalue()  # one wording of the two, counted twice
    assert "1 × piscine" in out.getvalue()
