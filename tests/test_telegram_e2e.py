"""Conversations through the real Application, the real engine, SQLite and knowledge/.

Each test plays what a person does in Telegram and checks what they would see: the texts,
the buttons, the keyboard. The Bot API is the in-process fake (tests/fakebotapi).
"""

from __future__ import annotations

import logging

import pytest
from conftest import BotUnderTest
from fakebotapi import FakeBotApi, FakeMessage, Fault, Person, new_person

from bot.channels.telegram.app import FLOOD_RETRIES
from bot.domain.buttons import MAX_BUTTONS_PER_SCREEN
from bot.texts import handoff as handoff_texts
from bot.texts import person as texts

KEYBOARD = [[texts.KEY_MENU, texts.KEY_HUMAN]]
TYPO_QUESTION = "jarrive pa a macktualiser sur pole emploi"
ACTUALISATION = "ft-actualisation"


def title_of(relais: BotUnderTest, entry_id: str) -> str:
    entry = relais.services.knowledge.current.kb.entry(entry_id)
    assert entry is not None
    return entry.title


def last(api: FakeBotApi, person: Person) -> FakeMessage:
    return api.sent_to(person.chat_id)[-1]


async def test_first_contact_gets_the_welcome_and_the_keyboard(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.command("start"))
    [welcome] = fake_api.sent_to(lea.chat_id)
    assert welcome.text == texts.WELCOME.format(bot=texts.BOT_NAME)
    assert welcome.reply_keyboard == KEYBOARD
    assert welcome.parse_mode == "HTML"


async def test_a_question_full_of_typos_gets_the_actualisation_answer(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says(TYPO_QUESTION))
    answer = last(fake_api, lea)
    assert answer.text.startswith(title_of(relais, ACTUALISATION))
    assert f"<b>{title_of(relais, ACTUALISATION)}" in answer.html.replace("&#x27;", "'")
    buttons = [label for row in answer.inline_buttons for label in row]
    assert {texts.BUTTON_HELPFUL, texts.BUTTON_NOT_HELPFUL, texts.BUTTON_HUMAN} <= set(buttons)


async def test_the_menu_leads_to_themes_entries_and_an_answer(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says(texts.KEY_MENU))
    menu = last(fake_api, lea)
    assert menu.text == texts.MENU_INTRO
    # France Travail is a group alone: its button opens its questions at once.
    await relais.send(lea.presses(menu, "💼 Emploi"))
    theme = last(fake_api, lea)
    entry_title = title_of(relais, ACTUALISATION)
    assert [entry_title] in theme.inline_buttons
    await relais.send(lea.presses(theme, entry_title))
    assert last(fake_api, lea).text.startswith(entry_title)
    assert fake_api.unanswered_callback_queries() == []


async def test_the_menu_fits_a_phone_screen_down_to_a_second_page(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says(texts.KEY_MENU))
    menu = last(fake_api, lea)
    await relais.send(lea.presses(menu, "💶 Argent et aides"))
    group = last(fake_api, lea)
    assert group.text == texts.GROUP_INTRO.format(label="💶 Argent et aides")
    await relais.send(lea.presses(group, "🏠 CAF"))
    first = last(fake_api, lea)
    await relais.send(lea.presses(first, texts.BUTTON_MORE))
    second = last(fake_api, lea)
    assert second.text.endswith("Page 2 sur 3.")
    caf = [e.title for e in relais.services.knowledge.current.kb.entries_of("caf")]
    assert [label for [label] in second.inline_buttons[:5]] == caf[5:10]
    for screen in (menu, group, first, second):
        assert sum(len(row) for row in screen.inline_buttons) <= MAX_BUTTONS_PER_SCREEN
    await relais.send(lea.presses(second, texts.BUTTON_BACK))
    assert last(fake_api, lea).text == group.text
    assert fake_api.unanswered_callback_queries() == []


async def test_the_menu_command_and_help(relais: BotUnderTest, fake_api: FakeBotApi) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.command("menu"))
    await relais.send(lea.command("aide"))
    await relais.send(lea.command("help"))
    await relais.send(lea.says("/nimportequoi"))
    assert fake_api.texts_to(lea.chat_id) == [
        texts.MENU_INTRO,
        texts.HELP,
        texts.HELP,
        texts.UNKNOWN_COMMAND,
    ]


async def test_an_unclear_question_offers_choices(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says("mot de passe"))
    clarify = last(fake_api, lea)
    assert clarify.text == texts.CLARIFY
    labels = [label for [label] in clarify.inline_buttons[:-2]]
    assert len(labels) >= 2
    assert clarify.inline_buttons[-2:] == [[texts.BUTTON_NONE], [texts.BUTTON_HUMAN]]
    await relais.send(lea.presses(clarify, labels[0]))
    assert last(fake_api, lea).text.startswith(labels[0])


async def test_thumbs_up_is_counted_and_thanked(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says(TYPO_QUESTION))
    await relais.send(lea.presses(last(fake_api, lea), texts.BUTTON_HELPFUL))
    assert last(fake_api, lea).text == texts.FEEDBACK_THANKS_UP
    assert await relais.services.stores.counters.total("helpful", ACTUALISATION) == 1
    assert fake_api.unanswered_callback_queries() == []


async def test_asking_for_a_person_without_a_team_says_so_and_where_to_go(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    """No RELAIS_STAFF_CONFIG: honest, and two places where a person can really help."""
    lea = new_person(fake_api)
    await relais.send(lea.says(TYPO_QUESTION))
    await relais.send(lea.says(texts.KEY_HUMAN))
    reply = last(fake_api, lea)
    assert reply.text.startswith(handoff_texts.NO_TEAM_YET.split("\n")[0])
    labels = [label for [label] in reply.inline_buttons]
    assert labels[:2] == [
        f"📖 {title_of(relais, 'aide-france-services')}",
        f"📖 {title_of(relais, 'aide-conseiller-numerique')}",
    ]
    await relais.send(lea.presses(reply, labels[0]))
    assert last(fake_api, lea).text.startswith(title_of(relais, "aide-france-services"))
    assert relais.services.handoff is None  # no team: nothing can be handed to anybody


async def test_a_photo_and_a_sticker_get_a_kind_answer(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.sends("photo"))
    await relais.send(lea.sends("sticker"))
    photo, sticker = fake_api.sent_to(lea.chat_id)
    assert photo.text.startswith(texts.MEDIA_NOT_READ["photo"])
    assert sticker.text.startswith(texts.MEDIA_NOT_READ["sticker"])
    assert [texts.BUTTON_HUMAN] in photo.inline_buttons


async def test_a_group_is_told_once_then_silence(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    group = fake_api.new_group()
    await relais.send(lea.command("start", chat=group))
    await relais.send(lea.says("/aide", chat=group))
    assert fake_api.texts_to(group.id) == [texts.GROUP_ONLY_PRIVATE]
    assert fake_api.sent_to(lea.chat_id) == []


async def test_a_10000_character_message_is_read_in_part(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.says("actualisation france travail " * 350))
    texts_seen = fake_api.texts_to(lea.chat_id)
    assert texts_seen[0] == texts.TOO_LONG
    assert len(texts_seen) >= 2


async def test_an_edited_question_is_answered_again(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    first = lea.says("bonjour")
    await relais.send(first)
    await relais.send(lea.edits(first, TYPO_QUESTION))
    assert fake_api.texts_to(lea.chat_id)[1] == texts.EDITED
    assert last(fake_api, lea).text.startswith(title_of(relais, ACTUALISATION))


async def test_a_forged_button_gets_the_menu(relais: BotUnderTest, fake_api: FakeBotApi) -> None:
    lea = new_person(fake_api)
    await relais.send(lea.sends_callback("v1|e|../../etc/passwd"))
    await relais.send(lea.sends_callback("v1|e|entree-qui-n-existe-plus"))
    assert fake_api.calls_to("answerCallbackQuery")[0].params["text"] == texts.STALE_BUTTON
    sent = fake_api.texts_to(lea.chat_id)
    assert sent == [texts.MENU_INTRO, texts.STALE_BUTTON, texts.MENU_INTRO]
    assert fake_api.unanswered_callback_queries() == []


@pytest.mark.heavy
async def test_a_flood_storm_delays_the_answer_without_duplicating_it(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    fake_api.inject(*[Fault.flood(retry_after=1)] * FLOOD_RETRIES, method="sendMessage")
    await relais.send(lea.says(TYPO_QUESTION))
    [answer] = fake_api.sent_to(lea.chat_id)
    assert answer.text.startswith(title_of(relais, ACTUALISATION))


async def test_a_person_who_blocked_the_bot_causes_no_retry_loop(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea, sam = new_person(fake_api, "Léa"), new_person(fake_api, "Sam")
    await relais.send(lea.blocks_bot())
    await relais.send(lea.says(TYPO_QUESTION))
    assert len(fake_api.calls_to("sendMessage")) == 1
    await relais.send(sam.says(TYPO_QUESTION))  # the bot goes on for everybody else
    assert fake_api.sent_to(sam.chat_id)


async def test_html_characters_from_a_person_are_never_sent_raw(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    for typed in ("<b>&", "Je veux <b>parler</b> à quelqu'un & vite", "a < b & c > d"):
        await relais.send(lea.says(typed))
    for message in fake_api.sent_to(lea.chat_id):
        assert "<b>&" not in (message.html or "")
    assert all(call.status == 200 for call in fake_api.calls_to("sendMessage"))


async def test_a_password_is_deleted_from_the_chat(
    relais: BotUnderTest, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    update = lea.says("mon mot de passe ameli c'est Soleil2024!")
    await relais.send(update)
    assert fake_api.message(lea.chat_id, update["message"]["message_id"]).deleted
    assert texts.SENSITIVE_WARNING in fake_api.texts_to(lea.chat_id)


async def test_nothing_personal_is_logged(
    relais: BotUnderTest, fake_api: FakeBotApi, caplog
) -> None:
    lea = new_person(fake_api, "Géraldine")
    with caplog.at_level(logging.DEBUG, logger="bot"):
        await relais.send(lea.command("start"))
        await relais.send(lea.says(TYPO_QUESTION))
        await relais.send(lea.says(texts.KEY_HUMAN))
        await relais.send(lea.sends_callback("forged"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (TYPO_QUESTION, "Géraldine", str(lea.user.id), fake_api.token):
        assert secret not in logged
