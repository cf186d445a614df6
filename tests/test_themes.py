"""A word or two naming an organisation or a topic gets the theme's menu."""

from pathlib import Path

import pytest

from bot.knowledge.decision import decide
from bot.knowledge.holder import Knowledge
from bot.knowledge.kb import Theme
from bot.knowledge.normalize import Lexicon
from bot.knowledge.themes import ThemeNames

ROOT = Path(__file__).resolve().parents[1]

NAMES = ThemeNames.build(
    [
        Theme("caf", "CAF", words=("allocations", "allocs")),
        Theme("france-travail", "France Travail", words=("emploi",)),
        Theme("impots", "Impôts", words=("taxes",)),
    ]
)


@pytest.mark.parametrize(
    ("normalised", "theme"),
    [
        ("caf", "caf"),
        ("la caf", "caf"),
        ("probleme caf s il vous plait", "caf"),
        ("allocations caf", "caf"),
        ("france travail", "france-travail"),
        ("emploi", "france-travail"),
        ("impots", "impots"),
    ],
)
def test_a_theme_name_alone_gets_its_theme(normalised: str, theme: str):
    assert NAMES.theme_of(normalised) == theme


@pytest.mark.parametrize(
    "normalised",
    [
        "trop percu caf",  # a precise need: the entry
        "allocs coupees",
        "c quoi la caf",  # a question
        "caf impots",  # two themes
        "",
        "bonjour",
        "caf caf caf caf caf",
    ],
)
def test_a_need_a_question_or_two_themes_is_not_a_theme(normalised: str):
    assert NAMES.theme_of(normalised) is None


def test_theme_names_are_normalised_like_messages():
    names = ThemeNames.build(
        [Theme("emploi", "Emploi", words=("Pôle-Emploi",))],
        Lexicon({"pole emploi": "france travail"}),
    )
    # "pole emploi ?" typed by a person reaches theme_of as "france travail".
    assert names.theme_of("france travail") == "emploi"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return Knowledge.load(ROOT / "knowledge")


@pytest.mark.parametrize(
    ("message", "theme"),
    [
        ("caf", "caf"),
        ("pole emploi ?", "france-travail"),
        ("impots", "impots"),
        ("papiers", "papiers"),
        ("logement", "logement"),
    ],
)
def test_short_queries_get_the_theme_decision(knowledge: Knowledge, message: str, theme: str):
    d = decide(knowledge, message)
    assert (d.kind, d.theme, d.entry) == ("theme", theme, None)
    assert d.as_json()["theme"] == theme


@pytest.mark.parametrize(
    ("message", "entry"),
    [("trop percu caf", "caf-trop-percu"), ("allocs coupées", "caf-paiement")],
)
def test_two_words_naming_a_precise_need_go_to_the_entry(
    knowledge: Knowledge, message: str, entry: str
):
    d = decide(knowledge, message)
    assert (d.kind, d.entry, d.theme) == ("answer", entry, None)
