"""What the iCalendar feeds contain: the caller's calendar events, and their shifts.

A feed covers a window of time: by default from 30 days ago to a year ahead, which is what
calendar apps show around today; a client may name its own (`start`, `end`), up to
MAX_WINDOW long. A feed holds at most MAX_ITEMS entries, the earliest first.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from domain.errors import RuleViolation
from domain.timeslots import iso

from application.calendar_feed_ports import FeedItemQueries
from application.calendar_feed_views import FeedItem, FeedWindow
from application.principal import Principal

BEFORE = timedelta(days=30)
AFTER = timedelta(days=365)
MAX_WINDOW = timedelta(days=800)
"""Two years and a bit: enough for any calendar view, bounded so one request stays cheap."""
MAX_ITEMS = 2000
"""icalendar writes about 700 events a second here (once: see interfaces/http/ical.py): a cold feed stays
under 3 s."""


def window(now: datetime, start: datetime | None, end: datetime | None) -> FeedWindow:
    """The window asked for, completed from `now` and the defaults; a time without a zone is UTC."""
    try:
        first = _utc(start, "start") if start is not None else None
        last = _utc(end, "end") if end is not None else None
        if first is None:
            first = (last - BEFORE - AFTER) if last is not None else now - BEFORE
        if last is None:
            last = first + BEFORE + AFTER if start is not None else now + AFTER
    except OverflowError:
        raise RuleViolation("The window is outside the calendar", field="start") from None
    if last <= first:
        raise RuleViolation("end must be after start", field="end")
    if last - first > MAX_WINDOW:
        raise RuleViolation(f"The window spans at most {MAX_WINDOW.days} days", field="end")
    return FeedWindow(start=first, end=last)


def _utc(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise RuleViolation(f"{field} is outside the calendar", field=field) from None


def _minute(moment: datetime) -> str:
    """An instant as `rm_shifts` keeps them: the UTC minute."""
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


class CalendarExportService:
    def __init__(self, queries: FeedItemQueries) -> None:
        self._queries = queries

    def calendar_events(self, principal: Principal, span: FeedWindow) -> list[FeedItem]:
        """The events the caller owns or that are shared with them, overlapping the window."""
        return self._queries.calendar_events(principal.id, iso(span.start), iso(span.end), MAX_ITEMS)

    def shifts(self, principal: Principal, span: FeedWindow) -> list[FeedItem]:
        """The caller's pending and confirmed assignments to shifts overlapping the window."""
        return self._queries.assigned_shifts(principal.id, _minute(span.start), _minute(span.end), MAX_ITEMS)
