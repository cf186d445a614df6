"""Who keeps something about a person in memory, so that /mesdonnees and /oublier see it all.

Each in-memory holder (the engine's sessions, the asking flow's pending requests, the flood
guard, the notice board's "seen today" list…) registers here once, at wiring time
(``bot/bootstrap.py``), and says in words what it holds (``holds``) and drops it
(``forget``). Nothing reads another module's private fields: a new holder that does not
register is a holder the person cannot see, so the test of each holder checks both methods.
"""

from __future__ import annotations

from bot.app.ports import Memory


class MemoryRegistry:
    """Every in-memory holder of something about a person, in registration order."""

    def __init__(self) -> None:
        self._holders: list[Memory] = []

    def register(self, holder: Memory) -> None:
        if all(holder is not known for known in self._holders):
            self._holders.append(holder)

    def holds(self, person_key: str) -> list[str]:
        """What is kept in memory about this person, one plain French line each."""
        return [line for holder in self._holders for line in holder.holds(person_key)]

    def forget(self, person_key: str) -> None:
        for holder in self._holders:
            holder.forget(person_key)

    def __len__(self) -> int:
        return len(self._holders)
