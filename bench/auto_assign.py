"""Auto-assign of a 200-employee, 31-day roster, 3 shifts a day of 3 staff each.

    python -m bench.auto_assign [--backend sqlite|postgres] [--runs 3]
                                [--max-hours-per-week 40] [--employees 200]

Prints the median and worst seconds, rule violations found in the read model
afterwards (must be 0), the spread of hours between the most and least loaded
employee, and a baseline from the same run: one bare `Application.save()` of as many
new aggregates as auto-assign saves, on the same store.

Each run auto-assigns the scenario twice, each on a fresh store: without an hours limit
(the earlier figure) and with the roster setting `max_hours_per_week` (issue 21), whose
weeks (from Monday, UTC) are counted as violations too when one passes the limit.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg
from eventsourcing.domain import Aggregate

from application.commands import NewDepartment, NewUser
from application.rostering_commands import NewRoster
from domain.roles import Role
from infrastructure.settings import PostgresTarget, Settings
from interfaces.container import Container, build_container

EMPLOYEES, DAYS, STAFF = 200, 31, 3
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


class Probe(Aggregate):
    """A minimal aggregate for the bare save baseline."""


def container_for(backend: str, folder: Path) -> tuple[Container, str | None]:
    schema = None
    if backend == "postgres":
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PostgresTarget.parse(POSTGRES_URL).conninfo(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        settings = Settings(data_dir=folder, database_url=POSTGRES_URL, database_schema=schema,
                            bcrypt_rounds=4, rate_limit_enabled=False, jwt_secret="bench-secret-0123456789")
    else:
        settings = Settings(data_dir=folder, bcrypt_rounds=4, rate_limit_enabled=False,
                            jwt_secret="bench-secret-0123456789")
    return build_container(settings), schema


def drop(schema: str | None) -> None:
    if schema:
        with psycopg.connect(PostgresTarget.parse(POSTGRES_URL).conninfo(), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def seed(container: Container, employees: int = EMPLOYEES,
         settings: dict[str, object] | None = None) -> tuple[object, int]:
    root = container.identity.principal(
        container.identity.create_system_admin("Root", "root@bench.test", "password-123").id
    )
    enterprise = container.organisation.create_enterprise(root, "Bench Corp", None)
    department = container.organisation.create_department(
        root, NewDepartment(name="Operations", enterprise_id=enterprise.id)
    )
    for i in range(employees):
        container.identity.create_user(root, NewUser(
            full_name=f"Employee {i}", email=f"e{i}@bench.test", password="password-123",
            role=Role.EMPLOYEE, enterprise_id=enterprise.id, department_id=department.id,
        ))
    roster = container.rosters.create_roster(root, NewRoster(
        name="Month", department_id=department.id, start_date=date(2026, 1, 1),
        end_date=date(2026, 1, DAYS), auto_generate_shifts=True, shift_template="standard_8hour",
        required_staff=STAFF, settings=dict(settings or {}),
    ))
    return root, roster.id


def violations(container: Container, roster_id: int, department_id: int | None = None,
               max_hours_per_week: float | None = None) -> tuple[int, float]:
    """Rule breaks found in the read model, and the max-min spread of hours (among the
    employees of `department_id`, or all employees). With `max_hours_per_week`, every week
    (from Monday, UTC, a shift counting in the week it starts in) over it is one more."""
    with container.store.read() as cur:
        cur.execute(
            "SELECT a.employee_id, s.id AS shift_id, s.start_at, s.end_at, s.required_staff"
            " FROM rm_assignments a JOIN rm_shifts s ON s.id = a.shift_id"
            " WHERE a.roster_id = ? AND a.status IN ('pending', 'confirmed')", (roster_id,))
        rows = cur.fetchall()
        if department_id is None:
            cur.execute("SELECT id FROM rm_users WHERE role = 'employee'")
        else:
            cur.execute("SELECT id FROM rm_users WHERE role = 'employee' AND department_id = ?", (department_id,))
        staff = [r["id"] for r in cur.fetchall()]
    broken = 0
    per_shift: dict[int, int] = defaultdict(int)
    per_employee: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    required: dict[int, int] = {}
    for r in rows:
        per_shift[r["shift_id"]] += 1
        required[r["shift_id"]] = r["required_staff"]
        per_employee[r["employee_id"]].append(
            (datetime.fromisoformat(r["start_at"]), datetime.fromisoformat(r["end_at"])))
    broken += sum(1 for s, n in per_shift.items() if n > required[s])
    hours = []
    for employee in staff:
        spans = sorted(per_employee.get(employee, []))
        hours.append(sum((e - s).total_seconds() / 3600 for s, e in spans))
        for (s1, e1), (s2, _) in zip(spans, spans[1:]):
            if s2 - e1 < timedelta(hours=10):  # overlap or too little rest
                broken += 1
        if max_hours_per_week is not None:
            weeks: dict[object, float] = defaultdict(float)
            for s, e in spans:
                weeks[s.date() - timedelta(days=s.weekday())] += (e - s).total_seconds() / 3600
            broken += sum(1 for h in weeks.values() if h > max_hours_per_week + 1e-9)
    return broken, max(hours) - min(hours)


def busiest_week(container: Container, roster_id: int) -> float:
    """The most hours any employee works in one week (from Monday, UTC) of the roster."""
    with container.store.read() as cur:
        cur.execute(
            "SELECT a.employee_id, s.start_at, s.end_at FROM rm_assignments a JOIN rm_shifts s ON s.id = a.shift_id"
            " WHERE a.roster_id = ? AND a.status IN ('pending', 'confirmed')", (roster_id,))
        rows = cur.fetchall()
    weeks: dict[tuple[int, object], float] = defaultdict(float)
    for r in rows:
        start, end = datetime.fromisoformat(r["start_at"]), datetime.fromisoformat(r["end_at"])
        weeks[(r["employee_id"], start.date() - timedelta(days=start.weekday()))] += (end - start).total_seconds() / 3600
    return max(weeks.values(), default=0.0)


def bare_save_seconds(container: Container, count: int) -> float:
    probes = [Probe() for _ in range(count)]
    started = time.perf_counter()
    container.events.save(*probes)
    return time.perf_counter() - started


def planner_alone(employees: int, limit: float | None, repeats: int = 5) -> float:
    """Median seconds of the domain planner alone on the same scenario, in memory (no store):
    the part of auto-assign that the limits add work to."""
    from domain.planner import auto_assign as plan
    from domain.schedule import EmployeeSchedule, Rules
    from domain.shift import Shift
    from domain.templates import DEFAULT_TEMPLATES, generate

    times = []
    for _ in range(repeats):
        shifts = [
            Shift.plan(shift_id=i, roster_id=1, department_id=1, enterprise_id=1, day=day, start_time=t.start_time,
                       end_time=t.end_time, title=t.title, description=None, required_staff=STAFF, location=None, by=1)
            for i, (day, t) in enumerate(generate(DEFAULT_TEMPLATES["standard_8hour"][1], date(2026, 1, 1),
                                                  date(2026, 1, DAYS)), start=1)
        ]
        schedules = {e: EmployeeSchedule(employee_id=e) for e in range(1, employees + 1)}
        ids = iter(range(1, 10**6))
        started = time.perf_counter()
        plan(shifts, schedules, Rules(min_rest_hours=10, max_hours_per_week=limit), 1, lambda: next(ids), by=1)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(backend: str, employees: int, limit: float | None) -> tuple[float, float, dict, int, float, float]:
    """One auto-assign on a fresh store: (seconds, bare save seconds, report, violations, spread,
    the busiest week's hours)."""
    with tempfile.TemporaryDirectory() as folder:
        container, schema = container_for(backend, Path(folder))
        try:
            root, roster_id = seed(container, employees, {"max_hours_per_week": limit} if limit else None)
            started = time.perf_counter()
            report = container.assignments.auto_assign(root, roster_id)
            elapsed = time.perf_counter() - started
            saved = 1 + DAYS * 3 + employees + report["assigned"]  # roster, shifts, schedules, assignments
            baseline = bare_save_seconds(container, saved)
            broken, spread = violations(container, roster_id, max_hours_per_week=limit)
            return elapsed, baseline, report, broken, spread, busiest_week(container, roster_id)
        finally:
            container.close()
            drop(schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-hours-per-week", type=float, default=40)
    parser.add_argument("--employees", type=int, default=EMPLOYEES)
    args = parser.parse_args()
    variants = (("no limit", None), (f"max {args.max_hours_per_week:g} h/week", args.max_hours_per_week))
    timings: dict[str, list[float]] = defaultdict(list)
    baselines: dict[str, list[float]] = defaultdict(list)
    rows = []
    for run in range(args.runs):
        for name, limit in variants:  # alternated, so both share the machine's state of the moment
            elapsed, baseline, report, broken, spread, busiest = measure(args.backend, args.employees, limit)
            timings[name].append(elapsed)
            baselines[name].append(baseline)
            rows.append((run + 1, name, elapsed, baseline, report["assigned"], report["unfilled_places"], broken,
                         spread, busiest))
    print(f"auto-assign, {args.employees} employees x {DAYS} days x 3 shifts x {STAFF} staff, backend={args.backend}")
    print(f"{'run':>3} {'variant':<16} {'seconds':>8} {'bare save s':>11} {'ratio':>6} {'assigned':>8} {'unfilled':>8}"
          f" {'violations':>10} {'spread h':>8} {'max h/week':>10}")
    for run, name, elapsed, baseline, assigned, unfilled, broken, spread, busiest in rows:
        print(f"{run:>3} {name:<16} {elapsed:>8.3f} {baseline:>11.3f} {elapsed / baseline:>6.1f} {assigned:>8}"
              f" {unfilled:>8} {broken:>10} {spread:>8.1f} {busiest:>10.1f}")
    for name, _ in variants:
        print(f"{name}: median {statistics.median(timings[name]):.3f} s (worst {max(timings[name]):.3f} s); "
              f"bare save of the same aggregate count: median {statistics.median(baselines[name]):.3f} s; "
              f"ratio {statistics.median(timings[name]) / statistics.median(baselines[name]):.1f}x")
    limited, free = (statistics.median(timings[name]) for name, _ in variants[::-1])
    print(f"with the limit / without: {limited / free:.2f}x")
    alone = {name: planner_alone(args.employees, limit) for name, limit in variants}
    print("planner alone (domain, in memory, median of 5): " + "; ".join(
        f"{name} {seconds * 1000:.1f} ms" for name, seconds in alone.items())
        + f"; ratio {alone[variants[1][0]] / alone[variants[0][0]]:.2f}x")


if __name__ == "__main__":
    main()
