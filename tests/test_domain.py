"""Unit tests of the aggregates: rules, change detection, derived ids and replay. No I/O."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.application import Application

from domain.errors import Conflict, DomainError, EmailAlreadyRegistered, RuleViolation
from domain.identity import SIGNED_OUT_EVERYWHERE, EmailClaim, SignOut, SystemAdminSeat, User, normalise_email
from domain.ids import aggregate_uuid, registry_uuid
from domain.organisation import Department, DepartmentDeleted, Enterprise
from domain.roles import Gender, Role

# -- helpers ------------------------------------------------------------------


def new_user(**overrides: Any) -> User:
    fields: dict[str, Any] = dict(
        user_id=7,
        full_name="Ada Lovelace",
        email="ada@example.com",
        password_hash="hash-1",
        role=Role.EMPLOYEE,
        gender=Gender.FEMALE,
        enterprise_id=1,
        department_id=10,
        is_active=True,
        by=None,
    )
    fields.update(overrides)
    return User.register(**fields)


def new_enterprise(**overrides: Any) -> Enterprise:
    fields: dict[str, Any] = dict(enterprise_id=3, name="Acme", description="Widgets", by=1)
    fields.update(overrides)
    return Enterprise.found(**fields)


def new_department(**overrides: Any) -> Department:
    fields: dict[str, Any] = dict(
        department_id=5, enterprise_id=3, name="Ops", description=None, manager_id=None, by=1
    )
    fields.update(overrides)
    return Department.open(**fields)


def state(aggregate: Any) -> dict[str, Any]:
    """Everything an aggregate holds, except the events not yet collected."""
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def pending(aggregate: Any) -> list[str]:
    return [type(e).__name__ for e in aggregate._pending_events]


@pytest.fixture
def app() -> Iterator[Application[Any]]:
    application: Application[Any] = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield application
    application.close()


# -- User.register: placement ---------------------------------------------------


@pytest.mark.parametrize(
    ("enterprise_id", "department_id"), [(1, None), (None, 10), (1, 10)]
)
def test_a_system_admin_cannot_be_registered_inside_an_enterprise_or_department(
    enterprise_id: int | None, department_id: int | None
) -> None:
    with pytest.raises(RuleViolation):
        new_user(role=Role.SYSTEM_ADMIN, enterprise_id=enterprise_id, department_id=department_id)


def test_a_system_admin_is_registered_outside_every_enterprise() -> None:
    user = new_user(role=Role.SYSTEM_ADMIN, enterprise_id=None, department_id=None)
    assert (user.role, user.enterprise_id, user.department_id) == ("systemAdmin", None, None)
    assert user.role_enum is Role.SYSTEM_ADMIN


@pytest.mark.parametrize("role", [Role.ENTERPRISE_ADMIN, Role.MANAGER])
def test_enterprise_admins_and_managers_need_an_enterprise(role: Role) -> None:
    with pytest.raises(RuleViolation) as raised:
        new_user(role=role, enterprise_id=None, department_id=None)
    assert raised.value.details["field"] == "enterprise_id"


def test_an_employee_may_stand_outside_every_enterprise() -> None:
    # Current rule (domain/identity.check_placement): self-registered clients have no tenant yet.
    user = new_user(role=Role.EMPLOYEE, enterprise_id=None, department_id=None)
    assert (user.role, user.enterprise_id, user.department_id) == ("employee", None, None)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.EMPLOYEE])
def test_nobody_has_a_department_without_an_enterprise(role: Role) -> None:
    with pytest.raises(RuleViolation):
        new_user(role=role, enterprise_id=None, department_id=10)


def test_an_enterprise_admin_cannot_belong_to_a_department() -> None:
    with pytest.raises(RuleViolation) as raised:
        new_user(role=Role.ENTERPRISE_ADMIN, enterprise_id=1, department_id=10)
    assert raised.value.details["field"] == "department_id"


def test_an_enterprise_admin_belongs_to_an_enterprise_only() -> None:
    user = new_user(role=Role.ENTERPRISE_ADMIN, enterprise_id=1, department_id=None)
    assert (user.role, user.enterprise_id, user.department_id) == ("enterpriseAdmin", 1, None)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.EMPLOYEE])
@pytest.mark.parametrize("department_id", [None, 10])
def test_managers_and_employees_may_have_a_department_or_not(
    role: Role, department_id: int | None
) -> None:
    user = new_user(role=role, enterprise_id=2, department_id=department_id)
    assert (user.role, user.enterprise_id, user.department_id) == (role.value, 2, department_id)


# -- User.register: email and name ---------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "plainaddress",
        "no-domain@",
        "@no-local.com",
        "no-dot@domain",
        "two@@ats.com",
        "spa ce@example.com",
        "a@exa mple.com",
        "x" * 250 + "@a.io",
    ],
)
def test_a_malformed_email_is_refused_at_registration(email: str) -> None:
    with pytest.raises(RuleViolation) as raised:
        new_user(email=email)
    assert raised.value.details["field"] == "email"


def test_an_email_of_254_characters_is_accepted_and_255_is_not() -> None:
    local = "x" * (254 - len("@a.io"))
    assert new_user(email=local + "@a.io").email == local + "@a.io"
    with pytest.raises(RuleViolation):
        new_user(email=local + "x@a.io")


def test_registration_keeps_the_email_case_but_strips_surrounding_space() -> None:
    user = new_user(email="  Ada.Lovelace@Example.COM \n")
    assert user.email == "Ada.Lovelace@Example.COM"


@pytest.mark.parametrize("full_name", ["", "   ", "\t\n", "n" * 256])
def test_an_empty_or_too_long_full_name_is_refused(full_name: str) -> None:
    with pytest.raises(RuleViolation) as raised:
        new_user(full_name=full_name)
    assert raised.value.details["field"] == "full_name"


def test_a_full_name_of_255_characters_is_accepted_and_stripped() -> None:
    assert new_user(full_name="  " + "n" * 255 + "  ").full_name == "n" * 255


def test_registration_records_one_registered_event_with_the_given_fields() -> None:
    user = new_user()
    assert pending(user) == ["Registered"]
    assert user.version == 1
    assert (user.user_id, user.full_name, user.email, user.password_hash) == (
        7, "Ada Lovelace", "ada@example.com", "hash-1",
    )
    assert (user.role, user.gender, user.is_active) == ("employee", "female", True)


def test_rule_violations_are_domain_errors() -> None:
    with pytest.raises(DomainError):
        new_user(email="nope")
    assert issubclass(EmailAlreadyRegistered, Conflict)
    assert issubclass(DepartmentDeleted, Conflict)


# -- User methods: events only on real change --------------------------------------


@pytest.fixture
def user() -> User:
    registered = new_user()
    registered.collect_events()
    return registered


def test_update_profile_with_the_same_values_records_nothing(user: User) -> None:
    user.update_profile(full_name="Ada Lovelace", gender=Gender.FEMALE, by=1)
    user.update_profile(full_name=None, gender=None, by=1)
    user.update_profile(full_name="  Ada Lovelace  ", gender=None, by=1)
    assert pending(user) == []
    assert user.version == 1


def test_update_profile_with_a_new_name_records_one_event(user: User) -> None:
    user.update_profile(full_name="Ada King", gender=None, by=1)
    assert pending(user) == ["ProfileUpdated"]
    assert (user.full_name, user.gender, user.version) == ("Ada King", "female", 2)


def test_update_profile_with_a_new_gender_keeps_the_name(user: User) -> None:
    user.update_profile(full_name=None, gender=Gender.OTHER, by=1)
    assert pending(user) == ["ProfileUpdated"]
    assert (user.full_name, user.gender) == ("Ada Lovelace", "other")


def test_update_profile_with_an_empty_name_fails_and_changes_nothing(user: User) -> None:
    before = state(user)
    with pytest.raises(RuleViolation):
        user.update_profile(full_name=" ", gender=Gender.MALE, by=1)
    assert state(user) == before
    assert pending(user) == []


def test_place_in_the_same_position_records_nothing(user: User) -> None:
    user.place(role=Role.EMPLOYEE, enterprise_id=1, department_id=10, by=1)
    assert pending(user) == []


def test_place_with_a_new_role_records_one_placed_event(user: User) -> None:
    user.place(role=Role.ENTERPRISE_ADMIN, enterprise_id=1, department_id=None, by=1)
    assert pending(user) == ["Placed"]
    assert (user.role, user.enterprise_id, user.department_id) == ("enterpriseAdmin", 1, None)


def test_place_in_a_forbidden_position_fails_and_changes_nothing(user: User) -> None:
    before = state(user)
    with pytest.raises(RuleViolation):
        user.place(role=Role.ENTERPRISE_ADMIN, enterprise_id=1, department_id=10, by=1)
    with pytest.raises(RuleViolation):
        user.place(role=Role.SYSTEM_ADMIN, enterprise_id=1, department_id=None, by=1)
    with pytest.raises(RuleViolation):
        user.place(role=Role.MANAGER, enterprise_id=None, department_id=None, by=1)
    with pytest.raises(RuleViolation):
        user.place(role=Role.EMPLOYEE, enterprise_id=None, department_id=10, by=1)
    assert state(user) == before
    assert pending(user) == []


def test_a_user_can_be_promoted_to_system_admin_leaving_the_enterprise(user: User) -> None:
    user.place(role=Role.SYSTEM_ADMIN, enterprise_id=None, department_id=None, by=1)
    assert (user.role, user.enterprise_id, user.department_id) == ("systemAdmin", None, None)


def test_change_email_to_the_same_address_records_nothing(user: User) -> None:
    user.change_email(email="ada@example.com", by=1)
    user.change_email(email=" ada@example.com ", by=1)
    assert pending(user) == []


def test_change_email_to_another_case_is_a_real_change(user: User) -> None:
    user.change_email(email="ADA@example.com", by=1)
    assert pending(user) == ["EmailChanged"]
    assert user.email == "ADA@example.com"


def test_change_email_to_a_malformed_address_fails_and_changes_nothing(user: User) -> None:
    with pytest.raises(RuleViolation):
        user.change_email(email="ada-at-example.com", by=1)
    assert user.email == "ada@example.com"
    assert pending(user) == []


def test_set_active_records_only_a_change_of_state(user: User) -> None:
    user.set_active(is_active=True, by=1)
    assert pending(user) == []
    user.set_active(is_active=False, by=1)
    user.set_active(is_active=False, by=1)
    assert pending(user) == ["ActivationChanged", "SessionsRevoked"]
    assert user.is_active is False


def test_deactivating_revokes_every_session_and_reactivating_does_not_restore_them(user: User) -> None:
    user.set_active(is_active=False, by=1)
    assert user.session_generation == 1
    user.set_active(is_active=True, by=1)
    assert user.session_generation == 1
    assert pending(user) == ["ActivationChanged", "SessionsRevoked", "ActivationChanged"]


def test_revoking_sessions_moves_the_generation_on_with_the_reason(user: User) -> None:
    assert user.session_generation == 0
    user.revoke_sessions(reason=SIGNED_OUT_EVERYWHERE, by=user.user_id)
    user.revoke_sessions(reason=SIGNED_OUT_EVERYWHERE, by=user.user_id)
    [first, second] = user.collect_events()
    assert (first.generation, second.generation, second.reason) == (1, 2, SIGNED_OUT_EVERYWHERE)
    assert user.session_generation == 2
    with pytest.raises(ValueError):
        user.revoke_sessions(reason="bored", by=1)


def test_a_sign_out_is_keyed_by_its_session() -> None:
    ended = SignOut(session_id="abc", user_id=7, until=2_000_000_000, by=7)
    assert ended.id == SignOut.id_for("abc") != SignOut.id_for("abd")
    assert (ended.user_id, ended.until) == (7, 2_000_000_000)


def test_change_password_always_records_an_event(user: User) -> None:
    user.change_password(password_hash="hash-1", by=1)
    user.change_password(password_hash="hash-2", by=1)
    # Each also revokes every session: whoever held the old password may hold a token.
    assert pending(user) == ["PasswordChanged", "SessionsRevoked", "PasswordChanged", "SessionsRevoked"]
    assert user.password_hash == "hash-2"
    assert user.session_generation == 2


# -- EmailClaim ---------------------------------------------------------------------


def test_an_email_claim_keys_the_address_case_insensitively() -> None:
    claim = EmailClaim.claim("  Ada@Example.COM ", 7)
    assert claim.email_key == "ada@example.com"
    assert claim.user_id == 7
    assert claim.id == EmailClaim.id_for("ada@example.com") == EmailClaim.id_for("ADA@EXAMPLE.COM")
    assert claim.id == registry_uuid("email:ada@example.com")
    assert EmailClaim.id_for("ada@example.com") != EmailClaim.id_for("bob@example.com")


def test_reclaiming_a_held_email_raises_email_already_registered() -> None:
    claim = EmailClaim.claim("ada@example.com", 7)
    claim.collect_events()
    with pytest.raises(EmailAlreadyRegistered):
        claim.reclaim(8)
    assert claim.user_id == 7
    assert pending(claim) == []


def test_a_released_email_can_be_reclaimed_by_another_user() -> None:
    claim = EmailClaim.claim("ada@example.com", 7)
    claim.release()
    assert claim.user_id is None
    claim.reclaim(8)
    assert claim.user_id == 8
    assert pending(claim) == ["Claimed", "Released", "Reclaimed"]
    with pytest.raises(EmailAlreadyRegistered):
        claim.reclaim(9)


def test_releasing_a_free_email_records_nothing() -> None:
    claim = EmailClaim.claim("ada@example.com", 7)
    claim.release()
    claim.release()
    assert pending(claim) == ["Claimed", "Released"]


def test_the_system_admin_seat_has_one_fixed_id() -> None:
    assert SystemAdminSeat(user_id=1).id == SystemAdminSeat.ID == SystemAdminSeat(user_id=2).id
    assert SystemAdminSeat.ID == registry_uuid("system-admin-seat")


# -- Enterprise ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "  ", "e" * 256])
def test_an_enterprise_needs_a_name_of_1_to_255_characters(name: str) -> None:
    with pytest.raises(RuleViolation):
        new_enterprise(name=name)


def test_an_enterprise_description_is_at_most_2000_characters() -> None:
    assert new_enterprise(description="d" * 2000).description == "d" * 2000
    with pytest.raises(RuleViolation):
        new_enterprise(description="d" * 2001)


def test_an_enterprise_remembers_its_founder_and_a_stripped_name() -> None:
    enterprise = new_enterprise(name="  Acme  ", by=42)
    assert (enterprise.name, enterprise.description, enterprise.created_by) == ("Acme", "Widgets", 42)


def test_enterprise_update_with_an_invalid_name_fails_and_changes_nothing() -> None:
    enterprise = new_enterprise()
    enterprise.collect_events()
    before = state(enterprise)
    for name in ["", "   ", "e" * 256]:
        with pytest.raises(RuleViolation):
            enterprise.update(name=name, description=None, by=1)
    with pytest.raises(RuleViolation):
        enterprise.update(name="Acme 2", description="d" * 2001, by=1)
    assert state(enterprise) == before
    assert pending(enterprise) == []


def test_enterprise_update_with_the_same_or_absent_values_records_nothing() -> None:
    enterprise = new_enterprise()
    enterprise.collect_events()
    enterprise.update(name="Acme", description="Widgets", by=1)
    enterprise.update(name=None, description=None, by=1)
    enterprise.update(name=" Acme ", description=None, by=1)
    assert pending(enterprise) == []
    assert enterprise.version == 1


def test_enterprise_update_changes_only_the_given_fields() -> None:
    enterprise = new_enterprise()
    enterprise.collect_events()
    enterprise.update(name=None, description="Gadgets", by=1)
    assert (enterprise.name, enterprise.description) == ("Acme", "Gadgets")
    enterprise.update(name="Acme Ltd", description=None, by=1)
    assert (enterprise.name, enterprise.description) == ("Acme Ltd", "Gadgets")
    assert pending(enterprise) == ["Updated", "Updated"]


# -- Department ---------------------------------------------------------------------


def test_a_deleted_department_cannot_be_updated() -> None:
    department = new_department()
    department.delete(by=1)
    assert department.is_deleted is True
    with pytest.raises(DepartmentDeleted):
        department.update(name="Sales", description=None, manager_id=None, clear_manager=False, by=1)
    assert department.name == "Ops"
    assert pending(department) == ["Opened", "Deleted"]


def test_a_deleted_department_cannot_be_deleted_again() -> None:
    department = new_department()
    department.delete(by=1)
    with pytest.raises(DepartmentDeleted):
        department.delete(by=1)
    assert department.version == 2


def test_department_update_sets_and_clears_the_manager() -> None:
    department = new_department()
    department.collect_events()
    department.update(name=None, description=None, manager_id=9, clear_manager=False, by=1)
    assert department.manager_id == 9
    department.update(name=None, description=None, manager_id=None, clear_manager=False, by=1)
    assert department.manager_id == 9
    department.update(name=None, description=None, manager_id=None, clear_manager=True, by=1)
    assert department.manager_id is None
    assert pending(department) == ["Updated", "Updated"]


def test_department_update_with_the_same_values_records_nothing() -> None:
    department = new_department(description="Operations", manager_id=4)
    department.collect_events()
    department.update(name="Ops", description="Operations", manager_id=4, clear_manager=False, by=1)
    department.update(name=None, description=None, manager_id=None, clear_manager=False, by=1)
    assert pending(department) == []


def test_department_update_with_an_empty_name_fails_and_changes_nothing() -> None:
    department = new_department()
    department.collect_events()
    before = state(department)
    with pytest.raises(RuleViolation):
        department.update(name="", description=None, manager_id=3, clear_manager=False, by=1)
    assert state(department) == before


# -- derived ids --------------------------------------------------------------------


def test_user_ids_derive_from_the_api_number_and_are_stable() -> None:
    first = new_user(user_id=12)
    second = new_user(user_id=12, email="other@example.com", full_name="Other")
    assert first.id == second.id == aggregate_uuid("user", 12) == User.create_id(12)
    assert new_user(user_id=13).id != first.id
    assert aggregate_uuid("user", 12) == aggregate_uuid("user", 12)


def test_different_kinds_with_the_same_number_get_different_ids() -> None:
    assert new_enterprise(enterprise_id=5).id == aggregate_uuid("enterprise", 5)
    assert new_department(department_id=5).id == aggregate_uuid("department", 5)
    ids = {aggregate_uuid(kind, 5) for kind in ("user", "enterprise", "department")}
    assert len(ids) == 3


# -- replay -------------------------------------------------------------------------


def _busy_user() -> User:
    user = new_user()
    user.update_profile(full_name="Ada King", gender=None, by=1)
    user.place(role=Role.MANAGER, enterprise_id=1, department_id=11, by=1)
    user.change_email(email="ada.king@example.com", by=1)
    user.set_active(is_active=False, by=1)
    user.change_password(password_hash="hash-2", by=1)
    return user


def test_folding_the_collected_events_reproduces_the_user() -> None:
    live = _busy_user()
    events = live.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Registered", "ProfileUpdated", "Placed", "EmailChanged", "ActivationChanged", "SessionsRevoked",
        "PasswordChanged", "SessionsRevoked",
    ]
    replayed = functools.reduce(lambda aggregate, event: event.mutate(aggregate), events, None)
    assert isinstance(replayed, User)
    assert state(replayed) == state(live)
    assert replayed.version == 8 and replayed.session_generation == 2


def test_a_saved_user_is_reloaded_equal_and_its_first_version_is_the_original(
    app: Application[Any],
) -> None:
    live = _busy_user()
    app.save(live)
    reloaded = app.repository.get(live.id)
    assert state(reloaded) == state(live)
    original = app.repository.get(live.id, version=1)
    assert original.version == 1
    assert (original.full_name, original.email, original.role, original.department_id) == (
        "Ada Lovelace", "ada@example.com", "employee", 10,
    )
    assert (original.is_active, original.password_hash, original.gender) == (True, "hash-1", "female")
    assert original.created_on == live.created_on


def test_saved_organisation_aggregates_replay_to_the_same_state(app: Application[Any]) -> None:
    enterprise = new_enterprise()
    enterprise.update(name="Acme Ltd", description=None, by=1)
    department = new_department()
    department.update(name="Ops 2", description="x", manager_id=4, clear_manager=False, by=1)
    department.delete(by=1)
    claim = EmailClaim.claim("ada@example.com", 7)
    claim.release()
    app.save(enterprise, department, claim)
    assert state(app.repository.get(enterprise.id)) == state(enterprise)
    assert state(app.repository.get(department.id)) == state(department)
    assert state(app.repository.get(claim.id)) == state(claim)
    assert app.repository.get(department.id, version=2).is_deleted is False
    assert app.repository.get(claim.id, version=1).user_id == 7


def test_email_keys_ignore_case_and_surrounding_space() -> None:
    assert normalise_email("  MiXeD@Case.Org ") == "mixed@case.org"
