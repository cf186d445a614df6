"""The relay outbox: rate per group, retries, order, restarts, lost topics, blocked people."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_handoff_support import (
    MONDAY_10H,
    NADIA,
    ONE_GROUP,
    OTHER_CHAT,
    PERSON_CHAT,
    SAM,
    Env,
    one,
    only,
    person,
    request,
)

from bot.app.handoff import Status
from bot.domain.effects import (
    CaseVerb,
    CloseCaseThread,
    CopyToCaseThread,
    CopyToPerson,
    Delivery,
    DeliveryFailure,
    OpenCaseThread,
    PostInCaseThread,
    SendToPerson,
)
from bot.domain.relay import (
    MAX_ATTEMPTS,
    RATE_WINDOW,
    TO_PERSON,
    TO_TOPIC,
    OutboxItem,
    plan_dispatch,
    retry_delay,
)
from bot.texts import handoff as t


@pytest.fixture
async def env(tmp_path: Path):
    env = await Env.open(tmp_path)
    yield env
    await env.close()


def row(n: int, *, case_id: int = 1, group: int = ONE_GROUP, **fields: object) -> OutboxItem:
    values: dict[str, object] = {
        "id": n,
        "case_id": case_id,
        "direction": TO_TOPIC,
        "source_message_id": n,
        "status": "queued",
        "attempts": 0,
        "not_before": MONDAY_10H,
        "last_attempt_at": None,
        "group_chat_id": group,
        "topic_id": 7,
        "person_chat_id": PERSON_CHAT,
        "case_status": "owned",
    }
    values.update(fields)
    return OutboxItem(**values)  # type: ignore[arg-type]


def deliveries(actions: object) -> list[Delivery]:
    assert isinstance(actions, list)
    return [a for a in actions if isinstance(a, CopyToCaseThread | CopyToPerson)]


# --- pure scheduling -----------------------------------------------------------------------


def test_sixty_queued_copies_go_twenty_per_minute_per_group():
    """What is due when: 20 now, 20 a minute later, 20 a minute after that."""
    pending = [row(n, case_id=1 + n % 3) for n in range(1, 61)]
    attempts: list[tuple[int, dt.datetime]] = []
    sent_at: dict[int, dt.datetime] = {}
    now = MONDAY_10H
    while len(sent_at) < 60:
        plan = plan_dispatch([r for r in pending if r.id not in sent_at], attempts, now)
        for item in plan.ready:
            sent_at[item.id] = now
            attempts.append((item.group_chat_id, now))
        if len(sent_at) < 60:
            assert plan.next_at is not None and plan.next_at > now
            now = plan.next_at
    times = sorted(set(sent_at.values()))
    assert times == [MONDAY_10H + RATE_WINDOW * k for k in range(3)]
    for start in times:
        window = [at for at in sent_at.values() if start <= at < start + RATE_WINDOW]
        assert len(window) == 20
    assert [n for n in sorted(sent_at, key=lambda n: (sent_at[n], n))] == list(range(1, 61))


def test_each_group_has_its_own_budget_and_people_are_not_rate_limited_here():
    pending = [row(n, group=-1 - n % 2) for n in range(1, 61)]
    pending += [row(100 + n, case_id=9, direction=TO_PERSON) for n in range(30)]
    plan = plan_dispatch(pending, [], MONDAY_10H)
    by_group = [r.group_chat_id for r in plan.ready if r.direction == TO_TOPIC]
    assert by_group.count(-1) == 20 and by_group.count(-2) == 20
    assert len([r for r in plan.ready if r.direction == TO_PERSON]) == 30


def test_a_stream_keeps_its_order_behind_an_item_waiting_for_a_retry():
    later = MONDAY_10H + dt.timedelta(seconds=10)
    pending = [row(1, not_before=later), row(2), row(3, case_id=2)]
    plan = plan_dispatch(pending, [], MONDAY_10H)
    assert [r.id for r in plan.ready] == [3]
    assert plan.next_at == later


def test_copies_wait_for_the_topic_and_lost_attempts_come_back_after_the_lease():
    in_flight = row(1, status="sending", last_attempt_at=MONDAY_10H)
    no_topic = row(2, case_id=2, topic_id=None)
    plan = plan_dispatch([in_flight, no_topic], [], MONDAY_10H + dt.timedelta(seconds=60))
    assert plan.ready == ()
    plan = plan_dispatch([in_flight, no_topic], [], MONDAY_10H + dt.timedelta(seconds=120))
    assert [r.id for r in plan.ready] == [1]


def test_backoff_grows_and_respects_retry_after():
    assert [retry_delay(n).total_seconds() for n in range(1, 6)] == [5, 10, 20, 40, 80]
    assert retry_delay(20).total_seconds() == 300
    assert retry_delay(1, retry_after=33).total_seconds() == 33


# --- through the service -------------------------------------------------------------------


async def test_sixty_messages_in_one_minute_reach_the_topic_at_twenty_per_minute(env: Env):
    """Three people write 60 messages in a minute; nothing is lost, the group is not flooded."""
    chats = (PERSON_CHAT, OTHER_CHAT, OTHER_CHAT + 1)
    for chat in chats:
        await env.claimed_case(chat)
    delivered: list[tuple[dt.datetime, CopyToCaseThread]] = []

    async def carry(items: list[Delivery]) -> None:
        for item in items:
            assert isinstance(item, CopyToCaseThread)
            delivered.append((env.clock.now, item))
            await env.service.outbox_sent(item.outbox_id)

    for second in range(200):
        env.clock.now = MONDAY_10H + dt.timedelta(seconds=second)
        if second < 60:
            chat = chats[second % 3]
            await carry(deliveries(await env.service.person_message(person(chat), 1000 + second)))
        await carry(await env.service.outbox_due())
    assert len(delivered) == 60
    assert len({item.outbox_id for _, item in delivered}) == 60
    for start, _ in delivered:
        in_window = [at for at, _ in delivered if start <= at < start + RATE_WINDOW]
        assert len(in_window) <= 20
    for chat in chats:
        ids = [item.message_id for _, item in delivered if item.from_chat_id == chat]
        assert ids == sorted(ids) and len(ids) == 20
    assert delivered[-1][0] < MONDAY_10H + dt.timedelta(minutes=3)
    assert await env.stores.relays.pending() == []


async def test_the_rest_goes_when_the_rate_window_frees_a_slot(env: Env):
    await env.claimed_case()
    for n in range(25):
        for item in deliveries(await env.service.person_message(person(), n)):
            await env.service.outbox_sent(item.outbox_id)
    env.clock.advance(seconds=1)
    assert await env.service.outbox_due() == []
    env.clock.now = MONDAY_10H + RATE_WINDOW
    due = await env.service.outbox_due()
    assert len(due) == 5
    for item in due:
        await env.service.outbox_sent(item.outbox_id)
    assert await env.stores.relays.pending() == []


async def test_a_failing_copy_is_retried_then_marked_undelivered_for_the_person(env: Env):
    await env.claimed_case()
    item = one(deliveries(await env.service.person_message(person(), 42)), CopyToCaseThread)
    for attempt in range(1, MAX_ATTEMPTS):
        assert await env.service.outbox_failed(item.outbox_id, DeliveryFailure.TRANSIENT) == []
        wait = retry_delay(attempt)
        env.clock.advance(seconds=wait.total_seconds() - 1)
        assert await env.service.outbox_due() == []
        env.clock.advance(seconds=1)
        again = await env.service.outbox_due()
        assert [d.outbox_id for d in again] == [item.outbox_id]
    given_up = await env.service.outbox_failed(item.outbox_id, DeliveryFailure.TRANSIENT)
    told = one(given_up, SendToPerson)
    assert told.text == t.NOT_DELIVERED_TO_TEAM and told.reply_to == 42
    relay = await env.stores.relays.get(item.outbox_id)
    assert relay is not None and relay.status == "failed" and relay.attempts == MAX_ATTEMPTS
    assert await env.stores.counters.total("handoff-relay-failed", TO_TOPIC) == 1


async def test_telegram_retry_after_is_respected(env: Env):
    await env.claimed_case()
    item = one(deliveries(await env.service.person_message(person(), 1)), CopyToCaseThread)
    await env.service.outbox_failed(item.outbox_id, DeliveryFailure.TRANSIENT, retry_after=30)
    env.clock.advance(seconds=29)
    assert await env.service.outbox_due() == []
    env.clock.advance(seconds=1)
    assert len(await env.service.outbox_due()) == 1


async def test_a_helper_message_that_never_arrives_is_marked_in_the_topic(env: Env):
    case_id = await env.claimed_case()
    item = one(
        deliveries(await env.service.staff_message(SAM, case_id, 55, "Bonjour")), CopyToPerson
    )
    for _ in range(MAX_ATTEMPTS - 1):
        await env.service.outbox_failed(item.outbox_id, DeliveryFailure.TRANSIENT)
        env.clock.advance(minutes=10)
        assert len(await env.service.outbox_due()) == 1
    marked = one(
        await env.service.outbox_failed(item.outbox_id, DeliveryFailure.TRANSIENT),
        PostInCaseThread,
    )
    assert marked.reply_to == 55 and marked.text.startswith("⚠️ Ce message n'a pas pu être remis")


async def test_order_is_kept_when_a_message_waits_for_a_retry(env: Env):
    await env.claimed_case()
    first = one(deliveries(await env.service.person_message(person(), 1)), CopyToCaseThread)
    assert deliveries(await env.service.person_message(person(), 2)) == []  # behind the first
    await env.service.outbox_failed(first.outbox_id, DeliveryFailure.TRANSIENT)
    env.clock.advance(seconds=1)
    assert await env.service.outbox_due() == []
    env.clock.advance(seconds=4)
    assert [d.message_id for d in await env.service.outbox_due()] == [1, 2]


async def test_an_attempt_never_reported_is_tried_again_after_the_lease(env: Env):
    await env.claimed_case()
    item = one(deliveries(await env.service.person_message(person(), 1)), CopyToCaseThread)
    env.clock.advance(seconds=119)
    assert await env.service.outbox_due() == []
    env.clock.advance(seconds=1)
    assert [d.outbox_id for d in await env.service.outbox_due()] == [item.outbox_id]


async def test_a_message_deleted_before_its_copy_is_dropped_quietly(env: Env):
    await env.claimed_case()
    item = one(deliveries(await env.service.person_message(person(), 1)), CopyToCaseThread)
    assert await env.service.outbox_failed(item.outbox_id, DeliveryFailure.SOURCE_GONE) == []
    relay = await env.stores.relays.get(item.outbox_id)
    assert relay is not None and relay.status == "failed"


async def test_after_a_restart_two_open_cases_keep_relaying(env: Env):
    first = await env.claimed_case(PERSON_CHAT, SAM)
    second = await env.claimed_case(OTHER_CHAT, NADIA)
    lost = one(deliveries(await env.service.person_message(person(), 7)), CopyToCaseThread)
    await env.restart()  # the copy of message 7 was in flight: never reported
    topics = {}
    for case_id in (first, second):
        case = await env.stores.cases.get(case_id)
        assert case is not None and case.status == Status.OWNED
        topics[case_id] = case.topic_id
    # Message 8 waits behind 7, whose fate is unknown until its lease ends.
    assert deliveries(await env.service.person_message(person(), 8)) == []
    to_second = one(
        deliveries(await env.service.person_message(person(OTHER_CHAT), 9)), CopyToCaseThread
    )
    assert (to_second.topic_id, to_second.from_chat_id) == (topics[second], OTHER_CHAT)
    back = one(deliveries(await env.service.staff_message(NADIA, second, 10, "Oui")), CopyToPerson)
    assert back.chat_id == OTHER_CHAT
    env.clock.advance(minutes=2)
    again = deliveries(await env.service.outbox_due())
    assert [(d.message_id, d.topic_id) for d in again if d.case_id == first] == [
        (lost.message_id, topics[first]),
        (8, topics[first]),
    ]


async def test_a_deleted_topic_is_created_again_with_the_card(env: Env):
    case_id = await env.claimed_case()
    item = one(deliveries(await env.service.person_message(person(), 5)), CopyToCaseThread)
    old_topic = item.topic_id
    actions = await env.service.outbox_failed(item.outbox_id, DeliveryFailure.TOPIC_MISSING)
    new = one(actions, OpenCaseThread)
    assert new.chat_id == ONE_GROUP and new.name.endswith(" · caf")
    assert t.CARD_QUESTION_NOT_KEPT in new.card and t.TOPIC_RECREATED in new.card
    assert new.buttons[0][0].label == "✅ Pris par Sam"
    # Reported again about the old topic (another failing send): still one new topic.
    assert await env.service.topic_missing(case_id, old_topic) == []
    again = await env.service.outbox_failed(item.outbox_id, DeliveryFailure.TOPIC_MISSING)
    assert again == []
    follow = deliveries(await env.create_topics(actions))
    assert [d.message_id for d in follow] == [5]
    assert isinstance(follow[0], CopyToCaseThread) and follow[0].topic_id != old_topic
    assert one(deliveries(await env.service.staff_message(SAM, case_id, 6, "Re")), CopyToPerson)


async def test_a_topic_created_for_an_erased_case_is_deleted(env: Env):
    actions = await env.service.open_case(request(), PERSON_CHAT)
    await env.service.forget_person(person())
    created = one(actions, OpenCaseThread)
    removed = await env.service.topic_created(created.case_id, created.chat_id, 999, 1)
    assert [(a.chat_id, a.topic_id) for a in removed] == [(ONE_GROUP, 999)]  # type: ignore[union-attr]


async def test_a_person_who_blocked_the_bot_closes_the_case_with_a_note(env: Env):
    case_id = await env.claimed_case()
    item = one(
        deliveries(await env.service.staff_message(SAM, case_id, 8, "Bonjour")), CopyToPerson
    )
    actions = await env.service.outbox_failed(item.outbox_id, DeliveryFailure.BLOCKED)
    assert one(actions, PostInCaseThread).text == t.BLOCKED_TOPIC
    assert only(actions, CloseCaseThread)
    assert not only(actions, SendToPerson)
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.status == Status.CLOSED and case.chat_id is None
    assert await env.stores.counters.total("handoff-closed", "blocked") == 1


async def test_blocking_reported_by_telegram_directly_also_closes(env: Env):
    case_id = await env.claimed_case()
    await env.service.person_message(person(), 3)  # in flight, never delivered
    actions = await env.service.person_blocked_bot(person())
    assert one(actions, PostInCaseThread).text == t.BLOCKED_TOPIC
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.status == Status.CLOSED and case.chat_id is None
    assert await env.stores.relays.pending() == []
    assert await env.service.person_blocked_bot(person()) == []


async def test_closing_sends_the_owners_last_messages_first_then_forgets_the_chat(env: Env):
    case_id = await env.claimed_case()
    item = one(
        deliveries(await env.service.staff_message(SAM, case_id, 20, "Voilà")), CopyToPerson
    )
    await env.service.outbox_failed(item.outbox_id, DeliveryFailure.TRANSIENT)  # retry later
    actions = await env.service.close_by_helper(SAM, case_id)
    kinds = [type(a) for a in actions if isinstance(a, CopyToPerson | SendToPerson)]
    assert kinds == [CopyToPerson, SendToPerson]
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.status == Status.CLOSED and case.chat_id == PERSON_CHAT
    await env.service.outbox_sent(one(actions, CopyToPerson).outbox_id)
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.chat_id is None


async def test_the_persons_last_words_still_reach_the_topic_after_done(env: Env):
    case_id = await env.claimed_case()
    first = one(deliveries(await env.service.person_message(person(), 1)), CopyToCaseThread)
    await env.service.press_person(person(), CaseVerb.DONE, case_id)
    await env.service.outbox_sent(first.outbox_id)
    case = await env.stores.cases.get(case_id)
    assert case is not None and case.chat_id is None
