"""A coordinator's day, through the real Application, SQLite and the fake Bot API.

Claire (coordinatrice) breaks a knowledge file: people keep getting answers and the staff
group is told what is wrong, with file:line. She fixes it and adds an entry, previews it with
/apercu, Léa asks it and finds it useful, and the usage report shows it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BotUnderTest
from fakebotapi import FakeBotApi, FakeChat, FakeMessage, Person, new_person

from bot.__main__ import build_parser
from bot.adapters.sqlite import open_stores
from bot.channels.reports_cli import run_report_command
from bot.config import Settings
from bot.knowledge.kb import load_knowledge
from bot.texts import person as texts

REPO_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
NEW_ENTRY = """\
- id: permanence-numerique
  theme: aide
  title: "La permanence numérique de l'association"
  questions:
    - quand est la permanence numerique
    - horaires de la permanence de l association
    - ou se trouve la permanence numerique
    - je peux venir a la permanence quand
  keywords: [permanence, association, local]
  answer: |
    💻 La permanence numérique a lieu le mardi, de 14 h à 17 h, au local de l'association.
    Venez avec vos papiers et votre téléphone.
  reviewed: 2026-11-23
"""
PERSON_QUESTION = "c'est quand la permanence numerique ?"


@dataclass
class Team:
    group: FakeChat
    claire: Person  # coordinatrice
    sam: Person  # pair-aidant


@pytest.fixture
def team(fake_api: FakeBotApi) -> Team:
    return Team(
        group=fake_api.new_forum("Relais · équipe"),
        claire=new_person(fake_api, "Claire"),
        sam=new_person(fake_api, "Sam"),
    )


def staff_file(path: Path, team: Team) -> Path:
    path.write_text(
        f"""
hours:
  lundi: "00:00-23:59"
groups:
  - chat_id: {team.group.id}
    name: "Relais · équipe"
    roles: [pair-aidant, referent, coordinateur]
helpers:
  - {{telegram_id: {team.claire.user.id}, name: Claire, role: coordinateur}}
  - {{telegram_id: {team.sam.user.id}, name: Sam, role: pair-aidant}}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def telegram_settings(tmp_path: Path, fake_api: FakeBotApi, team: Team) -> Settings:
    """Overrides conftest's: a copy of knowledge/ to edit, and a staff file with Claire."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_KNOWLEDGE, knowledge)
    return Settings(
        token=fake_api.token,
        secret="a-test-secret-of-32-characters!!",
        db_path=tmp_path / "relais.sqlite3",
        knowledge_dir=knowledge,
        staff_config=staff_file(tmp_path / "staff.yaml", team),
    )


async def files_looked_at(relais: BotUnderTest) -> None:
    """What the repeating job does every few seconds, twice: see a change, see it settled."""
    queue = relais.application.job_queue
    assert queue is not None
    [watch] = queue.get_jobs_by_name("knowledge-watch")
    for _ in range(2):
        await watch.run(relais.application)


def group_texts(api: FakeBotApi, team: Team) -> list[str]:
    return api.texts_to(team.group.id)


def last(api: FakeBotApi, chat_id: int) -> FakeMessage:
    return api.sent_to(chat_id)[-1]


async def test_a_coordinators_day(
    relais: BotUnderTest,
    fake_api: FakeBotApi,
    team: Team,
    telegram_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    knowledge = telegram_settings.knowledge_dir
    lea = new_person(fake_api, "Léa")

    # 1. Claire breaks caf.yaml: a theme that does not exist.
    caf = knowledge / "caf.yaml"
    original = caf.read_text(encoding="utf-8")
    broken_line = original.splitlines().index("  theme: caf") + 1
    caf.write_text(original.replace("  theme: caf\n", "  theme: cafe\n", 1), encoding="utf-8")
    await files_looked_at(relais)
    [refused] = group_texts(fake_api, team)
    assert refused.startswith("❌ Fiches PAS rechargées")
    assert f"caf.yaml:{broken_line}: fiche 'caf-compte' : thème inconnu 'cafe'" in refused

    # ... and Léa is still answered, from the previous knowledge.
    await relais.send(lea.says("j'ai oublié mon mot de passe caf"))
    assert last(fake_api, lea.chat_id).text.startswith("Mot de passe ou numéro allocataire Caf")

    # 2. She fixes it and adds an entry in a new file: the group hears it is live.
    caf.write_text(original, encoding="utf-8")
    (knowledge / "local.yaml").write_text(NEW_ENTRY, encoding="utf-8")
    await files_looked_at(relais)
    applied = group_texts(fake_api, team)[-1]
    shipped = len(load_knowledge(REPO_KNOWLEDGE).entries)
    assert applied.startswith(f"✅ Fiches rechargées : {shipped + 1} fiches")
    assert "Nouvelles : permanence-numerique" in applied
    assert "caf" not in applied.split("Nouvelles")[1]  # restored as it was: no change

    # 3. She previews it in the staff group, as a person will see it.
    await relais.send(team.claire.says("/apercu permanence-numerique", chat=team.group))
    header, preview = fake_api.sent_to(team.group.id)[-2:]
    assert "Aperçu de la fiche « permanence-numerique »" in header.text
    assert "Décision : réponse · fiche « permanence-numerique »" in header.text
    assert "Ses 4 questions mènent toutes à cette fiche." in header.text
    assert preview.text.startswith("La permanence numérique de l'association")
    assert preview.inline_buttons == [
        [texts.BUTTON_HELPFUL, texts.BUTTON_NOT_HELPFUL],
        [texts.BUTTON_HUMAN],
    ]

    # 4. Léa asks it in her words: exactly the preview.
    await relais.send(lea.says(PERSON_QUESTION))
    answer = last(fake_api, lea.chat_id)
    assert answer.html == preview.html
    assert answer.inline_buttons == preview.inline_buttons
    await relais.send(lea.presses(answer, texts.BUTTON_HELPFUL))
    assert last(fake_api, lea.chat_id).text == texts.FEEDBACK_THANKS_UP

    # 5. In the evening, the report counts it (counters only).
    today = dt.datetime.now(dt.UTC).date()
    argv = [
        "stats",
        "--base",
        str(telegram_settings.db_path),
        "--du",
        (today - dt.timedelta(days=1)).isoformat(),
        "--au",
        (today + dt.timedelta(days=1)).isoformat(),
    ]
    out = io.StringIO()
    args = build_parser().parse_args(argv)
    assert (
        await asyncio.to_thread(run_report_command, args, telegram_settings, out, open_stores) == 0
    )
    report = out.getvalue()
    assert re.search(r"\b1\s+100 %\s+permanence-numerique \(1 avis\)", report)
    assert re.search(r"\b1\s+–\s+caf-mot-de-passe \(0 avis\)", report)
    assert "Trouver de l'aide : 1" in report

    # Nothing people or Claire wrote reached our logs (PTB's own DEBUG lines are off in run).
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    assert "knowledge reloaded" in ours
    for words in ("mot de passe caf", "permanence numerique", "Claire", "Léa", str(lea.user.id)):
        assert words not in ours
