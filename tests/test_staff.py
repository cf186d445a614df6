"""The staff configuration, opening hours in French, and the pair-aidant charter."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, Settings
from bot.knowledge.staff import (
    OpeningHours,
    Role,
    french_time,
    load_charter,
    load_staff,
)
from bot.knowledge.yamlfile import KnowledgeError

REPO_ROOT = Path(__file__).resolve().parent.parent
UTC = dt.UTC


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Paris"))


def write(tmp_path: Path, text: str, name: str = "staff.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def example():
    return load_staff(REPO_ROOT / "staff.example.yaml")


# --- the example file ----------------------------------------------------------------------


def test_the_example_file_loads_as_documented(example):
    assert [g.roles for g in example.groups] == [
        frozenset({Role.PAIR_AIDANT}),
        frozenset({Role.REFERENT, Role.COORDINATEUR}),
    ]
    assert [h.display for h in example.helpers] == [
        "Sam, personne pair-aidante",
        "Nadia, personne référente",
        "Claire, personne coordinatrice",
    ]
    assert example.helper(111111111).name == "Sam"  # type: ignore[union-attr]
    assert example.helper(42) is None
    assert example.delays.remind_after == dt.timedelta(minutes=10)
    assert dt.date(2026, 12, 28) in example.hours.closed  # from a {from, to} period
    assert example.warnings == ()


def test_helper_ids_stay_out_of_repr(example):
    assert "111111111" not in repr(example.helpers)


def test_routing_by_role_then_territory(tmp_path: Path, example):
    assert example.group_for(Role.PAIR_AIDANT).chat_id == -1001234567890
    assert example.group_for(Role.REFERENT).chat_id == -1009876543210
    staff = load_staff(
        write(
            tmp_path,
            """
hours: {lundi: "09:00-17:00"}
groups:
  - {chat_id: -101, roles: [referent], territory: Grenoble}
  - {chat_id: -102, roles: [referent], territory: Lyon}
helpers:
  - {telegram_id: 1, name: Nadia, role: referent}
""",
        )
    )
    assert staff.group_for(Role.REFERENT, "lyon").chat_id == -102
    assert staff.group_for(Role.REFERENT, "Paris").chat_id == -101
    # No pair-aidant group: pair-aidant cases go to référents.
    assert staff.group_for(Role.PAIR_AIDANT).chat_id == -101


# --- errors, with file:line ------------------------------------------------------------------

BROKEN = """\
timezone: Europe/Pariss
hours:
  lundi: "09:00-12:00, 11:00-17:00"
  mardy: "09:00-12:00"
  mercredi: "9h-midi"
  jeudi: 9:00
closed: [25/12/2026]
groups:
  - chat_id: 12345
    roles: [pair-aidant]
  - chat_id: -100
    roles: [pair-aidante]
    hour: {}
helpers:
  - {telegram_id: 7, name: Sam, role: pair-aidant}
  - {telegram_id: 7, name: Sam2, role: pair-aidant}
  - {telegram_id: 8, name: "", role: referent}
  - {telegram_id: 9, name: Lou, role: chef}
delays: {remind_after_minutes: 30, widen_after_minutes: 10}
"""


def test_every_mistake_is_reported_at_once_with_its_line(tmp_path: Path):
    with pytest.raises(KnowledgeError) as caught:
        load_staff(write(tmp_path, BROKEN))
    found = [(p.line, p.message) for p in caught.value.problems]
    expected = {
        1: "fuseau horaire « Europe/Pariss » inconnu",
        3: "deux plages horaires se chevauchent",
        4: "jour « mardy » inconnu",
        5: "« 9h-midi » n'est pas une plage horaire",
        6: "mettez les horaires entre guillemets",
        7: "« 25/12/2026 » n'est pas une date",
        9: "chat_id d'un groupe : un nombre négatif",
        12: "rôle « pair-aidante » inconnu : écrivez pair-aidant, referent ou coordinateur",
        13: "clé « hour » inconnue dans un groupe",
        16: "cet aidant est déjà listé plus haut",
        17: "name : le prénom montré aux personnes",
        18: "rôle « chef » inconnu",
        19: "widen_after_minutes doit être plus grand que remind_after_minutes",
    }
    for line, fragment in expected.items():
        assert any(n == line and fragment in m for n, m in found), (line, fragment, found)
    assert all(str(p).startswith(f"{p.path}:{p.line}: ") for p in caught.value.problems)
    assert caught.value.problems[0].path.endswith("staff.yaml")


def test_a_team_without_a_referent_group_is_refused(tmp_path: Path):
    path = write(
        tmp_path,
        """
hours: {lundi: "09:00-17:00"}
groups: [{chat_id: -101, roles: [pair-aidant]}]
helpers: [{telegram_id: 1, name: Sam, role: pair-aidant}]
""",
    )
    with pytest.raises(KnowledgeError, match="aucun groupe ne sert les référents"):
        load_staff(path)


def test_missing_sections_are_named(tmp_path: Path):
    with pytest.raises(KnowledgeError) as caught:
        load_staff(write(tmp_path, "timezone: Europe/Paris\n"))
    text = str(caught.value)
    assert "hours: manque" in text and "groups: manque" in text and "helpers: manque" in text


def test_a_yaml_syntax_error_points_at_the_line(tmp_path: Path):
    with pytest.raises(KnowledgeError, match=r"staff.yaml:\d+: YAML illisible"):
        load_staff(write(tmp_path, 'hours:\n  lundi: "09:00\ngroups: [\n'))


def test_an_impossible_date_is_an_error_not_a_crash(tmp_path: Path):
    with pytest.raises(KnowledgeError, match="une date est impossible"):
        load_staff(write(tmp_path, "closed: [2026-13-01]\n"))


def test_advice_does_not_block(tmp_path: Path):
    staff = load_staff(
        write(
            tmp_path,
            """
hours: {samedi: fermé}
groups: [{chat_id: -101, roles: [pair-aidant, referent]}]
helpers: [{telegram_id: 1, name: Sam, role: pair-aidant}]
""",
        )
    )
    messages = [w.message for w in staff.warnings]
    assert any("aucun jour d'ouverture" in m for m in messages)
    assert any("aucun référent" in m for m in messages)
    assert staff.hours.describe_next_opening(dt.datetime(2026, 1, 1, tzinfo=UTC)) is None


# --- opening hours ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hours(example) -> OpeningHours:
    return example.hours


def test_open_during_the_intervals_and_closed_at_their_end(hours: OpeningHours):
    assert hours.is_open(paris(2026, 11, 23, 9, 0))
    assert hours.is_open(paris(2026, 11, 23, 11, 59))
    assert not hours.is_open(paris(2026, 11, 23, 12, 0))
    assert not hours.is_open(paris(2026, 11, 23, 8, 59))
    assert not hours.is_open(paris(2026, 11, 28, 10, 0))  # samedi: fermé
    assert not hours.is_open(paris(2026, 12, 25, 10, 0))  # Christmas, a Friday
    assert hours.current_opening_start(paris(2026, 11, 23, 15, 0)) == paris(2026, 11, 23, 14)


def test_the_next_opening_is_said_in_french(hours: OpeningHours):
    assert hours.describe_next_opening(paris(2026, 11, 23, 12, 30)) == "aujourd'hui à 14 h"
    assert hours.describe_next_opening(paris(2026, 11, 23, 22, 0)) == "demain à 9 h"
    assert hours.describe_next_opening(paris(2026, 11, 27, 18, 30)) == "lundi à 9 h"
    assert hours.describe_next_opening(paris(2026, 11, 28, 3, 0)) == "lundi à 9 h"
    # Closed from 24 to 31 December and on 1 January: back on Monday 4 January.
    assert hours.describe_next_opening(paris(2026, 12, 23, 18, 0)) == "le lundi 4 janvier à 9 h"


def test_times_are_written_the_french_way():
    assert french_time(dt.time(9, 0)) == "9 h"
    assert french_time(dt.time(14, 30)) == "14 h 30"
    assert french_time(dt.time(8, 5)) == "8 h 05"


def test_summer_time_is_handled(hours: OpeningHours):
    # Sunday 28 March 2027 Paris moves to UTC+2: Monday 9:00 is 07:00 UTC.
    sunday = dt.datetime(2027, 3, 28, 12, 0, tzinfo=UTC)
    assert hours.next_opening(sunday) == dt.datetime(2027, 3, 29, 7, 0, tzinfo=UTC)


# Hypothesis takes naive bounds; the times are made aware (UTC) inside the test.
_FROM = dt.datetime(2026, 1, 1)  # noqa: DTZ001
_TO = dt.datetime(2028, 12, 31)  # noqa: DTZ001


@given(st.datetimes(min_value=_FROM, max_value=_TO))
def test_the_next_opening_is_open_and_never_in_the_past(naive: dt.datetime):
    hours = load_staff(REPO_ROOT / "staff.example.yaml").hours
    now = naive.replace(tzinfo=UTC)
    moment = hours.next_opening(now)
    assert moment is not None and moment >= now
    assert hours.is_open(moment)
    assert moment - now < dt.timedelta(days=12)


# --- the charter -----------------------------------------------------------------------------


def test_the_charter_covers_what_the_team_asked():
    charter = load_charter(REPO_ROOT / "knowledge" / "charte.yaml")
    assert charter.version == "2026-11-23"
    text = charter.text.lower()
    for must in ("secret", "mot de passe", "référent", "3114", "15", "112", "respecte"):
        assert must in text


def test_a_charter_without_version_is_refused_with_its_line(tmp_path: Path):
    path = write(tmp_path, "title: Charte\nsections:\n  - {title: A, text: B}\n", "charte.yaml")
    with pytest.raises(KnowledgeError, match=r"charte.yaml:1: version: manque"):
        load_charter(path)


# --- settings --------------------------------------------------------------------------------


def test_retention_days_come_from_the_environment():
    assert Settings.from_env({}).retention_days == 30
    assert Settings.from_env({"RELAIS_RETENTION_DAYS": "7"}).retention_days == 7
    bad = Settings.from_env(
        {
            "RELAIS_TOKEN": "123456789:" + "A" * 35,
            "RELAIS_SECRET": "s" * 32,
            "RELAIS_RETENTION_DAYS": "trente",
            "RELAIS_KNOWLEDGE": str(REPO_ROOT / "knowledge"),
        }
    )
    with pytest.raises(ConfigError, match="RELAIS_RETENTION_DAYS"):
        bad.check_for_telegram()


def test_a_staff_file_error_stops_the_start_with_exit_code_2_and_says_it_is_the_team_file(
    tmp_path: Path,
) -> None:
    """Not « Les fichiers de connaissances ont des erreurs » (exit 1): the team's file, with
    where it is wrong, under « Relais ne peut pas démarrer », exit 2 as every start error."""
    staff = tmp_path / "staff.yaml"
    staff.write_text("groups:\n  - {chat_id: pas-un-nombre}\nhelpers: []\n", encoding="utf-8")
    env = {
        **os.environ,
        "RELAIS_TOKEN": "123456789:" + "AAFakeTokenForTestsOnly0123456789abc",
        "RELAIS_SECRET": "a-test-secret-of-32-characters!!",
        "RELAIS_BOT_API_URL": "http://127.0.0.1:9/bot",  # never reached
        "RELAIS_DB": str(tmp_path / "relais.sqlite3"),
        "RELAIS_KNOWLEDGE": str(REPO_ROOT / "knowledge"),
        "RELAIS_STAFF_CONFIG": str(staff),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    first, *problems = [line for line in done.stderr.splitlines() if line.strip()]
    assert first.startswith("Relais ne peut pas démarrer : le fichier de l'équipe")
    assert "connaissances" not in done.stderr and "Traceback" not in done.stderr
    assert problems and all("staff.yaml:" in line for line in problems)
