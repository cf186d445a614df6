"""Shared helpers for the reliability tests (``tests/test_reliability_*.py``); no test here.

- :func:`unthrottled`: PTB's rate limiter without the 30 messages a second pacing;
- :func:`faq_messages`: what people really type, from ``tests/data/messages``;
- :func:`running` (:class:`Relais`): the real Application on the in-process fake Bot API;
- :class:`Team`: a staff group, helpers and a staff file, for tests that need the handoff;
- :class:`Desk` (:func:`desk_for`): Relais with that team, and the gestures of both sides;
- :func:`problems`: the log records a person deploying would have to look at.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from conftest import REPO_ROOT
from fakebotapi import FakeBotApi, FakeChat, FakeMessage, InProcessRequest, Person, new_person
from telegram import Update
from telegram.ext import AIORateLimiter, Application
from test_handoff_support import MONDAY_10H, FakeClock

from bot.app.wiring import App
from bot.bootstrap import open_services
from bot.channels.telegram.app import FLOOD_RETRIES, build_application
from bot.channels.telegram.handoff_actions import CaseExecutor
from bot.config import Settings
from bot.domain.case import Case
from bot.domain.pseudonym import user_key
from bot.texts import handoff as handoff_texts
from bot.texts import person as texts

SECRET = "a-test-secret-of-32-characters!!"
CASE_QUESTION = "je n'arrive pas à me connecter à mon compte caf"
MESSAGES_DIR = REPO_ROOT / "tests" / "data" / "messages"


def unthrottled() -> AIORateLimiter:
    """PTB's limiter as in production (429 → wait ``retry_after`` and retry), minus pacing.

    Telegram itself caps a bot at about 30 messages a second; PTB's limiter waits in real
    time to stay under it. The fake has no such cap, and a load test must measure our code,
    not a sleep: 10 000 answers would take 5 minutes at 30 a second.
    """
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=FLOOD_RETRIES)


def faq_messages() -> list[str]:
    """Questions as people type them (typos, no accents), each once, in a stable order."""
    seen: dict[str, None] = {}
    for path in sorted(MESSAGES_DIR.glob("*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            seen.setdefault(str(row["m"]), None)
    return list(seen)


def settings_for(api: FakeBotApi, tmp_path: Path, **changes: object) -> Settings:
    values: dict[str, object] = {
        "token": api.token,
        "secret": SECRET,
        "db_path": tmp_path / "relais.sqlite3",
        "knowledge_dir": REPO_ROOT / "knowledge",
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class Relais:
    """The real Application, its services and the fake it talks to."""

    application: Application
    services: App
    api: FakeBotApi

    async def send(self, update: dict) -> None:
        """Hand one update to the Application, as the updater would, and wait for it."""
        await self.application.process_update(Update.de_json(update, self.application.bot))


@asynccontextmanager
async def running(
    api: FakeBotApi,
    settings: Settings,
    *,
    rate_limiter: AIORateLimiter | None = None,
    services: App | None = None,
) -> AsyncIterator[Relais]:
    """Open the services (unless given) and the Application; close both at the end."""
    own = services is None
    services = services or await open_services(settings)
    transport = InProcessRequest(api)
    application = build_application(
        settings,
        services,
        request=transport,
        get_updates_request=transport,
        rate_limiter=rate_limiter or unthrottled(),
    )
    try:
        async with application:
            yield Relais(application, services, api)
    finally:
        if own:
            await services.close()


class Team:
    """One staff forum with every role, a pair-aidant and a référent, and the staff file.

    The pair-aidant has not accepted the charter: the référent takes the cases.
    """

    def __init__(self, api: FakeBotApi, folder: Path) -> None:
        self.api = api
        self.group: FakeChat = api.new_forum()
        self.sam = new_person(api, "Samuel Martin")  # pair-aidant
        self.nadia = new_person(api, "Nadia Benali")  # référent
        self.path = folder / "staff.yaml"
        # Open all day, every day, so that what the tests see does not depend on when they
        # run (the minute before midnight aside).
        days = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
        hours = "".join(f'  {day}: "00:00-23:59"\n' for day in days)
        self.path.write_text(
            "timezone: Europe/Paris\n"
            f"hours:\n{hours}"
            "groups:\n"
            f"  - {{chat_id: {self.group.id}, name: Équipe, "
            "roles: [pair-aidant, referent, coordinateur]}\n"
            "helpers:\n"
            f"  - {{telegram_id: {self.sam.user.id}, name: Sam, role: pair-aidant}}\n"
            f"  - {{telegram_id: {self.nadia.user.id}, name: Nadia, role: referent}}\n",
            encoding="utf-8",
        )

    def topic_messages(self, thread_id: int) -> list[str]:
        return [m.text for m in self.api.sent_to(self.group.id) if m.thread_id == thread_id]


def people(api: FakeBotApi, count: int, name: str = "Personne") -> list[Person]:
    return [new_person(api, f"{name} {i}") for i in range(count)]


def problems(records: Iterable[logging.LogRecord]) -> list[str]:
    """Warnings and errors, as ``logger: message`` lines.

    The scheduler's word that a repeating job ran late or overlapped is about how busy the
    machine is (CI shares its cores), not about Relais: it is not a problem here, and
    ``bot.logsafety`` keeps it out of the production log.
    """
    return [
        f"{r.name}: {r.getMessage()}"
        for r in records
        if r.levelno >= logging.WARNING and not _scheduler_timing(r)
    ]


def _scheduler_timing(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    return record.name.startswith("apscheduler") and (
        "maximum number of running instances" in message or "was missed by" in message
    )


class Desk:
    """Relais with a team, on the in-process fake: the gestures of both sides.

    The handoff's clock is moved by hand (the outbox paces copies by it); PTB's limiter
    keeps retrying a 429 after ``retry_after`` real seconds, as in production.
    """

    def __init__(self, relais: Relais, team: Team, clock: FakeClock) -> None:
        self.relais = relais
        self.api = relais.api
        self.team = team
        self.clock = clock

    @property
    def cases(self) -> CaseExecutor:
        cases = self.relais.application.bot_data.cases
        assert cases is not None
        return cases

    async def send(self, update: dict) -> None:
        await self.relais.send(update)

    def last(self, person: Person) -> FakeMessage:
        return self.api.sent_to(person.chat_id)[-1]

    async def ask(self, person: Person, question: str = CASE_QUESTION) -> None:
        """A question, then "Parler à quelqu'un" → "ma dernière question" → kind → "Oui"."""
        await self.send(person.says(question))
        await self.send(person.says(texts.KEY_HUMAN))
        await self.send(person.presses(self.last(person), handoff_texts.BUTTON_ASK_LAST))
        await self.send(person.presses(self.last(person), handoff_texts.BUTTON_ASK_REFERENT))
        await self.send(person.presses(self.last(person), handoff_texts.BUTTON_ASK_YES))

    async def case_of(self, person: Person) -> Case:
        cases = await self.relais.services.stores.cases.of_person(user_key(SECRET, person.user.id))
        assert cases, "no case for this person"
        return cases[-1]

    async def topic_of(self, person: Person) -> int:
        case = await self.case_of(person)
        assert case.topic_id is not None
        return case.topic_id

    async def card(self, person: Person) -> FakeMessage:
        topic = await self.topic_of(person)
        return next(
            m
            for m in self.api.sent_to(self.team.group.id)
            if m.thread_id == topic and m.text.startswith("🆕 Demande")
        )

    async def claim(self, helper: Person, person: Person) -> None:
        await self.send(helper.presses(await self.card(person), handoff_texts.BUTTON_CLAIM))

    async def helper_writes(self, helper: Person, person: Person, text: str) -> dict:
        update = helper.says(text, chat=self.team.group, topic=await self.topic_of(person))
        await self.send(update)
        return update

    async def drain(self, *, minutes: float = 1) -> None:
        """Let the handoff's clock run and the outbox job take a turn."""
        self.clock.advance(minutes=minutes)
        await self.cases.drain_outbox(self.relais.application.bot)


@asynccontextmanager
async def desk_for(api: FakeBotApi, folder: Path, **changes: object) -> AsyncIterator[Desk]:
    team = Team(api, folder)
    clock = FakeClock(MONDAY_10H)
    settings = settings_for(api, folder, staff_config=team.path, **changes)
    services = await open_services(settings, clock=clock)
    try:
        async with running(api, settings, services=services) as relais:
            yield Desk(relais, team, clock)
    finally:
        await services.close()
