"""The Application's handlers with a scripted engine: what Telegram receives for each update.

The engine is replaced by a small fake that records what it was given and answers what the
test scripts, so these tests pin the Telegram layer alone: filters, callback answers, errors,
flood control, blocked people, splitting and escaping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from conftest import BotUnderTest
from fakebotapi import FakeBotApi, Fault, channel_post, new_person

from bot.channels.telegram import render
from bot.channels.telegram.app import FLOOD_RETRIES
from bot.domain.messages import (
    Action,
    Button,
    DeleteIncoming,
    Inbound,
    MediaKind,
    Outbound,
    Reply,
    Verb,
)
from bot.domain.pseudonym import user_key
from bot.texts import person as texts

HUMAN = Button(texts.BUTTON_HUMAN, Action(Verb.HUMAN))
MENU = Button(texts.BUTTON_MENU, Action(Verb.MENU))
KEYBOARD = [[texts.KEY_MENU, texts.KEY_HUMAN]]


class ScriptedEngine:
    """A fake engine: records every Inbound, answers with ``script(inbound)``."""

    def __init__(self, script: Callable[[Inbound], list[Outbound]] | None = None) -> None:
        self.inbounds: list[Inbound] = []
        self.script = script or (lambda inbound: [Reply("Réponse.", buttons=((HUMAN,),))])

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        self.inbounds.append(inbound)
        return self.script(inbound)

    async def in_group(self, text: str) -> list[Outbound]:
        return []


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine()


@pytest.fixture
async def bot(start_bot, engine: ScriptedEngine) -> BotUnderTest:
    return await start_bot(engine=engine)


async def test_start_sets_the_persistent_keyboard(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    engine.script = lambda _: [Reply(texts.WELCOME, buttons=((MENU,), (HUMAN,)))]
    lea = new_person(fake_api)
    await bot.send(lea.command("start"))
    [welcome] = fake_api.sent_to(lea.chat_id)
    assert welcome.reply_keyboard == KEYBOARD
    assert welcome.reply_markup["is_persistent"] and welcome.reply_markup["resize_keyboard"]
    assert welcome.parse_mode == "HTML"
    assert engine.inbounds == [
        Inbound(user=user_key(bot_secret(bot), lea.user.id), command="start")
    ]


def bot_secret(bot: BotUnderTest) -> str:
    return bot.application.bot_data.secret


async def test_the_engine_sees_a_pseudonym_never_the_telegram_id(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await bot.send(lea.says("bonjour"))
    [inbound] = engine.inbounds
    assert inbound.user == user_key(bot_secret(bot), lea.user.id)
    assert str(lea.user.id) not in inbound.user


async def test_a_reply_without_buttons_carries_the_keyboard(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    engine.script = lambda _: [Reply(texts.HUMAN_REQUESTED)]
    lea = new_person(fake_api)
    await bot.send(lea.says(texts.KEY_HUMAN))
    assert fake_api.sent_to(lea.chat_id)[0].reply_keyboard == KEYBOARD


async def test_every_kind_of_private_message_reaches_the_engine(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    first = lea.says("actualisation")
    for update in (
        first,
        lea.edits(first, "actualisation france travail"),
        lea.sends("photo"),
        lea.sends("sticker"),
        lea.says("/xyz"),
    ):
        await bot.send(update)
    key = engine.inbounds[0].user
    assert engine.inbounds == [
        Inbound(user=key, text="actualisation"),
        Inbound(user=key, text="actualisation france travail", edited=True),
        Inbound(user=key, media=MediaKind.PHOTO),
        Inbound(user=key, media=MediaKind.STICKER),
        Inbound(user=key, command="xyz"),
    ]
    assert len(fake_api.sent_to(lea.chat_id)) == 5


async def test_service_messages_and_edited_photos_get_no_answer(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    service = fake_api.person_message(lea.chat, lea.user, {"write_access_allowed": {}})
    await bot.send(fake_api.enqueue({"message": service}))
    photo = lea.sends("photo", caption="avant")
    await bot.send(photo)
    await bot.send(fake_api.enqueue({"edited_message": {**photo["message"], "caption": "après"}}))
    assert engine.inbounds == [
        Inbound(user=engine.inbounds[0].user, media=MediaKind.PHOTO, text="avant")
    ]


async def test_button_press_is_answered_and_decoded(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    engine.script = lambda _: [Reply("Choisissez.", buttons=((HUMAN,),))]
    lea = new_person(fake_api)
    await bot.send(lea.says("bonjour"))
    await bot.send(lea.presses(fake_api.sent_to(lea.chat_id)[-1], texts.BUTTON_HUMAN))
    assert engine.inbounds[-1].action == Action(Verb.HUMAN)
    assert fake_api.unanswered_callback_queries() == []
    [answer] = fake_api.calls_to("answerCallbackQuery")
    assert "text" not in answer.params


async def test_forged_button_gets_stale_notice_and_the_menu(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    await bot.send(lea.sends_callback("v1|e|<script>alert(1)</script>"))
    [answer] = fake_api.calls_to("answerCallbackQuery")
    assert answer.params["text"] == texts.STALE_BUTTON
    assert engine.inbounds == [Inbound(user=engine.inbounds[0].user, command="menu")]
    assert fake_api.unanswered_callback_queries() == []


async def test_a_callback_too_old_to_answer_is_still_handled(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    update = lea.sends_callback("v1|m|")
    fake_api.expire_callback_query(update["callback_query"]["id"])
    await bot.send(update)
    assert engine.inbounds[-1].action == Action(Verb.MENU)
    assert fake_api.texts_to(lea.chat_id) == ["Réponse."]


async def test_groups_and_channels_are_told_once_then_silence(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    lea, sam = new_person(fake_api, "Léa"), new_person(fake_api, "Sam")
    group = fake_api.new_group()
    channel = fake_api.new_group("Infos", kind="channel")
    await bot.send(lea.command("start", chat=group))
    await bot.send(sam.says("@relais_test_bot aide moi", chat=group))
    await bot.send(lea.says("/aide", chat=group))
    await bot.send(channel_post(fake_api, channel, "annonce"))
    await bot.send(channel_post(fake_api, channel, "annonce 2"))
    assert fake_api.texts_to(group.id) == [texts.GROUP_ONLY_PRIVATE]
    assert fake_api.texts_to(channel.id) == [texts.GROUP_ONLY_PRIVATE]
    assert engine.inbounds == []
    assert fake_api.sent_to(lea.chat_id) == fake_api.sent_to(sam.chat_id) == []


async def test_a_button_in_a_group_is_answered_and_ignored(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    lea = new_person(fake_api)
    group = fake_api.new_group()
    update = lea.sends_callback("v1|m|")
    update["callback_query"]["message"]["chat"] = group.to_dict()
    await bot.send(update)
    assert fake_api.unanswered_callback_queries() == []
    assert engine.inbounds == []


async def test_an_engine_failure_gets_a_kind_message_and_the_bot_goes_on(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi, caplog
) -> None:
    def fail_once(inbound: Inbound) -> list[Outbound]:
        if len(engine.inbounds) == 1:
            raise KeyError("secret question text")
        return [Reply("Réponse.")]

    engine.script = fail_once
    lea = new_person(fake_api)
    with caplog.at_level(logging.INFO):
        await bot.send(lea.says("secret question text"))
        await bot.send(lea.says("et maintenant ?"))
    problem, answer = fake_api.sent_to(lea.chat_id)
    assert problem.text == texts.TECHNICAL_PROBLEM
    assert problem.inline_buttons == [[texts.BUTTON_HUMAN]]
    assert answer.text == "Réponse."
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "KeyError" in errors[0].getMessage()
    assert_no_personal_data(caplog, lea, "secret question text")


def assert_no_personal_data(caplog, person, *texts_sent: str) -> None:
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (*texts_sent, str(person.user.id), person.user.first_name):
        assert secret not in logged


async def test_a_person_who_blocked_the_bot_is_not_written_to_again(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi, caplog
) -> None:
    engine.script = lambda _: [Reply("Un."), Reply("Deux.")]
    lea = new_person(fake_api)
    with caplog.at_level(logging.INFO):
        await bot.send(lea.blocks_bot())
        await bot.send(lea.says("dernier message"))
    assert [c.status for c in fake_api.calls_to("sendMessage")] == [403]
    assert "blocked the bot" in caplog.text
    assert engine.inbounds[0].user not in caplog.text  # the pseudonym is never logged
    assert_no_personal_data(caplog, lea, "dernier message")


@pytest.mark.heavy
async def test_a_flood_longer_than_the_retries_is_reported_not_looped(
    bot: BotUnderTest, fake_api: FakeBotApi, caplog
) -> None:
    lea = new_person(fake_api)
    fake_api.inject(*[Fault.flood(retry_after=1)] * (FLOOD_RETRIES + 1), method="sendMessage")
    with caplog.at_level(logging.INFO):
        await bot.send(lea.says("bonjour"))
    statuses = [c.status for c in fake_api.calls_to("sendMessage")]
    assert statuses == [429] * (FLOOD_RETRIES + 1) + [200]  # then the apology, once
    assert fake_api.texts_to(lea.chat_id) == [texts.TECHNICAL_PROBLEM]
    assert "error=RetryAfter" in caplog.text


async def test_network_trouble_is_logged_and_the_person_told(
    bot: BotUnderTest, fake_api: FakeBotApi, caplog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram failed three times (5xx, the request was not taken): the person is told."""
    monkeypatch.setattr(render, "RETRY_PAUSE_SECONDS", 0.01)
    lea = new_person(fake_api)
    fake_api.inject(*[Fault.server_error(502)] * render.SEND_ATTEMPTS, method="sendMessage")
    with caplog.at_level(logging.INFO):
        await bot.send(lea.says("bonjour"))
    assert fake_api.texts_to(lea.chat_id) == [texts.TECHNICAL_PROBLEM]
    assert "network problem" in caplog.text and "NetworkError" in caplog.text


async def test_a_reply_that_may_have_arrived_is_neither_resent_nor_followed_by_a_problem(
    bot: BotUnderTest, fake_api: FakeBotApi, caplog
) -> None:
    """No answer came back (a timeout): the reply may be on its way; sending it again could
    show it twice, and « problème technique » after it would be false."""
    lea = new_person(fake_api)
    fake_api.inject(Fault.timeout(), method="sendMessage")
    with caplog.at_level(logging.INFO):
        await bot.send(lea.says("bonjour"))
    assert fake_api.texts_to(lea.chat_id) == []
    assert [c.status for c in fake_api.calls_to("sendMessage")] == [0]
    assert "reply maybe delivered, not sent again: TimedOut" in caplog.text


async def test_user_text_with_html_is_escaped_everywhere(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    typed = 'Je paie <b>5 & 6</b> € "vraiment" <script>'
    engine.script = lambda inbound: [
        Reply(
            inbound.text,
            title=inbound.text,
            buttons=((Button(inbound.text[:20], Action(Verb.MENU)),),),
        )
    ]
    lea = new_person(fake_api)
    await bot.send(lea.says(typed))
    [message] = fake_api.sent_to(lea.chat_id)
    assert message.text == f"{typed}\n\n{typed}"
    assert "<b>5 &" not in message.html and "<script>" not in message.html


async def test_a_long_answer_is_split_at_paragraphs_with_buttons_on_the_last(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    paragraphs = [f"{n}. " + "Remplissez la case & validez. " * 20 for n in range(1, 21)]
    engine.script = lambda _: [
        Reply("\n\n".join(paragraphs), title="Très long", buttons=((HUMAN,),), protect=True)
    ]
    lea = new_person(fake_api)
    await bot.send(lea.says("tout"))
    *first, last = fake_api.sent_to(lea.chat_id)
    assert first and all(m.reply_markup is None for m in first)
    assert last.inline_buttons == [[texts.BUTTON_HUMAN]]
    for message in (*first, last):
        assert len(message.text) <= 4096
        assert message.text.endswith("validez.")  # whole paragraphs only
        assert message.protect_content
    assert "\n\n".join(m.text for m in (*first, last)) == "Très long\n\n" + "\n\n".join(
        p.strip() for p in paragraphs
    )


async def test_sensitive_message_is_deleted_even_twice(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi
) -> None:
    engine.script = lambda _: [DeleteIncoming(), DeleteIncoming(), Reply("Ne l'envoyez jamais.")]
    lea = new_person(fake_api)
    update = lea.says("mon code est 1234")
    await bot.send(update)
    assert fake_api.message(lea.chat_id, update["message"]["message_id"]).deleted
    assert fake_api.texts_to(lea.chat_id) == ["Ne l'envoyez jamais."]


async def test_commands_are_announced_in_french(bot: BotUnderTest, fake_api: FakeBotApi) -> None:
    await bot.application.post_init(bot.application)
    assert [(c["command"], c["description"]) for c in fake_api.commands[""]] == list(
        texts.COMMANDS
    )


async def test_blocking_is_only_logged(
    bot: BotUnderTest, engine: ScriptedEngine, fake_api: FakeBotApi, caplog
) -> None:
    lea = new_person(fake_api)
    with caplog.at_level(logging.INFO):
        await bot.send(lea.blocks_bot())
    assert "person blocked the bot" in caplog.text
    assert engine.inbounds == [] and fake_api.calls_to("sendMessage") == []
