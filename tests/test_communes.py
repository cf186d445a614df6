"""Finding a commune in what a person types (bot/knowledge/communes.py), on the real data."""

from __future__ import annotations

import pytest

from bot.knowledge.communes import Communes, _keys, default_communes, name_key


@pytest.fixture(scope="module")
def communes() -> Communes:
    return default_communes()


def _codes(communes: Communes, text: str) -> list[str]:
    return [c.code for c in communes.find(text)]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ploërmel", "56165"),
        ("ploermel", "56165"),
        ("PLOERMEL", "56165"),
        ("  Ploërmel.  ", "56165"),
        ("56800 Ploërmel", "56165"),
        ("il y a un endroit pour imprimer à Ploërmel ?", "56165"),
        ("il y a un endroit pour imprimer a ploermel", "56165"),
        ("france services ploermel", "56165"),
        ("St-Malo", "35288"),
        ("saint malo", "35288"),
        ("ST MALO", "35288"),
        ("Ste Foy les Lyon", "69202"),
        ("sainte-foy-lès-lyon", "69202"),
        ("Le Havre", "76351"),
        ("j'habite au havre", "76351"),
        ("havre", "76351"),
        ("Marseille", "13055"),
        ("Paris 15e", "75056"),
        ("75015", "75056"),
        ("Lyon 3e", "69123"),
        ("grenoble", "38185"),
        ("l'isle sur la sorgue", "84054"),
        ("isle sur la sorgue", "84054"),
        ("Aix en Provence", "13001"),
        ("aix-en-provence", "13001"),
        ("je cherche une france services à Vannes", "56260"),
        ("Cherbourg", "50129"),
        ("Saint-Étienne", "42218"),
        ("st etienne", "42218"),
        ("Bourg en Bresse", "01053"),
        ("les sables d'olonne", "85194"),
        ("sables d olonne", "85194"),
        ("Ajaccio", "2A004"),
        ("j habite pres de rennes", "35238"),
        ("je vis à st brieuc", "22278"),
        ("mairie de quimper", "29232"),
        ("Neuilly sur Seine", "92051"),
        ("besoin d'aide pour la caf à Pau", "64445"),
        ("je suis à Orange", "84087"),
        ("orange", "84087"),
        ("Bellegarde-sur-Valserine", "01033"),  # a former name: now Valserhône
        ("saint denis 93", "93066"),
    ],
)
def test_finds_the_commune_first(communes: Communes, text: str, code: str) -> None:
    assert _codes(communes, text)[:1] == [code]


@pytest.mark.parametrize(
    ("typo", "code"),
    [
        ("plormel", "56165"),
        ("ploermell", "56165"),
        ("marseile", "13055"),
        ("grenble", "38185"),
        ("saint etiene", "42218"),
        ("vanes", "56260"),
        ("bordeau", "33063"),
        ("je vais a ploermelle", "56165"),
    ],
)
def test_tolerates_typos(communes: Communes, typo: str, code: str) -> None:
    assert code in _codes(communes, typo)


@pytest.mark.parametrize("text", ["Saint-Denis", "st denis", "saint-denis"])
def test_a_shared_name_gives_each_commune_biggest_first(communes: Communes, text: str) -> None:
    assert _codes(communes, text) == ["97411", "93066", "11339", "30247"]


def test_several_matches_are_a_handful_at_most(communes: Communes) -> None:
    assert len(communes.find("Saint-Pierre")) == 5
    assert len(communes.find("56800")) == 5
    assert len(communes.find("Sainte-Colombe", limit=3)) == 3


def test_a_short_name_also_offers_the_bigger_towns_it_starts(communes: Communes) -> None:
    found = _codes(communes, "Neuilly")
    assert found[:2] == ["27429", "58191"] or set(found[:2]) == {"27429", "58191"}
    assert "92051" in found  # Neuilly-sur-Seine
    assert _codes(communes, "boulogne")[:2] == ["92012", "62160"]


@pytest.mark.parametrize(
    "text",
    [
        "où aller pour qu'on m'aide",
        "france services à côté de chez moi",
        "un faux message de la caf",
        "j'ai reçu un faux sms",
        "mon mot de passe a changé",
        "il y a un problème sur la ligne",
        "je veux changer mon forfait orange",
        "",
        "   ",
    ],
)
def test_everyday_words_are_not_communes(communes: Communes, text: str) -> None:
    assert communes.find(text) == []


def test_a_postcode_and_a_name_together_pick_one(communes: Communes) -> None:
    assert _codes(communes, "Taupont 56800") == ["56249"]
    assert _codes(communes, "56 800") == _codes(communes, "56800")


def test_commune_fields_and_label(communes: Communes) -> None:
    ploermel = communes.get("56165")
    assert ploermel is not None
    assert ploermel.name == "Ploërmel"
    assert ploermel.postcodes == ("56800",)
    assert ploermel.departement == "56"
    assert ploermel.epci == "200066777"
    assert communes.epci_name("200066777") == "CC Ploërmel Communauté"
    assert communes.get("2a004") is not None
    assert ploermel.label == "Ploërmel (56)"
    assert communes.version == "6.0.0"


def test_named_is_exact_for_the_places_file(communes: Communes) -> None:
    assert [c.code for c in communes.named("ploermel")] == ["56165"]
    assert communes.named("plormel") == []
    assert len(communes.named("Saint-Denis")) == 4


def test_bulk_folding_is_the_same_as_name_key(communes: Communes) -> None:
    names = [n for c in communes.communes for n in (c.name, *c.former_names)]
    assert _keys(names) == [name_key(n) for n in names]
