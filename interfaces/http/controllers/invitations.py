"""/api/enterprises/:id/invitations: codes that place whoever registers with them."""

from __future__ import annotations

from datetime import datetime, timezone

from litestar import Controller, delete, get, post

from application.invitations import NewInvitation
from interfaces.http.invitation_dto import (
    CreateInvitationRequest,
    InvitationsResponse,
    IssuedInvitationResponse,
)
from interfaces.http.params import PageLimit, PageNumber, PathId, page_of, pagination
from interfaces.http.security import Caller, Services


def now() -> datetime:
    return datetime.now(timezone.utc)


class InvitationController(Controller):
    path = "/api/enterprises/{enterprise_id:int}/invitations"
    tags = ["Invitations"]

    @post("/", status_code=201, sync_to_thread=True,
          summary="Invite people into the enterprise (admins; a manager: employees of their department)."
          " The answer alone carries the secret code")
    def create(
        self, enterprise_id: PathId, data: CreateInvitationRequest, principal: Caller,
        container: Services,
    ) -> IssuedInvitationResponse:
        invitation = container.invitations.issue(
            principal,
            enterprise_id,
            NewInvitation(role=data.role, department_id=data.department_id,
                          expires_at=data.expires_at, max_uses=data.max_uses),
            now(),
        )
        return IssuedInvitationResponse(message="Invitation created successfully", invitation=invitation)

    @get("/", sync_to_thread=True, summary="The enterprise's invitations (without their codes)")
    def list(
        self, enterprise_id: PathId, principal: Caller, container: Services,
        page: PageNumber = 1, limit: PageLimit = 10,
    ) -> InvitationsResponse:
        paged = container.invitations.list_invitations(
            principal, enterprise_id, page_of(page, limit), now()
        )
        return InvitationsResponse(message="Invitations retrieved successfully",
                                   invitations=paged.items, pagination=pagination(paged))

    @delete("/{invitation_id:int}", status_code=204, sync_to_thread=True,
            summary="Revoke an invitation: its code stops working")
    def revoke(
        self, enterprise_id: PathId, invitation_id: PathId, principal: Caller, container: Services
    ) -> None:
        container.invitations.revoke(principal, enterprise_id, invitation_id, now())
