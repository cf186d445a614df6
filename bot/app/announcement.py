"""Who has seen the team's notice today: memory only, by pseudonymous key, bounded.

The notice itself (a value, its file and the /annonce command) is knowledge:
``bot/knowledge/announcement.py``. A person sees it before the bot's first reply of the day.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from bot.knowledge.announcement import MAX_REMEMBERED, Announcement
from bot.texts.memory import KEPT_NOTICE_SEEN


class AnnouncementBoard:
    """The notice in force, and who has seen it today (memory only, bounded)."""

    def __init__(self, limit: int = MAX_REMEMBERED) -> None:
        self.from_command: Announcement | None = None
        self.from_file: Announcement | None = None
        self._limit = limit
        self._seen_day: dt.date | None = None
        self._seen_for: Announcement | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()

    def set_file_notice(self, notice: Announcement | None) -> None:
        """The notice of annonce.yaml, read again with the knowledge files."""
        self.from_file = notice

    def current(self, today: dt.date) -> Announcement | None:
        """The command's notice while active, else the file's."""
        for notice in (self.from_command, self.from_file):
            if notice is not None and notice.active(today):
                return notice
        return None

    def pending(self, person: str, today: dt.date) -> Announcement | None:
        """The notice this person has not seen today, if any (nothing is marked)."""
        notice = self.current(today)
        if notice is None:
            return None
        if self._seen_day != today or self._seen_for != notice:
            self._seen_day, self._seen_for = today, notice
            self._seen.clear()
        return None if person in self._seen else notice

    def has_seen(self, person: str) -> bool:
        """Whether this person was shown today's notice (what /mesdonnees may tell)."""
        return person in self._seen

    def holds(self, person: str) -> list[str]:
        """What /mesdonnees says about this board (``bot/app/memory.py``)."""
        return [KEPT_NOTICE_SEEN] if person in self._seen else []

    def forget(self, person: str) -> None:
        """Drop a person from today's "seen" list (/oublier)."""
        self._seen.pop(person, None)

    def mark_seen(self, person: str) -> None:
        self._seen[person] = None
        while len(self._seen) > self._limit:
            self._seen.popitem(last=False)
