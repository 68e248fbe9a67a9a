"""Read-model tables. Portable DDL for SQLite and PostgreSQL."""

from __future__ import annotations

TRACKING = """
CREATE TABLE IF NOT EXISTS projection_tracking (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL
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
        version INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_users_tenant ON rm_users (enterprise_id, department_id)",
    """
    CREATE TABLE IF NOT EXISTS rm_enterprises (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        description TEXT,
        created_by BIGINT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
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
        version INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_departments_enterprise ON rm_departments (enterprise_id)",
    # Filled by the roster projection; departments count their live rosters here.
    """
    CREATE TABLE IF NOT EXISTS rm_rosters (
        id BIGINT PRIMARY KEY,
        department_id BIGINT NOT NULL,
        status TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_rosters_department ON rm_rosters (department_id, status)",
]
