"""The rostering projection's table of shift claims (portable DDL for SQLite and PostgreSQL)."""

from __future__ import annotations

CLAIMS = [
    """
    CREATE TABLE IF NOT EXISTS rm_shift_claims (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        shift_id BIGINT NOT NULL,
        roster_id BIGINT NOT NULL,
        department_id BIGINT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        employee_id BIGINT NOT NULL,
        kind TEXT NOT NULL,
        assignment_id BIGINT,
        dropper_id BIGINT,
        status TEXT NOT NULL,
        needs_approval BOOLEAN NOT NULL,
        note TEXT,
        decision_note TEXT,
        decided_by BIGINT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS rm_shift_claims_shift ON rm_shift_claims (shift_id, status)",
    "CREATE INDEX IF NOT EXISTS rm_shift_claims_employee ON rm_shift_claims (employee_id, status)",
    "CREATE INDEX IF NOT EXISTS rm_shift_claims_department ON rm_shift_claims (department_id, status)",
    "CREATE INDEX IF NOT EXISTS rm_assignments_offered ON rm_assignments (shift_id, offered)",
]
