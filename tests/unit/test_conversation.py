"""The conversation engine with plain values: an Inbound in, Outbound values out.

No Telegram, no SQLite: the real knowledge files, a list for the counters, a fake handoff
service. One test per branch of the decision order (bot/app/conversation.py): crisis, secret,
asking for a person, small talk, about the bot, scam, answer, clarify, fallback, open case,
flood, edits, media, commands and buttons.
"""

from __future__ import annotations

import pytest
from conversation_fakes import (  # noqa: F401 (fixtures)
    Clock,
    Counters,
    Handoff,
    NoReading,
    clock_fixture,
    counters_fixture,
    handoff_fixture,
    knowledge_fixture,
    spied_fixture,
)

from bot.app.conversation import SESSION_TTL_SECONDS, Engine, Sessions
from bot.app.flood import FloodGuard
from bot.domain.buttons import MAX_BUTTONS_PER_SCREEN
from bot.domain.counters import Counter
from bot.domain.effects import CopyToCaseThread, PostInCaseThread
from bot.domain.messages import (
    Action,
    Button,
    CaseActions,
    DeleteIncoming,
    Inbound,
    MediaKind,
    Outbound,
    Reply,
    Verb,
)
from bot.knowledge.holder import Knowledge, KnowledgeHolder
from bot.texts import handoff as handoff_texts
from bot.texts import person as texts

PERSON = "pseudonyme-lea"
CHAT = 4242
ANSWERED = "comment je m'actualise sur france travail"
UNCLEAR = "mot de passe"
OUT_OF_SCOPE = "recette de la tarte aux pommes"
CRISIS = "je veux me suicider"
SECRET = "mon mot de passe est Soleil2024"
SCAM = "Votre colis est bloqué, payez 1,99€ sur http://colis-laposte.info/paiement"
NOT_A_SCAM = "est-ce une arnaque : votre compte ameli est mis à jour sur https://www.ameli.fr"


@pytest.fixture
def engine(knowledge: Knowledge, counters: Counters, clock: Clock, handoff: Handoff) -> Engine:
    return Engine(KnowledgeHolder(knowledge), counters, clock=clock, handoff=handoff)


def text(words: str, **fields: object) -> Inbound:
    return Inbound(user=PERSON, text=words, chat=CHAT, message_id=7, **fields)  # type: ignore[arg-type]


def press(verb: Verb, arg: str = "") -> Inbound:
    return Inbound(user=PERSON, action=Action(verb, arg), chat=CHAT)


def replies(out: list[Outbound]) -> list[Reply]:
    return [o for o in out if isinstance(o, Reply)]


def actions(reply: Reply) -> list[Action]:
    return [button.action for row in reply.buttons for button in row]


def offers_a_person(reply: Reply) -> bool:
    return Action(Verb.HUMAN) in actions(reply)


# --- typed text, in the order of the decision ----------------------------------------------


async def test_a_crisis_gets_its_numbers_first_and_nothing_else(
    engine: Engine, counters: Counters
) -> None:
    [reply] = await engine.handle(text(CRISIS))
    assert reply.phones and offers_a_person(reply)
    assert (str(Counter.CRISIS), "suicide") in counters.counted
    assert (str(Counter.ANSWER), "") not in counters.counted


async def test_a_crisis_that_may_be_two_situations_gives_the_main_number_of_each(
    engine: Engine,
) -> None:
    [reply] = await engine.handle(text("ma mere ma mis dehors jai 14 ans il fait nuit"))
    numbers = [phone.number for phone in reply.phones]
    assert "115" in numbers and "119" in numbers
    assert len(numbers) == len(set(numbers))  # each number once


async def test_a_story_from_long_ago_is_answered_with_one_warm_line(engine: Engine) -> None:
    out = replies(
        await engine.handle(text("il y a 3 ans j'étais à la rue, comment je demande l'apl ?"))
    )
    assert not any(reply.urgent for reply in out)
    assert "115" in out[-1].text and offers_a_person(out[-1])


async def test_a_secret_is_deleted_and_the_question_still_answered(
    engine: Engine, counters: Counters
) -> None:
    out = await engine.handle(text(SECRET))
    assert out[0] == DeleteIncoming()
    assert out[1] == Reply(texts.SENSITIVE_WARNING)
    assert replies(out)[-1].text == texts.CLARIFY  # the rest of the message is still read
    assert (str(Counter.SENSITIVE), "mot-de-passe") in counters.counted


async def test_a_secret_inside_a_crisis_is_deleted_and_the_numbers_given(engine: Engine) -> None:
    out = await engine.handle(text("code secret 1234 et je veux mourir"))
    assert replies(out)[0].phones  # the numbers first, before the secret warning
    assert DeleteIncoming() in out


async def test_asking_for_a_person_starts_the_asking_dialogue(
    engine: Engine, counters: Counters
) -> None:
    [reply] = await engine.handle(text("je veux parler à un humain"))
    assert reply.text.startswith(handoff_texts.ASK_ABOUT)
    assert (str(Counter.HUMAN_REQUESTED), "") in counters.counted


async def test_asking_for_a_person_keeps_the_last_real_question(engine: Engine) -> None:
    await engine.handle(text(OUT_OF_SCOPE))
    [reply] = await engine.handle(text("je veux parler à un humain"))
    assert OUT_OF_SCOPE in reply.text
    assert Action(Verb.ASK_LAST) in actions(reply)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("bonjour", texts.GREETING),
        ("merci", texts.THANKS),
        ("au revoir", texts.GOODBYE),
        ("ok", texts.ACK),
    ],
)
async def test_small_talk_gets_a_short_kind_reply(
    engine: Engine, words: str, expected: str
) -> None:
    [reply] = await engine.handle(text(words))
    assert reply.text == expected and offers_a_person(reply)


async def test_who_are_you_gets_the_bots_presentation(engine: Engine, counters: Counters) -> None:
    [reply] = await engine.handle(text("tu es qui ?"))
    assert reply.title and (str(Counter.ANSWER), "bot-presentation") in counters.counted


async def test_a_pasted_scam_gets_the_warning_and_the_advice(
    engine: Engine, counters: Counters
) -> None:
    [reply] = await engine.handle(text(SCAM))
    assert reply.title == texts.SCAM_TITLE and texts.SCAM_ADVICE in reply.text
    assert Action(Verb.ENTRY, "arnaque-colis") in actions(reply)
    assert (str(Counter.SCAM_CHECK), "suspicious") in counters.counted


async def test_a_message_with_official_links_only_looks_fine(
    engine: Engine, counters: Counters
) -> None:
    [reply] = await engine.handle(text(NOT_A_SCAM))
    assert reply.text == texts.SCAM_LOOKS_FINE and offers_a_person(reply)
    assert (str(Counter.SCAM_CHECK), "clean") in counters.counted


async def test_a_clear_question_gets_its_answer_with_feedback_buttons(
    engine: Engine, counters: Counters
) -> None:
    [reply] = await engine.handle(text(ANSWERED))
    assert reply.title and not reply.unanswered
    assert Action(Verb.HELPFUL, "ft-actualisation") in actions(reply)
    assert offers_a_person(reply)
    assert counters.counted == [(str(Counter.ANSWER), "ft-actualisation")]


async def test_an_unclear_question_offers_choices(engine: Engine, counters: Counters) -> None:
    [reply] = await engine.handle(text(UNCLEAR))
    assert reply.text == texts.CLARIFY
    assert any(a.verb is Verb.ENTRY for a in actions(reply))
    assert Action(Verb.NONE) in actions(reply) and offers_a_person(reply)
    assert counters.counted == [(str(Counter.CLARIFY), "")]


async def test_no_answer_is_said_and_marked_unanswered(engine: Engine, counters: Counters) -> None:
    [reply] = await engine.handle(text(OUT_OF_SCOPE))
    assert reply.text == texts.FALLBACK and reply.unanswered
    assert offers_a_person(reply) and Action(Verb.MENU) in actions(reply)
    assert counters.counted == [(str(Counter.FALLBACK), "")]


async def test_only_the_fallback_is_marked_unanswered(engine: Engine) -> None:
    for words in (ANSWERED, UNCLEAR, "bonjour", SCAM, NOT_A_SCAM, CRISIS):
        assert not any(r.unanswered for r in replies(await engine.handle(text(words))))


async def test_the_keyboard_keys_open_the_menu_and_ask_for_a_person(engine: Engine) -> None:
    [menu] = await engine.handle(text(texts.KEY_MENU))
    assert menu.text == texts.MENU_INTRO
    [ask] = await engine.handle(text(texts.KEY_HUMAN))
    assert ask.text.startswith(handoff_texts.ASK_ABOUT)


@pytest.mark.parametrize(
    ("words", "expected"), [("   ", texts.EMPTY_TEXT), ("🙂🙂", texts.EMOJI_ONLY)]
)
async def test_a_message_without_words_gets_the_way_on(
    engine: Engine, words: str, expected: str
) -> None:
    [reply] = await engine.handle(text(words))
    assert reply.text == expected and offers_a_person(reply)


async def test_an_edited_question_is_answered_again_with_a_word(engine: Engine) -> None:
    first, answer = await engine.handle(text(ANSWERED, edited=True))
    assert first == Reply(texts.EDITED)
    assert isinstance(answer, Reply) and answer.title


async def test_a_cut_message_says_only_the_beginning_was_read(engine: Engine) -> None:
    first, _answer = await engine.handle(text(ANSWERED, truncated=True))
    assert first == Reply(texts.TOO_LONG)


@pytest.mark.parametrize("media", [MediaKind.PHOTO, MediaKind.STICKER, MediaKind.OTHER])
async def test_a_media_is_not_read_and_the_person_gets_a_way_on(
    engine: Engine, media: MediaKind
) -> None:
    [reply] = await engine.handle(Inbound(user=PERSON, media=media))
    assert reply.text.startswith(texts.MEDIA_NOT_READ[media.value])
    assert texts.MEDIA_FOLLOW_UP in reply.text and offers_a_person(reply)


# --- commands --------------------------------------------------------------------------------


async def test_start_welcomes_and_counts_a_conversation(
    engine: Engine, counters: Counters
) -> None:
    [reply] = await engine.handle(Inbound(user=PERSON, command="start"))
    assert reply.text == texts.WELCOME.format(bot=texts.BOT_NAME)
    assert counters.counted == [(str(Counter.CONVERSATION), "")]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("menu", texts.MENU_INTRO),
        ("aide", texts.HELP),
        ("AIDE", texts.HELP),
        ("nimportequoi", texts.UNKNOWN_COMMAND),
    ],
)
async def test_commands(engine: Engine, command: str, expected: str) -> None:
    [reply] = await engine.handle(Inbound(user=PERSON, command=command))
    assert reply.text == expected


async def test_the_human_command_starts_the_asking_dialogue(engine: Engine) -> None:
    [reply] = await engine.handle(Inbound(user=PERSON, command="humain"))
    assert reply.text.startswith(handoff_texts.ASK_ABOUT)


# --- buttons ---------------------------------------------------------------------------------


async def screens(engine: Engine) -> dict[Action, Reply]:
    """Every menu screen a person can reach by tapping, from the first one."""
    seen: dict[Action, Reply] = {}
    todo = [Action(Verb.MENU)]
    while todo:
        action = todo.pop()
        if action in seen:
            continue
        [seen[action]] = await engine.handle(Inbound(user=PERSON, action=action, chat=CHAT))
        todo += [a for a in actions(seen[action]) if a.verb in (Verb.MENU, Verb.GROUP, Verb.THEME)]
    return seen


def entries_listed(shown: dict[Action, Reply]) -> list[str]:
    return [a.arg for reply in shown.values() for a in actions(reply) if a.verb is Verb.ENTRY]


async def test_no_menu_screen_has_more_than_eight_buttons(engine: Engine) -> None:
    shown = await screens(engine)
    assert len(shown) > 10  # groups, themes and the pages of the longest themes
    for action, reply in shown.items():
        assert len(actions(reply)) <= MAX_BUTTONS_PER_SCREEN, (action, len(actions(reply)))
        assert offers_a_person(reply), action


async def test_every_entry_is_reached_from_the_menu_once(
    engine: Engine, knowledge: Knowledge
) -> None:
    listed = entries_listed(await screens(engine))
    assert sorted(listed) == sorted(e.id for e in knowledge.kb.entries)


async def test_the_first_screen_shows_the_groups_then_a_person(
    engine: Engine, knowledge: Knowledge
) -> None:
    [menu] = await engine.handle(press(Verb.MENU))
    assert [b.label for [b] in menu.buttons] == [
        *(g.label for g in knowledge.kb.groups),
        texts.BUTTON_HUMAN,
    ]
    # A group of one theme opens its questions at once; a group of several lists its themes.
    by_label = {b.label: b.action for [b] in menu.buttons}
    assert by_label["🏘️ Logement"] == Action(Verb.THEME, "logement")
    assert by_label["💶 Argent et aides"] == Action(Verb.GROUP, "argent-et-aides")


async def test_a_group_lists_its_themes_and_a_way_back(engine: Engine) -> None:
    [group] = await engine.handle(press(Verb.GROUP, "argent-et-aides"))
    assert group.text == texts.GROUP_INTRO.format(label="💶 Argent et aides")
    themes = [a.arg for a in actions(group) if a.verb is Verb.THEME]
    assert themes == ["caf", "argent", "impots"]
    assert group.buttons[-1] == (
        Button(texts.BUTTON_BACK_TO_THEMES, Action(Verb.MENU)),
        Button(texts.BUTTON_HUMAN, Action(Verb.HUMAN)),
    )
    [theme] = await engine.handle(press(Verb.THEME, "argent"))
    assert Action(Verb.GROUP, "argent-et-aides") in actions(theme)


async def test_a_long_theme_is_shown_in_pages(engine: Engine, knowledge: Knowledge) -> None:
    caf = [e.id for e in knowledge.kb.entries_of("caf")]
    assert len(caf) > MAX_BUTTONS_PER_SCREEN
    [first] = await engine.handle(press(Verb.THEME, "caf"))
    assert first.text.endswith("Page 1 sur 3.")
    assert (Button(texts.BUTTON_MORE, Action(Verb.THEME, "caf:2")),) in first.buttons
    listed = []
    for page in ("caf", "caf:2", "caf:3"):
        [reply] = await engine.handle(press(Verb.THEME, page))
        listed += [a.arg for a in actions(reply) if a.verb is Verb.ENTRY]
    assert listed == caf
    assert Action(Verb.THEME, "caf:4") not in actions(reply)


@pytest.mark.parametrize("words", ["logement", "Logement ?", "le logement svp"])
async def test_a_word_naming_a_theme_opens_its_questions(engine: Engine, words: str) -> None:
    [reply] = await engine.handle(text(words))
    assert reply.text == texts.THEME_INTRO.format(emoji="🏘️", label="Logement, énergie")
    listed = [a.arg for a in actions(reply) if a.verb is Verb.ENTRY]
    assert listed[:2] == ["logement-social-demande", "logement-dalo"]


async def test_an_entry_button_gives_the_answer(engine: Engine, counters: Counters) -> None:
    [reply] = await engine.handle(press(Verb.ENTRY, "ft-actualisation"))
    assert reply.title and counters.counted == [(str(Counter.ANSWER), "ft-actualisation")]


async def test_a_long_answer_goes_step_by_step_then_asks_for_feedback(
    engine: Engine, knowledge: Knowledge
) -> None:
    entry = knowledge.kb.entry("aide-france-services")
    assert entry is not None and entry.steps
    [answer] = await engine.handle(press(Verb.ENTRY, entry.id))
    assert Action(Verb.STEP, f"{entry.id}:1") in actions(answer)
    total = len(entry.steps)
    for n in range(1, total + 1):
        [step] = await engine.handle(press(Verb.STEP, f"{entry.id}:{n}"))
        assert step.title == texts.STEP_LABEL.format(n=n, total=total)
        assert step.text == entry.steps[n - 1]
    assert Action(Verb.HELPFUL, entry.id) in actions(step)


async def test_feedback_is_counted_and_thanked(engine: Engine, counters: Counters) -> None:
    [up] = await engine.handle(press(Verb.HELPFUL, "ft-actualisation"))
    [down] = await engine.handle(press(Verb.NOT_HELPFUL, "ft-actualisation"))
    assert up.text == texts.FEEDBACK_THANKS_UP
    assert down.text == texts.FEEDBACK_THANKS_DOWN and offers_a_person(down)
    assert counters.counted == [
        (str(Counter.HELPFUL), "ft-actualisation"),
        (str(Counter.NOT_HELPFUL), "ft-actualisation"),
    ]


async def test_none_of_these_offers_a_person(engine: Engine, counters: Counters) -> None:
    [reply] = await engine.handle(press(Verb.NONE))
    assert reply.text == texts.NONE_OF_THESE and offers_a_person(reply)
    assert counters.counted == [(str(Counter.NONE_OF_THESE), "")]


@pytest.mark.parametrize(
    "action",
    [
        Action(Verb.THEME, "theme-retire"),
        Action(Verb.THEME, "caf:9"),
        Action(Verb.GROUP, "groupe-retire"),
        Action(Verb.GROUP, "argent-et-aides:5"),
        Action(Verb.ENTRY, "fiche-retiree"),
        Action(Verb.STEP, "ft-actualisation:99"),
        Action(Verb.STEP, "pas-un-nombre"),
        Action(Verb.HELPFUL, "fiche-retiree"),
    ],
)
async def test_a_stale_button_says_so_and_shows_the_menu(engine: Engine, action: Action) -> None:
    stale, menu = await engine.handle(Inbound(user=PERSON, action=action))
    assert stale == Reply(texts.STALE_BUTTON)
    assert isinstance(menu, Reply) and menu.text == texts.MENU_INTRO


async def test_the_person_button_and_the_asking_buttons_go_to_the_dialogue(
    engine: Engine,
) -> None:
    [ask] = await engine.handle(press(Verb.HUMAN))
    assert ask.text.startswith(handoff_texts.ASK_ABOUT)
    [write] = await engine.handle(press(Verb.ASK_OTHER))
    assert write.text == handoff_texts.ASK_WRITE
    [kind] = await engine.handle(text("mon propriétaire garde ma caution"))
    assert kind.text == handoff_texts.ASK_KIND


async def test_buttons_are_never_slowed_down(knowledge: Knowledge, clock: Clock) -> None:
    flood = FloodGuard(burst=1, clock=clock)
    engine = Engine(KnowledgeHolder(knowledge), clock=clock, flood=flood)
    for _ in range(5):
        [menu] = await engine.handle(press(Verb.MENU))
        assert menu.text == texts.MENU_INTRO


# --- while a case is open --------------------------------------------------------------------


@pytest.fixture
def spied_engine(
    spied: tuple[KnowledgeHolder, NoReading, NoReading],
    counters: Counters,
    clock: Clock,
    handoff: Handoff,
) -> Engine:
    handoff.open.add(PERSON)
    return Engine(spied[0], counters, clock=clock, handoff=handoff)


async def test_a_message_to_an_open_case_is_relayed_without_matching_nor_scam_check(
    spied: tuple[KnowledgeHolder, NoReading, NoReading], spied_engine: Engine, handoff: Handoff
) -> None:
    _holder, matcher, safety = spied
    for words in (ANSWERED, SCAM, "bonjour"):
        [relayed] = await spied_engine.handle(text(words))
        assert isinstance(relayed, CaseActions)
        assert isinstance(relayed.actions[0], CopyToCaseThread)
    assert matcher.read == [] and safety.read == []
    assert handoff.lookups == 3  # once per message
    assert handoff.relayed == [(PERSON, 7)] * 3


async def test_a_crisis_during_a_case_gets_the_numbers_and_the_case_goes_urgent(
    spied_engine: Engine, handoff: Handoff, counters: Counters
) -> None:
    crisis, urgent, relayed = await spied_engine.handle(text(CRISIS))
    assert isinstance(crisis, Reply) and crisis.phones
    assert isinstance(urgent, CaseActions) and isinstance(relayed, CaseActions)
    assert handoff.urgent == [PERSON] and handoff.relayed == [(PERSON, 7)]
    assert (str(Counter.CRISIS), "suicide") in counters.counted


async def test_a_secret_during_a_case_is_deleted_and_passed_masked(
    spied: tuple[KnowledgeHolder, NoReading, NoReading], spied_engine: Engine, handoff: Handoff
) -> None:
    delete, warning, masked = await spied_engine.handle(text(SECRET))
    assert delete == DeleteIncoming() and warning == Reply(texts.SENSITIVE_WARNING)
    assert isinstance(masked, CaseActions) and isinstance(masked.actions[0], PostInCaseThread)
    [(_person, passed, media)] = handoff.masked
    assert "Soleil2024" not in passed and not media
    assert handoff.relayed == [] and spied[1].read == []


async def test_an_edit_during_a_case_is_not_copied_and_the_person_told(
    spied_engine: Engine, handoff: Handoff
) -> None:
    [reply] = await spied_engine.handle(text(ANSWERED, edited=True))
    assert reply == Reply(handoff_texts.EDITED_DURING_CASE)
    assert handoff.relayed == []


async def test_an_edited_secret_during_a_case_is_deleted_but_not_passed_again(
    spied_engine: Engine, handoff: Handoff
) -> None:
    out = await spied_engine.handle(text(SECRET, edited=True))
    assert out == [DeleteIncoming(), Reply(texts.SENSITIVE_WARNING)]
    assert handoff.masked == []


async def test_a_media_during_a_case_is_relayed(spied_engine: Engine, handoff: Handoff) -> None:
    [relayed] = await spied_engine.handle(
        Inbound(user=PERSON, media=MediaKind.PHOTO, chat=CHAT, message_id=9)
    )
    assert isinstance(relayed, CaseActions) and handoff.relayed == [(PERSON, 9)]


async def test_the_keyboard_keys_and_commands_still_reach_the_bot_during_a_case(
    spied_engine: Engine, handoff: Handoff
) -> None:
    [menu] = await spied_engine.handle(text(texts.KEY_MENU))
    assert menu.text == texts.MENU_INTRO
    [already] = await spied_engine.handle(text(texts.KEY_HUMAN))
    assert already == Reply(handoff_texts.ALREADY_OPEN)
    [help_] = await spied_engine.handle(Inbound(user=PERSON, command="aide"))
    assert help_.text == texts.HELP
    assert handoff.relayed == []


async def test_a_case_closed_meanwhile_gets_the_usual_answer(
    engine: Engine, handoff: Handoff
) -> None:
    class ClosesOnRelay(Handoff):
        async def person_message(self, person: str, message_id: int):  # type: ignore[no-untyped-def]
            self.open.discard(person)
            return await super().person_message(person, message_id)

    closing = ClosesOnRelay()
    closing.open.add(PERSON)
    engine.flow.service = closing  # type: ignore[assignment]
    [reply] = await engine.handle(text(ANSWERED))
    assert isinstance(reply, Reply) and reply.title


async def test_without_a_team_no_case_is_looked_up_and_the_bot_answers(
    knowledge: Knowledge,
) -> None:
    [reply] = await Engine(KnowledgeHolder(knowledge)).handle(text(ANSWERED))
    assert isinstance(reply, Reply) and reply.title


# --- flood -----------------------------------------------------------------------------------


@pytest.fixture
def slowed(knowledge: Knowledge, counters: Counters, clock: Clock, handoff: Handoff) -> Engine:
    flood = FloodGuard(burst=2, per_minute=2, clock=clock)
    return Engine(KnowledgeHolder(knowledge), counters, clock=clock, handoff=handoff, flood=flood)


async def test_a_flood_is_told_once_then_silence_then_answers_again(
    slowed: Engine, counters: Counters, clock: Clock
) -> None:
    assert replies(await slowed.handle(text(ANSWERED)))
    assert replies(await slowed.handle(text(ANSWERED)))
    assert await slowed.handle(text(ANSWERED)) == [Reply(texts.FLOOD_PAUSE)]
    assert await slowed.handle(text(ANSWERED)) == []
    assert await slowed.handle(Inbound(user=PERSON, command="menu")) == []
    assert (str(Counter.FLOOD), "") in counters.counted
    clock.now += 60
    assert replies(await slowed.handle(text(ANSWERED)))


async def test_a_flood_never_silences_a_crisis_or_a_secret(slowed: Engine) -> None:
    for _ in range(3):
        await slowed.handle(text(ANSWERED))
    [crisis] = await slowed.handle(text(CRISIS))
    assert isinstance(crisis, Reply) and crisis.phones
    assert DeleteIncoming() in await slowed.handle(text(SECRET))


async def test_a_flood_never_silences_a_message_to_an_open_case(
    slowed: Engine, handoff: Handoff
) -> None:
    handoff.open.add(PERSON)
    for n in range(5):
        [relayed] = await slowed.handle(text(ANSWERED))
        assert isinstance(relayed, CaseActions), n
    assert handoff.lookups == 5  # once per message, flooded or not


# --- sessions --------------------------------------------------------------------------------


async def test_the_session_remembers_for_the_handoff_summary(engine: Engine, clock: Clock) -> None:
    await engine.handle(text(ANSWERED))
    await engine.handle(press(Verb.NOT_HELPFUL, "ft-actualisation"))
    session = engine.sessions.get(PERSON, clock())
    assert session.shown == ["ft-actualisation"]
    assert session.not_helpful == ["ft-actualisation"]
    assert session.theme == "france-travail"
    assert session.question == ANSWERED


async def test_a_question_with_a_secret_is_remembered_masked(engine: Engine, clock: Clock) -> None:
    await engine.handle(text(SECRET))
    assert "Soleil2024" not in engine.sessions.get(PERSON, clock()).question


def test_sessions_are_forgotten_after_an_hour_idle() -> None:
    sessions = Sessions(limit=2)
    sessions.get("a", 0).question = "x"
    assert sessions.get("a", SESSION_TTL_SECONDS - 1).question == "x"
    assert sessions.get("a", 3 * SESSION_TTL_SECONDS).question == ""
    sessions.get("b", 3 * SESSION_TTL_SECONDS)
    sessions.get("c", 3 * SESSION_TTL_SECONDS)
    assert len(sessions) == 2 and "a" not in sessions
    sessions.forget("b")
    assert "b" not in sessions
