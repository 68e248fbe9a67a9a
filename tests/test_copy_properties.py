"""Random histories ending in a copy: the copy follows the week's pattern, carries exactly the
assignments that still fit (reporting the rest), breaks no rule across both rosters, and the
read models equal a rebuild from the events.

The world is test_rostering_properties.py's: one department, a manager, five employees and a
published four-day roster of generated shifts. A random history of assignments, answers and
auto-assign staffs it; some employees take days of the copy's range off; then the roster is
copied to a random later range (shorter or longer than the source), with or without its
assignments, and maybe auto-assigned.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from application.rostering_commands import LocalPeriod
from domain.timeslots import Interval
from domain.week_pattern import copy_days
from tests.test_rostering_properties import (
    ASSIGN,
    AUTO_ASSIGN,
    INDEX,
    MONDAY,
    ROSTER_DAYS,
    ROSTER_SETTINGS,
    World,
    check_rebuild,
    fresh_world,
    minute,
    pick,
    run,
)

ACTIVE = ("pending", "confirmed")
STAFFING = st.lists(st.one_of(ASSIGN, ASSIGN, AUTO_ASSIGN, st.tuples(st.just("answer"), INDEX, st.booleans())),
                    min_size=1, max_size=8)
TIME_OFF = st.lists(st.tuples(INDEX, st.integers(0, 20), st.booleans()), max_size=4)
"""(person, day of the copy, approved) for whole days off in the copy's range."""


@pytest.fixture
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def active_by_shift(world: World, roster_id: int) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for row in world.rows("SELECT shift_id, employee_id FROM rm_assignments WHERE roster_id = ? AND status IN"
                          " ('pending', 'confirmed')", (roster_id,)):
        found[row["shift_id"]].add(row["employee_id"])
    return found


def shifts_of(world: World, roster_id: int) -> list[dict[str, Any]]:
    return world.rows("SELECT * FROM rm_shifts WHERE roster_id = ? AND NOT is_deleted ORDER BY id", (roster_id,))


def check_rules_across_rosters(world: World, roster_settings: dict[str, Any]) -> None:
    shifts = {r["id"]: r for r in world.rows("SELECT * FROM rm_shifts")}
    rest = timedelta(hours=roster_settings["min_rest_hours"])
    limit = roster_settings["max_shifts_per_person"]

    def when(a: dict[str, Any]) -> Interval:
        s = shifts[a["shift_id"]]
        return Interval(minute(s["start_at"]), minute(s["end_at"]))

    active = world.rows("SELECT * FROM rm_assignments WHERE status IN ('pending', 'confirmed')")
    by_employee: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in active:
        by_employee[a["employee_id"]].append(a)
    for employee, theirs in by_employee.items():
        for a, b in combinations(theirs, 2):
            assert not when(a).overlaps(when(b)), f"employee {employee}: {a['id']} and {b['id']} overlap"
            assert when(a).gap_to(when(b)) >= rest, f"employee {employee}: too little rest, {a['id']} {b['id']}"
        per_roster: dict[int, int] = defaultdict(int)
        for a in theirs:
            per_roster[a["roster_id"]] += 1
        assert all(n <= limit for n in per_roster.values()), (employee, dict(per_roster))
    for off in world.rows("SELECT * FROM rm_availability WHERE kind = 'time_off' AND status = 'approved'"):
        away = Interval(minute(off["start_at"]), minute(off["end_at"]))
        assert not any(away.overlaps(when(a)) for a in by_employee.get(off["employee_id"], []))
    for shift_id, row in shifts.items():
        count = sum(1 for a in active if a["shift_id"] == shift_id)
        assert count <= row["required_staff"] and row["assigned_staff"] == count


@given(
    staffing=STAFFING,
    roster_settings=ROSTER_SETTINGS,
    required_staff=st.sampled_from([None, 2]),
    gap=st.integers(0, 40),
    length=st.integers(1, 21),
    time_off=TIME_OFF,
    include_assignments=st.booleans(),
    then_auto_assign=st.booleans(),
)
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_a_copy_after_a_random_history_keeps_the_pattern_and_every_rule_and_a_rebuild_agrees(
    workdir: Path, staffing: list[tuple[Any, ...]], roster_settings: dict[str, Any], required_staff: int | None,
    gap: int, length: int, time_off: list[tuple[int, int, bool]], include_assignments: bool,
    then_auto_assign: bool,
) -> None:
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        world = fresh_world(Path(tmp), roster_settings, required_staff)
        c, manager = world.container, world.manager
        try:
            for command in staffing:
                run(world, command)
            start = MONDAY + timedelta(days=ROSTER_DAYS + gap)
            end = start + timedelta(days=length - 1)
            for person_index, offset, approve in time_off:
                day = start + timedelta(days=offset % length)
                person = pick(world.people, person_index)
                entry = c.availability.request_time_off(world.principal(person), LocalPeriod(day, day), "Away")
                c.availability.decide_time_off(manager, entry.id, approve)
            before = active_by_shift(world, world.roster_id)
            source = {s["id"]: s for s in shifts_of(world, world.roster_id)}

            copied = c.rosters.copy_roster(manager, world.roster_id, start, end, None, include_assignments)
            report = copied.copy
            event(f"copied {report.assignments_copied > 0}, skipped {len(report.assignments_skipped) > 0}")

            # The pattern: each day of the copy holds the shifts of its source day, nothing else.
            by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for s in source.values():
                by_day[s["date"]].append(s)
            expected = sorted(
                (target.isoformat(), s["start_time"], s["end_time"], s["title"], s["required_staff"])
                for target, day in copy_days(MONDAY, MONDAY + timedelta(days=ROSTER_DAYS - 1), start, end)
                for s in by_day[day.isoformat()]
            )
            made = shifts_of(world, copied.roster.id)
            assert sorted((s["date"], s["start_time"], s["end_time"], s["title"], s["required_staff"])
                          for s in made) == expected

            # The assignments: on each copied shift, the source shift's people, less the reported ones.
            after = active_by_shift(world, copied.roster.id)
            skipped: dict[int, set[int]] = defaultdict(set)
            for s in report.assignments_skipped:
                skipped[s.shift_id].add(s.employee_id)
            pairs = dict(copy_days(MONDAY, MONDAY + timedelta(days=ROSTER_DAYS - 1), start, end))
            for shift in made:
                origin = next(s for s in by_day[pairs[date.fromisoformat(shift["date"])].isoformat()]
                              if s["title"] == shift["title"])
                wanted = before.get(origin["id"], set()) if include_assignments else set()
                assert after.get(shift["id"], set()) | skipped[shift["id"]] == wanted
                assert not after.get(shift["id"], set()) & skipped[shift["id"]]
            assert report.assignments_copied == sum(len(v) for v in after.values())
            assert all(r["status"] == "pending" for r in world.rows(
                "SELECT status FROM rm_assignments WHERE roster_id = ?", (copied.roster.id,)))

            if then_auto_assign:
                c.assignments.auto_assign(manager, copied.roster.id, None)
            check_rules_across_rosters(world, world.settings)
            check_rebuild(world, Path(tmp) / "rebuilt.sqlite3")
        finally:
            c.close()
