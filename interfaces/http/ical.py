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

from icalendar import Calendar, Event

from application.calendar_feed_views import FeedItem

PRODID = "-//SchedulaX//Calendar feeds//EN"
MEDIA_TYPE = "text/calendar"
"""Litestar adds `; charset=utf-8` to a text/ type (its default response charset)."""
REFRESH = timedelta(hours=1)


def render(name: str, items: Iterable[FeedItem]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # De facto names and refresh hints that Apple, Google and Outlook read.
    calendar.add("x-wr-calname", name)
    calendar.add("x-published-ttl", "PT1H")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    for item in items:
        calendar.add_component(_event(item))
    return calendar.to_ical()


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
