"""Supply chain: CI and the Docker image install the exact versions of ``constraints.txt``,
``./relais lock`` is how they are refreshed (and the README says so), and a running Relais
downloads nothing: its only network peer is the Bot API server it was given.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import ipaddress
import re
import socket
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from fakebotapi import FakeBotApi, FakeBotApiHttpServer, new_person
from reliability_support import CASE_QUESTION, SECRET, Team

from bot.__main__ import main as command_line
from bot.bootstrap import opener
from bot.channels.telegram.app import serve
from bot.config import Settings
from bot.texts import handoff as handoff_texts
from bot.texts import person as texts

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+!-]+)$")
# Installed by pip itself, or the project: not pinned by ``pip freeze``.
NOT_PINNED = {"pip", "setuptools", "wheel", "relais"}


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    found = {}
    for line in (REPO_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = PIN.match(line.strip())
        assert match, f"not an exact pin: {line!r}"
        found[normalised(match[1])] = match[2]
    return found


def test_every_installed_package_is_the_pinned_version() -> None:
    """The environment the tests run in is exactly what constraints.txt says."""
    installed = {
        normalised(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
        if normalised(dist.metadata["Name"]) not in NOT_PINNED
    }
    assert installed == pins()


def test_every_dependency_of_the_project_is_pinned() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [*project["project"]["dependencies"]]
    wanted += project["project"]["optional-dependencies"]["test"]
    names = {normalised(re.split(r"[\[<>=!~ ]", spec, maxsplit=1)[0]) for spec in wanted}
    assert names <= set(pins())


def test_ci_the_launcher_and_the_image_all_install_through_the_constraints() -> None:
    launcher = (REPO_ROOT / "relais").read_text(encoding="utf-8")
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "-c constraints.txt" in launcher and "./relais test" in ci
    assert re.search(r"pip install [^\n]*-c constraints\.txt", dockerfile)
    assert "COPY pyproject.toml constraints.txt" in dockerfile
    # ./relais reinstalls when the pins change (the stamp is older than constraints.txt).
    assert "constraints.txt -nt" in launcher


def test_refreshing_the_pins_is_one_command_and_documented() -> None:
    launcher = (REPO_ROOT / "relais").read_text(encoding="utf-8")
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^\s+lock\)", launcher, re.MULTILINE)
    assert "pip freeze --exclude-editable" in launcher  # exact versions of everything
    assert "./relais lock" in readme and "constraints.txt" in readme
    header = (REPO_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()[:2]
    assert all(line.startswith("#") for line in header)  # lock keeps these two lines
    assert "./relais lock" in header[1]


# --- nothing downloaded at run time ---------------------------------------------------------


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Refuse any connection or name lookup beyond this machine; yield what was tried."""
    tried: list[object] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def local(host: object) -> bool:
        if host in ("localhost", None, ""):
            return True
        try:
            return ipaddress.ip_address(str(host)).is_loopback
        except ValueError:
            return False

    def connect(self: socket.socket, address: object) -> None:
        if self.family == socket.AF_UNIX or (isinstance(address, tuple) and local(address[0])):
            return real_connect(self, address)
        tried.append(address)
        raise ConnectionRefusedError(f"offline test: no connection to {address!r}")

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if local(host):
            return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]
        tried.append(host)
        raise socket.gaierror(f"offline test: no lookup of {host!r}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield tried


def test_the_offline_guard_does_refuse(offline: list[object]) -> None:
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("93.184.216.34", 443))
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("pypi.org", 443)
    assert offline == [("93.184.216.34", 443), "pypi.org"]


async def test_a_whole_case_over_http_needs_nothing_but_the_bot_api(
    offline: list[object], fake_api: FakeBotApi, tmp_path: Path
) -> None:
    """``serve`` (what ``python -m bot run`` runs) with a team, polling the fake on
    127.0.0.1: questions, a case, both relays. Any other connection would fail it."""
    team, lea = Team(fake_api, tmp_path), new_person(fake_api, "Léa")
    async with FakeBotApiHttpServer(fake_api) as server:
        settings = Settings(
            token=fake_api.token,
            secret=SECRET,
            bot_api_url=server.base_url,
            db_path=tmp_path / "relais.sqlite3",
            knowledge_dir=REPO_ROOT / "knowledge",
            staff_config=team.path,
        )
        stop = asyncio.Event()
        serving = asyncio.create_task(serve(settings, opener(settings), stop=stop, poll_timeout=5))
        api = fake_api

        def last_has(label: str) -> bool:
            sent = api.sent_to(lea.chat_id)
            return bool(sent) and any(label in row for row in sent[-1].inline_buttons)

        try:
            lea.says("/start")
            lea.says(CASE_QUESTION)
            lea.says(texts.KEY_HUMAN)
            for label in (
                handoff_texts.BUTTON_ASK_LAST,
                handoff_texts.BUTTON_ASK_REFERENT,
                handoff_texts.BUTTON_ASK_YES,
            ):
                await api.wait_until(lambda label=label: last_has(label), within=120)
                lea.presses(api.sent_to(lea.chat_id)[-1], label)
            await api.wait_until(lambda: any(m.thread_id for m in api.sent_to(team.group.id)))
            card = next(m for m in api.sent_to(team.group.id) if m.text.startswith("🆕"))
            team.nadia.presses(card, handoff_texts.BUTTON_CLAIM)
            await api.wait_until(lambda: len(api.sent_to(team.group.id)) >= 2)
            lea.says("merci de votre aide")
            team.nadia.says("Avec plaisir", chat=team.group, topic=card.thread_id)
            await api.wait_until(lambda: "Avec plaisir" in api.texts_to(lea.chat_id))
            await api.wait_until(
                lambda: any(m.text == "merci de votre aide" for m in api.sent_to(team.group.id))
            )
        finally:
            stop.set()
            await serving
    assert offline == []


def test_the_coordinators_commands_need_no_network(
    offline: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = str(REPO_ROOT / "knowledge")
    assert command_line(["kb", "check", "--knowledge", knowledge]) == 0
    assert command_line(["ask", "--json", "--knowledge", knowledge, CASE_QUESTION]) == 0
    assert '"entry": "caf-compte"' in capsys.readouterr().out
    assert offline == []
