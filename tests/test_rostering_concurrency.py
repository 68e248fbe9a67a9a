"""Races that only the event store's optimistic concurrency can settle, on real PostgreSQL."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from application.commands import NewDepartment, NewUser
from application.principal import Principal
from application.rostering_commands import NewRoster, NewShift
from application.rostering_views import RosterFilter
from application.views import Page
from domain.errors import Conflict
from domain.roles import Role
from interfaces.container import Container, build_container
from tests.conftest import settings_for
from tests.test_concurrency import race

pytestmark = pytest.mark.postgres
PASSWORD = "password-123"


def seed(container: Container) -> tuple[Principal, int, list[int]]:
    root = container.identity.principal(container.identity.create_system_admin("Root", "root@x.test", PASSWORD).id)
    assert root is not None
    enterprise = container.organisation.create_enterprise(root, "Acme", None)
    department = container.organisation.create_department(root, NewDepartment(name="Ops", enterprise_id=enterprise.id))
    staff = [
        container.identity.create_user(root, NewUser(
            full_name=f"Worker {i}", email=f"w{i}@acme.test", password=PASSWORD, role=Role.EMPLOYEE,
            enterprise_id=enterprise.id, department_id=department.id,
        )).id
        for i in range(4)
    ]
    return root, department.id, staff


def two_processes(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Container, Container]:
    settings = settings_for("postgres", tmp_path, request)
    return build_container(settings), build_container(settings)


def test_two_managers_filling_the_last_place_at_once_give_one_success_and_one_conflict(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    first, second = two_processes(tmp_path, request)
    try:
        root, department_id, staff = seed(first)
        roster = first.rosters.create_roster(root, NewRoster(
            name="Jan", department_id=department_id, start_date=date(2026, 1, 1), end_date=date(2026, 1, 7)))
        shift = first.rosters.create_shift(root, NewShift(
            roster_id=roster.id, date=date(2026, 1, 2), start_time=time(8), end_time=time(16),
            title="Day", required_staff=1))
        results = race([
            lambda: first.assignments.assign(root, shift.id, staff[0]),
            lambda: second.assignments.assign(root, shift.id, staff[1]),
        ])
        successes = [r for r in results if not isinstance(r, Exception)]
        assert len(successes) == 1
        assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception)), results
        view = second.rosters.get_shift(root, shift.id)
        assert view.assigned_staff == 1 and len(view.assignments) == 1
    finally:
        first.close()
        second.close()


def test_one_employee_booked_on_two_overlapping_shifts_at_once_is_booked_once(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    first, second = two_processes(tmp_path, request)
    try:
        root, department_id, staff = seed(first)
        roster = first.rosters.create_roster(root, NewRoster(
            name="Jan", department_id=department_id, start_date=date(2026, 1, 1), end_date=date(2026, 1, 7)))
        shifts = [
            first.rosters.create_shift(root, NewShift(
                roster_id=roster.id, date=date(2026, 1, 2), start_time=start, end_time=end,
                title=f"Shift {start}", required_staff=3))
            for start, end in ((time(8), time(16)), (time(12), time(20)))
        ]
        results = race([
            lambda: first.assignments.assign(root, shifts[0].id, staff[0]),
            lambda: second.assignments.assign(root, shifts[1].id, staff[0]),
        ])
        assert sum(not isinstance(r, Exception) for r in results) == 1
        assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception)), results
        worker = first.identity.principal(staff[0])
        assert worker is not None
        entries = first.assignments.my_schedule(worker, None, None, None)
        assert len(entries) == 1
    finally:
        first.close()
        second.close()


def test_two_overlapping_rosters_created_at_once_leave_exactly_one(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    first, second = two_processes(tmp_path, request)
    try:
        root, department_id, _ = seed(first)
        results = race([
            lambda c=c, n=n: c.rosters.create_roster(root, NewRoster(
                name=n, department_id=department_id, start_date=date(2026, 1, 1), end_date=date(2026, 1, 31)))
            for c, n in ((first, "A"), (second, "B"))
        ])
        assert sum(not isinstance(r, Exception) for r in results) == 1
        assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception)), results
        assert first.rosters.list_rosters(root, RosterFilter(), Page()).total == 1
    finally:
        first.close()
        second.close()
