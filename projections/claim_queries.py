"""The ClaimQueries port over the rostering tables: open shifts and shift claims."""

from __future__ import annotations

import json
from typing import Any

from application.claim_views import ClaimRef, ClaimView, OfferedPlace, OpenShiftFilter, OpenShiftView
from application.rostering_views import RosterRef, ShiftBrief, UserRef
from application.views import Page, Paged
from domain.claim import OPEN_STATUSES

from projections.sql import Cursor, ReadStore, add_given

OFFERED = (
    "EXISTS (SELECT 1 FROM rm_assignments a WHERE a.shift_id = s.id AND a.offered = ?"
    " AND a.status IN ('pending', 'confirmed'))"
)

CLAIM_SELECT = """
SELECT c.*, u.full_name AS employee_name, d.full_name AS dropper_name,
       s.date AS s_date, s.start_time AS s_start, s.end_time AS s_end, s.title AS s_title
FROM rm_shift_claims c
LEFT JOIN rm_users u ON u.id = c.employee_id
LEFT JOIN rm_users d ON d.id = c.dropper_id
LEFT JOIN rm_shifts s ON s.id = c.shift_id
"""


class SqlClaimQueries:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    # -- open shifts ---------------------------------------------------------------------

    def open_shifts(self, criteria: OpenShiftFilter, employee_id: int, page: Page) -> Paged[OpenShiftView]:
        with self._store.read() as cur:
            rosters = self._claimable_rosters(cur, criteria)
            if not rosters:
                return Paged(items=[], total=0, page=page)
            where = [f"s.roster_id IN ({', '.join('?' for _ in rosters)})", "s.is_deleted = ?", "s.start_at > ?",
                     f"(s.assigned_staff < s.required_staff OR {OFFERED})"]
            params: list[Any] = [*rosters, False, criteria.after, True]
            add_given(where, params, ("s.date >= ?", criteria.start_date), ("s.date <= ?", criteria.end_date))
            clause = " AND ".join(where)
            cur.execute(f"SELECT COUNT(*) AS n FROM rm_shifts s WHERE {clause}", params)
            total = int(cur.fetchone()["n"])  # type: ignore[index]
            cur.execute(
                "SELECT s.id, s.roster_id, s.department_id, s.date, s.start_time, s.end_time, s.title,"
                " s.description, s.location, s.required_staff, s.assigned_staff, s.version"
                f" FROM rm_shifts s WHERE {clause} ORDER BY s.start_at, s.id LIMIT ? OFFSET ?",
                (*params, page.size, page.offset),
            )
            rows = cur.fetchall()
            ids = [r["id"] for r in rows]
            offers = self._offers(cur, ids)
            pending = self._pending(cur, ids)
        items = [
            OpenShiftView(
                id=r["id"], roster=RosterRef(id=r["roster_id"], name=rosters[r["roster_id"]][0]),
                department_id=r["department_id"], date=r["date"], start_time=r["start_time"],
                end_time=r["end_time"], title=r["title"], description=r["description"], location=r["location"],
                required_staff=r["required_staff"], assigned_staff=r["assigned_staff"],
                open_places=max(0, r["required_staff"] - r["assigned_staff"]), offered=offers.get(r["id"], []),
                pending_claims=len(pending.get(r["id"], [])), needs_approval=rosters[r["roster_id"]][1],
                my_claim=next((ClaimRef(id=c, status="pending") for c, e in pending.get(r["id"], [])
                               if e == employee_id), None),
                version=r["version"],
            )
            for r in rows
        ]
        return Paged(items=items, total=total, page=page)

    @staticmethod
    def _claimable_rosters(cur: Cursor, criteria: OpenShiftFilter) -> dict[int, tuple[str, bool]]:
        """The department's visible rosters that allow claims: id -> (name, needs approval)."""
        where = ["department_id = ?", "is_deleted = ?", f"status IN ({', '.join('?' for _ in OPEN_STATUSES)})"]
        params: list[Any] = [criteria.department_id, False, *sorted(OPEN_STATUSES)]
        add_given(where, params, ("id = ?", criteria.roster_id))
        cur.execute(f"SELECT id, name, settings FROM rm_rosters WHERE {' AND '.join(where)} ORDER BY id", params)
        found = {}
        for row in cur.fetchall():
            settings = json.loads(row["settings"])
            if settings.get("allow_shift_claims", False):
                found[int(row["id"])] = (row["name"], bool(settings.get("require_claim_approval", True)))
        return found

    @staticmethod
    def _offers(cur: Cursor, shift_ids: list[int]) -> dict[int, list[OfferedPlace]]:
        if not shift_ids:
            return {}
        cur.execute(
            "SELECT a.id, a.shift_id, a.employee_id, a.offered_at, u.full_name FROM rm_assignments a"
            " LEFT JOIN rm_users u ON u.id = a.employee_id"
            f" WHERE a.shift_id IN ({', '.join('?' for _ in shift_ids)}) AND a.offered = ?"
            " AND a.status IN ('pending', 'confirmed') ORDER BY a.offered_at, a.id",
            (*shift_ids, True),
        )
        found: dict[int, list[OfferedPlace]] = {}
        for r in cur.fetchall():
            found.setdefault(r["shift_id"], []).append(OfferedPlace(
                assignment_id=r["id"], employee=UserRef(id=r["employee_id"], full_name=r["full_name"] or ""),
                offered_at=r["offered_at"],
            ))
        return found

    @staticmethod
    def _pending(cur: Cursor, shift_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
        """Per shift, its pending claims as (claim id, claimant)."""
        if not shift_ids:
            return {}
        cur.execute(
            "SELECT id, shift_id, employee_id FROM rm_shift_claims"
            f" WHERE shift_id IN ({', '.join('?' for _ in shift_ids)}) AND status = 'pending' ORDER BY id",
            shift_ids,
        )
        found: dict[int, list[tuple[int, int]]] = {}
        for r in cur.fetchall():
            found.setdefault(r["shift_id"], []).append((r["id"], r["employee_id"]))
        return found

    # -- claims ----------------------------------------------------------------------------

    def claim(self, claim_id: int) -> ClaimView | None:
        found = self._claims(["c.id = ?"], [claim_id])
        return found[0] if found else None

    def claims(self, employee_id: int | None, department_id: int | None, status: str | None) -> list[ClaimView]:
        where: list[str] = []
        params: list[Any] = []
        add_given(where, params, ("c.employee_id = ?", employee_id), ("c.department_id = ?", department_id),
                  ("c.status = ?", status))
        return self._claims(where, params)

    def pending_claims(self, shift_id: int) -> list[ClaimView]:
        return self._claims(["c.shift_id = ?", "c.status = 'pending'"], [shift_id])

    def _claims(self, where: list[str], params: list[Any]) -> list[ClaimView]:
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._store.read() as cur:
            cur.execute(f"{CLAIM_SELECT}{clause} ORDER BY c.id DESC", params)
            rows = cur.fetchall()
        return [_claim(r) for r in rows]


def _claim(row: dict[str, Any]) -> ClaimView:
    shift = None
    if row["s_date"] is not None:
        shift = ShiftBrief(id=row["shift_id"], date=row["s_date"], start_time=row["s_start"],
                           end_time=row["s_end"], title=row["s_title"])
    dropper = None
    if row["dropper_id"] is not None:
        dropper = UserRef(id=row["dropper_id"], full_name=row["dropper_name"] or "")
    return ClaimView(
        id=row["id"], kind=row["kind"], status=row["status"], shift_id=row["shift_id"], roster_id=row["roster_id"],
        department_id=row["department_id"], enterprise_id=row["enterprise_id"], employee_id=row["employee_id"],
        employee=UserRef(id=row["employee_id"], full_name=row["employee_name"] or ""),
        assignment_id=row["assignment_id"], dropper_id=row["dropper_id"], dropper=dropper,
        needs_approval=bool(row["needs_approval"]), note=row["note"], decision_note=row["decision_note"],
        decided_by=row["decided_by"], shift=shift, created_at=row["created_at"], updated_at=row["updated_at"],
        version=row["version"],
    )
