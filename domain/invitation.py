"""Invitations: an enterprise's consent, handed out as a secret code, to place who registers with it.

The aggregate's id is derived from its code (a registry, like the email claims): a
registration finds it by the code alone, and saves its use in the same transaction as
the new user, so the event store's optimistic concurrency keeps `max_uses` under
concurrent registrations. The code itself is stored nowhere; only its derived id is.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.identity import check_placement
from domain.ids import registry_uuid
from domain.roles import Role

DEFAULT_LIFETIME = timedelta(days=7)
MAX_LIFETIME = timedelta(days=90)
MAX_USES = 1000
MIN_CODE_LENGTH = 16

ACTIVE, EXPIRED, REVOKED, USED_UP = "active", "expired", "revoked", "used_up"


class InvitationNotValid(RuleViolation):
    """One answer for an unknown, expired, revoked or used-up code, so codes cannot be probed."""

    def __init__(self) -> None:
        super().__init__(
            "The invitation code is not valid: it is unknown, expired, revoked or used up",
            field="invitation_code",
        )


def invitation_status(*, revoked: bool, uses: int, max_uses: int, expires_at: datetime,
                      now: datetime) -> str:
    """Whether an invitation can still be used at `now`, and if not, why."""
    if revoked:
        return REVOKED
    if uses >= max_uses:
        return USED_UP
    if now >= expires_at:
        return EXPIRED
    return ACTIVE


def _utc(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RuleViolation(f"{field} must carry a time zone", field=field)
    return moment.astimezone(timezone.utc)


class Invitation(Aggregate):
    """A role in an enterprise (and maybe a department), offered to whoever holds the code."""

    @staticmethod
    def id_for(code: str) -> UUID:
        return registry_uuid(f"invitation:{code}")

    @classmethod
    def issue(
        cls,
        *,
        code: str,
        invitation_id: int,
        enterprise_id: int,
        department_id: int | None,
        role: Role,
        expires_at: datetime | None,
        max_uses: int,
        now: datetime,
        by: int,
    ) -> Invitation:
        if len(code) < MIN_CODE_LENGTH:
            raise RuleViolation("An invitation code must be a long random secret", field="code")
        check_placement(role, enterprise_id, department_id)
        now = _utc(now, "now")
        expires = now + DEFAULT_LIFETIME if expires_at is None else _utc(expires_at, "expires_at")
        if not now < expires <= now + MAX_LIFETIME:
            raise RuleViolation(
                f"An invitation expires in the future, at most {MAX_LIFETIME.days} days from now",
                field="expires_at",
            )
        if not 1 <= max_uses <= MAX_USES:
            raise RuleViolation(f"max_uses must be 1 to {MAX_USES}", field="max_uses")
        return cls(
            id=cls.id_for(code),
            invitation_id=invitation_id,
            enterprise_id=enterprise_id,
            department_id=department_id,
            role=role.value,
            expires_at=expires,
            max_uses=max_uses,
            by=by,
        )

    @event("Issued")
    def __init__(
        self,
        *,
        id: UUID,  # noqa: A002 (eventsourcing's name for an id given by the caller)
        invitation_id: int,
        enterprise_id: int,
        department_id: int | None,
        role: str,
        expires_at: datetime,
        max_uses: int,
        by: int,
    ) -> None:
        self.invitation_id = invitation_id
        self.enterprise_id = enterprise_id
        self.department_id = department_id
        self.role = role
        self.expires_at = expires_at
        self.max_uses = max_uses
        self.created_by = by
        self.uses = 0
        self.revoked = False

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def status(self, now: datetime) -> str:
        return invitation_status(revoked=self.revoked, uses=self.uses, max_uses=self.max_uses,
                                 expires_at=self.expires_at, now=_utc(now, "now"))

    def use(self, *, user_id: int, now: datetime) -> None:
        """Spend one use on the user it places; anything but an active invitation is refused alike."""
        if self.status(now) != ACTIVE:
            raise InvitationNotValid()
        self._used(user_id=user_id)

    @event("Used")
    def _used(self, *, user_id: int) -> None:
        self.uses += 1

    def revoke(self, *, by: int) -> None:
        if not self.revoked:
            self._revoked(by=by)

    @event("Revoked")
    def _revoked(self, *, by: int) -> None:
        self.revoked = True
