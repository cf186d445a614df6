"""The safety layer on realistic messages: crises, secrets typed by mistake, pasted scams.

The three data sets in ``bot/safety/regression_sets/`` are the contract: every crisis found
with the right helpline, no idiom flagged, every secret found and masked, no official notice
called a scam. Run with ``-s`` to see recall and false alarms per category.
"""

from __future__ import annotations

import re
import socket
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.domain.messages import Phone
from bot.safety import (
    CrisisCategory,
    Level,
    SafetyRules,
    ScamVerdict,
    SensitiveFinding,
    find_sensitive,
    load_safety,
    mask_sensitive,
)
from bot.safety.crisis import VERIFIED_NUMBERS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bot" / "safety" / "regression_sets"
KEY_NUMBERS = {
    "suicide": {"3114"},
    "violences-conjugales": {"3919", "17"},
    "enfance-danger": {"119"},
    "urgence-medicale": {"15", "112"},
    "sans-abri": {"115"},
    "sourd-114": {"114"},
}
CRISIS_IDS = (
    "suicide",
    "violences-conjugales",
    "enfance-danger",
    "urgence-medicale",
    "sans-abri",
    "sourd-114",
)
SCAM_ENTRIES = {
    "arnaque-whatsapp-code",
    "arnaque-carte-vitale",
    "arnaque-colis",
    "arnaque-cpf",
    "arnaque-amende",
    "arnaque-message-suspect",
    "ants-faux-sites",
    "arnaque-emploi",
    "arnaque-faux-conseiller",
}


def _data(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def _compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


@pytest.fixture(scope="module")
def rules() -> SafetyRules:
    return load_safety(ROOT / "knowledge")


# -- crises --------------------------------------------------------------------------------


def test_crisis_set_is_big_enough_and_covers_every_category() -> None:
    data = _data("crises.yaml")
    counts = Counter(case["category"] for case in data["crises"])
    assert len(data["crises"]) >= 60
    assert len(data["not_crisis"]) >= 20
    assert set(counts) == set(CRISIS_IDS)
    assert min(counts.values()) >= 8


def test_every_crisis_message_gets_its_helpline(rules: SafetyRules) -> None:
    data = _data("crises.yaml")
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    wrong: Counter[str] = Counter()  # flagged as this category but belonged to another
    misses = []
    for case in data["crises"]:
        expected = case["category"]
        total[expected] += 1
        alert = rules.assess_crisis(case["text"])
        got = alert.category if alert is not None else None
        # Right when the person reads the number of their situation: the whole reply (sure)
        # or the warm line under the answer (check).
        numbers = {p.number for p in got.phones} if got is not None else set()
        if alert is not None and alert.level is Level.CHECK:
            numbers = {n for n in numbers if n in got.gentle.replace(" ", "")}
        if numbers & KEY_NUMBERS[expected]:
            found[expected] += 1
        else:
            misses.append((case["text"], expected, got.id if got else None))
            if got is not None:
                wrong[got.id] += 1
    idiom_alarms: Counter[str] = Counter()
    for text in data["not_crisis"]:
        got = rules.detect_crisis(text)
        if got is not None:
            idiom_alarms[got.id] += 1
    print("\ncrise                  rappel        fausses alertes (idiomes)  mauvaise catégorie")
    for cid in CRISIS_IDS:
        recall = found[cid] / total[cid]
        print(
            f"{cid:22} {found[cid]:3}/{total[cid]:<3} {recall:6.0%}   "
            f"{idiom_alarms[cid]:3}/{len(data['not_crisis'])}"
            f"                   {wrong[cid]}"
        )
    assert misses == []


def test_no_idiom_is_taken_for_a_crisis(rules: SafetyRules) -> None:
    flagged = [t for t in _data("crises.yaml")["not_crisis"] if rules.detect_crisis(t)]
    assert flagged == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ça sert à rien de vivre", "suicide"),
        ("jveux en finir", "suicide"),
        ("il m'a encore tapé", "violences-conjugales"),
        ("mon mari me frappe", "violences-conjugales"),
        ("je dors dans ma voiture avec les enfants", "sans-abri"),
        ("on m'a mis dehors je sais pas ou dormir ce soir", "sans-abri"),
        ("mon copain me menace", "violences-conjugales"),
        ("le bebe respire mal", "urgence-medicale"),
        ("ma fille se fait taper par son beau pere", "enfance-danger"),
    ],
)
def test_the_examples_of_the_brief(rules: SafetyRules, text: str, expected: str) -> None:
    found = rules.detect_crisis(text)
    assert found is not None
    assert found.id == expected


def test_a_crisis_inside_a_long_everyday_message_is_still_found(rules: SafetyRules) -> None:
    filler = "Bonjour, je n'arrive pas à me connecter à mon compte caf depuis lundi. " * 50
    found = rules.detect_crisis(filler + "Franchement j'ai envie de mourir. " + filler)
    assert found is not None
    assert found.id == "suicide"


def test_an_idiom_does_not_hide_a_real_crisis_in_the_same_message(rules: SafetyRules) -> None:
    found = rules.detect_crisis("mdr je suis mort de rire... non en vrai il me frappe")
    assert found is not None
    assert found.id == "violences-conjugales"


@pytest.mark.parametrize(
    "text",
    [
        "il y a dix ans j'ai fait une tentative de suicide, aujourd'hui je vais bien",
        "j'ai vu un reportage à la télé sur les femmes battues",
        "je fais un exposé sur le 115 pour mon cap",
    ],
)
def test_a_story_told_from_a_distance_gets_a_warm_line_not_a_takeover(
    rules: SafetyRules, text: str
) -> None:
    """The person asked something: the answer comes, with the number in one warm line."""
    alert = rules.assess_crisis(text)
    assert alert is not None and alert.level == "check"


@pytest.mark.parametrize(
    ("text", "number"),
    [("le vide m'appelle", "3114"), ("je marche sur des oeufs à la maison", "3919")],
)
def test_words_that_may_say_a_crisis_get_the_warm_line_with_its_number(
    rules: SafetyRules, text: str, number: str
) -> None:
    alert = rules.assess_crisis(text)
    assert alert is not None and alert.level == "check"
    assert number in alert.category.gentle


def test_a_crisis_happening_now_is_not_softened_by_the_word_depuis(rules: SafetyRules) -> None:
    alert = rules.assess_crisis("depuis deux ans mon mari me frappe tous les soirs")
    assert alert is not None and alert.level == "sure"


def test_a_child_put_out_at_night_gets_the_119_with_the_115(rules: SafetyRules) -> None:
    alert = rules.assess_crisis("ma mere ma mis dehors jai 14 ans il fait nuit")
    assert alert is not None and alert.level == "sure"
    numbers = {p.number for p in alert.category.phones}
    numbers |= {p.number for p in alert.also.phones} if alert.also else set()
    assert {"115", "119"} <= numbers


def test_nothing_is_detected_in_an_empty_message(rules: SafetyRules) -> None:
    assert rules.detect_crisis("") is None
    assert rules.detect_crisis("   ") is None


# Numbers each answer must give, in this order of importance (kb-facts.md, section 15).
EXPECTED_PHONES = {
    "suicide": ("3114", "15", "112"),
    "violences-conjugales": ("17", "3919", "112", "114"),
    "enfance-danger": ("119",),
    "urgence-medicale": ("15", "112"),
    "sans-abri": ("115",),
    "sourd-114": ("114",),
}


@pytest.mark.parametrize("cid", CRISIS_IDS)
def test_each_crisis_answer_gives_the_right_numbers_first(rules: SafetyRules, cid: str) -> None:
    category = next(c for c in rules.crises if c.id == cid)
    numbers = tuple(p.number for p in category.phones)
    expected = EXPECTED_PHONES[cid]
    assert numbers[: len(expected)] == expected or set(expected) <= set(numbers)
    assert numbers[0] == expected[0]
    assert all(isinstance(p, Phone) and p.label for p in category.phones)
    assert set(numbers) <= VERIFIED_NUMBERS


def as_read(category: CrisisCategory) -> str:
    """What the person reads: title, message, then one line per number (as rendered)."""
    lines = [category.title, category.message.strip()]
    lines += [f"☎️ {p.label} — {p.note}" for p in category.phones]
    return "\n".join(lines)


@pytest.mark.parametrize("cid", CRISIS_IDS)
def test_each_crisis_reply_is_short_warm_and_gives_each_number_once(
    rules: SafetyRules, cid: str
) -> None:
    """Under 350 characters on a small screen; a number said twice is a number read twice.

    The way to a person is added by the conversation, and only when a team is connected:
    the crisis text itself never promises « notre équipe »."""
    category = next(c for c in rules.crises if c.id == cid)
    assert isinstance(category, CrisisCategory)
    read = as_read(category)
    assert len(read) < 350, read
    assert "<" not in category.message
    assert "équipe" not in read
    assert " vous " in f" {category.message.lower()} "
    assert " tu " not in f" {category.message.lower()} "
    for phone in category.phones:
        said = re.findall(rf"(?<!\d){phone.number}(?!\d)", read.replace(" ", ""))
        assert len(said) == 1, (phone.number, read)
    assert category.gentle
    assert any(p.number in category.gentle.replace(" ", "") for p in category.phones)


def test_helplines_say_what_kb_facts_says(rules: SafetyRules) -> None:
    by_id = {c.id: as_read(c) for c in rules.crises}
    assert "gratuit et confidentiel" in by_id["suicide"]
    assert "gratuit et anonyme" in by_id["violences-conjugales"]
    assert "pas un numéro d'urgence" in by_id["violences-conjugales"]
    assert "SMS" in by_id["violences-conjugales"]
    assert "relevé" in by_id["enfance-danger"]
    assert "rappelez" in by_id["sans-abri"]
    assert "langue des signes" in by_id["sourd-114"]


# -- sensitive data ------------------------------------------------------------------------


def test_sensitive_set_is_big_enough() -> None:
    cases = _data("sensitive.yaml")["cases"]
    assert len(cases) >= 30
    categories = {c for case in cases for c in case["expect"]}
    assert categories == {
        "mot-de-passe",
        "code",
        "nir",
        "iban",
        "rib",
        "carte-bancaire",
        "piece-identite",
    }


def test_every_secret_is_found_and_nothing_else() -> None:
    cases = _data("sensitive.yaml")["cases"]
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    extra: Counter[str] = Counter()
    failures = []
    for case in cases:
        text = case["text"]
        findings = find_sensitive(text)
        got = [f.category for f in findings]
        spans = [text[f.start : f.end] for f in findings]
        for category in case["expect"]:
            expected[category] += 1
        for category in got:
            if category in case["expect"]:
                found[category] += 1
            else:
                extra[category] += 1
        if got != case["expect"] or ("secrets" in case and spans != case["secrets"]):
            failures.append((text, got, spans))
    print("\ndonnée sensible   trouvées   en trop")
    for category in sorted(expected):
        print(f"{category:16} {found[category]:3}/{expected[category]:<3}   {extra[category]:3}")
    assert failures == []


def test_mask_never_leaves_a_full_secret_in_the_text() -> None:
    for case in _data("sensitive.yaml")["cases"]:
        text = case["text"]
        findings = find_sensitive(text)
        masked = mask_sensitive(text, findings)
        assert mask_sensitive(text) == masked
        for finding in findings:
            secret = _compact(text[finding.start : finding.end])
            assert secret not in _compact(masked), (text, masked)


def test_mask_keeps_a_little_context_people_recognise() -> None:
    iban = "mon IBAN est FR76 3000 6000 0112 3456 7890 189 merci"
    assert mask_sensitive(iban) == "mon IBAN est FR76 •••• •••• 0189 merci"
    card = "carte 4111 1111 1111 1111 exp 12/27"
    assert mask_sensitive(card) == "carte •••• •••• •••• 1111 exp 12/27"
    password = "mdp : Soleil2024"
    assert mask_sensitive(password) == "mdp : ••••••"


def test_findings_are_spans_of_the_original_text() -> None:
    text = "Bonjour 👋 mon IBAN est FR76 3000 6000 0112 3456 7890 189"
    (finding,) = find_sensitive(text)
    assert finding == SensitiveFinding("iban", text.index("FR76"), len(text))


def test_mask_without_findings_leaves_the_text_alone() -> None:
    text = "appelez le 06 12 34 56 78, j'ai 3 enfants"
    assert mask_sensitive(text) == text
    assert mask_sensitive(text, []) == text


# -- scams ---------------------------------------------------------------------------------


def test_scam_set_is_big_enough() -> None:
    data = _data("scams.yaml")
    assert len(data["messages"]) >= 30
    assert sum(1 for m in data["messages"] if not m["suspicious"]) >= 10


def test_every_pasted_message_gets_the_right_verdict(rules: SafetyRules) -> None:
    messages = _data("scams.yaml")["messages"]
    caught = missed = false_alarms = genuine = 0
    entries: Counter[str] = Counter()
    failures = []
    for case in messages:
        verdict = rules.check_scam(case["text"])
        assert verdict is not None, case["text"]
        assert isinstance(verdict, ScamVerdict)
        if case["suspicious"]:
            caught += verdict.suspicious
            missed += not verdict.suspicious
        else:
            genuine += 1
            false_alarms += verdict.suspicious
        if verdict.suspicious != case["suspicious"]:
            failures.append((case["text"], verdict))
        if "entry" in case:
            entries[verdict.entry_id or "-"] += 1
            if verdict.entry_id != case["entry"]:
                failures.append((case["text"], verdict.entry_id, case["entry"]))
        if "domains" in case and list(verdict.domains) != case["domains"]:
            failures.append((case["text"], verdict.domains))
    print(f"\narnaques repérées : {caught}/{caught + missed}")
    print(f"vrais messages pris pour une arnaque : {false_alarms}/{genuine}")
    print("fiches proposées :", dict(entries))
    assert failures == []


def test_no_official_notice_is_called_a_scam(rules: SafetyRules) -> None:
    for case in _data("scams.yaml")["messages"]:
        if not case["suspicious"]:
            verdict = rules.check_scam(case["text"])
            assert verdict is not None
            assert not verdict.suspicious, case["text"]
            assert verdict.entry_id is None


def test_reasons_are_short_plain_french_sentences(rules: SafetyRules) -> None:
    for case in _data("scams.yaml")["messages"]:
        verdict = rules.check_scam(case["text"])
        assert verdict is not None
        if verdict.suspicious:
            assert verdict.reasons
            assert verdict.entry_id in SCAM_ENTRIES
        for reason in verdict.reasons:
            assert len(reason) <= 220
            assert "<" not in reason
            assert reason[0].isupper()


def test_look_alike_domains_are_called_out(rules: SafetyRules) -> None:
    verdict = rules.check_scam("CAF : régularisez votre dossier sur caf-fr.info/xyz")
    assert verdict is not None
    assert verdict.suspicious
    assert verdict.domains == ("caf-fr.info",)
    assert any("imite" in r and "caf-fr.info" in r for r in verdict.reasons)
    verdict = rules.check_scam("Vos impôts : http://impots-gouv.fr.secure-pay.com/paiement")
    assert verdict is not None
    assert any("gouv" in r and ".gouv.fr" in r for r in verdict.reasons)


def test_unrelated_text_is_not_analysed(rules: SafetyRules) -> None:
    for text in _data("scams.yaml")["not_analysed"]:
        assert rules.check_scam(text) is None, text
    assert rules.check_scam("") is None


def test_official_list_comes_from_the_facts_file(rules: SafetyRules) -> None:
    for domain in (
        "caf.fr",
        "caf.cnafmail.fr",
        "ameli.fr",
        "impots.gouv.fr",
        "francetravail.fr",
        "ants.gouv.fr",
        "service-public.fr",
        "gouv.fr",
        "laposte.fr",
        "franceconnect.gouv.fr",
    ):
        assert domain in rules.official_domains


def test_a_real_caf_email_comes_from_cnafmail_or_caf_fr(rules: SafetyRules) -> None:
    fake = rules.check_scam(
        "De : service@caf-allocataires.com — Votre Caf : un document vous attend"
    )
    assert fake is not None
    assert fake.suspicious
    real = rules.check_scam("De : ne-pas-repondre@caf.cnafmail.fr — Votre Caf : un document")
    assert real is not None
    assert not real.suspicious


def test_no_link_is_ever_opened(rules: SafetyRules, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the safety layer must not touch the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    for case in _data("scams.yaml")["messages"]:
        rules.check_scam(case["text"])


def test_rules_built_by_hand_still_check_links() -> None:
    rules = SafetyRules(crises=(), official_domains=frozenset({"caf.fr"}))
    assert rules.detect_crisis("je veux mourir") is None
    verdict = rules.check_scam("Votre dossier : https://caf-aide.com/login")
    assert verdict is not None
    assert verdict.suspicious
