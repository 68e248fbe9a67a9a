"""Read DTOs of calendar events, in 001's field names."""

from __future__ import annotations

import msgspec


class EventPermission(msgspec.Struct, kw_only=True):
    user_id: int
    role: str
    """`OWNER`, `EDITOR` or `VIEWER`."""


class CalendarEventView(msgspec.Struct, kw_only=True):
    id: int
    title: str
    description: str | None
    start_time: str
    end_time: str
    location: str | None
    is_recurring: bool
    created_by: int
    attachments: list[int]
    """Ids of files attached to the event."""
    created_at: str
    updated_at: str
    version: int


class CalendarEventDetail(CalendarEventView, kw_only=True):
    permissions: list[EventPermission]
    """Everyone who holds the event, the owner first."""


class CalendarEventFilter(msgspec.Struct, kw_only=True, frozen=True):
    """The caller's events overlapping a window: ending after `start_time`, starting before
    `end_time` (either may be absent), in start order."""

    user_id: int
    start_time: str | None = None
    end_time: str | None = None


class EventsPage(msgspec.Struct, kw_only=True):
    total: int
    items: list[CalendarEventView]


class ShareView(msgspec.Struct, kw_only=True):
    event_id: int
    user_id: int
    role: str
