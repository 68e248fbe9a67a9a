"""The Inboxes port over the notification tables."""

from __future__ import annotations

import json
from typing import Any

from application.inbox_views import InboxCounts, NotificationFilter, NotificationView
from application.views import Page, Paged

from projections.sql import ReadStore, add_given

COLUMNS = (
    "id, type, title, message, priority, read_at, action_url, data, expires_at, created_at"
)


class SqlInboxes:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def notifications(
        self, user_id: int, criteria: NotificationFilter, page: Page
    ) -> Paged[NotificationView]:
        clause, params = _listing_filter(user_id, criteria)
        with self._store.read() as cur:
            cur.execute("SELECT COUNT(*) AS n FROM rm_notifications" + clause, params)
            row = cur.fetchone()
            total = int(row["n"]) if row else 0
            cur.execute(
                f"SELECT {COLUMNS} FROM rm_notifications{clause} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*params, page.size, page.offset),
            )
            items = [_notification(r) for r in cur.fetchall()]
        return Paged(items=items, total=total, page=page)

    def inbox(
        self, user_id: int, criteria: NotificationFilter, page: Page
    ) -> tuple[Paged[NotificationView], InboxCounts]:
        """`notifications` and `counts` in one statement (two when the page is past the end)."""
        clause, params = _listing_filter(user_id, criteria)
        counts = (
            "(SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) AS unread,"
            " COALESCE(MAX(id), 0) AS last_id FROM rm_notifications"
            " WHERE user_id = ? AND is_deleted = ? AND expires_at > ?) c"
        )
        everyone = (user_id, False, criteria.now)
        with self._store.read(tuples=True) as cur:
            cur.execute(
                f"SELECT {COLUMNS}, COUNT(*) OVER (), c.total, c.unread, c.last_id"
                f" FROM rm_notifications CROSS JOIN {counts}{clause} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*everyone, *params, page.size, page.offset),
            )
            rows = cur.fetchall()
            if rows:
                total, tally = rows[0][10], rows[0][11:]
            else:
                cur.execute(f"SELECT (SELECT COUNT(*) FROM rm_notifications{clause}), c.total, c.unread, c.last_id"
                            f" FROM {counts}", (*params, *everyone))
                found = cur.fetchone()
                total, tally = found[0], found[1:]
        items = [_notification_of(r) for r in rows]
        return (Paged(items=items, total=int(total), page=page),
                InboxCounts(total=int(tally[0]), unread_count=int(tally[1]), last_id=int(tally[2])))

    def notification(self, user_id: int, notification_id: int) -> NotificationView | None:
        with self._store.read() as cur:
            cur.execute(
                f"SELECT {COLUMNS} FROM rm_notifications WHERE id = ? AND user_id = ? AND is_deleted = ?",
                (notification_id, user_id, False),
            )
            row = cur.fetchone()
        return _notification(row) if row else None

    def counts(self, user_id: int, now: str) -> InboxCounts:
        with self._store.read() as cur:
            cur.execute(
                "SELECT COUNT(*) AS total,"
                " COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) AS unread,"
                " COALESCE(MAX(id), 0) AS last_id"
                " FROM rm_notifications WHERE user_id = ? AND is_deleted = ? AND expires_at > ?",
                (user_id, False, now),
            )
            row = cur.fetchone() or {"total": 0, "unread": 0, "last_id": 0}
        return InboxCounts(
            total=int(row["total"]), unread_count=int(row["unread"]), last_id=int(row["last_id"])
        )

    def created_between(self, after_id: int, up_to_id: int) -> list[tuple[int, NotificationView]]:
        """Notifications numbered in (after_id, up_to_id], with their recipients: what a batch made."""
        with self._store.read() as cur:
            cur.execute(
                f"SELECT user_id, {COLUMNS} FROM rm_notifications WHERE id > ? AND id <= ? ORDER BY id",
                (after_id, up_to_id),
            )
            rows = cur.fetchall()
        return [(int(r.pop("user_id")), _notification(r)) for r in rows]

    def muted_types(self, user_id: int) -> list[str]:
        with self._store.read() as cur:
            cur.execute(
                "SELECT muted_types FROM rm_notification_preferences WHERE user_id = ?", (user_id,)
            )
            row = cur.fetchone()
        return list(json.loads(row["muted_types"])) if row else []


def _notification_of(row: tuple[Any, ...]) -> NotificationView:
    """From a tuple in the order of COLUMNS."""
    data = json.loads(row[7])
    return NotificationView(
        id=row[0], type=row[1], title=row[2], message=row[3], priority=row[4], read_at=row[5],
        is_read=row[5] is not None, action_url=row[6], data=data, expires_at=row[8], created_at=row[9],
        event_id=data.get("event_id"),
    )


def _notification(row: dict[str, Any]) -> NotificationView:
    data = json.loads(row["data"])
    return NotificationView(
        **{**row, "data": data, "is_read": row["read_at"] is not None, "event_id": data.get("event_id")}
    )


def _listing_filter(user_id: int, criteria: NotificationFilter) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of one user's live notifications matching `criteria`."""
    where = ["user_id = ?", "is_deleted = ?", "expires_at > ?"]
    params: list[Any] = [user_id, False, criteria.now]
    if criteria.read is not None:
        where.append("read_at IS NOT NULL" if criteria.read else "read_at IS NULL")
    add_given(where, params, ("type = ?", criteria.type), ("priority = ?", criteria.priority))
    return " WHERE " + " AND ".join(where), params
