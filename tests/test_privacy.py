"""The privacy core (bot/app/privacy.py) and the recent-message tracker, with plain values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from test_handoff_support import SAM, Env, person

from bot.app import privacy as p
from bot.app.announcement import AnnouncementBoard
from bot.app.asking import PENDING_TTL_SECONDS
from bot.app.conversation import SESSION_TTL_SECONDS, Engine, Sessions
from bot.app.memory import MemoryRegistry
from bot.bootstrap import open_services
from bot.channels.telegram.privacy import MAX_IDS_PER_CHAT, RecentMessages
from bot.config import Settings
from bot.knowledge.announcement import Announcement
from bot.knowledge.holder import KnowledgeHolder
from bot.texts import memory as m

HOUR = 3600.0
KNOWLEDGE = REPO_ROOT / "knowledge"


class Tick:
    """A monotonic clock moved by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- /confidentialite -------------------------------------------------------------------------


def test_the_notice_names_the_retention_the_contact_and_the_lack_of_encryption():
    text = p.privacy_notice(retention_days=45, contact="dpo@asso.fr", team=True, keep_missed=False)
    assert "La demande est effacée 45 jours après." in text
    assert text.endswith("Une question sur vos données ? Contactez dpo@asso.fr.")
    assert "pas chiffrées de bout en bout" in text
    assert "elle voit seulement ce que vous avez accepté d'envoyer" in text
    assert "48 heures" in text and "/effacer" in text and "/oublier" in text
    assert "questions auxquelles je n'ai pas su répondre" not in text  # off by default


def test_the_notice_without_contact_names_the_referent_and_says_only_what_is_true():
    text = p.privacy_notice(retention_days=30, contact=None, team=False, keep_missed=True)
    assert text.endswith("Contactez votre référent ou la structure qui vous accompagne.")
    assert "demandez à parler à une personne" not in text  # no team: no case is ever kept
    assert "effacées après 30 jours" in text  # RELAIS_MANQUES=1 is said
    assert p.NOTICE_NOBODY_MISSED in text and p.NOTICE_NOBODY not in text


def test_the_notice_says_the_commune_is_used_then_forgotten():
    for team in (True, False):
        text = p.privacy_notice(retention_days=30, contact=None, team=team, keep_missed=False)
        assert "Votre commune" in text and "puis je l'oublie" in text


def test_the_durations_said_to_people_are_the_ones_in_the_code():
    assert SESSION_TTL_SECONDS == HOUR and "une heure" in m.KEPT_SESSION
    assert PENDING_TTL_SECONDS == 30 * 60 and "30 minutes" in m.KEPT_PENDING
    assert p.RECENT_MESSAGES_HOURS == 48


# --- what is in memory ------------------------------------------------------------------------


@pytest.fixture
def engine() -> Engine:
    return Engine(KnowledgeHolder.from_folder(KNOWLEDGE), clock=Tick())


def registry_of(engine: Engine) -> MemoryRegistry:
    """The engine's holders, registered as bootstrap registers them."""
    memory = MemoryRegistry()
    for holder in (engine.sessions, engine.flow, engine.flood):
        memory.register(holder)
    return memory


def test_the_engine_s_holders_say_and_forget_session_pending_request_and_flood(engine: Engine):
    memory = registry_of(engine)
    assert memory.holds("abc") == []
    engine.sessions.get("abc", 0.0)
    engine.flow._pending["abc"] = object()  # type: ignore[assignment]
    engine.flood.take("abc")
    assert memory.holds("abc") == [m.KEPT_SESSION, m.KEPT_PENDING, m.KEPT_FLOOD]
    assert memory.holds("someone-else") == []
    memory.forget("abc")
    assert memory.holds("abc") == []
    assert "abc" not in engine.sessions


def test_the_notice_board_says_and_forgets_the_notice_seen_today(engine: Engine):
    board = AnnouncementBoard()
    today = dt.date(2026, 11, 23)
    board.from_file = Announcement(text="Fermé lundi", until=today)
    memory = registry_of(engine)
    memory.register(board)
    memory.register(board)  # registered once, even if wired twice
    assert len(memory) == 4
    assert board.pending("abc", today) is not None
    board.mark_seen("abc")
    assert memory.holds("abc") == [m.KEPT_NOTICE_SEEN]
    memory.forget("abc")
    assert memory.holds("abc") == [] and board.pending("abc", today) is not None


async def test_the_wiring_registers_every_in_memory_holder(tmp_path: Path):
    services = await open_services(Settings(db_path=tmp_path / "relais.sqlite3"))
    try:
        engine = services.engine
        engine.sessions.get("abc", 0.0)
        engine.flow._pending["abc"] = object()  # type: ignore[assignment]
        engine.flood.take("abc")
        assert services.memory.holds("abc") == [m.KEPT_SESSION, m.KEPT_PENDING, m.KEPT_FLOOD]
    finally:
        await services.close()


def test_an_idle_session_is_dropped_even_if_the_person_never_comes_back():
    sessions = Sessions(ttl=HOUR)
    sessions.get("lea", 0.0).question = "ma question"
    sessions.get("omar", HOUR / 2)
    assert "lea" in sessions
    sessions.get("omar", HOUR + 1)  # anybody's next message sweeps the idle ones
    assert "lea" not in sessions and "omar" in sessions


async def test_kept_says_nothing_when_nothing_is_kept_and_lists_what_is(engine: Engine):
    privacy = p.Privacy(None, memory=registry_of(engine), retention_days=30)
    nothing = await privacy.kept("abc")
    assert nothing == "\n\n".join((p.KEPT_TITLE, p.KEPT_NOTHING, p.KEPT_COUNTERS))
    engine.sessions.get("abc", 0.0)
    text = await privacy.kept("abc", message_ids=3)
    assert f"• {m.KEPT_SESSION}" in text
    assert "Les numéros de 3 message(s) de cette conversation" in text
    assert text.endswith(p.KEPT_HOW_TO_FORGET)
    assert p.KEPT_ON_DISK not in text


async def test_forget_erases_cases_and_memories_and_purge_keeps_what_is_not_due(
    tmp_path: Path, engine: Engine
):
    env = await Env.open(tmp_path)
    try:
        privacy = p.Privacy(env.service, memory=registry_of(engine), retention_days=30)
        key = person()
        engine.sessions.get(key, 0.0)
        engine.flow._pending[key] = object()  # type: ignore[assignment]
        case_id = await env.claimed_case()
        text = await privacy.kept(key)
        assert p.KEPT_ON_DISK in text and "en cours" in text and m.KEPT_PENDING in text
        assert await privacy.has_open_case(key)
        actions = await privacy.forget(key)
        assert {type(a).__name__ for a in actions} == {"PostToTeam", "DeleteCaseThread"}
        assert await env.stores.cases.get(case_id) is None
        assert await privacy.kept(key) == "\n\n".join(
            (p.KEPT_TITLE, p.KEPT_NOTHING, p.KEPT_COUNTERS)
        )
        closed = await env.claimed_case()
        await env.service.close_by_helper(SAM, closed)
        env.clock.advance(days=30)
        assert await privacy.purge() == p.Purged()
        env.clock.advance(seconds=1)
        purged = await privacy.purge()
        assert (purged.cases, len(purged.actions)) == (1, 1)
        assert await privacy.purge() == p.Purged()  # idempotent
    finally:
        await env.close()


async def test_without_a_team_there_is_nothing_to_purge_or_forget_on_disk(engine: Engine):
    privacy = p.Privacy(None, memory=registry_of(engine), retention_days=30)
    assert await privacy.purge() == p.Purged()
    assert await privacy.forget("abc") == []
    assert not await privacy.has_open_case("abc")


# --- the recent message ids -----------------------------------------------------------------


def test_recent_ids_are_kept_48_hours_and_no_longer():
    tick = Tick()
    recent = RecentMessages(clock=tick)
    recent.add(42, 1)
    tick.now += 47 * HOUR
    recent.add(42, 2)
    assert recent.deletable(42) == [1, 2]
    tick.now += HOUR
    assert recent.deletable(42) == [2]
    tick.now += 47 * HOUR
    assert recent.deletable(42) == [] and len(recent) == 0


def test_recent_ids_are_bounded_per_chat_and_in_chats():
    recent = RecentMessages(clock=Tick(), chats=3)
    for message_id in range(MAX_IDS_PER_CHAT + 20):
        recent.add(7, message_id)
    assert recent.deletable(7) == list(range(20, MAX_IDS_PER_CHAT + 20))
    assert recent.take_lost(7) == 20  # /effacer says 20 could not be deleted
    assert recent.take_lost(7) == 0  # said once
    for chat in (8, 9, 10):
        recent.add(chat, 1)
    assert len(recent) == 3 and recent.deletable(7) == []


def test_only_private_chats_are_noted_and_only_message_results():
    recent = RecentMessages(clock=Tick())
    recent.note_sent("sendMessage", -100123, {"message_id": 5})  # a staff group
    recent.note_sent("deleteMessage", 7, True)
    recent.note_sent("getChat", 7, {"id": 7, "type": "private"})
    recent.note_sent("sendMessage", 7, {"message_id": 5, "chat": {"id": 7}})
    recent.note_sent("copyMessages", 7, [{"message_id": 6}, {"message_id": 7}])
    recent.note_sent("sendMessage", "@channel", {"message_id": 8})
    recent.note_sent("sendMessage", 7, {"message_id": 5})  # the same message twice
    recent.note_sent("editMessageText", 7, {"message_id": 3})  # an edit posts nothing new
    assert recent.deletable(7) == [5, 6, 7]
    assert recent.count(7, besides=6) == 2
    recent.drop(7, [5, 6])
    assert recent.deletable(7) == [7]
    recent.forget(7)
    assert recent.deletable(7) == [] and len(recent) == 0
