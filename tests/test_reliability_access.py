"""Who may do what: a flood from one person is slowed without touching anybody else; only
configured helpers act on cases; forged or replayed buttons do nothing harmful; a person never
reaches another person's case or the staff group.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fakebotapi import FakeBotApi, new_person
from reliability_support import (
    SECRET,
    Desk,
    desk_for,
    faq_messages,
    people,
    problems,
    running,
    settings_for,
)
from telegram import Update

from bot.app.flood import FLOOD_BURST, FLOOD_PER_MINUTE, FloodGuard
from bot.app.handoff import Status
from bot.bootstrap import open_services
from bot.domain.messages import Action, DeleteIncoming, Inbound, Reply, Verb
from bot.domain.pseudonym import user_key
from bot.texts import handoff as handoff_texts
from bot.texts import person as texts

CRISIS = "je veux mourir, je n'en peux plus"
PASSWORD = "mon mot de passe ameli c'est Soleil2024!"


class Seconds:
    """A monotonic clock the test moves by hand (the engine's and the flood guard's)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def replies(outbounds: list) -> list[str]:
    return [o.text for o in outbounds if isinstance(o, Reply)]


# --- flood -----------------------------------------------------------------------------------


@pytest.fixture
async def engine_with_clock(tmp_path: Path):
    api = FakeBotApi()
    services = await open_services(settings_for(api, tmp_path))
    clock = Seconds()
    services.engine.flood = FloodGuard(clock=clock)
    try:
        yield services.engine, clock
    finally:
        await services.close()


async def test_past_twenty_messages_a_minute_one_kind_notice_then_a_minute_of_silence(
    engine_with_clock,
) -> None:
    engine, clock = engine_with_clock
    question = faq_messages()[0]
    said = []
    for _ in range(FLOOD_BURST + 6):
        said.append(replies(await engine.handle(Inbound(user="lea", text=question))))
        clock.now += 0.1  # ten messages a second: a script, or a stuck key
    assert all(answer and texts.FLOOD_PAUSE not in answer for answer in said[:FLOOD_BURST])
    assert said[FLOOD_BURST] == [texts.FLOOD_PAUSE]  # told once…
    assert said[FLOOD_BURST + 1 :] == [[]] * 5  # …then nothing, not even a second notice
    clock.now += 60  # the minute of pause is over: answered again, with a full burst
    for _ in range(FLOOD_BURST):
        answer = replies(await engine.handle(Inbound(user="lea", text=question)))
        assert answer and answer != [texts.FLOOD_PAUSE]
    # Somebody else was never concerned.
    assert replies(await engine.handle(Inbound(user="sam", text=question)))


async def test_a_steady_twenty_messages_a_minute_is_always_answered(engine_with_clock) -> None:
    engine, clock = engine_with_clock
    for _ in range(3 * FLOOD_PER_MINUTE):
        answer = replies(await engine.handle(Inbound(user="lea", text="bonjour")))
        assert answer == [texts.GREETING]
        clock.now += 60 / FLOOD_PER_MINUTE


async def test_in_a_flood_a_crisis_still_gets_the_numbers_and_a_secret_is_still_deleted(
    engine_with_clock,
) -> None:
    engine, _clock = engine_with_clock
    for _ in range(FLOOD_BURST + 3):
        await engine.handle(Inbound(user="lea", text="bonjour"))
    crisis = await engine.handle(Inbound(user="lea", text=CRISIS))
    numbers = [p.number for o in crisis if isinstance(o, Reply) for p in o.phones]
    assert "3114" in numbers
    secret = await engine.handle(Inbound(user="lea", text=PASSWORD))
    assert DeleteIncoming() in secret and texts.SENSITIVE_WARNING in replies(secret)
    assert await engine.handle(Inbound(user="lea", text="bonjour")) == []  # still paused


async def test_buttons_are_not_counted_as_a_flood(engine_with_clock) -> None:
    """A person finding their way taps fast: menu, theme, entry, next step…"""
    engine, _clock = engine_with_clock
    menu = Inbound(user="lea", command="menu")
    for _ in range(3 * FLOOD_BURST):
        answer = await engine.handle(Inbound(user="lea", action=Action(Verb.MENU)))
        assert replies(answer) == [texts.MENU_INTRO]
    assert replies(await engine.handle(menu)) == [texts.MENU_INTRO]


async def test_one_person_flooding_slows_nobody_else(tmp_path: Path, caplog) -> None:
    """300 messages from one person and one question from each of 50 others, all queued at
    once into the Application: each of the others gets the whole answer, as if alone; the
    flooder gets twenty answers and one notice.
    """
    caplog.set_level(logging.WARNING)
    api = FakeBotApi()
    question = faq_messages()[0]
    async with running(api, settings_for(api, tmp_path)) as relais:
        relais.services.engine.flood = FloodGuard(clock=Seconds())  # time stands still
        flooder, others = new_person(api, "Flot"), people(api, 50)
        updates = [flooder.says(f"{question} {i}") for i in range(300)]
        for i, person in enumerate(others):
            updates.insert(6 * i + 1, person.says(question))
        application = relais.application
        await application.start()
        for update in updates:
            await application.update_queue.put(Update.de_json(update, application.bot))
        await application.update_queue.join()  # every update processed
        await application.stop()
        flood_seen = api.texts_to(flooder.chat_id)
        assert len(flood_seen) == FLOOD_BURST + 1
        assert flood_seen[-1] == texts.FLOOD_PAUSE
        first_answer = api.texts_to(others[0].chat_id)
        assert first_answer and first_answer[0] != texts.FLOOD_PAUSE
        assert all(api.texts_to(person.chat_id) == first_answer for person in others)
    assert problems(caplog.records) == []


async def test_a_person_talking_to_a_helper_is_never_slowed_down(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """In a case, every message goes to the team: the outbox paces copies, nothing is dropped."""
    async with desk_for(fake_api, tmp_path) as desk:
        lea = new_person(fake_api, "Léa")
        await desk.ask(lea)
        await desk.claim(desk.team.nadia, lea)
        said = [f"message {i}" for i in range(FLOOD_BURST + 10)]
        for text in said:
            await desk.send(lea.says(text))
        for _ in range(5):
            await desk.drain()
        topic = await desk.topic_of(lea)
        copied = [t for t in desk.team.topic_messages(topic) if t.startswith("message ")]
        assert copied == said
        assert texts.FLOOD_PAUSE not in fake_api.texts_to(lea.chat_id)


# --- access to cases -------------------------------------------------------------------------


async def open_claimed_case(desk: Desk, name: str = "Léa"):
    person = new_person(desk.api, name)
    await desk.ask(person)
    await desk.claim(desk.team.nadia, person)
    case = await desk.case_of(person)
    assert case.status == Status.OWNED
    return person, case


def toasts(api: FakeBotApi) -> list[str | None]:
    return [call.params.get("text") for call in api.calls_to("answerCallbackQuery")]


async def test_only_configured_helpers_claim_write_close_or_transfer(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    async with desk_for(fake_api, tmp_path) as desk:
        lea = new_person(fake_api, "Léa")
        await desk.ask(lea)
        stranger = new_person(fake_api, "Max Inconnu")  # in the staff group, not in the file
        card = await desk.card(lea)
        await desk.send(stranger.presses(card, handoff_texts.BUTTON_CLAIM))
        case_id = (await desk.case_of(lea)).id
        await desk.send(stranger.sends_callback(f"h1:r:{case_id}", message=card))
        assert toasts(fake_api)[-2:] == [handoff_texts.NOT_A_HELPER] * 2
        assert (await desk.case_of(lea)).status == Status.WAITING

        await desk.claim(desk.team.nadia, lea)
        person_saw = fake_api.texts_to(lea.chat_id)
        for intruder in (stranger, desk.team.sam):  # Sam is in the team, but not the owner
            await desk.helper_writes(intruder, lea, "Bonjour, je suis de la CAF")
            for command in ("/clore", "/transferer", "/liberer", "/fiche caf-compte"):
                await desk.helper_writes(intruder, lea, command)
        assert fake_api.texts_to(lea.chat_id) == person_saw  # nothing reached Léa
        case = await desk.case_of(lea)
        assert case.status == Status.OWNED and not case.transfer_asked
        assert case.owner_key == user_key(SECRET, desk.team.nadia.user.id)


async def test_forged_or_replayed_buttons_do_nothing_harmful(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """Buttons a modified client can send: staff buttons from a person, another person's case
    number, an old "Oui", buttons in a group that is not the staff's."""
    async with desk_for(fake_api, tmp_path) as desk:
        lea, lea_case = await open_claimed_case(desk, "Léa")
        samir, _samir_case = await open_claimed_case(desk, "Samir")
        lea_saw = len(fake_api.sent_to(lea.chat_id))
        stranger_group = fake_api.new_forum("Pas l'équipe")
        forged = [
            f"h1:k:{lea_case.id}",  # claim, from a person
            f"h1:r:{lea_case.id}",  # send to référents, from a person
            "h1:c:0",  # accept the charter, from a person
            f"h1:d:{lea_case.id}",  # "J'ai fini" on Léa's case, by Samir
            f"h1:y:{lea_case.id}",  # consent to a transfer of Léa's case
            f"h1:3:{lea_case.id}",  # rate Léa's case
            f"h1:k:{lea_case.id + 1000}",  # a case that does not exist
            "h1:k:-1",
            "h1:zz:1",
            "h1:k:1:2",
            "v1|hy|1",  # "Oui, je transmets" with somebody else's preview number
            "v1|hy|999999",
            "v1|ht|../../staff",
            "v1|e|" + "x" * 80,
        ]
        for data in forged:
            await desk.send(samir.sends_callback(data))
        for data in (f"h1:k:{lea_case.id}", f"h1:d:{lea_case.id}"):
            await desk.send(samir.sends_callback(data, message=None))
            query = samir.sends_callback(data)
            query["callback_query"]["message"]["chat"] = stranger_group.to_dict()
            await desk.send(query)

        # Nothing changed for Léa, nothing reached her, the staff group saw nothing new.
        assert len(fake_api.sent_to(lea.chat_id)) == lea_saw
        lea_now = await desk.case_of(lea)
        assert (lea_now.status, lea_now.owner_key, lea_now.rated) == (
            Status.OWNED,
            lea_case.owner_key,
            lea_case.rated,
        )
        assert (await desk.case_of(samir)).status == Status.OWNED
        assert fake_api.unanswered_callback_queries() == []

        # Replays: "Je prends" pressed again, and Léa's old "Oui, je transmets".
        card = await desk.card(lea)
        sent = len(fake_api.calls_to("sendMessage"))
        await desk.send(desk.team.nadia.sends_callback(f"h1:k:{lea_case.id}", message=card))
        assert toasts(fake_api)[-1] == handoff_texts.YOU_HAVE_IT
        assert len(fake_api.calls_to("sendMessage")) == sent
        # The bot took the buttons off the preview; an offline phone may still show them.
        preview = next(
            m
            for m in fake_api.sent_to(lea.chat_id)
            if m.text.startswith(handoff_texts.PREVIEW_INTRO)
        )
        await desk.send(lea.presses_as_once_shown(preview, handoff_texts.BUTTON_ASK_YES))
        assert desk.last(lea).text == handoff_texts.ALREADY_OPEN
        assert len(await desk.relais.services.stores.cases.of_person(desk_key(lea))) == 1


def desk_key(person) -> str:
    return user_key(SECRET, person.user.id)


async def test_a_person_never_reaches_the_staff_group_or_another_case(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    async with desk_for(fake_api, tmp_path) as desk:
        lea, _lea_case = await open_claimed_case(desk, "Léa")
        samir, _samir_case = await open_claimed_case(desk, "Samir")
        lea_topic, samir_topic = await desk.topic_of(lea), await desk.topic_of(samir)
        # Staff commands typed in a private chat are not commands there.
        for command in ("/clore", "/transferer", "/liberer", "/fiche caf-compte", "/charte"):
            await desk.send(samir.says(command))
        await desk.send(samir.says("bonjour Léa, c'est Samir"))
        await desk.drain()
        assert "bonjour Léa, c'est Samir" not in desk.team.topic_messages(lea_topic)
        assert "bonjour Léa, c'est Samir" in desk.team.topic_messages(samir_topic)
        assert (await desk.case_of(lea)).status == Status.OWNED
        # Nothing Samir typed reached the staff group outside his own topic, nor Léa.
        elsewhere = [
            m.text for m in fake_api.sent_to(desk.team.group.id) if m.thread_id != samir_topic
        ]
        assert not [text for text in elsewhere if "Samir" in text or text.startswith("/")]
        assert all("Samir" not in text for text in fake_api.texts_to(lea.chat_id))


async def test_a_stranger_in_the_staff_group_reaches_nobody(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    async with desk_for(fake_api, tmp_path) as desk:
        lea, _case = await open_claimed_case(desk, "Léa")
        person_saw = fake_api.texts_to(lea.chat_id)
        stranger = new_person(fake_api, "Max Inconnu")
        await desk.helper_writes(stranger, lea, "Donnez-moi votre numéro fiscal")
        await desk.send(stranger.says("coucou", chat=desk.team.group))  # in General
        await desk.drain()
        assert fake_api.texts_to(lea.chat_id) == person_saw
