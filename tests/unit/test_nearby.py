"""Places near the person (bot/app/nearby.py), through the engine, with plain values.

The real knowledge files plus the fictitious places of ``lieux.example.yaml``, a list for the
counters, a clock set to a Friday. What the person would see: the question for the commune,
the buttons of communes with the same name, up to three places, the finder when no place
fits; and what the bot keeps: never the commune.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conversation_fakes import (  # noqa: F401 (fixtures)
    Clock,
    Counters,
    clock_fixture,
    counters_fixture,
    knowledge_fixture,
)

from bot.app.conversation import Engine
from bot.app.nearby import FINDER_ENTRY, Step, place_reply, plan_for_text
from bot.domain.buttons import Action, Verb, decode_action, encode_action
from bot.domain.messages import Inbound, Outbound, Reply
from bot.knowledge.communes import default_communes
from bot.knowledge.decision import decide
from bot.knowledge.holder import Knowledge, KnowledgeHolder
from bot.knowledge.places import read_places
from bot.texts import nearby as nearby_texts
from bot.texts import person as texts

EXAMPLE = Path(__file__).resolve().parents[2] / "lieux.example.yaml"
PARIS_TZ = ZoneInfo("Europe/Paris")
FRIDAY_10H = dt.datetime(2026, 12, 4, 10, 0, tzinfo=PARIS_TZ)
FRIDAY_18H = dt.datetime(2026, 12, 4, 18, 0, tzinfo=PARIS_TZ)
PERSON = "pseudonyme-lea"
ALL_THREE = ["CCAS de l'Exemple", "France Services de l'Exemple", "Espace numérique de l'Exemple"]


@pytest.fixture(name="with_places", scope="module")
def with_places_fixture(knowledge: Knowledge) -> Knowledge:
    places = read_places(EXAMPLE, knowledge.kb, default_communes())
    return dataclasses.replace(knowledge, places=places)


class Now:
    """The wall clock the places' hours are read with, moved by hand."""

    def __init__(self) -> None:
        self.moment = FRIDAY_10H

    def __call__(self) -> dt.datetime:
        return self.moment


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
def engine(with_places: Knowledge, counters: Counters, clock: Clock, now: Now) -> Engine:
    return Engine(KnowledgeHolder(with_places), counters, clock=clock, now=now)


@pytest.fixture
def without_places(knowledge: Knowledge, counters: Counters, clock: Clock, now: Now) -> Engine:
    return Engine(KnowledgeHolder(knowledge), counters, clock=clock, now=now)


def says(words: str) -> Inbound:
    return Inbound(user=PERSON, text=words, chat=4242, message_id=7)


def press(verb: Verb, arg: str = "") -> Inbound:
    return Inbound(user=PERSON, action=Action(verb, arg), chat=4242)


def replies(out: list[Outbound]) -> list[Reply]:
    return [o for o in out if isinstance(o, Reply)]


def buttons(reply: Reply) -> list[tuple[str, Action]]:
    return [(b.label, b.action) for row in reply.buttons for b in row]


def place_names(out: list[Outbound]) -> list[str]:
    """The places shown, by the start of their name (each place is one message)."""
    return [
        r.text.splitlines()[0].removeprefix("📍 ").removesuffix(" (fictif)")
        for r in replies(out)[1:]
    ]


# --- a commune in the message ----------------------------------------------------------------


async def test_a_request_naming_the_commune_gets_three_places_and_a_person(
    engine: Engine,
) -> None:
    out = await engine.handle(says("où aller pour qu'on m'aide à Ploërmel"))
    intro, *places = replies(out)
    assert intro.text == nearby_texts.PLACES_INTRO.format(commune="Ploërmel (56)")
    assert place_names(out) == ALL_THREE  # the commune, its EPCI, then its département
    assert all(p.phones and p.phones[0].number.startswith("+33") for p in places)
    assert (texts.BUTTON_HUMAN, Action(Verb.HUMAN)) in buttons(places[-1])


async def test_a_place_closed_now_says_when_it_opens(engine: Engine, now: Now) -> None:
    now.moment = FRIDAY_18H
    out = await engine.handle(says("france services à Ploërmel"))
    assert place_names(out) == ["France Services de l'Exemple"]
    assert "🕘 Fermé maintenant, ouvre lundi à 9 h." in replies(out)[1].text.splitlines()


async def test_a_place_open_now_says_until_when(engine: Engine) -> None:
    out = await engine.handle(says("france services à Ploërmel"))
    assert "🕘 Ouvert maintenant, jusqu'à 12 h." in replies(out)[1].text.splitlines()


async def test_the_topic_of_the_message_chooses_the_places(engine: Engine) -> None:
    out = await engine.handle(says("un endroit pour m'aider avec la caf à Ploërmel"))
    assert place_names(out) == ["France Services de l'Exemple"]  # the only one for the CAF
    # Vannes: only the EPN serves it (the whole département), and it does not help with CAF.
    intro, finder = replies(
        await engine.handle(says("un endroit pour m'aider avec la caf à Vannes"))
    )
    assert intro.text == nearby_texts.NO_PLACE_HERE.format(commune="Vannes (56)")
    assert finder.title == "Trouver une France Services près de chez moi"


# --- asking for the commune -------------------------------------------------------------------


async def test_no_commune_asks_for_it_then_a_typo_is_understood(
    engine: Engine, counters: Counters
) -> None:
    [asked] = replies(await engine.handle(says("où aller pour qu'on m'aide")))
    assert asked.text == nearby_texts.ASK_COMMUNE
    out = await engine.handle(says("ploermell"))
    assert place_names(out) == ALL_THREE
    assert counters.counted == [("nearby", "ask"), ("nearby", "places")]


async def test_a_postcode_is_a_commune_and_several_communes_are_buttons(engine: Engine) -> None:
    await engine.handle(says("france services à côté de chez moi"))
    [choose] = replies(await engine.handle(says("56800")))
    assert choose.text == nearby_texts.CHOOSE_COMMUNE
    labels = [label for label, _ in buttons(choose)]
    assert labels[:3] == ["Ploërmel (56)", "Val d'Oust (56)", "Taupont (56)"]
    taupont = next(a for label, a in buttons(choose) if label == "Taupont (56)")
    assert taupont == Action(Verb.NEARBY_COMMUNE, "56249")
    out = await engine.handle(press(taupont.verb, taupont.arg))
    # The topic was France Services (the message): the CCAS also serves Taupont, not for that.
    assert place_names(out) == ["France Services de l'Exemple"]


async def test_an_ambiguous_name_offers_each_commune(engine: Engine) -> None:
    [choose] = replies(await engine.handle(says("il y a un endroit pour m'aider à Saint-Denis ?")))
    communes = [label for label, a in buttons(choose) if a.verb is Verb.NEARBY_COMMUNE]
    assert communes == [
        "Saint-Denis (974)",
        "Saint-Denis (93)",
        "Saint-Denis (11)",
        "Saint-Denis (30)",
    ]
    assert (texts.BUTTON_HUMAN, Action(Verb.HUMAN)) in buttons(choose)


async def test_a_commune_button_works_even_when_the_session_is_gone(engine: Engine) -> None:
    out = await engine.handle(press(Verb.NEARBY_COMMUNE, "56165"))
    assert place_names(out) == ALL_THREE


async def test_a_forged_commune_button_is_stale(engine: Engine) -> None:
    out = await engine.handle(press(Verb.NEARBY_COMMUNE, "99999"))
    assert replies(out)[0].text == texts.STALE_BUTTON


async def test_a_reply_that_is_no_commune_is_asked_again(engine: Engine) -> None:
    await engine.handle(says("où aller pour qu'on m'aide"))
    [again] = replies(await engine.handle(says("zzkwx")))
    assert again.text == nearby_texts.COMMUNE_NOT_FOUND
    assert not again.unanswered  # never kept as a missed question (RELAIS_MANQUES)
    assert place_names(await engine.handle(says("Taupont"))) == [
        "CCAS de l'Exemple",
        ALL_THREE[1],
        ALL_THREE[2],
    ]


async def test_a_new_question_while_asked_is_answered_and_the_asking_stops(
    engine: Engine,
) -> None:
    await engine.handle(says("où aller pour qu'on m'aide"))
    [answer] = replies(await engine.handle(says("comment je m'actualise sur france travail")))
    assert answer.title.startswith("M'actualiser")
    # « Vannes » now is just a word: no places, the usual answer to an unknown question.
    [fallback] = replies(await engine.handle(says("Vannes")))
    assert fallback.text == texts.FALLBACK


async def test_a_crisis_while_asked_gets_the_numbers_and_is_never_a_commune(
    engine: Engine, counters: Counters
) -> None:
    await engine.handle(says("où aller pour qu'on m'aide"))
    [crisis] = replies(await engine.handle(says("je veux mourir")))
    assert "3114" in [p.number for p in crisis.phones]
    assert ("nearby", "places") not in counters.counted
    [fallback] = replies(await engine.handle(says("Vaux")))  # a commune, but nobody asked now
    assert fallback.text == texts.FALLBACK


def test_a_crisis_is_never_planned_as_places(with_places: Knowledge) -> None:
    words = "je veux mourir, où aller à Ploërmel"
    assert decide(with_places, words).kind == "crisis"
    assert plan_for_text(with_places, decide(with_places, words), words, FRIDAY_10H) is None


# --- the button under answers -----------------------------------------------------------------


async def test_answers_about_france_services_offer_near_me_only_with_places(
    engine: Engine, without_places: Engine
) -> None:
    [answer] = replies(await engine.handle(press(Verb.ENTRY, FINDER_ENTRY)))
    near = (nearby_texts.BUTTON_NEARBY, Action(Verb.NEARBY, FINDER_ENTRY))
    assert near in buttons(answer)
    [plain] = replies(await without_places.handle(press(Verb.ENTRY, FINDER_ENTRY)))
    assert near not in buttons(plain)
    [other] = replies(await engine.handle(press(Verb.ENTRY, "ft-actualisation")))
    assert all(a.verb is not Verb.NEARBY for _, a in buttons(other))


async def test_near_me_under_an_answer_asks_the_commune_for_that_topic(engine: Engine) -> None:
    await engine.handle(press(Verb.ENTRY, FINDER_ENTRY))
    [asked] = replies(await engine.handle(press(Verb.NEARBY, FINDER_ENTRY)))
    assert asked.text == nearby_texts.ASK_COMMUNE
    assert place_names(await engine.handle(says("Ploermel"))) == ["France Services de l'Exemple"]


# --- without places, or none there ------------------------------------------------------------


async def test_without_places_a_request_gets_the_national_finder(without_places: Engine) -> None:
    [finder] = replies(await without_places.handle(says("où aller pour qu'on m'aide")))
    assert finder.title == "Trouver une France Services près de chez moi"
    assert all(a.verb is not Verb.NEARBY for _, a in buttons(finder))


async def test_without_places_a_question_the_base_answers_keeps_its_answer(
    without_places: Engine,
) -> None:
    [answer] = replies(await without_places.handle(says("ou aller pour une question d impots")))
    assert answer.title != "Trouver une France Services près de chez moi"


async def test_no_place_for_that_commune_says_so_and_gives_the_finder(engine: Engine) -> None:
    out = await engine.handle(says("où aller pour qu'on m'aide à Lyon"))
    intro, finder = replies(out)
    assert intro.text == nearby_texts.NO_PLACE_HERE.format(commune="Lyon (69)")
    assert finder.title == "Trouver une France Services près de chez moi"
    assert all(a.verb is not Verb.NEARBY for _, a in buttons(finder))  # no loop


# --- what is kept -----------------------------------------------------------------------------


async def test_the_commune_is_kept_nowhere(engine: Engine, counters: Counters) -> None:
    await engine.handle(says("comment je m'actualise sur france travail"))
    await engine.handle(says("où aller pour qu'on m'aide"))
    await engine.handle(says("Ploërmel"))
    await engine.handle(says("il y a un endroit pour imprimer à Taupont ?"))
    session = engine.sessions.get(PERSON, 0)
    kept = repr(dataclasses.asdict(session)) + repr(counters.counted)
    for trace in ("Ploërmel", "ploermel", "56165", "Taupont", "56249", "56800"):
        assert trace.lower() not in kept.lower()
    assert session.question == "comment je m'actualise sur france travail"  # still the question
    assert session.nearby is None


# --- pieces -----------------------------------------------------------------------------------


def test_a_place_is_shown_with_a_tap_to_call_phone(with_places: Knowledge) -> None:
    assert with_places.places is not None
    place = with_places.places.places[0]
    reply = place_reply(place, FRIDAY_10H)
    assert "01 99 00 00 01" not in reply.text  # not twice: the channel shows the phone
    assert [(p.number, p.label) for p in reply.phones] == [("+33199000001", "01 99 00 00 01")]
    assert reply.text.splitlines()[0] == "📍 France Services de l'Exemple (fictif)"


def test_commune_buttons_go_through_the_one_codec() -> None:
    for arg in ("56165", "2a004"):
        action = Action(Verb.NEARBY_COMMUNE, arg)
        assert decode_action(encode_action(action)) == action
    assert decode_action("v1|pc|2A004") is None  # not as we write them
    assert decode_action("v1|p|") is None  # « près de chez moi » names its answer


def test_ask_plans_say_the_step(with_places: Knowledge) -> None:
    words = "où aller pour qu'on m'aide"
    plan = plan_for_text(with_places, decide(with_places, words), words, FRIDAY_10H)
    assert plan is not None and plan.step is Step.ASK and plan.commune is None
