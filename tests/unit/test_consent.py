"""What the preview says under the card (bot/app/consent.py): plain values in, French out."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_handoff_support import (
    MONDAY_10H,
    MONDAY_22H,
    TWO_GROUPS_YAML,
    load_test_staff,
)

from bot.app.consent import consent_notes
from bot.knowledge.staff import Role, StaffConfig
from bot.texts import handoff as t


@pytest.fixture
def staff(tmp_path: Path) -> StaffConfig:
    return load_test_staff(tmp_path, TWO_GROUPS_YAML)


def test_a_pair_aidant_request_names_its_readers_and_when_it_may_go_to_referents(staff):
    notes = consent_notes(staff, Role.PAIR_AIDANT, MONDAY_10H, urgent=False)
    assert notes == "\n\n".join(
        (t.PREVIEW_WHO.format(readers=t.PREVIEW_ROLE_PAIR), t.PREVIEW_WIDEN.format(minutes=30))
    )


def test_a_referent_request_is_not_widened(staff):
    notes = consent_notes(staff, Role.REFERENT, MONDAY_10H, urgent=False)
    readers = f"{t.PREVIEW_ROLE_REFERENT}\n{t.PREVIEW_ROLE_COORDINATION}"
    assert notes == t.PREVIEW_WHO.format(readers=readers)


def test_at_night_the_opening_and_for_an_urgent_request_the_numbers(staff):
    calm = consent_notes(staff, Role.REFERENT, MONDAY_22H, urgent=False)
    assert calm.endswith(t.PREVIEW_CLOSED.format(when="demain à 9 h"))
    urgent = consent_notes(staff, Role.REFERENT, MONDAY_22H, urgent=True)
    assert urgent == f"{calm}\n\n{t.URGENT_INFO}"
