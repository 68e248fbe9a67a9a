"""Who hears of calendar events (a part of the notifications projection), in 001's shape.

A share tells the user shared with; a change tells everyone else who holds the event; a
deletion tells everyone else who held it; taking a role back tells the user who lost it
(unless they left by themselves). Every notice is of type `event.update` and carries the
event's id in its data, which the inbox shows as `event_id`. Nobody is told of their own
action.
"""

from __future__ import annotations

from typing import Any

from domain.inbox import NotificationType

from projections.base import uuid_of
from projections.sql import Cursor, Row, many, one

T = NotificationType


class CalendarNotices:
    """Handlers mixed into `NotificationsProjection` (which provides `_deliver`)."""

    _deliver: Any

    def calendar_event_created(self, e: Any, cur: Cursor) -> None:
        cur.execute("INSERT INTO nt_calendar_events (uuid, id, title) VALUES (?, ?, ?)",
                    (uuid_of(e), e.event_id, e.title))
        cur.execute("INSERT INTO nt_calendar_holders (event_id, user_id) VALUES (?, ?)", (e.event_id, e.by))

    def calendar_event_changed(self, e: Any, cur: Cursor) -> None:
        found = _event(cur, e)
        if found is None:
            return
        cur.execute("UPDATE nt_calendar_events SET title = ? WHERE id = ?", (e.title, found["id"]))
        self._tell(cur, e, _holders(cur, found["id"]), found["id"], f"Event '{e.title}' was updated")

    def calendar_event_shared(self, e: Any, cur: Cursor) -> None:
        found = _event(cur, e)
        if found is None:
            return
        cur.execute(
            "INSERT INTO nt_calendar_holders (event_id, user_id) VALUES (?, ?) ON CONFLICT (event_id, user_id)"
            " DO NOTHING", (found["id"], e.user_id),
        )
        self._tell(cur, e, [e.user_id], found["id"],
                   f"Event '{found['title']}' was shared with you as {e.role}", {"role": e.role})

    def calendar_event_unshared(self, e: Any, cur: Cursor) -> None:
        found = _event(cur, e)
        if found is None:
            return
        cur.execute("DELETE FROM nt_calendar_holders WHERE event_id = ? AND user_id = ?", (found["id"], e.user_id))
        self._tell(cur, e, [e.user_id], found["id"], f"Event '{found['title']}' is no longer shared with you")

    def calendar_event_deleted(self, e: Any, cur: Cursor) -> None:
        found = _event(cur, e)
        if found is None:
            return
        holders = _holders(cur, found["id"])
        cur.execute("DELETE FROM nt_calendar_holders WHERE event_id = ?", (found["id"],))
        self._tell(cur, e, holders, found["id"], f"Event '{found['title']}' was deleted")

    def _tell(self, cur: Cursor, e: Any, recipients: list[int], event_id: int, message: str,
              extra: dict[str, Any] | None = None) -> None:
        self._deliver(cur, e, recipients, T.EVENT_UPDATE, "Calendar Event", message, f"/api/events/{event_id}",
                      {"event_id": event_id, **(extra or {})})


def _event(cur: Cursor, e: Any) -> Row | None:
    return one(cur, "SELECT id, title FROM nt_calendar_events WHERE uuid = ?", uuid_of(e))


def _holders(cur: Cursor, event_id: int) -> list[int]:
    return [int(r["user_id"]) for r in many(
        cur, "SELECT user_id FROM nt_calendar_holders WHERE event_id = ? ORDER BY user_id", event_id)]
