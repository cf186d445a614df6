"""What the bot promises, end to end (issue 17): the real Application on the fake Bot API.

Each test plays a person and the team through ``Desk`` (``test_handoff_e2e.py``) and checks
what each side reads in Telegram, what the coordinator reads in the report, and what the log
file holds.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import logging
import os
import re
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from fakebotapi import FakeBotApi, FakeBotApiHttpServer, FakeMessage, Fault, Person, new_person
from reliability_support import CASE_QUESTION, Team
from test_handoff_e2e import CASE_KEYS, SECRET, Desk, copies_to
from test_handoff_support import MONDAY_22H
from test_reliability_faults import BotProcess

from bot import logsafety
from bot.__main__ import build_parser
from bot.app import privacy as p
from bot.app.handoff import Status
from bot.bootstrap import opener, store_at
from bot.channels.reports_cli import run_report_command
from bot.channels.telegram.app import serve
from bot.config import ConfigError, Settings
from bot.texts import handoff as t
from bot.texts import person as texts

PERSON_KEYS = [[texts.KEY_MENU, texts.KEY_HUMAN]]


def usage_report(desk: Desk) -> str:
    """``./relais stats`` on the bot's database (RELAIS_DB), as a coordinator runs it."""
    args = build_parser().parse_args(["stats"])
    out = io.StringIO()
    assert run_report_command(args, desk.settings, out, store_at) == 0
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


# --- 2. « J'ai fini » stays under the text field while a case is open --------------------


async def test_j_ai_fini_is_on_the_keyboard_during_the_case_and_goes_when_it_closes(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk2.ask(lea)
    transmitted = desk2.last(lea)
    assert transmitted.reply_keyboard == CASE_KEYS
    await desk2.claim(desk2.nadia, lea)
    assert desk2.last(lea).reply_keyboard == CASE_KEYS
    # Messages of the bot during the case keep the key: an answer to « Menu », an entry.
    await desk2.send(lea.says(texts.KEY_MENU))
    assert desk2.last(lea).reply_keyboard in ([], CASE_KEYS)
    await desk2.helper_writes(desk2.nadia, lea, "/fiche caf-mot-de-passe")
    await desk2.send(lea.says(texts.KEY_HUMAN))
    assert desk2.last(lea).text == t.ALREADY_OPEN
    assert desk2.last(lea).reply_keyboard == CASE_KEYS
    await desk2.send(lea.command("confidentialite"))  # answered by the privacy desk
    assert desk2.last(lea).reply_keyboard == CASE_KEYS
    keyboards = [m.reply_keyboard for m in fake_api.sent_to(lea.chat_id)]
    since_open = keyboards[keyboards.index(CASE_KEYS) :]
    assert [k for k in since_open if k] == [CASE_KEYS] * len([k for k in since_open if k])
    # Far down the chat, the key closes the case; the keyboard loses it.
    group, topic = await desk2.topic_of(lea)
    await desk2.send(lea.says(texts.KEY_DONE))
    assert (await desk2.case_of(lea)).status == Status.CLOSED
    assert desk2.in_topic(group, topic)[-1].text == t.CLOSED_BY_PERSON_TOPIC
    ended, rating = fake_api.sent_to(lea.chat_id)[-2:]
    assert ended.reply_keyboard == PERSON_KEYS
    assert rating.inline_buttons == [["👍", "😐", "👎"]]
    # Pressed again (an old keyboard): nothing to end, said plainly, normal keyboard.
    await desk2.send(lea.says(texts.KEY_DONE))
    assert desk2.last(lea).text == texts.NOTHING_TO_FINISH
    assert desk2.last(lea).reply_keyboard == PERSON_KEYS
    assert copies_to(fake_api, group.id) == []  # the key is never relayed to the team


# --- 3. « Autre chose »: the person writes the question first -----------------------------


async def test_autre_chose_invites_the_person_to_write_and_the_team_reads_it(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk2.send(lea.says(texts.KEY_HUMAN))  # no question asked to the bot before
    await desk2.send(lea.presses(desk2.last(lea), t.BUTTON_ASK_OTHER))
    invitation = desk2.last(lea)
    assert invitation.text == t.ASK_WRITE
    assert invitation.inline_buttons == [[t.BUTTON_ASK_CANCEL]]
    assert fake_api.sent_to(desk2.pair_group.id) == []
    await desk2.send(lea.says("Mon propriétaire veut garder ma caution"))
    assert desk2.last(lea).text == t.ASK_KIND  # the question is not answered by the bot
    await desk2.send(lea.presses(desk2.last(lea), t.BUTTON_ASK_REFERENT))
    preview = desk2.last(lea)
    assert "Mon propriétaire veut garder ma caution" in preview.text
    assert t.CARD_NO_QUESTION not in preview.text
    await desk2.send(lea.presses(preview, t.BUTTON_ASK_YES))
    group, topic = await desk2.topic_of(lea)
    card = desk2.card(group, topic)
    assert "« Mon propriétaire veut garder ma caution" in card.text
    assert t.CARD_NO_QUESTION not in card.text


async def test_after_autre_chose_the_menu_gives_the_next_question_back_to_the_bot(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk2.send(lea.says(texts.KEY_HUMAN))
    await desk2.send(lea.presses(desk2.last(lea), t.BUTTON_ASK_OTHER))
    await desk2.send(lea.says(texts.KEY_MENU))  # changes her mind
    await desk2.send(lea.says("jarrive pa a macktualiser sur pole emploi"))
    assert desk2.last(lea).text.startswith("M'actualiser chaque mois")


# --- 4. after /oublier, nothing in the log leads to the person -----------------------------


@pytest.fixture
def log_file() -> Iterator[io.StringIO]:
    """The log as ``run`` writes it: a root handler, the filter installed, DEBUG for ``bot``."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root, ours = logging.getLogger(), logging.getLogger("bot")
    levels = root.level, ours.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    ours.setLevel(logging.DEBUG)
    undo = logsafety.install(token=FakeBotApi().token, secret=SECRET, root=root)
    yield out
    undo()
    root.removeHandler(handler)
    root.setLevel(levels[0])
    ours.setLevel(levels[1])


async def test_the_log_file_never_holds_the_persons_pseudonym(
    desk2: Desk, fake_api: FakeBotApi, log_file: io.StringIO
):
    lea = new_person(fake_api)
    await desk2.ask(lea)
    alias = (await desk2.case_of(lea)).alias
    await desk2.claim(desk2.nadia, lea)
    await desk2.send(lea.says("Voici mon souci"))
    await desk2.send(lea.command("oublier"))
    await desk2.send(lea.presses(desk2.last(lea), p.BUTTON_FORGET_YES))
    assert await desk2.services.stores.cases.of_person(desk2.key(lea)) == []

    written = log_file.getvalue()
    assert "case 1 opened" in written and "case 1 claimed" in written  # the bot's own lines
    assert desk2.key(lea) not in written
    assert alias not in written


# --- 5. /effacer and /oublier in either order ---------------------------------------------


def still_there(api: FakeBotApi, person: Person) -> list[FakeMessage]:
    return [m for m in api.messages if m.chat_id == person.chat_id and not m.deleted]


async def a_conversation_with_a_case(desk: Desk, person: Person) -> None:
    """About 15 messages both ways, a case opened and answered."""
    await desk.send(person.command("start"))
    await desk.send(person.says("jarrive pa a macktualiser sur pole emploi"))
    await desk.ask(person)
    await desk.claim(desk.nadia, person)
    await desk.helper_writes(desk.nadia, person, "Bonjour, je regarde.")
    await desk.send(person.says("Merci"))


async def test_effacer_after_oublier_still_deletes_the_whole_recent_conversation(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await a_conversation_with_a_case(desk2, lea)
    before = len(still_there(fake_api, lea))
    assert before > 10
    await desk2.send(lea.command("oublier"))
    await desk2.send(lea.presses(desk2.last(lea), p.BUTTON_FORGET_YES))
    assert desk2.last(lea).text == p.FORGOTTEN and "/effacer" in p.FORGOTTEN
    assert await desk2.services.stores.cases.of_person(desk2.key(lea)) == []
    await desk2.send(lea.command("effacer"))
    notice = desk2.last(lea)
    assert still_there(fake_api, lea) == [notice]  # every message, older than /oublier too
    assert notice.text == p.erase_notice(erased=before + 4, open_case=False)
    assert notice.text.startswith(p.ERASED)


async def test_oublier_after_effacer_erases_the_data_too(desk2: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await a_conversation_with_a_case(desk2, lea)
    await desk2.send(lea.command("effacer"))
    await desk2.send(lea.presses(desk2.last(lea), p.BUTTON_ERASE_NOTICE))
    assert still_there(fake_api, lea) == []
    await desk2.send(lea.command("oublier"))
    await desk2.send(lea.presses(desk2.last(lea), p.BUTTON_FORGET_YES))
    assert desk2.last(lea).text == p.FORGOTTEN
    assert await desk2.services.stores.cases.of_person(desk2.key(lea)) == []


async def test_messages_telegram_refuses_to_delete_are_counted_never_c_est_fait(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk2.send(lea.says("jarrive pa a macktualiser sur pole emploi"))  # 2 messages
    await desk2.send(lea.command("oublier"))
    await desk2.send(lea.presses(desk2.last(lea), p.BUTTON_FORGET_YES))  # 3 more
    refused = Fault(400, "Bad Request: message can't be deleted for everyone")
    fake_api.inject(refused, method="deleteMessages")  # the batch, then one by one:
    fake_api.inject(refused, refused, method="deleteMessage")
    await desk2.send(lea.command("effacer"))  # and this one: 6
    notice = desk2.last(lea)
    assert len(still_there(fake_api, lea)) == 3  # two refused, and the notice
    assert not notice.text.startswith(p.ERASED)
    assert notice.text.startswith(p.ERASED_NOT_ALL.format(failed=2, done=4))
    assert p.ERASE_BY_HAND in notice.text and p.ERASE_THE_REST in notice.text


# --- 6. a normal stop is no error -----------------------------------------------------------


async def test_sigterm_stops_the_process_without_an_error_or_a_traceback(
    fake_api: FakeBotApi, tmp_path: Path
):
    """``python -m bot run`` with a team (jobs running), stopped as systemd or docker do."""
    team, lea = Team(fake_api, tmp_path), new_person(fake_api, "Léa")
    log = tmp_path / "relais.log"
    async with FakeBotApiHttpServer(fake_api) as server:
        env = {
            **os.environ,
            "RELAIS_TOKEN": fake_api.token,
            "RELAIS_SECRET": SECRET,
            "RELAIS_BOT_API_URL": server.base_url,
            "RELAIS_DB": str(tmp_path / "relais.sqlite3"),
            "RELAIS_KNOWLEDGE": str(REPO_ROOT / "knowledge"),
            "RELAIS_STAFF_CONFIG": str(team.path),
        }
        relais = BotProcess(env, log)
        await relais.start()
        try:
            asked = lea.says(CASE_QUESTION)["update_id"]
            await fake_api.wait_until(lambda: bool(fake_api.sent_to(lea.chat_id)), within=120)
            # The getUpdates that confirms her message is under way (long polling) when the
            # signal comes: the stop does not wait for it to end.
            await fake_api.wait_until(
                lambda: (fake_api.polling_with_offset or 0) > asked, within=120
            )
        finally:
            assert relais.process is not None
            relais.process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(relais.process.wait(), 120)
    written = log.read_text(encoding="utf-8")
    assert code == 0, written[-2000:]
    assert "Relais is polling Telegram" in written  # the log was written
    for bad in ("ERROR", "CRITICAL", "Traceback", "Exception"):
        assert bad not in written, written[-2000:]


# --- 7. consent: what the person knows before « Oui », and after -------------------------


async def test_the_preview_says_who_may_read_the_request_and_when_it_widens(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    preview = await desk2.ask(lea, answer=t.BUTTON_ASK_NO)  # pair-aidants' group only
    assert t.PREVIEW_WHO.format(readers=t.PREVIEW_ROLE_PAIR) in preview.text
    assert t.PREVIEW_WIDEN.format(minutes=30) in preview.text
    assert t.PREVIEW_CLOSED.split(".")[0] not in preview.text  # Monday 10:00: open
    # What it said happens: nobody takes it for 30 minutes, it goes to the référents.
    await desk2.ask(lea)
    desk2.clock.advance(minutes=10)
    await desk2.remind()
    desk2.clock.advance(minutes=20)
    await desk2.remind()
    await desk2.tick()
    group, topic = await desk2.topic_of(lea)
    assert group == desk2.referent_group
    # The référents' card is theirs: for a référent, with no « Pour un référent ».
    card = desk2.card(group, topic)
    assert t.CARD_FOR_REFERENT in card.text and t.CARD_FOR_PAIR_AIDANT not in card.text
    assert card.inline_buttons == [[t.BUTTON_CLAIM]]
    assert desk2.last(lea).text == t.STILL_WAITING_WIDENED
    await desk2.send(desk2.nadia.presses(card, t.BUTTON_CLAIM))
    assert desk2.last(lea).text == "Nadia, personne référente, va vous répondre ici."
    said = fake_api.texts_to(lea.chat_id)
    assert said.count(t.STILL_WAITING_WIDENED) == 1
    assert not any(text.startswith(t.SENT_TO_REFERENT) for text in said)  # no second notice


async def test_in_one_group_widening_calls_the_referents_and_the_card_loses_pour_un_referent(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk.ask(lea)
    group, topic = await desk.topic_of(lea)
    card = desk.card(group, topic)
    assert [t.BUTTON_TO_REFERENT] in card.inline_buttons
    desk.clock.advance(minutes=10)
    await desk.remind()
    desk.clock.advance(minutes=20)
    await desk.remind()
    assert desk.in_topic(group, topic)[-1].text.startswith("🔔 Personne n'a encore pris ce cas")
    assert card.inline_buttons == [[t.BUTTON_CLAIM]]
    assert desk.last(lea).text == t.STILL_WAITING_WIDENED
    # An old screen still shows « Pour un référent »: pressed, it tells the person nothing.
    told = len(fake_api.sent_to(lea.chat_id))
    await desk.send(desk.sam.presses_as_once_shown(card, t.BUTTON_TO_REFERENT))
    assert len(fake_api.sent_to(lea.chat_id)) == told
    assert fake_api.calls_to("answerCallbackQuery")[-1].params["text"] == t.ALREADY_FOR_REFERENT
    # Whoever comes first takes it, a pair-aidant too.
    await desk.accept_charter(desk.sam)
    await desk.send(desk.sam.presses(card, t.BUTTON_CLAIM))
    assert desk.last(lea).text.startswith("Sam")


async def test_in_one_group_for_all_the_preview_names_every_reader(
    desk: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    preview = await desk.ask(lea, answer=t.BUTTON_ASK_NO)
    readers = "\n".join(
        (t.PREVIEW_ROLE_PAIR, t.PREVIEW_ROLE_REFERENT, t.PREVIEW_ROLE_COORDINATION)
    )
    assert t.PREVIEW_WHO.format(readers=readers) in preview.text


async def test_outside_opening_hours_the_preview_says_so_before_oui(
    desk2: Desk, fake_api: FakeBotApi
):
    desk2.clock.now = MONDAY_22H
    lea = new_person(fake_api)
    preview = await desk2.ask(lea, answer=t.BUTTON_ASK_NO)
    assert t.PREVIEW_CLOSED.format(when="demain à 9 h") in preview.text
    assert t.URGENT_INFO not in preview.text  # not urgent
    # Urgent, at night: the numbers come with the preview too.
    omar = new_person(fake_api, "Omar")
    await desk2.send(omar.says("je veux mourir"))
    await desk2.send(omar.says(texts.KEY_HUMAN))
    urgent = desk2.last(omar)
    assert urgent.text.startswith(t.PREVIEW_INTRO)
    assert t.PREVIEW_CLOSED.format(when="demain à 9 h") in urgent.text
    assert t.URGENT_INFO in urgent.text


async def test_after_a_transfer_the_person_was_told_what_the_new_helper_sees(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk2.ask(lea)
    await desk2.accept_charter(desk2.sam)
    await desk2.claim(desk2.sam, lea)
    await desk2.send(lea.says("avant le transfert"))
    await desk2.helper_writes(desk2.sam, lea, "/transferer")
    question = desk2.last(lea)
    assert "vos messages ici" not in question.text
    assert "les messages que vous écrirez ensuite" in question.text
    assert "Vos échanges d'avant restent dans l'équipe" in question.text
    await desk2.send(lea.presses(question, t.BUTTON_TRANSFER_YES))
    await desk2.send(lea.says("après le transfert"))
    await desk2.tick()
    group, topic = await desk2.topic_of(lea)
    seen = [m.text for m in desk2.in_topic(group, topic)]
    assert any(text.startswith("🆕 Demande") for text in seen)  # the summary
    assert "après le transfert" in seen and "avant le transfert" not in seen  # as told


# --- 6. old buttons do not restart a request -----------------------------------------------


def case_count(fake_api: FakeBotApi, desk: Desk) -> int:
    """Cards the team received: one per request sent."""
    return sum(
        m.text.startswith("🆕 Demande")
        for group in {desk.pair_group.id, desk.referent_group.id}
        for m in fake_api.sent_to(group)
    )


async def test_a_step_of_the_request_loses_its_buttons_once_answered(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk2.send(lea.says(CASE_QUESTION))
    await desk2.send(lea.says(texts.KEY_HUMAN))
    about = desk2.last(lea)
    await desk2.send(lea.presses(about, t.BUTTON_ASK_LAST))
    kind = desk2.last(lea)
    assert about.inline_buttons == []  # answered: nothing left to press there
    await desk2.send(lea.presses(kind, t.BUTTON_ASK_PAIR))
    preview = desk2.last(lea)
    assert kind.inline_buttons == []
    await desk2.send(lea.presses(preview, t.BUTTON_ASK_YES))
    assert preview.inline_buttons == []
    assert case_count(fake_api, desk2) == 1


async def test_an_old_button_of_a_sent_request_opens_no_second_one(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    preview = await desk2.ask(lea)
    kind = next(m for m in fake_api.sent_to(lea.chat_id) if m.text == t.ASK_KIND)
    await desk2.send(lea.presses_as_once_shown(kind, t.BUTTON_ASK_PAIR))  # an offline phone
    assert desk2.last(lea).text == t.ALREADY_OPEN
    await desk2.send(lea.presses_as_once_shown(preview, t.BUTTON_ASK_YES))
    assert desk2.last(lea).text == t.ALREADY_OPEN
    assert case_count(fake_api, desk2) == 1
    # The case ends; the old « Oui » of that request does not send it again.
    await desk2.claim(desk2.sam, lea)
    await desk2.send(lea.says(texts.KEY_DONE))
    await desk2.send(lea.presses_as_once_shown(preview, t.BUTTON_ASK_YES))
    assert desk2.last(lea).text == t.ASK_EXPIRED
    assert case_count(fake_api, desk2) == 1


async def test_a_request_left_half_an_hour_expires_and_nothing_is_sent(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    preview = await desk2.ask(lea, answer=None)
    desk2.clock.advance(minutes=31)  # she put the phone down
    await desk2.send(lea.presses(preview, t.BUTTON_ASK_YES))
    expired = desk2.last(lea)
    assert expired.text == t.ASK_EXPIRED
    assert expired.inline_buttons == [[texts.BUTTON_HUMAN]]  # one tap to start again
    assert preview.inline_buttons == []
    assert case_count(fake_api, desk2) == 0
    assert fake_api.sent_to(desk2.pair_group.id) == []


async def test_the_rating_of_a_closed_case_counts_once(desk2: Desk, fake_api: FakeBotApi):
    lea = new_person(fake_api)
    await desk2.ask(lea)
    await desk2.claim(desk2.sam, lea)
    await desk2.send(lea.says(texts.KEY_DONE))
    rating = desk2.last(lea)
    await desk2.send(lea.presses(rating, "👍"))
    assert rating.inline_buttons == []
    await desk2.send(lea.presses_as_once_shown(rating, "👍"))
    report = await asyncio.to_thread(usage_report, desk2)
    assert "avis des personnes : 👍 1  😐 0  👎 0" in report


PERSON_TEXT_MODULES = ("person", "handoff", "nearby", "memory")
INCLUSIVE_DOT = re.compile(r"\w·\w")


def test_no_middle_dot_writing_in_what_people_read():
    """« un·e pair-aidant·e »: FALC advises against it. « #A7F3 · CAF » (a separator) is fine."""
    from bot.app import privacy as privacy_texts

    modules = [importlib.import_module(f"bot.texts.{name}") for name in PERSON_TEXT_MODULES]
    for module in [*modules, privacy_texts]:
        for name, value in vars(module).items():
            for text in value if isinstance(value, tuple | list) else [value]:
                if isinstance(text, str):
                    assert not INCLUSIVE_DOT.search(text), f"{module.__name__}.{name}"
    for path in (REPO_ROOT / "knowledge").glob("*.yaml"):
        assert not INCLUSIVE_DOT.search(path.read_text(encoding="utf-8")), path.name


async def test_a_whole_case_shows_the_person_no_middle_dot_writing(
    desk2: Desk, fake_api: FakeBotApi
):
    lea = new_person(fake_api)
    await desk2.send(lea.command("start"))
    await desk2.ask(lea)
    await desk2.accept_charter(desk2.sam)
    await desk2.claim(desk2.sam, lea)
    await desk2.helper_writes(desk2.sam, lea, "/transferer")
    await desk2.send(lea.presses(desk2.last(lea), t.BUTTON_TRANSFER_YES))
    await desk2.claim(desk2.nadia, lea)
    await desk2.helper_writes(desk2.nadia, lea, "/clore")
    said = fake_api.texts_to(lea.chat_id)
    assert len(said) > 8
    assert not [text for text in said if INCLUSIVE_DOT.search(text)]


async def test_the_start_error_shows_the_address_without_the_token(
    fake_api: FakeBotApi, tmp_path: Path
):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = fake_api.token
    settings = Settings(
        token=token,
        secret=SECRET,
        bot_api_url=f"http://127.0.0.1:{port}/bot{token}/",  # the token pasted by mistake
        db_path=tmp_path / "relais.sqlite3",
        knowledge_dir=REPO_ROOT / "knowledge",
    )
    with pytest.raises(ConfigError) as refused:
        await serve(settings, opener(settings))
    said = str(refused.value)
    assert f"http://127.0.0.1:{port}/bot<RELAIS_TOKEN>/" in said  # as written, checkable
    assert token not in said and token.partition(":")[2] not in said
    assert "[number]" not in said
