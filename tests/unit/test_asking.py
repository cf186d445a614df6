"""Asking for a person (bot/app/asking.py) with plain values and a fake handoff service.

Three taps, nothing shared before the last: what it is about, what kind of help, then the
preview and "Oui". Every step, the ways out (no, cancel, an old button) and the two places
where no team can answer (none connected, a channel that cannot relay).
"""

from __future__ import annotations

import pytest
from conversation_fakes import (  # noqa: F401 (fixtures)
    Clock,
    Handoff,
    clock_fixture,
    counters_fixture,
    handoff_fixture,
    knowledge_fixture,
)

from bot.app.asking import (
    LAST_QUESTION_SHOWN,
    NO_TEAM_ENTRIES,
    PENDING_TTL_SECONDS,
    HandoffFlow,
    entry_reply,
)
from bot.app.card import KnowledgeCatalog
from bot.domain.buttons import MAX_BUTTONS_PER_SCREEN
from bot.domain.effects import SendToPerson
from bot.domain.messages import (
    Action,
    Button,
    CaseActions,
    HandoffRequested,
    Inbound,
    Outbound,
    Reply,
    Verb,
)
from bot.knowledge.holder import Knowledge
from bot.knowledge.kb import KnowledgeBase
from bot.texts import handoff as t
from bot.texts import person as texts

PERSON = "pseudonyme-lea"
CHAT = 4242
QUESTION = "mon dossier caf est bloque depuis deux mois"


@pytest.fixture
def kb(knowledge: Knowledge) -> KnowledgeBase:
    return knowledge.kb


@pytest.fixture
def flow(handoff: Handoff, clock: Clock) -> HandoffFlow:
    return HandoffFlow(handoff, clock=clock)  # type: ignore[arg-type]


def request(question: str = QUESTION, **fields: object) -> HandoffRequested:
    return HandoffRequested(user=PERSON, question=question, theme="caf", **fields)  # type: ignore[arg-type]


def press(verb: Verb, arg: str = "", chat: int | None = CHAT) -> Inbound:
    return Inbound(user=PERSON, action=Action(verb, arg), chat=chat)


def only_reply(out: list[Outbound]) -> Reply:
    [reply] = out
    assert isinstance(reply, Reply)
    return reply


def actions(reply: Reply) -> list[Action]:
    return [button.action for row in reply.buttons for button in row]


def yes_of(preview: Reply) -> Action:
    [yes] = [a for a in actions(preview) if a.verb is Verb.ASK_YES]
    return yes


async def preview_of(flow: HandoffFlow, kb: KnowledgeBase, *taps: Action) -> Reply:
    only_reply(await flow.ask(kb, request()))
    reply = None
    for tap in taps:
        reply = only_reply(await flow.press(kb, Inbound(user=PERSON, action=tap, chat=CHAT)))
    assert reply is not None and reply.text.startswith(t.PREVIEW_INTRO)
    return reply


# --- 1. what it is about ---------------------------------------------------------------------


async def test_the_first_question_offers_the_last_question_another_subject_and_a_way_out(
    flow: HandoffFlow, kb: KnowledgeBase
) -> None:
    reply = only_reply(await flow.ask(kb, request()))
    assert reply.text.startswith(t.ASK_ABOUT)
    assert t.ASK_ABOUT_LAST.format(question=QUESTION) in reply.text
    assert actions(reply) == [Action(Verb.ASK_LAST), Action(Verb.ASK_TOPICS), Action(Verb.ASK_NO)]


async def test_another_subject_shows_the_menus_groups_on_one_phone_screen(
    flow: HandoffFlow, kb: KnowledgeBase
) -> None:
    await flow.ask(kb, request())
    reply = only_reply(await flow.press(kb, press(Verb.ASK_TOPICS)))
    assert reply.text == t.ASK_ABOUT
    assert len(actions(reply)) <= MAX_BUTTONS_PER_SCREEN
    chosen = [a.arg for a in actions(reply) if a.verb is Verb.ASK_THEME]
    # Every theme with entries is reachable: by its own button or by its group's.
    covered = {
        theme
        for group in kb.groups
        if group.id in chosen or set(group.themes) & set(chosen)
        for theme in group.themes
    }
    assert {th.id for th in kb.themes if kb.entries_of(th.id)} <= covered
    assert actions(reply)[-1] == Action(Verb.ASK_OTHER)


async def test_a_group_chosen_as_the_subject_is_named_on_the_preview(
    flow: HandoffFlow, kb: KnowledgeBase
) -> None:
    group = next(g for g in kb.groups if len(g.themes) > 1)
    preview = await preview_of(flow, kb, Action(Verb.ASK_THEME, group.id), Action(Verb.ASK_PAIR))
    assert f"thème={group.id}" in preview.text
    # The helper's card names it as the person saw it.
    assert KnowledgeCatalog(lambda: kb).theme_label(group.id) == group.label


async def test_without_a_question_the_subjects_come_first(
    flow: HandoffFlow, kb: KnowledgeBase
) -> None:
    reply = only_reply(await flow.ask(kb, request(question="  ")))
    assert reply.text == t.ASK_ABOUT and Action(Verb.ASK_LAST) not in actions(reply)


async def test_a_long_last_question_is_quoted_cut(flow: HandoffFlow, kb: KnowledgeBase) -> None:
    reply = only_reply(await flow.ask(kb, request(question="a" * 1000)))
    assert "a" * LAST_QUESTION_SHOWN not in reply.text and "…" in reply.text


async def test_an_open_case_is_said_instead_of_asking_again(
    flow: HandoffFlow, kb: KnowledgeBase, handoff: Handoff
) -> None:
    handoff.open.add(PERSON)
    assert await flow.ask(kb, request()) == [Reply(t.ALREADY_OPEN)]


# --- 2. what kind of help --------------------------------------------------------------------


@pytest.mark.parametrize("about", [Action(Verb.ASK_LAST), Action(Verb.ASK_THEME, "caf")])
async def test_choosing_what_it_is_about_asks_the_kind_of_help(
    flow: HandoffFlow, kb: KnowledgeBase, about: Action
) -> None:
    await flow.ask(kb, request())
    reply = only_reply(await flow.press(kb, press(about.verb, about.arg)))
    assert reply.text == t.ASK_KIND
    assert actions(reply) == [
        Action(Verb.ASK_PAIR),
        Action(Verb.ASK_REFERENT),
        Action(Verb.ASK_NO),
    ]


async def test_an_unknown_theme_is_a_stale_button(flow: HandoffFlow, kb: KnowledgeBase) -> None:
    await flow.ask(kb, request())
    reply = only_reply(await flow.press(kb, press(Verb.ASK_THEME, "theme-retire")))
    assert reply.text == t.ASK_EXPIRED


async def test_after_a_crisis_the_kind_is_not_asked(flow: HandoffFlow, kb: KnowledgeBase) -> None:
    await flow.ask(kb, request(crisis="suicide"))
    reply = only_reply(await flow.press(kb, press(Verb.ASK_LAST)))
    assert reply.text.startswith(t.PREVIEW_INTRO)


# --- 3. the preview --------------------------------------------------------------------------


async def test_the_preview_shows_exactly_the_card_of_the_choices_made(
    flow: HandoffFlow, kb: KnowledgeBase
) -> None:
    preview = await preview_of(flow, kb, Action(Verb.ASK_LAST), Action(Verb.ASK_REFERENT))
    assert preview.text == (
        f"{t.PREVIEW_INTRO}\n\n"
        f"CARTE thème=caf pour=référent question={QUESTION!r}\n\n"
        "QUI LIRA\n\n"  # who may read it, and when (bot/app/consent.py)
        f"{t.PREVIEW_FOOTER}"
    )
    assert actions(preview) == [Action(Verb.ASK_YES, "1"), Action(Verb.ASK_NO)]


async def test_another_theme_does_not_share_the_last_question(
    flow: HandoffFlow, kb: KnowledgeBase
) -> None:
    preview = await preview_of(flow, kb, Action(Verb.ASK_THEME, "sante"), Action(Verb.ASK_PAIR))
    assert "thème=sante pour=pair-aidant question=''" in preview.text


async def test_something_else_has_no_theme_and_no_question(
    flow: HandoffFlow, kb: KnowledgeBase
) -> None:
    preview = await preview_of(flow, kb, Action(Verb.ASK_OTHER), Action(Verb.ASK_PAIR))
    assert "thème=None pour=pair-aidant question=''" in preview.text


# --- yes, no, cancel -------------------------------------------------------------------------


async def test_yes_opens_the_case_with_exactly_what_the_preview_showed(
    flow: HandoffFlow, kb: KnowledgeBase, handoff: Handoff
) -> None:
    preview = await preview_of(flow, kb, Action(Verb.ASK_LAST), Action(Verb.ASK_PAIR))
    [opened] = await flow.press(kb, Inbound(user=PERSON, action=yes_of(preview), chat=CHAT))
    assert opened == CaseActions((SendToPerson(1, CHAT, "ouvert"),))
    [(sent, chat, referent)] = handoff.opened
    assert (sent.question, sent.theme, chat, referent) == (QUESTION, "caf", CHAT, False)
    # the request is forgotten once the case is open: a second "Oui" is stale
    assert await flow.press(kb, press(Verb.ASK_YES, "1")) == [Reply(t.ALREADY_OPEN)]


async def test_the_yes_of_an_older_preview_sends_nothing(
    flow: HandoffFlow, kb: KnowledgeBase, handoff: Handoff
) -> None:
    first = await preview_of(flow, kb, Action(Verb.ASK_LAST), Action(Verb.ASK_PAIR))
    await flow.press(kb, press(Verb.ASK_REFERENT))  # a second preview, number 2
    reply = only_reply(await flow.press(kb, Inbound(user=PERSON, action=yes_of(first), chat=CHAT)))
    assert reply.text == t.ASK_EXPIRED and handoff.opened == []


@pytest.mark.parametrize("step", [0, 1, 2])
async def test_no_or_cancel_at_any_step_forgets_the_request(
    flow: HandoffFlow, kb: KnowledgeBase, handoff: Handoff, step: int
) -> None:
    await flow.ask(kb, request())
    for tap in [Action(Verb.ASK_LAST), Action(Verb.ASK_PAIR)][:step]:
        await flow.press(kb, press(tap.verb, tap.arg))
    declined = only_reply(await flow.press(kb, press(Verb.ASK_NO)))
    assert declined.text == t.ASK_DECLINED and actions(declined) == [Action(Verb.MENU)]
    assert only_reply(await flow.press(kb, press(Verb.ASK_YES, "1"))).text == t.ASK_EXPIRED
    assert handoff.opened == []


async def test_a_request_is_forgotten_after_half_an_hour(
    flow: HandoffFlow, kb: KnowledgeBase, clock: Clock
) -> None:
    await flow.ask(kb, request())
    clock.now += PENDING_TTL_SECONDS + 1
    reply = only_reply(await flow.press(kb, press(Verb.ASK_LAST)))
    assert reply.text == t.ASK_EXPIRED and actions(reply) == [Action(Verb.HUMAN)]


async def test_a_button_of_a_request_never_made_is_stale(
    flow: HandoffFlow, kb: KnowledgeBase
) -> None:
    assert only_reply(await flow.press(kb, press(Verb.ASK_PAIR))).text == t.ASK_EXPIRED


# --- at night, without a team, without a way to relay ----------------------------------------


async def test_at_night_yes_passes_on_what_the_service_says(
    kb: KnowledgeBase, clock: Clock
) -> None:
    night = t.WAIT_CLOSED.format(when="demain à 9 h")

    class AtNight(Handoff):
        async def open_case(  # type: ignore[override]
            self, request: HandoffRequested, chat_id: int, *, referent: bool = False
        ) -> list[SendToPerson]:
            await super().open_case(request, chat_id, referent=referent)
            return [SendToPerson(1, chat_id, night)]

    flow = HandoffFlow(AtNight(), clock=clock)  # type: ignore[arg-type]
    preview = await preview_of(flow, kb, Action(Verb.ASK_OTHER), Action(Verb.ASK_PAIR))
    [opened] = await flow.press(kb, Inbound(user=PERSON, action=yes_of(preview), chat=CHAT))
    assert opened == CaseActions((SendToPerson(1, CHAT, night),))


async def test_without_a_team_asking_says_so_and_where_to_meet_someone(
    kb: KnowledgeBase,
) -> None:
    flow = HandoffFlow(None)
    reply = only_reply(await flow.ask(kb, request()))
    assert reply.text == t.NO_TEAM_YET
    entries = [a.arg for a in actions(reply) if a.verb is Verb.ENTRY]
    assert entries == [e for e in NO_TEAM_ENTRIES if kb.entry(e) is not None] and entries
    assert actions(reply)[-1] == Action(Verb.MENU)
    assert only_reply(await flow.press(kb, press(Verb.ASK_LAST))).text == t.ASK_EXPIRED
    assert not await flow.has_open_case(PERSON)


async def test_a_channel_that_cannot_relay_gets_the_no_team_reply_at_yes(
    flow: HandoffFlow, kb: KnowledgeBase, handoff: Handoff
) -> None:
    preview = await preview_of(flow, kb, Action(Verb.ASK_OTHER), Action(Verb.ASK_PAIR))
    reply = only_reply(await flow.press(kb, Inbound(user=PERSON, action=yes_of(preview))))
    assert reply.text == t.NO_TEAM_YET and handoff.opened == []


# --- while the case is open ------------------------------------------------------------------


async def test_relaying_copies_a_message_only_while_a_case_is_open(
    flow: HandoffFlow, handoff: Handoff
) -> None:
    message = Inbound(user=PERSON, text="x", chat=CHAT, message_id=7)
    assert await flow.relay(message) is None
    handoff.open.add(PERSON)
    [copied] = await flow.relay(message) or []
    assert isinstance(copied, CaseActions) and handoff.relayed == [(PERSON, 7)]
    assert await flow.relay(Inbound(user=PERSON, text="x")) is None  # nothing to copy


async def test_relay_masked_and_urgent_go_to_the_service(
    flow: HandoffFlow, handoff: Handoff
) -> None:
    assert await flow.relay_masked(Inbound(user=PERSON), "mdp: ●●●") == []
    handoff.open.add(PERSON)
    [masked] = await flow.relay_masked(Inbound(user=PERSON), "mdp: ●●●")
    assert isinstance(masked, CaseActions) and handoff.masked == [(PERSON, "mdp: ●●●", False)]
    [urgent] = await flow.urgent(PERSON)
    assert isinstance(urgent, CaseActions) and handoff.urgent == [PERSON]


async def test_without_a_team_nothing_is_relayed() -> None:
    flow = HandoffFlow(None)
    assert await flow.relay(Inbound(user=PERSON, message_id=1)) is None
    assert await flow.relay_masked(Inbound(user=PERSON), "x") == []
    assert await flow.urgent(PERSON) == []


def test_an_entry_sent_by_a_helper_reads_as_the_bots_answers(kb: KnowledgeBase) -> None:
    reply = entry_reply(kb, "aide-france-services")
    assert reply is not None and reply.title
    assert reply.buttons == (
        ((Button(texts.BUTTON_NEXT_STEP, Action(Verb.STEP, "aide-france-services:1"))),),
    )
    assert entry_reply(kb, "fiche-retiree") is None


async def test_autre_chose_asks_for_the_question_and_uses_what_is_written(
    flow: HandoffFlow, kb: KnowledgeBase
) -> None:
    await flow.ask(kb, request())
    invitation = only_reply(await flow.press(kb, press(Verb.ASK_OTHER)))
    assert invitation.text == t.ASK_WRITE
    assert actions(invitation) == [Action(Verb.ASK_NO)]
    assert flow.wrote(kb, PERSON, "   ") is None  # nothing written yet
    kind = only_reply(flow.wrote(kb, PERSON, "ma caution"))
    assert kind.text == t.ASK_KIND
    assert flow.wrote(kb, PERSON, "une autre phrase") is None  # only the next text
    preview = only_reply(await flow.press(kb, press(Verb.ASK_PAIR)))
    assert "ma caution" in preview.text and t.CARD_NO_QUESTION not in preview.text
