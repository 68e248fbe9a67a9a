"""The read ceiling: the four hot reads with nothing of SchedulaX around them but their work.

A Litestar app with the same JWT check (`TokenIssuer.decode`), the caller's row read with the
product's statement (a revoked or deactivated caller is refused), then the fewest statements
on the same read-model tables, on tuple rows, and the answer encoded once with msgspec: one
thread hop per request, no middleware, no dependency injection. Served like `schedulax serve`
(same uvicorn, loop and workers) by `bench.baselines.lean_twin_server` as

    python -m bench.lean_twin PORT WORKERS      (settings from the SCHEDULAX_* environment)

Its answers have the keys of the product's; the suite compares each read's rate to its twin's.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.exceptions import NotAuthorizedException, NotFoundException

from infrastructure.pgpool import pool
from infrastructure.settings import PostgresTarget, Settings
from infrastructure.tokens import TokenIssuer
from projections.directory_queries import CALLER_SELECT
from projections.notification_queries import COLUMNS as NOTIFICATION_COLUMNS
from projections.sql import iso
from projections.rostering_queries import ROSTER_PAGE_SELECT, hours_between, roster_shifts_select, utc_iso

_encode = msgspec.json.Encoder().encode
_JSON = "application/json"

SCHEDULE_SELECT = (
    "SELECT a.id, a.status, a.notes, a.assigned_at, a.offered, s.id, s.date, s.start_time, s.end_time,"
    " s.start_at, s.end_at, s.title, s.location, s.timezone, r.id, r.name"
    " FROM rm_assignments a JOIN rm_shifts s ON s.id = a.shift_id JOIN rm_rosters r ON r.id = a.roster_id"
    " WHERE a.employee_id = %s AND a.status <> 'removed' AND s.is_deleted = false AND r.is_deleted = false"
    " ORDER BY s.start_at, a.id"
)
INBOX_SELECT = (
    f"SELECT {NOTIFICATION_COLUMNS}, COUNT(*) OVER (), c.unread FROM rm_notifications CROSS JOIN"
    " (SELECT COUNT(*) FILTER (WHERE read_at IS NULL) AS unread FROM rm_notifications"
    "  WHERE user_id = %(u)s AND NOT is_deleted AND expires_at > %(now)s) c"
    " WHERE user_id = %(u)s AND NOT is_deleted AND expires_at > %(now)s ORDER BY id DESC LIMIT 20"
)


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


def app() -> Litestar:
    settings = Settings.from_env()
    issuer = TokenIssuer(settings.resolved_jwt_secret(), ttl_seconds=settings.token_ttl_seconds)
    connections = pool(PostgresTarget.parse(settings.database_url).conninfo(), max_size=settings.postgres_pool_size,
                       timeout=5.0, kwargs={"options": f"-c search_path={settings.database_schema}",
                                            "autocommit": True})
    caller_sql, shifts_sql = _pg(CALLER_SELECT), _pg(roster_shifts_select(""))
    rosters_sql = _pg(ROSTER_PAGE_SELECT + " WHERE r.is_deleted = false AND r.enterprise_id = ? AND r.department_id = ?"
                      " ORDER BY r.start_date DESC, r.id DESC LIMIT 10 OFFSET 0")

    def caller(request: Request[Any, Any, Any], cur: Any) -> tuple[Any, ...]:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        try:
            claims = issuer.decode(token.strip())
        except Exception as error:
            raise NotAuthorizedException("Invalid token") from error
        # CALLER_SELECT's columns: id, full_name, email, role, gender, enterprise_id, department_id, is_active, ...
        row = cur.execute(caller_sql, (False, claims.session or None, claims.id)).fetchone()
        if row is None or not row[7]:
            raise NotAuthorizedException("User no longer exists or is deactivated")
        return row

    def answer(body: Any) -> Response[bytes]:
        return Response(_encode(body), media_type=_JSON)

    @get("/api/employee/my-schedule", sync_to_thread=True)
    def my_schedule(request: Request[Any, Any, Any]) -> Response[bytes]:
        with connections.connection() as conn:
            cur = conn.cursor()
            me = caller(request, cur)
            rows = cur.execute(SCHEDULE_SELECT, (me[0],)).fetchall()
        entries = [{
            "id": r[0], "shift": {"id": r[5], "date": r[6], "start_time": r[7], "end_time": r[8], "title": r[11],
                                  "location": r[12], "roster": {"id": r[14], "name": r[15]}, "timezone": r[13],
                                  "starts_at": utc_iso(r[9]), "ends_at": utc_iso(r[10])},
            "status": r[1], "notes": r[2], "assigned_at": r[3], "hours": hours_between(r[9], r[10]),
            "offered": bool(r[4]) and r[1] in ("pending", "confirmed"),
        } for r in rows]
        working = [e for e in entries if e["status"] in ("pending", "confirmed")]
        return answer({"message": "Schedule retrieved successfully", "schedule": {
            "employee": {"id": me[0], "full_name": me[1], "department": me[-2]}, "assignments": entries,
            "summary": {"total_assignments": len(entries),
                        "confirmed_assignments": sum(e["status"] == "confirmed" for e in entries),
                        "pending_assignments": sum(e["status"] == "pending" for e in entries),
                        "declined_assignments": sum(e["status"] == "declined" for e in entries),
                        "total_hours": round(sum(e["hours"] for e in working), 2)}}})

    @get("/api/shifts/roster/{roster_id:int}", sync_to_thread=True)
    def shifts_of_roster(request: Request[Any, Any, Any], roster_id: int) -> Response[bytes]:
        with connections.connection() as conn:
            cur = conn.cursor()
            me = caller(request, cur)
            rows = cur.execute(shifts_sql, (False, roster_id, False)).fetchall()
        visible = rows and (me[3] == "systemAdmin" or rows[0][0] == me[5] and (
            me[3] in ("enterpriseAdmin", "auditor") or rows[0][1] == me[6]))
        if not visible or (me[3] == "employee" and rows[0][2] == "draft"):
            raise NotFoundException("Roster not found")
        shifts: list[dict[str, Any]] = []
        for r in rows:
            if r[3] is None:
                continue
            if not shifts or shifts[-1]["id"] != r[3]:
                shifts.append({"id": r[3], "roster_id": r[4], "department_id": r[5], "enterprise_id": r[6],
                               "date": r[7], "start_time": r[8], "end_time": r[9], "title": r[10],
                               "description": r[11], "required_staff": r[12], "assigned_staff": r[13],
                               "location": r[14], "assignments": [], "created_at": r[15], "updated_at": r[16],
                               "version": r[17], "timezone": r[18]})
            if r[19] is not None:
                shifts[-1]["assignments"].append({
                    "id": r[19], "shift_id": r[3], "roster_id": r[20], "employee_id": r[27],
                    "employee": {"id": r[27], "full_name": r[28], "email": r[29]} if r[28] is not None else None,
                    "status": r[21], "notes": r[22], "assigned_at": r[23], "updated_at": r[24], "version": r[25],
                    "offered": bool(r[26]) and r[21] in ("pending", "confirmed")})
        return answer({"message": "Shifts retrieved successfully", "shifts": shifts})

    @get("/api/rosters", sync_to_thread=True)
    def rosters(request: Request[Any, Any, Any]) -> Response[bytes]:
        with connections.connection() as conn:
            cur = conn.cursor()
            me = caller(request, cur)
            found = cur.execute(rosters_sql, (me[5], me[6]))
            names = [d.name for d in found.description]
            rows = found.fetchall()
        items = []
        for r in rows:
            row = dict(zip(names, r))
            items.append({
                "id": row["id"], "name": row["name"], "description": row["description"],
                "department_id": row["department_id"], "enterprise_id": row["enterprise_id"],
                "department": {"id": row["department_id"], "name": row["department_name"] or "",
                               "enterprise_id": row["enterprise_id"]},
                "start_date": row["start_date"], "end_date": row["end_date"], "status": row["status"],
                "created_by": row["created_by"], "settings": json.loads(row["settings"]),
                "total_shifts": row["total_shifts"], "assigned_shifts": row["assigned_shifts"],
                "coverage_percentage": round(100 * row["assigned_shifts"] / row["total_shifts"], 1)
                if row["total_shifts"] else 0.0,
                "created_at": row["created_at"], "updated_at": row["updated_at"], "version": row["version"],
                "timezone": row["timezone"]})
        total = rows[0][0] if rows else 0
        return answer({"message": "Rosters retrieved successfully", "rosters": items, "pagination": {
            "current_page": 1, "total_pages": -(-total // 10), "total_items": total, "items_per_page": 10}})

    @get("/api/notifications", sync_to_thread=True)
    def notifications(request: Request[Any, Any, Any]) -> Response[bytes]:
        now = iso(datetime.now(timezone.utc))
        with connections.connection() as conn:
            cur = conn.cursor()
            me = caller(request, cur)
            rows = cur.execute(INBOX_SELECT, {"u": me[0], "now": now}).fetchall()
        items = []
        for r in rows:
            data = json.loads(r[7])
            items.append({"id": r[0], "type": r[1], "title": r[2], "message": r[3], "priority": r[4],
                          "read_at": r[5], "is_read": r[5] is not None, "action_url": r[6], "data": data,
                          "expires_at": r[8], "created_at": r[9], "event_id": data.get("event_id")})
        total = rows[0][10] if rows else 0
        return answer({"message": "Notifications retrieved successfully", "notifications": items, "items": items,
                       "pagination": {"current_page": 1, "total_pages": -(-total // 20), "total_items": total,
                                      "items_per_page": 20},
                       "unread_count": rows[0][11] if rows else 0, "total": total})

    return Litestar(route_handlers=[my_schedule, shifts_of_roster, rosters, notifications], openapi_config=None,
                    on_shutdown=[lambda: connections.close()])


if __name__ == "__main__":
    import sys

    from interfaces.serving import serve

    serve("bench.lean_twin:app", "127.0.0.1", int(sys.argv[1]), int(sys.argv[2]), log_level="warning")
