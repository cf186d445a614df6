"""A coordinator's edit can never switch safety off (kb check and the live reload)."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from bot.knowledge.lint import LintOptions, check_folder
from bot.safety import load_safety, regression

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = LintOptions(today=dt.date(2026, 12, 3))


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    return folder


def test_the_shipped_figures_are_what_the_shipped_files_achieve() -> None:
    """figures.yaml is rewritten with the files (python -m bot.safety.regression)."""
    measured = regression.measure(load_safety(ROOT / "knowledge")).figures
    assert asdict(measured) == asdict(regression.shipped())
    assert measured.crises_found > 100 and measured.look_alike_takeovers == 0


def test_the_shipped_files_pass_their_own_check(knowledge: Path) -> None:
    assert [p for p in check_folder(knowledge, OPTIONS) if "sécurité" in p.message] == []


def test_a_word_of_death_added_to_the_idioms_is_refused(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("not_crisis:\n", "not_crisis:\n  - mourir\n", 1), "utf-8")
    [problem, *_] = [p for p in check_folder(knowledge, OPTIONS) if "sécurité" in p.message]
    assert problem.path.endswith("crises.yaml")
    assert "crises reconnues" in problem.message and "au lieu de" in problem.message


def test_removing_the_learned_examples_is_refused(knowledge: Path) -> None:
    examples = knowledge / "exemples-crises.yaml"
    if not examples.exists():
        pytest.skip("no learned examples in this version")
    examples.unlink()
    problems = [p for p in check_folder(knowledge, OPTIONS) if "sécurité" in p.message]
    assert problems and "crises reconnues" in problems[0].message


@pytest.mark.parametrize("message", ["Y", "m", "k", "ça", "0:" * 50])
def test_a_letter_or_a_number_alone_is_never_a_crisis(message: str) -> None:
    """A one-letter reply (« Y », « m ») is too short to judge: no numbers instead of help."""
    rules = load_safety(ROOT / "knowledge")
    assert rules.assess_crisis(message) is None
