"""The InvitationQueries port over the directory's invitations table."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.invitation import invitation_status

from application.invitation_views import InvitationRecord, InvitationView
from application.views import Page, Paged

from projections.sql import ReadStore, many, one

COLUMNS = (
    "id, uuid, enterprise_id, department_id, role, expires_at, max_uses, uses, revoked,"
    " created_by, created_at, updated_at, version"
)


class SqlInvitations:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def invitation(self, invitation_id: int, now: datetime) -> InvitationRecord | None:
        with self._store.read() as cur:
            row = one(cur, f"SELECT {COLUMNS} FROM rm_invitations WHERE id = ?", invitation_id)
        if row is None:
            return None
        return InvitationRecord(view=_view(row, now), stream=UUID(row["uuid"]))

    def invitations(
        self, enterprise_id: int, department_id: int | None, page: Page, now: datetime
    ) -> Paged[InvitationView]:
        where, params = " WHERE enterprise_id = ?", [enterprise_id]
        if department_id is not None:
            where += " AND department_id = ?"
            params.append(department_id)
        with self._store.read() as cur:
            total = one(cur, f"SELECT COUNT(*) AS n FROM rm_invitations{where}", *params)
            rows = many(
                cur, f"SELECT {COLUMNS} FROM rm_invitations{where} ORDER BY id LIMIT ? OFFSET ?",
                *params, page.size, page.offset,
            )
        return Paged(items=[_view(r, now) for r in rows], total=int(total["n"]) if total else 0,
                     page=page)


def _view(row: Any, now: datetime) -> InvitationView:
    fields = {k: row[k] for k in COLUMNS.replace(" ", "").split(",") if k not in ("uuid", "revoked")}
    status = invitation_status(
        revoked=bool(row["revoked"]), uses=row["uses"], max_uses=row["max_uses"],
        expires_at=datetime.fromisoformat(row["expires_at"]), now=now,
    )
    return InvitationView(**fields, status=status)
