"""Seed a realistic roster database for the suite: 200-employee departments, month rosters.

Written through the domain aggregates and `events.save(...)` (as the services save them,
many aggregates per save), not through HTTP: 100,000 shifts by HTTP would take longer
than the whole suite may. Projections then build the read models from these events the
normal way (the suite's workers catch up), so every row the API reads was made by the
projection code under test.

Shape, per department (8 to an enterprise): a manager and `employees` employees; one
roster a month going back from the current month, each generated with 3 shifts a day of
3 staff (the `standard_8hour` template), until the store holds `shifts` shifts. Only
the newest `assigned_months` months are staffed, published and answered (most confirm):
a month of a 200-employee department is 279 assignments and about 900 events, and
staffing every month of history would make the projections' catch-up the longest step.
Older months are archived with their shifts only. Besides, every department has
`command_rosters` empty published rosters far in the future, one per command client, so
that concurrent clients never contend for one roster or one employee's schedule.

The generator bypasses the id sequences, so afterwards each `seq_<kind>` is moved past
the ids used here and the API hands out fresh ones.
"""

from __future__ import annotations

import calendar
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from application.events import SchedulaX
from bench.pg import connect
from bench.rebuild_rate import RULES, SHIFTS, STAFF, History, Team, organisation, plan_month
from domain.assignment import Assignment, AssignmentStatus
from domain.roster import Roster, RosterStatus
from domain.schedule import Booking, EmployeeSchedule
from infrastructure.settings import Settings
from interfaces.container import event_store_env

DEPARTMENTS_PER_ENTERPRISE = 8
COMMAND_YEAR = 2031
SEQUENCE_KINDS = ("user", "enterprise", "department", "roster", "shift", "assignment")


@dataclass
class Slot:
    """An empty published roster and the employees one command client may book into it."""

    roster_id: int
    department_id: int
    manager_id: int
    first_day: str
    employees: list[int]


@dataclass
class Seeded:
    admin_id: int
    teams: list[dict[str, Any]] = field(default_factory=list)
    """Per department: enterprise_id, department_id, manager_id, employees, current_roster_id."""
    slots: list[Slot] = field(default_factory=list)
    events: int = 0
    shifts: int = 0
    assignments: int = 0
    seconds: float = 0.0


def seed(settings: Settings, shifts: int = 100_000, employees: int = 200, assigned_months: int = 2,
         command_rosters: int = 3, today: date | None = None) -> Seeded:
    """Write the history; returns who and what was made, for the load drivers."""
    started = time.perf_counter()
    today = today or date.today()
    events = SchedulaX(env=event_store_env(settings))
    try:
        h = History(events, target=10 ** 12, seed=11)
        months = max(assigned_months, 1)
        per_month = 3 * 30.4
        departments = max(1, math.ceil(shifts / (per_month * 24)))  # about two years of months
        months = max(months, math.ceil(shifts / (per_month * departments)))
        teams = organisation(h, departments, employees)
        seeded = Seeded(admin_id=1)  # the first user organisation() makes
        current: dict[int, int] = {}
        for back in range(months - 1, -1, -1):  # oldest first, as it happened
            year, month = _month_before(today, back)
            for team in teams:
                staffed = back < assigned_months
                roster_id, made, placed = _month(h, team, year, month, staffed)
                seeded.shifts += made
                seeded.assignments += placed
                if back == 0:
                    current[team.department_id] = roster_id
            print(f"  seeded {year}-{month:02d}: {seeded.shifts:,} shifts, {h.count:,} events", file=sys.stderr)
        for team in teams:
            seeded.slots.extend(_command_slots(h, team, command_rosters))
            seeded.teams.append({
                "enterprise_id": team.enterprise_id, "department_id": team.department_id,
                "manager_id": team.manager_id, "employees": team.employees,
                "current_roster_id": current.get(team.department_id),
            })
        seeded.events = h.count
    finally:
        events.close()
    _advance_sequences(settings.database_schema, h)
    seeded.seconds = time.perf_counter() - started
    return seeded


def _month_before(today: date, back: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 - back
    return index // 12, index % 12 + 1


def _month(h: History, team: Team, year: int, month: int, staffed: bool) -> tuple[int, int, int]:
    """One department's month roster: (roster id, shifts made, assignments made)."""
    by = team.manager_id
    roster, shifts = plan_month(h, team, year, month)
    placed: list[Assignment] = []
    if staffed:
        # A third of the department works each shift of the day, rotating, so shifts of one
        # person are always 24 h or more apart and every employee has a few a month.
        group_size = len(team.employees) // len(SHIFTS)
        schedules: dict[int, EmployeeSchedule] = {}
        for shift, i, kind in shifts:
            group = team.employees[kind * group_size:(kind + 1) * group_size]
            for k in range(STAFF):
                employee = group[(i * STAFF + k) % group_size]
                assignment_id = h.next_id("assignment")
                shift.take_place(assignment_id, employee, by=by)
                schedule = schedules.setdefault(employee, h.schedule(employee))
                schedule.book(assignment_id, Booking(shift.shift_id, roster.roster_id, shift.interval), RULES, by=by)
                placed.append(Assignment(assignment_id=assignment_id, shift_id=shift.shift_id,
                                         roster_id=roster.roster_id, employee_id=employee, by=by))
        h.touch(roster, *(s for s, _, _ in shifts), *schedules.values(), *placed)
        h.save()
    roster.change_status(RosterStatus.PUBLISHED, by=by)
    h.touch(roster)
    h.save()
    if staffed:
        for assignment in placed:
            if h.rng.random() < 0.85:
                assignment.answer(AssignmentStatus.CONFIRMED, None, by=assignment.employee_id)
                h.touch(assignment)
        h.save()
    else:
        roster.change_status(RosterStatus.APPROVED, by=by)
        roster.change_status(RosterStatus.ARCHIVED, by=by)
        h.touch(roster)
        h.save()
    return roster.roster_id, len(shifts), len(placed)


def _command_slots(h: History, team: Team, count: int) -> list[Slot]:
    """Empty published month rosters in COMMAND_YEAR, each with its own share of the staff."""
    slots = []
    share = len(team.employees) // max(count, 1)
    for n in range(count):
        first = date(COMMAND_YEAR, n + 1, 1)
        last = date(COMMAND_YEAR, n + 1, calendar.monthrange(COMMAND_YEAR, n + 1)[1])
        roster = Roster.plan(
            roster_id=h.next_id("roster"), department_id=team.department_id,
            enterprise_id=team.enterprise_id, name=f"Bench {first:%B %Y}", description=None,
            start_date=first, end_date=last, settings={}, by=team.manager_id,
        )
        team.calendar.reserve(roster.roster_id, first, last, by=team.manager_id)
        roster.change_status(RosterStatus.PUBLISHED, by=team.manager_id)
        h.touch(roster, team.calendar)
        slots.append(Slot(roster.roster_id, team.department_id, team.manager_id, first.isoformat(),
                          team.employees[n * share:(n + 1) * share]))
    h.save()
    return slots


def _advance_sequences(schema: str, h: History) -> None:
    with connect(schema) as conn:
        for kind in SEQUENCE_KINDS:
            conn.execute(f"CREATE SEQUENCE IF NOT EXISTS seq_{kind}")
            if h.ids[kind]:
                conn.execute(f"SELECT setval('seq_{kind}', {int(h.ids[kind])})")
