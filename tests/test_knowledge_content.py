"""The knowledge base as coordinators and people need it: complete, sourced, short.

The coverage list and the facts file live in ``../shared`` beside the repository (as in CI);
the checks that need them are skipped, with the reason, where that folder is absent.
"""

import re
from pathlib import Path

import pytest
import yaml

from bot.knowledge.holder import Knowledge
from bot.knowledge.kb import load_knowledge

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
COVERAGE = SHARED / "knowledge-coverage.yaml"
FACTS = SHARED / "kb-facts.md"
needs_shared = pytest.mark.skipif(not COVERAGE.exists(), reason="../shared is not beside the repo")

KB = load_knowledge(ROOT / "knowledge")
ENTRY_IDS = [e.id for e in KB.entries]


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@needs_shared
def test_every_entry_of_the_coverage_list_exists_with_its_theme():
    coverage = yaml.safe_load(COVERAGE.read_text(encoding="utf-8"))
    missing = [
        (item["id"], item["theme"])
        for item in coverage["entries"]
        if (KB.entry(item["id"]) is None or KB.entry(item["id"]).theme != item["theme"])
    ]
    assert missing == []
    assert {t.id for t in KB.themes} >= set(coverage["themes"])


@needs_shared
def test_every_crisis_category_of_the_coverage_list_is_detected():
    coverage = yaml.safe_load(COVERAGE.read_text(encoding="utf-8"))
    crises = {c.id for c in Knowledge.load(ROOT / "knowledge").safety.crises}
    assert {c["id"] for c in coverage["crisis"]} <= crises


@needs_shared
@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_phone_numbers_and_link_domains_come_from_the_facts_file(entry_id: str):
    facts = FACTS.read_text(encoding="utf-8")
    fact_numbers = {digits(m) for m in re.findall(r"\d[\d ]{0,16}\d", facts)}
    entry = KB.entry(entry_id)
    for phone in entry.phones:
        assert digits(phone.number) in fact_numbers, f"{phone.number} is not in kb-facts.md"
    for link in entry.links:
        host = re.sub(r"^https://(www\.)?", "", link.url).split("/")[0]
        assert host in facts, f"{host} is not in kb-facts.md"


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_entry_is_ready_for_a_person(entry_id: str):
    entry = KB.entry(entry_id)
    assert len(entry.questions) >= 6, "at least 6 phrasings, the way people type"
    assert len(entry.answer) <= 600, "the first message fits on a phone screen"
    assert entry.sources, "every entry says where its facts come from"
    assert entry.reviewed is not None
    assert entry.escalate in ("pair-aidant", "referent")
    assert not re.search(r"https?://", entry.answer), "links go in `links`, as real links"
