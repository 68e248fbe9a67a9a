"""Read DTOs of the notification inbox and the dashboards."""

from __future__ import annotations

from typing import Any

import msgspec


class NotificationView(msgspec.Struct, kw_only=True):
    id: int
    type: str
    title: str
    message: str
    priority: str
    read_at: str | None
    is_read: bool
    action_url: str | None
    data: dict[str, Any]
    expires_at: str
    created_at: str
    event_id: int | None = None
    """The calendar event a notice is about (001's `event.update`); null for every other type."""


class NotificationFilter(msgspec.Struct, kw_only=True, frozen=True):
    read: bool | None = None
    type: str | None = None
    priority: str | None = None
    now: str = ""
    """ISO time of the request: notifications past their expiry are left out."""


class InboxCounts(msgspec.Struct, kw_only=True):
    total: int
    unread_count: int
    last_id: int
    """The newest notification the user has; mark-all-read stops there."""
