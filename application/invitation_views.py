"""Read DTOs of invitations."""

from __future__ import annotations

from uuid import UUID

import msgspec


class InvitationView(msgspec.Struct, kw_only=True):
    id: int
    enterprise_id: int
    department_id: int | None
    role: str
    expires_at: str
    max_uses: int
    uses: int
    status: str  # active, expired, revoked or used_up
    created_by: int
    created_at: str
    updated_at: str
    version: int


class IssuedInvitation(InvitationView, kw_only=True):
    """The invitation as its issuer receives it, once: with the secret code."""

    code: str


class InvitationRecord(msgspec.Struct, kw_only=True):
    """An invitation with the event-store id of its aggregate (derived from its code)."""

    view: InvitationView
    stream: UUID
