"""Update → Inbound, and button payloads both ways (bot/channels/telegram/translate.py)."""

from __future__ import annotations

import pytest
from fakebotapi import FakeBotApi, Person, new_person
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update

from bot.channels.telegram import translate
from bot.channels.telegram.translate import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_INBOUND_TEXT,
    decode_action,
    encode_action,
)
from bot.domain.messages import Action, Inbound, MediaKind, Verb

KEY = "k3y"


@pytest.fixture
def lea(fake_api: FakeBotApi) -> Person:
    return new_person(fake_api)


def inbound(update: dict, *, edited: bool = False) -> Inbound | None:
    parsed = Update.de_json(update, None)
    message = parsed.edited_message if edited else parsed.message
    return translate.inbound_from_message(message, user=KEY, edited=edited)


def test_plain_text_becomes_text(lea: Person) -> None:
    assert inbound(lea.says("jarrive pa a macktualiser")) == Inbound(
        user=KEY, text="jarrive pa a macktualiser"
    )


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("/start", "start"),
        ("/menu", "menu"),
        ("/aide", "aide"),
        ("/humain", "humain"),
        ("/help", "aide"),
        ("/START", "start"),
        ("/start@relais_test_bot", "start"),
        ("/start campagne-affiche", "start"),
        ("/xyz", "xyz"),
    ],
)
def test_commands_are_recognised(lea: Person, typed: str, command: str) -> None:
    assert inbound(lea.says(typed)) == Inbound(user=KEY, command=command)


def test_a_slash_without_command_entity_is_text(lea: Person) -> None:
    update = lea.says("/ 12 euros")
    update["message"].pop("entities")
    assert inbound(update) == Inbound(user=KEY, text="/ 12 euros")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("photo", MediaKind.PHOTO),
        ("voice", MediaKind.VOICE),
        ("audio", MediaKind.AUDIO),
        ("video", MediaKind.VIDEO),
        ("video_note", MediaKind.VIDEO_NOTE),
        ("sticker", MediaKind.STICKER),
        ("animation", MediaKind.ANIMATION),
        ("location", MediaKind.LOCATION),
        ("contact", MediaKind.CONTACT),
        ("document", MediaKind.DOCUMENT),
        ("poll", MediaKind.POLL),
        ("dice", MediaKind.OTHER),
    ],
)
def test_media_kinds(lea: Person, kind: str, expected: MediaKind) -> None:
    assert inbound(lea.sends(kind)) == Inbound(user=KEY, media=expected)


def test_caption_travels_with_the_media(lea: Person) -> None:
    result = inbound(lea.sends("photo", caption="c quoi ce courrier"))
    assert result == Inbound(user=KEY, media=MediaKind.PHOTO, text="c quoi ce courrier")


def test_edited_text_is_marked(lea: Person) -> None:
    first = lea.says("actualisation")
    assert inbound(lea.edits(first, "actualisation pole emploi"), edited=True) == Inbound(
        user=KEY, text="actualisation pole emploi", edited=True
    )


def test_service_message_is_ignored(lea: Person, fake_api: FakeBotApi) -> None:
    message = fake_api.person_message(lea.chat, lea.user, {"pinned_message": None})
    message.pop("pinned_message")
    message["write_access_allowed"] = {"from_request": True}
    assert inbound({"update_id": 1, "message": message}) is None


def test_long_text_is_marked_and_handed_over_whole_for_the_safety_checks(lea: Person) -> None:
    result = inbound(lea.says("a" * 4000))
    assert result is not None
    assert result.truncated
    assert len(result.text) == 4000


def test_text_at_the_limit_is_untouched(lea: Person) -> None:
    result = inbound(lea.says("b" * MAX_INBOUND_TEXT))
    assert result == Inbound(user=KEY, text="b" * MAX_INBOUND_TEXT)


# --------------------------------------------------------------------------- callback data


@pytest.mark.parametrize(
    "action",
    [
        Action(Verb.MENU),
        Action(Verb.NONE),
        Action(Verb.HUMAN),
        Action(Verb.THEME, "france-travail"),
        Action(Verb.ENTRY, "ft-actualisation"),
        Action(Verb.HELPFUL, "ft-actualisation"),
        Action(Verb.NOT_HELPFUL, "ft-actualisation"),
        Action(Verb.STEP, "ft-actualisation:2"),
        Action(Verb.ENTRY, "x" * 40),
    ],
)
def test_actions_survive_the_round_trip(action: Action) -> None:
    data = encode_action(action)
    assert data.startswith("v1|")
    assert len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    assert decode_action(data) == action


def test_an_id_too_long_for_telegram_is_a_programming_error() -> None:
    with pytest.raises(AssertionError):
        encode_action(Action(Verb.ENTRY, "x" * 80))


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "hello",
        "v2|e|ft-actualisation",
        "v1|z|x",
        "v1|e|",
        "v1|e",
        "v1|m|extra",
        "v1|e|<script>",
        "v1|e|FT-ACTUALISATION",
        "v1|s|ft-actualisation",
        "v1|e|ft-actualisation:2",
        "v1|e|" + "x" * 80,
    ],
)
def test_forged_or_garbage_data_is_refused(data: str | None) -> None:
    assert decode_action(data) is None


@given(st.text(max_size=100))
def test_decoding_never_raises(data: str) -> None:
    result = decode_action(data)
    assert result is None or encode_action(result) == data


def test_callback_becomes_an_action(lea: Person) -> None:
    query = Update.de_json(lea.sends_callback("v1|t|caf"), None).callback_query
    assert translate.inbound_from_callback(query, user=KEY) == Inbound(
        user=KEY, action=Action(Verb.THEME, "caf")
    )
