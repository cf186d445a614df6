"""Asking for a person, in the ways people do: the handoff, or the honest "I cannot phone".

A call or a meeting wished for gets ``besoin-voir-quelqu-un`` (the bot cannot phone or meet,
says so, and offers a person here and a place nearby); every other request for a person is
the handoff. A story of a call received, a pasted message or an organisation's adviser is
not a request for our team.
"""

from pathlib import Path

import pytest

from bot.knowledge.decision import CALL_OR_MEET_ENTRY, decide
from bot.knowledge.holder import Knowledge
from bot.knowledge.intents import Intent, detect_intent

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return Knowledge.load(ROOT / "knowledge")


@pytest.mark.parametrize(
    "message",
    [
        "je veux voir mon educatrice",
        "mon educ est dispo ?",
        "jai besoin de parler a mon AS",
        "est ce que ma referente peut passer chez moi",
        "c est un robot ou une vraie personne",
        "je parle a une machine la ?",
        "jen ai marre des robots",
        "besoin dune vraie personne",
        "ya quelquun ?",
        "il y a quelqu un qui peut m aider",
        "mettez moi en contact avec quelqu un",
        "un conseiller svp",
        "mon tuteur il est ou",
    ],
)
def test_asking_for_a_person_is_the_handoff(knowledge: Knowledge, message: str):
    assert decide(knowledge, message).kind == "human"


@pytest.mark.parametrize(
    "message",
    [
        "je veux quelqu un pour m aider a remplir mon dossier",
        "quelquun peut m accompagner pour faire mes demarches",
        "je voudrais qu on fasse le dossier ensemble",
        "vous pouvez remplir avec moi le formulaire",
        "jai besoin que quelquun me guide pour le formulaire",
    ],
)
def test_someone_to_do_the_procedure_with_me_is_the_handoff(knowledge: Knowledge, message: str):
    assert decide(knowledge, message).kind == "human"


@pytest.mark.parametrize(
    "message",
    [
        "jprefere kon mapel",
        "vous pouvez mappeler stp",
        "rappelez moi au plus vite",
        "un coup de fil svp",
        "je prefere parler au telephone ecrire cest dur pour moi",
        "on peut se rencontrer ?",
        "je voudrais venir vous voir",
        "ou sont vos bureaux",
        "je peux avoir un rendez vous avec quelqu un de chez vous",
        "cest possible de parler a quelquun de vive voix",
    ],
)
def test_a_call_or_a_meeting_gets_the_honest_entry(knowledge: Knowledge, message: str):
    d = decide(knowledge, message)
    assert (d.kind, d.entry, d.intent) == ("answer", CALL_OR_MEET_ENTRY, "call-or-meet")


@pytest.mark.parametrize(
    "message",
    [
        "un monsieur de la banque m a appele je lui ai lu le code",
        "un faux conseiller m a appele et jai donne mes codes",
        "on m appelle tout le temps pour vendre des trucs",
        "Appelez-moi au 06 12 34 56 78 pour votre colis",
        "comment appeler la caf",
        "je veux parler a un conseiller caf",
        "je veux un rendez vous a la caf",
        "mon educ m a dit de creer une adresse mail",
        "je veux appeler ma fille en video",
        "quelqu un peut faire ma demarche a ma place ?",
    ],
)
def test_a_story_a_pasted_message_or_an_organisation_is_not_a_request_for_us(
    knowledge: Knowledge, message: str
):
    d = decide(knowledge, message)
    assert d.kind != "human"
    assert d.intent != Intent.CALL_OR_MEET.value


def test_a_phrase_about_phoning_never_offers_scam_entries(knowledge: Knowledge):
    for message in ("appelez moi svp", "vous pouvez me rappeler", "je prefere au telephone"):
        d = decide(knowledge, message)
        assert not any(c.startswith("arnaque") for c in d.choices)
        assert d.entry == CALL_OR_MEET_ENTRY


def test_a_phone_number_in_the_text_means_a_pasted_message():
    assert detect_intent("appelez moi", "Appelez-moi au 06 12 34 56 78") is None
    assert detect_intent("appelez moi", "appelez moi") is Intent.CALL_OR_MEET


# Written after the intent examples, in words none of them uses: the patterns miss each of
# these, the model learned from knowledge/exemples-intentions.yaml finds them.
@pytest.mark.parametrize(
    "message",
    [
        "est ce que l educatrice pourrait me recontacter",
        "une personne pour maider a comprendre mon courrier",
    ],
)
def test_requests_the_patterns_miss_are_learned(knowledge: Knowledge, message: str):
    assert detect_intent(message, message) is None
    assert decide(knowledge, message).kind == "human"


def test_a_wish_to_be_forgotten_in_new_words_gets_the_forget_entry(knowledge: Knowledge):
    decision = decide(knowledge, "retirez tout ce que je vous ai ecrit")
    assert (decision.kind, decision.entry) == ("answer", "bot-donnees")


@pytest.mark.parametrize(
    "message",
    ["comment appeler la caf", "numero de france travail", "CAF svp", "tu aimes le foot ?"],
)
def test_what_only_looks_like_a_request_keeps_its_own_reply(knowledge: Knowledge, message: str):
    """Calling an organisation, a theme's name, an off-topic question: not our team."""
    decision = decide(knowledge, message)
    assert decision.kind != "human"
    assert decision.entry != CALL_OR_MEET_ENTRY


def test_a_coordinator_mistake_in_the_intent_examples_is_shown_with_its_line(tmp_path: Path):
    from bot.knowledge.intent_model import load_intent_examples
    from bot.knowledge.yamlfile import KnowledgeError

    path = tmp_path / "exemples-intentions.yaml"
    path.write_text(
        'human:\n  - {text: "un humain svp"}\n  - {text: "UN HUMAIN SVP"}\nhumains:\n  - x\n',
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError) as error:
        load_intent_examples(path)
    shown = str(error.value)
    assert "exemples-intentions.yaml:3" in shown and "déjà écrit ligne 2" in shown
    assert "exemples-intentions.yaml:4" in shown and "humains" in shown
