"""Request and response bodies of 000's `/scheduling/events`: calendar events as
`{id, title, start, end}`, the id a string (000's document shows every id as one)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from application.calendar_events import CalendarEventChanges, NewCalendarEvent
from application.calendar_views import CalendarEventView
from domain.calendar_event import MAX_TITLE
from interfaces.http.dto import NO_NUL

Moment = Annotated[datetime, msgspec.Meta(
    description="RFC 3339, e.g. 2024-03-20T10:00:00Z; a time without a zone is UTC (000 names no zone);"
                " from 1970 to 2199",
)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TITLE, pattern=NO_NUL)]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


class SchedulingEventIn(msgspec.Struct, kw_only=True):
    title: Title
    start: Moment
    end: Moment

    def command(self) -> NewCalendarEvent:
        return NewCalendarEvent(title=self.title, start=_utc(self.start), end=_utc(self.end))


class SchedulingEventChangesIn(msgspec.Struct, kw_only=True):
    """000 sends all three; absent ones stay as they are (the other fields of the event always do)."""

    title: Title | UnsetType = UNSET
    start: Moment | UnsetType = UNSET
    end: Moment | UnsetType = UNSET

    def command(self) -> CalendarEventChanges:
        return CalendarEventChanges(
            title=None if self.title is UNSET else self.title,
            start=None if self.start is UNSET else _utc(self.start),
            end=None if self.end is UNSET else _utc(self.end),
        )


class SchedulingEvent(msgspec.Struct, kw_only=True):
    id: str
    """The event's id, the same number as on /api/events, as a string."""
    title: str
    start: str
    """UTC, to the millisecond, with a `Z`."""
    end: str

    @classmethod
    def of(cls, view: CalendarEventView) -> SchedulingEvent:
        return cls(id=str(view.id), title=view.title, start=view.start_time, end=view.end_time)


class SchedulingEventDeleted(msgspec.Struct, kw_only=True):
    message: str
