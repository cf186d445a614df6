"""The case state machine and the handoff service, on a real SQLite file with a fake clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from test_handoff_support import (
    CLAIRE,
    FRIDAY_18H30,
    LEA,
    MONDAY_10H,
    MONDAY_22H,
    NADIA,
    ONE_GROUP,
    OTHER_CHAT,
    PAIR_GROUP,
    PERSON_CHAT,
    REFERENT_GROUP,
    SAM,
    SECRET,
    STRANGER,
    TWO_GROUPS_YAML,
    Env,
    one,
    only,
    person,
    request,
)

from bot.adapters.sqlite import open_stores
from bot.app.handoff import (
    TRANSITIONS,
    Event,
    InvalidTransition,
    Status,
    next_status,
)
from bot.bootstrap import build_handoff
from bot.domain.buttons import encode_action
from bot.domain.effects import (
    CaseVerb,
    CloseCaseThread,
    CopyToCaseThread,
    CopyToPerson,
    EditCard,
    NoCase,
    OpenCaseThread,
    PostInCaseThread,
    PostToTeam,
    ReplyHere,
    SendEntry,
    SendToPerson,
    ShortNotice,
    case_button,
    parse_button,
)
from bot.texts import handoff as t


@pytest.fixture
async def env(tmp_path: Path):
    env = await Env.open(tmp_path)
    yield env
    await env.close()


@pytest.fixture
async def env2(tmp_path: Path):
    """Two staff groups: pair-aidants in one, référents in the other."""
    env = await Env.open(tmp_path, TWO_GROUPS_YAML)
    yield env
    await env.close()


async def status_of(env: Env, case_id: int) -> str:
    case = await env.stores.cases.get(case_id)
    assert case is not None
    return case.status


# --- the pure state machine ----------------------------------------------------------------


def test_every_allowed_transition_leads_where_the_table_says():
    assert next_status(Status.WAITING, Event.CLAIM) is Status.OWNED
    assert next_status(Status.OWNED, Event.RELEASE) is Status.WAITING
    assert next_status(Status.OWNED, Event.TRANSFER) is Status.WAITING
    assert next_status(Status.WAITING, Event.CLOSE) is Status.CLOSED
    assert next_status(Status.OWNED, Event.CLOSE) is Status.CLOSED
    for status in Status:
        for event in Event:
            if (status, event) not in TRANSITIONS:
                with pytest.raises(InvalidTransition):
                    next_status(status, event)


def test_a_closed_case_never_moves_again():
    assert not [key for key in TRANSITIONS if key[0] is Status.CLOSED]


async def _start_in(env: Env, status: Status) -> int:
    case_id = await env.claimed_case()
    if status is Status.WAITING:
        await env.service.release(SAM, case_id)
    elif status is Status.CLOSED:
        await env.service.close_by_helper(SAM, case_id)
    return case_id


async def _do(env: Env, event: Event, case_id: int) -> None:
    """Make ``event`` happen the way the product does, whatever the case's state."""
    service = env.service
    if event is Event.CLAIM:
        await service.claim(NADIA, case_id)
    elif event is Event.TO_REFERENT:
        await service.send_to_referents(SAM, case_id)
    elif event is Event.RELEASE:
        await service.release(SAM, case_id)
    elif event is Event.TRANSFER:
        await service.request_transfer(SAM, case_id)
        await service.accept_transfer(person(), case_id)
    elif event is Event.URGENT:
        await service.mark_urgent(person())
    elif event is Event.REMIND:
        env.clock.advance(minutes=10)
        await service.due_reminders()
    else:
        await service.close_by_person(person())


@pytest.mark.parametrize(("status", "event"), [(s, e) for s in Status for e in Event])
async def test_the_service_follows_the_state_table_for_every_state_and_event(
    env: Env, status: Status, event: Event
):
    case_id = await _start_in(env, status)
    assert await status_of(env, case_id) == status
    await _do(env, event, case_id)
    expected = TRANSITIONS.get((status, event), status)  # not allowed: nothing changes
    assert await status_of(env, case_id) == expected


def test_button_data_round_trips_and_foreign_data_is_ignored():
    data = encode_action(case_button("x", CaseVerb.CLAIM, 42).action)
    assert data == "v1|ck|42"
    assert parse_button(data) == (CaseVerb.CLAIM, 42)
    assert parse_button("h1:k:42") == (CaseVerb.CLAIM, 42)  # a button already in a chat
    assert parse_button("h0:k:42") is None
    assert parse_button("h1:?:42") is None
    assert parse_button("e:caf-compte") is None
    assert len(encode_action(case_button("x", CaseVerb.RATE_DOWN, 10**12).action)) <= 64


# --- asking and opening --------------------------------------------------------------------


async def test_preview_is_exactly_the_card_the_helper_receives(env: Env):
    req = request(question="Mon mot de passe ***")
    preview = env.service.build_preview(req)
    actions = await env.service.open_case(req, PERSON_CHAT)
    assert one(actions, OpenCaseThread).card == preview
    assert "« Mon mot de passe *** »" in preview
    assert "caf-compte" in preview


async def test_a_case_opens_with_an_alias_topic_and_an_honest_wait(env: Env):
    actions = await env.service.open_case(request(), PERSON_CHAT)
    topic = one(actions, OpenCaseThread)
    assert topic.chat_id == ONE_GROUP
    assert topic.name.startswith("#") and topic.name.endswith(" · caf")
    assert str(PERSON_CHAT) not in topic.name + topic.card
    assert person() not in topic.name + topic.card
    assert not topic.silent
    assert [[b.action.verb for b in row] for row in topic.buttons] == [
        [CaseVerb.CLAIM],
        [CaseVerb.TO_REFERENT],
    ]
    told = one(actions, SendToPerson)
    assert told.chat_id == PERSON_CHAT and told.protect
    assert "dans les prochaines minutes" in told.text
    for number in ("15", "112", "17", "3114", "France Services"):
        assert number in told.text
    assert told.buttons[0][0].action.verb is CaseVerb.DONE
    assert await status_of(env, topic.case_id) == Status.WAITING


async def test_one_open_case_per_person(env: Env):
    await env.open_case()
    again = await env.service.open_case(request(), PERSON_CHAT)
    assert one(again, SendToPerson).text == t.ALREADY_OPEN
    assert not only(again, OpenCaseThread)
    assert await env.service.has_open_case(person())
    assert not await env.service.has_open_case(person(OTHER_CHAT))


async def test_a_double_yes_opens_one_case(env: Env):
    results = await asyncio.gather(
        env.service.open_case(request(), PERSON_CHAT),
        env.service.open_case(request(), PERSON_CHAT),
    )
    assert sum(len(only(r, OpenCaseThread)) for r in results) == 1
    assert len(await env.stores.cases.of_person(person())) == 1


async def test_the_person_asking_for_a_referent_gets_a_referent_case(env2: Env):
    actions = await env2.service.open_case(request(), PERSON_CHAT, referent=True)
    topic = one(actions, OpenCaseThread)
    assert topic.chat_id == REFERENT_GROUP
    assert [[b.action.verb for b in row] for row in topic.buttons] == [[CaseVerb.CLAIM]]
    assert t.CARD_FOR_REFERENT in topic.card


# --- claiming ------------------------------------------------------------------------------


async def test_the_first_helper_to_claim_owns_the_case_and_the_person_is_told(env: Env):
    case_id = await env.open_case()
    actions = await env.service.claim(SAM, case_id)
    assert one(actions, ShortNotice).text == t.YOU_HAVE_IT
    assert one(actions, SendToPerson).text == "Sam, personne pair-aidante, va vous répondre ici."
    card = one(actions, EditCard)
    assert (
        card.buttons[0][0].label == "✅ Pris par Sam"
        and card.buttons[0][0].action.verb is CaseVerb.STATUS
    )
    assert "Sam" in one(actions, PostInCaseThread).text
    assert await status_of(env, case_id) == Status.OWNED
    late = await env.service.claim(NADIA, case_id)
    assert one(late, ShortNotice).text == "Déjà pris par Sam, personne pair-aidante."
    assert one(await env.service.claim(SAM, case_id), ShortNotice).text == t.YOU_HAVE_IT


async def test_two_helpers_claiming_at_once_exactly_one_wins(env: Env):
    case_id = await env.open_case()
    results = await asyncio.gather(
        env.service.claim(SAM, case_id), env.service.claim(NADIA, case_id)
    )
    winners = [r for r in results if only(r, SendToPerson)]
    assert len(winners) == 1
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.status == Status.OWNED


async def test_two_bot_processes_claiming_at_once_exactly_one_wins(env: Env):
    """Two connections to the same file (two workers): the conditional UPDATE decides."""
    case_id = await env.open_case()
    other_store = await open_stores(env.db_path)
    try:
        other = build_handoff(other_store, env.staff, SECRET, env.clock, charter=env.charter)
        for _ in range(5):
            results = await asyncio.gather(
                env.service.claim(NADIA, case_id), other.claim(CLAIRE, case_id)
            )
            assert sum(1 for r in results if only(r, SendToPerson)) <= 1
        case = await env.stores.cases.get(case_id)
        assert case is not None and case.owner_key is not None
    finally:
        await other_store.close()


async def test_someone_not_in_the_staff_file_cannot_claim_nor_relay(env: Env):
    case_id = await env.open_case()
    refused = await env.service.claim(STRANGER, case_id)
    assert one(refused, ShortNotice).text == t.NOT_A_HELPER
    assert await status_of(env, case_id) == Status.WAITING
    await env.service.claim(SAM, case_id)
    sent = await env.service.staff_message(STRANGER, case_id, 77, "bonjour")
    assert one(sent, ReplyHere).text == t.NOT_A_HELPER_MESSAGE
    assert await env.stores.relays.pending(case_id) == []


async def test_a_pair_aidant_must_accept_the_charter_before_a_first_claim(env: Env):
    case_id = await env.open_case()
    refused = await env.service.claim(LEA, case_id)
    assert one(refused, ShortNotice).text == t.CHARTER_FIRST
    shown = one(await env.service.show_charter(LEA), ReplyHere)
    assert shown.text.startswith("Charte des pair-aidants")
    assert shown.buttons[0][0].action.verb is CaseVerb.ACCEPT_CHARTER
    await env.service.press_staff(LEA, CaseVerb.ACCEPT_CHARTER, 0)
    assert only(await env.service.claim(LEA, case_id), SendToPerson)
    again = one(await env.service.show_charter(LEA), ReplyHere)
    assert (
        not again.buttons
        and "Vous avez accepté cette charte le lundi 23 novembre 2026" in again.text
    )


async def test_a_new_charter_version_must_be_accepted_again(env: Env):
    from dataclasses import replace

    env.service.context.charter = replace(env.charter, version="2027-01-01")
    case_id = await env.open_case()
    assert one(await env.service.claim(SAM, case_id), ShortNotice).text == t.CHARTER_FIRST


async def test_a_crisis_case_goes_to_referents_only(env2: Env):
    actions = await env2.service.open_case(request(crisis="suicide"), PERSON_CHAT)
    await env2.create_topics(actions)
    topic = one(actions, OpenCaseThread)
    assert topic.chat_id == REFERENT_GROUP
    assert t.CARD_URGENT in topic.card and "suicide" not in topic.card
    refused = await env2.service.claim(SAM, topic.case_id)
    assert one(refused, ShortNotice).text == t.REFERENT_ONLY
    assert only(await env2.service.claim(NADIA, topic.case_id), SendToPerson)


# --- relaying ------------------------------------------------------------------------------


async def test_without_a_case_the_engine_answers(env: Env):
    assert isinstance(await env.service.person_message(person(), 1), NoCase)


async def test_the_persons_messages_are_copied_into_the_topic_once(env: Env):
    case_id = await env.open_case()
    copies = await env.service.person_message(person(), 5)
    assert isinstance(copies, list)
    copy = one(copies, CopyToCaseThread)
    assert (copy.from_chat_id, copy.message_id, copy.chat_id) == (PERSON_CHAT, 5, ONE_GROUP)
    assert copy.case_id == case_id and copy.protect and not copy.silent
    await env.service.outbox_sent(copy.outbox_id)
    assert await env.service.person_message(person(), 5) == []  # the same update again


async def test_only_the_owner_writes_to_the_person_and_notes_stay_inside(env: Env):
    case_id = await env.open_case()
    waiting = await env.service.staff_message(SAM, case_id, 30, "bonjour")
    assert one(waiting, ReplyHere).text == t.NOT_CLAIMED_MESSAGE
    await env.service.claim(SAM, case_id)
    copy = one(await env.service.staff_message(SAM, case_id, 31, "Bonjour !"), CopyToPerson)
    assert (copy.from_chat_id, copy.message_id, copy.chat_id) == (ONE_GROUP, 31, PERSON_CHAT)
    assert await env.service.staff_message(SAM, case_id, 32, "! elle a l'air pressée") == []
    assert await env.service.staff_message(NADIA, case_id, 33, "! je peux aider") == []
    other = await env.service.staff_message(NADIA, case_id, 34, "Bonjour, ici Nadia")
    assert one(other, ReplyHere).text == t.NOT_OWNER_MESSAGE.format(
        helper="Sam, personne pair-aidante"
    )
    assert [r.source_message_id for r in await env.stores.relays.pending(case_id)] == [31]


async def test_commands_of_the_owner_are_refused_to_others(env: Env):
    case_id = await env.claimed_case()
    for call in (env.service.release, env.service.request_transfer, env.service.close_by_helper):
        refused = await call(NADIA, case_id)
        assert one(refused, ReplyHere).text == t.ONLY_OWNER.format(
            helper="Sam, personne pair-aidante"
        )
    assert await status_of(env, case_id) == Status.OWNED


# --- release, transfer, entries ------------------------------------------------------------


async def test_release_puts_the_case_back_in_the_queue_and_tells_the_person(env: Env):
    case_id = await env.claimed_case()
    actions = await env.service.release(SAM, case_id)
    assert await status_of(env, case_id) == Status.WAITING
    assert one(actions, EditCard).buttons[0][0].action.verb is CaseVerb.CLAIM
    told = one(actions, SendToPerson).text
    assert told.startswith("Sam, personne pair-aidante, a dû laisser") and t.WAIT_OPEN in told
    assert only(await env.service.claim(NADIA, case_id), SendToPerson)


async def test_transfer_asks_consent_then_goes_to_referents(env: Env):
    case_id = await env.claimed_case()
    asked = await env.service.request_transfer(SAM, case_id)
    question = one(asked, SendToPerson)
    assert "Vous êtes d'accord ?" in question.text
    verbs = [row[0].action.verb for row in question.buttons]
    assert verbs == [CaseVerb.TRANSFER_YES, CaseVerb.TRANSFER_NO]
    assert one(await env.service.request_transfer(SAM, case_id), ReplyHere).text == (
        t.TRANSFER_ALREADY_ASKED
    )
    assert await status_of(env, case_id) == Status.OWNED  # nothing moves without the yes
    accepted = await env.service.press_person(person(), CaseVerb.TRANSFER_YES, case_id)
    assert t.TRANSFER_ACCEPTED in one(accepted, SendToPerson).text
    assert await status_of(env, case_id) == Status.WAITING
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.audience == "referent"
    assert one(await env.service.claim(SAM, case_id), ShortNotice).text == t.REFERENT_ONLY
    assert only(await env.service.claim(NADIA, case_id), SendToPerson)
    # The same "Oui" pressed twice does nothing more.
    stale = await env.service.accept_transfer(person(), case_id)
    assert one(stale, ReplyHere).text == t.STALE_BUTTON_PERSON


async def test_transfer_refused_keeps_the_owner(env: Env):
    case_id = await env.claimed_case()
    await env.service.request_transfer(SAM, case_id)
    refused = await env.service.press_person(person(), CaseVerb.TRANSFER_NO, case_id)
    assert (
        one(refused, SendToPerson).text
        == "D'accord. Sam, personne pair-aidante, continue avec vous."
    )
    assert one(refused, PostInCaseThread).text == t.TRANSFER_REFUSED_TOPIC
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.status == Status.OWNED and not case.transfer_asked
    assert await env.stores.counters.total("handoff-transfer", "refused") == 1


async def test_another_person_cannot_answer_the_consent_question(env: Env):
    case_id = await env.claimed_case()
    await env.service.request_transfer(SAM, case_id)
    stale = await env.service.accept_transfer(person(OTHER_CHAT), case_id)
    assert one(stale, ReplyHere).text == t.STALE_BUTTON_PERSON
    assert await status_of(env, case_id) == Status.OWNED


async def test_transfer_to_another_group_moves_the_case_with_its_card(env2: Env):
    case_id = await env2.claimed_case()
    before = await env2.stores.cases.get(case_id)
    assert before is not None and before.group_chat_id == PAIR_GROUP
    await env2.service.request_transfer(SAM, case_id)
    actions = await env2.service.accept_transfer(person(), case_id)
    closed = one(actions, CloseCaseThread)
    assert (closed.chat_id, closed.topic_id) == (PAIR_GROUP, before.topic_id)
    new = one(actions, OpenCaseThread)
    assert new.chat_id == REFERENT_GROUP
    assert new.copy_from == (PAIR_GROUP, before.card_message_id)
    assert t.CARD_QUESTION_ABOVE in new.card
    await env2.create_topics(actions)
    moved = await env2.stores.cases.get(case_id)
    assert moved is not None and moved.group_chat_id == REFERENT_GROUP
    assert moved.topic_id is not None and moved.topic_id != before.topic_id
    assert await env2.service.case_for_topic(REFERENT_GROUP, moved.topic_id) == case_id


async def test_send_to_referents_button_on_a_waiting_card(env: Env):
    case_id = await env.open_case()
    actions = await env.service.press_staff(SAM, CaseVerb.TO_REFERENT, case_id)
    assert one(actions, ShortNotice).text == t.SENT_TO_REFERENT_TOAST
    assert t.SENT_TO_REFERENT in one(actions, SendToPerson).text
    assert one(actions, EditCard).buttons == (
        (case_button(t.BUTTON_CLAIM, CaseVerb.CLAIM, case_id),),
    )
    assert one(await env.service.claim(SAM, case_id), ShortNotice).text == t.REFERENT_ONLY
    stranger = await env.service.send_to_referents(STRANGER, case_id)
    assert one(stranger, ShortNotice).text == t.NOT_A_HELPER


class _Catalog:
    def entry_title(self, entry_id: str) -> str | None:
        return {"caf-compte": "Me connecter à Mon Compte Caf"}.get(entry_id)

    def theme_label(self, theme_id: str) -> str | None:
        return {"caf": "CAF"}.get(theme_id)


async def test_the_card_uses_titles_when_the_knowledge_is_known(env: Env):
    env.service.context.catalog = _Catalog()
    actions = await env.service.open_case(request(), PERSON_CHAT)
    topic = one(actions, OpenCaseThread)
    assert topic.name.endswith(" · CAF")
    assert "• Me connecter à Mon Compte Caf" in topic.card


async def test_fiche_sends_a_known_entry_from_the_owner_only(env: Env):
    env.service.context.catalog = _Catalog()
    case_id = await env.claimed_case()
    sent = await env.service.send_entry(SAM, case_id, "caf-compte")
    assert one(sent, SendEntry) == SendEntry(case_id, PERSON_CHAT, "caf-compte")
    assert (
        one(sent, PostInCaseThread).text
        == "📖 Fiche envoyée à la personne : Me connecter à Mon Compte Caf"
    )
    unknown = await env.service.send_entry(SAM, case_id, "caf-inconnue")
    assert one(unknown, ReplyHere).text == t.ENTRY_UNKNOWN.format(entry="caf-inconnue")
    assert (
        one(await env.service.send_entry(SAM, case_id, " "), ReplyHere).text == t.ENTRY_MISSING_ID
    )
    assert not only(await env.service.send_entry(NADIA, case_id, "caf-compte"), SendEntry)


# --- closing -------------------------------------------------------------------------------


async def test_close_by_the_owner_asks_for_satisfaction_and_closes_the_topic(env: Env):
    case_id = await env.claimed_case()
    actions = await env.service.close_by_helper(SAM, case_id)
    told = one(actions, SendToPerson)
    assert told.text.endswith("Ça vous a aidé ?")
    assert [b.label for b in told.buttons[0]] == ["👍", "😐", "👎"]
    assert one(actions, CloseCaseThread).chat_id == ONE_GROUP
    assert one(actions, EditCard).buttons == ()
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.status == Status.CLOSED and case.chat_id is None
    thanks = await env.service.press_person(person(), CaseVerb.RATE_UP, case_id)
    assert one(thanks, ReplyHere).text == t.RATING_THANKS
    await env.service.press_person(person(), CaseVerb.RATE_DOWN, case_id)  # counted once
    assert await env.stores.counters.total("handoff-satisfaction", "up") == 1
    assert await env.stores.counters.total("handoff-satisfaction", "down") == 0
    assert one(await env.service.close_by_helper(SAM, case_id), ReplyHere).text == t.CASE_CLOSED


async def test_the_person_can_say_they_are_done(env: Env):
    case_id = await env.claimed_case()
    actions = await env.service.press_person(person(), CaseVerb.DONE, case_id)
    assert one(actions, SendToPerson).text == t.CLOSED_BY_PERSON
    assert one(actions, PostInCaseThread).text == t.CLOSED_BY_PERSON_TOPIC
    assert only(actions, CloseCaseThread)
    assert await status_of(env, case_id) == Status.CLOSED
    assert isinstance(await env.service.person_message(person(), 99), NoCase)
    # A new request opens a new case.
    assert await env.open_case() != case_id


async def test_a_waiting_case_can_be_ended_by_the_person(env: Env):
    case_id = await env.open_case()
    await env.service.close_by_person(person())
    assert await status_of(env, case_id) == Status.CLOSED


async def test_a_coordinator_may_close_any_open_case_others_may_not(env: Env):
    case_id = await env.open_case()
    refused = await env.service.close_by_helper(SAM, case_id)
    assert one(refused, ReplyHere).text == t.ONLY_OWNER_NOBODY
    closed = await env.service.close_by_helper(CLAIRE, case_id)
    assert "Claire, personne coordinatrice, a terminé" in one(closed, SendToPerson).text
    assert await status_of(env, case_id) == Status.CLOSED


# --- crisis during a case ------------------------------------------------------------------


async def test_a_crisis_during_a_pair_aidant_case_sends_it_to_referents(env: Env):
    case_id = await env.claimed_case()
    actions = await env.service.mark_urgent(person())
    assert one(actions, PostInCaseThread).text == t.URGENT_TOPIC
    assert one(actions, SendToPerson).text == t.URGENT_TO_REFERENT
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.urgent and case.status == Status.WAITING
    assert one(await env.service.claim(SAM, case_id), ShortNotice).text == t.REFERENT_ONLY
    assert only(await env.service.claim(NADIA, case_id), SendToPerson)
    assert await env.service.mark_urgent(person()) == []


async def test_a_crisis_during_a_referent_case_keeps_the_referent(env: Env):
    case_id = await env.claimed_case(helper=NADIA)
    actions = await env.service.mark_urgent(person())
    assert one(actions, PostInCaseThread).text == t.URGENT_TOPIC
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.urgent and case.status == Status.OWNED
    assert await env.service.mark_urgent(person()) == []
    assert await env.service.mark_urgent(person(OTHER_CHAT)) == []


# --- waiting, reminders, opening hours -------------------------------------------------------


async def test_at_night_nobody_is_notified_and_the_person_learns_the_next_opening(
    tmp_path: Path,
):
    env = await Env.open(tmp_path, now=MONDAY_22H)
    try:
        actions = await env.service.open_case(request(), PERSON_CHAT)
        await env.create_topics(actions)
        assert one(actions, OpenCaseThread).silent
        told = one(actions, SendToPerson).text
        assert "à partir de demain à 9 h" in told and "3114" in told
        copy = await env.service.person_message(person(), 3)
        assert isinstance(copy, list) and one(copy, CopyToCaseThread).silent
        for hours in (1, 3, 6):
            env.clock.now = MONDAY_22H + dt.timedelta(hours=hours)
            assert await env.service.due_reminders() == []
        env.clock.now = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)  # Tuesday 9:00
        announced = await env.service.due_reminders()
        post = one(announced, PostInCaseThread)
        assert (
            not post.silent
            and post.text == "🔔 Ce cas attend depuis 11 h 00. Quelqu'un peut le prendre ?"
        )
        assert await env.service.due_reminders() == []
    finally:
        await env.close()


async def test_on_friday_evening_the_person_is_told_monday(tmp_path: Path):
    env = await Env.open(tmp_path, now=FRIDAY_18H30)
    try:
        actions = await env.service.open_case(request(), PERSON_CHAT)
        assert "à partir de lundi à 9 h" in one(actions, SendToPerson).text
    finally:
        await env.close()


async def test_nobody_claims_remind_then_widen_telling_the_person_each_time(env: Env):
    case_id = await env.open_case()
    env.clock.advance(minutes=9)
    assert await env.service.due_reminders() == []
    env.clock.advance(minutes=1)
    reminded = await env.service.due_reminders()
    assert one(reminded, PostInCaseThread).text.startswith(
        "🔔 Rappel : ce cas attend depuis 10 min"
    )
    assert one(reminded, SendToPerson).text == t.STILL_WAITING_REMINDED
    env.clock.advance(minutes=10)
    assert await env.service.due_reminders() == []
    env.clock.advance(minutes=10)  # 30 minutes after the announce
    widened = await env.service.due_reminders()
    assert one(widened, PostInCaseThread).text.startswith(
        "🔔 Personne n'a encore pris ce cas (30 min)"
    )
    assert one(widened, SendToPerson).text == t.STILL_WAITING_WIDENED
    env.clock.advance(minutes=30)
    assert await env.service.due_reminders() == []
    assert await env.stores.counters.total("handoff-reminder", "remind") == 1
    assert await status_of(env, case_id) == Status.WAITING


async def test_widening_moves_the_case_to_the_referent_group(env2: Env):
    case_id = await env2.open_case()
    env2.clock.advance(minutes=10)
    await env2.service.due_reminders()
    env2.clock.advance(minutes=20)
    widened = await env2.service.due_reminders()
    new = one(widened, OpenCaseThread)
    assert new.chat_id == REFERENT_GROUP and not new.silent
    assert one(widened, CloseCaseThread).chat_id == PAIR_GROUP
    assert one(widened, SendToPerson).text == t.STILL_WAITING_WIDENED
    await env2.create_topics(widened)
    env2.clock.advance(minutes=60)
    assert await env2.service.due_reminders() == []
    assert only(await env2.service.claim(NADIA, case_id), SendToPerson)


async def test_reminders_pause_while_the_team_is_closed(tmp_path: Path):
    env = await Env.open(tmp_path, now=MONDAY_10H + dt.timedelta(hours=1, minutes=55))  # 11:55
    try:
        await env.open_case()
        env.clock.advance(minutes=20)  # 12:15: lunch, closed
        assert await env.service.due_reminders() == []
        env.clock.now = MONDAY_10H + dt.timedelta(hours=4)  # 14:00: open again
        post = one(await env.service.due_reminders(), PostInCaseThread)
        assert post.text.startswith("🔔 Ce cas attend depuis 2 h 05")
    finally:
        await env.close()


async def test_posts_about_a_case_without_topic_go_to_the_general_topic(env: Env):
    actions = await env.service.open_case(request(), PERSON_CHAT)  # topic not created yet
    case_id = one(actions, OpenCaseThread).case_id
    assert await env.service.due_reminders() == []  # waits for its topic
    moved = await env.service.press_staff(SAM, CaseVerb.TO_REFERENT, case_id)
    assert one(moved, PostToTeam).text.startswith("#")


async def test_counters_never_name_a_person(env: Env):
    case_id = await env.claimed_case()
    await env.service.close_by_helper(SAM, case_id)
    rows = await env.stores.counters.counters()
    names = {r.name for r in rows}
    assert {"handoff-opened", "handoff-claimed", "handoff-wait", "handoff-closed"} <= names
    assert ("handoff-wait", "0-5min") in {(r.name, r.key) for r in rows}
    for row in rows:
        assert person() not in row.key and str(PERSON_CHAT) not in row.key
