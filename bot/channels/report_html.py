"""The usage report as one self-contained HTML page, for partners: open it, print it.

No script, no font, no image file, no link to anything outside: the charts are inline SVG
drawn here, so the page shows the same offline, in any browser, and on paper (``@media
print``). Every figure is also written as text next to its bar, so it can be read when
printed in black and white, and by screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from bot.app.stats import WAIT_WORDS, UsageReport, percent

BAR = "#2f6f9f"
BAR_SOFT = "#9cc3df"
ALERT = "#b5452f"
TEXT = "#1d2a33"
GRID = "#d9e2e8"

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1d2a33;
margin:0 auto;max-width:60rem;padding:1.5rem;line-height:1.4;background:#fff}
h1{font-size:1.6rem;margin:0 0 .25rem}
h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:2px solid #d9e2e8;padding-bottom:.2rem}
.sub{color:#4d5d68;margin:0 0 1rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.75rem}
.card{border:1px solid #d9e2e8;border-radius:.5rem;padding:.6rem .8rem}
.card b{display:block;font-size:1.7rem}
.card span{font-size:.85rem;color:#4d5d68}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #d9e2e8}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg{display:block;max-width:100%;height:auto}
svg text{font-family:inherit;fill:#1d2a33}
.note{font-size:.85rem;color:#4d5d68}
section{break-inside:avoid;page-break-inside:avoid}
@media print{body{padding:0;max-width:none}h2{margin-top:1.2rem}.card{border-color:#999}}
"""


def render_html(report: UsageReport, *, generated: dt.date | None = None) -> str:
    """The whole page for ``report``."""
    p = report.period
    title = f"Relais : utilisation du {p.start:%d/%m/%Y} au {p.end:%d/%m/%Y}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{p.days} jours'
        + (f" · rapport du {generated:%d/%m/%Y}" if generated else "")
        + " · aucune personne ni aucun message : seulement des compteurs.</p>",
        _cards(report),
        _section("Conversations commencées, jour par jour", _day_chart(report)),
        _section("Réponses données, par thème", _hbar_chart(report.themes)),
        _section("Charge par heure de la journée (messages reçus)", _hour_chart(report.hours)),
        _section("Aide humaine", _handoff(report)),
        _section("Les fiches les plus données", _entries_table(report)),
        _section("Situations de crise, par catégorie", _crises(report)),
        '<p class="note">Rapport produit par Relais (python -m bot stats --html). Les '
        "compteurs ne contiennent ni nom, ni numéro, ni texte de message.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def _cards(report: UsageReport) -> str:
    helpful = report.helpful + report.not_helpful
    rate = report.helpful / helpful if helpful else None
    crises = sum(n for _k, n in report.crises)
    cards = [
        (str(report.conversations), "conversations commencées"),
        (str(report.answers), "réponses données"),
        (percent(rate), f"réponses jugées utiles ({helpful} avis)"),
        (str(report.clarifications), "questions pas claires"),
        (str(report.fallbacks), "questions sans réponse"),
        (str(report.cases_opened), "demandes d'aide humaine"),
        (str(crises), "situations de crise"),
    ]
    items = "".join(
        f'<div class="card"><b>{escape(value)}</b><span>{escape(label)}</span></div>'
        for value, label in cards
    )
    return f'<div class="cards">{items}</div>'


def _hbar_chart(items: Sequence[tuple[str, int]], *, color: str = BAR) -> str:
    """Horizontal bars with the label on the left and the figure after the bar."""
    if not items or not any(n for _l, n in items):
        return '<p class="note">Rien sur cette période.</p>'
    row, label_w, bar_w = 26, 190, 360
    top = max(n for _l, n in items) or 1
    height = row * len(items) + 8
    out = [_svg_open(label_w + bar_w + 60, height, "Diagramme en barres")]
    for i, (label, n) in enumerate(items):
        y = 4 + i * row
        width = max(2, round(bar_w * n / top)) if n else 0
        out.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13">'
            f"{escape(_short(label, 28))}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row - 8}" rx="3" '
            f'fill="{color}"><title>{escape(label)} : {n}</title></rect>'
            f'<text x="{label_w + width + 6}" y="{y + 16}" font-size="13">{n}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _vbar_chart(
    values: Sequence[int], labels: Sequence[str], *, every: int = 1, color: str = BAR
) -> str:
    """Vertical bars; a figure above every non-zero bar, a label under every ``every``."""
    if not any(values):
        return '<p class="note">Rien sur cette période.</p>'
    width, height, base, pad = 720, 190, 160, 22  # pad: room for the first and last labels
    step = (width - 2 * pad) / max(len(values), 1)
    top = max(values) or 1
    out = [_svg_open(width, height, "Diagramme en colonnes")]
    out.append(f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="{GRID}"/>')
    for i, (n, label) in enumerate(zip(values, labels, strict=True)):
        x = pad + i * step + step * 0.15
        bar_h = round(130 * n / top) if n else 0
        out.append(
            f'<rect x="{x:.1f}" y="{base - bar_h}" width="{step * 0.7:.1f}" height="{bar_h}" '
            f'rx="2" fill="{color}"><title>{escape(label)} : {n}</title></rect>'
        )
        center = x + step * 0.35
        if n:
            out.append(
                f'<text x="{center:.1f}" y="{base - bar_h - 4}" text-anchor="middle" '
                f'font-size="11">{n}</text>'
            )
        if i % every == 0:
            out.append(
                f'<text x="{center:.1f}" y="{base + 16}" text-anchor="middle" font-size="11">'
                f"{escape(label)}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def _day_chart(report: UsageReport) -> str:
    days = report.per_day
    every = 1 if len(days) <= 16 else 7 if len(days) > 62 else 3
    return _vbar_chart(
        [n for _d, n in days], [f"{d:%d/%m}" for d, _n in days], every=every, color=BAR
    )


def _hour_chart(hours: Sequence[int]) -> str:
    return _vbar_chart(list(hours), [f"{h} h" for h in range(24)], every=3, color=BAR_SOFT)


def _handoff(report: UsageReport) -> str:
    closed = ", ".join(f"{escape(k)} : {n}" for k, n in report.closed_by) or "–"
    rows = [
        ("Demandes transmises à l'équipe", str(report.cases_opened)),
        ("Prises en charge (« Je prends »)", str(report.claims)),
        (
            "Transferts vers un référent",
            f"{report.transfers} acceptés par la personne, {report.transfers_refused} refusés",
        ),
        ("Confiées aux référents avant d'être prises", str(report.to_referent)),
        ("Laissées, remises en attente", str(report.released)),
        ("Terminées", f"{report.cases_closed} ({closed})"),
        ("Demandes de parler à quelqu'un", str(report.human_requested)),
        ("Messages illisibles, ignorés", str(report.unreadable_updates)),
    ]
    if report.wait_median is not None:
        rows.append(("Attente médiane avant prise en charge", WAIT_WORDS[report.wait_median]))
        rows.append(("9 personnes sur 10 ont attendu au plus", WAIT_WORDS[report.wait_p90 or ""]))
    up, neutral, down = (n for _k, n in report.satisfaction)
    if up or neutral or down:
        rows.append(
            (
                "Avis des personnes aidées",
                f"contentes : {up} · moyen : {neutral} · déçues : {down}",
            )
        )
    table = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    waits = [(WAIT_WORDS.get(label, label), n) for label, n in report.waits]
    chart = _hbar_chart(waits, color=BAR_SOFT) if any(n for _l, n in waits) else ""
    legend = (
        "<p class=\"note\">Attente avant qu'une personne de l'équipe prenne la demande, "
        "par tranche (Relais ne garde pas l'heure exacte).</p>"
        if chart
        else ""
    )
    return f"<table>{table}</table>{legend}{chart}"


def _entries_table(report: UsageReport) -> str:
    if not report.entries:
        return '<p class="note">Aucune réponse sur cette période.</p>'
    head = (
        '<tr><th>Fiche</th><th>Thème</th><th class="n">Réponses</th>'
        '<th class="n">Avis</th><th class="n">Utile</th></tr>'
    )
    rows = "".join(
        f"<tr><td>{escape(u.title)}<br><small>{escape(u.entry)}</small></td>"
        f'<td>{escape(u.theme)}</td><td class="n">{u.answers}</td>'
        f'<td class="n">{u.opinions}</td><td class="n">{percent(u.helpful_rate)}</td></tr>'
        for u in report.entries[:25]
    )
    more = (
        f'<p class="note">… et {len(report.entries) - 25} autres fiches.</p>'
        if len(report.entries) > 25
        else ""
    )
    return f"<table>{head}{rows}</table>{more}"


def _crises(report: UsageReport) -> str:
    if not report.crises:
        return '<p class="note">Aucune sur cette période.</p>'
    return _hbar_chart(report.crises, color=ALERT)


def _svg_open(width: int, height: int, label: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
    )


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
