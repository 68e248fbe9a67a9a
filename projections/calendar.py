"""The calendar read model: every calendar event, and who holds it in which role."""

from __future__ import annotations

import json
from typing import Any

from domain.calendar_event import CalendarEvent, EventRole

from projections.base import Handler, Projection, stamp, uuid_of
from projections.calendar_schema import CALENDAR, QUERY_INDEXES
from projections.sql import Cursor, iso, one


class CalendarProjection(Projection):
    name = "calendar"
    ddl = CALENDAR
    version = 2  # 2: the files each event carries (ce_attachments)
    query_indexes = QUERY_INDEXES

    def handlers(self) -> dict[type, Handler]:
        return {
            CalendarEvent.Created: self.created,
            CalendarEvent.Changed: self.changed,
            CalendarEvent.Shared: self.shared,
            CalendarEvent.Unshared: self.unshared,
            CalendarEvent.Deleted: self.deleted,
        }

    def created(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO ce_events (id, uuid, title, description, start_at, end_at, location, is_recurring,"
            " attachments, created_by, enterprise_id, is_deleted, created_at, updated_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.event_id, uuid_of(e), e.title, e.description, iso(e.start), iso(e.end), e.location,
             e.is_recurring, json.dumps(e.attachments), e.by, e.enterprise_id, False, at, at, version),
        )
        cur.execute("INSERT INTO ce_permissions (event_id, user_id, role) VALUES (?, ?, ?)",
                    (e.event_id, e.by, EventRole.OWNER.value))
        self._attach(cur, e.event_id, e.attachments)

    def changed(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "UPDATE ce_events SET title = ?, description = ?, start_at = ?, end_at = ?, location = ?,"
            " is_recurring = ?, attachments = ?, updated_at = ?, version = ? WHERE uuid = ?",
            (e.title, e.description, iso(e.start), iso(e.end), e.location, e.is_recurring,
             json.dumps(e.attachments), at, version, uuid_of(e)),
        )
        row = one(cur, "SELECT id FROM ce_events WHERE uuid = ?", uuid_of(e))
        if row is not None:
            cur.execute("DELETE FROM ce_attachments WHERE event_id = ?", (row["id"],))
            self._attach(cur, int(row["id"]), e.attachments)

    def shared(self, e: Any, cur: Cursor) -> None:
        event_id = self._touch(e, cur)
        if event_id is None:
            return
        cur.execute(
            "INSERT INTO ce_permissions (event_id, user_id, role) VALUES (?, ?, ?)"
            " ON CONFLICT (event_id, user_id) DO UPDATE SET role = excluded.role",
            (event_id, e.user_id, e.role),
        )

    def unshared(self, e: Any, cur: Cursor) -> None:
        event_id = self._touch(e, cur)
        if event_id is not None:
            cur.execute("DELETE FROM ce_permissions WHERE event_id = ? AND user_id = ?", (event_id, e.user_id))

    def deleted(self, e: Any, cur: Cursor) -> None:
        event_id = self._touch(e, cur, deleted=True)
        if event_id is not None:
            cur.execute("DELETE FROM ce_permissions WHERE event_id = ?", (event_id,))
            cur.execute("DELETE FROM ce_attachments WHERE event_id = ?", (event_id,))

    @staticmethod
    def _attach(cur: Cursor, event_id: int, file_ids: Any) -> None:
        for file_id in dict.fromkeys(file_ids):
            cur.execute("INSERT INTO ce_attachments (event_id, file_id) VALUES (?, ?)", (event_id, int(file_id)))

    @staticmethod
    def _touch(e: Any, cur: Cursor, deleted: bool = False) -> int | None:
        """The event's id, its row stamped with this event's time and version."""
        at, version = stamp(e)
        row = one(cur, "SELECT id FROM ce_events WHERE uuid = ?", uuid_of(e))
        if row is None:
            return None
        cur.execute("UPDATE ce_events SET updated_at = ?, version = ?, is_deleted = ? WHERE id = ?",
                    (at, version, deleted, row["id"]))
        return int(row["id"])
