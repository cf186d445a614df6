"""The coordinators' linter (``python -m bot kb check``): one small knowledge folder per rule."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

from bot.__main__ import kb_check
from bot.knowledge.lint import ERROR, WARNING, LintOptions, check_folder, summary
from bot.knowledge.yamlfile import KnowledgeError, Problem, load_yaml

REPO_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
TODAY = dt.date(2026, 11, 24)
OPTIONS = LintOptions(today=TODAY)

POOL = """
- id: piscine-horaires
  theme: loisirs
  title: "Horaires de la piscine"
  questions:
    - a quelle heure ouvre la piscine
    - horaires piscine municipale
    - la piscine est ouverte quand
  keywords: [piscine, horaires, nager]
  answer: |
    🏊 La piscine est ouverte du lundi au samedi.
  reviewed: 2026-11-01
"""
LIBRARY = """
- id: bibliotheque-carte
  theme: loisirs
  title: "Carte de la bibliothèque"
  questions:
    - comment avoir une carte de bibliotheque
    - inscription a la mediatheque
    - emprunter des livres a la bibliotheque
  keywords: [bibliotheque, mediatheque, livres, emprunter]
  answer: |
    📚 La carte de la bibliothèque est gratuite.
  reviewed: 2026-11-01
"""


def make_kb(tmp_path: Path, entries: str, **files: str) -> Path:
    """A knowledge folder: one theme, the real safety files, ``entries`` in loisirs.yaml."""
    folder = tmp_path / "knowledge"
    folder.mkdir(parents=True)
    for name in ("crises.yaml", "exemples-crises.yaml", "domaines-officiels.yaml"):
        shutil.copy(REPO_KNOWLEDGE / name, folder / name)
    (folder / "themes.yaml").write_text('- {id: loisirs, label: "Loisirs"}\n', encoding="utf-8")
    (folder / "loisirs.yaml").write_text(entries, encoding="utf-8")
    for name, text in files.items():
        (folder / name.replace("_", ".")).write_text(text, encoding="utf-8")
    return folder


def line_of(folder: Path, text: str, file: str = "loisirs.yaml") -> int:
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def only(problems: list[Problem], words: str) -> Problem:
    [found] = [p for p in problems if words in p.message]
    return found


def test_two_clean_entries_give_no_problem(tmp_path: Path) -> None:
    assert check_folder(make_kb(tmp_path, POOL + LIBRARY), OPTIONS) == []


def test_the_real_knowledge_base_passes_without_any_warning() -> None:
    reviewed = [e.reviewed for e in load_knowledge_entries() if e.reviewed]
    options = LintOptions(today=max(reviewed))
    assert [str(p) for p in check_folder(REPO_KNOWLEDGE, options)] == []


def load_knowledge_entries():
    from bot.knowledge.kb import load_knowledge

    return load_knowledge(REPO_KNOWLEDGE).entries


def test_a_schema_error_comes_from_the_loader_with_its_line(tmp_path: Path) -> None:
    folder = make_kb(tmp_path, POOL.replace("theme: loisirs", "theme: piscines"))
    [problem] = check_folder(folder, OPTIONS)
    assert problem.severity == ERROR
    assert problem.line == line_of(folder, "theme: piscines")
    assert "thème inconnu 'piscines'" in problem.message


def test_an_impossible_date_is_a_problem_with_its_line_not_a_crash(tmp_path: Path) -> None:
    folder = make_kb(tmp_path, POOL.replace("reviewed: 2026-11-01", "reviewed: 2026-13-01"))
    [problem] = check_folder(folder, OPTIONS)
    assert problem.line == line_of(folder, "2026-13-01")
    assert "date est impossible" in problem.message and "2026-11-23" in problem.message
    with pytest.raises(KnowledgeError):
        load_yaml(folder / "loisirs.yaml")


def test_a_phrasing_that_leads_to_another_entry_is_an_error(tmp_path: Path) -> None:
    pool = POOL.replace(
        "    - la piscine est ouverte quand\n",
        "    - la piscine est ouverte quand\n    - emprunter des livres a la bibliotheque\n",
    )
    folder = make_kb(tmp_path, pool + LIBRARY)
    problems = check_folder(folder, OPTIONS)
    error = only(problems, "mène à la fiche 'bibliotheque-carte'")
    assert error.severity == ERROR
    assert error.line == line_of(folder, "emprunter des livres")
    assert "piscine-horaires" in error.message
    duplicate = only(problems, "est aussi dans la fiche 'piscine-horaires'")
    assert duplicate.severity == WARNING


def test_a_phrasing_read_as_a_question_about_the_bot_is_caught(tmp_path: Path) -> None:
    about = """
- id: bot-presentation
  theme: loisirs
  title: "Qui suis-je ?"
  questions: [qui es tu]
  keywords: [robot]
  answer: Je suis un robot.
  reviewed: 2026-11-01
"""
    pool = POOL.replace("    - horaires piscine municipale\n", "    - tu es qui\n")
    folder = make_kb(tmp_path, pool + about)
    error = only(check_folder(folder, OPTIONS), "« tu es qui » mène à la fiche 'bot-presentation'")
    assert error.line == line_of(folder, "- tu es qui")


def test_two_entries_too_close_to_each_other_are_flagged(tmp_path: Path) -> None:
    twin = """
- id: piscine-ouverture
  theme: loisirs
  title: "Ouverture de la piscine"
  questions:
    - a quelle heure ouvre la piscine le matin
    - horaires de la piscine municipale
    - quand la piscine est ouverte
  keywords: [piscine, horaires, ouverture]
  answer: |
    🏊 La piscine ouvre à 9 h.
  reviewed: 2026-11-01
"""
    folder = make_kb(tmp_path, POOL + twin)
    problems = check_folder(folder, OPTIONS)
    close = only(problems, "ressemble trop à la fiche")
    assert close.severity == WARNING
    assert "Fusionnez" in close.message


def test_an_answer_longer_than_a_phone_screen_is_a_warning(tmp_path: Path) -> None:
    long_answer = "Ouvert le lundi. " * 40
    folder = make_kb(
        tmp_path,
        POOL.replace(
            "    🏊 La piscine est ouverte du lundi au samedi.", f"    {long_answer.strip()}"
        ),
    )
    warning = only(check_folder(folder, OPTIONS), "plus qu'un écran")
    assert warning.severity == WARNING
    assert warning.line == line_of(folder, "answer: |")
    assert "steps:" in warning.message


def test_a_sentence_over_25_words_is_pointed_at_its_line(tmp_path: Path) -> None:
    sentence = (
        "Pour entrer il faut montrer votre carte et votre ticket et votre bonnet et vos "
        "lunettes et votre serviette et votre maillot de bain et aussi votre sourire."
    )
    folder = make_kb(
        tmp_path, POOL.replace("  reviewed:", f'  steps:\n    - "{sentence}"\n  reviewed:')
    )
    warning = only(check_folder(folder, OPTIONS), "phrase de 28 mots")
    assert warning.line == line_of(folder, "Pour entrer il faut")
    assert "« Pour entrer il faut montrer votre… »" in warning.message


JARGON = """
- word: RIB
  explanation: "le papier de votre banque avec le numéro de votre compte"
  signs: [compte bancaire]
- word: FranceConnect
  forms: [France Connect]
  explanation: "un bouton pour entrer avec un compte que vous avez déjà"
  signs: [bouton]
"""


def test_a_jargon_word_without_explanation_is_a_warning(tmp_path: Path) -> None:
    text = "    Apportez votre RIB.\n\n    Connectez-vous avec FranceConnect."
    folder = make_kb(
        tmp_path,
        POOL.replace("    🏊 La piscine est ouverte du lundi au samedi.", text),
        jargon_yaml=JARGON,
    )
    problems = check_folder(folder, OPTIONS)
    rib = only(problems, "« RIB » n'est pas expliqué")
    assert rib.line == line_of(folder, "Apportez votre RIB")
    assert "RIB (le papier de votre banque" in rib.message
    assert only(problems, "« FranceConnect »").line == line_of(folder, "avec FranceConnect")


@pytest.mark.parametrize(
    "text",
    [
        "Apportez votre RIB (le papier de la banque).",
        "RIB : le papier de la banque. Apportez-le.",
        "Apportez votre RIB, c'est le papier de la banque.",
        "Apportez le papier de votre compte bancaire (RIB).",
        "Apportez votre RIB : il est dans votre compte bancaire.",
    ],
)
def test_a_jargon_word_explained_next_to_it_is_fine(tmp_path: Path, text: str) -> None:
    folder = make_kb(
        tmp_path,
        POOL.replace("    🏊 La piscine est ouverte du lundi au samedi.", f"    {text}"),
        jargon_yaml=JARGON,
    )
    assert check_folder(folder, OPTIONS) == []


def test_explained_once_is_enough_and_another_paragraph_is_not_nearby(tmp_path: Path) -> None:
    explained_first = "    Votre RIB (le papier de la banque).\n\n    Gardez votre RIB."
    explained_late = "    Gardez votre RIB.\n\n    Votre RIB (le papier de la banque)."
    for name, text, expected in (("a", explained_first, 0), ("b", explained_late, 1)):
        folder = make_kb(
            tmp_path / name,
            POOL.replace("    🏊 La piscine est ouverte du lundi au samedi.", text),
            jargon_yaml=JARGON,
        )
        assert len(check_folder(folder, OPTIONS)) == expected


def test_a_broken_jargon_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    folder = make_kb(tmp_path, POOL, jargon_yaml="- word: RIB\n  explication: le papier\n")
    problems = check_folder(folder, OPTIONS)
    assert {p.severity for p in problems} == {ERROR}
    assert any("jargon.yaml:2" in str(p) and "explication" in p.message for p in problems)


def test_a_link_to_a_site_that_is_not_official_needs_a_source(tmp_path: Path) -> None:
    link = '  links: [{label: "Club", url: "https://www.club-nage.example"}]\n  reviewed:'
    folder = make_kb(tmp_path, POOL.replace("  reviewed:", link))
    error = only(check_folder(folder, OPTIONS), "« club-nage.example »")
    assert error.severity == ERROR
    assert error.line == line_of(folder, "club-nage.example")
    sourced = link.replace(
        "  reviewed:", '  sources: ["club-nage.example, cité par la mairie"]\n  reviewed:'
    )
    assert (
        check_folder(make_kb(tmp_path / "ok", POOL.replace("  reviewed:", sourced)), OPTIONS) == []
    )


def test_an_official_link_and_an_address_in_the_text_are_checked_too(tmp_path: Path) -> None:
    official = '  links: [{label: "Service public", url: "https://www.service-public.fr/x"}]\n'
    text = "    Réservez sur reservation-piscine.fr ou http://piscine.example."
    folder = make_kb(
        tmp_path,
        POOL.replace("    🏊 La piscine est ouverte du lundi au samedi.", text).replace(
            "  reviewed:", official + "  reviewed:"
        ),
    )
    problems = check_folder(folder, OPTIONS)
    assert only(problems, "sans https://").severity == ERROR
    assert only(problems, "« reservation-piscine.fr »").severity == ERROR
    assert not [p for p in problems if "service-public" in p.message]


def test_old_reviews_and_passed_review_dates_are_warnings(tmp_path: Path) -> None:
    old = POOL.replace("reviewed: 2026-11-01", "reviewed: 2025-06-01\n  review_by: 2026-10-01")
    folder = make_kb(tmp_path, old)
    problems = check_folder(folder, OPTIONS)
    assert {p.severity for p in problems} == {WARNING}
    assert only(problems, "il y a plus de 365 jours").line == line_of(folder, "reviewed:")
    assert only(problems, "à revérifier depuis le 2026-10-01").line == line_of(folder, "review_by")
    later = LintOptions(today=TODAY, max_age_days=800)
    assert [p.message for p in check_folder(folder, later) if "365" in p.message] == []


def test_an_amount_needs_a_review_date_within_the_review_age(tmp_path: Path) -> None:
    amount = POOL.replace(
        "ouverte du lundi au samedi.", "ouverte du lundi au samedi. L'entrée coûte 3 € en 2026."
    )
    folder = make_kb(tmp_path / "a", amount)
    problems = check_folder(folder, OPTIONS)
    assert "montant en euros : ajoutez « review_by: »" in only(problems, "montant").message
    dated = make_kb(tmp_path / "b", amount.replace("11-01", "11-01\n  review_by: 2027-04-01"))
    assert check_folder(dated, OPTIONS) == []
    # The day the amount may change, kb check says so; a shorter review age says so sooner.
    out = io.StringIO()
    assert kb_check(dated, out, today=dt.date(2027, 4, 2)) == 0
    assert "à revérifier depuis le 2027-04-01" in out.getvalue()
    out = io.StringIO()
    assert kb_check(dated, out, today=TODAY, max_age_days=90) == 0
    assert "review_by: 2027-04-01 est à plus de 90 jours de reviewed:" in out.getvalue()


def test_a_missing_or_future_review_date_is_a_warning(tmp_path: Path) -> None:
    missing = check_folder(
        make_kb(tmp_path / "a", POOL.replace("  reviewed: 2026-11-01\n", "")), OPTIONS
    )
    assert "pas de date de vérification" in only(missing, "vérification").message
    future = check_folder(
        make_kb(tmp_path / "b", POOL.replace("2026-11-01", "2027-01-01")), OPTIONS
    )
    assert only(future, "dans le futur").severity == WARNING


def test_facts_marked_unverified_are_errors(tmp_path: Path) -> None:
    sources = '  sources: ["mairie.example, horaires [NON VÉRIFIÉ]"]\n  reviewed:'
    text = "    🏊 Ouvert le dimanche [à vérifier]."
    folder = make_kb(
        tmp_path,
        POOL.replace("  reviewed:", sources).replace(
            "    🏊 La piscine est ouverte du lundi au samedi.", text
        ),
    )
    problems = check_folder(folder, OPTIONS)
    assert only(problems, "source est marquée non vérifiée").line == line_of(folder, "NON VÉRIFIÉ")
    assert only(problems, "fait marqué non vérifié").line == line_of(folder, "à vérifier")
    assert {p.severity for p in problems} == {ERROR}


PLACES = ("piscine", "bibliotheque", "velo", "jardin", "musee", "cinema", "theatre", "stade")


def make_menu(tmp_path: Path, groups: list[str]) -> Path:
    """One theme a place, each with one entry; ``groups[i]`` is the group of theme i."""
    themes, entries = [], []
    for place, group in zip(PLACES, groups, strict=False):
        where = f', group: "{group}"' if group else ""
        themes.append(f'- {{id: {place}, label: "{place.title()}"{where}}}\n')
        entries.append(
            POOL.replace("piscine", place).replace("loisirs", place).replace("nager", "sport")
        )
    folder = make_kb(tmp_path, "".join(entries))
    (folder / "themes.yaml").write_text("".join(themes), encoding="utf-8")
    return folder


def menu_problems(folder: Path) -> list[Problem]:
    return [p for p in check_folder(folder, OPTIONS) if p.path.endswith("themes.yaml")]


def test_a_menu_of_seven_groups_and_a_few_themes_each_is_fine(tmp_path: Path) -> None:
    groups = ["🏊 Sport", "🏊 Sport", "📚 Culture", "📚 Culture", "🌳 Dehors", "🎬 Cinéma"]
    groups += ["🎭 Théâtre", "🏟️ Stade"]
    assert menu_problems(make_menu(tmp_path, groups)) == []


def test_a_first_screen_of_more_than_seven_groups_is_flagged_at_the_eighth(
    tmp_path: Path,
) -> None:
    folder = make_menu(tmp_path, [f"Groupe {place}" for place in PLACES])
    [problem] = menu_problems(folder)
    assert problem.severity == WARNING
    assert "premier écran du menu aurait 8 boutons" in problem.message
    assert problem.line == line_of(folder, "id: stade", "themes.yaml")


def test_a_group_of_more_than_six_themes_is_flagged(tmp_path: Path) -> None:
    folder = make_menu(tmp_path, ["🎉 Loisirs"] * 7 + ["🏟️ Stade"])
    [problem] = menu_problems(folder)
    assert "le groupe « 🎉 Loisirs » a 7 thèmes" in problem.message
    assert problem.line == line_of(folder, "id: theatre", "themes.yaml")


def test_a_theme_left_out_of_the_groups_is_flagged_at_its_line(tmp_path: Path) -> None:
    folder = make_menu(tmp_path, ["🏊 Sport", "", "🏊 Sport"])
    [problem] = menu_problems(folder)
    assert "le thème 'bibliotheque' n'a pas de group:" in problem.message
    assert problem.line == line_of(folder, "id: bibliotheque", "themes.yaml")


def test_kb_check_prints_file_line_and_a_summary_and_exits_1_on_errors(tmp_path: Path) -> None:
    out = io.StringIO()
    folder = make_kb(tmp_path, POOL.replace("title:", "titel:"))
    assert kb_check(folder, out, today=TODAY) == 1
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("❌ ") and "loisirs.yaml:" in lines[0]
    assert lines[-1].startswith("❌ ") and "erreur" in lines[-1]


def test_kb_check_exits_0_with_warnings_only(tmp_path: Path) -> None:
    out = io.StringIO()
    folder = make_kb(tmp_path, POOL.replace("reviewed: 2026-11-01", "reviewed: 2024-01-01"))
    assert kb_check(folder, out, today=TODAY) == 0
    assert out.getvalue().splitlines()[-1].startswith("⚠️ 1 remarque dans 1 fiches")
    out = io.StringIO()
    assert kb_check(folder, out, today=TODAY, max_age_days=2000) == 0
    assert out.getvalue().splitlines()[-1] == "✅ Aucune erreur, aucune remarque dans 1 fiches."


def test_summary_counts_errors_and_warnings() -> None:
    problems = [
        Problem("a.yaml", 1, "x", ERROR),
        Problem("a.yaml", 2, "y", WARNING),
        Problem("a.yaml", 3, "z", WARNING),
    ]
    assert summary(problems, None).startswith("❌ 1 erreur, 2 remarques")
