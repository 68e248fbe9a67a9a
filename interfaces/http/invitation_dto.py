"""Request and response bodies of invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from application.invitation_views import InvitationView, IssuedInvitation
from domain.invitation import MAX_USES
from domain.roles import Role
from interfaces.http.dto import Id, Pagination

Instant = Annotated[datetime, msgspec.Meta(tz=True)]


class CreateInvitationRequest(msgspec.Struct, kw_only=True):
    role: Role
    department_id: Id | None = None
    expires_at: Instant | None = None
    """When the code stops working (with a time zone); default 7 days, at most 90 days away."""
    max_uses: Annotated[int, msgspec.Meta(ge=1, le=MAX_USES)] = 1


class IssuedInvitationResponse(msgspec.Struct, kw_only=True):
    message: str
    invitation: IssuedInvitation


class InvitationsResponse(msgspec.Struct, kw_only=True):
    message: str
    invitations: list[InvitationView]
    pagination: Pagination
