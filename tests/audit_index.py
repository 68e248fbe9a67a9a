"""An emulation of the audit projection's index (`au_entries`), as issue 19's brief specifies it,
filled straight from the log: for testing and timing the index selection of as-of
(`projections.roster_index`) before the audit projection itself is merged."""

from __future__ import annotations

from typing import Any

from application.event_log import EventDecoder, RecorderLog
from domain.timeslots import iso

AU_ENTRIES = [
    """CREATE TABLE IF NOT EXISTS au_entries (
        position BIGINT PRIMARY KEY,
        occurred_at TEXT NOT NULL,
        type TEXT NOT NULL,
        enterprise_id BIGINT,
        department_id BIGINT,
        roster_id BIGINT,
        subject_kind TEXT,
        subject_id BIGINT,
        actor_id BIGINT,
        request_id TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS au_entries_roster ON au_entries (roster_id, position)",
    "CREATE INDEX IF NOT EXISTS au_entries_enterprise ON au_entries (enterprise_id, position)",
]

KINDS = {"Roster": "roster", "Shift": "shift", "Assignment": "assignment", "SwapRequest": "swap_request",
         "User": "user", "Department": "department", "Enterprise": "enterprise"}


def fill_au_entries(events: Any, store: Any, upto: int | None = None, name: str = "audit") -> int:
    """Index the log up to `upto` (default: its head) into `au_entries` in `store`, and track
    the position as the projection `name` would; the number of rows written."""
    head = events.recorder.max_notification_id() or 0
    upto = head if upto is None else upto
    decode = EventDecoder(events.mapper)
    rosters: dict[Any, int] = {}
    subjects: dict[Any, int | None] = {}
    rows = []
    for stored in RecorderLog(events.recorder).select(0, max(upto, 1), upto, ()):
        event = decode(stored)
        owner, _, what = type(event).__qualname__.partition(".")
        roster_id = getattr(event, "roster_id", None) if owner in ("Roster", "Shift", "Assignment", "SwapRequest") else None
        if roster_id is not None and stored.originator_version == 1:
            rosters[stored.originator_id] = roster_id
        roster_id = rosters.get(stored.originator_id)
        kind = KINDS.get(owner)
        if stored.originator_version == 1 and kind is not None:
            subjects[stored.originator_id] = getattr(event, "swap_id" if owner == "SwapRequest" else f"{kind}_id", None)
        subject_id = subjects.get(stored.originator_id)
        rows.append((stored.id, iso(event.timestamp), f"{owner}.{what}", getattr(event, "enterprise_id", None),
                     getattr(event, "department_id", None), roster_id, kind, subject_id,
                     getattr(event, "by", None), None))
    with store.write() as cur:
        for statement in AU_ENTRIES:
            cur.execute(statement)
        cur.execute("DELETE FROM au_entries")
        for row in rows:
            cur.execute("INSERT INTO au_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        cur.execute(
            "INSERT INTO projection_tracking (name, position, version) VALUES (?, ?, 1)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position", (name, upto),
        )
    return len(rows)
