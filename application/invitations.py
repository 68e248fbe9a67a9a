"""Invitations: an enterprise's admins (or a manager, for their own department's employees)
hand out codes that place whoever registers with them. Registration itself is in identity."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from domain.errors import NotFound, PermissionDenied, RuleViolation
from domain.invitation import Invitation
from domain.roles import Role
from domain.timeslots import iso

from application import policy
from application.base import CommandHandler
from application.events import SchedulaX
from application.invitation_views import InvitationRecord, InvitationView, IssuedInvitation
from application.ports import (
    Directory,
    IdAllocator,
    InvitationQueries,
    ProjectionSync,
    ReadModelsBehind,
)
from application.principal import Principal
from application.views import Page, Paged

INVITERS = (*policy.ADMINS, Role.MANAGER)
READERS = (*INVITERS, Role.AUDITOR)
"""Who lists an enterprise's invitations (never their codes): inviters, and its auditors."""
CODE_BYTES = 24  # 192 random bits: a code cannot be guessed


@dataclass(frozen=True)
class NewInvitation:
    role: Role
    department_id: int | None = None
    expires_at: datetime | None = None
    max_uses: int = 1


class InvitationService(CommandHandler):
    def __init__(
        self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, directory: Directory,
        queries: InvitationQueries,
    ) -> None:
        super().__init__(events, ids, sync)
        self._directory = directory
        self._queries = queries

    def issue(
        self, principal: Principal, enterprise_id: int, new: NewInvitation, now: datetime
    ) -> IssuedInvitation:
        self._require_enterprise(principal, enterprise_id)
        department_id = _invitable(principal, new.role, new.department_id)
        if department_id is not None:
            department = self._directory.department(department_id)
            if department is None or department.enterprise_id != enterprise_id:
                raise RuleViolation(
                    "Department does not exist in this enterprise", field="department_id"
                )
        code = secrets.token_urlsafe(CODE_BYTES)
        invitation = Invitation.issue(
            code=code,
            invitation_id=self._ids.next_id("invitation"),
            enterprise_id=enterprise_id,
            department_id=department_id,
            role=new.role,
            expires_at=new.expires_at,
            max_uses=new.max_uses,
            now=now,
            by=principal.id,
        )
        try:
            self._commit(invitation)
        except ReadModelsBehind:
            pass  # saved; and this answer is the only place its code is ever shown, so give it
        return _issued(invitation, code, now)

    def list_invitations(
        self, principal: Principal, enterprise_id: int, page: Page, now: datetime
    ) -> Paged[InvitationView]:
        self._require_enterprise(principal, enterprise_id, READERS)
        if principal.role is Role.MANAGER:
            if principal.department_id is None:
                return Paged(items=[], total=0, page=page)
            return self._queries.invitations(enterprise_id, principal.department_id, page, now)
        return self._queries.invitations(enterprise_id, None, page, now)

    def revoke(self, principal: Principal, enterprise_id: int, invitation_id: int, now: datetime) -> None:
        self._require_enterprise(principal, enterprise_id)
        record = self._visible(principal, enterprise_id, invitation_id, now)
        invitation = self._events.find(record.stream, Invitation)
        if invitation is None:
            raise NotFound("Invitation not found")
        invitation.revoke(by=principal.id)
        self._commit(invitation, conflict="The invitation was used meanwhile; retry")

    # -- helpers --------------------------------------------------------------

    def _require_enterprise(
        self, principal: Principal, enterprise_id: int, roles: tuple[Role, ...] = INVITERS
    ) -> None:
        policy.require_role(principal, *roles)
        policy.require_enterprise(principal, enterprise_id, "Enterprise")
        if self._directory.enterprise(enterprise_id) is None:
            raise NotFound("Enterprise not found")

    def _visible(
        self, principal: Principal, enterprise_id: int, invitation_id: int, now: datetime
    ) -> InvitationRecord:
        """The invitation, if it is of this enterprise and (for a manager) of their department."""
        record = self._queries.invitation(invitation_id, now)
        if record is None or record.view.enterprise_id != enterprise_id or (
            principal.role is Role.MANAGER and record.view.department_id != principal.department_id
        ):
            raise NotFound("Invitation not found")
        return record


def _issued(invitation: Invitation, code: str, now: datetime) -> IssuedInvitation:
    """The new invitation as its issuer receives it: built from the aggregate, not the read
    model, so that the code is answered even when the read models are late."""
    return IssuedInvitation(
        id=invitation.invitation_id,
        enterprise_id=invitation.enterprise_id,
        department_id=invitation.department_id,
        role=invitation.role,
        expires_at=iso(invitation.expires_at),
        max_uses=invitation.max_uses,
        uses=invitation.uses,
        status=invitation.status(now),
        created_by=invitation.created_by,
        created_at=iso(invitation.created_on),
        updated_at=iso(invitation.modified_on),
        version=invitation.version,
        code=code,
    )


def _invitable(principal: Principal, role: Role, department_id: int | None) -> int | None:
    """The department the caller may invite `role` into: admins grant what they may grant;
    a manager invites employees into their own department only (the default for them)."""
    if principal.role is not Role.MANAGER:
        policy.require_grantable(principal, role)
        return department_id
    if role is not Role.EMPLOYEE:
        raise PermissionDenied(f"A manager cannot invite a {role.value}, only employees")
    if principal.department_id is None or department_id not in (None, principal.department_id):
        raise PermissionDenied("A manager invites employees into their own department only")
    return principal.department_id
