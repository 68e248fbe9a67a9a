"""Races that only the event store's optimistic concurrency can settle, on real PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from pathlib import Path

import pytest

from application.commands import NewDepartment, NewUser
from application.principal import Principal
from application.rostering_commands import NewRoster, NewShift
from application.rostering_views import RosterFilter
from application.views import Page
from domain.errors import Conflict
from domain.roles import Role
from domain.roster import RosterStatus
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


def claim_world(container: Container, approval: bool) -> tuple[Principal, list[Principal], int]:
    """A published roster in January 2099 that allows claims; the staff as principals."""
    root, department_id, staff = seed(container)
    roster = container.rosters.create_roster(root, NewRoster(
        name="Jan 2099", department_id=department_id, start_date=date(2099, 1, 5), end_date=date(2099, 1, 11),
        settings={"allow_shift_claims": True, "require_claim_approval": approval}))
    container.rosters.change_status(root, roster.id, RosterStatus.PUBLISHED, None)
    people = [container.identity.principal(s) for s in staff]
    assert all(people)
    return root, people, roster.id  # type: ignore[return-value]


def one_place(container: Container, root: Principal, roster_id: int, day: int) -> int:
    return container.rosters.create_shift(root, NewShift(
        roster_id=roster_id, date=date(2099, 1, day), start_time=time(8), end_time=time(16), title=f"Day {day}",
        required_staff=1)).id


def exactly_one_won(results: list[object]) -> object:
    won = [r for r in results if not isinstance(r, Exception)]
    assert len(won) == 1, results
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception)), results
    return won[0]


def test_employees_claiming_the_last_place_at_once_leave_exactly_one_holder_every_time(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    first, second = two_processes(tmp_path, request)
    try:
        root, people, roster_id = claim_world(first, approval=False)
        now = datetime.now(timezone.utc)
        for day in range(5, 10):  # several attempts, each on a fresh last place
            shift_id = one_place(first, root, roster_id, day)
            results = race([
                lambda c=c, p=p: c.claims.claim(p, shift_id, None, None, now)
                for c, p in zip((first, second, first, second), people)
            ])
            won = exactly_one_won(results)
            view = second.rosters.get_shift(root, shift_id)
            assert view.assigned_staff == 1 and [a.employee_id for a in view.assignments] == [won.employee_id]
            assert view.assignments[0].status == "confirmed"
            for person in people:
                held = [e for e in first.assignments.my_schedule(person, None, None, None) if e.shift.id == shift_id]
                assert len(held) == (1 if person.id == won.employee_id else 0)
    finally:
        first.close()
        second.close()


def test_two_colleagues_claiming_one_offered_up_place_at_once_give_it_to_one(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    first, second = two_processes(tmp_path, request)
    try:
        root, people, roster_id = claim_world(first, approval=False)
        holder, *others = people
        now = datetime.now(timezone.utc)
        shift_id = one_place(first, root, roster_id, 6)
        made = first.assignments.assign(root, shift_id, holder.id)
        first.drops.offer(holder, made.id, now)
        results = race([lambda c=c, p=p: c.claims.claim(p, shift_id, made.id, None, now)
                        for c, p in zip((first, second, second), others)])
        won = exactly_one_won(results)
        view = second.rosters.get_shift(root, shift_id)
        assert [(a.id, a.employee_id, a.offered) for a in view.assignments] == [(made.id, won.employee_id, False)]
        assert first.assignments.my_schedule(holder, None, None, None) == []
    finally:
        first.close()
        second.close()


def test_two_managers_approving_claims_of_the_last_place_at_once_approve_one(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    first, second = two_processes(tmp_path, request)
    try:
        root, people, roster_id = claim_world(first, approval=True)
        now = datetime.now(timezone.utc)
        shift_id = one_place(first, root, roster_id, 6)
        claims = [first.claims.claim(p, shift_id, None, None, now) for p in people[:2]]
        results = race([lambda c=c, k=k: c.claims.approve(root, k.id, None, now)
                        for c, k in zip((first, second), claims)])
        won = exactly_one_won(results)
        view = second.rosters.get_shift(root, shift_id)
        assert [a.employee_id for a in view.assignments] == [won.employee_id]
    finally:
        first.close()
        second.close()
