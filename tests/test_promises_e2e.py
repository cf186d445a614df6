"""What the bot promises, end to end (issue 17): the real Application on the fake Bot API.

Each test plays a person and the team through ``Desk`` (``test_handoff_e2e.py``) and checks
what each side reads in Telegram, what the coordinator reads in the report, and what the log
file holds.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fakebotapi import FakeBotApi, new_person
from test_handoff_e2e import Desk

from bot.__main__ import build_parser
from bot.adapters.sqlite import open_stores
from bot.channels.reports_cli import run_report_command
from bot.texts import handoff as t


@pytest.fixture
async def desk2(fake_api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Desk]:
    """Two staff groups: pair-aidants in one, référents and coordinators in the other."""
    desk = Desk(fake_api, tmp_path, two_groups=True)
    await desk.start()
    yield desk
    await desk.stop()


def usage_report(desk: Desk) -> str:
    """``./relais stats`` on the bot's database, as a coordinator runs it."""
    args = build_parser().parse_args(["stats", "--base", str(desk.settings.db_path)])
    out = io.StringIO()
    assert run_report_command(args, desk.settings, out, open_stores) == 0
    return out.getvalue()


# --- 1. the usage report counts cases, claims and transfers apart ------------------------


async def test_the_report_counts_one_request_two_claims_and_one_transfer(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk2.ask(lea)
    await desk2.accept_charter(desk2.sam)
    await desk2.claim(desk2.sam, lea)
    await desk2.helper_writes(desk2.sam, lea, "/transferer")
    await desk2.send(lea.presses(desk2.last(lea), t.BUTTON_TRANSFER_YES))
    await desk2.claim(desk2.nadia, lea)
    # One update the library cannot read, fetched by the bot's own getUpdates.
    broken = lea.sends_callback("x")
    del broken["callback_query"]["chat_instance"]
    await desk2.application.bot.get_updates(timeout=0)

    report = await asyncio.to_thread(usage_report, desk2)
    assert "demandes transmises à l'équipe : 1 (une par « Oui » d'une personne)" in report
    assert "prises en charge (« Je prends ») : 2" in report
    assert "elle compte une fois de plus" in report
    assert "transferts vers un référent : 1 acceptés par la personne, 0 refusés" in report
    assert "messages illisibles, ignorés : 1" in report
