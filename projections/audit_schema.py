"""Tables of the audit projection: one entry per event, and what rendering them needs.

`au_entries` is a contract other read paths rely on (as-of selects a roster's events
through `(roster_id, position)`): every event of a roster, its shifts, assignments and
swap requests has an entry with that roster's id, `shown` or not.
"""

from __future__ import annotations

AUDIT = [
    """
    CREATE TABLE IF NOT EXISTS au_entries (
        position BIGINT PRIMARY KEY,
        occurred_at TEXT NOT NULL,
        type TEXT NOT NULL,
        shown BOOLEAN NOT NULL,
        enterprise_id BIGINT,
        department_id BIGINT,
        roster_id BIGINT,
        subject_kind TEXT NOT NULL,
        subject_id BIGINT,
        actor_id BIGINT,
        actor_name TEXT,
        party_id BIGINT,
        other_party_id BIGINT,
        summary TEXT NOT NULL,
        changes TEXT NOT NULL,
        request_id TEXT
    )""",
    # Each list reads one of these in log order; partial where most entries have no value.
    "CREATE INDEX IF NOT EXISTS au_entries_roster ON au_entries (roster_id, position)"
    " WHERE roster_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS au_entries_enterprise ON au_entries (enterprise_id, position)",
    "CREATE INDEX IF NOT EXISTS au_entries_department ON au_entries (department_id, position)"
    " WHERE department_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS au_entries_party ON au_entries (party_id, position)"
    " WHERE party_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS au_entries_other_party ON au_entries (other_party_id, position)"
    " WHERE other_party_id IS NOT NULL",
    # The state of each subject as of the last applied event: names, titles, dates and the
    # fields whose changes entries report. Keyed by aggregate id (or `time_off:<id>`).
    """
    CREATE TABLE IF NOT EXISTS au_state (
        key TEXT PRIMARY KEY,
        state TEXT NOT NULL
    )""",
]

QUERY_INDEXES = frozenset({
    "au_entries_roster", "au_entries_enterprise", "au_entries_department", "au_entries_party",
    "au_entries_other_party",
})
"""No handler reads `au_entries`: a staged rebuild builds these once, after the rows."""
