"""Overtime in the hours report, on every store: the minutes past a roster's `max_hours_per_week`.

Until the hours limits (issue 21, item 3) are merged, the roster API does not keep that
setting, so these rosters are written through the domain aggregates (which keep any setting),
as `bench/` writes its histories, and projected by the product's projections. Then the report
is read through the application service, as the HTTP handler calls it.

May 2026, one roster with a limit of 20 hours a week. The employee works 8-hour shifts on
Monday 4 (confirmed), Tuesday 5 (pending) and Wednesday 6 (confirmed): 24 hours, 4 of them
overtime, on Wednesday; declines Thursday 7; and works Monday 11, a new week. A colleague
works Monday 4 only.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from application.principal import Principal
from bench.rebuild_rate import History, Team, organisation
from domain.assignment import Assignment, AssignmentStatus
from domain.roles import Role
from domain.roster import Roster
from domain.shift import Shift
from interfaces.container import Container


@pytest.fixture
def may(container: Container) -> tuple[Container, Team]:
    h = History(container.events, target=10 ** 9, seed=1)
    team = organisation(h, 1, employees=2)[0]
    employee, colleague = team.employees
    by = team.manager_id
    roster = Roster.plan(roster_id=h.next_id("roster"), department_id=team.department_id,
                         enterprise_id=team.enterprise_id, name="May", description=None, start_date=date(2026, 5, 1),
                         end_date=date(2026, 5, 31), settings={"max_hours_per_week": 20}, by=by)
    made: list[Any] = [roster]
    for day, who, answer in [(4, employee, "confirmed"), (5, employee, None), (6, employee, "confirmed"),
                             (7, employee, "declined"), (11, employee, None), (4, colleague, None)]:
        shift_id = h.next_id("shift")
        roster.add_shift(shift_id, date(2026, 5, day), by=by)
        shift = Shift.plan(shift_id=shift_id, roster_id=roster.roster_id, department_id=team.department_id,
                           enterprise_id=team.enterprise_id, day=date(2026, 5, day), start_time=time(8),
                           end_time=time(16), title="Day", description=None, required_staff=1, location=None, by=by)
        assignment_id = h.next_id("assignment")
        shift.take_place(assignment_id, who, by=by)
        assignment = Assignment(assignment_id=assignment_id, shift_id=shift_id, roster_id=roster.roster_id,
                                employee_id=who, by=by)
        if answer is not None:
            assignment.answer(AssignmentStatus(answer), None, by=who)
            if answer == "declined":
                shift.free_place(assignment_id, by=who)
        made += [shift, assignment]
    h.touch(team.calendar, *made)
    h.save()
    container.runner.catch_up()
    return container, team


def report(may: tuple[Container, Team], start: str, end: str, group_by: str) -> Any:
    container, team = may
    admin = Principal(1, Role.SYSTEM_ADMIN, None, None)
    return container.hours_report.report(admin, team.department_id, None, date.fromisoformat(start),
                                         date.fromisoformat(end), group_by, today=date(2026, 5, 1))


def overtime(rows: list[Any], key: str) -> dict[Any, float]:
    return {getattr(r, key): r.overtime_hours for r in rows if r.overtime_hours}


def test_the_hours_past_the_weekly_limit_are_overtime_in_every_grouping(may: tuple[Container, Team]) -> None:
    employee = may[1].employees[0]
    by_employee = report(may, "2026-05-01", "2026-05-31", "employee")
    assert overtime(by_employee.rows, "employee_id") == {employee: 4.0}
    assert by_employee.totals.overtime_hours == 4.0 and by_employee.totals.declined_hours == 8.0
    assert overtime(report(may, "2026-05-01", "2026-05-31", "week").rows, "period_start") == {"2026-05-04": 4.0}
    assert overtime(report(may, "2026-05-01", "2026-05-31", "day").rows, "period_start") == {"2026-05-06": 4.0}


def test_a_range_starting_mid_week_counts_the_weeks_earlier_days_towards_its_limit(
        may: tuple[Container, Team]) -> None:
    employee = may[1].employees[0]
    found = report(may, "2026-05-06", "2026-05-31", "employee")
    row = next(r for r in found.rows if r.employee_id == employee)
    assert (row.planned_hours, row.overtime_hours) == (16.0, 4.0)
    assert overtime(report(may, "2026-05-06", "2026-05-31", "day").rows, "period_start") == {"2026-05-06": 4.0}


def test_a_range_ending_before_the_limit_is_reached_has_no_overtime(may: tuple[Container, Team]) -> None:
    for group_by in ("employee", "week", "day"):
        assert report(may, "2026-05-04", "2026-05-05", group_by).totals.overtime_hours == 0.0
