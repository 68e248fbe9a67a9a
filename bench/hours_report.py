"""The hours report over a department's year beside the roster listing (issue 21: under 10x).

    python -m bench.hours_report [--postgres] [--runs 30] [--shifts-per-day 11] [--employees 60]

One in-process app (SQLite files, or a fresh PostgreSQL schema with `--postgres`, dropped
afterwards). One department works a year of month rosters (2026), `--shifts-per-day` shifts a
day (about 4,000 shifts with the default 11) of 3 places, 2 of every 7 shifts one place short,
each place held by one of `--employees` employees in turn: about 11,000 assignments, 80 %
confirmed, 10 % declined, the rest pending; every roster sets `max_hours_per_week: 40`, so the
overtime is computed too. Written through the domain aggregates and `events.save()` as
`bench/seed.py` does, then projected by the product's own projections.

Measured, taking turns, the median of `--runs` of each, over HTTP (the same in-process client
and token): the department manager's `GET /api/rosters` (the listing, a page of 10) beside
`GET /api/reports/hours` for the year, grouped by employee, week and day, and as CSV.
"""

from __future__ import annotations

import argparse
import calendar
import tempfile
from contextlib import ExitStack
from datetime import date, time, timedelta
from pathlib import Path
from types import SimpleNamespace

from litestar.testing import TestClient

from bench.as_of_month import medians_ms
from bench.pg import fresh_schema, settings_for
from bench.rebuild_rate import History, Team, organisation
from domain.assignment import Assignment, AssignmentStatus
from domain.roster import Roster, RosterStatus
from domain.shift import Shift
from interfaces.container import Container, build_container
from interfaces.http.app import create_app

YEAR = 2026
STAFF = 3
LIMIT_HOURS = 40


def shift_times(per_day: int) -> list[tuple[time, time]]:
    """`per_day` shifts spread over the day, 4 to 8 hours long, the last ones across midnight."""
    return [(time((6 + 2 * k) % 24), time((6 + 2 * k + 4 + k % 5) % 24)) for k in range(per_day)]


def seed_year(container: Container, per_day: int, employees: int) -> tuple[Team, int, int]:
    """The department's year; its team, and how many shifts and assignments were made."""
    h = History(container.events, target=10 ** 12, seed=21)
    team = organisation(h, 1, employees)[0]
    by, turn, shifts_made, placed_total = team.manager_id, 0, 0, 0
    times = shift_times(per_day)
    for month in range(1, 13):
        first, last = date(YEAR, month, 1), date(YEAR, month, calendar.monthrange(YEAR, month)[1])
        roster = Roster.plan(
            roster_id=h.next_id("roster"), department_id=team.department_id, enterprise_id=team.enterprise_id,
            name=f"{first:%B %Y}", description=None, start_date=first, end_date=last,
            settings={"max_hours_per_week": LIMIT_HOURS}, by=by,
        )
        team.calendar.reserve(roster.roster_id, first, last, by=by)
        shifts: list[Shift] = []
        placed: list[Assignment] = []
        for i in range((last - first).days + 1):
            day = first + timedelta(days=i)
            for k, (start, end) in enumerate(times):
                shift_id = h.next_id("shift")
                roster.add_shift(shift_id, day, by=by)
                shift = Shift.plan(shift_id=shift_id, roster_id=roster.roster_id, department_id=team.department_id,
                                   enterprise_id=team.enterprise_id, day=day, start_time=start, end_time=end,
                                   title=f"Shift {k + 1}", description=None, required_staff=STAFF, location=None,
                                   by=by)
                shifts.append(shift)
                for _ in range(STAFF - (1 if shift_id % 7 < 2 else 0)):
                    employee = team.employees[turn % len(team.employees)]
                    turn += 1
                    assignment_id = h.next_id("assignment")
                    shift.take_place(assignment_id, employee, by=by)
                    placed.append(Assignment(assignment_id=assignment_id, shift_id=shift_id,
                                             roster_id=roster.roster_id, employee_id=employee, by=by))
        roster.change_status(RosterStatus.PUBLISHED, by=by)
        h.touch(roster, team.calendar, *shifts, *placed)
        h.save()
        for assignment in placed:
            draw = h.rng.random()
            if draw < 0.8:
                assignment.answer(AssignmentStatus.CONFIRMED, None, by=assignment.employee_id)
            elif draw < 0.9:
                assignment.answer(AssignmentStatus.DECLINED, None, by=assignment.employee_id)
                next(s for s in shifts if s.shift_id == assignment.shift_id).free_place(
                    assignment.assignment_id, by=assignment.employee_id)
            h.touch(assignment)
        h.touch(*shifts)
        h.save()
        shifts_made += len(shifts)
        placed_total += len(placed)
    return team, shifts_made, placed_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--shifts-per-day", type=int, default=11)
    parser.add_argument("--employees", type=int, default=25)
    args = parser.parse_args()
    with ExitStack() as stack:
        schema = stack.enter_context(fresh_schema("hours")) if args.postgres else None
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        settings = settings_for(schema, folder, projection_workers=False)
        container = build_container(settings)
        stack.callback(container.close)
        team, shifts, assignments = seed_year(container, args.shifts_per_day, args.employees)
        container.runner.catch_up()
        client = stack.enter_context(TestClient(create_app(settings, container)))
        token = container.tokens.issue(SimpleNamespace(
            id=team.manager_id, email=f"user{team.manager_id}@bench.test", role="manager",
            enterprise_id=team.enterprise_id, department_id=team.department_id))
        headers = {"Authorization": f"Bearer {token}"}
        year = {"department_id": team.department_id, "start_date": f"{YEAR}-01-01", "end_date": f"{YEAR}-12-31"}

        def report(**extra: str) -> None:
            response = client.get("/api/reports/hours", params={**year, **extra}, headers=headers)
            assert response.status_code == 200, response.text

        def listing() -> None:
            response = client.get("/api/rosters", params={"department_id": team.department_id}, headers=headers)
            assert response.status_code == 200, response.text

        totals = client.get("/api/reports/hours", params=year, headers=headers).json()["report"]["totals"]
        print(f"backend {'postgres' if schema else 'sqlite'}: {shifts:,} shifts, {assignments:,} assignments,"
              f" {args.employees} employees; the year's totals: {totals}")
        medians = medians_ms({
            "GET /api/rosters (listing)": listing,
            "hours report, by employee": lambda: report(group_by="employee"),
            "hours report, by week": lambda: report(group_by="week"),
            "hours report, by day": lambda: report(group_by="day"),
            "hours report, by employee, CSV": lambda: report(group_by="employee", format="csv"),
        }, args.runs)
        base = medians["GET /api/rosters (listing)"]
        print(f"{'read':34} {'median ms':>10} {'x listing':>10}")
        for name, value in medians.items():
            print(f"{name:34} {value:10.2f} {value / base:10.2f}")


if __name__ == "__main__":
    main()
