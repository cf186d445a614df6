"""Whatever people send (emoji, other alphabets, 100 kB pastes), the safety layer answers.

The safety checks run before everything else: if one of them raised, the person in crisis
would get an error instead of a helpline. These property tests feed random text and check
that every function returns a well-formed value, quickly enough for Hypothesis' deadline.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.knowledge.normalize import fold
from bot.safety import (
    CATEGORY_IDS,
    SafetyRules,
    ScamVerdict,
    find_sensitive,
    load_safety,
    mask_sensitive,
)
from bot.safety.phrases import fast_fold

ROOT = Path(__file__).resolve().parents[1]

# Pieces that push every code path: crisis words, idioms, cue words, digits, links, accents.
PIECES = [
    "je", "veux", "mourir", "mort de rire", "il", "me", "frappe", "mon mari", "bébé",
    "respire", "mal", "dors", "dehors", "115", "mdp", "mot de passe", "c'est", "code", ":",
    "123456", "FR76", "3000", "6000", "0112", "3456", "7890", "189", "4111", "1111", "1 85 05",
    "78 006 084 91", "2A", "CNI", "passeport", "X4RTBPFW4", "https://", "www.", "ameli.fr",
    "caf-fr.info/x", "@", "gouv", ".fr", "1,99 €", "arnaque ?", "votre", "colis", "…", "’",
    "é", "Œ", "\u0301", "\u00a0", "👋", "日本", "аmeli", "xn--", "...", "/", "-", "\n", " ",
]  # fmt: skip

# SMS spellings of crises.yaml, alone and glued to their neighbours.
SMS = ["jveux", "jv", "g", "sa", "pa", "ri1", "2soir", "je veu", "jen peux", "chui", "y", "bb"]
SMS += ["en", "finir", "mourir", "je", "veux", "de", "plus", "peux", "dors", "dehors"]
mixed = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)
anything = st.one_of(st.text(max_size=600), mixed)
huge = st.one_of(st.text(min_size=1, max_size=300), mixed.filter(bool)).map(
    lambda seed: (seed * (100_000 // len(seed) + 1))[:100_000]
)
quick = settings(max_examples=150, deadline=None)  # no clock: timings live in bench/
slow = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def rules() -> SafetyRules:
    return load_safety(ROOT / "knowledge")


def _check_everything(rules: SafetyRules, text: str) -> None:
    crisis = rules.detect_crisis(text)
    assert crisis is None or crisis in rules.crises
    findings = find_sensitive(text)
    last_end = 0
    for finding in findings:
        assert finding.category in CATEGORY_IDS
        assert last_end <= finding.start < finding.end <= len(text)
        last_end = finding.end
    masked = mask_sensitive(text, findings)
    assert isinstance(masked, str)
    if not findings:
        assert masked == text
    verdict = rules.check_scam(text)
    if verdict is not None:
        assert isinstance(verdict, ScamVerdict)
        assert all(isinstance(d, str) and d for d in verdict.domains)
        assert all(isinstance(r, str) and r for r in verdict.reasons)
        assert verdict.suspicious or verdict.entry_id is None


@quick
@given(text=anything)
def test_random_text_never_breaks_the_safety_layer(rules: SafetyRules, text: str) -> None:
    _check_everything(rules, text)


@slow
@given(text=huge)
def test_a_100_kb_paste_never_breaks_the_safety_layer(rules: SafetyRules, text: str) -> None:
    _check_everything(rules, text)


@quick
@given(text=anything)
def test_fast_fold_is_exactly_fold(text: str) -> None:
    assert fast_fold(text) == fold(text)


@quick
@given(text=st.one_of(anything, st.lists(st.sampled_from(SMS), max_size=40).map(" ".join)))
def test_fast_spellings_are_exactly_the_lexicon(rules: SafetyRules, text: str) -> None:
    spellings = rules._detector.vocabulary.spellings  # the crisis file's SMS spellings
    folded = fold(text)
    assert spellings.apply(folded) == spellings.lexicon.apply(folded)


@quick
@given(text=anything)
def test_masking_twice_changes_nothing_more(text: str) -> None:
    once = mask_sensitive(text)
    assert mask_sensitive(once) == once


def test_the_visible_end_of_a_masked_iban_is_not_masked_again() -> None:
    """Found by the fuzzer: « 00AA=MDP » after a masked IBAN read as a password."""
    once = mask_sensitive("FR00000000000000000000000AA=MDP")
    assert mask_sensitive(once) == once
