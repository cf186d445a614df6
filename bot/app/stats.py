"""The usage report for a period, from counters only: no person, no text.

Everything comes from the ``counters`` table, whose names are :class:`Counter`
(``bot/domain/counters.py``): the engine counts answers, feedback, clarifications, fallbacks
and crises; the handoff counts cases and the waiting time in buckets
(``bot/app/handoff_core.py``); the coordinators' wrapper counts the load per hour; the
Telegram channel counts the updates it could not read. A case (one request, one « Oui ») and
a claim (one « Je prends ») are counted apart: after a transfer or a release the same case is
claimed again, so ``claims`` may be more than ``cases_opened``.
:func:`aggregate` is pure (rows in, :class:`UsageReport` out) so it is tested with plain
values; :func:`format_text` prints it for the terminal and ``bot/channels/report_html.py``
draws it for partners.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.app.handoff_core import WAIT_BUCKETS
from bot.app.ports import CounterRow, CounterStore
from bot.domain.counters import Counter
from bot.knowledge.kb import KnowledgeBase
from bot.texts import coordination as t

WAIT_ORDER: tuple[str, ...] = (*(label for _limit, label in WAIT_BUCKETS), "24h+")
WAIT_WORDS = t.REPORT_WAITS
CLOSED_BY = t.REPORT_CLOSED_BY
UNKNOWN_THEME = t.REPORT_UNKNOWN_THEME


@dataclass(frozen=True)
class Period:
    """Days ``start`` … ``end``, both included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]


@dataclass(frozen=True)
class EntryUsage:
    """One entry: how often it was given, and what people said of it."""

    entry: str
    title: str
    theme: str
    answers: int
    helpful: int
    not_helpful: int

    @property
    def opinions(self) -> int:
        return self.helpful + self.not_helpful

    @property
    def helpful_rate(self) -> float | None:
        """Share of 👍 among the opinions given; None without any opinion."""
        return self.helpful / self.opinions if self.opinions else None


@dataclass(frozen=True)
class UsageReport:
    period: Period
    conversations: int = 0
    messages: int = 0
    answers: int = 0
    themes: tuple[tuple[str, int], ...] = ()  # (label, answers), most first
    entries: tuple[EntryUsage, ...] = ()  # most answered first
    clarifications: int = 0
    fallbacks: int = 0
    none_of_these: int = 0
    human_requested: int = 0
    crises: tuple[tuple[str, int], ...] = ()
    cases_opened: int = 0  # requests: one per « Oui »
    claims: int = 0  # « Je prends »: a case transferred or released is claimed again
    transfers: int = 0  # moved to a référent, with the person's « Oui »
    transfers_refused: int = 0
    to_referent: int = 0  # « Pour un référent » on a waiting card
    released: int = 0  # /liberer: back to the queue
    cases_closed: int = 0
    closed_by: tuple[tuple[str, int], ...] = ()
    waits: tuple[tuple[str, int], ...] = ()  # every bucket, in order
    wait_median: str | None = None
    wait_p90: str | None = None
    satisfaction: tuple[tuple[str, int], ...] = ()
    hours: tuple[int, ...] = (0,) * 24
    per_day: tuple[tuple[dt.date, int], ...] = field(default=())  # conversations each day
    unreadable_updates: int = 0  # updates the library could not read, skipped

    @property
    def helpful(self) -> int:
        return sum(e.helpful for e in self.entries)

    @property
    def not_helpful(self) -> int:
        return sum(e.not_helpful for e in self.entries)


def aggregate(
    rows: Iterable[CounterRow], period: Period, kb: KnowledgeBase | None = None
) -> UsageReport:
    """Sum the counters of ``period`` into a report; names unknown here are ignored."""
    totals: dict[str, collections.Counter[str]] = defaultdict(collections.Counter)
    conversations_per_day: collections.Counter[str] = collections.Counter()
    first, last = period.start.isoformat(), period.end.isoformat()
    for row in rows:
        if not first <= row.day <= last:
            continue
        totals[row.name][row.key] += row.value
        if row.name == Counter.CONVERSATION:
            conversations_per_day[row.day] += row.value
    entries = _entries(totals, kb)
    themes: collections.Counter[str] = collections.Counter()
    for usage in entries:
        themes[usage.theme] += usage.answers
    waits = tuple((label, totals[Counter.HANDOFF_WAIT][label]) for label in WAIT_ORDER)
    hours = tuple(totals[Counter.ACTIVITY_HOUR][f"{h:02d}"] for h in range(24))
    return UsageReport(
        period=period,
        conversations=sum(totals[Counter.CONVERSATION].values()),
        messages=sum(hours),
        answers=sum(totals[Counter.ANSWER].values()),
        themes=_most_first(themes),
        entries=entries,
        clarifications=sum(totals[Counter.CLARIFY].values()),
        fallbacks=sum(totals[Counter.FALLBACK].values()),
        none_of_these=sum(totals[Counter.NONE_OF_THESE].values()),
        human_requested=sum(totals[Counter.HUMAN_REQUESTED].values()),
        crises=_most_first(totals[Counter.CRISIS]),
        cases_opened=sum(totals[Counter.HANDOFF_OPENED].values()),
        claims=sum(totals[Counter.HANDOFF_CLAIMED].values()),
        transfers=totals[Counter.HANDOFF_TRANSFER]["accepted"],
        transfers_refused=totals[Counter.HANDOFF_TRANSFER]["refused"],
        to_referent=sum(totals[Counter.HANDOFF_TO_REFERENT].values()),
        released=sum(totals[Counter.HANDOFF_RELEASED].values()),
        cases_closed=sum(totals[Counter.HANDOFF_CLOSED].values()),
        closed_by=tuple(
            (CLOSED_BY.get(k, k), n) for k, n in _most_first(totals[Counter.HANDOFF_CLOSED])
        ),
        waits=waits,
        wait_median=wait_quantile(waits, 0.5),
        wait_p90=wait_quantile(waits, 0.9),
        satisfaction=tuple(
            (k, totals[Counter.HANDOFF_SATISFACTION][k]) for k in ("up", "neutral", "down")
        ),
        hours=hours,
        per_day=tuple((day, conversations_per_day[day.isoformat()]) for day in period.each_day()),
        unreadable_updates=sum(totals[Counter.UNREADABLE_UPDATE].values()),
    )


def _entries(
    totals: dict[str, collections.Counter[str]], kb: KnowledgeBase | None
) -> tuple[EntryUsage, ...]:
    ids = (
        set(totals[Counter.ANSWER])
        | set(totals[Counter.HELPFUL])
        | set(totals[Counter.NOT_HELPFUL])
    )
    usages = []
    for entry_id in ids:
        entry = kb.entry(entry_id) if kb is not None else None
        theme = kb.theme(entry.theme) if kb is not None and entry is not None else None
        usages.append(
            EntryUsage(
                entry=entry_id,
                title=entry.title if entry is not None else entry_id,
                theme=theme.label if theme is not None else UNKNOWN_THEME,
                answers=totals[Counter.ANSWER][entry_id],
                helpful=totals[Counter.HELPFUL][entry_id],
                not_helpful=totals[Counter.NOT_HELPFUL][entry_id],
            )
        )
    usages.sort(key=lambda u: (-u.answers, u.entry))
    return tuple(usages)


def _most_first(counts: collections.Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0])))


def wait_quantile(waits: Sequence[tuple[str, int]], share: float) -> str | None:
    """The bucket where the ``share`` quantile of waiting times falls (buckets in order).

    The handoff keeps waits as buckets only (no time per person), so the median is a range:
    "5 à 15 min" means half of the people waited at most the top of that range.
    """
    total = sum(n for _label, n in waits)
    if not total:
        return None
    running = 0
    for label, n in waits:
        running += n
        if running >= share * total:
            return label
    return waits[-1][0]


async def load_report(
    store: CounterStore, period: Period, kb: KnowledgeBase | None
) -> UsageReport:
    rows = await store.counters(period.start.isoformat(), period.end.isoformat())
    return aggregate(rows, period, kb)


def default_period(today: dt.date) -> Period:
    """The last 30 days, today included."""
    return Period(today - dt.timedelta(days=29), today)


def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)} %"


def format_text(report: UsageReport) -> str:
    """The report for the terminal: short lines, French, figures aligned."""
    p = report.period
    out = [t.REPORT_TITLE.format(start=p.start, end=p.end, days=p.days), ""]
    out += [
        t.REPORT_CONVERSATIONS.format(n=report.conversations),
        t.REPORT_MESSAGES.format(n=report.messages),
        t.REPORT_ANSWERS.format(n=report.answers),
    ]
    out += [f"  {label} : {n}" for label, n in report.themes]
    rate = percent(_rate(report.helpful, report.not_helpful))
    out.append(t.REPORT_OPINIONS.format(up=report.helpful, down=report.not_helpful, rate=rate))
    out += [
        t.REPORT_CLARIFICATIONS.format(n=report.clarifications),
        t.REPORT_FALLBACKS.format(n=report.fallbacks),
        t.REPORT_NONE_OF_THESE.format(n=report.none_of_these),
        t.REPORT_HUMAN_REQUESTED.format(n=report.human_requested),
    ]
    crises = sum(n for _k, n in report.crises)
    details = ", ".join(f"{k} {n}" for k, n in report.crises)
    out.append(t.REPORT_CRISES.format(n=crises) + (f" ({details})" if details else ""))
    out += [
        "",
        t.REPORT_HANDOFF,
        t.REPORT_CASES_OPENED.format(n=report.cases_opened),
        t.REPORT_CLAIMS.format(n=report.claims),
    ]
    if report.claims > report.cases_opened:
        out.append(t.REPORT_CLAIMS_NOTE)
    out.append(
        t.REPORT_TRANSFERS.format(accepted=report.transfers, refused=report.transfers_refused)
    )
    if report.to_referent:
        out.append(t.REPORT_TO_REFERENT.format(n=report.to_referent))
    if report.released:
        out.append(t.REPORT_RELEASED.format(n=report.released))
    out.append(t.REPORT_CASES_CLOSED.format(n=report.cases_closed) + _details(report.closed_by))
    if report.wait_median is not None:
        out.append(
            t.REPORT_WAIT.format(
                median=WAIT_WORDS.get(report.wait_median),
                p90=WAIT_WORDS.get(report.wait_p90 or "", report.wait_p90),
            )
        )
        out += [f"    {WAIT_WORDS.get(label, label):<15} {n}" for label, n in report.waits]
    up, neutral, down = (n for _k, n in report.satisfaction)
    if up or neutral or down:
        out.append(t.REPORT_SATISFACTION.format(up=up, neutral=neutral, down=down))
    if report.entries:
        out += ["", t.REPORT_ENTRIES]
        for usage in report.entries[:20]:
            out.append(
                f"  {usage.answers:>5}  {percent(usage.helpful_rate):>5}  "
                + t.REPORT_ENTRY.format(entry=usage.entry, opinions=usage.opinions)
            )
    out += ["", t.REPORT_HOURS]
    top = max(report.hours) or 1
    for hour, n in enumerate(report.hours):
        if n:
            out.append(f"  {hour:02d} h {'█' * max(1, round(20 * n / top)):<20} {n}")
    out += ["", t.REPORT_RUNNING, t.REPORT_UNREADABLE.format(n=report.unreadable_updates)]
    out += ["", t.REPORT_NOBODY]
    return "\n".join(out)


def _details(counts: tuple[tuple[str, int], ...]) -> str:
    return " (" + ", ".join(f"{k} {n}" for k, n in counts) + ")" if counts else ""


def _rate(helpful: int, not_helpful: int) -> float | None:
    total = helpful + not_helpful
    return helpful / total if total else None
