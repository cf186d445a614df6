"""Reading a request for a place and the commune in it (bot/knowledge/nearby.py)."""

from __future__ import annotations

import pytest

from bot.knowledge.communes import Communes, default_communes
from bot.knowledge.nearby import Request, asks_for_a_place, communes_in, topic_words


@pytest.fixture(scope="module")
def communes() -> Communes:
    return default_communes()


@pytest.mark.parametrize(
    "message",
    [
        "où aller pour qu'on m'aide",
        "ou aller pour qu on m aide",
        "france services à côté de chez moi",
        "il y a un endroit pour imprimer à Ploërmel ?",
        "un lieu pour scanner pres de chez moi",
        "ou je peux aller pour faire mes papiers",
        "quel endroit pour faire mes papiers a rennes",
        "y a t il un lieu d'aide dans ma ville",
        "ou se trouve la caf la plus proche",
    ],
)
def test_requests_for_a_place_are_recognised(message: str) -> None:
    assert asks_for_a_place(message) is Request.WHERE


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("france services ploermel", Request.KIND),
        ("c'est quoi france services", Request.KIND),  # a request only with a commune
        ("comment aller sur mon compte ameli", None),
        ("le lieu de naissance sur le formulaire", None),
        ("je veux aller sur le site de la caf", None),
        ("comment je m'actualise sur france travail", None),
    ],
)
def test_other_messages_are_not_requests(message: str, expected: Request | None) -> None:
    assert asks_for_a_place(message) is expected


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Ploërmel", "56165"),
        ("ploermel", "56165"),
        ("ploermell", "56165"),  # a typo
        ("56800 ploermel", "56165"),
        ("au havre", "76351"),  # « Le Havre »
        ("st malo", "35288"),
        ("cherbourg", "50129"),  # short for Cherbourg-en-Cotentin
        ("13001", "13055"),  # a postcode of Marseille, not the code INSEE of Aix
        ("j'habite à Vannes", "56260"),
    ],
)
def test_a_commune_is_read_as_people_write_it(communes: Communes, written: str, code: str) -> None:
    assert communes_in(written, communes)[0].code == code


@pytest.mark.parametrize(
    "message", ["j'ai pas compris", "non merci", "c est ou", "zzkwx", "je suis perdu"]
)
def test_words_that_only_look_like_a_commune_are_none(communes: Communes, message: str) -> None:
    assert communes_in(message, communes) == []


def test_without_typos_only_the_name_as_it_is(communes: Communes) -> None:
    assert communes_in("cest quoi france services", communes, typos=False) == []
    assert communes_in("maison de service public", communes, typos=False) == []
    assert [c.code for c in communes_in("france services ploermel", communes, typos=False)] == [
        "56165"
    ]


def test_the_topic_is_what_is_left_without_the_request_and_the_commune(
    communes: Communes,
) -> None:
    [ploermel] = communes_in("Ploërmel", communes)
    assert topic_words("il y a un endroit pour imprimer à Ploërmel ?", ploermel) == (
        "un pour imprimer a"
    )
    assert topic_words("où aller pour qu'on m'aide") == "pour"
