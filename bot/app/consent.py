"""What the person is told before « Oui »: who may see the request, when, and when to expect
an answer. Pure: the staff file and the time in, French sentences out.

The preview shows the card; these lines follow it, so that the « Oui » is given knowing:

- who reads the request: the roles of the group it goes to (a group may hold several);
- that it may go to référents without asking again: a pair-aidant may pass it on (the card's
  « Pour un référent »), and after ``widen_after_minutes`` of opening time with nobody taking
  it, the bot sends it to the référents (``HandoffService.due_reminders``);
- when the team is closed: that it is closed, when an answer can come, and, for an urgent
  request, the numbers to call now.
"""

from __future__ import annotations

import datetime as dt

from bot.knowledge.staff import Role, StaffConfig
from bot.texts import handoff as t

_READERS = {
    Role.PAIR_AIDANT: t.PREVIEW_ROLE_PAIR,
    Role.REFERENT: t.PREVIEW_ROLE_REFERENT,
    Role.COORDINATEUR: t.PREVIEW_ROLE_COORDINATION,
}


def consent_notes(staff: StaffConfig, audience: Role, now: dt.datetime, *, urgent: bool) -> str:
    """The lines under the preview's card, before « Je transmets ? »."""
    group = staff.group_for(audience)
    readers = [_READERS[role] for role in Role if role in group.roles]
    lines = [t.PREVIEW_WHO.format(readers="\n".join(readers))]
    if audience is Role.PAIR_AIDANT:
        minutes = round(staff.delays.widen_after / dt.timedelta(minutes=1))
        lines.append(t.PREVIEW_WIDEN.format(minutes=minutes))
    if not group.hours.is_open(now):
        when = group.hours.describe_next_opening(now)
        lines.append(t.PREVIEW_CLOSED.format(when=when) if when else t.PREVIEW_CLOSED_NO_HOURS)
        if urgent:
            lines.append(t.URGENT_INFO)
    return "\n\n".join(lines)
