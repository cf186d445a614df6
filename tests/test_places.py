"""The places file (bot/knowledge/places.py): loading with file:line, choosing, opening status."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.knowledge.communes import Communes, default_communes
from bot.knowledge.holder import Knowledge
from bot.knowledge.kb import KnowledgeBase, load_knowledge
from bot.knowledge.lint import LintOptions, check_folder
from bot.knowledge.places import (
    PLACES_FILE,
    Places,
    answer_for,
    opening_status,
    read_places,
    render_place,
)
from bot.knowledge.yamlfile import KnowledgeError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "lieux.example.yaml"
PARIS = ZoneInfo("Europe/Paris")
# Friday 4 December 2026.
FRIDAY_10H = dt.datetime(2026, 12, 4, 10, 0, tzinfo=PARIS)
FRIDAY_18H = dt.datetime(2026, 12, 4, 18, 0, tzinfo=PARIS)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="module")
def communes() -> Communes:
    return default_communes()


@pytest.fixture(scope="module")
def example(kb: KnowledgeBase, communes: Communes) -> Places:
    return read_places(EXAMPLE, kb, communes)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / PLACES_FILE
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path, kb: KnowledgeBase, communes: Communes) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        read_places(path, kb, communes)
    return [str(p) for p in caught.value.problems]


GOOD = """\
places:
  - id: lieu-a
    name: "Lieu A"
    kind: ccas
    address: "1 rue de l'Exemple"
    phone: "01 99 00 00 01"
    hours:
      lundi: "09:00-12:00"
    serves:
      communes: ["56165"]
"""


def test_the_example_file_loads_and_is_fictitious(example: Places) -> None:
    assert [p.id for p in example.places] == [
        "france-services-exemple",
        "ccas-exemple",
        "epn-exemple",
    ]
    for place in example.places:
        assert "Exemple" in place.address
        assert place.phone.startswith("01 99 00 ")  # the range kept for fiction


def test_phone_is_shown_in_pairs_and_dialled_in_international_form(
    kb: KnowledgeBase, communes: Communes, tmp_path: Path
) -> None:
    for written in ("01 99 00 00 01", "0199000001", "01.99.00.00.01", "+33 1 99 00 00 01"):
        path = _write(tmp_path, GOOD.replace('"01 99 00 00 01"', f'"{written}"'))
        place = read_places(path, kb, communes).places[0]
        assert (place.phone, place.phone_number) == ("01 99 00 00 01", "+33199000001")
    path = _write(tmp_path, GOOD.replace('"01 99 00 00 01"', '"3919"'))
    assert read_places(path, kb, communes).places[0].phone_number == "3919"


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (('communes: ["56165"]', 'communes: ["99999"]'), 10, "code commune « 99999 » inconnu"),
        (('communes: ["56165"]', "communes: [Plormel]"), 10, "vouliez-vous dire Ploërmel"),
        (('communes: ["56165"]', "communes: [Saint-Denis]"), 10, "plusieurs communes"),
        (('communes: ["56165"]', 'epci: ["123456789"]'), 10, "code EPCI « 123456789 » inconnu"),
        (('communes: ["56165"]', 'departements: ["99"]'), 10, "département « 99 » inconnu"),
        (('communes: ["56165"]', "communes: []"), 9, "ce lieu ne sert personne"),
        (('lundi: "09:00-12:00"', 'lundi: "9h-midi"'), 8, "n'est pas une plage horaire"),
        (('lundi: "09:00-12:00"', 'lundy: "09:00-12:00"'), 8, "jour « lundy » inconnu"),
        (('"01 99 00 00 01"', '"06 12 34"'), 6, "n'est pas un numéro français"),
        (('"01 99 00 00 01"', '"+44 20 7946 0000"'), 6, "n'est pas un numéro français"),
        (("kind: ccas", "kind: mairie-annexe"), 4, "kind « mairie-annexe » inconnu"),
        (("kind: ccas", "kind: ccas\n    link: http://exemple.invalid"), 5, "https://"),
        (("kind: ccas", "kind: ccas\n    helps_with: [caf, fiche-inconnue]"), 5, "fiche-inconnue"),
        (("kind: ccas", "kind: ccas\n    horaires: oui"), 5, "clé « horaires » inconnue"),
        (("kind: ccas", "kind: ccas\n    email: pas-un-mail"), 5, "e-mail"),
        (("id: lieu-a", "id: Lieu A"), 2, "identifiant 'Lieu A'"),
        (('    address: "1 rue de l\'Exemple"\n', ""), 2, "address: manque"),
    ],
)
def test_mistakes_are_refused_with_file_and_line(
    kb: KnowledgeBase,
    communes: Communes,
    tmp_path: Path,
    change: tuple[str, str],
    line: int,
    words: str,
) -> None:
    assert change[0] in GOOD
    path = _write(tmp_path, GOOD.replace(change[0], change[1]))
    problems = _problems(path, kb, communes)
    assert any(p.startswith(f"{path}:{line}: ") and words in p for p in problems), problems


def test_a_duplicate_id_is_refused(kb: KnowledgeBase, communes: Communes, tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + GOOD.removeprefix("places:\n"))
    assert any(":11: " in p and "existe déjà" in p for p in _problems(path, kb, communes))


def test_a_file_without_places_is_refused(
    kb: KnowledgeBase, communes: Communes, tmp_path: Path
) -> None:
    path = _write(tmp_path, "lieux:\n  - id: x\n")
    assert _problems(path, kb, communes) == [
        f"{path}:1: le fichier doit contenir places: (voir lieux.example.yaml)"
    ]


def test_places_for_the_commune_and_topic_best_first(example: Places, communes: Communes) -> None:
    ploermel = communes.get("56165")
    assert ploermel is not None
    # The CCAS names Ploërmel, France Services its EPCI, the EPN the whole département.
    anything = [m.place.id for m in example.places_for(ploermel, None, FRIDAY_10H)]
    assert anything == ["ccas-exemple", "france-services-exemple", "epn-exemple"]
    assert [m.place.id for m in example.places_for(ploermel, "caf", FRIDAY_10H)] == [
        "france-services-exemple"
    ]
    # An entry of the theme « pratique » finds the EPN through its theme.
    assert [m.place.id for m in example.places_for(ploermel, "ouvrir-pdf", FRIDAY_10H)] == [
        "epn-exemple"
    ]
    vannes = communes.get("56260")
    assert vannes is not None
    assert [m.place.id for m in example.places_for(vannes, None, FRIDAY_10H)] == ["epn-exemple"]
    paris = communes.get("75056")
    assert paris is not None
    assert example.places_for(paris, None, FRIDAY_10H) == []


def test_open_places_come_before_closed_ones_at_the_same_distance(
    kb: KnowledgeBase, communes: Communes, tmp_path: Path
) -> None:
    text = GOOD + GOOD.removeprefix("places:\n").replace("lieu-a", "lieu-b").replace(
        "lundi", "vendredi"
    )
    places = read_places(_write(tmp_path, text), kb, communes)
    ploermel = communes.get("56165")
    assert ploermel is not None
    assert [m.place.id for m in places.places_for(ploermel, None, FRIDAY_10H)] == [
        "lieu-b",
        "lieu-a",
    ]


def test_opening_status_says_until_when_or_when_it_opens(example: Places) -> None:
    hours = example.places[0].hours  # France Services: lundi-vendredi, closed at Christmas
    assert opening_status(hours, FRIDAY_10H) == "ouvert maintenant, jusqu'à 12 h"
    at_noon = FRIDAY_10H.replace(hour=12, minute=30)
    assert opening_status(hours, at_noon) == "fermé maintenant, ouvre aujourd'hui à 13 h 30"
    assert opening_status(hours, FRIDAY_18H) == "fermé maintenant, ouvre lundi à 9 h"
    thursday_evening = dt.datetime(2026, 12, 3, 18, 0, tzinfo=PARIS)
    assert opening_status(hours, thursday_evening) == "fermé maintenant, ouvre demain à 9 h"
    christmas_eve = dt.datetime(2026, 12, 23, 18, 0, tzinfo=PARIS)
    assert opening_status(hours, christmas_eve) == (
        "fermé maintenant, ouvre le lundi 4 janvier à 9 h"
    )


def test_a_place_without_hours_says_to_call(
    kb: KnowledgeBase, communes: Communes, tmp_path: Path
) -> None:
    text = GOOD.replace('    hours:\n      lundi: "09:00-12:00"\n', "")
    place = read_places(_write(tmp_path, text), kb, communes).places[0]
    assert opening_status(place.hours, FRIDAY_10H) == (
        "horaires non connus : appelez avant d'y aller"
    )


def test_render_place_says_what_where_phone_and_when(example: Places) -> None:
    text = render_place(example.places[0], FRIDAY_18H)
    assert text.splitlines() == [
        "📍 France Services de l'Exemple (fictif)",
        "Des agents vous aident pour la CAF, les impôts, France Travail et vos papiers. "
        "C'est gratuit.",
        "Adresse : 1 rue de l'Exemple, 56800 Ploërmel",
        "☎️ 01 99 00 00 01",
        "🕘 Fermé maintenant, ouvre lundi à 9 h.",
        "♿ De plain-pied, accessible en fauteuil roulant.",
        "✉️ contact@exemple.invalid",
    ]


def test_render_place_without_what_says_the_kind(example: Places) -> None:
    epn = example.get("epn-exemple")
    assert epn is not None
    plain = render_place(epn.__class__(**{**epn.__dict__, "what": ""}), FRIDAY_10H)
    assert "Espace public numérique" in plain.splitlines()[1]


def test_answer_for_a_sentence_with_one_commune(example: Places) -> None:
    answer = answer_for(
        "il y a un endroit pour imprimer à Ploërmel ?",
        example,
        FRIDAY_10H,
        topic="scanner-document",
    )
    assert answer.commune is not None and answer.commune.code == "56165"
    assert [m.place.id for m in answer.places] == ["epn-exemple"]


def test_answer_for_an_ambiguous_name_offers_communes_and_no_place(example: Places) -> None:
    answer = answer_for("Saint-Denis", example, FRIDAY_10H)
    assert answer.commune is None
    assert len(answer.communes) == 4
    assert answer.places == ()


def test_answer_for_a_chosen_code_and_for_no_commune(example: Places) -> None:
    assert answer_for("56165", example, FRIDAY_10H).commune is not None
    assert answer_for("56249", example, FRIDAY_10H).commune.name == "Taupont"  # type: ignore[union-attr]
    nothing = answer_for("où aller pour qu'on m'aide", example, FRIDAY_10H)
    assert nothing.communes == () and nothing.places == ()


def test_without_places_the_commune_is_still_understood(communes: Communes) -> None:
    answer = answer_for("Ploërmel", None, FRIDAY_10H, communes=communes)
    assert answer.commune is not None and answer.places == ()


def _folder_with(tmp_path: Path, places: str | None) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    if places is not None:
        (folder / PLACES_FILE).write_text(places, encoding="utf-8")
    return folder


def test_knowledge_loads_places_only_when_the_file_exists(tmp_path: Path) -> None:
    assert Knowledge.load(_folder_with(tmp_path / "a", None)).places is None
    example = EXAMPLE.read_text(encoding="utf-8")
    loaded = Knowledge.load(_folder_with(tmp_path / "b", example)).places
    assert loaded is not None and len(loaded.places) == 3


def test_kb_check_reports_a_bad_places_file_with_file_and_line(tmp_path: Path) -> None:
    folder = _folder_with(tmp_path, GOOD.replace('"01 99 00 00 01"', '"12345"'))
    problems = check_folder(folder, LintOptions(today=dt.date(2026, 12, 4)))
    assert [p.line for p in problems if p.path.endswith(PLACES_FILE)] == [6]
    assert Knowledge is not None
    with pytest.raises(KnowledgeError):
        Knowledge.load(folder)


def test_ask_json_reports_the_commune_and_the_places(tmp_path: Path) -> None:
    from bot.__main__ import ask  # the command line, as coordinators and scripts run it

    def asked(folder: Path, message: str) -> dict[str, object]:
        out = io.StringIO()
        assert ask(folder, message, as_json=True, out=out) == 0
        return json.loads(out.getvalue())

    with_places = _folder_with(tmp_path / "a", EXAMPLE.read_text(encoding="utf-8"))
    found = asked(with_places, "où aller pour qu'on m'aide à Ploërmel")
    assert (found["kind"], found["nearby"], found["commune"]) == ("nearby", "places", "56165")
    assert found["places"] == ["ccas-exemple", "france-services-exemple", "epn-exemple"]
    assert asked(with_places, "Saint-Denis, où aller pour qu'on m'aide")["communes"] == [
        "97411",
        "93066",
        "11339",
        "30247",
    ]
    assert "commune" not in asked(with_places, "comment je m'actualise sur france travail")
    finder = asked(_folder_with(tmp_path / "b", None), "où aller pour qu'on m'aide")
    assert (finder["nearby"], finder["entry"], finder["places"]) == (
        "finder",
        "aide-france-services",
        [],
    )
