"""What the bot is and can do, and wishes to be forgotten, in plain words."""

from pathlib import Path

import pytest

from bot.knowledge.decision import decide
from bot.knowledge.holder import Knowledge

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return Knowledge.load(ROOT / "knowledge")


@pytest.mark.parametrize(
    "message",
    [
        "tu fais quoi toi",
        "tu peux faire quoi pour moi",
        "c est qui qui repond",
        "a quoi ca sert ce truc",
        "qu est ce que tu sais faire",
        "tu travailles pour qui",
    ],
)
def test_questions_about_the_bot_get_its_presentation(knowledge: Knowledge, message: str):
    d = decide(knowledge, message)
    assert (d.kind, d.entry) == ("answer", "bot-presentation")


@pytest.mark.parametrize(
    "message",
    [
        "oublie moi",
        "je veux que tu oublies tout",
        "efface tout ce que je t ai dit",
        "supprime mes messages",
        "tu peux effacer notre conversation",
        "jveux que mes donnees soient supprimees",
        "je regrette ce que jai ecrit tu peux l effacer",
        "tu enregistres ce que je dis ?",
    ],
)
def test_wishes_to_be_forgotten_get_the_entry_with_oublier(knowledge: Knowledge, message: str):
    d = decide(knowledge, message)
    assert (d.kind, d.entry) == ("answer", "bot-donnees")
    assert "/oublier" in knowledge.kb.entry("bot-donnees").answer


@pytest.mark.parametrize(
    "message",
    [
        "j ai oublie mon mot de passe",
        "oublie de m actualiser",
        "je veux qu'un site efface mes donnees",
        "comment supprimer mon compte facebook",
        "le bouton france connect ca sert a quoi",
    ],
)
def test_forgetting_a_password_or_another_site_is_not_about_the_bot(
    knowledge: Knowledge, message: str
):
    assert decide(knowledge, message).entry not in ("bot-donnees", "bot-presentation")
