"""The fake Bot API enforces Telegram's rules (tests/fakebotapi), through both transports."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from fakebotapi import (
    FakeBotApi,
    FakeBotApiHttpServer,
    Fault,
    InProcessRequest,
    new_person,
    parse_html,
)
from fakebotapi.html_subset import EntityParseError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)


@pytest.fixture
async def bot(fake_api: FakeBotApi):
    transport = InProcessRequest(fake_api)
    async with Bot(fake_api.token, request=transport, get_updates_request=transport) as bot:
        yield bot


@pytest.mark.parametrize(
    ("html", "visible"),
    [
        ("a &lt; b &amp;&gt; &quot;c&quot; &#x27;d&#39;", "a < b &> \"c\" 'd'"),
        ("<b>gras</b> <i>x</i><u>u</u><s>s</s><code>c</code><pre>p</pre>", "gras xuscp"),
        ('<a href="https://x.fr/?a=1&amp;b=2">lien</a>', "lien"),
        ("<blockquote>cité</blockquote><tg-spoiler>caché</tg-spoiler>", "citécaché"),
        ("<strong>s</strong><em>e</em>", "se"),
        ("a > b", "a > b"),
    ],
)
def test_telegram_html_is_accepted(html: str, visible: str) -> None:
    assert parse_html(html) == visible


@pytest.mark.parametrize(
    "html",
    [
        "a < b",
        "a & b",
        "<b>x",
        "x</b>",
        "<b><i>x</b></i>",
        "<br/>",
        "<div>x</div>",
        "&nbsp;",
        '<a href="javascript:x">l</a>',
        "<a>l</a>",
        "<b",
        "<!-- c -->",
    ],
)
def test_broken_html_is_refused(html: str) -> None:
    with pytest.raises(EntityParseError, match=r"(?i)can't parse entities"):
        parse_html(html)


async def test_send_message_records_what_the_person_sees(fake_api: FakeBotApi, bot: Bot) -> None:
    lea = new_person(fake_api)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="v1|m|")]])
    await bot.send_message(
        lea.chat_id,
        "<b>Bonjour</b> &amp; bienvenue",
        parse_mode="HTML",
        reply_markup=keyboard,
        protect_content=True,
    )
    [message] = fake_api.sent_to(lea.chat_id)
    assert message.text == "Bonjour & bienvenue"
    assert message.html == "<b>Bonjour</b> &amp; bienvenue"
    assert message.inline_buttons == [["👍"]]
    assert message.protect_content


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": "a < b", "parse_mode": "HTML"}, "can't parse entities"),
        ({"text": "x" * 4097}, "message is too long"),
        ({"text": "  "}, "message text is empty"),
        ({"text": "<b></b>", "parse_mode": "HTML"}, "message text is empty"),
    ],
)
async def test_send_message_rules(fake_api: FakeBotApi, bot: Bot, kwargs, error) -> None:
    lea = new_person(fake_api)
    with pytest.raises(BadRequest, match=r"(?i)" + error):
        await bot.send_message(lea.chat_id, **kwargs)
    assert fake_api.sent_to(lea.chat_id) == []


async def test_4096_visible_characters_fit(fake_api: FakeBotApi, bot: Bot) -> None:
    lea = new_person(fake_api)
    await bot.send_message(lea.chat_id, "<b>" + "é" * 4096 + "</b>", parse_mode="HTML")
    assert len(fake_api.texts_to(lea.chat_id)[0]) == 4096


async def test_callback_data_over_64_bytes_is_refused(fake_api: FakeBotApi) -> None:
    lea = new_person(fake_api)
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]}
    status, body = await fake_api.call(
        "sendMessage", {"chat_id": lea.chat_id, "text": "x", "reply_markup": markup}
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_unknown_chat(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(42, "allô ?")


async def test_blocked_person(fake_api: FakeBotApi, bot: Bot) -> None:
    lea = new_person(fake_api)
    fake_api.block_bot(lea.chat_id)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(lea.chat_id, "coucou")


async def test_injected_faults_are_consumed_in_order(fake_api: FakeBotApi, bot: Bot) -> None:
    lea = new_person(fake_api)
    fake_api.inject(
        Fault.flood(retry_after=3),
        Fault.server_error(),
        Fault.timeout(),
        Fault.connection_reset(),
        method="sendMessage",
        chat_id=lea.chat_id,
    )
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(lea.chat_id, "1")
    assert flood.value.retry_after == dt.timedelta(seconds=3)
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.send_message(lea.chat_id, "2")
    with pytest.raises(TimedOut):
        await bot.send_message(lea.chat_id, "3")
    with pytest.raises(NetworkError, match=r"(?i)reset"):
        await bot.send_message(lea.chat_id, "4")
    await bot.send_message(lea.chat_id, "5")
    assert fake_api.texts_to(lea.chat_id) == ["5"]
    assert [call.status for call in fake_api.calls_to("sendMessage")] == [429, 502, 0, 0, 200]


async def test_delete_edit_copy_and_answer(fake_api: FakeBotApi, bot: Bot) -> None:
    lea = new_person(fake_api)
    update = lea.says("mon mot de passe est hunter2")
    await bot.delete_message(lea.chat_id, update["message"]["message_id"])
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(lea.chat_id, update["message"]["message_id"])
    sent = await bot.send_message(lea.chat_id, "avant")
    await bot.edit_message_text("après", lea.chat_id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("après", lea.chat_id, sent.message_id)
    await bot.edit_message_reply_markup(
        lea.chat_id,
        sent.message_id,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="v1|m|")]]),
    )
    assert fake_api.sent_to(lea.chat_id)[0].inline_buttons == [["ok"]]
    press = lea.presses(fake_api.sent_to(lea.chat_id)[0], "ok")
    query_id = press["callback_query"]["id"]
    assert fake_api.unanswered_callback_queries() == [query_id]
    await bot.answer_callback_query(query_id, "merci")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    team = fake_api.new_forum()
    await bot.copy_message(team.id, lea.chat_id, sent.message_id)
    assert fake_api.texts_to(team.id) == ["après"]


async def test_forum_topics(fake_api: FakeBotApi, bot: Bot) -> None:
    team = fake_api.new_forum()
    topic = await bot.create_forum_topic(team.id, "#A7F3 · CAF")
    await bot.send_message(team.id, "Nouvelle demande", message_thread_id=topic.message_thread_id)
    assert fake_api.sent_to(team.id)[0].thread_id == topic.message_thread_id
    await bot.close_forum_topic(team.id, topic.message_thread_id)
    with pytest.raises(BadRequest, match=r"(?i)TOPIC_CLOSED"):
        await bot.send_message(team.id, "encore", message_thread_id=topic.message_thread_id)
    await bot.delete_forum_topic(team.id, topic.message_thread_id)
    assert fake_api.sent_to(team.id) == []
    with pytest.raises(BadRequest, match=r"(?i)not a forum"):
        await bot.create_forum_topic(fake_api.new_group().id, "x")


async def test_commands_and_webhook(fake_api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Commencer"), ("aide", "Comment ça marche")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "aide"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Start!", "x")])
    assert await bot.delete_webhook()
    assert (await bot.get_me()).username == "relais_test_bot"


async def test_get_updates_offset_and_allowed_updates(fake_api: FakeBotApi, bot: Bot) -> None:
    lea = new_person(fake_api)
    first = lea.says("un")
    lea.blocks_bot()
    third = lea.says("trois")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.update_id for u in updates] == [first["update_id"], third["update_id"]]
    assert await bot.get_updates(offset=third["update_id"] + 1) == ()


async def test_long_polling_waits_for_a_new_update(fake_api: FakeBotApi, bot: Bot) -> None:
    lea = new_person(fake_api)
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0)
    lea.says("me voilà")
    [update] = await waiting
    assert update.message.text == "me voilà"


async def test_http_transport(fake_api: FakeBotApi) -> None:
    lea = new_person(fake_api)
    async with FakeBotApiHttpServer(fake_api) as server:
        async with Bot(fake_api.token, base_url=server.base_url) as bot:
            await bot.send_message(
                lea.chat_id,
                "<b>1 &amp; 2</b>",
                parse_mode="HTML",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("ok", callback_data="9")]]
                ),
            )
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(lea.chat_id, "1 & 2", parse_mode="HTML")
            fake_api.inject(Fault.flood(2), method="sendMessage")
            with pytest.raises(RetryAfter):
                await bot.send_message(lea.chat_id, "vite")
            fake_api.inject(Fault.connection_reset(), method="sendMessage")
            with pytest.raises(NetworkError):
                await bot.send_message(lea.chat_id, "coupé")
            await bot.send_message(lea.chat_id, "123")
        impostor = Bot(fake_api.token[:-1] + "X", base_url=server.base_url)
        with pytest.raises(InvalidToken):
            await impostor.initialize()
        await impostor.shutdown()
    assert fake_api.texts_to(lea.chat_id) == ["1 & 2", "123"]
    assert fake_api.sent_to(lea.chat_id)[0].inline_buttons == [["ok"]]
