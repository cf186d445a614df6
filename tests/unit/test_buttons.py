"""The one button codec (bot/domain/buttons.py): every vocabulary round-trips in one format,
fits Telegram's 64 bytes, and refuses what we did not send; the buttons already in people's
chats (``h1:``, ``p1|``) still read as the same actions."""

from __future__ import annotations

import pytest

from bot.domain.buttons import (
    MAX_PAYLOAD_BYTES,
    Action,
    CaseVerb,
    PrivacyVerb,
    Verb,
    case_button,
    decode_action,
    decode_privacy,
    encode_action,
    encode_privacy,
    is_case_payload,
    is_privacy_payload,
    parse_button,
)


def test_payloads_already_in_chats_still_read_the_same() -> None:
    assert decode_action("v1|e|caf-compte") == Action(Verb.ENTRY, "caf-compte")
    assert decode_action("v1|m|") == Action(Verb.MENU)
    assert parse_button("h1:k:42") == (CaseVerb.CLAIM, 42)
    assert decode_privacy("p1|forget") is PrivacyVerb.FORGET
    assert decode_privacy("p1|keep") is PrivacyVerb.KEEP
    assert decode_privacy("p1|read") is PrivacyVerb.NOTICE_READ
    assert is_case_payload("h1:d:7") and is_privacy_payload("p1|forget")


def test_one_format_for_every_vocabulary() -> None:
    assert encode_action(Action(Verb.ENTRY, "caf-compte")) == "v1|e|caf-compte"
    assert encode_action(case_button("Je prends", CaseVerb.CLAIM, 42).action) == "v1|ck|42"
    assert encode_privacy(PrivacyVerb.FORGET) == "v1|fy|"


@pytest.mark.parametrize("verb", list(CaseVerb))
def test_case_buttons_round_trip(verb: CaseVerb) -> None:
    data = encode_action(case_button("x", verb, 7).action)
    assert parse_button(data) == (verb, 7) and is_case_payload(data)


@pytest.mark.parametrize("verb", list(PrivacyVerb))
def test_privacy_buttons_round_trip(verb: PrivacyVerb) -> None:
    assert decode_privacy(encode_privacy(verb)) is verb


def test_every_family_round_trips_within_64_bytes() -> None:
    action = Action(Verb.STEP, "x" * 55 + ":12")
    assert decode_action(encode_action(action)) == action
    data = encode_action(case_button("Je prends", CaseVerb.CLAIM, 10**12).action)
    assert len(data.encode()) <= MAX_PAYLOAD_BYTES
    assert parse_button(data) == (CaseVerb.CLAIM, 10**12)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "",
        "p1|",
        "p1|forget|x",
        "p1|nope",
        "p2|forget",
        "v1|e|ok",
        "p1|" + "x" * 80,
        "v1|fy|x",
        "v1|fy",
    ],
)
def test_a_forged_privacy_payload_is_refused(payload: str | None) -> None:
    assert decode_privacy(payload) is None


@pytest.mark.parametrize(
    "payload",
    [
        "h1:k:42:1",
        "h1:k:",
        "h1:z:1",
        "h0:k:1",
        "v1|k|1",
        "h1:k:" + "9" * 80,
        "v1|ck|",
        "v1|ck|-1",
        "v1|ck|1:2",
        "v1|ck|١",
        "h1:ck:1",
    ],
)
def test_a_forged_case_payload_is_refused(payload: str) -> None:
    assert parse_button(payload) is None


def test_the_families_never_read_each_others_payloads() -> None:
    engine = encode_action(Action(Verb.MENU))
    case = encode_action(case_button("x", CaseVerb.DONE, 1).action)
    privacy = encode_privacy(PrivacyVerb.KEEP)
    assert parse_button(engine) is None and decode_privacy(engine) is None
    assert decode_privacy(case) is None and not is_privacy_payload(case)
    assert parse_button(privacy) is None and not is_case_payload(privacy)
    assert not is_case_payload(engine) and not is_privacy_payload(engine)


@pytest.mark.parametrize(
    "action",
    [
        Action(Verb.GROUP, "papiers-et-droits"),
        Action(Verb.GROUP, "papiers-et-droits:2"),
        Action(Verb.THEME, "caf:3"),
        Action(Verb.MENU, "2"),
    ],
)
def test_menu_screens_and_their_pages_round_trip(action: Action) -> None:
    assert decode_action(encode_action(action)) == action


@pytest.mark.parametrize(
    "payload", ["v1|e|caf-compte:2", "v1|s|caf-compte", "v1|m|caf", "v1|t|caf:x", "v1|g|"]
)
def test_a_page_only_goes_with_a_list(payload: str) -> None:
    assert decode_action(payload) is None
