"""The knowledge base as coordinators and people need it: complete, sourced, short.

The coverage list and the facts file live in ``../shared`` beside the repository (as in CI);
the checks that need them are skipped, with the reason, where that folder is absent.
"""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.knowledge.holder import Knowledge
from bot.knowledge.kb import load_knowledge
from bot.knowledge.staff import DEFAULT_TIMEZONE

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


def test_no_shipped_entry_is_past_its_review_date():
    """Fails on the day an entry expires: that is its purpose (revalue, then move the dates)."""
    today = dt.datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()
    late = [(e.id, str(e.review_by)) for e in KB.entries if e.review_by and e.review_by < today]
    assert late == []


AMOUNT = re.compile(r"\d\s?(?:€|euros?\b)", re.IGNORECASE)
WITH_AMOUNTS = [e.id for e in KB.entries if AMOUNT.search("\n".join((e.answer, *e.steps)))]


def next_date(after: dt.date, month: int) -> dt.date:
    """The next 1st of ``month`` after ``after``: when many amounts are revalued."""
    this_year = dt.date(after.year, month, 1)
    return this_year if this_year > after else dt.date(after.year + 1, month, 1)


@pytest.mark.parametrize("entry_id", WITH_AMOUNTS)
def test_an_amount_is_flagged_for_review_before_it_changes(entry_id: str):
    entry = KB.entry(entry_id)
    assert entry.review_by is not None and entry.reviewed is not None
    assert (entry.review_by - entry.reviewed).days <= 365
    text = "\n".join((entry.answer, *entry.steps))
    for words, month in (("1er janvier", 1), ("1er avril", 4)):
        if re.search(rf"{words} 20\d\d, [^.]*\d\s?€|{words} 20\d\d\)", text):
            assert entry.review_by <= next_date(entry.reviewed, month), words
