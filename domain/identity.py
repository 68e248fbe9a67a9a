"""Users, and the registries that keep emails and the first system admin unique.

Uniqueness is held by registry aggregates with fixed ids, saved in the same
transaction as the user they guard: a second claim of the same key is a second
"version 1" of one aggregate, which the event store refuses.
"""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, EmailAlreadyRegistered, RuleViolation
from domain.ids import aggregate_uuid, registry_uuid
from domain.roles import Gender, Role

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME_LENGTH = 255

# The states of a request to join an enterprise.
JOIN_PENDING = "pending"
JOIN_APPROVED = "approved"
JOIN_REJECTED = "rejected"

# Why every session of a user was ended (User.SessionsRevoked).
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
PASSWORD_CHANGED = "password_changed"
DEACTIVATED = "deactivated"
REVOCATION_REASONS = (SIGNED_OUT_EVERYWHERE, PASSWORD_CHANGED, DEACTIVATED)


class NoPendingJoinRequest(Conflict):
    def __init__(self) -> None:
        super().__init__("This user has no pending request to join an enterprise")


class JoinRequestPending(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "This user asked to join an enterprise: approve or reject the request before placing them"
        )


def normalise_email(email: str) -> str:
    """The case-insensitive key of an email address."""
    return email.strip().lower()


def check_email(email: str) -> str:
    email = email.strip()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise RuleViolation("Email address is not valid", field="email")
    return email


def check_full_name(full_name: str) -> str:
    full_name = full_name.strip()
    if not full_name or len(full_name) > MAX_NAME_LENGTH:
        raise RuleViolation(
            f"Full name must be 1 to {MAX_NAME_LENGTH} characters", field="full_name"
        )
    return full_name


def check_placement(role: Role, enterprise_id: int | None, department_id: int | None) -> None:
    """A system admin stands outside every enterprise; admins, auditors and managers belong to one.

    An employee may stand alone: 001's clients register with no enterprise and see
    only their own data until an administrator places them.
    """
    if role is Role.SYSTEM_ADMIN:
        if enterprise_id is not None or department_id is not None:
            raise RuleViolation(
                "A system administrator belongs to no enterprise or department",
                field="enterprise_id",
            )
        return
    if enterprise_id is None and role is not Role.EMPLOYEE:
        article = "An" if role.value[0] in "aeiou" else "A"
        raise RuleViolation(f"{article} {role.value} must belong to an enterprise", field="enterprise_id")
    if enterprise_id is None and department_id is not None:
        raise RuleViolation("A department belongs to an enterprise", field="enterprise_id")
    if role is Role.ENTERPRISE_ADMIN and department_id is not None:
        raise RuleViolation(
            "An enterprise administrator belongs to no single department", field="department_id"
        )
    if role is Role.AUDITOR and department_id is not None:
        raise RuleViolation("An auditor reads the whole enterprise and belongs to no single department",
                            field="department_id")


class User(Aggregate):
    """A person who signs in: an administrator, a manager or an employee."""

    session_generation = 0
    """Tokens carry the generation they were issued in; revoking every session moves it on,
    so that the older ones no longer match (users registered before it existed are at 0)."""

    @staticmethod
    def create_id(user_id: int, **_: object) -> UUID:
        return aggregate_uuid("user", user_id)

    @classmethod
    def register(
        cls,
        *,
        user_id: int,
        full_name: str,
        email: str,
        password_hash: str,
        role: Role,
        gender: Gender | None,
        enterprise_id: int | None,
        department_id: int | None,
        is_active: bool,
        by: int | None,
    ) -> User:
        check_placement(role, enterprise_id, department_id)
        return cls(
            user_id=user_id,
            full_name=check_full_name(full_name),
            email=check_email(email),
            password_hash=password_hash,
            role=role.value,
            gender=gender.value if gender else None,
            enterprise_id=enterprise_id,
            department_id=department_id,
            is_active=is_active,
            by=by,
        )

    @event("Registered")
    def __init__(
        self,
        *,
        user_id: int,
        full_name: str,
        email: str,
        password_hash: str,
        role: str,
        gender: str | None,
        enterprise_id: int | None,
        department_id: int | None,
        is_active: bool,
        by: int | None,
    ) -> None:
        self.user_id = user_id
        self.full_name = full_name
        self.email = email
        self.password_hash = password_hash
        self.role = role
        self.gender = gender
        self.enterprise_id = enterprise_id
        self.department_id = department_id
        self.is_active = is_active
        self.join_enterprise_id: int | None = None
        self.join_department_id: int | None = None
        self.join_status: str | None = None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    # -- joining an enterprise takes its consent ------------------------------------

    def request_to_join(self, *, enterprise_id: int | None, department_id: int | None) -> None:
        """Ask to be placed in an enterprise (and a department); until someone who may
        approve it does, the user stands in none and reads nothing of it."""
        check_placement(Role.EMPLOYEE, enterprise_id, department_id)
        if enterprise_id is None:
            raise RuleViolation("A join request names an enterprise", field="enterprise_id")
        if self.role_enum is not Role.EMPLOYEE or self.enterprise_id is not None:
            raise Conflict("Only an employee outside every enterprise asks to join one")
        if self.join_status == JOIN_PENDING:
            raise Conflict("A request to join an enterprise is already pending")
        self._join_requested(enterprise_id=enterprise_id, department_id=department_id)

    @event("JoinRequested")
    def _join_requested(self, *, enterprise_id: int, department_id: int | None) -> None:
        self.join_enterprise_id = enterprise_id
        self.join_department_id = department_id
        self.join_status = JOIN_PENDING

    def approve_join(self, *, by: int) -> None:
        """Place the user, as an employee, where they asked to be."""
        if self.join_status != JOIN_PENDING:
            raise NoPendingJoinRequest()
        self._join_approved(by=by)
        self.place(
            role=Role.EMPLOYEE,
            enterprise_id=self.join_enterprise_id,
            department_id=self.join_department_id,
            by=by,
        )

    @event("JoinApproved")
    def _join_approved(self, *, by: int) -> None:
        self.join_status = JOIN_APPROVED

    def reject_join(self, *, by: int) -> None:
        if self.join_status != JOIN_PENDING:
            raise NoPendingJoinRequest()
        self._join_rejected(by=by)

    @event("JoinRejected")
    def _join_rejected(self, *, by: int) -> None:
        self.join_status = JOIN_REJECTED

    def update_profile(self, *, full_name: str | None, gender: Gender | None, by: int) -> None:
        name = check_full_name(full_name) if full_name is not None else self.full_name
        new_gender = gender.value if gender is not None else self.gender
        if (name, new_gender) != (self.full_name, self.gender):
            self._profile_updated(full_name=name, gender=new_gender, by=by)

    @event("ProfileUpdated")
    def _profile_updated(self, *, full_name: str, gender: str | None, by: int) -> None:
        self.full_name = full_name
        self.gender = gender

    def place(
        self, *, role: Role, enterprise_id: int | None, department_id: int | None, by: int
    ) -> None:
        """Give the user a role in an enterprise and department."""
        check_placement(role, enterprise_id, department_id)
        if (role.value, enterprise_id, department_id) != (
            self.role,
            self.enterprise_id,
            self.department_id,
        ):
            if self.join_status == JOIN_PENDING:
                raise JoinRequestPending()
            self._placed(
                role=role.value, enterprise_id=enterprise_id, department_id=department_id, by=by
            )

    @event("Placed")
    def _placed(
        self, *, role: str, enterprise_id: int | None, department_id: int | None, by: int
    ) -> None:
        self.role = role
        self.enterprise_id = enterprise_id
        self.department_id = department_id

    def change_email(self, *, email: str, by: int) -> None:
        email = check_email(email)
        if email != self.email:
            self._email_changed(email=email, by=by)

    @event("EmailChanged")
    def _email_changed(self, *, email: str, by: int) -> None:
        self.email = email

    def set_active(self, *, is_active: bool, by: int) -> None:
        if is_active != self.is_active:
            self._activation_changed(is_active=is_active, by=by)
            if not is_active:
                # Reactivating must not bring the tokens of before back to life.
                self.revoke_sessions(reason=DEACTIVATED, by=by)

    @event("ActivationChanged")
    def _activation_changed(self, *, is_active: bool, by: int) -> None:
        self.is_active = is_active

    def change_password(self, *, password_hash: str, by: int) -> None:
        self._password_changed(password_hash=password_hash, by=by)
        # Whoever held the old password may hold a token too.
        self.revoke_sessions(reason=PASSWORD_CHANGED, by=by)

    @event("PasswordChanged")
    def _password_changed(self, *, password_hash: str, by: int) -> None:
        self.password_hash = password_hash

    # -- sessions -----------------------------------------------------------------

    def revoke_sessions(self, *, reason: str, by: int) -> None:
        """End every session: every token issued so far (access and refresh) is refused."""
        if reason not in REVOCATION_REASONS:
            raise ValueError(f"Unknown reason to revoke sessions: {reason}")
        self._sessions_revoked(generation=self.session_generation + 1, reason=reason, by=by)

    @event("SessionsRevoked")
    def _sessions_revoked(self, *, generation: int, reason: str, by: int) -> None:
        self.session_generation = generation


class SignIn(Aggregate):
    """One successful login, for the managers' "last login" and the audit trail.

    An aggregate of its own (random id, one event) so that signing in neither bumps
    the user's version (their ETag) nor contends with edits of the user.
    """

    @event("Recorded")
    def __init__(self, *, user_id: int, by: int) -> None:
        self.user_id = user_id


class SignOut(Aggregate):
    """One session ended by its holder: its access and refresh tokens are refused from now on.

    An aggregate of its own, keyed by the session, like SignIn: ending a session neither
    bumps the user's version nor grows the user's history with every logout. Its tokens
    expire by `until` (a Unix time), after which the read model may forget it.
    """

    @staticmethod
    def create_id(session_id: str, **_: object) -> UUID:
        return SignOut.id_for(session_id)

    @staticmethod
    def id_for(session_id: str) -> UUID:
        return registry_uuid(f"session:{session_id}")

    @event("Recorded")
    def __init__(self, *, session_id: str, user_id: int, until: int, by: int) -> None:
        self.session_id = session_id
        self.user_id = user_id
        self.until = until


class EmailClaim(Aggregate):
    """Registry entry that reserves one email address (case-insensitively) for one user."""

    @staticmethod
    def create_id(email_key: str, **_: object) -> UUID:
        return EmailClaim.id_for(email_key)

    @staticmethod
    def id_for(email: str) -> UUID:
        return registry_uuid(f"email:{normalise_email(email)}")

    @event("Claimed")
    def __init__(self, *, email_key: str, user_id: int) -> None:
        self.email_key = email_key
        self.user_id: int | None = user_id

    @classmethod
    def claim(cls, email: str, user_id: int) -> EmailClaim:
        return cls(email_key=normalise_email(email), user_id=user_id)

    def reclaim(self, user_id: int) -> None:
        if self.user_id is not None:
            raise EmailAlreadyRegistered(self.email_key)
        self._reclaimed(user_id=user_id)

    @event("Reclaimed")
    def _reclaimed(self, *, user_id: int) -> None:
        self.user_id = user_id

    def release(self) -> None:
        if self.user_id is not None:
            self._released()

    @event("Released")
    def _released(self) -> None:
        self.user_id = None


class SystemAdminSeat(Aggregate):
    """Exists once: the first system administrator took it."""

    ID = registry_uuid("system-admin-seat")

    @staticmethod
    def create_id(**_: object) -> UUID:
        return SystemAdminSeat.ID

    @event("Taken")
    def __init__(self, *, user_id: int) -> None:
        self.user_id = user_id


