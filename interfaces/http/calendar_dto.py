"""Request and response bodies of 001's calendar events (`/api/events`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from application.calendar_events import MAX_BATCH, CalendarEventChanges, NewCalendarEvent
from application.calendar_views import CalendarEventView
from domain.calendar_event import MAX_ATTACHMENTS, MAX_TITLE
from interfaces.http.dto import NO_NUL, Description, Id

Instant = Annotated[datetime, msgspec.Meta(
    tz=True, description="RFC 3339 with a time zone, e.g. 2024-03-20T10:00:00Z; from 1970 to 2199",
)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TITLE, pattern=NO_NUL)]
Location = Annotated[str, msgspec.Meta(max_length=MAX_TITLE, pattern=NO_NUL)]
Attachments = Annotated[list[Id], msgspec.Meta(
    max_length=MAX_ATTACHMENTS, description="Ids of the caller's files (see /files) attached to the event",
)]


class EventIn(msgspec.Struct, kw_only=True):
    title: Title
    start_time: Instant
    end_time: Instant
    description: Description | None = None
    location: Location | None = None
    is_recurring: bool = False
    attachments: Attachments = msgspec.field(default_factory=list)

    def command(self) -> NewCalendarEvent:
        return NewCalendarEvent(
            title=self.title, start=self.start_time, end=self.end_time, description=self.description,
            location=self.location, is_recurring=self.is_recurring, attachments=tuple(self.attachments),
        )


class EventChangesIn(msgspec.Struct, kw_only=True):
    """A partial update: absent fields stay; `description` and `location` may be set to null."""

    title: Title | UnsetType = UNSET
    start_time: Instant | UnsetType = UNSET
    end_time: Instant | UnsetType = UNSET
    description: Description | None | UnsetType = UNSET
    location: Location | None | UnsetType = UNSET
    is_recurring: bool | UnsetType = UNSET
    attachments: Attachments | UnsetType = UNSET

    def command(self) -> CalendarEventChanges:
        def given(name: str) -> Any:
            value = getattr(self, name)
            return None if value is UNSET else value

        attachments = given("attachments")
        return CalendarEventChanges(
            title=given("title"), start=given("start_time"), end=given("end_time"),
            description=given("description"), location=given("location"), is_recurring=given("is_recurring"),
            attachments=tuple(attachments) if attachments is not None else None,
            cleared=frozenset(name for name in ("description", "location") if getattr(self, name) is None),
        )


class ShareIn(msgspec.Struct, kw_only=True):
    user_id: Id
    role: Literal["EDITOR", "VIEWER"]
    """Sharing again changes the role; only the owner grants EDITOR."""


class BatchIn(msgspec.Struct, kw_only=True):
    events: Annotated[list[EventIn], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]


class BatchOut(msgspec.Struct, kw_only=True):
    created: int
    events: list[CalendarEventView]
