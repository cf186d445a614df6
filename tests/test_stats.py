"""The usage report: counters summed per period, printed, drawn as a page for partners."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from bot.__main__ import build_parser
from bot.adapters.sqlite import open_stores
from bot.app.ports import CounterRow
from bot.app.stats import Period, aggregate, format_text, wait_quantile
from bot.channels.report_html import BAR, render_html
from bot.channels.reports_cli import run_report_command
from bot.config import Settings
from bot.knowledge.kb import load_knowledge

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def rows() -> list[CounterRow]:
    def row(day: int, name: str, key: str, value: int) -> CounterRow:
        return CounterRow(f"2026-11-{day:02d}", name, key, value)

    return [
        row(1, "conversation", "", 4),
        row(2, "conversation", "", 3),
        row(2, "answer", "caf-compte", 5),
        row(3, "answer", "caf-compte", 2),
        row(3, "answer", "ft-actualisation", 4),
        row(3, "answer", "entree-retiree", 1),
        row(3, "helpful", "caf-compte", 3),
        row(3, "not-helpful", "caf-compte", 1),
        row(4, "clarify", "", 6),
        row(4, "fallback", "", 2),
        row(4, "none-of-these", "", 1),
        row(4, "human-requested", "", 3),
        row(5, "crisis", "suicide", 1),
        row(5, "crisis", "violences-conjugales", 2),
        row(5, "handoff-opened", "pair-aidant", 3),
        row(5, "handoff-opened", "referent", 1),
        row(6, "handoff-claimed", "pair-aidant", 4),
        row(6, "handoff-closed", "helper", 3),
        row(6, "handoff-closed", "person", 1),
        row(6, "handoff-wait", "0-5min", 1),
        row(6, "handoff-wait", "5-15min", 2),
        row(7, "handoff-wait", "1-4h", 1),
        row(7, "handoff-satisfaction", "up", 2),
        row(7, "activity-hour", "09", 7),
        row(8, "activity-hour", "09", 3),
        row(8, "activity-hour", "14", 5),
        # Outside the period, and a counter the report does not know: both ignored.
        CounterRow("2026-10-31", "answer", "caf-compte", 100),
        CounterRow("2026-12-01", "conversation", "", 100),
        row(9, "sensitive", "nir", 1),
    ]


@pytest.fixture(scope="module")
def report():
    return aggregate(rows(), NOVEMBER, load_knowledge(KNOWLEDGE))


def test_counters_of_the_period_are_summed(report) -> None:
    assert report.conversations == 7
    assert report.answers == 12
    assert (report.clarifications, report.fallbacks, report.none_of_these) == (6, 2, 1)
    assert report.human_requested == 3
    assert report.crises == (("violences-conjugales", 2), ("suicide", 1))
    assert (report.cases_opened, report.claims, report.cases_closed) == (4, 4, 4)
    assert report.closed_by == (("par l'équipe", 3), ("par la personne", 1))


def test_answers_are_grouped_by_theme_and_entry_with_the_helpful_rate(report) -> None:
    assert report.themes == (("CAF", 7), ("France Travail", 4), ("(fiche retirée)", 1))
    caf = report.entries[0]
    assert (caf.entry, caf.answers, caf.helpful, caf.not_helpful) == ("caf-compte", 7, 3, 1)
    assert caf.title == "Me connecter à Mon Compte Caf"
    assert caf.helpful_rate == 0.75
    assert report.entries[1].helpful_rate is None  # no opinion given: no rate


def test_per_hour_and_per_day_loads(report) -> None:
    assert report.hours[9] == 10 and report.hours[14] == 5 and sum(report.hours) == 15
    assert report.messages == 15
    assert len(report.per_day) == 30
    assert report.per_day[:3] == (
        (dt.date(2026, 11, 1), 4),
        (dt.date(2026, 11, 2), 3),
        (dt.date(2026, 11, 3), 0),
    )


def test_waiting_time_median_and_90th_percentile_come_from_the_buckets(report) -> None:
    assert report.waits[:4] == (("0-5min", 1), ("5-15min", 2), ("15-60min", 0), ("1-4h", 1))
    assert (report.wait_median, report.wait_p90) == ("5-15min", "1-4h")
    assert wait_quantile((("0-5min", 0), ("5-15min", 0)), 0.5) is None
    assert wait_quantile((("0-5min", 9), ("5-15min", 1)), 0.9) == "0-5min"


def test_without_knowledge_entries_are_shown_by_id() -> None:
    report = aggregate(rows(), NOVEMBER)
    assert report.entries[0].title == "caf-compte"


def test_the_text_report_states_the_figures(report) -> None:
    text = format_text(report)
    assert "du 01/11/2026 au 30/11/2026 (30 jours)" in text
    assert "Conversations commencées : 7" in text
    assert "Réponses données : 12" in text
    assert "  CAF : 7" in text
    assert "Situations de crise : 3 (violences-conjugales 2, suicide 1)" in text
    assert "médiane 5 à 15 min, 9 sur 10 : 1 à 4 h" in text
    assert re.search(r"7\s+75 %\s+caf-compte \(4 avis\)", text)
    assert "09 h" in text and "14 h" in text


def test_the_page_is_self_contained_and_printable(report) -> None:
    html = render_html(report, generated=dt.date(2026, 12, 1))
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    for outside in ("http:", "https:", "<script", "src=", "<link", "@import", "url("):
        assert outside not in html, outside
    assert "@media print" in html
    assert html.count("<svg") == 5  # days, themes, hours, waits, crises
    assert "rapport du 01/12/2026" in html


def test_html_escapes_what_comes_from_files() -> None:
    weird = aggregate([CounterRow("2026-11-02", "crisis", "<b>x</b>&", 1)], NOVEMBER)
    html = render_html(weird)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;&amp;" in html


async def test_stats_command_reads_the_database_and_writes_the_page(tmp_path: Path) -> None:
    database = tmp_path / "relais.sqlite3"
    store = await open_stores(database)
    for row in rows():
        await store.counters.count(row.name, row.key, row.value, day=row.day)
    await store.close()
    page = tmp_path / "rapport.html"
    argv = ["stats", "--base", str(database), "--du", "2026-11-01", "--au", "2026-11-30"]
    out = io.StringIO()
    # The command runs its own event loop, as from the terminal: give it a thread.
    assert await asyncio.to_thread(report_cli, [*argv, "--html", str(page)], out) == 0
    assert "Conversations commencées : 7" in out.getvalue()
    assert "Conversations commencées" in page.read_text(encoding="utf-8")


def test_stats_without_a_database_says_where_it_looked(tmp_path: Path) -> None:
    out = io.StringIO()
    assert report_cli(["stats", "--base", str(tmp_path / "x.db")], out) == 1
    assert "Pas de base de données" in out.getvalue()


def report_cli(argv: list[str], out: io.StringIO) -> int:
    args = build_parser().parse_args(argv)
    return run_report_command(args, Settings(knowledge_dir=KNOWLEDGE), out, open_stores)


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (.ci/run installs it with apt-get when run as root)",
)
def test_the_page_shows_the_figures_in_headless_chromium(report, tmp_path: Path) -> None:
    page = tmp_path / "rapport.html"
    page.write_text(render_html(report), encoding="utf-8")
    base = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    for figure in ("Conversations commencées", ">7<", ">12<", "75 %", "5 à 15 min", "1 à 4 h"):
        assert figure in dom, figure
    shot = tmp_path / "rapport.png"
    subprocess.run(
        [*base, "--window-size=1000,2400", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    width, height, pixels = read_png(shot.read_bytes())
    assert (width, height) == (1000, 2400)
    bar = bytes.fromhex(BAR.lstrip("#"))
    assert pixels.count(bar) > 500, "the bar charts are not drawn"


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB pixels of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, b"", b""
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks += body
        pos += 12 + size
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6)
    channels = 3 if color == 2 else 4
    stride = width * channels
    raw = zlib.decompress(chunks)
    previous = bytearray(stride)
    pixels: list[bytes] = []
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                row[i] = (row[i] + best) & 0xFF
        pixels.extend(bytes(row[x : x + 3]) for x in range(0, stride, channels))
        previous = row
    return width, height, pixels
