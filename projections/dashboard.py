"""Dashboard counters kept as events arrive, and the feed of recent activity.

Each counted thing (user, department, roster, request awaiting a manager) has a
row here; a change computes what the row contributed before and after to each
scope's counters and applies the difference. Queries then read a handful of
counter rows instead of counting.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from domain.identity import SignIn, User
from domain.organisation import Department, Enterprise
from domain.roster import Roster
from domain.schedule import EmployeeSchedule
from domain.swap import SwapRequest

from projections.base import Handler, Projection, uuid_of
from projections.dashboard_schema import DASHBOARD
from projections.sql import Cursor, iso

ACTIVE_ROSTER = ("published", "approved")
Row = dict[str, Any]


def scopes(enterprise_id: int | None, department_id: int | None) -> list[str]:
    found = ["system"]
    if enterprise_id is not None:
        found.append(f"enterprise:{enterprise_id}")
    if department_id is not None:
        found.append(f"department:{department_id}")
    return found


def user_counts(row: Row | None) -> Counter[tuple[str, str]]:
    if row is None:
        return Counter()
    counts: Counter[tuple[str, str]] = Counter()
    for scope in scopes(row["enterprise_id"], row["department_id"]):
        counts[(scope, "users")] += 1
        counts[(scope, "active_users")] += 1 if row["is_active"] else 0
    return counts


def department_counts(row: Row | None) -> Counter[tuple[str, str]]:
    if row is None or row["is_deleted"]:
        return Counter()
    return Counter({(s, "departments"): 1 for s in scopes(row["enterprise_id"], None)})


def roster_counts(row: Row | None) -> Counter[tuple[str, str]]:
    if row is None or row["is_deleted"]:
        return Counter()
    counts: Counter[tuple[str, str]] = Counter()
    for scope in scopes(row["enterprise_id"], row["department_id"]):
        counts[(scope, "rosters")] += 1
        counts[(scope, "active_rosters")] += 1 if row["status"] in ACTIVE_ROSTER else 0
    return counts


def pending_counts(row: Row | None) -> Counter[tuple[str, str]]:
    if row is None or not row["is_pending"]:
        return Counter()
    return Counter({(s, "pending_approvals"): 1 for s in scopes(row["enterprise_id"], row["department_id"])})


class DashboardProjection(Projection):
    name = "dashboard"
    ddl = DASHBOARD
    query_indexes = frozenset({
        "rm_activity_enterprise",
        "rm_team_members_department",
        "db_departments_enterprise",
    })
    version = 1

    def handlers(self) -> dict[type, Handler]:
        return {
            Enterprise.Founded: self.enterprise_founded,
            Department.Opened: self.department_opened,
            Department.Updated: self.department_changed(lambda e: {"name": e.name}),
            Department.Deleted: self.department_changed(lambda e: {"is_deleted": True}),
            User.Registered: self.user_registered,
            User.ProfileUpdated: self.user_changed(lambda e: {"full_name": e.full_name}),
            User.Placed: self.user_changed(lambda e: {
                "role": e.role, "enterprise_id": e.enterprise_id, "department_id": e.department_id}),
            User.ActivationChanged: self.user_changed(lambda e: {"is_active": e.is_active}),
            SignIn.Recorded: self.signed_in,
            Roster.Planned: self.roster_planned,
            Roster.StatusChanged: self.roster_status,
            Roster.Revised: self.roster_changed(lambda e: {"name": e.name}),
            Roster.Deleted: self.roster_changed(lambda e: {"is_deleted": True}),
            EmployeeSchedule.TimeOffRequested: self.time_off_requested,
            EmployeeSchedule.TimeOffDecided: self.time_off_decided,
            SwapRequest.Proposed: self.swap_proposed,
            SwapRequest.Decided: self.swap_decided,
        }

    # -- enterprises and departments -----------------------------------------

    def enterprise_founded(self, e: Any, cur: Cursor) -> None:
        _count(cur, Counter({("system", "enterprises"): 1}))
        _activity(cur, e, e.enterprise_id, None, "enterprise_created", f"New enterprise '{e.name}' created")

    def department_opened(self, e: Any, cur: Cursor) -> None:
        row = {"id": e.department_id, "uuid": uuid_of(e), "enterprise_id": e.enterprise_id,
               "name": e.name, "is_deleted": False}
        _insert(cur, "db_departments", row)
        _count(cur, department_counts(row))
        _activity(cur, e, e.enterprise_id, e.department_id, "department_created",
                  f"Department '{e.name}' created")

    def department_changed(self, values: Any) -> Handler:
        def handle(e: Any, cur: Cursor) -> None:
            _change(cur, "db_departments", e, values(e), department_counts)
        return handle

    # -- users -------------------------------------------------------------------

    def user_registered(self, e: Any, cur: Cursor) -> None:
        row = {"id": e.user_id, "uuid": uuid_of(e), "full_name": e.full_name, "role": e.role,
               "enterprise_id": e.enterprise_id, "department_id": e.department_id,
               "is_active": e.is_active, "last_login": None}
        _insert(cur, "rm_team_members", row)
        _count(cur, user_counts(row))
        _activity(cur, e, e.enterprise_id, e.department_id, "user_registered",
                  f"User '{e.full_name}' registered as {e.role}")

    def user_changed(self, values: Any) -> Handler:
        def handle(e: Any, cur: Cursor) -> None:
            _change(cur, "rm_team_members", e, values(e), user_counts)
        return handle

    def signed_in(self, e: Any, cur: Cursor) -> None:
        cur.execute("UPDATE rm_team_members SET last_login = ? WHERE id = ?", (iso(e.timestamp), e.user_id))

    # -- rosters -------------------------------------------------------------------

    def roster_planned(self, e: Any, cur: Cursor) -> None:
        row = {"id": e.roster_id, "uuid": uuid_of(e), "name": e.name,
               "enterprise_id": e.enterprise_id, "department_id": e.department_id, "status": "draft",
               "is_deleted": False}
        _insert(cur, "db_rosters", row)
        _count(cur, roster_counts(row))
        _activity(cur, e, e.enterprise_id, e.department_id, "roster_created", f"Roster '{e.name}' created")

    def roster_status(self, e: Any, cur: Cursor) -> None:
        row = _change(cur, "db_rosters", e, {"status": e.status}, roster_counts)
        if row is not None:
            _activity(cur, e, row["enterprise_id"], row["department_id"], f"roster_{e.status}",
                      f"Roster '{row['name']}' {e.status}")

    def roster_changed(self, values: Any) -> Handler:
        def handle(e: Any, cur: Cursor) -> None:
            _change(cur, "db_rosters", e, values(e), roster_counts)
        return handle

    # -- requests awaiting a manager -------------------------------------------------

    def time_off_requested(self, e: Any, cur: Cursor) -> None:
        cur.execute("SELECT enterprise_id, department_id FROM rm_team_members WHERE id = ?", (e.employee_id,))
        who = cur.fetchone() or {"enterprise_id": None, "department_id": None}
        row = {"kind": "time_off", "id": e.time_off_id, "uuid": None, "is_pending": True, **who}
        _insert(cur, "db_pending", row)
        _count(cur, pending_counts(row))

    def time_off_decided(self, e: Any, cur: Cursor) -> None:
        _settle(cur, "time_off", e.time_off_id, False)

    def swap_proposed(self, e: Any, cur: Cursor) -> None:
        cur.execute("SELECT enterprise_id, department_id FROM db_rosters WHERE id = ?", (e.roster_id,))
        where = cur.fetchone() or {"enterprise_id": None, "department_id": None}
        _insert(cur, "db_pending", {"kind": "swap", "id": e.swap_id, "uuid": uuid_of(e),
                                    "is_pending": False, **where})

    def swap_decided(self, e: Any, cur: Cursor) -> None:
        cur.execute("SELECT id FROM db_pending WHERE kind = ? AND uuid = ?", ("swap", uuid_of(e)))
        row = cur.fetchone()
        if row is not None:
            _settle(cur, "swap", int(row["id"]), e.status == "accepted")


def _insert(cur: Cursor, table: str, row: Row) -> None:
    cur.execute(
        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values())
    )


def _change(cur: Cursor, table: str, e: Any, changes: Row, counts: Any) -> Row | None:
    cur.execute(f"SELECT * FROM {table} WHERE uuid = ?", (uuid_of(e),))
    before = cur.fetchone()
    if before is None:
        return None
    after = {**before, **changes}
    cur.execute(
        f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in changes)} WHERE uuid = ?",
        (*changes.values(), uuid_of(e)),
    )
    delta = counts(after)
    delta.subtract(counts(before))
    _count(cur, delta)
    return after


def _settle(cur: Cursor, kind: str, entry_id: int, pending: bool) -> None:
    cur.execute("SELECT * FROM db_pending WHERE kind = ? AND id = ?", (kind, entry_id))
    before = cur.fetchone()
    if before is None:
        return
    cur.execute("UPDATE db_pending SET is_pending = ? WHERE kind = ? AND id = ?", (pending, kind, entry_id))
    delta = pending_counts({**before, "is_pending": pending})
    delta.subtract(pending_counts(before))
    _count(cur, delta)


def _count(cur: Cursor, delta: Counter[tuple[str, str]]) -> None:
    for (scope, name), change in sorted(delta.items()):
        if change:
            cur.execute(
                "INSERT INTO rm_counters (scope, name, value) VALUES (?, ?, ?)"
                " ON CONFLICT (scope, name) DO UPDATE SET value = rm_counters.value + excluded.value",
                (scope, name, change),
            )


def _activity(cur: Cursor, e: Any, enterprise_id: int | None, department_id: int | None,
              kind: str, description: str) -> None:
    # Ids follow event order, so a rebuild numbers the feed the same way.
    cur.execute("SELECT COALESCE(MAX(id), 0) AS last FROM rm_activity")
    row = cur.fetchone()
    cur.execute(
        "INSERT INTO rm_activity (id, enterprise_id, department_id, type, description, timestamp)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        ((int(row["last"]) if row else 0) + 1, enterprise_id, department_id, kind, description,
         iso(e.timestamp)),
    )
