"""The HoursQueries port over the rostering tables: four short statements per report.

Shifts are chosen by their wall-clock `date` (the day they count on), through the index on
(department_id, start_at): a shift's UTC start lies within a day either side of its date
in any zone, so a range on `start_at` that wide narrows the index scan and the `date`
condition picks exactly. An enterprise-wide report reads its departments the same way.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from application.hours_views import HoursData, HoursScope, Person, ShiftHours, Worked

from projections.sql import Cursor, ReadStore

COUNTED = ("pending", "confirmed", "declined")
"""Assignment statuses the report reads (removed ones are history, not hours)."""


class SqlHoursQueries:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def department_enterprise(self, department_id: int) -> int | None:
        with self._store.read() as cur:
            cur.execute("SELECT enterprise_id FROM rm_departments WHERE id = ? AND is_deleted = ?",
                        (department_id, False))
            row = cur.fetchone()
        return int(row["enterprise_id"]) if row else None

    def enterprise_exists(self, enterprise_id: int) -> bool:
        with self._store.read() as cur:
            cur.execute("SELECT 1 AS found FROM rm_enterprises WHERE id = ?", (enterprise_id,))
            return cur.fetchone() is not None

    def hours_data(self, scope: HoursScope, first_day: str, last_day: str, with_people: bool) -> HoursData:
        chosen, params = _chosen_shifts(scope, first_day, last_day)
        with self._store.read() as cur:
            cur.execute(
                "SELECT s.id, s.roster_id, s.date, s.start_at, s.end_at, s.required_staff, s.assigned_staff"
                f" {chosen}", params,
            )
            shifts = [_shift(r) for r in cur.fetchall()]
            # The same filter again rather than a list of ids: one statement text per scope.
            cur.execute(
                f"SELECT a.shift_id, a.employee_id, a.status FROM rm_assignments a WHERE a.shift_id IN"
                f" (SELECT s.id {chosen}) AND a.status IN ({', '.join('?' for _ in COUNTED)})",
                (*params, *COUNTED),
            )
            known = {s.shift_id for s in shifts}  # a shift added between the statements waits for the next read
            worked = [Worked(r["shift_id"], r["employee_id"], r["status"]) for r in cur.fetchall()
                      if r["shift_id"] in known]
            settings = _roster_settings(cur, sorted({s.roster_id for s in shifts}))
            people = _people(cur, sorted({w.employee_id for w in worked})) if with_people else {}
        return HoursData(shifts=shifts, worked=worked, roster_settings=settings, people=people)


def _chosen_shifts(scope: HoursScope, first_day: str, last_day: str) -> tuple[str, list[Any]]:
    """`FROM ... WHERE ...` of the live shifts of live rosters in scope dated first_day to last_day."""
    earliest = (date.fromisoformat(first_day) - timedelta(days=1)).isoformat()
    latest = (date.fromisoformat(last_day) + timedelta(days=2)).isoformat()
    if scope.department_id is not None:
        where, params = "s.department_id = ?", [scope.department_id]
    else:
        where = "s.department_id IN (SELECT d.id FROM rm_departments d WHERE d.enterprise_id = ?)"
        params = [scope.enterprise_id]
    return (
        "FROM rm_shifts s JOIN rm_rosters r ON r.id = s.roster_id"
        f" WHERE {where} AND s.start_at >= ? AND s.start_at < ? AND s.date >= ? AND s.date <= ?"
        " AND s.is_deleted = ? AND r.is_deleted = ?",
        [*params, earliest, latest, first_day, last_day, False, False],
    )


def _shift(r: Any) -> ShiftHours:
    elapsed = datetime.fromisoformat(r["end_at"]) - datetime.fromisoformat(r["start_at"])
    return ShiftHours(
        shift_id=r["id"], roster_id=r["roster_id"], date=r["date"], start_at=r["start_at"],
        minutes=int(elapsed.total_seconds()) // 60,
        open_places=max(0, r["required_staff"] - r["assigned_staff"]),
    )


def _roster_settings(cur: Cursor, roster_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not roster_ids:
        return {}
    cur.execute(f"SELECT id, settings FROM rm_rosters WHERE id IN ({', '.join('?' for _ in roster_ids)})",
                roster_ids)
    return {int(r["id"]): json.loads(r["settings"]) for r in cur.fetchall()}


def _people(cur: Cursor, employee_ids: list[int]) -> dict[int, Person]:
    if not employee_ids:
        return {}
    cur.execute(f"SELECT id, full_name, email FROM rm_users WHERE id IN ({', '.join('?' for _ in employee_ids)})",
                employee_ids)
    return {int(r["id"]): Person(int(r["id"]), r["full_name"], r["email"]) for r in cur.fetchall()}
