"""DTOs of the calendar feed URLs."""

from __future__ import annotations

import msgspec


class FeedUrls(msgspec.Struct, kw_only=True):
    events_url: str
    """The caller's calendar events as iCalendar, for a calendar app to subscribe to (no token needed)."""
    schedule_url: str
    """The caller's shifts as iCalendar, likewise."""
    keys_issued: int
    """How many feed keys the caller was issued so far (grows with every rotation)."""
    message: str = "Keep these URLs secret: anyone who has them reads your calendar"
