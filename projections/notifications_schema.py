"""Tables of the notification inbox, and the facts the projection keeps to address them."""

from __future__ import annotations

NOTIFICATIONS = [
    """
    CREATE TABLE IF NOT EXISTS rm_notifications (
        id BIGINT PRIMARY KEY,
        user_id BIGINT NOT NULL,
        type TEXT NOT NULL,
        title TEXT NOT NULL,
        message TEXT NOT NULL,
        priority TEXT NOT NULL,
        action_url TEXT,
        data TEXT NOT NULL,
        read_at TEXT,
        is_deleted BOOLEAN NOT NULL,
        expires_at TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_notifications_user ON rm_notifications (user_id, is_deleted, id)",
    """
    CREATE TABLE IF NOT EXISTS rm_notification_preferences (
        user_id BIGINT PRIMARY KEY,
        muted_types TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    # What the projection needs to know to address and word a notification. Its own
    # copies: the directory and rostering read models may be kept by other workers.
    """
    CREATE TABLE IF NOT EXISTS nt_users (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        department_id BIGINT,
        is_active BOOLEAN NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS nt_users_department ON nt_users (department_id)",
    """
    CREATE TABLE IF NOT EXISTS nt_departments (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        manager_id BIGINT
    )""",
    """
    CREATE TABLE IF NOT EXISTS nt_rosters (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        department_id BIGINT NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS nt_shifts (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        roster_id BIGINT NOT NULL,
        date TEXT NOT NULL,
        start_time TEXT NOT NULL,
        end_time TEXT NOT NULL,
        title TEXT NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS nt_assignments (
        uuid TEXT PRIMARY KEY,
        id BIGINT NOT NULL,
        shift_id BIGINT NOT NULL,
        employee_id BIGINT NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS nt_swaps (
        uuid TEXT PRIMARY KEY,
        id BIGINT NOT NULL,
        roster_id BIGINT NOT NULL,
        requester_id BIGINT NOT NULL,
        target_employee_id BIGINT NOT NULL,
        shift_id BIGINT NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS nt_claims (
        uuid TEXT PRIMARY KEY,
        id BIGINT NOT NULL,
        roster_id BIGINT NOT NULL,
        shift_id BIGINT NOT NULL,
        employee_id BIGINT NOT NULL,
        dropper_id BIGINT
    )""",
    """
    CREATE TABLE IF NOT EXISTS nt_time_off (
        id BIGINT PRIMARY KEY,
        employee_id BIGINT NOT NULL,
        start_at TEXT NOT NULL,
        end_at TEXT NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS nt_calendar_events (
        uuid TEXT PRIMARY KEY,
        id BIGINT NOT NULL UNIQUE,
        title TEXT NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS nt_calendar_holders (
        event_id BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        PRIMARY KEY (event_id, user_id)
    )""",
]
