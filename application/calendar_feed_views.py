"""What an iCalendar feed shows: one entry per calendar event or assigned shift.

The entries are plain data (instants in UTC, texts, a sequence number); turning them into
RFC 5545 text is the interfaces' job (interfaces/http/ical.py), with the `icalendar` library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec

DOMAIN = "schedulax"
"""The right-hand side of every UID: ids are unique within SchedulaX, UIDs world-wide."""

ASSIGNMENT_STATUS = {"confirmed": "CONFIRMED", "pending": "TENTATIVE"}
"""The assignment statuses a schedule feed shows, and the STATUS each gets. Declined and
removed assignments are not the employee's shifts: they leave the feed (a subscribed
calendar drops an entry that is no longer served)."""


class FeedItem(msgspec.Struct, kw_only=True, frozen=True):
    uid: str
    """Stable for the life of the event or assignment, e.g. `calendar-event-7@schedulax`."""
    start: datetime
    end: datetime
    """UTC instants."""
    summary: str
    description: str | None
    location: str | None
    created: datetime
    last_modified: datetime
    sequence: int
    """Bumps whenever what the entry shows may have changed; equal between fetches otherwise."""
    status: str
    """CONFIRMED or TENTATIVE."""


@dataclass(frozen=True)
class FeedWindow:
    """Entries overlapping [start, end), both UTC instants."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class FeedKey:
    """The secret of the caller's feed URLs, as valid now."""

    user_id: int
    secret: str
    keys_issued: int
    """How many keys this user was issued so far: a rotation makes it grow."""


def event_uid(event_id: int) -> str:
    return f"calendar-event-{event_id}@{DOMAIN}"


def assignment_uid(shift_id: int, assignment_id: int) -> str:
    return f"shift-{shift_id}-assignment-{assignment_id}@{DOMAIN}"
