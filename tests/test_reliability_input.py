"""Hostile and odd input: whatever a person types, the bot answers, never crashes and never
sends Telegram an HTML it refuses; whatever a coordinator saves as YAML, the bot refuses it
quickly with a clear error, and never runs what it says.

Hypothesis drives the Telegram layer with one event loop per test (the Application and its
SQLite connection live in it), examples run one after the other.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT
from fakebotapi import FakeBotApi, Person, parse_html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import Relais, problems, running, settings_for

from bot.app.conversation import Engine
from bot.app.reload import prepare
from bot.channels.telegram.render import render_reply
from bot.channels.telegram.translate import MAX_INBOUND_TEXT
from bot.domain.messages import Action as EngineAction
from bot.domain.messages import Button, Inbound, Link, Phone, Reply, Verb
from bot.knowledge import yamlfile
from bot.knowledge.holder import Knowledge, KnowledgeHolder
from bot.knowledge.kb import load_knowledge
from bot.knowledge.lint import LintOptions
from bot.knowledge.staff import load_charter, load_staff
from bot.knowledge.yamlfile import MAX_FILE_BYTES, KnowledgeError, load_yaml
from bot.texts import person as texts

# --- what people type --------------------------------------------------------------------

# Pieces that look like markup, or that break naive text handling.
TRICKY = [
    "<b>", "</b>", "<i>gras</i>", "<a href='javascript:alert(1)'>x</a>", "<script>", "</",
    "<", ">", "&", "&amp;", "&lt;", "&#128512;", "&#xZZ;", "&nbsp;", "<tg-spoiler>", "<br/>",
    "*gras*", "_ita_", "__sou__", "~bar~", "`code`", "```\npre\n```", "[lien](https://x.fr)",
    "||spoiler||", "\\", "\u202e", "\u202d", "\u200f", "\u200e", "\u2066", "\u200b", "\u200c",
    "\u200d", "\ufeff", "\u2028", "\u2029", "\x00", "\x07", "\x1b[31m", "\r\n", "\t", "\x85",
    "👩\u200d👩\u200d👧\u200d👦", "🇫🇷", "👍🏽", "🏳️\u200d🌈", "e\u0301", "Z̤̈́͒a̴̝͐l̵̈́ͅg̷o", "ﷺ", "𒐫",
    "مرحبا", "שלום", "日本語", "/start", "/clore", "@admin", "#A7F3", "h1:k:1", "v1|m|",
    "mot de passe", "caf", "je veux mourir", "0612345678", "FR7630006000011234567890189",
    "https://caf-fr.info/x", " ", "\n\n",
]  # fmt: skip
typed = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
    st.lists(st.sampled_from(TRICKY), max_size=40).map("".join),
    st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=5)), min_size=1, max_size=30).map(
        " ".join
    ),
)
seeds = typed.filter(bool)  # repeated up to 100 kB inside the test (short failure reports)


def hundred_kb(seed: str) -> str:
    return (seed * (100_000 // len(seed) + 1))[:100_000]


examples = settings(
    max_examples=60,
    deadline=None,  # the first example loads python-telegram-bot's code paths
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
few_huge = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeHolder:
    return KnowledgeHolder(Knowledge.load(REPO_ROOT / "knowledge"))


class LoopedRelais:
    """Relais on the in-process fake, in an event loop of its own, for Hypothesis."""

    def __init__(self, tmp_path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.api = FakeBotApi()
        self._running = running(self.api, settings_for(self.api, tmp_path))
        self.relais: Relais = self.loop.run_until_complete(self._running.__aenter__())

    def send(self, update: dict) -> None:
        self.loop.run_until_complete(self.relais.send(update))

    def close(self) -> None:
        self.loop.run_until_complete(self._running.__aexit__(None, None, None))
        self.loop.close()


@pytest.fixture
def looped(tmp_path: Path) -> Iterator[LoopedRelais]:
    relais = LoopedRelais(tmp_path)
    try:
        yield relais
    finally:
        relais.close()


def check_everything_sent_was_valid(api: FakeBotApi) -> None:
    """Telegram accepted every call: valid HTML, within limits, to a chat that exists."""
    refused = [(call.method, call.status) for call in api.calls if call.status != 200]
    assert refused == []
    for message in api.messages:
        if message.from_bot and message.html is not None:
            assert parse_html(message.html) == message.text


def person_says(looped: LoopedRelais, update: dict, caplog: pytest.LogCaptureFixture) -> None:
    """Hand ``update`` to the bot: it replies, Telegram accepts it all, nothing is logged."""
    caplog.clear()
    if "callback_query" in update:
        chat_id = update["callback_query"]["message"]["chat"]["id"]
    else:
        chat_id = update.get("message", update.get("edited_message"))["chat"]["id"]
    before = len(looped.api.sent_to(chat_id))
    looped.send(update)
    assert len(looped.api.sent_to(chat_id)) > before, "no reply"
    check_everything_sent_was_valid(looped.api)
    assert problems(caplog.records) == []


# --- the engine ---------------------------------------------------------------------------


@examples
@given(text=typed)
def test_the_engine_always_replies_whatever_is_typed(knowledge, text: str) -> None:
    engine = Engine(knowledge)
    for inbound in (
        Inbound(user="lea", text=text),
        Inbound(user="lea", text=text, edited=True),
        Inbound(user="lea", text=text[:MAX_INBOUND_TEXT], truncated=True),
        Inbound(user="lea", command=text[:64]),
    ):
        out = asyncio.run(engine.handle(inbound))
        assert any(isinstance(o, Reply) and o.text.strip() for o in out)


@few_huge
@given(seed=seeds)
def test_the_engine_replies_to_100_kb(knowledge, seed: str) -> None:
    """Telegram cuts messages at 4 096 characters, and our adapter at 1 500; the engine alone
    still copes with 100 kB (a paste through another channel). Its speed is in ``bench/``."""
    out = asyncio.run(Engine(knowledge).handle(Inbound(user="lea", text=hundred_kb(seed))))
    assert any(isinstance(o, Reply) and o.text.strip() for o in out)


# --- the Telegram layer ---------------------------------------------------------------------


@examples
@given(text=typed.filter(lambda t: t.strip() != ""))
def test_any_text_gets_a_valid_reply_through_telegram(
    looped: LoopedRelais, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    caplog.set_level(logging.WARNING)
    lea = Person(looped.api, looped.api.new_user("Léa"))  # new each time: no flood between
    person_says(looped, lea.says(text), caplog)
    person_says(looped, lea.edits(lea.says("bonjour"), text), caplog)
    person_says(looped, lea.sends("photo", caption=text), caplog)


@few_huge
@given(seed=seeds)
def test_a_100_kb_message_is_read_in_part_and_answered(
    looped: LoopedRelais,
    caplog: pytest.LogCaptureFixture,
    knowledge: KnowledgeHolder,
    seed: str,
) -> None:
    caplog.set_level(logging.WARNING)
    lea = Person(looped.api, looped.api.new_user("Léa"))
    person_says(looped, lea.says(hundred_kb(seed)), caplog)
    first = looped.api.texts_to(lea.chat_id)[0]
    # Safety reads every character. 100 kB of blanks, of "👍" or of "/////" (a command)
    # gets its own answer.
    # Glued copies of the seed make other words than the seed said a few times (« mouri »
    # then « 0612… » is « mouri0612… »), and the model gives no opinion on 100 kB of the
    # same few words (its noise guard): a crisis of the seed may get the long-message
    # answer. When the numbers come, they come first. (A crisis inside a real long message
    # is tested end to end in test_safety_delivery.py.)
    alert = knowledge.current.safety.assess_crisis(" ".join([seed] * 3))
    if alert is not None and alert.level.value == "sure" and first != texts.TOO_LONG:
        assert first.startswith(alert.category.title)
        return
    assert first in (texts.TOO_LONG, texts.EMPTY_TEXT, texts.EMOJI_ONLY, texts.UNKNOWN_COMMAND)


@examples
@given(data=st.one_of(st.text(min_size=1, max_size=80), st.binary(max_size=64).map(repr)))
def test_any_button_data_is_answered_and_never_breaks_anything(
    looped: LoopedRelais, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    caplog.set_level(logging.WARNING)
    lea = Person(looped.api, looped.api.new_user("Léa"))
    person_says(looped, lea.sends_callback(data), caplog)
    assert looped.api.unanswered_callback_queries() == []


def test_a_button_without_data_is_answered_and_ignored(
    looped: LoopedRelais, caplog: pytest.LogCaptureFixture
) -> None:
    """Only game buttons come without data, and the bot has none: answered, nothing else."""
    caplog.set_level(logging.WARNING)
    lea = Person(looped.api, looped.api.new_user("Léa"))
    query = lea.sends_callback("")
    del query["callback_query"]["data"]
    looped.send(query)
    assert looped.api.unanswered_callback_queries() == []
    check_everything_sent_was_valid(looped.api)
    assert problems(caplog.records) == []


# --- the renderer, alone: every reply the engine could build becomes valid Telegram HTML ----


@settings(max_examples=200, deadline=None)
@given(
    text=typed,
    title=typed,
    label=typed.filter(lambda t: t.strip() != ""),
    url=st.sampled_from(['https://x.fr/a?b=1&c=<2>"', "http://x.fr", "javascript:alert(1)"]),
    number=st.text("0123456789 +.", max_size=20),
)
def test_rendered_messages_are_valid_telegram_html_within_limits(
    text: str, title: str, label: str, url: str, number: str
) -> None:
    reply = Reply(
        text or "x",
        title=title,
        links=(Link(label, url),),
        phones=(Phone(number or "3114", number, note=title),),
        buttons=((Button(label[:60], EngineAction(Verb.MENU)),),),
    )
    for message in render_reply(reply):
        visible = parse_html(message.html)  # raises as Telegram would refuse it
        assert len(visible.encode("utf-16-le")) // 2 <= 4096
        hrefs = re.findall(r'<a href="([^"]*)"', message.html)
        assert all(href.startswith("https://") for href in hrefs)


# --- YAML written by coordinators -----------------------------------------------------------


def billion_laughs() -> list:
    """Nine levels of nine references: 9^9 "lol" once expanded, a few lines once written.

    ``yaml.safe_dump`` writes an object met twice as an anchor and aliases, exactly as an
    attacker (or a copy-paste from the internet) would.
    """
    level: list = ["lol"] * 9
    for _ in range(8):
        level = [level] * 9
    return level


def every_value_replaced(data: object, bomb: list) -> object:
    """The file's own shape, each value (and each list item) replaced by the bomb."""
    if isinstance(data, dict):
        return {key: every_value_replaced(value, bomb) for key, value in data.items()}
    if isinstance(data, list):
        return [every_value_replaced(item, bomb) for item in data[:3]]
    return bomb


# Every file a coordinator edits. Knowledge files are read as the bot's reload reads them
# (``bot.app.reload.prepare``: knowledge, safety lists, jargon, notice, then the linter).
KNOWLEDGE_FILES = [
    "themes.yaml", "lexique.yaml", "caf.yaml", "crises.yaml", "domaines-officiels.yaml",
    "jargon.yaml", "annonce.yaml",
]  # fmt: skip
ALL_FILES = [*KNOWLEDGE_FILES, "charte.yaml", "staff.yaml"]


def knowledge_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for path in (REPO_ROOT / "knowledge").glob("*.yaml"):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def target(tmp_path: Path, name: str) -> Path:
    folder = knowledge_copy(tmp_path)
    return tmp_path / name if name == "staff.yaml" else folder / name


def usual_shape(name: str) -> object:
    source = REPO_ROOT / ("staff.example.yaml" if name == "staff.yaml" else f"knowledge/{name}")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    return data if data is not None else {"text": "Service réduit", "until": "2026-12-03"}


def refusal(name: str, path: Path) -> list[str]:
    """What a coordinator is told about ``path``."""
    if name == "staff.yaml":
        with pytest.raises(KnowledgeError) as error:
            load_staff(path)
        found = error.value.problems
    elif name == "charte.yaml":
        with pytest.raises(KnowledgeError) as error:
            load_charter(path)
        found = error.value.problems
    else:
        prepared = prepare(path.parent, LintOptions(today=dt.date(2026, 11, 23)))
        assert prepared.knowledge is None or name == "annonce.yaml"
        assert not prepared.notice_ok or name != "annonce.yaml"
        found = list(prepared.errors)
    return [str(p) for p in found if Path(p.path).name == name]


@pytest.mark.parametrize("name", ALL_FILES)
def test_a_billion_laughs_in_any_file_is_refused_at_once_and_never_expanded(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before a single value is built: the loader measures the node graph (a few
    hundred nodes) and never constructs the 9^9 values it stands for."""
    path = target(tmp_path, name)
    bomb = every_value_replaced(usual_shape(name), billion_laughs())
    path.write_text(yaml.safe_dump(bomb, allow_unicode=True), encoding="utf-8")
    assert path.stat().st_size < 20_000
    built: list[object] = []
    construct = yamlfile._LineLoader.construct_object

    def counted(self, node, deep=False):  # type: ignore[no-untyped-def]
        if getattr(node, "value", None) == "lol":  # the bomb's only word
            built.append(node)
        return construct(self, node, deep)

    monkeypatch.setattr(yamlfile._LineLoader, "construct_object", counted)
    [problem] = refusal(name, path)
    assert built == []
    assert "renvois (& et *)" in problem and "sans & ni *" in problem


TAGGED = [
    'x: !!python/object/apply:os.system ["touch {witness}"]\n',
    'x: !!python/object/new:subprocess.Popen [["touch", "{witness}"]]\n',
    "x: !!python/name:os.system\n",
    "x: !!python/module:os\n",
    "x: !custom 1\n",
]


@pytest.mark.parametrize("payload", TAGGED)
def test_a_python_tag_is_refused_and_never_run(tmp_path: Path, payload: str) -> None:
    path, witness = tmp_path / "caf.yaml", tmp_path / "ran"
    path.write_text("# un commentaire\n" + payload.format(witness=witness), encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_yaml(path)
    [problem] = error.value.problems
    assert problem.line == 2 and "étiquette !" in problem.message
    assert not witness.exists()


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_file_refuses_tags_through_the_safe_reader(tmp_path: Path, name: str) -> None:
    """No loader bypasses ``load_yaml`` (a plain ``yaml.load`` would run the payload)."""
    path, witness = target(tmp_path, name), tmp_path / "ran"
    path.write_text(TAGGED[0].format(witness=witness), encoding="utf-8")
    [problem] = refusal(name, path)
    assert f"{name}:1:" in problem and "étiquette !!python/object/apply" in problem
    assert not witness.exists()


@pytest.mark.parametrize(
    "content",
    [
        "x: " + "[" * 5_000 + "]" * 5_000,
        "- " * 3_000 + "a",
        "x: " + "{a: " * 3_000 + "1" + "}" * 3_000,
    ],
    ids=["lists", "dashes", "mappings"],
)
def test_absurdly_deep_nesting_is_refused_with_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "caf.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_yaml(path)
    assert str(error.value).startswith(f"{path.name}:1:") or "caf.yaml:1:" in str(error.value)
    assert "imbriqu" in str(error.value)


def test_a_huge_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "caf.yaml"
    with path.open("w", encoding="utf-8") as out:
        out.write("- id: x\n  answer: |\n")
        line = "    " + "bla " * 30 + "\n"
        while out.tell() <= MAX_FILE_BYTES:
            out.write(line)

    def never(*_args: object, **_kwargs: object) -> str:
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_text", never)
    with pytest.raises(KnowledgeError, match="fichier trop gros"):
        load_yaml(path)


def test_the_largest_accepted_file_still_loads_whole(tmp_path: Path) -> None:
    """Just under the limit, every entry is read (how long it takes is in ``bench/``)."""
    path = tmp_path / "caf.yaml"
    entry = "- id: e{n}\n  theme: caf\n  title: T{n}\n  questions: [q{n}]\n  answer: a\n"
    with path.open("w", encoding="utf-8") as out:
        n = 0
        while out.tell() < MAX_FILE_BYTES - 200:
            out.write(entry.format(n=n))
            n += 1
    loaded = load_yaml(path)
    assert len(loaded) == n
    assert loaded[-1]["id"] == f"e{n - 1}" and loaded[-1]["questions"] == [f"q{n - 1}"]


@settings(max_examples=300, deadline=None)
@given(
    content=st.one_of(
        st.text(max_size=400),
        st.lists(
            st.sampled_from(
                [
                    "- ",
                    "  ",
                    "x: ",
                    "&a ",
                    "*a ",
                    "!!",
                    "!!binary ",
                    "!!set ",
                    "!!timestamp ",
                    "!!int ",
                    "!!float ",
                    "? ",
                    "<<: ",
                    "|",
                    ">",
                    "'",
                    '"',
                    "\\",
                    "\t",
                    "\n",
                    "{",
                    "}",
                    "[",
                    "]",
                    ",",
                    "#",
                    "%YAML 1.1\n",
                    "---\n",
                    "...\n",
                    "2026-02-30",
                    "0x",
                    "1e999",
                    "~",
                    "\x00",
                    "\ufeff",
                    "é",
                ]
            ),
            max_size=60,
        ).map("".join),
    )
)
def test_any_text_saved_as_yaml_is_read_or_refused_clearly(tmp_path_factory, content) -> None:
    path = tmp_path_factory.mktemp("yaml") / "caf.yaml"
    path.write_text(content, encoding="utf-8", errors="surrogatepass")
    try:
        load_yaml(path)
    except KnowledgeError as error:
        assert error.problems and all(p.line >= 1 for p in error.problems)


# Values of every type, for every field of an entry: the checks must say what is wrong.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "id", "theme", "title", "questions", "keywords", "answer", "steps", "links", "phone",
    "escalate", "sources", "reviewed", "review_by", "autre",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(entry=st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)))
def test_an_entry_with_any_values_is_accepted_or_refused_clearly(tmp_path_factory, entry):
    folder = tmp_path_factory.mktemp("kb")
    for name in ("themes.yaml", "lexique.yaml"):
        (folder / name).write_bytes((REPO_ROOT / "tests/data/kb-mini" / name).read_bytes())
    (folder / "fiches.yaml").write_text(
        yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8"
    )
    try:
        load_knowledge(folder)
    except KnowledgeError as error:
        assert error.problems and all(p.line >= 1 for p in error.problems)


@settings(max_examples=150, deadline=None)
@given(
    staff=st.dictionaries(
        st.sampled_from(["timezone", "hours", "closed", "delays", "groups", "helpers", "x"]),
        values,
        max_size=6,
    )
)
def test_a_staff_file_with_any_values_is_accepted_or_refused_clearly(tmp_path_factory, staff):
    path = tmp_path_factory.mktemp("staff") / "staff.yaml"
    path.write_text(yaml.safe_dump(staff, allow_unicode=True), encoding="utf-8")
    try:
        load_staff(path)
    except KnowledgeError as error:
        assert error.problems and all(p.line >= 1 for p in error.problems)
