"""A safety reply always arrives: through the real Application and the fake Bot API.

The crisis numbers are sent first, with the strongest delivery the bot has: sent again after a
5xx, a timeout, a reset or a 429 (after the wait Telegram asks), as plain text if Telegram
refuses the formatting; never replaced by « problème technique », never blocked by a message
that could not be deleted. In a group, a crisis gets the numbers too. Normal answers get the
same retry as relays when Telegram cannot have taken them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakebotapi import FakeBotApi, Fault, new_person
from reliability_support import desk_for, running, settings_for

from bot.channels.telegram import render
from bot.texts import handoff as handoff_texts
from bot.texts import person as texts

CRISIS = "je veux mourir"
CRISIS_TITLE = "Quelqu'un peut vous écouter maintenant"
QUESTION = "jarrive pa a macktualiser sur pole emploi"
ANSWER_TITLE = "M'actualiser chaque mois"
REFUSED_FORMAT = Fault(400, "Bad Request: can't parse entities: unsupported start tag")


@pytest.fixture(autouse=True)
def short_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pauses between tries are shortened; the logic is the same."""
    monkeypatch.setattr(render, "RETRY_PAUSE_SECONDS", 0.01)


def crisis_replies(api: FakeBotApi, chat_id: int) -> list[str]:
    return [text for text in api.texts_to(chat_id) if text.startswith(CRISIS_TITLE)]


@pytest.mark.parametrize(
    "faults",
    [
        [Fault.server_error(502)],
        [Fault.server_error(500), Fault.server_error(502), Fault.server_error(502)],
        [Fault.timeout()],
        [Fault.connection_reset()],
        [Fault.flood(retry_after=1)] * 3,
        [REFUSED_FORMAT],
        [Fault.server_error(502), REFUSED_FORMAT, Fault.timeout()],
    ],
    ids=["502", "5xx-thrice", "timeout", "reset", "429-thrice", "parse-mode", "mixed"],
)
async def test_a_crisis_reply_survives_what_telegram_does_to_it(
    fake_api: FakeBotApi, tmp_path: Path, faults: list[Fault]
) -> None:
    lea = new_person(fake_api, "Léa")
    async with running(fake_api, settings_for(fake_api, tmp_path)) as relais:
        fake_api.inject(*faults, method="sendMessage", chat_id=lea.chat_id)
        await relais.send(lea.says(CRISIS))
    [crisis] = crisis_replies(fake_api, lea.chat_id)
    assert "3114" in crisis and "112" in crisis
    assert texts.TECHNICAL_PROBLEM not in fake_api.texts_to(lea.chat_id)
    assert len(fake_api.faults_served) == len(faults)


async def test_a_crisis_with_a_secret_whose_deletion_fails_still_gets_every_reply(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    lea = new_person(fake_api, "Léa")
    async with running(fake_api, settings_for(fake_api, tmp_path)) as relais:
        fake_api.inject(*[Fault.server_error(502)] * 5, method="deleteMessage")
        await relais.send(lea.says(f"{CRISIS}, mon mot de passe caf est Soleil2024!"))
    seen = fake_api.texts_to(lea.chat_id)
    assert seen[0].startswith(CRISIS_TITLE) and "3114" in seen[0]
    assert texts.SENSITIVE_WARNING in seen
    assert texts.TECHNICAL_PROBLEM not in seen


async def test_a_question_with_a_secret_whose_deletion_fails_is_still_answered(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    lea, sam = new_person(fake_api, "Léa"), new_person(fake_api, "Sam")
    question = f"{QUESTION} mon mot de passe est Soleil2024!"
    async with running(fake_api, settings_for(fake_api, tmp_path)) as relais:
        await relais.send(sam.says(question))  # no fault: what the answer is
        fake_api.inject(Fault.timeout(), *[Fault.server_error(502)] * 5, method="deleteMessage")
        await relais.send(lea.says(question))
    seen = fake_api.texts_to(lea.chat_id)
    assert seen == fake_api.texts_to(sam.chat_id)
    assert texts.SENSITIVE_WARNING in seen and len(seen) >= 2


async def test_a_normal_answer_gets_the_relays_retry_on_a_502(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    lea = new_person(fake_api, "Léa")
    async with running(fake_api, settings_for(fake_api, tmp_path)) as relais:
        fake_api.inject(Fault.server_error(502), method="sendMessage", chat_id=lea.chat_id)
        await relais.send(lea.says(QUESTION))
    [answer] = fake_api.texts_to(lea.chat_id)
    assert answer.startswith(ANSWER_TITLE)


async def test_an_answer_that_may_have_arrived_is_not_sent_twice_nor_followed_by_a_problem(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """Telegram took the answer, and its reply was lost: the person has it, once."""
    lea = new_person(fake_api, "Léa")
    async with running(fake_api, settings_for(fake_api, tmp_path)) as relais:
        fake_api.inject(Fault.answer_lost(), method="sendMessage", chat_id=lea.chat_id)
        await relais.send(lea.says(QUESTION))
    [answer] = fake_api.texts_to(lea.chat_id)
    assert answer.startswith(ANSWER_TITLE)


async def test_a_crisis_in_a_group_gets_the_numbers_every_time(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    lea, group = new_person(fake_api, "Léa"), fake_api.new_group("Entraide du quartier")
    async with running(fake_api, settings_for(fake_api, tmp_path)) as relais:
        await relais.send(lea.says("bonjour tout le monde", chat=group))
        await relais.send(lea.says(CRISIS, chat=group))
        fake_api.inject(Fault.server_error(502), method="sendMessage", chat_id=group.id)
        await relais.send(lea.says("j'ai avalé toute la boîte de cachets", chat=group))
    seen = fake_api.texts_to(group.id)
    assert seen[0] == texts.GROUP_ONLY_PRIVATE
    assert len(seen) == 3 and all("112" in text for text in seen[1:])
    assert "3114" in seen[1]
    assert not fake_api.sent_to(lea.chat_id)  # nothing in private the person did not ask for


async def test_a_crisis_after_character_1500_gets_the_numbers(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    lea = new_person(fake_api, "Léa")
    story = "j'ai un souci avec mon dossier de la caf depuis des mois. " * 30
    assert len(story) > 1500
    async with running(fake_api, settings_for(fake_api, tmp_path)) as relais:
        await relais.send(lea.says(f"{story}et ce soir {CRISIS}"))
    seen = fake_api.texts_to(lea.chat_id)
    assert seen and crisis_replies(fake_api, lea.chat_id) == [seen[0]]


async def test_without_a_team_a_crisis_promises_no_team(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    lea = new_person(fake_api, "Léa")
    async with running(fake_api, settings_for(fake_api, tmp_path)) as relais:
        await relais.send(lea.says(CRISIS))
        await relais.send(lea.says(texts.KEY_HUMAN))
    crisis, no_team = fake_api.texts_to(lea.chat_id)
    assert "équipe" not in crisis
    assert no_team.startswith(handoff_texts.NO_TEAM_YET.split(":")[0])


async def test_with_a_team_asking_for_someone_after_a_crisis_goes_straight_to_a_referent(
    fake_api: FakeBotApi, tmp_path: Path
) -> None:
    async with desk_for(fake_api, tmp_path) as desk:
        lea = new_person(fake_api, "Léa")
        await desk.send(lea.says(CRISIS))
        await desk.send(lea.says(texts.KEY_HUMAN))
        preview = desk.last(lea)
        assert preview.inline_buttons[0] == [handoff_texts.BUTTON_ASK_YES]
        assert "référent" in preview.text
        await desk.send(lea.presses(preview, handoff_texts.BUTTON_ASK_YES))
        case = await desk.case_of(lea)
    assert case.audience == "referent" and case.urgent
