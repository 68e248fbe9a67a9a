"""Command latency as history grows: one employee and one department with 1 day, 1 year and
5 years behind them.

    python -m bench.history_growth [--postgres] [--samples 40] [--runs 5]
                                   [--snapshots on|off] [--interval N]

Each history is seeded into its own fresh store (SQLite files, or a new PostgreSQL schema
dropped afterwards) by saving the aggregates directly through the application, as the
services save them: a weekly roster of the department, a shift each weekday, the employee
booked on it (the schedule gains 5 events a week, the department's calendar 1). The
projections then catch up, and the commands run through the services with the embedded
default's read-your-writes (projections caught up in-process after each command):

- assign: `AssignmentService.assign` of the employee to a new shift (loads and saves the
  employee's `EmployeeSchedule`);
- create roster: `RosterService.create_roster` of a week in the department (loads and saves
  its `DepartmentCalendar`);
- load schedule / load calendar: the bare `find` of the aggregate, the part that grows.

The histories are measured in turns (run 1 of each, then run 2 of each, ...) so that noise on
the shared machine falls on all of them alike. Each figure is the median over `--runs` of each
run's median, in ms, with the ratio to the 1-day history. `--snapshots off` measures the
store without snapshots (the same code, eventsourcing's IS_SNAPSHOTTING_ENABLED=n);
`--interval` overrides the snapshot interval of every snapshotted aggregate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, timedelta
from typing import Any

from application.principal import Principal
from application.rostering_commands import NewRoster
from application.snapshots import SNAPSHOT_INTERVALS
from bench.in_process import in_process_container
from bench.pg import percentile
from bench.rebuild_rate import RULES, SHIFTS, History, organisation
from domain.assignment import Assignment
from domain.roles import Role
from domain.roster import Roster, RosterStatus
from domain.schedule import Booking, EmployeeSchedule
from domain.shift import Shift
from interfaces.container import Container

HISTORIES = (("1 day", 1), ("1 year", 365), ("5 years", 5 * 365))
FIRST_DAY = date(2021, 1, 4)  # a Monday
COMMANDS_FROM = date(2031, 1, 6)  # a Monday, after every history


class Ids(History):
    """The history generator, drawing ids from the store's sequences as the services do."""

    def __init__(self, container: Container) -> None:
        super().__init__(container.events, target=10 ** 12, seed=7)
        self._store = container.store

    def next_id(self, kind: str) -> int:
        return self._store.next_id(kind)


class World:
    """One store holding one department's and one employee's history of `days` days."""

    def __init__(self, stack: ExitStack, label: str, days: int, postgres: bool) -> None:
        self.label = label
        _, self.c = in_process_container(stack, f"bench_growth_{days}", postgres)
        h = Ids(self.c)
        team = organisation(h, 1, employees=1)[0]
        self.manager = Principal(team.manager_id, Role.MANAGER, team.enterprise_id, team.department_id)
        self.team, self.employee = team, team.employees[0]
        self.schedule = EmployeeSchedule(employee_id=self.employee)
        self.h = h
        for week_start in range(0, days, 7):
            self._week(FIRST_DAY + timedelta(days=week_start), min(5, days - week_start))
        self.shifts = iter(self._command_shifts())
        self.weeks = iter(range(10 ** 6))
        self.c.runner.catch_up()

    def _week(self, first: date, weekdays: int, book: bool = True) -> list[Shift]:
        """A published weekly roster with a shift each of its first `weekdays` days."""
        h, team, by = self.h, self.team, self.team.manager_id
        roster = Roster.plan(roster_id=h.next_id("roster"), department_id=team.department_id,
                             enterprise_id=team.enterprise_id, name=f"Week of {first}", description=None,
                             start_date=first, end_date=first + timedelta(days=6), settings={}, by=by)
        team.calendar.reserve(roster.roster_id, roster.start_date, roster.end_date, by=by)
        start, end, title = SHIFTS[0]
        shifts, placed = [], []
        for i in range(weekdays):
            shift = Shift.plan(shift_id=h.next_id("shift"), roster_id=roster.roster_id,
                               department_id=team.department_id, enterprise_id=team.enterprise_id,
                               day=first + timedelta(days=i), start_time=start, end_time=end, title=title,
                               description=None, required_staff=1, location=None, by=by)
            roster.add_shift(shift.shift_id, shift.day, by=by)
            shifts.append(shift)
            if book:
                assignment_id = h.next_id("assignment")
                shift.take_place(assignment_id, self.employee, by=by)
                self.schedule.book(assignment_id, Booking(shift.shift_id, roster.roster_id, shift.interval),
                                   RULES, by=by)
                placed.append(Assignment(assignment_id=assignment_id, shift_id=shift.shift_id,
                                         roster_id=roster.roster_id, employee_id=self.employee, by=by))
        roster.change_status(RosterStatus.PUBLISHED, by=by)
        h.touch(roster, team.calendar, *shifts, *placed, *([self.schedule] if placed else []))
        h.save()
        return shifts

    def _command_shifts(self) -> list[int]:
        """Open shifts for the assign samples, a day apart (far more than enough)."""
        ids: list[int] = []
        for week in range(40):
            ids += [s.shift_id for s in self._week(COMMANDS_FROM + timedelta(weeks=week), 7, book=False)]
        return ids

    def assign(self) -> None:
        self.c.assignments.assign(self.manager, next(self.shifts), self.employee)

    def create_roster(self) -> None:
        first = COMMANDS_FROM + timedelta(weeks=100 + next(self.weeks))
        self.c.rosters.create_roster(self.manager, NewRoster(name=f"Week of {first}", start_date=first,
                                                             end_date=first + timedelta(days=6),
                                                             department_id=self.team.department_id))

    def load_schedule(self) -> None:
        self.c.events.find(EmployeeSchedule.id_for(self.employee), EmployeeSchedule)

    def load_calendar(self) -> None:
        self.c.events.find(self.team.calendar.id, type(self.team.calendar))


def measure(samples: int, work: Callable[[], Any]) -> list[float]:
    latencies = []
    for _ in range(samples):
        began = time.perf_counter()
        work()
        latencies.append(time.perf_counter() - began)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (else SQLite files)")
    parser.add_argument("--samples", type=int, default=40, help="commands of each kind per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--snapshots", choices=("on", "off"), default="on")
    parser.add_argument("--interval", type=int, default=None, help="snapshot interval of every aggregate")
    args = parser.parse_args()
    if args.snapshots == "off":
        os.environ["IS_SNAPSHOTTING_ENABLED"] = "n"
    if args.interval is not None:
        for kind in SNAPSHOT_INTERVALS:
            SNAPSHOT_INTERVALS[kind] = args.interval
    operations = ("assign", "create_roster", "load_schedule", "load_calendar")
    if args.samples * args.runs > 7 * 40:
        parser.error("at most 280 assign samples (--samples x --runs): one open shift a day for 40 weeks")
    with ExitStack() as stack:
        began = time.perf_counter()
        worlds = [World(stack, label, days, args.postgres) for label, days in HISTORIES]
        seeded = time.perf_counter() - began
        medians: dict[tuple[str, str], list[float]] = {}
        every: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.runs):
            for world in worlds:
                for op in operations:
                    latencies = measure(args.samples, getattr(world, op))
                    medians.setdefault((world.label, op), []).append(statistics.median(latencies))
                    every.setdefault((world.label, op), []).extend(latencies)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    interval = args.interval or "default"
    print(f"history growth on {backend}, snapshots {args.snapshots} (interval {interval}); seeded in"
          f" {seeded:.1f} s; median of {args.runs} runs' medians of {args.samples}, p99 of all (ms)")
    print(f"{'operation':<15}" + "".join(f"{label:>18}" for label, _ in HISTORIES) + f"{'1y/1d':>8}{'5y/1d':>8}")
    for op in operations:
        cells, figures = [], []
        for label, _ in HISTORIES:
            median = statistics.median(medians[(label, op)]) * 1000
            figures.append(median)
            cells.append(f"{median:>9.2f} p99 {percentile(every[(label, op)], 99) * 1000:>5.1f}")
        print(f"{op:<15}" + "".join(f"{cell:>18}" for cell in cells)
              + f"{figures[1] / figures[0]:>8.2f}{figures[2] / figures[0]:>8.2f}")


if __name__ == "__main__":
    main()
