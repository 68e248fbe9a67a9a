"""Tables of the calendar projection (portable DDL for SQLite and PostgreSQL)."""

from __future__ import annotations

CALENDAR = [
    """
    CREATE TABLE IF NOT EXISTS ce_events (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        description TEXT,
        start_at TEXT NOT NULL,
        end_at TEXT NOT NULL,
        location TEXT,
        is_recurring BOOLEAN NOT NULL,
        attachments TEXT NOT NULL,
        created_by BIGINT NOT NULL,
        enterprise_id BIGINT,
        is_deleted BOOLEAN NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
    )""",
    # Who holds which event: a deleted event holds nobody, so listings need no other filter.
    """
    CREATE TABLE IF NOT EXISTS ce_permissions (
        event_id BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        role TEXT NOT NULL,
        PRIMARY KEY (event_id, user_id)
    )""",
    # Which files an event carries: whoever holds the event may download them (application.file_access).
    """
    CREATE TABLE IF NOT EXISTS ce_attachments (
        event_id BIGINT NOT NULL,
        file_id BIGINT NOT NULL,
        PRIMARY KEY (event_id, file_id)
    )""",
    "CREATE INDEX IF NOT EXISTS ce_permissions_user ON ce_permissions (user_id, event_id)",
    "CREATE INDEX IF NOT EXISTS ce_events_start ON ce_events (start_at, id)",
    "CREATE INDEX IF NOT EXISTS ce_attachments_file ON ce_attachments (file_id, event_id)",
]

QUERY_INDEXES = frozenset({"ce_permissions_user", "ce_events_start", "ce_attachments_file"})
"""No handler reads through these: a staged rebuild builds them once, after the rows."""
