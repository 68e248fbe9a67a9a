"""Read-model tables. Portable DDL for SQLite and PostgreSQL."""

from __future__ import annotations

TRACKING = """
CREATE TABLE IF NOT EXISTS projection_tracking (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    failed_position BIGINT
)"""

DIRECTORY = [
    """
    CREATE TABLE IF NOT EXISTS rm_users (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        full_name TEXT NOT NULL,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL,
        role TEXT NOT NULL,
        gender TEXT,
        enterprise_id BIGINT,
        department_id BIGINT,
        is_active BOOLEAN NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        join_enterprise_id BIGINT,
        join_department_id BIGINT,
        join_status TEXT,
        session_generation INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS rm_users_tenant ON rm_users (enterprise_id, department_id)",
    "CREATE INDEX IF NOT EXISTS rm_users_join ON rm_users"
    " (join_status, join_enterprise_id, join_department_id)",
    """
    CREATE TABLE IF NOT EXISTS rm_enterprises (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        description TEXT,
        created_by BIGINT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        timezone TEXT NOT NULL,
        max_hours_per_week DOUBLE PRECISION,
        max_consecutive_days INTEGER,
        week_starts_on TEXT NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS rm_departments (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        enterprise_id BIGINT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        manager_id BIGINT,
        is_deleted BOOLEAN NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        timezone TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_departments_enterprise ON rm_departments (enterprise_id)",
    """
    CREATE TABLE IF NOT EXISTS rm_invitations (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        enterprise_id BIGINT NOT NULL,
        department_id BIGINT,
        role TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        max_uses INTEGER NOT NULL,
        uses INTEGER NOT NULL,
        revoked BOOLEAN NOT NULL,
        created_by BIGINT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_invitations_enterprise ON rm_invitations"
    " (enterprise_id, department_id)",
    # Sessions ended one by one (logout), until their last token expires: authentication
    # joins it by its key in the statement that reads the caller's row.
    """
    CREATE TABLE IF NOT EXISTS rm_ended_sessions (
        session_id TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL,
        until BIGINT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_ended_sessions_until ON rm_ended_sessions (until)",
]

ROSTERING = [
    """
    CREATE TABLE IF NOT EXISTS rm_rosters (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        description TEXT,
        department_id BIGINT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL,
        status TEXT NOT NULL,
        created_by BIGINT NOT NULL,
        settings TEXT NOT NULL,
        total_shifts INTEGER NOT NULL,
        assigned_shifts INTEGER NOT NULL,
        auto_assign TEXT,
        is_deleted BOOLEAN NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_modified_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        timezone TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_rosters_department ON rm_rosters (department_id, status)",
    "CREATE INDEX IF NOT EXISTS rm_rosters_enterprise ON rm_rosters (enterprise_id, start_date)",
    """
    CREATE TABLE IF NOT EXISTS rm_shifts (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        roster_id BIGINT NOT NULL,
        department_id BIGINT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        date TEXT NOT NULL,
        start_time TEXT NOT NULL,
        end_time TEXT NOT NULL,
        start_at TEXT NOT NULL,
        end_at TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT,
        required_staff INTEGER NOT NULL,
        assigned_staff INTEGER NOT NULL,
        location TEXT,
        is_deleted BOOLEAN NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        timezone TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_shifts_roster ON rm_shifts (roster_id, date)",
    "CREATE INDEX IF NOT EXISTS rm_shifts_department ON rm_shifts (department_id, start_at)",
    """
    CREATE TABLE IF NOT EXISTS rm_assignments (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        shift_id BIGINT NOT NULL,
        roster_id BIGINT NOT NULL,
        employee_id BIGINT NOT NULL,
        status TEXT NOT NULL,
        notes TEXT,
        assigned_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        offered BOOLEAN NOT NULL,
        offered_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS rm_assignments_shift ON rm_assignments (shift_id)",
    "CREATE INDEX IF NOT EXISTS rm_assignments_employee ON rm_assignments (employee_id, status)",
    """
    CREATE TABLE IF NOT EXISTS rm_swaps (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        roster_id BIGINT NOT NULL,
        requester_id BIGINT NOT NULL,
        target_employee_id BIGINT NOT NULL,
        shift_id BIGINT NOT NULL,
        target_shift_id BIGINT,
        status TEXT NOT NULL,
        reason TEXT,
        message TEXT,
        needs_approval BOOLEAN NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_swaps_requester ON rm_swaps (requester_id)",
    "CREATE INDEX IF NOT EXISTS rm_swaps_target ON rm_swaps (target_employee_id)",
    """
    CREATE TABLE IF NOT EXISTS rm_templates (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        department_id BIGINT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        shifts TEXT NOT NULL,
        is_deleted BOOLEAN NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS rm_availability (
        id BIGINT NOT NULL,
        kind TEXT NOT NULL,
        employee_id BIGINT NOT NULL,
        start_at TEXT NOT NULL,
        end_at TEXT NOT NULL,
        timezone TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    )""",
    "CREATE INDEX IF NOT EXISTS rm_availability_employee ON rm_availability (employee_id)",
]
