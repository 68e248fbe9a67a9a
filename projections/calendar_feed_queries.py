"""The read side of the calendar feeds: the key lookup, and the entries a feed shows."""

from __future__ import annotations

from datetime import datetime, timezone

from application.calendar_feed_views import ASSIGNMENT_STATUS, FeedItem, assignment_uid, event_uid

from projections.sql import ReadStore, Row, one


class SqlFeedLookup:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def user_of(self, key_hash: str) -> int | None:
        # An equality lookup of the hash, not of the secret: its timing tells nothing of a valid
        # secret (finding a hash's preimage is what the hash prevents).
        with self._store.read() as cur:
            row = one(cur, "SELECT user_id FROM cf_feeds WHERE key_hash = ?", key_hash)
        return int(row["user_id"]) if row is not None else None


class SqlFeedItems:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def calendar_events(self, user_id: int, start: str, end: str, limit: int) -> list[FeedItem]:
        with self._store.read() as cur:
            cur.execute(
                "SELECT e.id, e.title, e.description, e.location, e.start_at, e.end_at, e.created_at,"
                " e.updated_at, e.version FROM ce_events e JOIN ce_permissions p ON p.event_id = e.id"
                " WHERE p.user_id = ? AND e.end_at > ? AND e.start_at < ? ORDER BY e.start_at, e.id LIMIT ?",
                (user_id, start, end, limit),
            )
            rows = cur.fetchall()
        return [
            FeedItem(
                uid=event_uid(int(r["id"])), start=_instant(r["start_at"]), end=_instant(r["end_at"]),
                summary=r["title"], description=r["description"], location=r["location"],
                created=_instant(r["created_at"]), last_modified=_instant(r["updated_at"]),
                # Version 1 is the event as created: SEQUENCE 0, as RFC 5545 starts it.
                sequence=int(r["version"]) - 1, status="CONFIRMED",
            )
            for r in rows
        ]

    def assigned_shifts(self, user_id: int, start: str, end: str, limit: int) -> list[FeedItem]:
        statuses = sorted(ASSIGNMENT_STATUS)
        with self._store.read() as cur:
            cur.execute(
                "SELECT a.id, a.status, a.assigned_at, a.updated_at AS a_updated, a.version AS a_version,"
                " s.id AS shift_id, s.date, s.start_time, s.end_time, s.start_at, s.end_at, s.title,"
                " s.description, s.location, s.timezone, s.updated_at AS s_updated, s.version AS s_version,"
                " r.name AS roster_name"
                " FROM rm_assignments a JOIN rm_shifts s ON s.id = a.shift_id JOIN rm_rosters r ON r.id = a.roster_id"
                f" WHERE a.employee_id = ? AND a.status IN ({', '.join('?' for _ in statuses)})"
                " AND s.is_deleted = ? AND r.is_deleted = ? AND s.end_at > ? AND s.start_at < ?"
                " ORDER BY s.start_at, a.id LIMIT ?",
                (user_id, *statuses, False, False, start, end, limit),
            )
            rows = cur.fetchall()
        return [_shift_item(r) for r in rows]


def _shift_item(r: Row) -> FeedItem:
    local = f"{r['date']} {r['start_time']}-{r['end_time']} ({r['timezone']})"
    lines = [f"{r['roster_name']}: {local}", r["description"]]
    if r["status"] == "pending":
        lines.append("Not confirmed yet: confirm or decline it in SchedulaX.")
    return FeedItem(
        uid=assignment_uid(int(r["shift_id"]), int(r["id"])),
        start=_minute(r["start_at"]), end=_minute(r["end_at"]), summary=r["title"],
        description="\n".join(line for line in lines if line), location=r["location"],
        created=_instant(r["assigned_at"]), last_modified=max(_instant(r["s_updated"]), _instant(r["a_updated"])),
        # The shift and the assignment each count their own changes from 1: their sum grows with
        # either (a move, a new title, a confirmation) and stays put between fetches.
        sequence=int(r["s_version"]) - 1 + int(r["a_version"]) - 1,
        status=ASSIGNMENT_STATUS[r["status"]],
    )


def _instant(text: str) -> datetime:
    """A read model's ISO instant (`...Z`) as an aware UTC datetime."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _minute(text: str) -> datetime:
    """`rm_shifts`' UTC minute (`YYYY-MM-DDTHH:MM`)."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
