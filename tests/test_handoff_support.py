"""Shared helpers for the handoff tests: a controllable clock, a staff file, a ready service.

Imported by the ``test_handoff*.py`` modules (tests/ is on ``sys.path``, as for
``fakebotapi``). It holds no test itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from bot.adapters.sqlite import SqliteStores, open_stores
from bot.app.handoff import HandoffService
from bot.bootstrap import build_handoff
from bot.domain.effects import OpenCaseThread
from bot.domain.messages import HandoffRequested
from bot.domain.pseudonym import user_key
from bot.knowledge.staff import StaffConfig, load_charter, load_staff

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRET = "a-test-secret-of-32-characters!!"

# Monday 23 November 2026. Paris is UTC+1 in winter.
MONDAY_10H = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris: open
MONDAY_22H = dt.datetime(2026, 11, 23, 21, 0, tzinfo=dt.UTC)  # 22:00 in Paris: closed
FRIDAY_18H30 = dt.datetime(2026, 11, 27, 17, 30, tzinfo=dt.UTC)  # after closing, weekend next

SAM = 1001  # pair-aidant who accepted the charter (in Env)
LEA = 1002  # pair-aidant who did not
NADIA = 2001  # référent
CLAIRE = 3001  # coordinatrice
STRANGER = 9999  # in the group, not in the staff file

PERSON_CHAT = 7_123_456_789  # private chat id == Telegram user id; needs 6 bytes in SQLite
OTHER_CHAT = 7_123_456_790

ONE_GROUP = -1001000000001
PAIR_GROUP = -1002000000002
REFERENT_GROUP = -1003000000003

_HOURS = """
timezone: Europe/Paris
hours:
  lundi: "09:00-12:00, 14:00-17:00"
  mardi: "09:00-12:00, 14:00-17:00"
  mercredi: "09:00-12:00"
  jeudi: "09:00-12:00, 14:00-17:00"
  vendredi: "09:00-12:00, 14:00-17:00"
closed: [2026-12-25]
delays:
  remind_after_minutes: 10
  widen_after_minutes: 30
"""
_HELPERS = f"""
helpers:
  - {{telegram_id: {SAM}, name: Sam, role: pair-aidant}}
  - {{telegram_id: {LEA}, name: Léa, role: pair-aidant}}
  - {{telegram_id: {NADIA}, name: Nadia, role: referent}}
  - {{telegram_id: {CLAIRE}, name: Claire, role: coordinateur}}
"""
ONE_GROUP_YAML = (
    _HOURS
    + f"""
groups:
  - {{chat_id: {ONE_GROUP}, name: Équipe, roles: [pair-aidant, referent, coordinateur]}}
"""
    + _HELPERS
)
TWO_GROUPS_YAML = (
    _HOURS
    + f"""
groups:
  - {{chat_id: {PAIR_GROUP}, roles: [pair-aidant]}}
  - {{chat_id: {REFERENT_GROUP}, roles: [referent, coordinateur]}}
"""
    + _HELPERS
)

T = TypeVar("T")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = MONDAY_10H) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def person(chat_id: int = PERSON_CHAT) -> str:
    return user_key(SECRET, chat_id)


def request(chat_id: int = PERSON_CHAT, **fields: Any) -> HandoffRequested:
    values: dict[str, Any] = {
        "user": person(chat_id),
        "theme": "caf",
        "question": "je n'arrive pas à me connecter à la caf",
        "shown_entries": ("caf-compte",),
        "not_helpful": ("caf-compte",),
    }
    values.update(fields)
    return HandoffRequested(**values)


def only(actions: Sequence[object], kind: type[T]) -> list[T]:
    return [a for a in actions if isinstance(a, kind)]


def one(actions: Sequence[object], kind: type[T]) -> T:
    found = only(actions, kind)
    assert len(found) == 1, f"expected one {kind.__name__}, got {actions!r}"
    return found[0]


def load_test_staff(tmp_path: Path, text: str = ONE_GROUP_YAML) -> StaffConfig:
    path = tmp_path / "staff.yaml"
    path.write_text(text, encoding="utf-8")
    return load_staff(path)


class Env:
    """A real SQLite file, a staff file, a fake clock and the service over them."""

    def __init__(self, tmp_path: Path, staff_yaml: str, clock: FakeClock) -> None:
        self.tmp_path = tmp_path
        self.db_path = tmp_path / "relais.sqlite3"
        self.staff = load_test_staff(tmp_path, staff_yaml)
        self.clock = clock
        self.charter = load_charter(REPO_ROOT / "knowledge" / "charte.yaml")
        self.stores: SqliteStores
        self.service: HandoffService
        self._topics = 500

    @classmethod
    async def open(
        cls, tmp_path: Path, staff_yaml: str = ONE_GROUP_YAML, *, now: dt.datetime = MONDAY_10H
    ) -> Env:
        env = cls(tmp_path, staff_yaml, FakeClock(now))
        await env._connect()
        await env.service.accept_charter(SAM)
        return env

    async def _connect(self) -> None:
        self.stores = await open_stores(self.db_path)
        self.service = build_handoff(
            self.stores, self.staff, SECRET, self.clock, charter=self.charter
        )

    async def restart(self) -> None:
        """Close the database and open it again, as after a crash or a deploy."""
        await self.stores.close()
        await self._connect()

    async def close(self) -> None:
        await self.stores.close()

    async def create_topics(self, actions: Sequence[object]) -> list[object]:
        """Play the adapter: create each requested topic and report it back."""
        out: list[object] = []
        for action in only(actions, OpenCaseThread):
            self._topics += 1
            out += await self.service.topic_created(
                action.case_id, action.chat_id, self._topics, 10_000 + self._topics
            )
        return out

    async def open_case(self, chat_id: int = PERSON_CHAT, **kwargs: Any) -> int:
        """Open a case and create its topic; returns the case id."""
        referent = kwargs.pop("referent", False)
        actions = await self.service.open_case(
            request(chat_id, **kwargs), chat_id, referent=referent
        )
        await self.create_topics(actions)
        return one(actions, OpenCaseThread).case_id

    async def claimed_case(self, chat_id: int = PERSON_CHAT, helper: int = SAM, **kw: Any) -> int:
        case_id = await self.open_case(chat_id, **kw)
        await self.service.claim(helper, case_id)
        return case_id
