"""The human handoff end to end: the real Application, the fake Bot API with forum topics,
a real SQLite file, the real knowledge/, and a staff file written in tmp_path.

Each test plays what people do in Telegram, on both sides: a person in their private chat,
helpers in the staff group's topics. The handoff's clock is moved by hand (the outbox, the
reminders and the opening hours follow it); nothing sleeps.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from fakebotapi import (
    FakeBotApi,
    FakeBotApiHttpServer,
    FakeChat,
    FakeMessage,
    Fault,
    InProcessRequest,
    Person,
    new_person,
)
from telegram import Update
from telegram.ext import AIORateLimiter, Application
from test_handoff_support import MONDAY_10H, MONDAY_22H, SECRET, FakeClock

from bot.app.handoff import Status
from bot.app.wiring import App
from bot.bootstrap import open_services, opener
from bot.channels.telegram import staff
from bot.channels.telegram.app import build_application, serve, start_up
from bot.channels.telegram.handoff_actions import CaseExecutor
from bot.config import ConfigError, Settings
from bot.domain.case import Case
from bot.domain.pseudonym import user_key
from bot.domain.relay import MAX_ATTEMPTS, RATE_WINDOW
from bot.texts import handoff as t
from bot.texts import person as texts

QUESTION = "je n'arrive pas à me connecter à mon compte caf"
CASE_KEYS = [[texts.KEY_MENU, texts.KEY_HUMAN], [texts.KEY_DONE]]
HOURS = """
timezone: Europe/Paris
hours:
  lundi: "09:00-12:00, 14:00-17:00"
  mardi: "09:00-12:00, 14:00-17:00"
  mercredi: "09:00-12:00"
  jeudi: "09:00-12:00, 14:00-17:00"
  vendredi: "09:00-12:00, 14:00-17:00"
delays:
  remind_after_minutes: 10
  widen_after_minutes: 30
"""


class Desk:
    """Relais with a team: the Application, its services, the staff groups, the people."""

    def __init__(self, api: FakeBotApi, tmp_path: Path, *, two_groups: bool = False) -> None:
        self.api = api
        self.clock = FakeClock(MONDAY_10H)
        if two_groups:
            self.pair_group = api.new_forum("Relais · pair-aidants")
            self.referent_group = api.new_forum("Relais · référents")
            groups = (
                f"  - {{chat_id: {self.pair_group.id}, roles: [pair-aidant]}}\n"
                f"  - {{chat_id: {self.referent_group.id}, roles: [referent, coordinateur]}}\n"
            )
        else:
            self.pair_group = self.referent_group = api.new_forum()
            groups = (
                f"  - {{chat_id: {self.pair_group.id}, name: Équipe, "
                "roles: [pair-aidant, referent, coordinateur]}\n"
            )
        # Helpers' Telegram accounts have other names than the first name they chose to show.
        self.sam = self._helper("Samuel Martin", "samuel_m")
        self.nadia = self._helper("Nadia Benali", "nadia_b")
        self.claire = self._helper("Claire Dubois", "claire_d")
        self.stranger = self._helper("Max Inconnu", "max_i")  # in the group, not in the file
        (tmp_path / "staff.yaml").write_text(
            HOURS
            + "groups:\n"
            + groups
            + "helpers:\n"
            + f"  - {{telegram_id: {self.sam.user.id}, name: Sam, role: pair-aidant}}\n"
            + f"  - {{telegram_id: {self.nadia.user.id}, name: Nadia, role: referent}}\n"
            + f"  - {{telegram_id: {self.claire.user.id}, name: Claire, role: coordinateur}}\n",
            encoding="utf-8",
        )
        self.settings = Settings(
            token=api.token,
            secret=SECRET,
            db_path=tmp_path / "relais.sqlite3",
            knowledge_dir=REPO_ROOT / "knowledge",
            staff_config=tmp_path / "staff.yaml",
        )
        self.services: App
        self.application: Application

    def _helper(self, name: str, username: str) -> Person:
        helper = new_person(self.api, name)
        helper.user.username = username
        return helper

    async def start(self) -> None:
        self.services = await open_services(self.settings, clock=self.clock)
        transport = InProcessRequest(self.api)
        self.application = build_application(
            self.settings,
            self.services,
            request=transport,
            get_updates_request=transport,
            # The outbox paces copies by the handoff's clock; PTB's limiter would wait in
            # real time. Its behaviour is PTB's own, tested there.
            rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0),
        )
        await self.application.initialize()
        await staff.check_staff_groups(self.application.bot, self.cases.service.staff)

    async def stop(self) -> None:
        await self.application.shutdown()
        await self.services.close()

    async def restart(self) -> None:
        """A deploy or a crash: a new Application and new services on the same database."""
        await self.stop()
        await self.start()

    @property
    def cases(self) -> CaseExecutor:
        cases = self.application.bot_data.cases
        assert cases is not None
        return cases

    async def send(self, update: dict) -> None:
        await self.application.process_update(Update.de_json(update, self.application.bot))

    async def tick(self) -> None:
        """One turn of the outbox job, at the handoff clock's time."""
        await self.cases.drain_outbox(self.application.bot)

    async def remind(self) -> None:
        """One turn of the reminders job."""
        await self.cases.send_reminders(self.application.bot)

    # --- reading ---------------------------------------------------------------------------

    def key(self, person: Person) -> str:
        return user_key(SECRET, person.user.id)

    async def case_of(self, person: Person) -> Case:
        cases = await self.services.stores.cases.of_person(self.key(person))
        assert cases, "no case for this person"
        return cases[-1]

    async def topic_of(self, person: Person) -> tuple[FakeChat, int]:
        case = await self.case_of(person)
        assert case.topic_id is not None
        return self.api.chats[case.group_chat_id], case.topic_id

    def in_topic(self, group: FakeChat, topic: int) -> list[FakeMessage]:
        return [m for m in self.api.sent_to(group.id) if m.thread_id == topic]

    def card(self, group: FakeChat, topic: int) -> FakeMessage:
        """The case's card: the bot's own, not a copy of a previous one (after a move)."""
        return next(
            m
            for m in self.in_topic(group, topic)
            if m.text.startswith("🆕 Demande") and "copied_from" not in m.payload
        )

    def last(self, person: Person) -> FakeMessage:
        return self.api.sent_to(person.chat_id)[-1]

    # --- gestures --------------------------------------------------------------------------

    async def ask(
        self,
        person: Person,
        *,
        question: str = QUESTION,
        kind: str = t.BUTTON_ASK_PAIR,
        answer: str | None = t.BUTTON_ASK_YES,
    ) -> FakeMessage:
        """A question, "Parler à quelqu'un", "ma dernière question", the kind, the answer
        (None: the preview is left unanswered).

        Returns the preview the person saw.
        """
        await self.send(person.says(question))
        await self.send(person.says(texts.KEY_HUMAN))
        await self.send(person.presses(self.last(person), t.BUTTON_ASK_LAST))
        await self.send(person.presses(self.last(person), kind))
        preview = self.last(person)
        if answer is not None:
            await self.send(person.presses(preview, answer))
        return preview

    async def claim(self, helper: Person, person: Person) -> None:
        group, topic = await self.topic_of(person)
        await self.send(helper.presses(self.card(group, topic), t.BUTTON_CLAIM))

    async def accept_charter(self, helper: Person) -> None:
        group = self.pair_group
        await self.send(helper.says("/charte", chat=group))
        charter = self.api.sent_to(group.id)[-1]
        await self.send(helper.presses(charter, t.BUTTON_ACCEPT_CHARTER))

    async def helper_writes(self, helper: Person, person: Person, text: str) -> dict:
        group, topic = await self.topic_of(person)
        update = helper.says(text, chat=group, topic=topic)
        await self.send(update)
        return update


STORES = ("sqlite", "postgresql")
"""Every end-to-end test with a desk (``desk``, ``desk2`` in conftest.py) runs on a SQLite file
and on PostgreSQL (a throw-away server, skipped with the reason where PostgreSQL is not
installed: tests/postgres_server.py)."""
ON_EACH_STORE = pytest.mark.parametrize("desk", STORES, indirect=True)
"""For a module whose own ``desk`` fixture takes one store unless told."""


@asynccontextmanager
async def desk_on(
    store: str,
    fake_api: FakeBotApi,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    *,
    two_groups: bool = False,
) -> AsyncIterator[Desk]:
    """A started desk on ``store``; stopped at the end."""
    desk = Desk(fake_api, tmp_path, two_groups=two_groups)
    if store == "postgresql":
        desk.settings = replace(desk.settings, db_url=request.getfixturevalue("postgres_url"))
    await desk.start()
    try:
        yield desk
    finally:
        await desk.stop()


def toasts(api: FakeBotApi) -> list[tuple[str | None, bool]]:
    return [
        (call.params.get("text"), bool(call.params.get("show_alert")))
        for call in api.calls_to("answerCallbackQuery")
    ]


def copies_to(api: FakeBotApi, chat_id: int) -> list[FakeMessage]:
    return [m for m in api.sent_to(chat_id) if "copied_from" in m.payload]


def bot_texts_to(api: FakeBotApi, chat_id: int) -> list[str]:
    """What the bot itself wrote to a chat (copies excluded)."""
    return [m.text for m in api.sent_to(chat_id) if "copied_from" not in m.payload]


# --- the whole case ------------------------------------------------------------------------


async def test_a_whole_case_from_asking_to_satisfaction(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api, "Géraldine")
    key = desk.key(lea)

    # The person asks; the bot asks what it is about, then what kind of help.
    await desk.send(lea.says(QUESTION))
    await desk.send(lea.says(texts.KEY_HUMAN))
    about = desk.last(lea)
    assert about.text.startswith(t.ASK_ABOUT.split("\n")[0])
    assert t.ASK_ABOUT_LAST.format(question=QUESTION) in about.text
    labels = [label for [label] in about.inline_buttons]
    assert labels == [t.BUTTON_ASK_LAST, t.BUTTON_ASK_TOPICS, t.BUTTON_ASK_CANCEL]
    await desk.send(lea.presses(about, t.BUTTON_ASK_LAST))
    kind = desk.last(lea)
    assert kind.text == t.ASK_KIND
    await desk.send(lea.presses(kind, t.BUTTON_ASK_PAIR))

    # The preview is exactly the card; nothing is shared or stored yet.
    preview = desk.last(lea)
    assert preview.text.startswith(t.PREVIEW_INTRO)
    assert preview.text.endswith("Je transmets ?")
    assert f"« {QUESTION} »" in preview.text
    assert "Me connecter à Mon Compte Caf" in preview.text
    assert preview.inline_buttons == [[t.BUTTON_ASK_YES], [t.BUTTON_ASK_NO]]
    assert await desk.services.stores.cases.of_person(key) == []
    assert fake_api.sent_to(desk.pair_group.id) == []

    # "Oui": a topic "#XXXX · CAF" with the card, and an honest wait for the person.
    await desk.send(lea.presses(preview, t.BUTTON_ASK_YES))
    case = await desk.case_of(lea)
    assert case.status == Status.WAITING and case.chat_id == lea.chat_id
    group, topic = await desk.topic_of(lea)
    assert fake_api.topics[group.id][topic].name == f"{case.alias} · CAF"
    card = desk.card(group, topic)
    assert card.text in preview.text  # the very card the person saw
    assert card.inline_buttons == [[t.BUTTON_CLAIM], [t.BUTTON_TO_REFERENT]]
    told = desk.last(lea)
    assert told.text.startswith(t.WAIT_OPEN) and "3114" in told.text
    assert told.reply_keyboard == CASE_KEYS and told.protect_content  # « J'ai fini » below

    # Sam is a pair-aidant: the charter first, then "Je prends".
    await desk.claim(desk.sam, lea)
    assert toasts(fake_api)[-1] == (t.CHARTER_FIRST, True)
    await desk.send(desk.sam.says("/charte", chat=group, topic=topic))
    charter = desk.in_topic(group, topic)[-1]
    assert charter.text.startswith("Charte des pair-aidants")
    await desk.send(desk.sam.presses(charter, t.BUTTON_ACCEPT_CHARTER))
    assert toasts(fake_api)[-1][0] == t.CHARTER_ACCEPTED.format(date="lundi 23 novembre 2026")
    await desk.claim(desk.sam, lea)
    assert toasts(fake_api)[-1] == (t.YOU_HAVE_IT, False)
    assert desk.card(group, topic).inline_buttons == [["✅ Pris par Sam"]]
    assert desk.in_topic(group, topic)[-1].text.startswith(
        "✋ Sam, personne pair-aidante, prend ce cas."
    )
    assert desk.last(lea).text == "Sam, personne pair-aidante, va vous répondre ici."

    # Sam writes: a copy reaches the person. The person answers: a copy reaches the topic.
    await desk.helper_writes(desk.sam, lea, "Bonjour, je regarde avec vous.")
    reply = desk.last(lea)
    assert reply.text == "Bonjour, je regarde avec vous."
    assert "copied_from" in reply.payload and reply.protect_content
    await desk.send(lea.says("Merci, je n'ai pas reçu le mail"))
    copied = desk.in_topic(group, topic)[-1]
    assert copied.text == "Merci, je n'ai pas reçu le mail" and copied.protect_content
    assert desk.last(lea) == reply  # the bot said nothing by itself

    # A note stays in the topic; /fiche sends an entry; /clore ends with satisfaction.
    person_saw = len(fake_api.sent_to(lea.chat_id))
    await desk.helper_writes(desk.sam, lea, "! elle a l'air pressée")
    assert len(fake_api.sent_to(lea.chat_id)) == person_saw
    await desk.helper_writes(desk.sam, lea, "/fiche caf-mot-de-passe")
    entry = desk.services.knowledge.current.kb.entry("caf-mot-de-passe")
    assert entry is not None and desk.last(lea).text.startswith(entry.title)
    assert desk.last(lea).protect_content  # part of a personal case: not forwardable
    assert desk.in_topic(group, topic)[-1].text.startswith("📖 Fiche envoyée à la personne")
    await desk.helper_writes(desk.sam, lea, "/clore")
    ended, closing = fake_api.sent_to(lea.chat_id)[-2:]
    said = f"{ended.text}\n\n{closing.text}"
    assert said == t.CLOSED_BY_HELPER.format(helper="Sam, personne pair-aidante")
    assert ended.reply_keyboard == [[texts.KEY_MENU, texts.KEY_HUMAN]]  # no « J'ai fini »
    assert closing.inline_buttons == [["👍", "😐", "👎"]]
    assert desk.in_topic(group, topic)[-1].text == t.CLOSED_BY_HELPER_TOPIC.format(
        helper="Sam, personne pair-aidante"
    )
    assert desk.card(group, topic).inline_buttons == []
    assert fake_api.topics[group.id][topic].closed
    await desk.send(lea.presses(closing, "👍"))
    assert desk.last(lea).text == t.RATING_THANKS
    assert await desk.services.stores.counters.total("handoff-satisfaction", "up") == 1

    # Closed: the chat id is forgotten, and the bot answers by itself again.
    assert (await desk.case_of(lea)).chat_id is None
    await desk.send(lea.says(QUESTION))
    assert desk.last(lea).text.startswith("Me connecter à Mon Compte Caf")
    assert fake_api.unanswered_callback_queries() == []

    # No message text was ever written to the database (file, or every row of the server).
    stored = await stored_bytes(desk)
    for said in (QUESTION, "je regarde avec vous", "pas reçu le mail", "pressée"):
        assert said.encode() not in stored


async def stored_bytes(desk: Desk) -> bytes:
    """Everything the database holds: the SQLite files, or every row of every table."""
    if desk.settings.db_url is None:
        return b"".join(
            path.read_bytes()
            for path in desk.settings.db_path.parent.iterdir()
            if path.name.startswith("relais.sqlite3")
        )
    import psycopg

    async with await psycopg.AsyncConnection.connect(desk.settings.db_url) as connection:
        cursor = await connection.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema()"
        )
        tables = [str(row[0]) for row in await cursor.fetchall()]
        rows = []
        for table in tables:
            cursor = await connection.execute(f"SELECT row_to_json(t)::text FROM {table} t")
            rows.extend(str(row[0]) for row in await cursor.fetchall())
    assert tables and rows  # the check reads something
    return "\n".join(rows).encode()


async def test_saying_no_shares_nothing_and_stores_nothing(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    preview = await desk.ask(lea, answer=t.BUTTON_ASK_NO)
    assert desk.last(lea).text == t.ASK_DECLINED
    await desk.send(lea.presses_as_once_shown(preview, t.BUTTON_ASK_YES))  # the old "Oui"
    assert desk.last(lea).text == t.ASK_EXPIRED
    assert await desk.services.stores.cases.of_person(desk.key(lea)) == []
    assert fake_api.calls_to("createForumTopic") == []
    assert fake_api.sent_to(desk.pair_group.id) == []
    await desk.send(lea.says(QUESTION))  # the bot goes on answering
    assert desk.last(lea).text.startswith("Me connecter à Mon Compte Caf")


async def test_an_old_preview_cannot_send_what_the_person_did_not_see_last(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.send(lea.says(QUESTION))
    await desk.send(lea.says(texts.KEY_HUMAN))
    about = desk.last(lea)
    await desk.send(lea.presses(about, t.BUTTON_ASK_LAST))
    await desk.send(lea.presses(desk.last(lea), t.BUTTON_ASK_PAIR))
    first_preview = desk.last(lea)
    await desk.send(lea.presses_as_once_shown(about, t.BUTTON_ASK_TOPICS))  # changes her mind:
    await desk.send(lea.presses(desk.last(lea), t.BUTTON_ASK_OTHER))  # another question
    await desk.send(lea.says("une autre question"))
    second_preview = desk.last(lea)
    assert QUESTION not in second_preview.text
    await desk.send(lea.presses_as_once_shown(first_preview, t.BUTTON_ASK_YES))
    assert desk.last(lea).text == t.ASK_EXPIRED
    await desk.send(lea.presses(second_preview, t.BUTTON_ASK_YES))
    group, topic = await desk.topic_of(lea)
    assert QUESTION not in desk.card(group, topic).text


# --- claiming ------------------------------------------------------------------------------


async def test_two_helpers_pressing_je_prends_at_once_one_wins(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk.ask(lea)
    group, topic = await desk.topic_of(lea)
    card = desk.card(group, topic)
    await asyncio.gather(
        desk.send(desk.nadia.presses(card, t.BUTTON_CLAIM)),
        desk.send(desk.claire.presses(card, t.BUTTON_CLAIM)),
    )
    answers = sorted(text or "" for text, _alert in toasts(fake_api)[-2:])
    case = await desk.case_of(lea)
    assert case.status == Status.OWNED
    winner = (
        "Nadia, personne référente"
        if case.owner_key == desk.key(desk.nadia)
        else ("Claire, personne coordinatrice")
    )
    assert answers == sorted([t.YOU_HAVE_IT, t.ALREADY_TAKEN.format(helper=winner)])
    told = [
        text for text in fake_api.texts_to(lea.chat_id) if text.endswith(", va vous répondre ici.")
    ]
    assert told == [f"{winner}, va vous répondre ici."]


async def test_someone_not_in_the_team_can_neither_claim_nor_write_to_the_person(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.ask(lea)
    group, topic = await desk.topic_of(lea)
    await desk.claim(desk.stranger, lea)
    assert toasts(fake_api)[-1] == (t.NOT_A_HELPER, True)
    assert (await desk.case_of(lea)).status == Status.WAITING
    await desk.claim(desk.nadia, lea)
    person_saw = len(fake_api.sent_to(lea.chat_id))
    await desk.helper_writes(desk.stranger, lea, "Bonjour, c'est Max")
    assert desk.in_topic(group, topic)[-1].text == t.NOT_A_HELPER_MESSAGE
    await desk.helper_writes(desk.sam, lea, "Bonjour, c'est Sam")  # in the team, not the owner
    assert desk.in_topic(group, topic)[-1].text == t.NOT_OWNER_MESSAGE.format(
        helper="Nadia, personne référente"
    )
    await desk.helper_writes(desk.sam, lea, "/clore")
    assert desk.in_topic(group, topic)[-1].text == t.ONLY_OWNER.format(
        helper="Nadia, personne référente"
    )
    await desk.helper_writes(desk.stranger, lea, "/nimportequoi")
    assert desk.in_topic(group, topic)[-1].text == t.STAFF_UNKNOWN_COMMAND
    assert len(fake_api.sent_to(lea.chat_id)) == person_saw
    assert copies_to(fake_api, lea.chat_id) == []
    assert (await desk.case_of(lea)).status == Status.OWNED


async def test_release_then_the_person_says_they_are_done(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk.ask(lea)
    await desk.claim(desk.nadia, lea)
    group, topic = await desk.topic_of(lea)
    await desk.helper_writes(desk.nadia, lea, "/liberer")
    assert desk.last(lea).text.startswith("Nadia, personne référente, a dû laisser votre demande.")
    assert desk.card(group, topic).inline_buttons == [[t.BUTTON_CLAIM], [t.BUTTON_TO_REFERENT]]
    await desk.claim(desk.claire, lea)
    assert desk.last(lea).text == "Claire, personne coordinatrice, va vous répondre ici."
    await desk.send(lea.says(texts.KEY_DONE))  # the key under the text field
    ended, rating = fake_api.sent_to(lea.chat_id)[-2:]
    assert f"{ended.text}\n\n{rating.text}" == t.CLOSED_BY_PERSON
    assert desk.in_topic(group, topic)[-1].text == t.CLOSED_BY_PERSON_TOPIC
    assert fake_api.topics[group.id][topic].closed


async def test_edits_are_not_relayed_and_both_sides_are_told(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk.ask(lea)
    await desk.claim(desk.nadia, lea)
    group, topic = await desk.topic_of(lea)
    said = lea.says("J'ai 3 enfants")
    await desk.send(said)
    await desk.send(lea.edits(said, "J'ai 2 enfants"))
    assert desk.last(lea).text == t.EDITED_DURING_CASE
    written = await desk.helper_writes(desk.nadia, lea, "Rendez-vous lundi")
    await desk.send(desk.nadia.edits(written, "Rendez-vous mardi"))
    assert desk.in_topic(group, topic)[-1].text == t.STAFF_EDITED
    assert [m.text for m in copies_to(fake_api, lea.chat_id)] == ["Rendez-vous lundi"]
    assert [m.text for m in copies_to(fake_api, group.id)] == ["J'ai 3 enfants"]


async def test_a_photo_during_a_case_is_copied_to_the_topic(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk.ask(lea)
    await desk.claim(desk.nadia, lea)
    before = len(fake_api.sent_to(lea.chat_id))
    photo = lea.sends("photo", caption="le courrier de la caf")
    await desk.send(photo)
    group, topic = await desk.topic_of(lea)
    copy = desk.in_topic(group, topic)[-1]
    assert copy.payload["copied_from"] == (lea.chat_id, photo["message"]["message_id"])
    assert len(fake_api.sent_to(lea.chat_id)) == before  # no "je ne sais pas lire les images"


async def test_after_a_crisis_asking_goes_to_referents_only(desk2: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk2.send(lea.says("je veux mourir"))
    await desk2.send(lea.says(texts.KEY_HUMAN))
    preview = desk2.last(lea)  # no theme, no "what kind of help": a crisis goes to référents
    assert preview.text.startswith(t.PREVIEW_INTRO)
    assert t.CARD_FOR_REFERENT in preview.text and t.CARD_URGENT in preview.text
    await desk2.send(lea.presses(preview, t.BUTTON_ASK_YES))
    group, topic = await desk2.topic_of(lea)
    assert group == desk2.referent_group
    assert desk2.card(group, topic).inline_buttons == [[t.BUTTON_CLAIM]]
    assert fake_api.sent_to(desk2.pair_group.id) == []


# --- robustness ----------------------------------------------------------------------------


async def test_after_a_restart_two_open_cases_keep_relaying(desk: Desk, fake_api: FakeBotApi):
    lea, omar = new_person(fake_api, "Léa"), new_person(fake_api, "Omar")
    await desk.ask(lea)
    await desk.ask(
        omar, question="je dois declarer mes revenus a la caf", kind=t.BUTTON_ASK_REFERENT
    )
    await desk.claim(desk.nadia, lea)
    await desk.claim(desk.claire, omar)
    await desk.restart()
    await desk.send(lea.says("Vous êtes toujours là ?"))
    group, lea_topic = await desk.topic_of(lea)
    assert desk.in_topic(group, lea_topic)[-1].text == "Vous êtes toujours là ?"
    await desk.helper_writes(desk.claire, omar, "Oui Omar, je suis là.")
    assert desk.last(omar).text == "Oui Omar, je suis là."
    await desk.helper_writes(desk.nadia, lea, "Oui, toujours là.")
    assert desk.last(lea).text == "Oui, toujours là."
    _group, omar_topic = await desk.topic_of(omar)
    assert "Oui, toujours là." not in [m.text for m in desk.in_topic(group, omar_topic)]


async def test_a_deleted_topic_is_created_again_with_its_card(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk.ask(lea)
    await desk.claim(desk.nadia, lea)
    group, old_topic = await desk.topic_of(lea)
    fake_api.delete_topic(group.id, old_topic)  # someone of the team, by mistake
    await desk.send(lea.says("Vous avez vu mon message ?"))
    _group, new_topic = await desk.topic_of(lea)
    assert new_topic != old_topic
    case = await desk.case_of(lea)
    assert fake_api.topics[group.id][new_topic].name == f"{case.alias} · CAF"
    card = desk.card(group, new_topic)
    assert t.TOPIC_RECREATED in card.text and t.CARD_QUESTION_NOT_KEPT in card.text
    assert card.inline_buttons == [["✅ Pris par Nadia"]]
    assert desk.in_topic(group, new_topic)[-1].text == "Vous avez vu mon message ?"
    await desk.helper_writes(desk.nadia, lea, "Oui, je l'ai.")
    assert desk.last(lea).text == "Oui, je l'ai."


async def test_a_person_who_blocked_the_bot_closes_the_case_with_a_note(
    desk: Desk, fake_api: FakeBotApi
):
    lea, omar = new_person(fake_api, "Léa"), new_person(fake_api, "Omar")
    await desk.ask(lea)
    await desk.ask(omar)
    await desk.claim(desk.nadia, lea)
    await desk.claim(desk.nadia, omar)
    group, lea_topic = await desk.topic_of(lea)
    # Blocked, and Telegram tells the bot.
    await desk.send(lea.blocks_bot())
    assert desk.in_topic(group, lea_topic)[-1].text == t.BLOCKED_TOPIC
    assert fake_api.topics[group.id][lea_topic].closed
    assert (await desk.case_of(lea)).status == Status.CLOSED
    # Blocked silently: the helper's next message is refused, which closes the case too.
    fake_api.block_bot(omar.chat_id)
    await desk.helper_writes(desk.nadia, omar, "Bonjour Omar ?")
    _group, omar_topic = await desk.topic_of(omar)
    assert desk.in_topic(group, omar_topic)[-1].text == t.BLOCKED_TOPIC
    case = await desk.case_of(omar)
    assert case.status == Status.CLOSED and case.chat_id is None


async def test_sixty_messages_in_one_minute_arrive_in_order_without_flooding_the_group(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.ask(lea)
    await desk.claim(desk.nadia, lea)
    group, topic = await desk.topic_of(lea)
    start = desk.clock.now
    copied_at: list[dt.datetime] = []

    def note_copies() -> None:
        made = len([c for c in fake_api.calls_to("copyMessage") if c.status == 200])
        copied_at.extend([desk.clock.now] * (made - len(copied_at)))

    for n in range(60):
        desk.clock.now = start + dt.timedelta(seconds=n)
        await desk.send(lea.says(f"message {n:02d}"))
        note_copies()
        await desk.tick()
        note_copies()
    while desk.clock.now < start + dt.timedelta(minutes=4):
        desk.clock.advance(seconds=5)
        await desk.tick()
        note_copies()

    copies = [m.text for m in desk.in_topic(group, topic) if "copied_from" in m.payload]
    assert copies == [f"message {n:02d}" for n in range(60)]  # all, once, in order
    assert len(copied_at) == 60
    for moment in copied_at:
        assert sum(moment <= at < moment + RATE_WINDOW for at in copied_at) <= 20
    delayed = t.RELAY_DELAYED.format(per_minute=20)
    assert [m.text for m in desk.in_topic(group, topic)].count(delayed) == 1
    assert (
        bot_texts_to(fake_api, lea.chat_id)[-1]
        == "Nadia, personne référente, va vous répondre ici."
    )
    assert await desk.services.stores.relays.pending() == []


async def test_a_refused_copy_waits_as_telegram_asks_and_a_lost_one_is_marked(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.ask(lea)
    await desk.claim(desk.nadia, lea)
    group, _topic = await desk.topic_of(lea)
    fake_api.inject(Fault.flood(retry_after=30), method="copyMessage")
    await desk.send(lea.says("premier"))
    desk.clock.advance(seconds=29)
    await desk.tick()
    assert [m.text for m in copies_to(fake_api, group.id)] == []
    desk.clock.advance(seconds=1)
    await desk.tick()
    assert [m.text for m in copies_to(fake_api, group.id)] == ["premier"]

    # Telegram keeps failing: five attempts, then the person sees which message is missing.
    fake_api.inject(*[Fault.server_error()] * MAX_ATTEMPTS, method="copyMessage")
    lost = lea.says("second")
    await desk.send(lost)
    for _ in range(MAX_ATTEMPTS):
        desk.clock.advance(minutes=5)
        await desk.tick()
    marked = desk.last(lea)
    assert marked.text == t.NOT_DELIVERED_TO_TEAM
    reply_to = fake_api.calls_to("sendMessage")[-1].params["reply_parameters"]
    assert reply_to["message_id"] == lost["message"]["message_id"]
    assert [m.text for m in copies_to(fake_api, group.id)] == ["premier"]
    assert await desk.services.stores.relays.pending() == []


async def test_at_night_nobody_is_notified_and_the_person_learns_the_next_opening(
    desk: Desk, fake_api: FakeBotApi
):
    desk.clock.now = MONDAY_22H
    lea = new_person(fake_api)
    await desk.ask(lea)
    told = next(text for text in fake_api.texts_to(lea.chat_id) if text.startswith("✅"))
    assert told.startswith(t.WAIT_CLOSED.format(when="demain à 9 h"))
    group, topic = await desk.topic_of(lea)
    to_group = [c for c in fake_api.calls if c.params.get("chat_id") == group.id]
    sent = [c for c in to_group if c.method in ("sendMessage", "copyMessage")]
    assert sent and all(c.params.get("disable_notification") for c in sent)
    for hours in (1, 4, 9):
        desk.clock.now = MONDAY_22H + dt.timedelta(hours=hours)
        await desk.remind()
    assert len(desk.in_topic(group, topic)) == 1  # the card, nothing else
    desk.clock.now = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)  # Tuesday, 9:00 in Paris
    await desk.remind()
    announce = fake_api.calls_to("sendMessage")[-1]
    assert (
        announce.params["text"] == "🔔 Ce cas attend depuis 11 h 00. Quelqu'un peut le prendre ?"
    )
    assert not announce.params.get("disable_notification")


async def test_transfer_to_a_referent_needs_the_persons_consent(desk2: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk2.ask(lea)
    await desk2.accept_charter(desk2.sam)
    await desk2.claim(desk2.sam, lea)
    old_group, old_topic = await desk2.topic_of(lea)
    assert old_group == desk2.pair_group
    await desk2.helper_writes(desk2.sam, lea, "/transferer")
    assert desk2.in_topic(old_group, old_topic)[-1].text == t.TRANSFER_ASKED
    question = desk2.last(lea)
    assert question.text == t.TRANSFER_QUESTION.format(helper="Sam, personne pair-aidante")
    assert question.inline_buttons == [[t.BUTTON_TRANSFER_YES], [t.BUTTON_TRANSFER_NO]]
    assert (await desk2.case_of(lea)).status == Status.OWNED  # nothing moves before the yes
    await desk2.send(lea.presses(question, t.BUTTON_TRANSFER_YES))
    assert desk2.last(lea).text.startswith(t.TRANSFER_ACCEPTED)
    assert fake_api.message(lea.chat_id, question.message_id).inline_buttons == []
    # The case moved to the référents' group, its old card copied first.
    group, topic = await desk2.topic_of(lea)
    assert group == desk2.referent_group and fake_api.topics[old_group.id][old_topic].closed
    first, card = desk2.in_topic(group, topic)[:2]
    assert f"« {QUESTION} »" in first.text and "copied_from" in first.payload
    assert t.CARD_QUESTION_ABOVE in card.text
    await desk2.claim(desk2.nadia, lea)
    assert desk2.last(lea).text == "Nadia, personne référente, va vous répondre ici."


async def test_a_crisis_during_a_case_gets_the_numbers_at_once_and_goes_to_referents(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.ask(lea)
    await desk.accept_charter(desk.sam)
    await desk.claim(desk.sam, lea)
    before = len(fake_api.sent_to(lea.chat_id))
    await desk.send(lea.says("je veux mourir"))
    crisis, routed = bot_texts_to(fake_api, lea.chat_id)[before - 1 :][-2:]
    assert crisis.startswith("Quelqu'un peut vous écouter maintenant") and "3114" in crisis
    assert routed == t.URGENT_TO_REFERENT
    group, topic = await desk.topic_of(lea)
    posted = [m.text for m in desk.in_topic(group, topic)]
    assert t.URGENT_TOPIC in posted and posted[-1] == "je veux mourir"
    case = await desk.case_of(lea)
    assert case.urgent and case.status == Status.WAITING and case.audience == "referent"
    await desk.claim(desk.sam, lea)
    assert toasts(fake_api)[-1] == (t.REFERENT_ONLY, True)


async def test_a_secret_during_a_case_reaches_the_topic_masked_never_raw(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.ask(lea)
    await desk.claim(desk.nadia, lea)
    update = lea.says("mon mot de passe caf c'est Soleil2024!")
    await desk.send(update)
    assert fake_api.message(lea.chat_id, update["message"]["message_id"]).deleted
    assert desk.last(lea).text == texts.SENSITIVE_WARNING
    group, topic = await desk.topic_of(lea)
    masked = desk.in_topic(group, topic)[-1].text
    assert masked.startswith("🔒 Message de la personne") and "Soleil2024" not in masked
    to_group = [c for c in fake_api.calls if c.params.get("chat_id") == group.id]
    assert all("Soleil2024" not in json.dumps(c.params) for c in to_group)
    assert all("Soleil2024" not in m.text for m in fake_api.sent_to(group.id))


async def test_neither_side_sees_the_others_account(desk: Desk, fake_api: FakeBotApi, caplog):
    lea = new_person(fake_api, "Géraldine")
    lea.user.username = "geraldine_du_75"
    with caplog.at_level(logging.DEBUG, logger="bot"):
        await desk.ask(lea)
        await desk.claim(desk.nadia, lea)
        await desk.helper_writes(desk.nadia, lea, "Bonjour !")
        await desk.send(lea.says("Bonjour Nadia"))
        await desk.send(lea.sends("photo", caption="ma lettre"))
        await desk.helper_writes(desk.nadia, lea, "/clore")
    group = desk.pair_group
    person_marks = ("Géraldine", "geraldine_du_75", str(lea.user.id))
    for call in fake_api.calls:
        if call.params.get("chat_id") != group.id:
            continue
        shown = {k: v for k, v in call.params.items() if k != "from_chat_id"}  # the copy's source
        assert not any(mark in json.dumps(shown, ensure_ascii=False) for mark in person_marks)
    for topic in fake_api.topics[group.id].values():
        assert not any(mark in topic.name for mark in person_marks)
    # The person gets copies, never forwards: no helper account attached to them.
    assert fake_api.calls_to("forwardMessage") == []
    helper_marks = ("Nadia Benali", "nadia_b", str(desk.nadia.user.id))
    for message in fake_api.sent_to(lea.chat_id):
        assert "forward_origin" not in message.payload
        assert not any(mark in message.text for mark in helper_marks)
    for call in fake_api.calls:
        if call.params.get("chat_id") == lea.chat_id:
            assert not any(mark in json.dumps(call.params) for mark in helper_marks)
    # Nor is either written in the logs.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for mark in (*person_marks, *helper_marks, "Bonjour Nadia", QUESTION):
        assert mark not in logged


# --- the start-up check --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forum", "expected"),
    [
        ({"is_forum": False}, "n'a pas les sujets activés"),
        ({"can_manage_topics": False}, "« Gérer les sujets »"),
        ({"bot_status": "member"}, "« Gérer les sujets »"),
        ({"bot_status": "left"}, "ne peut pas lire le groupe"),
    ],
)
async def test_a_staff_group_the_bot_cannot_use_stops_the_start_with_one_sentence(
    fake_api: FakeBotApi, tmp_path: Path, forum: dict, expected: str
):
    desk = Desk(fake_api, tmp_path)
    group = desk.pair_group
    group.is_forum = forum.get("is_forum", True)
    group.bot_can_manage_topics = forum.get("can_manage_topics", True)
    group.bot_status = forum.get("bot_status", "administrator")
    with pytest.raises(ConfigError, match=expected) as raised:
        await desk.start()
    await desk.stop()
    assert "\n" not in str(raised.value)


async def test_start_up_checks_the_groups_and_schedules_the_jobs(
    fake_api: FakeBotApi, tmp_path: Path
):
    desk = Desk(fake_api, tmp_path)
    await desk.start()
    try:
        await start_up(desk.application)
        assert desk.application.job_queue is not None
        names = {job.name for job in desk.application.job_queue.jobs()}
        assert {"handoff-outbox", "handoff-reminders"} <= names
        assert {"getChat", "getChatMember", "setMyCommands"} <= {c.method for c in fake_api.calls}
    finally:
        await desk.stop()


async def test_a_staff_group_never_gets_the_private_only_notice(desk: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk.send(desk.nadia.says("Bonjour l'équipe", chat=desk.pair_group))  # General
    await desk.send(desk.nadia.says("/start", chat=desk.pair_group))
    assert fake_api.sent_to(desk.pair_group.id) == []
    other = fake_api.new_group()
    await desk.send(lea.says("/start", chat=other))
    assert fake_api.texts_to(other.id) == [texts.GROUP_ONLY_PRIVATE]


async def test_serving_over_http_with_a_team(fake_api: FakeBotApi, tmp_path: Path):
    """``serve`` as ``run`` does it: the groups are checked, the jobs start, a case opens."""
    desk = Desk(fake_api, tmp_path)
    lea = new_person(fake_api)
    async with FakeBotApiHttpServer(fake_api) as server:
        settings = replace(desk.settings, bot_api_url=server.base_url)
        stop = asyncio.Event()
        serving = asyncio.create_task(serve(settings, opener(settings), stop=stop, poll_timeout=1))
        try:
            steps = [
                lambda: lea.says(QUESTION),
                lambda: lea.says(texts.KEY_HUMAN),
                lambda: lea.presses(desk.last(lea), t.BUTTON_ASK_LAST),
                lambda: lea.presses(desk.last(lea), t.BUTTON_ASK_PAIR),
                lambda: lea.presses(desk.last(lea), t.BUTTON_ASK_YES),
            ]
            for seen, step in enumerate(steps, start=1):
                step()
                await fake_api.wait_until(lambda n=seen: len(fake_api.sent_to(lea.chat_id)) >= n)
        finally:
            stop.set()
            await serving
    assert [c.method for c in fake_api.calls[:2]] == ["getMe", "setMyCommands"]
    assert {"getChat", "getChatMember", "createForumTopic"} <= {c.method for c in fake_api.calls}
    assert desk.last(lea).text.startswith("✅ C'est transmis.")
    assert len(fake_api.topics[desk.pair_group.id]) == 1


async def test_serving_stops_at_once_when_a_staff_group_has_no_topics(
    fake_api: FakeBotApi, tmp_path: Path
):
    desk = Desk(fake_api, tmp_path)
    desk.pair_group.is_forum = False
    async with FakeBotApiHttpServer(fake_api) as server:
        settings = replace(desk.settings, bot_api_url=server.base_url)
        with pytest.raises(ConfigError, match="n'a pas les sujets activés"):
            await serve(settings, opener(settings), stop=asyncio.Event(), poll_timeout=1)
    assert fake_api.calls_to("getUpdates") == []
