"""Secrets and scams the way people paste them, on messages written blind by a helper.

``tests/data/material/secrets_scams.yaml`` was written by someone who had seen neither the
detectors nor the evaluation sets (2026-12-03). Its secrets tuned the secret guard: floors
here keep what was reached. Its scams and genuine messages also teach the scam model
(``knowledge/exemples-arnaques.yaml``), so they are not a measure of it: the held-out set is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.knowledge.yamlfile import KnowledgeError
from bot.safety import SafetyRules, find_sensitive, load_safety
from bot.safety.scam_model import load_scam_examples

ROOT = Path(__file__).resolve().parent.parent
MATERIAL = yaml.safe_load(
    (ROOT / "tests" / "data" / "material" / "secrets_scams.yaml").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def rules() -> SafetyRules:
    return load_safety(ROOT / "knowledge")


def test_pasted_secrets_are_found_the_way_people_paste_them() -> None:
    found = sum(bool(find_sensitive(item["text"])) for item in MATERIAL["secrets"])
    rate = found / len(MATERIAL["secrets"])
    print(f"\nsecrets found on the blind material: {found}/{len(MATERIAL['secrets'])}")
    assert rate >= 0.92  # 229 of 247 found on 2026-12-03 (session 3)


def test_numbers_that_are_no_secret_are_left_alone() -> None:
    flagged = [i["text"] for i in MATERIAL["not_secrets"] if find_sensitive(i["text"])]
    assert flagged == []


def test_no_genuine_message_is_called_a_scam(rules: SafetyRules) -> None:
    called = [
        item["text"]
        for item in MATERIAL["genuine"]
        if (verdict := rules.check_scam(item["text"])) is not None and verdict.suspicious
    ]
    assert called == []


@pytest.mark.parametrize(
    ("story", "entry"),
    [
        # Written for this test, in words no example uses.
        (
            "un gars qui dit etre de ma banque veut que je confirme le virement dans mon appli "
            "pour le bloquer",
            "arnaque-faux-conseiller",
        ),
        (
            "on me propose un job ou je recois des paquets chez moi et je les renvoie a "
            "l etranger, paye 300 par semaine",
            "arnaque-emploi",
        ),
    ],
)
def test_a_scam_told_without_any_listed_sign_is_recognised(
    rules: SafetyRules, story: str, entry: str
) -> None:
    verdict = rules.check_scam(story)
    assert verdict is not None and verdict.suspicious
    assert verdict.entry_id == entry


def test_a_link_to_a_site_we_do_not_know_is_not_a_scam_alone(rules: SafetyRules) -> None:
    verdict = rules.check_scam(
        "Rappel de votre rendez-vous demain à 9h. Pour annuler : doctolib.fr"
    )
    assert verdict is None or not verdict.suspicious


def test_a_coordinator_mistake_in_the_scam_examples_is_shown_with_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "exemples-arnaques.yaml"
    path.write_text(
        'scams:\n  - {text: "payez 1,99 pour le colis"}\ngenuine:\n  - {text: "bonjour"}\n',
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError) as error:
        load_scam_examples(path)
    assert "exemples-arnaques.yaml:2" in str(error.value) and "entry" in str(error.value)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # Written for this test: a card typed with its expiry date and code behind.
        ("ma cb 4532 7781 0090 1234 10/28 321 c bon ?", "carte-bancaire"),
        ("le numero 5 1 3 2 8 3 0 0 1 2 3 4 5 6 7 8 pour payer", "carte-bancaire"),
        # The code of an account is its password; a code received by SMS is a code.
        ("mon code impots c 708214", "mot-de-passe"),
        ("le code recu par sms c 708214", "code"),
    ],
)
def test_cards_and_account_codes_the_way_people_type_them(text: str, category: str) -> None:
    assert [f.category for f in find_sensitive(text)] == [category]
