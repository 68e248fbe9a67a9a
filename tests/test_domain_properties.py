"""Property tests: random command sequences against users, and email uniqueness end to end."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
)

from application.commands import NewUser
from application.views import Page, UserFilter
from domain.errors import DomainError, EmailAlreadyRegistered
from domain.identity import User
from domain.ids import aggregate_uuid
from domain.roles import Gender, Role
from infrastructure.settings import Settings
from interfaces.container import build_container

# -- oracles, written independently of the domain code ------------------------------

ROLES = list(Role)
GENDERS = [None, *Gender]
ENTERPRISES = [None, 1, 2]
DEPARTMENTS = [None, 10, 11]

NAMES = st.one_of(
    st.sampled_from(["Ada", "Grace Hopper", "  Linus  ", "", "   ", "\t", "n" * 255, "n" * 256]),
    st.text(alphabet="abcXYZ -'", min_size=0, max_size=12),
)
VALID_EMAILS = ["ada@example.com", "ADA@example.com", " ada@example.com ", "b.c@y.org", "d@z.co"]
INVALID_EMAILS = ["", "   ", "nope", "a@b", "a b@c.de", "x@@y.io", "@y.io", "x" * 250 + "@a.io"]
EMAILS = st.sampled_from(VALID_EMAILS + INVALID_EMAILS)


def name_ok(name: str) -> bool:
    return 1 <= len(name.strip()) <= 255


def email_ok(email: str) -> bool:
    return email in VALID_EMAILS


def placement_ok(role: Role, enterprise_id: int | None, department_id: int | None) -> bool:
    """The placement rule as the domain currently states it (see domain/identity.py)."""
    if department_id is not None and enterprise_id is None:
        return False
    if role is Role.SYSTEM_ADMIN:
        return enterprise_id is None and department_id is None
    if role in (Role.ENTERPRISE_ADMIN, Role.AUDITOR):
        return enterprise_id is not None and department_id is None
    if role is Role.MANAGER:
        return enterprise_id is not None
    return True  # an employee may stand alone, or in an enterprise with or without department


FIELDS = ("full_name", "email", "role", "gender", "enterprise_id", "department_id", "is_active")


def fields_of(user: User) -> dict[str, Any]:
    return {f: getattr(user, f) for f in FIELDS}


def state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


# -- (a) random commands against User aggregates --------------------------------------


class UserCommands(RuleBasedStateMachine):
    """Each command is checked against a model; every step is saved and replayed."""

    users = Bundle("users")

    def __init__(self) -> None:
        super().__init__()
        self.app: Application[Any] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.live: dict[int, User] = {}
        self.model: dict[int, dict[str, Any]] = {}
        self.versions: dict[int, int] = {}
        self.next_id = 1

    def teardown(self) -> None:
        self.app.close()

    # commands ---------------------------------------------------------------------

    @rule(
        target=users,
        full_name=NAMES,
        email=EMAILS,
        role=st.sampled_from(ROLES),
        gender=st.sampled_from(GENDERS),
        enterprise_id=st.sampled_from(ENTERPRISES),
        department_id=st.sampled_from(DEPARTMENTS),
        is_active=st.booleans(),
    )
    def register(
        self, full_name: str, email: str, role: Role, gender: Gender | None,
        enterprise_id: int | None, department_id: int | None, is_active: bool,
    ) -> Any:
        user_id = self.next_id
        valid = name_ok(full_name) and email_ok(email) and placement_ok(role, enterprise_id, department_id)
        kwargs = dict(
            user_id=user_id, full_name=full_name, email=email, password_hash="h", role=role,
            gender=gender, enterprise_id=enterprise_id, department_id=department_id,
            is_active=is_active, by=None,
        )
        if not valid:
            with pytest.raises(DomainError):
                User.register(**kwargs)  # type: ignore[arg-type]
            return multiple()
        user = User.register(**kwargs)  # type: ignore[arg-type]
        self.next_id += 1
        assert user.id == aggregate_uuid("user", user_id)
        assert user.version == 1
        self.live[user_id] = user
        self.model[user_id] = {
            "full_name": full_name.strip(), "email": email.strip(), "role": role.value,
            "gender": gender.value if gender else None, "enterprise_id": enterprise_id,
            "department_id": department_id, "is_active": is_active,
        }
        self.versions[user_id] = 1
        self._check_and_save(user_id, new_events=1)
        return user_id

    @rule(
        user_id=users,
        full_name=st.one_of(st.none(), NAMES),
        gender=st.sampled_from(GENDERS),
    )
    def update_profile(self, user_id: int, full_name: str | None, gender: Gender | None) -> None:
        model = self.model[user_id]
        valid = full_name is None or name_ok(full_name)
        new = dict(model)
        if full_name is not None:
            new["full_name"] = full_name.strip()
        if gender is not None:
            new["gender"] = gender.value
        self._run(
            user_id, valid, new,
            lambda u: u.update_profile(full_name=full_name, gender=gender, by=99),
        )

    @rule(
        user_id=users,
        role=st.sampled_from(ROLES),
        enterprise_id=st.sampled_from(ENTERPRISES),
        department_id=st.sampled_from(DEPARTMENTS),
    )
    def place(
        self, user_id: int, role: Role, enterprise_id: int | None, department_id: int | None
    ) -> None:
        new = dict(self.model[user_id], role=role.value, enterprise_id=enterprise_id,
                   department_id=department_id)
        self._run(
            user_id, placement_ok(role, enterprise_id, department_id), new,
            lambda u: u.place(role=role, enterprise_id=enterprise_id,
                              department_id=department_id, by=99),
        )

    @rule(user_id=users, email=EMAILS)
    def change_email(self, user_id: int, email: str) -> None:
        new = dict(self.model[user_id], email=email.strip())
        self._run(user_id, email_ok(email), new, lambda u: u.change_email(email=email, by=99))

    @rule(user_id=users, is_active=st.booleans())
    def set_active(self, user_id: int, is_active: bool) -> None:
        new = dict(self.model[user_id], is_active=is_active)
        # A deactivation also revokes every session of the user: a second event.
        deactivating = not is_active and self.model[user_id]["is_active"]
        self._run(user_id, True, new, lambda u: u.set_active(is_active=is_active, by=99),
                  also=int(deactivating))

    # checks -----------------------------------------------------------------------

    def _run(self, user_id: int, valid: bool, expected: dict[str, Any], command: Any, also: int = 0) -> None:
        """`also`: events a valid change records beside the one that changes `expected`."""
        user = self.live[user_id]
        before = state(user)
        if not valid:
            with pytest.raises(DomainError):
                command(user)
            assert state(user) == before, "a refused command changed the user"
            assert user.version == self.versions[user_id]
            assert user._pending_events == []
            return
        command(user)
        changed = expected != self.model[user_id]
        self.model[user_id] = expected
        self.versions[user_id] += int(changed) + also
        self._check_and_save(user_id, new_events=int(changed) + also)

    def _check_and_save(self, user_id: int, new_events: int) -> None:
        """The live user matches the model, recorded exactly `new_events` events, is saved."""
        user = self.live[user_id]
        assert fields_of(user) == self.model[user_id]
        assert user.version == self.versions[user_id]
        assert len(user._pending_events) == new_events, (
            f"expected {new_events} new event(s), got {user._pending_events}"
        )
        self.app.save(user)

    @invariant()
    def placements_hold(self) -> None:
        for user in self.live.values():
            role = Role(user.role)
            if role is Role.SYSTEM_ADMIN:
                assert user.enterprise_id is None and user.department_id is None
            if role in (Role.ENTERPRISE_ADMIN, Role.MANAGER):
                assert user.enterprise_id is not None
            if role is Role.ENTERPRISE_ADMIN:
                assert user.department_id is None
            if user.department_id is not None:
                assert user.enterprise_id is not None

    @invariant()
    def replay_from_saved_events_equals_the_live_user(self) -> None:
        for user in self.live.values():
            replayed = self.app.repository.get(user.id)
            assert state(replayed) == state(user)


UserCommands.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_user_commands_keep_placements_valid_refusals_harmless_and_replay_exact = (
    UserCommands.TestCase
)


@given(
    role=st.sampled_from(ROLES),
    enterprise_id=st.sampled_from(ENTERPRISES),
    department_id=st.sampled_from(DEPARTMENTS),
)
@settings(max_examples=100, deadline=None)
def test_registration_accepts_exactly_the_placements_the_rule_allows(
    role: Role, enterprise_id: int | None, department_id: int | None
) -> None:
    def register() -> User:
        return User.register(
            user_id=1, full_name="Ada", email="ada@example.com", password_hash="h", role=role,
            gender=None, enterprise_id=enterprise_id, department_id=department_id,
            is_active=True, by=None,
        )

    if placement_ok(role, enterprise_id, department_id):
        user = register()
        assert (user.role, user.enterprise_id, user.department_id) == (
            role.value, enterprise_id, department_id,
        )
    else:
        with pytest.raises(DomainError):
            register()


# -- (b) email uniqueness through the application ---------------------------------------

EMAIL_POOL = [
    "ada@example.com", "ADA@example.com", "Ada@Example.Com", "aDa@EXAMPLE.COM",
    "bob@example.org", "BOB@EXAMPLE.ORG", "Bob@example.org",
    "cy@example.net",
]
PASSWORD = "correct-horse-9"


@given(emails=st.lists(st.sampled_from(EMAIL_POOL), min_size=1, max_size=10))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_exactly_one_registration_per_case_insensitive_email_succeeds(emails: list[str]) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        container = build_container(
            Settings(
                database_url="memory://", data_dir=Path(data_dir), bcrypt_rounds=4,
                rate_limit_enabled=False, jwt_secret="x",
            )
        )
        try:
            root = container.identity.create_system_admin("Root", "root@admin.test", PASSWORD)
            admin = container.identity.principal(root.id)
            assert admin is not None
            enterprise = container.organisation.create_enterprise(admin, "Acme", None)

            winners: dict[str, int] = {}
            for index, email in enumerate(emails):
                new = NewUser(
                    full_name=f"User {index}", email=email, password=PASSWORD,
                    role=Role.EMPLOYEE, enterprise_id=enterprise.id,
                )
                key = email.lower()
                if key in winners:
                    with pytest.raises(EmailAlreadyRegistered):
                        container.identity.register(new)
                else:
                    view = container.identity.register(new)
                    assert view.email == email
                    winners[key] = view.id

            # Self-registered, they asked to join the enterprise (and wait for its consent).
            in_enterprise = container.identity.list_users(
                admin, UserFilter(enterprise_id=enterprise.id, pending=True), Page(size=100)
            )
            everyone = container.identity.list_users(admin, UserFilter(), Page(size=100))
            assert in_enterprise.total == len(winners)
            assert everyone.total == len(winners) + 1  # and the system admin
            assert sorted(u.id for u in in_enterprise.items) == sorted(winners.values())
            assert len({u.email.lower() for u in everyone.items}) == everyone.total

            # Whatever case a later attempt used, signing in reaches the first registrant.
            for email in set(emails):
                assert container.identity.authenticate(email.upper(), PASSWORD).id == winners[
                    email.lower()
                ]
        finally:
            container.close()
