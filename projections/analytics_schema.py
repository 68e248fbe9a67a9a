"""Tables of the analytics read model (`an_` prefix). Portable DDL for SQLite and PostgreSQL.

These tables are a contract with analysts (see docs/analytics.md): add columns if you
must, never rename or drop one. Raise `AnalyticsProjection.version` on any change.

Fractions are DOUBLE PRECISION, not REAL: PostgreSQL's REAL is 4 bytes and would round
8.333333333333334 hours to 8.333333; SQLite gives the name REAL affinity (8 bytes) anyway.
Exact sums are in the INTEGER `minutes` columns; `hours` is always `minutes / 60`.
"""

from __future__ import annotations

ANALYTICS = [
    # One row per shift ever planned, deleted ones included (is_deleted).
    """
    CREATE TABLE IF NOT EXISTS an_shifts (
        shift_id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        roster_id BIGINT NOT NULL,
        department_id BIGINT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        date TEXT NOT NULL,
        week_start TEXT NOT NULL,
        start_at TEXT NOT NULL,
        end_at TEXT NOT NULL,
        minutes INTEGER NOT NULL,
        hours DOUBLE PRECISION NOT NULL,
        required_staff INTEGER NOT NULL,
        assigned_staff INTEGER NOT NULL,
        is_deleted BOOLEAN NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        timezone TEXT NOT NULL,
        start_utc TEXT NOT NULL,
        end_utc TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS an_shifts_enterprise_date ON an_shifts (enterprise_id, date)",
    "CREATE INDEX IF NOT EXISTS an_shifts_roster_date ON an_shifts (roster_id, date)",
    "CREATE INDEX IF NOT EXISTS an_shifts_department_date ON an_shifts (department_id, date)",
    # One row per assignment ever made, whatever its status; the shift's date and length
    # are copied in so that weekly sums need no join and follow the shift when it moves.
    """
    CREATE TABLE IF NOT EXISTS an_assignments (
        assignment_id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        shift_id BIGINT NOT NULL,
        roster_id BIGINT NOT NULL,
        department_id BIGINT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        employee_id BIGINT NOT NULL,
        date TEXT NOT NULL,
        week_start TEXT NOT NULL,
        minutes INTEGER NOT NULL,
        hours DOUBLE PRECISION NOT NULL,
        status TEXT NOT NULL,
        is_booked BOOLEAN NOT NULL,
        assigned_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS an_assignments_shift ON an_assignments (shift_id)",
    # An employee's week in one department (refresh_weeks): all three columns, or SQLite's
    # planner, without statistics, reads the department's every assignment by department_date.
    "DROP INDEX IF EXISTS an_assignments_employee_week",
    "CREATE INDEX IF NOT EXISTS an_assignments_employee_week_department"
    " ON an_assignments (employee_id, week_start, department_id)",
    "CREATE INDEX IF NOT EXISTS an_assignments_enterprise_date ON an_assignments (enterprise_id, date)",
    # The hours report's reads of one department (GET /api/reports/hours).
    "CREATE INDEX IF NOT EXISTS an_assignments_department_date ON an_assignments (department_id, date)",
    # One row per roster and date that has at least one live shift. open_*: the live shifts'
    # places nobody holds (required minus assigned staff, never below 0) and their minutes;
    # planned_*, confirmed_*, declined_*: the day's assignments, as in an_employee_days.
    """
    CREATE TABLE IF NOT EXISTS an_roster_days (
        roster_id BIGINT NOT NULL,
        date TEXT NOT NULL,
        week_start TEXT NOT NULL,
        department_id BIGINT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        shifts INTEGER NOT NULL,
        required_places INTEGER NOT NULL,
        filled_places INTEGER NOT NULL,
        coverage_percentage DOUBLE PRECISION NOT NULL,
        open_places INTEGER NOT NULL,
        open_minutes INTEGER NOT NULL,
        planned_shifts INTEGER NOT NULL,
        planned_minutes INTEGER NOT NULL,
        confirmed_shifts INTEGER NOT NULL,
        confirmed_minutes INTEGER NOT NULL,
        declined_shifts INTEGER NOT NULL,
        declined_minutes INTEGER NOT NULL,
        PRIMARY KEY (roster_id, date)
    )""",
    "CREATE INDEX IF NOT EXISTS an_roster_days_enterprise_date ON an_roster_days (enterprise_id, date)",
    # The hours report's day and week reports of one department.
    "CREATE INDEX IF NOT EXISTS an_roster_days_department_date ON an_roster_days (department_id, date)",
    # One row per employee, ISO week and department with at least one booked assignment.
    """
    CREATE TABLE IF NOT EXISTS an_employee_weeks (
        employee_id BIGINT NOT NULL,
        week_start TEXT NOT NULL,
        department_id BIGINT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        shifts INTEGER NOT NULL,
        minutes INTEGER NOT NULL,
        hours DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (employee_id, week_start, department_id)
    )""",
    "CREATE INDEX IF NOT EXISTS an_employee_weeks_enterprise_week"
    " ON an_employee_weeks (enterprise_id, week_start)",
    "CREATE INDEX IF NOT EXISTS an_employee_weeks_department_week ON an_employee_weeks (department_id, week_start)",
    # One row per employee, date and department with a booked assignment or a declined one of a
    # live shift: what the hours report reads (about 9,000 rows for a busy department's year,
    # against 11,000 assignments), and what its day report places overtime over.
    # planned_*: booked (pending or confirmed, of a live shift); confirmed_*: the confirmed ones
    # among them; declined_*: declined assignments of live shifts; week_minutes: the planned
    # minutes of the row's ISO week (employee and department) dated on or before its date, a
    # running sum kept so that overtime is placed on days without a window function.
    """
    CREATE TABLE IF NOT EXISTS an_employee_days (
        employee_id BIGINT NOT NULL,
        date TEXT NOT NULL,
        department_id BIGINT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        week_start TEXT NOT NULL,
        planned_shifts INTEGER NOT NULL,
        planned_minutes INTEGER NOT NULL,
        confirmed_shifts INTEGER NOT NULL,
        confirmed_minutes INTEGER NOT NULL,
        declined_shifts INTEGER NOT NULL,
        declined_minutes INTEGER NOT NULL,
        week_minutes INTEGER NOT NULL,
        PRIMARY KEY (employee_id, date, department_id)
    )""",
    "CREATE INDEX IF NOT EXISTS an_employee_days_department_date ON an_employee_days (department_id, date)",
    "CREATE INDEX IF NOT EXISTS an_employee_days_enterprise_date ON an_employee_days (enterprise_id, date)",
]
