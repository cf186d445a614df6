"""Reply → Telegram messages (bot/channels/telegram/render.py): escaping, buttons, splits."""

from __future__ import annotations

from fakebotapi import parse_html
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup

from bot.channels.telegram.render import PERSISTENT_KEYBOARD, dialable, render_reply
from bot.channels.telegram.translate import decode_action
from bot.domain.messages import Action, Button, Link, Phone, Reply, Verb
from bot.texts import person as texts

HUMAN = Button(texts.BUTTON_HUMAN, Action(Verb.HUMAN))
MENU = Button(texts.BUTTON_MENU, Action(Verb.MENU))
HELPFUL = Button(texts.BUTTON_HELPFUL, Action(Verb.HELPFUL, "ft-actualisation"))


def only(reply: Reply, **kwargs):
    messages = render_reply(reply, **kwargs)
    assert len(messages) == 1
    return messages[0]


def test_person_and_yaml_text_is_escaped() -> None:
    message = only(Reply("Tapez <b>&amp; « 3 < 4 » & co", title="Impôts & <taxes>"))
    assert "<b>Impôts &amp; &lt;taxes&gt;</b>" in message.html
    assert parse_html(message.html) == "Impôts & <taxes>\n\nTapez <b>&amp; « 3 < 4 » & co"


def test_title_is_bold_and_paragraphs_are_kept() -> None:
    message = only(Reply("Premier.\n\n  \nDeuxième\nsuite.", title="Titre"))
    assert message.html == "<b>Titre</b>\n\nPremier.\n\nDeuxième\nsuite."


def test_links_are_real_https_links_with_escaped_urls() -> None:
    reply = Reply(
        "Le site.",
        links=(
            Link("Site « officiel »", 'https://exemple.fr/a?b=1&c="2"'),
            Link("Pas sûr", "http://exemple.fr"),
            Link("Script", "javascript:alert(1)"),
        ),
    )
    message = only(reply)
    assert (
        '🔗 <a href="https://exemple.fr/a?b=1&amp;c=&quot;2&quot;">Site « officiel »</a>'
        in message.html
    )
    assert 'exemple.fr"' not in message.html
    assert "http://" not in message.html and "javascript" not in message.html
    parse_html(message.html)


def test_phones_are_bold_and_long_numbers_international() -> None:
    reply = Reply(
        "Appelez.",
        phones=(
            Phone("3114", "3114", "gratuit, 24h/24"),
            Phone("0969399111", "0 969 399 111", "prix d'un appel local"),
            Phone("+33 1 40 00 00 00", "01 40 00 00 00"),
        ),
    )
    html = only(reply).html
    assert "☎️ <b>3114</b> — gratuit, 24h/24" in html
    assert "☎️ <b>+33969399111</b> — prix d'un appel local" in html
    assert "☎️ <b>+33140000000</b>" in html
    assert parse_html(html).endswith("☎️ +33140000000")


def test_dialable_numbers() -> None:
    assert dialable(Phone("3949", "39 49")) == "39 49"
    assert dialable(Phone("0 800 130 000", "0 800 130 000")) == "+33800130000"
    assert dialable(Phone("0033140000000", "01 40")) == "+33140000000"


def test_buttons_become_an_inline_keyboard_with_versioned_data() -> None:
    message = only(Reply("Réponse.", buttons=((HELPFUL,), (HUMAN,))))
    assert isinstance(message.markup, InlineKeyboardMarkup)
    rows = message.markup.inline_keyboard
    assert [[b.text for b in row] for row in rows] == [
        [texts.BUTTON_HELPFUL],
        [texts.BUTTON_HUMAN],
    ]
    assert decode_action(rows[0][0].callback_data) == Action(Verb.HELPFUL, "ft-actualisation")


def test_a_reply_without_buttons_carries_the_persistent_keyboard() -> None:
    markup = only(Reply(texts.HUMAN_REQUESTED)).markup
    assert markup is PERSISTENT_KEYBOARD
    assert markup.keyboard[0][0].text == texts.KEY_MENU
    assert markup.keyboard[0][1].text == texts.KEY_HUMAN
    assert markup.resize_keyboard and markup.is_persistent


def test_the_welcome_sets_the_keyboard_instead_of_repeating_its_keys() -> None:
    welcome = Reply(texts.WELCOME, buttons=((MENU,), (HUMAN,)))
    assert only(welcome, welcome=True).markup is PERSISTENT_KEYBOARD
    assert isinstance(only(welcome).markup, InlineKeyboardMarkup)


def test_the_welcome_keeps_buttons_the_keyboard_does_not_offer() -> None:
    welcome = Reply(texts.WELCOME, buttons=((HELPFUL,), (HUMAN,)))
    assert isinstance(only(welcome, welcome=True).markup, InlineKeyboardMarkup)


def test_protect_is_passed_on() -> None:
    assert only(Reply("Secret.", protect=True)).protect
    assert not only(Reply("Public.")).protect


def test_a_long_answer_is_split_between_paragraphs_with_buttons_last() -> None:
    paragraphs = [f"Étape {n} : " + "mot & <autre> " * 30 for n in range(1, 40)]
    reply = Reply("\n\n".join(paragraphs), title="Long", buttons=((HUMAN,),))
    messages = render_reply(reply)
    assert len(messages) > 1
    for message in messages:
        assert len(parse_html(message.html)) <= 4096
        assert len(message.html) <= 4096
    assert all(m.markup is None for m in messages[:-1])
    assert isinstance(messages[-1].markup, InlineKeyboardMarkup)
    visible = [parse_html(m.html) for m in messages]
    assert "\n\n".join(visible) == "Long\n\n" + "\n\n".join(p.strip() for p in paragraphs)


def test_one_huge_paragraph_is_cut_at_spaces() -> None:
    text = " ".join(["vérifiez&envoyez"] * 1000)
    messages = render_reply(Reply(text))
    assert len(messages) > 1
    assert " ".join(parse_html(m.html) for m in messages) == text


def test_one_huge_word_is_cut_anywhere_but_never_inside_an_entity() -> None:
    text = "&<" * 5000
    messages = render_reply(Reply(text))
    assert "".join(parse_html(m.html) for m in messages) == text


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab <>&\"'\n é👍"), max_size=400),
    limit=st.integers(min_value=20, max_value=120),
)
def test_every_part_is_valid_html_within_the_limit(text: str, limit: int) -> None:
    if not text.strip():
        text = "x"
    for message in render_reply(Reply(text, title="T"), limit=limit):
        assert len(message.html.encode("utf-16-le")) // 2 <= limit
        parse_html(message.html)
