"""The CalendarEventQueries port over the calendar tables."""

from __future__ import annotations

import json
from typing import Any

from application.calendar_views import (
    CalendarEventDetail,
    CalendarEventFilter,
    CalendarEventView,
    EventPermission,
    EventsPage,
)

from projections.sql import ReadStore, Row, add_given

COLUMNS = ("e.id, e.title, e.description, e.start_at, e.end_at, e.location, e.is_recurring, e.attachments,"
           " e.created_by, e.created_at, e.updated_at, e.version")
ROLE_ORDER = {"OWNER": 0, "EDITOR": 1, "VIEWER": 2}


class SqlCalendarEvents:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def events(self, criteria: CalendarEventFilter, skip: int, limit: int) -> EventsPage:
        where = ["p.user_id = ?"]
        params: list[Any] = [criteria.user_id]
        # Overlapping the window: ends after its start, starts before its end.
        add_given(where, params, ("e.end_at > ?", criteria.start_time), ("e.start_at < ?", criteria.end_time))
        sql = " FROM ce_events e JOIN ce_permissions p ON p.event_id = e.id WHERE " + " AND ".join(where)
        with self._store.read() as cur:
            cur.execute("SELECT COUNT(*) AS n" + sql, params)
            row = cur.fetchone()
            total = int(row["n"]) if row else 0
            cur.execute(f"SELECT {COLUMNS}{sql} ORDER BY e.start_at, e.id LIMIT ? OFFSET ?", (*params, limit, skip))
            items = [_view(r) for r in cur.fetchall()]
        return EventsPage(total=total, items=items)

    def event(self, event_id: int) -> CalendarEventDetail | None:
        with self._store.read() as cur:
            cur.execute(f"SELECT {COLUMNS} FROM ce_events e WHERE e.id = ? AND e.is_deleted = ?", (event_id, False))
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute("SELECT user_id, role FROM ce_permissions WHERE event_id = ?", (event_id,))
            held = sorted(cur.fetchall(), key=lambda r: (ROLE_ORDER.get(r["role"], 9), r["user_id"]))
        permissions = [EventPermission(user_id=int(r["user_id"]), role=r["role"]) for r in held]
        return CalendarEventDetail(**_fields(row), permissions=permissions)

    def holds_event_carrying(self, user_id: int, file_id: int) -> bool:
        # A deleted event holds nobody (its permissions go with it), so no other filter is needed.
        with self._store.read() as cur:
            cur.execute(
                "SELECT 1 AS held FROM ce_attachments a JOIN ce_permissions p ON p.event_id = a.event_id"
                " WHERE a.file_id = ? AND p.user_id = ? LIMIT 1", (file_id, user_id))
            return cur.fetchone() is not None


def _fields(row: Row) -> dict[str, Any]:
    return {
        "id": int(row["id"]), "title": row["title"], "description": row["description"],
        "start_time": row["start_at"], "end_time": row["end_at"], "location": row["location"],
        "is_recurring": bool(row["is_recurring"]), "attachments": json.loads(row["attachments"]),
        "created_by": int(row["created_by"]), "created_at": row["created_at"], "updated_at": row["updated_at"],
        "version": int(row["version"]),
    }


def _view(row: Row) -> CalendarEventView:
    return CalendarEventView(**_fields(row))
