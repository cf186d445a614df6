import shutil
from pathlib import Path

import pytest

from bot.knowledge.kb import load_knowledge
from bot.knowledge.yamlfile import KnowledgeError

MINI = Path(__file__).parent / "data" / "kb-mini"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(MINI, target)
    return target


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    return [str(p) for p in caught.value.problems]


def test_loads_entries_with_links_phone_steps_and_lexicon(folder: Path):
    kb = load_knowledge(folder)
    entry = kb.entry("ft-actualisation")
    assert entry is not None
    assert entry.links[0].url == "https://www.francetravail.fr"
    assert entry.phones[0].number == "3949"
    assert kb.entry("caf-mot-de-passe").steps[1].startswith("2.")
    assert kb.lexicon.apply("mdp") == "mot de passe"
    assert [e.id for e in kb.entries_of("caf")] == ["caf-mot-de-passe"]


def test_missing_answer_names_file_line_entry_and_fix(folder: Path):
    path = folder / "entries.yaml"
    text = path.read_text().replace("  answer: Utilisez « Mot de passe oublié ».\n", "")
    path.write_text(text)
    problems = problems_of(folder)
    assert len(problems) == 1
    assert problems[0].startswith(str(path))
    # The entry starts at line 14: that is where the missing field must be added.
    assert ":14: fiche 'caf-mot-de-passe' : 'answer' est manquant" in problems[0]


def test_duplicate_id_unknown_theme_and_http_link_are_all_reported(folder: Path):
    extra = folder / "more.yaml"
    extra.write_text(
        "- id: ft-actualisation\n  theme: caf\n  title: t\n  questions: [q]\n"
        "  keywords: [k]\n  answer: a\n"
        "- id: autre\n  theme: logement\n  title: t\n  questions: [q]\n  keywords: [k]\n"
        "  answer: a\n  links: [{label: x, url: 'http://exemple.fr'}]\n"
    )
    problems = "\n".join(problems_of(folder))
    assert "more.yaml:1: l'identifiant 'ft-actualisation' existe déjà" in problems
    assert "more.yaml:8: fiche 'autre' : thème inconnu 'logement'" in problems
    assert "more.yaml:13: fiche 'autre' : lien 'http://exemple.fr' refusé" in problems


def test_yaml_syntax_error_gives_the_line(folder: Path):
    (folder / "entries.yaml").write_text("- id: x\n  title: [pas fermé\n  answer: a\n")
    problems = problems_of(folder)
    assert any("entries.yaml:" in p and "YAML illisible" in p for p in problems)


def test_yaml_tags_are_refused(folder: Path):
    (folder / "entries.yaml").write_text("- !!python/object/apply:os.system ['echo hi']\n")
    assert any("YAML illisible" in p for p in problems_of(folder))


def test_lexicon_variant_leading_to_two_words_is_an_error(folder: Path):
    (folder / "lexique.yaml").write_text("sms:\n  quoi: [koi]\n  qui: [koi]\n")
    assert any("lexique.yaml:3:" in p and "« koi » mène déjà" in p for p in problems_of(folder))


def test_unknown_field_is_reported_with_its_line(folder: Path):
    path = folder / "entries.yaml"
    path.write_text(path.read_text().replace("  reviewed:", "  reponse: oups\n  reviewed:"))
    assert any(
        ":12: fiche 'ft-actualisation' : champ inconnu 'reponse'" in p for p in problems_of(folder)
    )


def test_themes_gather_in_groups_in_the_order_of_their_first_theme(folder: Path):
    (folder / "themes.yaml").write_text(
        '- {id: caf, group: "💶 Argent et aides", label: "CAF"}\n'
        '- {id: france-travail, label: "France Travail", emoji: "💼"}\n'
        '- {id: impots, group: "💶 Argent et aides", label: "Impôts"}\n'
    )
    kb = load_knowledge(folder)
    assert [(g.id, g.label, g.themes) for g in kb.groups] == [
        ("argent-et-aides", "💶 Argent et aides", ("caf", "impots")),
        ("france-travail", "💼 France Travail", ("france-travail",)),
    ]
    assert kb.group_of("impots") == kb.group("argent-et-aides")


@pytest.mark.parametrize("group", ["12", '"🪪"', "[a, b]"])
def test_a_group_without_letters_is_reported_with_its_line(folder: Path, group: str):
    (folder / "themes.yaml").write_text(
        '- {id: caf, label: "CAF"}\n'
        f"- id: france-travail\n  label: France Travail\n  group: {group}\n"
    )
    [problem] = problems_of(folder)
    assert problem.endswith(
        "themes.yaml:4: group: est le texte du bouton du premier écran, avec des lettres "
        "(par exemple « 🪪 Papiers et droits »)"
    )
