"""The RosterQueries port over the rostering tables."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from application.rostering_views import (
    AssignmentView,
    AvailabilityView,
    DepartmentRef,
    EmployeeRef,
    RosterDetail,
    RosterFilter,
    RosterMetadata,
    RosterAccess,
    RosterRef,
    RosterSummary,
    ScheduledShift,
    ScheduleEntry,
    ShiftBrief,
    ShiftView,
    SwapView,
    TemplateView,
    UserRef,
)
from application.views import Page, Paged

from projections.sql import Cursor, ReadStore, add_given, like_pattern

ROSTER_SELECT = """
SELECT r.*, d.name AS department_name, u.full_name AS creator_name
FROM rm_rosters r
LEFT JOIN rm_departments d ON d.id = r.department_id
LEFT JOIN rm_users u ON u.id = r.created_by
"""

SHIFT_COLUMNS = (
    "s.id, s.roster_id, s.department_id, s.enterprise_id, s.date, s.start_time, s.end_time,"
    " s.title, s.description, s.required_staff, s.assigned_staff, s.location, s.created_at,"
    " s.updated_at, s.version, s.timezone"
)

ASSIGNMENT_SELECT = """
SELECT a.id, a.shift_id, a.roster_id, a.employee_id, a.status, a.notes, a.assigned_at,
       a.updated_at, a.version, a.offered, u.full_name AS employee_name, u.email AS employee_email
FROM rm_assignments a LEFT JOIN rm_users u ON u.id = a.employee_id
"""

# A page of the roster listing with the count of all matches in each row.
ROSTER_PAGE_SELECT = ROSTER_SELECT.replace("SELECT ", "SELECT COUNT(*) OVER () AS total_rows, ", 1)

# Removed assignments are history, not part of a shift's staffing.
VISIBLE_ASSIGNMENT = "a.status <> 'removed'"

ROSTER_SHIFTS_COLUMNS = (
    "r.enterprise_id, r.department_id, r.status, " + SHIFT_COLUMNS
    + ", a.id, a.roster_id, a.status, a.notes, a.assigned_at, a.updated_at, a.version, a.offered, a.employee_id,"
    " u.full_name, u.email"
)


def roster_shifts_select(shift_filters: str) -> str:
    """A roster with its shifts and their assignments in one statement, one row per assignment
    (a shift without any, or a roster without shifts, has one row of NULLs on the right).
    Parameters: whether shifts are deleted (False), those of `shift_filters`, the roster's id
    and whether it is deleted (False)."""
    return (
        f"SELECT {ROSTER_SHIFTS_COLUMNS} FROM rm_rosters r"
        f" LEFT JOIN rm_shifts s ON s.roster_id = r.id AND s.is_deleted = ?{shift_filters}"
        f" LEFT JOIN rm_assignments a ON a.shift_id = s.id AND {VISIBLE_ASSIGNMENT}"
        " LEFT JOIN rm_users u ON u.id = a.employee_id"
        " WHERE r.id = ? AND r.is_deleted = ? ORDER BY s.date, s.start_time, s.id, a.id"
    )


class SqlRosterQueries:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    # -- rosters --------------------------------------------------------------

    def roster_summary(self, roster_id: int) -> RosterSummary | None:
        with self._store.read() as cur:
            cur.execute(ROSTER_SELECT + " WHERE r.id = ? AND r.is_deleted = ?", (roster_id, False))
            row = cur.fetchone()
        return _summary(row) if row else None

    def roster(self, roster_id: int) -> RosterDetail | None:
        with self._store.read() as cur:
            cur.execute(ROSTER_SELECT + " WHERE r.id = ? AND r.is_deleted = ?", (roster_id, False))
            row = cur.fetchone()
            if row is None:
                return None
            shifts = self._shifts(cur, "s.roster_id = ?", [roster_id])
        summary = _summary(row)
        return RosterDetail(
            id=summary.id, name=summary.name, description=summary.description,
            department_id=summary.department_id, department=summary.department,
            start_date=summary.start_date, end_date=summary.end_date, status=summary.status,
            created_by=summary.created_by,
            creator=UserRef(id=row["created_by"], full_name=row["creator_name"]) if row["creator_name"] else None,
            settings=summary.settings,
            metadata=RosterMetadata(
                total_shifts=summary.total_shifts, assigned_shifts=summary.assigned_shifts,
                coverage_percentage=summary.coverage_percentage,
                last_modified_at=row["last_modified_at"],
                auto_assign=json.loads(row["auto_assign"]) if row["auto_assign"] else None,
            ),
            shifts=shifts, created_at=summary.created_at, updated_at=summary.updated_at,
            version=summary.version, timezone=summary.timezone,
        )

    def rosters(self, criteria: RosterFilter, page: Page) -> Paged[RosterSummary]:
        where, params = ["r.is_deleted = ?"], [False]
        add_given(
            where, params,
            ("r.enterprise_id = ?", criteria.enterprise_id), ("r.department_id = ?", criteria.department_id),
            ("r.start_date >= ?", criteria.start_date), ("r.end_date <= ?", criteria.end_date),
            ("lower(r.name) LIKE ? ESCAPE '\\'", like_pattern(criteria.search) if criteria.search else None),
        )
        if criteria.statuses is not None:
            where.append(f"r.status IN ({', '.join('?' for _ in criteria.statuses)})")
            params += list(criteria.statuses)
        clause = " WHERE " + " AND ".join(where)
        with self._store.read() as cur:
            # The total rides along with the page (one round trip); only a page past the end,
            # which has no rows to carry it, needs a count of its own.
            cur.execute(
                ROSTER_PAGE_SELECT + clause + " ORDER BY r.start_date DESC, r.id DESC LIMIT ? OFFSET ?",
                (*params, page.size, page.offset),
            )
            rows = cur.fetchall()
            if rows:
                total = int(rows[0]["total_rows"])
            else:
                cur.execute(f"SELECT COUNT(*) AS n FROM rm_rosters r{clause}", params)
                total = int(cur.fetchone()["n"])  # type: ignore[index]
            items = [_summary(r) for r in rows]
        return Paged(items=items, total=total, page=page)

    # -- shifts and assignments -------------------------------------------------

    def shifts(
        self, roster_id: int, day: str | None, start_date: str | None, end_date: str | None
    ) -> list[ShiftView]:
        where, params = ["s.roster_id = ?"], [roster_id]
        add_given(where, params, ("s.date = ?", day), ("s.date >= ?", start_date), ("s.date <= ?", end_date))
        with self._store.read() as cur:
            return self._shifts(cur, " AND ".join(where), params)

    def roster_shifts(
        self, roster_id: int, day: str | None, start_date: str | None, end_date: str | None
    ) -> tuple[RosterAccess | None, list[ShiftView]]:
        filters: list[str] = []
        params: list[Any] = [False]
        add_given(filters, params, ("s.date = ?", day), ("s.date >= ?", start_date), ("s.date <= ?", end_date))
        with self._store.read(tuples=True) as cur:
            cur.execute(roster_shifts_select("".join(f" AND {f}" for f in filters)), (*params, roster_id, False))
            rows = cur.fetchall()
        if not rows:
            return None, []
        return RosterAccess(*rows[0][:3]), shifts_of_rows(rows)

    def shift(self, shift_id: int) -> ShiftView | None:
        with self._store.read() as cur:
            found = self._shifts(cur, "s.id = ?", [shift_id])
        return found[0] if found else None

    def assignment(self, assignment_id: int) -> AssignmentView | None:
        with self._store.read() as cur:
            cur.execute(ASSIGNMENT_SELECT + " WHERE a.id = ?", (assignment_id,))
            row = cur.fetchone()
        return _assignment(row) if row else None

    def _shifts(self, cur: Cursor, where: str, params: list[Any]) -> list[ShiftView]:
        chosen = f"FROM rm_shifts s WHERE {where} AND s.is_deleted = ?"
        cur.execute(f"SELECT {SHIFT_COLUMNS} {chosen} ORDER BY s.date, s.start_time, s.id", (*params, False))
        rows = cur.fetchall()
        if not rows:
            return []
        by_shift: dict[int, list[AssignmentView]] = {r["id"]: [] for r in rows}
        # The same filter again rather than a list of ids: one statement text per filter, which
        # the server plans once per connection, however many shifts a roster has.
        cur.execute(
            ASSIGNMENT_SELECT + f" WHERE a.shift_id IN (SELECT s.id {chosen}) AND {VISIBLE_ASSIGNMENT}"
            " ORDER BY a.id",
            (*params, False),
        )
        for row in cur.fetchall():
            found = by_shift.get(row["shift_id"])
            if found is not None:  # a shift added between the two statements waits for the next read
                found.append(_assignment(row))
        return [ShiftView(**r, assignments=by_shift[r["id"]]) for r in rows]

    # -- an employee's schedule ----------------------------------------------------

    def schedule(
        self, employee_id: int, start_date: str | None, end_date: str | None, status: str | None
    ) -> list[ScheduleEntry]:
        where, params = ["a.employee_id = ?", VISIBLE_ASSIGNMENT, "s.is_deleted = ?",
                         "r.is_deleted = ?"], [employee_id, False, False]
        add_given(where, params, ("s.date >= ?", start_date), ("s.date <= ?", end_date), ("a.status = ?", status))
        with self._store.read(tuples=True) as cur:
            cur.execute(
                "SELECT a.id, a.status, a.notes, a.assigned_at, a.offered, s.id AS shift_id, s.date,"
                " s.start_time, s.end_time, s.start_at, s.end_at, s.title, s.location, s.timezone,"
                " r.id AS roster_id, r.name AS roster_name"
                " FROM rm_assignments a JOIN rm_shifts s ON s.id = a.shift_id"
                " JOIN rm_rosters r ON r.id = a.roster_id"
                f" WHERE {' AND '.join(where)} ORDER BY s.start_at, a.id",
                params,
            )
            rows = cur.fetchall()
        return [
            ScheduleEntry(
                id=aid,
                shift=ScheduledShift(
                    id=shift_id, date=day, start_time=start_time, end_time=end_time, title=title,
                    location=location, roster=RosterRef(id=roster_id, name=roster_name),
                    timezone=timezone, starts_at=utc_iso(start_at), ends_at=utc_iso(end_at),
                ),
                status=status, notes=notes, assigned_at=assigned_at, hours=hours_between(start_at, end_at),
                offered=bool(offered) and status in ("pending", "confirmed"),
            )
            for (aid, status, notes, assigned_at, offered, shift_id, day, start_time, end_time, start_at, end_at,
                 title, location, timezone, roster_id, roster_name) in rows
        ]

    # -- swaps ----------------------------------------------------------------

    def swaps(self, employee_id: int | None, status: str | None, direction: str | None,
              department_id: int | None = None) -> list[SwapView]:
        where, params = [], []
        if employee_id is not None:
            if direction == "outgoing":
                where.append("w.requester_id = ?")
                params.append(employee_id)
            elif direction == "incoming":
                where.append("w.target_employee_id = ?")
                params.append(employee_id)
            else:
                where.append("(w.requester_id = ? OR w.target_employee_id = ?)")
                params += [employee_id, employee_id]
        add_given(where, params, ("r.department_id = ?", department_id), ("w.status = ?", status))
        return self._swaps(where, params)

    def swap(self, swap_id: int) -> SwapView | None:
        found = self._swaps(["w.id = ?"], [swap_id])
        return found[0] if found else None

    def _swaps(self, where: list[str], params: list[Any]) -> list[SwapView]:
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._store.read() as cur:
            cur.execute(
                "SELECT w.*, ru.full_name AS requester_name, tu.full_name AS target_name,"
                " s.date AS s_date, s.start_time AS s_start, s.end_time AS s_end, s.title AS s_title,"
                " t.date AS t_date, t.start_time AS t_start, t.end_time AS t_end, t.title AS t_title"
                " FROM rm_swaps w JOIN rm_rosters r ON r.id = w.roster_id"
                " LEFT JOIN rm_users ru ON ru.id = w.requester_id"
                " LEFT JOIN rm_users tu ON tu.id = w.target_employee_id"
                " LEFT JOIN rm_shifts s ON s.id = w.shift_id"
                " LEFT JOIN rm_shifts t ON t.id = w.target_shift_id"
                f"{clause} ORDER BY w.id DESC",
                params,
            )
            rows = cur.fetchall()
        return [_swap(r) for r in rows]

    # -- templates and availability ----------------------------------------------

    def templates(self, department_id: int) -> list[TemplateView]:
        with self._store.read() as cur:
            cur.execute(
                "SELECT * FROM rm_templates WHERE department_id = ? AND is_deleted = ? ORDER BY id",
                (department_id, False),
            )
            return [_template(r) for r in cur.fetchall()]

    def template(self, template_id: int) -> TemplateView | None:
        with self._store.read() as cur:
            cur.execute("SELECT * FROM rm_templates WHERE id = ? AND is_deleted = ?", (template_id, False))
            row = cur.fetchone()
        return _template(row) if row else None

    def availability(self, employee_ids: list[int], kind: str | None) -> list[AvailabilityView]:
        if not employee_ids:
            return []
        where = [f"employee_id IN ({', '.join('?' for _ in employee_ids)})", "status <> 'cleared'"]
        params: list[Any] = list(employee_ids)
        if kind:
            where.append("kind = ?")
            params.append(kind)
        with self._store.read() as cur:
            cur.execute(
                f"SELECT * FROM rm_availability WHERE {' AND '.join(where)} ORDER BY start_at, id",
                params,
            )
            rows = cur.fetchall()
        return [_availability(r) for r in rows]

    def availability_entry(self, kind: str, entry_id: int) -> AvailabilityView | None:
        with self._store.read() as cur:
            cur.execute("SELECT * FROM rm_availability WHERE kind = ? AND id = ?", (kind, entry_id))
            row = cur.fetchone()
        return _availability(row) if row else None


def shifts_of_rows(rows: list[Any]) -> list[ShiftView]:
    """The shifts of `roster_shifts_select`'s rows (tuples, in its column order)."""
    shifts: list[ShiftView] = []
    current: ShiftView | None = None
    for (_, _, _, sid, roster_id, department_id, enterprise_id, day, start_time, end_time, title, description,
         required_staff, assigned_staff, location, created_at, updated_at, version, timezone, aid, a_roster_id, status, notes,
         assigned_at, a_updated_at, a_version, offered, employee_id, full_name, email) in rows:
        if sid is None:
            continue  # the roster has no shift (that the filters keep)
        if current is None or current.id != sid:
            current = ShiftView(
                id=sid, roster_id=roster_id, department_id=department_id, enterprise_id=enterprise_id, date=day,
                start_time=start_time, end_time=end_time, title=title, description=description,
                required_staff=required_staff, assigned_staff=assigned_staff, location=location, assignments=[],
                created_at=created_at, updated_at=updated_at, version=version, timezone=timezone,
            )
            shifts.append(current)
        if aid is not None:
            current.assignments.append(AssignmentView(
                id=aid, shift_id=sid, roster_id=a_roster_id, employee_id=employee_id,
                employee=EmployeeRef(id=employee_id, full_name=full_name, email=email) if full_name is not None
                else None,
                status=status, notes=notes, assigned_at=assigned_at, updated_at=a_updated_at, version=a_version,
                offered=bool(offered) and status in ("pending", "confirmed"),
            ))
    return shifts


def hours_between(start_at: str, end_at: str) -> float:
    """Elapsed hours between two of `rm_shifts`' UTC minutes (7 or 9 for a night across a DST change)."""
    delta = datetime.fromisoformat(end_at) - datetime.fromisoformat(start_at)
    return round(delta.total_seconds() / 3600, 2)


def utc_iso(minute: str) -> str:
    """`rm_shifts.start_at` (UTC, to the minute) as the contract writes instants."""
    return f"{minute}:00.000Z"


def _coverage(total: int, assigned: int) -> float:
    return round(100 * assigned / total, 1) if total else 0.0


def _summary(row: dict[str, Any]) -> RosterSummary:
    return RosterSummary(
        id=row["id"], name=row["name"], description=row["description"],
        department_id=row["department_id"], enterprise_id=row["enterprise_id"],
        department=DepartmentRef(id=row["department_id"], name=row["department_name"] or "",
                                 enterprise_id=row["enterprise_id"]),
        start_date=row["start_date"], end_date=row["end_date"], status=row["status"],
        created_by=row["created_by"], settings=json.loads(row["settings"]),
        total_shifts=row["total_shifts"], assigned_shifts=row["assigned_shifts"],
        coverage_percentage=_coverage(row["total_shifts"], row["assigned_shifts"]),
        created_at=row["created_at"], updated_at=row["updated_at"], version=row["version"],
        timezone=row["timezone"],
    )


def _assignment(row: dict[str, Any]) -> AssignmentView:
    employee = None
    if row["employee_name"] is not None:
        employee = EmployeeRef(id=row["employee_id"], full_name=row["employee_name"],
                               email=row["employee_email"])
    return AssignmentView(
        id=row["id"], shift_id=row["shift_id"], roster_id=row["roster_id"],
        employee_id=row["employee_id"], employee=employee, status=row["status"], notes=row["notes"],
        assigned_at=row["assigned_at"], updated_at=row["updated_at"], version=row["version"],
        offered=is_offered(row),
    )


def is_offered(row: dict[str, Any]) -> bool:
    """An offer lasts while its assignment is active (declining or removing it ends it)."""
    return bool(row["offered"]) and row["status"] in ("pending", "confirmed")


def _brief(row: dict[str, Any], prefix: str, shift_id: int | None) -> ShiftBrief | None:
    if shift_id is None or row[f"{prefix}_date"] is None:
        return None
    return ShiftBrief(id=shift_id, date=row[f"{prefix}_date"], start_time=row[f"{prefix}_start"],
                      end_time=row[f"{prefix}_end"], title=row[f"{prefix}_title"])


def _swap(row: dict[str, Any]) -> SwapView:
    return SwapView(
        id=row["id"], roster_id=row["roster_id"], requester_id=row["requester_id"],
        target_employee_id=row["target_employee_id"],
        requester=UserRef(id=row["requester_id"], full_name=row["requester_name"] or ""),
        target_employee=UserRef(id=row["target_employee_id"], full_name=row["target_name"] or ""),
        shift_id=row["shift_id"], target_shift_id=row["target_shift_id"],
        shift=_brief(row, "s", row["shift_id"]),  # type: ignore[arg-type]
        target_shift=_brief(row, "t", row["target_shift_id"]),
        status=row["status"], reason=row["reason"], message=row["message"],
        needs_approval=bool(row["needs_approval"]), created_at=row["created_at"],
        updated_at=row["updated_at"], version=row["version"],
    )


def _template(row: dict[str, Any]) -> TemplateView:
    return TemplateView(
        id=row["id"], key=f"template:{row['id']}", name=row["name"], description=row["description"],
        department_id=row["department_id"], shifts=json.loads(row["shifts"]),
        created_at=row["created_at"], updated_at=row["updated_at"], version=row["version"],
    )


def _availability(r: dict[str, Any]) -> AvailabilityView:
    return AvailabilityView(
        id=r["id"], employee_id=r["employee_id"], kind=r["kind"], start=r["start_at"],
        end=r["end_at"], timezone=r["timezone"], status=r["status"], reason=r["reason"],
        created_at=r["created_at"], updated_at=r["updated_at"],
    )
