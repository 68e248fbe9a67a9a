"""Dashboard counters, recent activity, and the facts the projection keeps to move them."""

from __future__ import annotations

DASHBOARD = [
    # One counter per scope ('system', 'enterprise:<id>', 'department:<id>') and name.
    """
    CREATE TABLE IF NOT EXISTS rm_counters (
        scope TEXT NOT NULL,
        name TEXT NOT NULL,
        value BIGINT NOT NULL,
        PRIMARY KEY (scope, name)
    )""",
    """
    CREATE TABLE IF NOT EXISTS rm_activity (
        id BIGINT PRIMARY KEY,
        enterprise_id BIGINT,
        department_id BIGINT,
        type TEXT NOT NULL,
        description TEXT NOT NULL,
        timestamp TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_activity_enterprise ON rm_activity (enterprise_id, id)",
    """
    CREATE TABLE IF NOT EXISTS rm_team_members (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        full_name TEXT NOT NULL,
        role TEXT NOT NULL,
        enterprise_id BIGINT,
        department_id BIGINT,
        is_active BOOLEAN NOT NULL,
        last_login TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS rm_team_members_department ON rm_team_members (department_id)",
    """
    CREATE TABLE IF NOT EXISTS db_departments (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        enterprise_id BIGINT NOT NULL,
        name TEXT NOT NULL,
        is_deleted BOOLEAN NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS db_departments_enterprise ON db_departments (enterprise_id)",
    """
    CREATE TABLE IF NOT EXISTS db_rosters (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        department_id BIGINT NOT NULL,
        status TEXT NOT NULL,
        is_deleted BOOLEAN NOT NULL
    )""",
    # Requests waiting for a manager: time off asked for, swaps the target accepted.
    """
    CREATE TABLE IF NOT EXISTS db_pending (
        kind TEXT NOT NULL,
        id BIGINT NOT NULL,
        uuid TEXT,
        enterprise_id BIGINT,
        department_id BIGINT,
        is_pending BOOLEAN NOT NULL,
        PRIMARY KEY (kind, id)
    )""",
    # A decided swap names only its uuid; without this every decision scanned the table.
    "CREATE INDEX IF NOT EXISTS db_pending_uuid ON db_pending (kind, uuid)",
]
