"""« Où aller près de chez moi ? » through the real Application, SQLite and the fake Bot API.

A copy of knowledge/ with ``lieux.example.yaml`` as its ``lieux.yaml`` (fictitious places
around Ploërmel), and the clock set to a Friday at 10 h, so that what is open does not
depend on when the tests run. Each test plays what a person does in Telegram and checks what
they see; the last ones check that the commune is written nowhere: not in the SQLite file,
not in the logs.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fakebotapi import FakeBotApi, FakeMessage, Person, new_person
from reliability_support import Relais, running
from test_coordination_day import Team, staff_file

from bot import logsafety
from bot.app.reload import KnowledgeWatcher
from bot.bootstrap import open_services
from bot.config import Settings
from bot.knowledge.holder import KnowledgeHolder
from bot.knowledge.lint import LintOptions
from bot.knowledge.places import PLACES_FILE
from bot.texts import nearby as nearby_texts
from bot.texts import person as texts

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / "lieux.example.yaml"
PARIS = ZoneInfo("Europe/Paris")
FRIDAY_10H = dt.datetime(2026, 12, 4, 10, 0, tzinfo=PARIS)
FINDER_TITLE = "Trouver une France Services près de chez moi"
# What must never be kept of the communes these tests give: names, codes, postcodes.
TRACES = ("Ploërmel", "Ploermel", "ploermell", "56165", "56800", "Taupont", "56249")


class Clock:
    """The clock the bot reads (handoff and opening hours), moved by hand."""

    def __init__(self) -> None:
        self.moment = FRIDAY_10H

    def __call__(self) -> dt.datetime:
        return self.moment.astimezone(dt.UTC)


@pytest.fixture
def team(fake_api: FakeBotApi) -> Team:
    return Team(
        group=fake_api.new_forum("Relais · équipe"),
        claire=new_person(fake_api, "Claire"),
        sam=new_person(fake_api, "Sam"),
    )


def settings_with(api: FakeBotApi, tmp_path: Path, team: Team, *, places: bool = True) -> Settings:
    """A copy of knowledge/ (with the example places as lieux.yaml) and the team's file."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", knowledge)
    if places:
        shutil.copy(EXAMPLE, knowledge / PLACES_FILE)
    return Settings(
        token=api.token,
        secret="a-test-secret-of-32-characters!!",
        db_path=tmp_path / "relais.sqlite3",
        knowledge_dir=knowledge,
        staff_config=staff_file(tmp_path / "staff.yaml", team),
    )


@asynccontextmanager
async def relais_on(api: FakeBotApi, settings: Settings, clock: Clock) -> AsyncIterator[Relais]:
    services = await open_services(settings, clock=clock)
    try:
        async with running(api, settings, services=services) as relais:
            yield relais
    finally:
        await services.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def relais(
    fake_api: FakeBotApi, tmp_path: Path, team: Team, clock: Clock
) -> AsyncIterator[Relais]:
    async with relais_on(fake_api, settings_with(fake_api, tmp_path, team), clock) as relais:
        yield relais


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record at DEBUG, the libraries held at the levels ``run`` holds them at."""
    release = logsafety.hold_library_levels()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="bot")
    yield caplog
    release()


def since(api: FakeBotApi, person: Person, count: int) -> list[FakeMessage]:
    """The messages the bot sent to ``person`` after the first ``count``."""
    return api.sent_to(person.chat_id)[count:]


def first_lines(messages: list[FakeMessage]) -> list[str]:
    return [m.text.splitlines()[0] for m in messages]


# --- the person ------------------------------------------------------------------------------


async def test_a_person_naming_the_commune_gets_three_places_and_a_person(
    relais: Relais, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says("où aller pour qu'on m'aide à Ploërmel ?"))
    intro, ccas, france_services, epn = fake_api.sent_to(lea.chat_id)
    assert intro.text == nearby_texts.PLACES_INTRO.format(commune="Ploërmel (56)")
    assert first_lines([ccas, france_services, epn]) == [
        "📍 CCAS de l'Exemple (fictif)",
        "📍 France Services de l'Exemple (fictif)",
        "📍 Espace numérique de l'Exemple (fictif)",
    ]
    assert "Adresse : 2 place de l'Exemple, 56800 Ploërmel" in ccas.text
    assert "🕘 Ouvert maintenant, jusqu'à 12 h." in ccas.text
    assert "☎️ <b>+33199000002</b>" in ccas.html  # the international form: tap to call
    assert epn.inline_buttons == [[texts.BUTTON_HUMAN], [texts.BUTTON_MENU]]
    assert await relais.services.stores.counters.total("nearby", "places") == 1


async def test_a_place_closed_now_says_when_it_opens(
    relais: Relais, fake_api: FakeBotApi, clock: Clock
) -> None:
    clock.moment = FRIDAY_10H.replace(hour=18)
    lea = new_person(fake_api)
    await relais.send(lea.says("france services à Ploërmel"))
    _intro, place = fake_api.sent_to(lea.chat_id)
    assert "🕘 Fermé maintenant, ouvre lundi à 9 h." in place.text


async def test_no_commune_is_asked_then_a_typo_and_a_postcode_are_understood(
    relais: Relais, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says("où aller pour qu'on m'aide"))
    [asked] = fake_api.sent_to(lea.chat_id)
    assert asked.text == nearby_texts.ASK_COMMUNE
    await relais.send(lea.says("ploermell"))
    assert len(since(fake_api, lea, 1)) == 4  # the intro and three places

    sam = new_person(fake_api, "Sam")
    await relais.send(sam.says("france services à côté de chez moi"))
    await relais.send(sam.says("56800"))
    choose = fake_api.sent_to(sam.chat_id)[-1]
    assert choose.text == nearby_texts.CHOOSE_COMMUNE
    await relais.send(sam.presses(choose, "Taupont (56)"))
    assert first_lines(since(fake_api, sam, 2)) == [
        nearby_texts.PLACES_INTRO.format(commune="Taupont (56)"),
        "📍 France Services de l'Exemple (fictif)",
    ]
    assert fake_api.unanswered_callback_queries() == []


async def test_an_ambiguous_name_offers_buttons_and_no_place_there_gives_the_finder(
    relais: Relais, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says("il y a un endroit pour m'aider à Saint-Denis ?"))
    [choose] = fake_api.sent_to(lea.chat_id)
    assert choose.inline_buttons == [
        ["Saint-Denis (974)"],
        ["Saint-Denis (93)"],
        ["Saint-Denis (11)"],
        ["Saint-Denis (30)"],
        [texts.BUTTON_HUMAN],
    ]
    await relais.send(lea.presses(choose, "Saint-Denis (93)"))
    intro, finder = since(fake_api, lea, 1)
    assert intro.text == nearby_texts.NO_PLACE_HERE.format(commune="Saint-Denis (93)")
    assert finder.text.startswith(FINDER_TITLE)
    assert nearby_texts.BUTTON_NEARBY not in str(finder.inline_buttons)


async def test_near_me_under_the_france_services_answer(
    relais: Relais, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says("c'est quoi france services"))
    answer = fake_api.sent_to(lea.chat_id)[-1]
    assert answer.text.startswith(FINDER_TITLE)
    await relais.send(lea.presses(answer, nearby_texts.BUTTON_NEARBY))
    assert fake_api.sent_to(lea.chat_id)[-1].text == nearby_texts.ASK_COMMUNE
    await relais.send(lea.says("Ploermel"))
    assert first_lines(fake_api.sent_to(lea.chat_id)[-1:]) == [
        "📍 France Services de l'Exemple (fictif)"
    ]


async def test_a_crisis_is_never_taken_for_a_commune(relais: Relais, fake_api: FakeBotApi) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says("où aller pour qu'on m'aide"))
    await relais.send(lea.says("je veux mourir"))
    [crisis] = since(fake_api, lea, 1)
    assert "3114" in crisis.text
    assert nearby_texts.CHOOSE_COMMUNE not in fake_api.texts_to(lea.chat_id)


async def test_without_lieux_yaml_the_national_finder(
    fake_api: FakeBotApi, tmp_path: Path, team: Team, clock: Clock
) -> None:
    settings = settings_with(fake_api, tmp_path, team, places=False)
    async with relais_on(fake_api, settings, clock) as relais:
        lea = new_person(fake_api)
        await relais.send(lea.says("où aller pour qu'on m'aide"))
        [finder] = fake_api.sent_to(lea.chat_id)
        assert finder.text.startswith(FINDER_TITLE)
        assert nearby_texts.BUTTON_NEARBY not in str(finder.inline_buttons)
        assert "Site France Services" in finder.text  # the national finder's link


# --- what is kept ----------------------------------------------------------------------------


def on_disk(db_path: Path) -> bytes:
    return b"".join(
        Path(f"{db_path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm", "-journal")
        if Path(f"{db_path}{suffix}").exists()
    )


async def test_nothing_of_the_commune_in_the_sqlite_file_or_the_logs(
    fake_api: FakeBotApi,
    tmp_path: Path,
    team: Team,
    clock: Clock,
    logs: pytest.LogCaptureFixture,
) -> None:
    settings = settings_with(fake_api, tmp_path, team)
    async with relais_on(fake_api, settings, clock) as relais:
        lea = new_person(fake_api)
        await relais.send(lea.says("où aller pour qu'on m'aide"))
        await relais.send(lea.says("ploermell"))
        await relais.send(lea.says("il y a un endroit pour imprimer à Taupont ?"))
        await relais.send(lea.says("france services 56800"))
        await relais.send(lea.presses(fake_api.sent_to(lea.chat_id)[-1], "Ploërmel (56)"))
        assert await relais.services.stores.counters.total("nearby", "places") == 3
    disk = on_disk(settings.db_path).lower()
    assert b"nearby" in disk  # the counter is there…
    for trace in TRACES:
        assert trace.lower().encode() not in disk  # …never the commune
    assert any(r.name.startswith("bot.") for r in logs.records), "the logs were not captured"
    for trace in TRACES:
        assert trace.lower() not in logs.text.lower()


# --- the team --------------------------------------------------------------------------------


async def test_a_helper_previews_a_place_as_a_person_sees_it(
    relais: Relais, fake_api: FakeBotApi, team: Team
) -> None:
    await relais.send(team.sam.says("/apercu lieu ccas-exemple", chat=team.group))
    header, place, *_keyboard_note = fake_api.sent_to(team.group.id)
    assert "Aperçu du lieu « ccas-exemple »" in header.text and "lieux.yaml:" in header.text
    assert place.text.splitlines()[0] == "📍 CCAS de l'Exemple (fictif)"
    # Open or closed at the team's real time: the preview says which, as a person reads it.
    [when] = [line for line in place.text.splitlines() if line.startswith("🕘 ")]
    assert when.startswith(("🕘 Ouvert maintenant, jusqu'à", "🕘 Fermé maintenant, ouvre"))
    assert "☎️ <b>+33199000002</b>" in place.html
    await relais.send(team.sam.says("/apercu lieu ccas", chat=team.group))
    unknown = fake_api.sent_to(team.group.id)[-1].text
    assert "Je ne connais pas le lieu « ccas »" in unknown and "ccas-exemple" in unknown


async def test_a_new_or_broken_lieux_yaml_is_reloaded_or_refused_with_its_line(
    fake_api: FakeBotApi, tmp_path: Path, team: Team
) -> None:
    folder = settings_with(fake_api, tmp_path, team, places=False).knowledge_dir
    holder = KnowledgeHolder.from_folder(folder)
    # The live reload the bot runs (the file watch and /recharger).
    watcher = KnowledgeWatcher(
        holder, folder, options=lambda: LintOptions(today=dt.datetime.now(dt.UTC).date())
    )
    assert holder.current.places is None
    (folder / PLACES_FILE).write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert (await watcher.reload()).applied
    assert holder.current.places is not None and len(holder.current.places.places) == 3
    broken = EXAMPLE.read_text(encoding="utf-8").replace('"01 99 00 00 02"', '"12 34"')
    (folder / PLACES_FILE).write_text(broken, encoding="utf-8")
    outcome = await watcher.reload()
    assert not outcome.applied
    [problem] = [p for p in outcome.problems if p.severity == "erreur"]
    line = broken.splitlines().index('    phone: "12 34"') + 1
    assert (Path(problem.path).name, problem.line) == (PLACES_FILE, line)
    assert len(holder.current.places.places) == 3  # the previous places stay in use
