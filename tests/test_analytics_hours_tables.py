"""What the hours report reads of the analytics projection, after random histories: `an_employee_days`
and the open places and assignment sums of `an_roster_days`.

Each row must equal a recount of `an_assignments` and `an_shifts` (booked, confirmed and declined
assignments of live shifts, and the running sum of the employee's week), wherever the runner's
batches began and ended, and a rebuild from the first event must give the same rows.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, time, timedelta
from typing import Any

import pytest

from application.hours_tally import week_of, weekly_overtime
from application.hours_views import HoursScope
from application.rostering_commands import NewSwap, ShiftChanges
from domain.assignment import AssignmentStatus
from domain.errors import DomainError
from projections.hours_queries import SqlHoursQueries

from tests.test_analytics_projection import MON, Row, Ward, dump, ward  # noqa: F401 (ward: the fixture)

DAYS = [MON + timedelta(days=i) for i in range(14)]
COUNTS = ("planned_shifts", "planned_minutes", "confirmed_shifts", "confirmed_minutes", "declined_shifts",
          "declined_minutes", "week_minutes")


def recount(tables: dict[str, list[Row]]) -> dict[tuple[int, str, int], dict[str, Any]]:
    """The rows `an_employee_days` should hold, from the base tables alone."""
    deleted = {s["shift_id"] for s in tables["an_shifts"] if s["is_deleted"]}
    days: dict[tuple[int, str, int], dict[str, Any]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for a in tables["an_assignments"]:
        live = a["shift_id"] not in deleted
        booked = a["status"] in ("pending", "confirmed") and live
        if not booked and not (a["status"] == "declined" and live):
            continue
        row = days[(a["employee_id"], a["date"], a["department_id"])]
        row.update(enterprise_id=a["enterprise_id"], week_start=a["week_start"])
        if booked:
            row["planned_shifts"] += 1
            row["planned_minutes"] += a["minutes"]
            if a["status"] == "confirmed":
                row["confirmed_shifts"] += 1
                row["confirmed_minutes"] += a["minutes"]
        else:
            row["declined_shifts"] += 1
            row["declined_minutes"] += a["minutes"]
    running: dict[tuple[int, str, int], int] = defaultdict(int)
    for (employee, day, department), row in sorted(days.items(), key=lambda item: item[0][1]):
        week = (employee, row["week_start"], department)
        running[week] += row["planned_minutes"]
        row["week_minutes"] = running[week]
    return dict(days)


def stored(tables: dict[str, list[Row]]) -> dict[tuple[int, str, int], dict[str, Any]]:
    return {(r["employee_id"], r["date"], r["department_id"]): {k: v for k, v in r.items()
                                                                if k not in ("employee_id", "date", "department_id")}
            for r in tables["an_employee_days"]}


def random_history(ward: Ward, rng: random.Random, steps: int) -> set[str]:
    """Random commands on the ward (refusals by the domain included), the projection catching up at
    random points; the kinds of command that were accepted."""
    shifts: list[int] = []
    held: list[int] = []
    people = [ward.eve, ward.bob]
    accepted: set[str] = set()
    for _ in range(steps):
        kind = rng.choice(["shift", "shift", "assign", "assign", "assign", "answer", "answer", "unassign",
                           "delete", "move", "swap"])
        try:
            if kind == "shift" or not shifts:
                start = rng.randrange(0, 23)
                shifts.append(ward.shift(rng.choice(DAYS), start, (start + rng.choice([4, 8, 9, 12])) % 24,
                                         required=rng.randint(1, 3)))
            elif kind == "assign":
                held.append(ward.assign(rng.choice(shifts), rng.choice(people)))
            elif kind == "answer" and held:
                status = rng.choice([AssignmentStatus.CONFIRMED, AssignmentStatus.DECLINED])
                ward.answer(rng.choice(people), rng.choice(held), status)
            elif kind == "unassign" and held:
                ward.container.assignments.unassign(ward.manager, rng.choice(held))
            elif kind == "delete":
                ward.container.rosters.delete_shift(ward.manager, rng.choice(shifts), None)
            elif kind == "move":
                start = rng.randrange(0, 23)
                ward.container.rosters.update_shift(ward.manager, rng.choice(shifts), ShiftChanges(
                    date=rng.choice(DAYS), start_time=time(start), end_time=time((start + rng.choice([4, 8])) % 24),
                ), None)
            elif kind == "swap" and held:
                assignment = ward.container.assignments.get_assignment(ward.manager, rng.choice(held))
                giver, taker = (ward.eve, ward.bob) if assignment.employee_id == ward.eve.id else (ward.bob, ward.eve)
                swap = ward.container.swaps.propose(giver, NewSwap(shift_id=assignment.shift_id,
                                                                   target_employee_id=taker.id))
                ward.container.swaps.respond(taker, swap.id, True, None)
            else:
                continue
            accepted.add(kind)
        except DomainError:
            pass
        if rng.random() < 0.3:
            ward.runner.catch_up()
    return accepted


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_employee_days_equal_a_recount_of_the_assignments_after_a_random_history(ward: Ward, seed: int) -> None:
    accepted = random_history(ward, random.Random(seed), 80)
    assert {"assign", "answer"} <= accepted and len(accepted - {"shift"}) >= 4, accepted
    tables = ward.tables()
    assert tables["an_employee_days"], "the history should leave some booked hours"
    assert stored(tables) == recount(tables)


def recount_roster_days(tables: dict[str, list[Row]]) -> dict[tuple[int, str], list[int]]:
    """Open places and assignment sums of each roster day, from the base tables alone."""
    days: dict[tuple[int, str], list[int]] = {}
    shifts = {s["shift_id"]: s for s in tables["an_shifts"] if not s["is_deleted"]}
    for s in shifts.values():
        day = days.setdefault((s["roster_id"], s["date"]), [0] * 8)
        open_places = max(0, s["required_staff"] - s["assigned_staff"])
        day[0] += open_places
        day[1] += open_places * s["minutes"]
    for a in tables["an_assignments"]:
        if a["shift_id"] not in shifts:
            continue
        day = days[(a["roster_id"], a["date"])]
        if a["is_booked"]:
            day[2] += 1
            day[3] += a["minutes"]
            if a["status"] == "confirmed":
                day[4] += 1
                day[5] += a["minutes"]
        elif a["status"] == "declined":
            day[6] += 1
            day[7] += a["minutes"]
    return days


ROSTER_DAY_SUMS = ("open_places", "open_minutes", "planned_shifts", "planned_minutes", "confirmed_shifts",
                   "confirmed_minutes", "declined_shifts", "declined_minutes")


@pytest.mark.parametrize("seed", [1, 2])
def test_roster_days_hold_the_open_places_and_assignment_sums_of_a_recount(ward: Ward, seed: int) -> None:
    random_history(ward, random.Random(seed), 80)
    tables = ward.tables()
    assert tables["an_roster_days"]
    assert {(r["roster_id"], r["date"]): [r[c] for c in ROSTER_DAY_SUMS] for r in tables["an_roster_days"]} == (
        recount_roster_days(tables))


@pytest.mark.parametrize("seed", [4, 5])
def test_a_rebuild_gives_the_same_employee_and_roster_days(ward: Ward, seed: int) -> None:
    random_history(ward, random.Random(seed), 80)
    live = ward.tables()

    assert ward.runner.rebuild() > 0
    rebuilt = dump(ward.container.store)
    assert rebuilt["an_employee_days"] == live["an_employee_days"]
    assert rebuilt["an_roster_days"] == live["an_roster_days"]


def test_a_day_keeps_the_declined_hours_of_a_live_shift_and_drops_them_with_the_shift(ward: Ward) -> None:
    shift_id = ward.shift(MON, 8, 16)
    ward.answer(ward.eve, ward.assign(shift_id, ward.eve), AssignmentStatus.DECLINED)
    row = ward.row("an_employee_days", employee_id=ward.eve.id)
    assert (row["date"], row["planned_minutes"], row["declined_shifts"], row["declined_minutes"]) == (
        MON.isoformat(), 0, 1, 480)

    ward.container.rosters.delete_shift(ward.manager, shift_id, None)
    assert ward.rows("an_employee_days") == []


def test_a_later_day_of_the_week_carries_the_hours_planned_before_it(ward: Ward) -> None:
    tuesday, friday = ward.shift(MON + timedelta(days=1), 8, 16), ward.shift(MON + timedelta(days=4), 6, 18)
    ward.assign(friday, ward.eve)
    assert ward.row("an_employee_days", date="2026-03-06")["week_minutes"] == 720

    ward.assign(tuesday, ward.eve)  # an earlier day, booked later: Friday's running sum moves
    assert [(r["date"], r["planned_minutes"], r["week_minutes"]) for r in ward.rows("an_employee_days")] == [
        ("2026-03-03", 480, 480), ("2026-03-06", 720, 1200)]


def placed_overtime(tables: dict[str, list[Row]], start: date, end: date, limit: int,
                    week_starts_on: int) -> dict[str, float]:
    """Overtime by date worked out from the assignments alone: each employee's week in date order,
    the minutes past `limit` on the day they are worked."""
    days: dict[tuple[int, date], int] = defaultdict(int)
    for a in tables["an_assignments"]:
        if a["is_booked"] and date.fromisoformat(a["date"]) <= end:
            days[(a["employee_id"], date.fromisoformat(a["date"]))] += a["minutes"]
    running: dict[tuple[int, date], int] = defaultdict(int)
    placed: dict[str, float] = defaultdict(float)
    for (employee, day), minutes in sorted(days.items(), key=lambda item: item[0][1]):
        week = (employee, week_of(day, week_starts_on))
        before, running[week] = running[week], running[week] + minutes
        past = max(0, running[week] - max(limit, before))
        if past and day >= start:
            placed[day.isoformat()] += past
    return dict(placed)


@pytest.mark.parametrize("week_starts_on", [0, 6])
def test_the_day_reports_overtime_equals_placing_each_weeks_minutes_in_date_order(
    ward: Ward, week_starts_on: int
) -> None:
    random_history(ward, random.Random(7), 80)
    for day in DAYS[::2]:  # enough hours for some weeks to pass a 10-hour limit
        try:
            ward.assign(ward.shift(day, 13, 19), ward.eve)
        except DomainError:
            pass  # Eve works then already
    tables = ward.tables()
    queries = SqlHoursQueries(ward.container.store)

    def rules(settings: dict[int, dict[str, Any]]) -> tuple[dict[int, float | None], int]:
        return dict.fromkeys(settings, 10.0), week_starts_on

    for start, end in ((DAYS[0], DAYS[-1]), (DAYS[2], DAYS[8])):
        expected = placed_overtime(tables, start, end, 600, week_starts_on)
        assert expected, "the history should go past the limit"
        for scope in (HoursScope(ward.enterprise_id, ward.department_id), HoursScope(ward.enterprise_id, None)):
            figures = queries.hours_figures(scope, start, end, "day", rules)
            assert figures.day_overtime == expected
            assert sum(figures.day_overtime.values()) == sum(weekly_overtime(figures.weeks, figures.allowed).values())
