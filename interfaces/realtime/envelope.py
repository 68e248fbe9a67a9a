"""What socket.io clients receive: the resource under its own name, with a timestamp, and
its fields at the top level as before, so clients written either way keep working.

    new_notification    {"notification": {...}, "timestamp", ...the notification's fields}
    roster_updated      {"roster": {...}, "timestamp", ...the roster's fields}
    shift_assigned      {"assignment": {...}, "shift": {...}, "timestamp", ...the assignment's fields}
    swap_request        {"swap_request": {...}, "timestamp", ...the swap request's fields}
    scheduling.updated  {"event": {"id", "title", "start", "end"}, "timestamp", "id", "title", "start", "end"}
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from domain.timeslots import iso
from interfaces.realtime.messages import Message

RESOURCE_NAMES = {
    "new_notification": "notification",
    "roster_updated": "roster",
    "shift_assigned": "assignment",
    "swap_request": "swap_request",
    "scheduling.updated": "event",
}
"""The key each server event carries its resource under."""

OPENAPI_NOTE = (
    "Realtime: socket.io at `/socket.io/` (token as `auth: {token}`) emits `connected`"
    " (`{sid, user_id, role, rooms, timestamp}`) once a connection is accepted, then"
    " `new_notification` as `{notification, timestamp}`, `roster_updated` as `{roster, timestamp}`,"
    " `shift_assigned` as `{assignment, shift, timestamp}`, `swap_request` as `{swap_request, timestamp}`"
    " and `scheduling.updated` as `{event, timestamp}`; each resource is as the REST API returns it,"
    " and its fields are repeated at the top level. The client event `notification_read` takes"
    " `{notificationId}`, `{notification_id}` or the bare id. See docs/realtime.md."
)


def envelope(message: Message) -> dict[str, Any]:
    name = RESOURCE_NAMES.get(message.event)
    if name is None:
        return message.data
    resource = message.data
    if message.event == "shift_assigned":
        # The shift rides beside the assignment, not inside it: `{assignment, shift}`.
        resource = {k: v for k, v in resource.items() if k != "shift"}
    return {**message.data, name: resource, "timestamp": message.at or now()}


def now() -> str:
    return iso(datetime.now(timezone.utc))
