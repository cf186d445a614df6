"""Coordinators' tools: the notice, live reload, and the staff-group commands and their rights."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import BotUnderTest
from fakebotapi import FakeBotApi, new_person
from test_coordination_day import REPO_KNOWLEDGE, Team, files_looked_at, staff_file

from bot.app.announcement import AnnouncementBoard
from bot.app.coordination import CoordinatedEngine
from bot.app.reload import KnowledgeWatcher, compare
from bot.config import Settings
from bot.domain.messages import DeleteIncoming, Inbound, Outbound, Reply
from bot.knowledge.announcement import (
    Announcement,
    AnnouncementError,
    load_announcement_file,
    parse_command,
    parse_date,
)
from bot.knowledge.holder import KnowledgeHolder
from bot.knowledge.kb import load_knowledge
from bot.knowledge.lint import LintOptions
from bot.knowledge.staff import DEFAULT_TIMEZONE
from bot.knowledge.yamlfile import KnowledgeError
from bot.texts import coordination as t
from bot.texts import person as texts

TODAY = dt.date(2026, 11, 24)
# The shipped entries were reviewed on 2026-12-03: a lint before that day says « in the future ».
LINT_TODAY = dt.date(2026, 12, 3)


# --- the notice -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-12-03", dt.date(2026, 12, 3)),
        ("03/12/2026", dt.date(2026, 12, 3)),
        ("3/12", dt.date(2026, 12, 3)),
        ("2/1", dt.date(2027, 1, 2)),  # already past this year: next year
    ],
)
def test_dates_are_read_the_french_way(written: str, expected: dt.date) -> None:
    assert parse_date(written, TODAY) == expected


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ("", "écrivez /annonce, la date de fin"),
        ("lundi Service réduit", "n'est pas une date"),
        ("31/02 Service réduit", "n'existe pas"),
        ("3/12", "l'annonce est vide"),
        ("2026-11-01 Service réduit", "déjà passée"),
        ("2027-06-01 Service réduit", "plus de 90 jours"),
        ("3/12 " + "x" * 401, "400 au plus"),
    ],
)
def test_a_wrong_announcement_says_how_to_write_it(arguments: str, reason: str) -> None:
    with pytest.raises(AnnouncementError, match=reason):
        parse_command(arguments, TODAY)


def test_an_announcement_command_and_its_end() -> None:
    notice = parse_command("3/12 Service réduit jusqu'au mercredi 3.", TODAY)
    assert notice == Announcement("Service réduit jusqu'au mercredi 3.", dt.date(2026, 12, 3))
    assert parse_command("fin", TODAY) is None


def test_the_announcement_file_is_checked_with_lines(tmp_path: Path) -> None:
    assert load_announcement_file(tmp_path) is None
    (tmp_path / "annonce.yaml").write_text("# rien pour l'instant\n", encoding="utf-8")
    assert load_announcement_file(tmp_path) is None
    (tmp_path / "annonce.yaml").write_text(
        'text: "Fermé le 25."\nuntil: 2026-12-26\n', encoding="utf-8"
    )
    assert load_announcement_file(tmp_path) == Announcement(
        "Fermé le 25.", dt.date(2026, 12, 26), source="annonce.yaml"
    )
    (tmp_path / "annonce.yaml").write_text('texte: "Fermé"\nuntil: demain\n', encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_announcement_file(tmp_path)
    lines = sorted(p.line for p in error.value.problems)
    assert lines == [1, 1, 2]  # unknown key, missing text, unreadable date


def test_the_board_shows_once_a_day_and_again_when_it_changes() -> None:
    board = AnnouncementBoard()
    board.from_file = Announcement("Fermé le 25.", dt.date(2026, 12, 26), "annonce.yaml")
    assert board.pending("lea", TODAY) == board.from_file
    board.mark_seen("lea")
    assert board.pending("lea", TODAY) is None
    assert board.pending("sam", TODAY) is not None
    assert board.pending("lea", TODAY + dt.timedelta(days=1)) is not None  # a new day
    board.from_command = Announcement("Service réduit.", dt.date(2026, 11, 30))
    assert board.pending("lea", TODAY + dt.timedelta(days=1)) == board.from_command
    assert board.current(dt.date(2026, 12, 1)) == board.from_file  # command ended: file
    assert board.current(dt.date(2026, 12, 27)) is None


class Scripted:
    """An engine that answers what the test says."""

    def __init__(self, outbounds: list[Outbound]) -> None:
        self.outbounds = outbounds

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        return list(self.outbounds)


@pytest.fixture(scope="module")
def holder() -> KnowledgeHolder:
    return KnowledgeHolder.from_folder(REPO_KNOWLEDGE)


def noticing(holder: KnowledgeHolder, outbounds: list[Outbound]) -> CoordinatedEngine:
    board = AnnouncementBoard()
    board.from_command = Announcement("Service réduit jusqu'au 30.", dt.date(2026, 11, 30))
    return CoordinatedEngine(
        Scripted(outbounds),
        holder,
        board=board,
        counters=None,
        notices=None,
        missed=None,
        now=lambda: dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC),
    )


async def test_the_notice_comes_before_the_first_reply_of_the_day(
    holder: KnowledgeHolder,
) -> None:
    engine = noticing(holder, [DeleteIncoming(), Reply("réponse")])
    first = await engine.handle(Inbound(user="lea", text="bonjour"))
    assert [type(o).__name__ for o in first] == ["DeleteIncoming", "Reply", "Reply"]
    assert first[1] == Reply("Service réduit jusqu'au 30.", title=texts.TEAM_NOTICE_TITLE)
    assert await engine.handle(Inbound(user="lea", text="merci")) == [
        DeleteIncoming(),
        Reply("réponse"),
    ]


async def test_a_crisis_reply_comes_alone_and_the_notice_waits(holder: KnowledgeHolder) -> None:
    engine = noticing(holder, [Reply("3114")])
    crisis = await engine.handle(Inbound(user="lea", text="je veux mourir"))
    assert crisis == [Reply("3114")]
    later = await engine.handle(Inbound(user="lea", text="bonjour"))
    assert later[0].title == texts.TEAM_NOTICE_TITLE  # type: ignore[union-attr]


# --- live reload ----------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(REPO_KNOWLEDGE, copy)
    return copy


def watcher_for(folder: Path) -> KnowledgeWatcher:
    holder = KnowledgeHolder.from_folder(folder)
    return KnowledgeWatcher(holder, folder, options=lambda: LintOptions(today=LINT_TODAY))


async def test_a_change_is_reloaded_once_the_file_is_settled(folder: Path) -> None:
    watcher = watcher_for(folder)
    assert await watcher.poll() is None  # nothing changed
    path = folder / "caf.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("🏠 Votre", "🏠 Ici, votre"))
    assert await watcher.poll() is None  # just written: look once more
    outcome = await watcher.poll()
    assert outcome is not None and outcome.applied
    assert outcome.changes.changed == ("caf-compte",)
    assert watcher.holder.current.kb.entry("caf-compte").answer.startswith("🏠 Ici, votre")  # type: ignore[union-attr]
    assert await watcher.poll() is None


async def test_a_linter_error_keeps_the_previous_knowledge(folder: Path) -> None:
    watcher = watcher_for(folder)
    before = watcher.holder.current
    path = folder / "caf.yaml"
    text = path.read_text(encoding="utf-8")
    # A link to a site nobody checked, without a source: people must not get it.
    path.write_text(text.replace("https://www.caf.fr", "https://www.caf-aide.info", 1))
    outcome = await watcher.reload()
    assert not outcome.applied
    assert watcher.holder.current is before
    message = outcome.message()
    assert message.startswith("❌ Fiches PAS rechargées")
    assert "caf.yaml:" in message and "caf-aide.info" in message


async def test_warnings_do_not_block_and_are_listed(folder: Path) -> None:
    watcher = watcher_for(folder)
    path = folder / "caf.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("reviewed: 2026-11-23", "reviewed: 2024-01-02", 1)
    )
    outcome = await watcher.reload()
    assert outcome.applied
    assert "⚠️ 1 remarque(s)" in outcome.message()
    assert "il y a plus de 365 jours" in outcome.message()


def test_changes_ignore_an_entry_moved_in_its_file(holder: KnowledgeHolder) -> None:
    kb = holder.current.kb
    assert compare(kb, kb).changed == ()


# --- staff-group commands, through the real Application -------------------------------


@pytest.fixture
def team(fake_api: FakeBotApi) -> Team:
    return Team(
        group=fake_api.new_forum("Relais · équipe"),
        claire=new_person(fake_api, "Claire"),
        sam=new_person(fake_api, "Sam"),
    )


@pytest.fixture
def telegram_settings(tmp_path: Path, fake_api: FakeBotApi, team: Team) -> Settings:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_KNOWLEDGE, knowledge)
    return Settings(
        token=fake_api.token,
        secret="a-test-secret-of-32-characters!!",
        db_path=tmp_path / "relais.sqlite3",
        knowledge_dir=knowledge,
        staff_config=staff_file(tmp_path / "staff.yaml", team),
    )


async def test_reload_is_for_coordinators_in_the_staff_group_only(
    relais: BotUnderTest, fake_api: FakeBotApi, team: Team
) -> None:
    await relais.send(team.sam.says("/recharger", chat=team.group))
    other = fake_api.new_group("Entraide")
    await relais.send(team.claire.says("/recharger", chat=other))
    assert not any("Fiches" in t for t in fake_api.texts_to(team.group.id))
    assert fake_api.texts_to(other.id) == [texts.GROUP_ONLY_PRIVATE]
    await relais.send(team.claire.says("/recharger", chat=team.group))
    shipped = len(load_knowledge(REPO_KNOWLEDGE).entries)
    assert fake_api.texts_to(team.group.id)[-1].startswith(
        f"✅ Fiches rechargées : {shipped} fiches"
    )


async def test_any_helper_can_test_a_message(
    relais: BotUnderTest, fake_api: FakeBotApi, team: Team
) -> None:
    await relais.send(team.sam.says("/tester mot de passe", chat=team.group))
    header, clarify = fake_api.sent_to(team.group.id)
    assert "Décision : question pas claire" in header.text and "choix proposés" in header.text
    assert clarify.text == texts.CLARIFY
    assert clarify.inline_buttons[-2:] == [[texts.BUTTON_NONE], [texts.BUTTON_HUMAN]]
    assert await relais.services.stores.counters.total("clarify") == 0  # a test counts nothing


async def test_testing_a_secret_shows_it_masked(
    relais: BotUnderTest, fake_api: FakeBotApi, team: Team
) -> None:
    await relais.send(
        team.sam.says("/tester mon mot de passe caf c'est Soleil2024", chat=team.group)
    )
    header = fake_api.sent_to(team.group.id)[0]
    assert "Soleil2024" not in header.text
    assert "données secrètes repérées (mot-de-passe)" in header.text


async def test_a_preview_of_an_unknown_entry_suggests_close_ids(
    relais: BotUnderTest, fake_api: FakeBotApi, team: Team
) -> None:
    await relais.send(team.sam.says("/apercu caf-compt", chat=team.group))
    [reply] = fake_api.texts_to(team.group.id)
    assert "Je ne connais pas la fiche « caf-compt »" in reply and "caf-compte" in reply


async def test_an_announcement_is_shown_once_a_day_before_the_answer(
    relais: BotUnderTest, fake_api: FakeBotApi, team: Team
) -> None:
    until = dt.datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date() + dt.timedelta(days=2)
    await relais.send(
        team.claire.says(
            f"/annonce {until:%d/%m/%Y} Service réduit cette semaine.", chat=team.group
        )
    )
    assert fake_api.texts_to(team.group.id)[-1].startswith("📢 Annonce enregistrée")
    assert await relais.services.stores.notices.current() == (
        "Service réduit cette semaine.",
        until,
    )
    lea = new_person(fake_api, "Léa")
    await relais.send(lea.says("mot de passe caf oublié"))
    await relais.send(lea.says("mot de passe caf oublié"))
    sent = fake_api.texts_to(lea.chat_id)
    assert sent[0] == f"{texts.TEAM_NOTICE_TITLE}\n\nService réduit cette semaine."
    assert sum("Service réduit" in t for t in sent) == 1
    await relais.send(team.claire.says("/annonce fin", chat=team.group))
    assert fake_api.texts_to(team.group.id)[-1] == "📢 Annonce retirée."
    assert await relais.services.stores.notices.current() is None
    await relais.send(team.sam.says("/annonce 3/12 Pas le droit", chat=team.group))
    assert "Pas le droit" not in fake_api.texts_to(team.group.id)[-1]
    assert await relais.services.stores.notices.current() is None


async def test_a_coordinators_command_from_another_helper_says_who_may_use_it(
    relais: BotUnderTest, fake_api: FakeBotApi, team: Team
) -> None:
    """Sam (pair-aidant) tries /annonce and /recharger: told, not ignored without a word."""
    for command in ("/annonce 3/12 Fermé demain", "/recharger"):
        await relais.send(team.sam.says(command, chat=team.group))
        assert fake_api.texts_to(team.group.id)[-1] == t.COORDINATORS_ONLY.format(
            command=command.split()[0]
        )
    assert await relais.services.stores.notices.current() is None


async def test_a_broken_announcement_file_is_told_to_the_group(
    relais: BotUnderTest, fake_api: FakeBotApi, team: Team, telegram_settings: Settings
) -> None:
    (telegram_settings.knowledge_dir / "annonce.yaml").write_text("until: 2026-13-01\n")
    await files_looked_at(relais)
    [refused] = fake_api.texts_to(team.group.id)
    assert "annonce.yaml:1: une date est impossible" in refused


async def test_the_daily_job_erases_missed_questions_older_than_30_days(
    relais: BotUnderTest,
) -> None:
    store = relais.services.stores
    today = dt.datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()
    for age in (0, 29, 30, 45):
        await store.missed.keep((today - dt.timedelta(days=age)).isoformat(), "prime de noel")
    queue = relais.application.job_queue
    assert queue is not None
    [purge] = queue.get_jobs_by_name("missed-purge")
    await purge.run(relais.application)
    kept = [day for day, _question, _times in await store.missed.since("0000-00-00")]
    assert kept == [(today - dt.timedelta(days=29)).isoformat(), today.isoformat()]
