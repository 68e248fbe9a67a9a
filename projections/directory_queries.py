"""The Directory port over the directory tables."""

from __future__ import annotations

from typing import Any

from domain.identity import JOIN_PENDING

from application.views import (
    CallerView,
    DepartmentUsers,
    DepartmentView,
    EnterpriseDetail,
    EnterpriseView,
    JoinRequestView,
    ManagerSummary,
    Page,
    Paged,
    UserFilter,
    UserView,
)

from projections.sql import Cursor, ReadStore, like_pattern

LIVE_ROSTER_STATUSES = ("draft", "published", "approved")

USER_COLUMNS = (
    "id, full_name, email, role, gender, enterprise_id, department_id, is_active,"
    " created_at, updated_at, version, join_enterprise_id, join_department_id, join_status"
)

# Every request reads its caller: one primary-key lookup, the department by its key, and
# whether the token's session was ended, by its key, in the same statement (docs/auth.md).
CALLER_SELECT = (
    "SELECT " + ", ".join(f"u.{c.strip()}" for c in USER_COLUMNS.split(","))
    + ", u.session_generation, d.name AS department_name, s.until AS session_ended FROM rm_users u"
    " LEFT JOIN rm_departments d ON d.id = u.department_id AND d.is_deleted = ?"
    " LEFT JOIN rm_ended_sessions s ON s.session_id = ? AND s.user_id = u.id"
    " WHERE u.id = ?"
)

DEPARTMENT_SELECT = f"""
SELECT d.id, d.name, d.enterprise_id, d.description, d.manager_id, d.created_at,
       d.updated_at, d.version, d.timezone,
       m.full_name AS manager_full_name, m.email AS manager_email,
       (SELECT COUNT(*) FROM rm_users u WHERE u.department_id = d.id) AS user_count,
       (SELECT COUNT(*) FROM rm_rosters r WHERE r.department_id = d.id
           AND r.status IN ({", ".join("?" for _ in LIVE_ROSTER_STATUSES)})
           AND r.is_deleted = ?) AS active_rosters
FROM rm_departments d LEFT JOIN rm_users m ON m.id = d.manager_id
"""


class SqlDirectory:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    # -- users ----------------------------------------------------------------

    def user(self, user_id: int) -> UserView | None:
        with self._store.read() as cur:
            cur.execute(f"SELECT {USER_COLUMNS} FROM rm_users WHERE id = ?", (user_id,))
            row = cur.fetchone()
        return _user(row) if row else None

    def caller(self, user_id: int, session_id: str | None = None) -> CallerView | None:
        with self._store.read() as cur:
            cur.execute(CALLER_SELECT, (False, session_id, user_id))
            row = cur.fetchone()
        if row is None:
            return None
        row = dict(row)
        department, generation, ended = (
            row.pop("department_name"), row.pop("session_generation"), row.pop("session_ended")
        )
        return CallerView(user=_user(row), department_name=department,
                          session_generation=generation, session_ended=ended is not None)

    def users(self, criteria: UserFilter, page: Page) -> Paged[UserView]:
        where, params = [], []
        # Among pending join requests, the enterprise and department are the requested ones.
        prefix = "join_" if criteria.pending else ""
        for column in ("enterprise_id", "department_id", "role", "is_active"):
            value = getattr(criteria, column)
            if value is not None:
                tenant = column in ("enterprise_id", "department_id")
                where.append(f"{prefix if tenant else ''}{column} = ?")
                params.append(value)
        if criteria.pending is not None:
            where.append(
                "join_status = ?" if criteria.pending else "(join_status IS NULL OR join_status <> ?)"
            )
            params.append(JOIN_PENDING)
        if criteria.search:
            where.append("(lower(full_name) LIKE ? ESCAPE '\\' OR email_key LIKE ? ESCAPE '\\')")
            params += [like_pattern(criteria.search)] * 2
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._store.read() as cur:
            total = _count(cur, f"SELECT COUNT(*) AS n FROM rm_users{clause}", params)
            cur.execute(
                f"SELECT {USER_COLUMNS} FROM rm_users{clause} ORDER BY id LIMIT ? OFFSET ?",
                (*params, page.size, page.offset),
            )
            items = [_user(r) for r in cur.fetchall()]
        return Paged(items=items, total=total, page=page)

    def count_active_users(self, *, department_id: int) -> int:
        with self._store.read() as cur:
            return _count(
                cur,
                "SELECT COUNT(*) AS n FROM rm_users WHERE department_id = ? AND is_active = ?",
                (department_id, True),
            )

    # -- enterprises ----------------------------------------------------------

    def enterprise(self, enterprise_id: int) -> EnterpriseDetail | None:
        with self._store.read() as cur:
            cur.execute(
                "SELECT e.*,"
                " (SELECT COUNT(*) FROM rm_users u WHERE u.enterprise_id = e.id) AS total_users,"
                " (SELECT COUNT(*) FROM rm_users u WHERE u.enterprise_id = e.id"
                "     AND u.is_active = ?) AS active_users"
                " FROM rm_enterprises e WHERE e.id = ?",
                (True, enterprise_id),
            )
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute(
                "SELECT d.id, d.name, (SELECT COUNT(*) FROM rm_users u"
                " WHERE u.department_id = d.id) AS user_count"
                " FROM rm_departments d WHERE d.enterprise_id = ? AND d.is_deleted = ?"
                " ORDER BY d.id",
                (enterprise_id, False),
            )
            departments = [DepartmentUsers(**r) for r in cur.fetchall()]
        return EnterpriseDetail(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            departments=departments,
            total_users=row["total_users"],
            active_users=row["active_users"],
            version=row["version"],
            timezone=row["timezone"],
            max_hours_per_week=row["max_hours_per_week"],
            max_consecutive_days=row["max_consecutive_days"],
            week_starts_on=row["week_starts_on"],
        )

    def enterprises(self, search: str | None, page: Page) -> Paged[EnterpriseView]:
        clause, params = ("", []) if not search else (
            " WHERE lower(e.name) LIKE ? ESCAPE '\\'", [like_pattern(search)]
        )
        with self._store.read() as cur:
            total = _count(cur, f"SELECT COUNT(*) AS n FROM rm_enterprises e{clause}", params)
            cur.execute(
                "SELECT e.id, e.name, e.description, e.created_by, e.created_at, e.updated_at,"
                " e.version, e.timezone, e.max_hours_per_week, e.max_consecutive_days, e.week_starts_on,"
                " (SELECT COUNT(*) FROM rm_users u WHERE u.enterprise_id = e.id) AS user_count,"
                " (SELECT COUNT(*) FROM rm_departments d WHERE d.enterprise_id = e.id"
                "     AND d.is_deleted = ?) AS department_count"
                f" FROM rm_enterprises e{clause} ORDER BY e.id LIMIT ? OFFSET ?",
                (False, *params, page.size, page.offset),
            )
            items = [EnterpriseView(**r) for r in cur.fetchall()]
        return Paged(items=items, total=total, page=page)

    # -- departments ----------------------------------------------------------

    def department(self, department_id: int) -> DepartmentView | None:
        with self._store.read() as cur:
            cur.execute(
                DEPARTMENT_SELECT + " WHERE d.id = ? AND d.is_deleted = ?",
                (*LIVE_ROSTER_STATUSES, False, department_id, False),
            )
            row = cur.fetchone()
        return _department(row) if row else None

    def departments(
        self, enterprise_id: int, search: str | None, page: Page
    ) -> Paged[DepartmentView]:
        where = " WHERE d.enterprise_id = ? AND d.is_deleted = ?"
        params: list[Any] = [enterprise_id, False]
        if search:
            where += " AND lower(d.name) LIKE ? ESCAPE '\\'"
            params.append(like_pattern(search))
        with self._store.read() as cur:
            total = _count(cur, f"SELECT COUNT(*) AS n FROM rm_departments d{where}", params)
            cur.execute(
                DEPARTMENT_SELECT + where + " ORDER BY d.id LIMIT ? OFFSET ?",
                (*LIVE_ROSTER_STATUSES, False, *params, page.size, page.offset),
            )
            items = [_department(r) for r in cur.fetchall()]
        return Paged(items=items, total=total, page=page)


def _count(cur: Cursor, sql: str, params: Any) -> int:
    cur.execute(sql, params)
    row = cur.fetchone()
    return int(row["n"]) if row else 0


def _user(row: dict[str, Any]) -> UserView:
    row = dict(row)
    enterprise_id, department_id, status = (
        row.pop("join_enterprise_id"), row.pop("join_department_id"), row.pop("join_status")
    )
    request = None if status is None else JoinRequestView(
        enterprise_id=enterprise_id, department_id=department_id, status=status
    )
    return UserView(**{**row, "is_active": bool(row["is_active"]), "join_request": request})


def _department(row: dict[str, Any]) -> DepartmentView:
    manager = None
    if row["manager_id"] is not None and row["manager_full_name"] is not None:
        manager = ManagerSummary(
            id=row["manager_id"], full_name=row["manager_full_name"], email=row["manager_email"]
        )
    return DepartmentView(
        id=row["id"],
        name=row["name"],
        enterprise_id=row["enterprise_id"],
        description=row["description"],
        manager_id=row["manager_id"],
        manager=manager,
        user_count=row["user_count"],
        active_rosters=row["active_rosters"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        timezone=row["timezone"],
    )
