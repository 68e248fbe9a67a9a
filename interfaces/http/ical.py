"""RFC 5545 text of a feed, written by the `icalendar` library (line folding at 75 octets,
escaping of commas, semicolons and newlines, CRLF): not by hand.

Every instant is written in UTC (`DTSTART:20260328T210000Z`), shifts included: a UTC instant
means the same moment in every client, across DST changes, with no VTIMEZONE to get right;
calendar apps show it on the reader's own clock. The shift's wall-clock times and zone are
in its DESCRIPTION. DTSTAMP is the entry's last change (RFC 5545 3.8.7.2, for a calendar
without METHOD), so that an unchanged feed is byte for byte the same on every fetch.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache

from icalendar import Calendar, Event

from application.calendar_feed_views import FeedItem

PRODID = "-//SchedulaX//Calendar feeds//EN"
MEDIA_TYPE = "text/calendar"
"""Litestar adds `; charset=utf-8` to a text/ type (its default response charset)."""
REFRESH = timedelta(hours=1)
CACHED_EVENTS = 20_000
"""VEVENTs kept rendered per process (about 600 bytes each)."""
END = b"END:VCALENDAR\r\n"


def render(name: str, items: Iterable[FeedItem]) -> bytes:
    """The calendar: its properties written by icalendar, then each VEVENT as icalendar writes it.

    icalendar folds lines a character at a time (about 1.4 ms per event here), so each VEVENT's
    text is kept per process, keyed by the whole entry it was written from: an entry that changed
    in any way is a different key, so a kept text is never stale, and a feed fetched again costs
    a read and a join. The result equals `Calendar.to_ical()` with the events added as
    subcomponents (tests/test_ical_rendering.py)."""
    head = _calendar(name).to_ical()
    return head[: -len(END)] + b"".join(_event_text(item) for item in items) + END


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # De facto names and refresh hints that Apple, Google and Outlook read.
    calendar.add("x-wr-calname", name)
    calendar.add("x-published-ttl", "PT1H")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    return calendar


@lru_cache(maxsize=CACHED_EVENTS)
def _event_text(item: FeedItem) -> bytes:
    return _event(item).to_ical()


def _event(item: FeedItem) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", item.last_modified)
    event.add("dtstart", item.start)
    event.add("dtend", item.end)
    event.add("summary", item.summary)
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    event.add("created", item.created)
    event.add("last-modified", item.last_modified)
    event.add("sequence", item.sequence)
    event.add("status", item.status)
    return event
