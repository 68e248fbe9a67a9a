"""Identity use cases: the first system admin, registration, login, profiles, users."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import msgspec

from domain.errors import (
    AuthenticationFailed,
    Conflict,
    EmailAlreadyRegistered,
    NotFound,
    PermissionDenied,
    RuleViolation,
    SystemAdminAlreadyExists,
)
from domain.identity import (
    JOIN_PENDING,
    SIGNED_OUT_EVERYWHERE,
    EmailClaim,
    NoPendingJoinRequest,
    SignIn,
    SignOut,
    SystemAdminSeat,
    User,
    normalise_email,
)
from domain.invitation import ACTIVE, Invitation, InvitationNotValid
from domain.ids import aggregate_uuid
from domain.roles import Gender, Role

from application import policy
from application.commands import NewUser, UserChanges
from application.events import ConcurrentWrite, SchedulaX
from application.passwords import check_password
from application.ports import Directory, IdAllocator, PasswordHasher, ProjectionSync
from application.principal import Principal, principal_of
from application.versions import check_version
from application.views import CallerView, Page, Paged, SignedIn, UserFilter, UserView

# Registrations racing for one invitation each look again this many times.
INVITED_ATTEMPTS = 5


class IdentityService:
    def __init__(
        self,
        events: SchedulaX,
        ids: IdAllocator,
        hasher: PasswordHasher,
        directory: Directory,
        sync: ProjectionSync,
    ) -> None:
        self._events = events
        self._ids = ids
        self._hasher = hasher
        self._directory = directory
        self._sync = sync
        self._dummy: str | None = None

    # -- commands -------------------------------------------------------------

    def create_system_admin(self, full_name: str, email: str, password: str) -> UserView:
        if self._events.find(SystemAdminSeat.ID, SystemAdminSeat) is not None:
            raise SystemAdminAlreadyExists()
        user = self._new_user(
            NewUser(full_name=full_name, email=email, password=password, role=Role.SYSTEM_ADMIN),
            by=None,
        )
        try:
            return self._save_new(user, SystemAdminSeat(user_id=user.user_id))
        except EmailAlreadyRegistered:
            # The save refuses both kinds of duplicate; the seat tells which one lost.
            if self._events.find(SystemAdminSeat.ID, SystemAdminSeat) is not None:
                raise SystemAdminAlreadyExists() from None
            raise

    def register(self, new: NewUser) -> UserView:
        """Public self-registration: employees only; admins create everyone else.

        Naming an enterprise (and a department) only asks to join it: the user stands in
        none until someone who may approve does. Whether they exist is not checked, so
        the answer is the same for every id and reveals none.
        """
        if new.role is not Role.EMPLOYEE:
            raise PermissionDenied(
                f"Registration cannot assign the {new.role.value} role; "
                "an administrator must create this user"
            )
        user = self._new_user(dataclasses.replace(new, enterprise_id=None, department_id=None), by=None)
        if new.enterprise_id is not None or new.department_id is not None:
            user.request_to_join(enterprise_id=new.enterprise_id, department_id=new.department_id)
        return self._save_new(user)

    def register_invited(self, new: NewUser, code: str, now: datetime) -> UserView:
        """Registration with an invitation: placed as it says, spending one of its uses in the
        same save as the user (a concurrent use makes the save fail, and we look again)."""
        password_hash = self._hash(new.password)
        for _ in range(INVITED_ATTEMPTS):
            invitation = self._events.find(Invitation.id_for(code), Invitation)
            if (invitation is None or invitation.status(now) != ACTIVE
                    or not self._tenant_exists(invitation.enterprise_id, invitation.department_id)):
                raise InvitationNotValid()
            placed = dataclasses.replace(
                new, role=invitation.role_enum, enterprise_id=invitation.enterprise_id,
                department_id=invitation.department_id, is_active=True,
            )
            user = self._new_user(placed, by=None, password_hash=password_hash)
            invitation.use(user_id=user.user_id, now=now)
            try:
                position = self._events.commit(user, self._claim(user), invitation)
            except ConcurrentWrite:
                continue  # the invitation was used or the email taken meanwhile: look again
            self._sync.wait_for(position)
            return self._view(user.user_id)
        raise Conflict("The invitation is being used by other registrations; retry")

    def approve_join(self, principal: Principal, user_id: int) -> UserView:
        """Place the user where they asked to be, as an employee."""
        user = self._join_request_of(principal, user_id)
        self._check_join_target(user.join_enterprise_id, user.join_department_id)
        user.approve_join(by=principal.id)
        return self._save_existing(user)

    def reject_join(self, principal: Principal, user_id: int) -> UserView:
        user = self._join_request_of(principal, user_id)
        user.reject_join(by=principal.id)
        return self._save_existing(user)

    def create_user(self, principal: Principal, new: NewUser) -> UserView:
        policy.require_role(principal, *policy.ADMINS)
        policy.require_grantable(principal, new.role)
        if new.enterprise_id is not None:
            policy.require_enterprise(principal, new.enterprise_id, "Enterprise")
        self._check_tenant_exists(new.enterprise_id, new.department_id)
        return self._save_new(self._new_user(new, by=principal.id))

    def update_user(
        self, principal: Principal, user_id: int, changes: UserChanges, expected_version: int | None = None
    ) -> UserView:
        policy.require_role(principal, *policy.ADMINS)
        user = self._load_visible_user(principal, user_id)
        if user.role_enum is Role.SYSTEM_ADMIN and not principal.is_system_admin:
            raise NotFound("User not found")
        check_version(user.version, expected_version)
        role = changes.role or user.role_enum
        policy.require_grantable(principal, role)
        enterprise_id = _pick(changes, "enterprise_id", user.enterprise_id)
        department_id = _pick(changes, "department_id", user.department_id)
        if role is Role.SYSTEM_ADMIN:
            enterprise_id = department_id = None
        if enterprise_id != user.enterprise_id:
            policy.require_enterprise(principal, enterprise_id, "Enterprise")
        self._check_tenant_exists(enterprise_id, department_id)
        if user_id == principal.id and (changes.is_active is False or role is not user.role_enum):
            raise Conflict("You cannot deactivate yourself or change your own role")
        user.place(role=role, enterprise_id=enterprise_id, department_id=department_id, by=principal.id)
        user.update_profile(full_name=changes.full_name, gender=changes.gender, by=principal.id)
        if changes.is_active is not None:
            user.set_active(is_active=changes.is_active, by=principal.id)
        if changes.password is not None:
            user.change_password(password_hash=self._hash(changes.password), by=principal.id)
        claims = self._move_email(user, changes.email, by=principal.id)
        return self._save_existing(user, *claims)

    def update_profile(
        self, principal: Principal, full_name: str | None, gender: Gender | None
    ) -> UserView:
        policy.require_may_change(principal)
        user = self._load_user(principal.id)
        user.update_profile(full_name=full_name, gender=gender, by=principal.id)
        return self._save_existing(user)

    def sign_out(self, principal: Principal, session_id: str, until: int) -> None:
        """End one session of the caller: its tokens are refused from the next request on,
        in every process (the read model that authentication reads says so)."""
        try:
            position = self._events.commit(
                SignOut(session_id=session_id, user_id=principal.id, until=until, by=principal.id)
            )
        except ConcurrentWrite:
            return  # a concurrent logout of the same session ended it already
        self._sync.wait_for(position)

    def sign_out_everywhere(self, principal: Principal) -> None:
        """End every session of the caller, this one included."""
        user = self._load_user(principal.id)
        user.revoke_sessions(reason=SIGNED_OUT_EVERYWHERE, by=principal.id)
        self._save_existing(user)

    # -- queries --------------------------------------------------------------

    def authenticate(self, email: str, password: str) -> UserView:
        return self.sign_in(email, password).user

    def sign_in(self, email: str, password: str) -> SignedIn:
        """The user behind valid credentials, with the generation their new tokens carry."""
        claim = self._events.find(EmailClaim.id_for(email), EmailClaim)
        user = self._events.find(aggregate_uuid("user", claim.user_id), User) if claim and claim.user_id else None
        # Hash even for unknown emails, so that timing does not reveal which exist.
        valid = self._hasher.verify(password, user.password_hash if user else self._dummy_hash())
        # One answer for all three, so that a deactivated account does not confirm its password.
        if user is None or not valid or not user.is_active:
            raise AuthenticationFailed("Invalid email or password")
        # Not waited for: only the dashboards' last-login column reads it.
        self._events.commit(SignIn(user_id=user.user_id, by=user.user_id))
        return SignedIn(user=self._view(user.user_id), session_generation=user.session_generation)

    def principal(self, user_id: int) -> Principal | None:
        """The caller as they stand now (a token's claims may be older than a role change)."""
        caller = self.caller(user_id)
        return principal_of(caller.user) if caller else None

    def caller(self, user_id: int, session_id: str | None = None) -> CallerView | None:
        """The active user behind a token, with their department's name and what is known of
        the token's session (`CallerView.admits`); None if gone or deactivated."""
        caller = self._directory.caller(user_id, session_id)
        return caller if caller is not None and caller.user.is_active else None

    def profile(self, principal: Principal) -> UserView:
        return self._view(principal.id)

    def get_user(self, principal: Principal, user_id: int) -> UserView:
        view = self._directory.user(user_id)
        if view is None or not (
            policy.can_read_user(principal, view.id, view.enterprise_id, view.department_id)
            or _may_see_request(principal, view)
        ):
            raise NotFound("User not found")
        return view

    def list_users(self, principal: Principal, criteria: UserFilter, page: Page) -> Paged[UserView]:
        policy.require_role(principal, *policy.ADMINS, Role.MANAGER, Role.AUDITOR)
        if principal.role in policy.ENTERPRISE_WIDE:
            criteria = _narrow(criteria, enterprise_id=principal.enterprise_id)
        elif principal.role is Role.MANAGER:
            if principal.department_id is None:
                return Paged(items=[], total=0, page=page)
            criteria = _narrow(
                criteria,
                enterprise_id=principal.enterprise_id,
                department_id=principal.department_id,
            )
        return self._directory.users(criteria, page)

    # -- helpers --------------------------------------------------------------

    def _new_user(self, new: NewUser, by: int | None, password_hash: str | None = None) -> User:
        claim = self._events.find(EmailClaim.id_for(new.email), EmailClaim)
        if claim is not None and claim.user_id is not None:
            raise EmailAlreadyRegistered(new.email)
        return User.register(
            user_id=self._ids.next_id("user"),
            full_name=new.full_name,
            email=new.email,
            password_hash=password_hash or self._hash(new.password),
            role=new.role,
            gender=new.gender,
            enterprise_id=new.enterprise_id,
            department_id=new.department_id,
            is_active=new.is_active,
            by=by,
        )

    def _claim(self, user: User) -> EmailClaim:
        """The claim on a new user's email, to save with them."""
        claim = self._events.find(EmailClaim.id_for(user.email), EmailClaim)
        if claim is None:
            return EmailClaim.claim(user.email, user.user_id)
        claim.reclaim(user.user_id)
        return claim

    def _save_new(self, user: User, *others: object) -> UserView:
        """Save a new user with the claim on its email; a concurrent claim wins."""
        claim = self._claim(user)
        try:
            position = self._events.commit(user, claim, *others)
        except ConcurrentWrite:
            raise EmailAlreadyRegistered(user.email) from None
        self._sync.wait_for(position)
        return self._view(user.user_id)

    def _save_existing(self, user: User, *others: object) -> UserView:
        try:
            position = self._events.commit(user, *others)
        except ConcurrentWrite:
            raise Conflict("The user was changed by another request; retry") from None
        self._sync.wait_for(position)
        return self._view(user.user_id)

    def _move_email(self, user: User, email: str | None, by: int) -> list[EmailClaim]:
        if email is None or normalise_email(email) == normalise_email(user.email):
            if email is not None:
                user.change_email(email=email, by=by)
            return []
        old = self._events.find(EmailClaim.id_for(user.email), EmailClaim)
        new = self._events.find(EmailClaim.id_for(email), EmailClaim)
        user.change_email(email=email, by=by)
        if new is None:
            new = EmailClaim.claim(email, user.user_id)
        else:
            new.reclaim(user.user_id)
        if old is not None:
            old.release()
        return [c for c in (old, new) if c is not None]

    def _join_request_of(self, principal: Principal, user_id: int) -> User:
        """The user whose pending request the caller may decide; hidden (404) from the others."""
        policy.require_role(principal, *policy.ADMINS, Role.MANAGER)
        user = self._load_user(user_id)
        if user.join_status == JOIN_PENDING and policy.can_approve_join(
            principal, user.join_enterprise_id, user.join_department_id
        ):
            return user
        if policy.can_read_user(principal, user.user_id, user.enterprise_id, user.department_id):
            raise NoPendingJoinRequest()
        raise NotFound("User not found")

    def _check_join_target(self, enterprise_id: int, department_id: int | None) -> None:
        """What a request names was never checked, and a department may have gone since."""
        if self._directory.enterprise(enterprise_id) is None:
            raise Conflict("The enterprise this user asked to join does not exist; reject the request")
        if department_id is not None and not self._tenant_exists(enterprise_id, department_id):
            raise Conflict(
                "The department this user asked to join does not exist in that enterprise"
                " (any more); reject the request, or invite them into another"
            )

    def _tenant_exists(self, enterprise_id: int, department_id: int | None) -> bool:
        if department_id is None:
            return self._directory.enterprise(enterprise_id) is not None
        department = self._directory.department(department_id)
        return department is not None and department.enterprise_id == enterprise_id

    def _check_tenant_exists(self, enterprise_id: int | None, department_id: int | None) -> None:
        if enterprise_id is not None and self._directory.enterprise(enterprise_id) is None:
            raise RuleViolation("Enterprise does not exist", field="enterprise_id")
        if department_id is not None:
            department = self._directory.department(department_id)
            if department is None or department.enterprise_id != enterprise_id:
                raise RuleViolation(
                    "Department does not exist in this enterprise", field="department_id"
                )

    def _load_user(self, user_id: int) -> User:
        user = self._events.find(aggregate_uuid("user", user_id), User)
        if user is None:
            raise NotFound("User not found")
        return user

    def _load_visible_user(self, principal: Principal, user_id: int) -> User:
        user = self._load_user(user_id)
        if not policy.can_read_user(principal, user.user_id, user.enterprise_id, user.department_id):
            raise NotFound("User not found")
        return user

    def _view(self, user_id: int) -> UserView:
        view = self._directory.user(user_id)
        if view is None:
            raise NotFound("User not found")
        return view

    def _dummy_hash(self) -> str:
        # Verifying against it costs what a real check costs.
        if self._dummy is None:
            self._dummy = self._hasher.hash("no user has this password")
        return self._dummy

    def _hash(self, password: str) -> str:
        return self._hasher.hash(check_password(password))


def _pick(changes: UserChanges, name: str, current: int | None) -> int | None:
    if name in changes.cleared:
        return None
    value = getattr(changes, name)
    return current if value is None else value


def _narrow(criteria: UserFilter, **fixed: int | None) -> UserFilter:
    return msgspec.structs.replace(criteria, **fixed)


def _may_see_request(principal: Principal, view: UserView) -> bool:
    """A pending join request is visible to whoever may approve it, and to the auditors of the
    enterprise it names."""
    request = view.join_request
    return (
        request is not None
        and request.status == JOIN_PENDING
        and policy.can_see_join_request(principal, request.enterprise_id, request.department_id)
    )
