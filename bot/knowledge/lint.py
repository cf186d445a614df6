"""``python -m bot kb check``: what a coordinator must fix, and what they should look at.

The loader (``bot/knowledge/kb.py``) refuses files the bot cannot use. This linter goes further, on
what makes an answer fail a person even though it loads: a phrasing that leads to another
entry, two entries that compete, an answer longer than a phone screen, long sentences,
unexplained jargon, links to sites that are not official, facts not checked for a year or
marked unverified. Every finding says ``file:line``, what is wrong and how to fix it, in
French.

Two severities (``Problem.severity``): ``erreur`` (a person would get a wrong or unsafe
answer: ``kb check`` exits with 1) and ``attention`` (advice: exit 0).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.domain.buttons import MAX_BUTTONS_PER_SCREEN
from bot.knowledge.announcement import Announcement, load_announcement_file
from bot.knowledge.decision import decide
from bot.knowledge.holder import Knowledge
from bot.knowledge.jargon import JargonWord, first_unexplained, load_jargon, paragraphs, plain
from bot.knowledge.kb import THEMES_FILE, Entry, KnowledgeBase
from bot.knowledge.lint_places import Places
from bot.knowledge.normalize import normalize
from bot.knowledge.yamlfile import KnowledgeError, Problem, display_path
from bot.safety import regression as safety_regression
from bot.safety.links import find_addresses, registrable

ERROR = "erreur"
WARNING = "attention"
# One phone screen holds about 600 characters of text with the title and buttons.
MAX_ANSWER_CHARS = 600
# Beyond about 25 words, a sentence is hard to follow for a person who reads with effort.
MAX_SENTENCE_WORDS = 25
DEFAULT_MAX_AGE_DAYS = 365
# Another entry within this score of an entry's own phrasing competes with it.
CLOSE_MARGIN = 0.05
# How many of an entry's phrasings must be contested before the two entries are "too close".
CLOSE_SHARE = 1 / 3
CLOSE_MIN_PHRASINGS = 2
# Markers of a fact nobody could check (kb-facts writes [NON VÉRIFIÉ]).
_UNVERIFIED = re.compile(r"non[ -]verifie|a verifier|unverified|\[\?\]")
# An amount in euros: aids, ceilings and prices change every year (often on 1 January or 1 April).
_AMOUNT = re.compile(r"\d\s?(?:€|euros?\b)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class LintOptions:
    """What changes from one run to the next: today's date and the review age."""

    today: dt.date
    max_age_days: int = DEFAULT_MAX_AGE_DAYS


@dataclass(frozen=True)
class Checked:
    """A folder loaded and linted: what ``kb check`` prints and what a reload swaps in."""

    knowledge: Knowledge | None
    announcement: Announcement | None
    announcement_ok: bool
    problems: list[Problem]


def load_and_check(folder: Path, options: LintOptions) -> Checked:
    """Load everything in ``folder`` and lint it; loading problems come first."""
    problems: list[Problem] = []
    knowledge: Knowledge | None = None
    announcement, announcement_ok = None, True
    try:
        knowledge = Knowledge.load(folder)
    except KnowledgeError as exc:
        problems.extend(exc.problems)
    try:
        jargon = load_jargon(folder)
    except KnowledgeError as exc:
        problems.extend(exc.problems)
        jargon = ()
    try:
        announcement = load_announcement_file(folder)
    except KnowledgeError as exc:
        problems.extend(exc.problems)
        announcement_ok = False
    if knowledge is not None:
        # A coordinator's edit must never switch safety off: the shipped sets must still pass.
        problems.extend(safety_regression.check(knowledge.safety, folder))
        problems.extend(lint_knowledge(knowledge, options, jargon))
    return Checked(knowledge, announcement, announcement_ok, problems)


def check_folder(folder: Path, options: LintOptions) -> list[Problem]:
    """Everything wrong in ``folder``: loading problems first, then the linter's findings."""
    return load_and_check(folder, options).problems


def lint_knowledge(
    knowledge: Knowledge, options: LintOptions, jargon: Iterable[JargonWord] = ()
) -> list[Problem]:
    """The linter's findings on a knowledge base that loads, sorted by file and line."""
    places = Places(knowledge.kb)
    jargon = tuple(jargon)
    found: list[Problem] = []
    for entry in knowledge.kb.entries:
        found.extend(_phrasings(knowledge, entry, places))
        found.extend(_lengths(entry, places))
        found.extend(_jargon(entry, jargon, places))
        found.extend(_links(entry, knowledge.safety.official_domains, places))
        found.extend(_dates(entry, options, places))
        found.extend(_yearly(entry, options, places))
        found.extend(_unverified(entry, places))
    found.extend(_too_close(knowledge, places))
    found.extend(_menu_screens(knowledge.kb))
    return sort_problems(found)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Errors first, then by file and line: what blocks comes before advice."""
    return sorted(problems, key=lambda p: (p.severity != ERROR, p.path, p.line, p.message))


def summary(problems: list[Problem], entries: int | None) -> str:
    """The last line of ``kb check``: counts and what to do."""
    errors = sum(p.severity == ERROR for p in problems)
    warnings = len(problems) - errors
    where = f" dans {entries} fiches" if entries is not None else ""
    if errors:
        return (
            f"❌ {_plural(errors, 'erreur')}, {_plural(warnings, 'remarque')}{where} : "
            "corrigez les erreurs, le robot garde l'ancienne version tant qu'elles sont là."
        )
    if warnings:
        return f"⚠️ {_plural(warnings, 'remarque')}{where}, aucune erreur : vous pouvez publier."
    return f"✅ Aucune erreur, aucune remarque{where}."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def _problem(entry: Entry, line: int, message: str, severity: str) -> Problem:
    return Problem(entry.path, line, f"fiche '{entry.id}' : {message}", severity)


# --- rules ------------------------------------------------------------------------------


def _phrasings(knowledge: Knowledge, entry: Entry, places: Places) -> Iterator[Problem]:
    """Each phrasing of ``questions`` must lead to its own entry, as a person would type it.

    A phrasing that the safety layer reads as a crisis is left alone: the helpline comes
    first by design, whatever entry the words belong to.
    """
    for question in entry.questions:
        decision = decide(knowledge, question)
        if decision.kind == "crisis" or (decision.kind == "answer" and decision.entry == entry.id):
            continue
        line = places.line(entry, "questions", question)
        if decision.kind == "answer" and decision.entry:
            yield _problem(
                entry,
                line,
                f"la question « {question} » mène à la fiche '{decision.entry}' : "
                "changez-la ou retirez-la, ou rendez les mots-clés des deux fiches différents",
                ERROR,
            )
        elif decision.kind == "clarify":
            choices = ", ".join(f"'{c}'" for c in decision.choices)
            yield _problem(
                entry,
                line,
                f"pour la question « {question} », le robot hésite entre {choices} : "
                "ajoutez des mots propres à cette fiche dans questions: ou keywords:",
                WARNING,
            )
        else:
            yield _problem(
                entry,
                line,
                f"la question « {question} » ne mène pas à cette fiche ({decision.kind}) : "
                "écrivez-la autrement ou retirez-la",
                WARNING,
            )


def _lengths(entry: Entry, places: Places) -> Iterator[Problem]:
    if len(entry.answer) > MAX_ANSWER_CHARS:
        yield _problem(
            entry,
            places.line(entry, "answer"),
            f"réponse de {len(entry.answer)} signes, plus qu'un écran de téléphone "
            f"({MAX_ANSWER_CHARS} au plus) : raccourcissez-la ou mettez la suite dans steps: "
            "(une étape par message)",
            WARNING,
        )
    for field, text in (("answer", entry.answer), *(("steps", s) for s in entry.steps)):
        for sentence in sentences(text):
            words = len(_WORD.findall(sentence))
            if words > MAX_SENTENCE_WORDS:
                yield _problem(
                    entry,
                    places.line(entry, field, sentence),
                    f"phrase de {words} mots (« {_start(sentence)} ») : coupez-la en deux "
                    f"({MAX_SENTENCE_WORDS} mots au plus, une idée par phrase)",
                    WARNING,
                )


def sentences(text: str) -> list[str]:
    """Sentences of a text; each line of a list is one sentence at least."""
    out: list[str] = []
    for line in text.splitlines():
        out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return out


def _start(sentence: str, words: int = 6) -> str:
    cut = sentence.split()
    return " ".join(cut[:words]) + ("…" if len(cut) > words else "")


def _jargon(entry: Entry, jargon: tuple[JargonWord, ...], places: Places) -> Iterator[Problem]:
    """A jargon word must be explained in the paragraph where a person first meets it.

    The title is left out: it is a button label, and the answer right below explains.
    """
    blocks = [*paragraphs(entry.answer), *entry.steps]
    for word in jargon:
        block = first_unexplained(word, blocks)
        if block is None:
            continue
        field = "steps" if block in entry.steps else "answer"
        found = word.pattern().search(plain(block))
        snippet = block[found.start() : found.end()] if found else word.word
        yield _problem(
            entry,
            places.line(entry, field, snippet),
            f"« {word.word} » n'est pas expliqué : ajoutez à côté, dans le même paragraphe, "
            f"par exemple « {word.word} ({word.explanation}) » (voir knowledge/jargon.yaml)",
            WARNING,
        )


def _links(entry: Entry, official: frozenset[str], places: Places) -> Iterator[Problem]:
    """Links go to official sites; any other site needs a source that says where it comes from.

    A person cannot tell a real site from a fake one: the bot must only point to sites a
    coordinator has checked.
    """
    sources = plain(" ".join(entry.sources))
    seen: set[str] = set()
    for link in entry.links:
        host = (urlsplit(link.url).hostname or "").lower()
        if host and host not in seen:
            seen.add(host)
            yield from _host_check(entry, host, link.url, official, sources, places, "links")
    text = "\n".join((entry.answer, *entry.steps))
    for url in re.findall(r"\bhttp://\S+", text):
        yield _problem(
            entry,
            places.line(entry, "answer", url),
            f"adresse « {url} » sans https:// : écrivez l'adresse en https:// (site sécurisé)",
            ERROR,
        )
    for address in find_addresses(text):
        if address.sender or address.host in seen:
            continue
        seen.add(address.host)
        yield from _host_check(
            entry, address.host, address.host, official, sources, places, "answer"
        )


def _host_check(
    entry: Entry,
    host: str,
    shown: str,
    official: frozenset[str],
    sources: str,
    places: Places,
    field: str,
) -> Iterator[Problem]:
    if is_official(host, official):
        return
    site = registrable(host)
    if site in sources or host in sources:
        return
    yield _problem(
        entry,
        places.line(entry, field, shown),
        f"« {site} » n'est pas dans les sites officiels (domaines-officiels.yaml) : ajoutez dans "
        f"sources: une ligne qui dit d'où vient ce site (par exemple « {site}, cité par … »), "
        "ou retirez le lien",
        ERROR,
    )


def is_official(host: str, official: frozenset[str]) -> bool:
    """``www.caf.fr`` is official when ``caf.fr`` is listed (the same rule as the scam check)."""
    labels = host.lower().split(".")
    return any(".".join(labels[i:]) in official for i in range(len(labels) - 1))


def _dates(entry: Entry, options: LintOptions, places: Places) -> Iterator[Problem]:
    if entry.reviewed is None:
        yield _problem(
            entry,
            entry.line,
            "pas de date de vérification : ajoutez « reviewed: "
            f"{options.today.isoformat()} » après avoir vérifié les faits",
            WARNING,
        )
    elif entry.reviewed > options.today:
        yield _problem(
            entry,
            places.line(entry, "reviewed"),
            f"reviewed: {entry.reviewed.isoformat()} est dans le futur : "
            "mettez la date du jour où vous avez vérifié",
            WARNING,
        )
    elif (options.today - entry.reviewed).days > options.max_age_days:
        yield _problem(
            entry,
            places.line(entry, "reviewed"),
            f"vérifiée le {entry.reviewed.isoformat()}, il y a plus de {options.max_age_days} "
            "jours : revérifiez les faits (sources, numéros, liens) puis changez la date",
            WARNING,
        )
    if entry.review_by is not None and entry.review_by < options.today:
        yield _problem(
            entry,
            places.line(entry, "review_by"),
            f"à revérifier depuis le {entry.review_by.isoformat()} (review_by) : "
            "vérifiez les faits, puis changez reviewed: et review_by:",
            WARNING,
        )


def _yearly(entry: Entry, options: LintOptions, places: Places) -> Iterator[Problem]:
    """An entry whose facts change every year is flagged before they change, not a year late.

    ``reviewed:`` alone flags an entry ``max_age_days`` after the review: too late for an
    amount revalued on 1 April. An amount in euros needs a ``review_by:``, and no
    ``review_by:`` may be further from the review than ``max_age_days``.
    """
    text = plain("\n".join((entry.answer, *entry.steps)))
    if entry.review_by is None and _AMOUNT.search(text):
        yield _problem(
            entry,
            entry.line,
            "la fiche donne un montant en euros : ajoutez « review_by: », la date où le "
            "montant peut changer (souvent le 1er janvier ou le 1er avril), dans moins d'un an",
            WARNING,
        )
    if (
        entry.review_by is not None
        and entry.reviewed is not None
        and (entry.review_by - entry.reviewed).days > options.max_age_days
    ):
        yield _problem(
            entry,
            places.line(entry, "review_by"),
            f"review_by: {entry.review_by.isoformat()} est à plus de {options.max_age_days} "
            "jours de reviewed: : mettez une date plus proche",
            WARNING,
        )


def _unverified(entry: Entry, places: Places) -> Iterator[Problem]:
    """A fact marked unverified must not reach a person (kb-facts marks them [NON VÉRIFIÉ])."""
    for source in entry.sources:
        if _UNVERIFIED.search(plain(source)):
            yield _problem(
                entry,
                places.line(entry, "sources", source),
                "cette source est marquée non vérifiée : vérifiez le fait sur un site officiel "
                "et corrigez la source, ou retirez le fait de la réponse",
                ERROR,
            )
    for field, text in (
        ("title", entry.title),
        ("answer", entry.answer),
        *(("steps", s) for s in entry.steps),
    ):
        found = _UNVERIFIED.search(plain(text))
        if found:
            yield _problem(
                entry,
                places.line(entry, field, text[found.start() : found.end()]),
                "le texte contient un fait marqué non vérifié : vérifiez-le ou retirez-le",
                ERROR,
            )


def _menu_screens(kb: KnowledgeBase) -> Iterator[Problem]:
    """The menu fits a phone: each screen shows its buttons without a « page 2 ».

    The first screen has one button a group (``group:`` in themes.yaml) and « Parler à
    quelqu'un »; a group's screen has its themes, « Autres thèmes » and « Parler à quelqu'un ».
    The bot cuts a longer list in pages: it works, but people rarely look at page 2.
    """
    path = display_path(kb.folder / THEMES_FILE)
    grouped = any(t.group for t in kb.themes)
    shown = []
    for group in kb.groups:
        themes = [t for t in (kb.theme(i) for i in group.themes) if t and kb.entries_of(t.id)]
        if not themes:
            continue
        shown.append(themes[0])
        room = MAX_BUTTONS_PER_SCREEN - 2
        if len(themes) > room:
            yield Problem(
                path,
                themes[room].line,
                f"le groupe « {group.label} » a {len(themes)} thèmes : son écran aurait plus de "
                f"{MAX_BUTTONS_PER_SCREEN} boutons. Mettez {room} thèmes au plus par groupe "
                "(changez leur group:)",
                WARNING,
            )
    for theme in kb.themes:
        if grouped and not theme.group and kb.entries_of(theme.id):
            yield Problem(
                path,
                theme.line,
                f"le thème '{theme.id}' n'a pas de group: : il a son propre bouton sur le premier "
                "écran du menu. Ajoutez-lui le group: d'un groupe qui existe, ou un nouveau",
                WARNING,
            )
    room = MAX_BUTTONS_PER_SCREEN - 1
    if len(shown) > room:
        yield Problem(
            path,
            shown[room].line,
            f"le premier écran du menu aurait {len(shown)} boutons, plus les {room} qu'un "
            "téléphone montre (avec « Parler à quelqu'un ») : regroupez des thèmes avec le même "
            "group:",
            WARNING,
        )


def _too_close(knowledge: Knowledge, places: Places) -> Iterator[Problem]:
    """Two entries that people cannot be told apart by: they compete on many phrasings.

    Also the same phrasing in two entries, and two entries with the same title (buttons
    that look alike in a "which one?" list).
    """
    entries = knowledge.kb.entries
    contested: dict[tuple[str, str], int] = {}
    owner: dict[str, Entry] = {}
    titles: dict[str, Entry] = {}
    for entry in entries:
        title = normalize(entry.title)
        if title in titles:
            first = titles[title]
            yield _problem(
                entry,
                places.line(entry, "title"),
                f"même titre que la fiche '{first.id}' : les boutons se ressembleraient, "
                "donnez-lui un titre différent",
                WARNING,
            )
        titles.setdefault(title, entry)
        for question in entry.questions:
            key = normalize(question, knowledge.kb.lexicon)
            if key in owner and owner[key].id != entry.id:
                yield _problem(
                    entry,
                    places.line(entry, "questions", question),
                    f"la question « {question} » est aussi dans la fiche '{owner[key].id}' : "
                    "gardez-la dans une seule fiche",
                    WARNING,
                )
            owner.setdefault(key, entry)
            ranked = knowledge.matcher.rank(question)
            own = next((c.score for c in ranked if c.entry_id == entry.id), 0.0)
            for other in ranked:
                if other.entry_id != entry.id and other.score >= own - CLOSE_MARGIN:
                    pair = (entry.id, other.entry_id)
                    contested[pair] = contested.get(pair, 0) + 1
    reported: set[frozenset[str]] = set()
    for (a, b), count in sorted(contested.items()):
        entry = knowledge.kb.entry(a)
        assert entry is not None
        needed = max(CLOSE_MIN_PHRASINGS, round(len(entry.questions) * CLOSE_SHARE))
        pair = frozenset((a, b))
        if count < needed or pair in reported:
            continue
        reported.add(pair)
        yield _problem(
            entry,
            entry.line,
            f"ressemble trop à la fiche '{b}' : pour {count} de ses "
            f"{len(entry.questions)} questions, le robot hésite entre les deux. "
            "Fusionnez-les, ou rendez leurs questions et mots-clés plus différents",
            WARNING,
        )
