"""Use cases through the application services, on the memory, SQLite and PostgreSQL stores."""

from __future__ import annotations

from datetime import date, time

import pytest

from application.commands import DepartmentChanges, NewDepartment, NewUser, UserChanges
from application.principal import Principal
from application.rostering_commands import NewRoster, NewShift
from application.views import Page, UserFilter
from domain.errors import (
    AuthenticationFailed,
    Conflict,
    EmailAlreadyRegistered,
    NotFound,
    PermissionDenied,
    RuleViolation,
    StaleVersion,
)
from domain.ids import aggregate_uuid
from domain.identity import User
from domain.schedule import EmployeeSchedule
from domain.roles import Role
from interfaces.container import Container

PASSWORD = "password-123"


@pytest.fixture
def root(container: Container) -> Principal:
    view = container.identity.create_system_admin("Root", "root@x.test", PASSWORD)
    principal = container.identity.principal(view.id)
    assert principal is not None
    return principal


def admin_of(container: Container, root: Principal, name: str) -> tuple[int, Principal]:
    enterprise = container.organisation.create_enterprise(root, name, None)
    view = container.identity.create_user(
        root, NewUser(full_name=f"{name} Admin", email=f"admin@{name.lower()}.test", password=PASSWORD,
                      role=Role.ENTERPRISE_ADMIN, enterprise_id=enterprise.id),
    )
    principal = container.identity.principal(view.id)
    assert principal is not None
    return enterprise.id, principal


def test_ids_are_sequential_integers_and_the_uuid_is_derived_from_them(
    container: Container, root: Principal
) -> None:
    first = container.organisation.create_enterprise(root, "One", None)
    second = container.organisation.create_enterprise(root, "Two", None)
    assert second.id == first.id + 1
    stored = container.events.find(aggregate_uuid("user", root.id), User)
    assert stored is not None and stored.user_id == root.id


def test_a_client_reads_its_own_writes_in_the_listings(container: Container, root: Principal) -> None:
    enterprise_id, admin = admin_of(container, root, "Acme")
    department = container.organisation.create_department(
        admin, NewDepartment(name="Ops", enterprise_id=enterprise_id)
    )
    container.identity.create_user(
        admin, NewUser(full_name="Eve Employee", email="eve@acme.test", password=PASSWORD,
                       enterprise_id=enterprise_id, department_id=department.id),
    )
    listing = container.organisation.list_departments(admin, enterprise_id, None, Page())
    assert [(d.name, d.user_count) for d in listing.items] == [("Ops", 1)]
    detail = container.organisation.get_enterprise(admin, enterprise_id)
    assert (detail.total_users, detail.active_users) == (2, 2)


def test_an_email_is_unique_whatever_its_case(container: Container, root: Principal) -> None:
    enterprise_id, admin = admin_of(container, root, "Acme")
    new = NewUser(full_name="Ann", email="ann@acme.test", password=PASSWORD, enterprise_id=enterprise_id)
    container.identity.register(new)
    with pytest.raises(EmailAlreadyRegistered):
        container.identity.register(NewUser(**{**new.__dict__, "email": "ANN@Acme.Test"}))


def test_a_released_email_can_be_taken_again(container: Container, root: Principal) -> None:
    enterprise_id, admin = admin_of(container, root, "Acme")
    ann = container.identity.create_user(
        admin, NewUser(full_name="Ann", email="ann@acme.test", password=PASSWORD, enterprise_id=enterprise_id)
    )
    container.identity.update_user(admin, ann.id, UserChanges(email="ann.new@acme.test"))
    bob = container.identity.create_user(
        admin, NewUser(full_name="Bob", email="ann@acme.test", password=PASSWORD, enterprise_id=enterprise_id)
    )
    assert bob.email == "ann@acme.test"
    with pytest.raises(EmailAlreadyRegistered):
        container.identity.update_user(admin, bob.id, UserChanges(email="Ann.New@acme.test"))
    assert container.identity.authenticate("ann.new@acme.test", PASSWORD).id == ann.id


def test_login_checks_the_password_and_the_account_state(container: Container, root: Principal) -> None:
    enterprise_id, admin = admin_of(container, root, "Acme")
    eve = container.identity.create_user(
        admin, NewUser(full_name="Eve", email="eve@acme.test", password=PASSWORD, enterprise_id=enterprise_id)
    )
    assert container.identity.authenticate("EVE@acme.test", PASSWORD).id == eve.id
    with pytest.raises(AuthenticationFailed):
        container.identity.authenticate("eve@acme.test", "wrong-password")
    container.identity.update_user(admin, eve.id, UserChanges(is_active=False))
    with pytest.raises(AuthenticationFailed):
        container.identity.authenticate("eve@acme.test", PASSWORD)
    assert container.identity.principal(eve.id) is None


def test_a_changed_password_replaces_the_old_one(container: Container, root: Principal) -> None:
    enterprise_id, admin = admin_of(container, root, "Acme")
    eve = container.identity.create_user(
        admin, NewUser(full_name="Eve", email="eve@acme.test", password=PASSWORD, enterprise_id=enterprise_id)
    )
    container.identity.update_user(admin, eve.id, UserChanges(password="brand-new-pass"))
    assert container.identity.authenticate("eve@acme.test", "brand-new-pass").id == eve.id
    with pytest.raises(AuthenticationFailed):
        container.identity.authenticate("eve@acme.test", PASSWORD)


def test_an_enterprise_admin_cannot_reach_another_tenant(container: Container, root: Principal) -> None:
    acme_id, acme_admin = admin_of(container, root, "Acme")
    globex_id, globex_admin = admin_of(container, root, "Globex")
    with pytest.raises(NotFound):
        container.organisation.get_enterprise(acme_admin, globex_id)
    with pytest.raises(NotFound):
        container.identity.update_user(acme_admin, globex_admin.id, UserChanges(full_name="Pwned"))
    with pytest.raises(NotFound):
        container.identity.update_user(acme_admin, acme_admin.id, UserChanges(enterprise_id=globex_id))
    with pytest.raises(PermissionDenied):
        container.identity.create_user(
            acme_admin, NewUser(full_name="Evil", email="evil@x.test", password=PASSWORD,
                                role=Role.SYSTEM_ADMIN),
        )
    seen = container.identity.list_users(acme_admin, UserFilter(enterprise_id=globex_id), Page())
    assert {u.enterprise_id for u in seen.items} == {acme_id}


def test_a_department_with_active_users_cannot_be_deleted(container: Container, root: Principal) -> None:
    enterprise_id, admin = admin_of(container, root, "Acme")
    ops = container.organisation.create_department(admin, NewDepartment(name="Ops", enterprise_id=enterprise_id))
    eve = container.identity.create_user(
        admin, NewUser(full_name="Eve", email="eve@acme.test", password=PASSWORD,
                       enterprise_id=enterprise_id, department_id=ops.id),
    )
    with pytest.raises(Conflict):
        container.organisation.delete_department(admin, ops.id)
    container.identity.update_user(admin, eve.id, UserChanges(cleared=frozenset({"department_id"})))
    container.organisation.delete_department(admin, ops.id)
    with pytest.raises(NotFound):
        container.organisation.get_department(admin, ops.id)
    with pytest.raises(RuleViolation):
        container.identity.update_user(admin, eve.id, UserChanges(department_id=ops.id))


def test_a_stale_version_is_refused_and_changes_nothing(container: Container, root: Principal) -> None:
    enterprise_id, admin = admin_of(container, root, "Acme")
    ops = container.organisation.create_department(admin, NewDepartment(name="Ops", enterprise_id=enterprise_id))
    renamed = container.organisation.update_department(
        admin, ops.id, DepartmentChanges(name="Operations"), expected_version=ops.version
    )
    with pytest.raises(StaleVersion):
        container.organisation.update_department(
            admin, ops.id, DepartmentChanges(name="Stale"), expected_version=ops.version
        )
    assert container.organisation.get_department(admin, ops.id).name == renamed.name == "Operations"


def test_a_manager_must_belong_to_the_departments_enterprise(container: Container, root: Principal) -> None:
    acme_id, acme_admin = admin_of(container, root, "Acme")
    _, globex_admin = admin_of(container, root, "Globex")
    with pytest.raises(RuleViolation):
        container.organisation.create_department(
            acme_admin, NewDepartment(name="Ops", enterprise_id=acme_id, manager_id=globex_admin.id)
        )
    lead = container.identity.create_user(
        acme_admin, NewUser(full_name="Lead", email="lead@acme.test", password=PASSWORD,
                            role=Role.MANAGER, enterprise_id=acme_id),
    )
    ops = container.organisation.create_department(
        acme_admin, NewDepartment(name="Ops", enterprise_id=acme_id, manager_id=lead.id)
    )
    assert ops.manager is not None and ops.manager.full_name == "Lead"


def test_history_is_kept_for_auditors(container: Container, root: Principal) -> None:
    enterprise_id, admin = admin_of(container, root, "Acme")
    eve = container.identity.create_user(
        admin, NewUser(full_name="Eve", email="eve@acme.test", password=PASSWORD, enterprise_id=enterprise_id)
    )
    container.identity.update_user(admin, eve.id, UserChanges(full_name="Eve Smith"))
    uid = aggregate_uuid("user", eve.id)
    then = container.events.repository.get(uid, version=1)
    now = container.events.repository.get(uid)
    assert (then.full_name, now.full_name) == ("Eve", "Eve Smith")
    actors = [e.by for e in container.events.events.get(uid)]
    assert actors == [admin.id, admin.id]


def test_every_event_of_an_assignment_names_the_manager_who_made_it(
    container: Container, root: Principal
) -> None:
    enterprise_id, admin = admin_of(container, root, "Acme")
    ops = container.organisation.create_department(admin, NewDepartment(name="Ops", enterprise_id=enterprise_id))
    eve = container.identity.create_user(
        admin, NewUser(full_name="Eve", email="eve@acme.test", password=PASSWORD,
                       enterprise_id=enterprise_id, department_id=ops.id),
    )
    roster = container.rosters.create_roster(admin, NewRoster(
        name="Jan", department_id=ops.id, start_date=date(2026, 1, 1), end_date=date(2026, 1, 7)))
    shift = container.rosters.create_shift(admin, NewShift(
        roster_id=roster.id, date=date(2026, 1, 2), start_time=time(8), end_time=time(16), title="Day"))
    assignment = container.assignments.assign(admin, shift.id, eve.id)
    container.assignments.unassign(admin, assignment.id)
    trail = [
        *container.events.events.get(EmployeeSchedule.id_for(eve.id)),
        *container.events.events.get(aggregate_uuid("assignment", assignment.id)),
        *container.events.events.get(aggregate_uuid("shift", shift.id)),
    ]
    actors = {type(e).__qualname__: e.by for e in trail if hasattr(e, "by")}
    assert actors == {
        "EmployeeSchedule.Booked": admin.id, "EmployeeSchedule.Released": admin.id,
        "Assignment.Made": admin.id, "Assignment.Removed": admin.id,
        "Shift.Planned": admin.id, "Shift.PlaceTaken": admin.id, "Shift.PlaceFreed": admin.id,
    }
