"""A coordinator's mistake in crises.yaml or domaines-officiels.yaml is shown as file:line.

Each test copies the real files, breaks one thing the way a person editing in a text
editor would, and checks that the error says where (the line) and what to do (in French).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge.yamlfile import KnowledgeError, Problem
from bot.safety import load_safety

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    for name in ("crises.yaml", "domaines-officiels.yaml"):
        shutil.copy(ROOT / "knowledge" / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; return the (1-based) line where ``new`` now starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text[: text.index(new)].count("\n") + 1


def _problems(knowledge: Path) -> list[Problem]:
    with pytest.raises(KnowledgeError) as caught:
        load_safety(knowledge)
    return caught.value.problems


def _only(problems: list[Problem], file: Path, line: int, *words: str) -> None:
    assert len(problems) == 1, problems
    problem = problems[0]
    assert Path(problem.path).name == file.name
    assert problem.line == line
    assert str(problem).startswith(f"{problem.path}:{line}: ")
    for word in words:
        assert word in problem.message


def test_the_real_files_load(knowledge: Path) -> None:
    rules = load_safety(knowledge)
    assert [c.id for c in rules.crises][:3] == ["suicide", "sourd-114", "enfance-danger"]


def test_an_unknown_group_is_reported_at_its_pattern(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    line = _edit(path, "      - plutôt mourir/crever\n", "      - <copains> ... me tapent\n")
    _only(_problems(knowledge), path, line, "groupe <copains> inconnu", "partenaire")


def test_a_group_can_only_reuse_a_group_defined_above(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    line = _edit(path, "    - <frapper>\n", "    - <frapper>\n    - <medicament>\n") + 1
    _only(_problems(knowledge), path, line, "« <medicament> »", "défini plus haut")


def test_a_regular_expression_is_refused_with_a_hint(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    line = _edit(path, "      - plutôt mourir/crever\n", "      - plutot (mourir|crever)\n")
    _only(_problems(knowledge), path, line, "non permis", "mots simples")


def test_a_yaml_syntax_error_gives_its_line(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    line = _edit(path, '    title: "Un abri pour ce soir"', "    title: Un abri: ce soir")
    _only(_problems(knowledge), path, line, "YAML illisible", "deux-points")


def test_a_missing_crisis_category_is_reported(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - id: sans-abri")], encoding="utf-8")
    line = text[: text.index("crises:\n  - id: suicide")].count("\n") + 1
    _only(_problems(knowledge), path, line, "« sans-abri » manque")


def test_an_unverified_phone_number_is_refused(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    line = _edit(path, '      - {number: "3919", label', '      - {number: "3941", label')
    _only(_problems(knowledge), path, line, "3941", "numéros vérifiés")


def test_a_message_citing_an_unverified_number_is_refused(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    line = _edit(
        path,
        "      Appelez : on vous cherche un hébergement d'urgence. Gratuit, jour et nuit.",
        "      Appelez le 1155 : on vous cherche un hébergement d'urgence.",
    )
    problems = _problems(knowledge)
    assert any("1155" in p.message and p.line == line - 1 for p in problems), problems


def test_a_misspelt_key_gets_a_suggestion(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: sans-abri")
    offset = text.index("    patterns:\n", start)
    path.write_text(text[:offset] + "    paterns:\n" + text[offset + 14 :], encoding="utf-8")
    line = text[:offset].count("\n") + 1
    problems = _problems(knowledge)
    assert any(
        p.line == line and "« paterns » inconnue" in p.message and "« patterns »" in p.message
        for p in problems
    ), problems


def test_html_in_a_message_is_refused(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    line = _edit(path, '    title: "Urgence de santé"', '    title: "<b>Urgence</b> : le 15"')
    _only(_problems(knowledge), path, line, "HTML")


def test_an_unquoted_on_is_explained(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    line = _edit(path, '    - "on"\n', "    - on\n")
    problems = _problems(knowledge)
    assert problems
    assert all("guillemets" in p.message for p in problems)
    assert problems[0].line <= line


def test_a_spelling_that_would_rewrite_a_common_word_is_refused(knowledge: Path) -> None:
    path = knowledge / "crises.yaml"
    line = _edit(path, "  j ai: [jai, g]\n", "  j ai: [jai, g, jé]\n")
    _only(_problems(knowledge), path, line, "« je »", "déjà un mot compris")


def test_a_domain_written_as_a_link_is_refused(knowledge: Path) -> None:
    path = knowledge / "domaines-officiels.yaml"
    line = _edit(path, "  - {domain: caf.fr,", '  - {domain: "https://www.caf.fr/",')
    _only(_problems(knowledge), path, line, "sans https://")


def test_a_bad_sign_phrase_is_reported_at_its_line(knowledge: Path) -> None:
    path = knowledge / "domaines-officiels.yaml"
    line = _edit(path, "      - dernier rappel\n", "      - dernier [rappel]\n")
    _only(_problems(knowledge), path, line, "signe « urgence »", "non permis")


def test_problems_of_both_files_are_reported_together(knowledge: Path) -> None:
    _edit(knowledge / "crises.yaml", "      - plutôt mourir/crever\n", "      - plutot ...\n")
    _edit(
        knowledge / "domaines-officiels.yaml",
        "alert: true\n  - id: cpf\n",
        "alert: oui\n  - id: cpf\n",
    )
    problems = _problems(knowledge)
    assert {Path(p.path).name for p in problems} == {"crises.yaml", "domaines-officiels.yaml"}
    assert all(p.message and p.message[0].islower() for p in problems)


def test_a_missing_file_is_reported(knowledge: Path) -> None:
    (knowledge / "domaines-officiels.yaml").unlink()
    (problem,) = _problems(knowledge)
    assert Path(problem.path).name == "domaines-officiels.yaml"
    assert "illisible" in problem.message
