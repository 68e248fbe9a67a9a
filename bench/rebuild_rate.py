"""Rebuild rate of the read-model projections over a realistic event history.

    python -m bench.rebuild_rate [--events 200000] [--backend postgres|sqlite] [--profile-events 0]

1. Generates a history of about `--events` events on a fresh store (a new PostgreSQL
   schema, dropped afterwards, or SQLite files in a temporary folder), in a child process
   so its memory does not count below. Built with the domain aggregates, saved many per
   `events.save(...)` in the order the services save them: enterprises, departments with
   a manager and 30 employees, then month after month one roster per department:
   planned with 3 shifts a day (standard 8-hour template), auto-assigned 3 staff a shift,
   published, answered (most confirm, 5 % decline), 3 swaps carried out, 2 time-off
   requests decided, sign-ins and inbox reads, then approved and archived. About 1,400
   events a roster, most of them shifts and assignments, as in a real deployment.
2. Baseline (a): reading the whole notification log in batches of `--batch-size` and
   decoding every event the fastest way the product has, which is how the projection runner
   reads (`infrastructure.event_log`: binary rows straight from the table on PostgreSQL) and
   decodes (`application.event_log.EventDecoder`). Measured twice (cold, then warm); the
   faster one is the baseline. For reference: read alone, without decoding; eventsourcing's
   own `select_notifications` and `to_domain_event` (the baseline before 2026-11-21, about
   1.5x slower on PostgreSQL); and that with the stock JSONTranscoder, which the product
   used before msgspec.
3. (b): `CatchUpRunner(...).rebuild()` of all projections together in this process, staged in
   a scratch SQLite file and swapped in (as the workers do), then of each one alone; (c) on
   PostgreSQL: `schedulax projections rebuild --jobs N`, the operator's command, which stages
   groups of projections in N processes side by side. In events of the log per second, and
   the ratio to (a). `--in-place` adds the old way, straight into the store, for comparison.
4. Peak RSS of this process (ru_maxrss) and per phase (VmHWM, reset between phases).
   On PostgreSQL the generated log is ANALYZEd first, as autovacuum would have done on
   a live log (`--no-analyze` to measure a log without planner statistics).
5. With `--profile-events N`: where the time goes in rebuilding all projections in place (in
   the store, not staged) over the first N events: event store reads, decoding, each
   projection's handlers split into SQL
   statements (count, time) and Python, commits; then the top functions under cProfile.

Goals (issue): at least 50,000 events/s, and at least half the read+decode rate, for
1,000,000 events or more.
"""

from __future__ import annotations

import argparse
import calendar
import cProfile
import io
import logging
import math
import multiprocessing
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper

from application.events import SchedulaX
from bench.pg import (
    die_with_parent, fresh_schema, peak_rss_mb, phase_peak_mb, reset_phase_peak, settings_for, worker_env,
)
from domain.assignment import ACTIVE, Assignment, AssignmentStatus
from domain.identity import EmailClaim, SignIn, SystemAdminSeat, User
from domain.inbox import Inbox
from domain.organisation import Department, Enterprise
from domain.roles import Role
from domain.roster import DepartmentCalendar, Roster, RosterStatus
from domain.schedule import Booking, EmployeeSchedule, Rules
from domain.shift import Shift
from domain.swap import SwapRequest
from domain.timeslots import Interval
from infrastructure.settings import Settings
from infrastructure.readstore import scratch_store
from application.event_log import EventDecoder, RecorderLog
from infrastructure.event_log import event_log
from interfaces.container import all_projections, event_store_env, read_store
from projections.base import Projection
from projections.runner import CatchUpRunner

EVENTS_PER_ROSTER = 1400  # measured: about 1,380 to 1,410 with the mix below
EMPLOYEES = 30  # per department, in 3 groups of 10, one group per shift of the day
STAFF = 3
ROSTERS_PER_DEPARTMENT = 12  # a year of months
DEPARTMENTS_PER_ENTERPRISE = 8
SHIFTS = [(clock(6), clock(14), "Morning"), (clock(14), clock(22), "Afternoon"), (clock(22), clock(6), "Night")]
RULES = Rules(min_rest_hours=10)
HASH = "$2b$04$benchbenchbenchbenchbeOq3c2cT5u0f0m2w0Q7JmGf4b0Y6m4e"


# -- generating the history -------------------------------------------------------------------


class History:
    """Aggregates with pending events, saved together in the order they were first touched."""

    def __init__(self, events: SchedulaX, target: int, seed: int) -> None:
        self.events = events
        self.target = target
        self.rng = random.Random(seed)
        self.ids: Counter[str] = Counter()
        self.count = 0
        self.saves = 0
        self.topics: Counter[str] = Counter()
        self._batch: dict[UUID, Any] = {}
        self.schedules: dict[int, EmployeeSchedule] = {}
        self.inboxes: dict[int, Inbox] = {}

    @property
    def done(self) -> bool:
        return self.count >= self.target

    def next_id(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def touch(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            self._batch.setdefault(aggregate.id, aggregate)

    def save(self) -> None:
        if not self._batch:
            return
        recordings = self.events.save(*self._batch.values())
        self._batch.clear()
        if (self.count + len(recordings)) // 100_000 > self.count // 100_000:
            print(f"  generated {self.count + len(recordings):,} events", file=sys.stderr)
        self.count += len(recordings)
        self.saves += 1
        for recording in recordings:
            self.topics[recording.notification.topic] += 1

    def schedule(self, employee_id: int) -> EmployeeSchedule:
        if employee_id not in self.schedules:
            self.schedules[employee_id] = EmployeeSchedule(employee_id=employee_id)
        return self.schedules[employee_id]

    def user(self, role: Role, enterprise_id: int | None, department_id: int | None, by: int | None) -> User:
        user_id = self.next_id("user")
        user = User.register(
            user_id=user_id, full_name=f"Person {user_id}", email=f"user{user_id}@bench.test",
            password_hash=HASH, role=role, gender=None, enterprise_id=enterprise_id,
            department_id=department_id, is_active=True, by=by,
        )
        self.touch(user, EmailClaim.claim(user.email, user_id))
        return user


class Team:
    def __init__(self, enterprise_id: int, department_id: int, manager_id: int, employees: list[int]) -> None:
        self.enterprise_id = enterprise_id
        self.department_id = department_id
        self.manager_id = manager_id
        self.employees = employees
        self.calendar = DepartmentCalendar(department_id=department_id)


def organisation(h: History, departments: int, employees: int = EMPLOYEES,
                 admin_id: int | None = None) -> list[Team]:
    """Enterprises of 8 departments, each with a manager and `employees` employees; under a new
    system admin, or under `admin_id` when one exists already (its seat is held once)."""
    if admin_id is None:
        root = h.user(Role.SYSTEM_ADMIN, None, None, None)
        h.touch(SystemAdminSeat(user_id=root.user_id))
        h.save()
        admin_id = root.user_id
    teams: list[Team] = []
    enterprise_id = 0
    for d in range(departments):
        if d % DEPARTMENTS_PER_ENTERPRISE == 0:
            enterprise_id = h.next_id("enterprise")
            h.touch(Enterprise.found(enterprise_id=enterprise_id, name=f"Enterprise {enterprise_id}",
                                     description=None, by=admin_id))
            h.user(Role.ENTERPRISE_ADMIN, enterprise_id, None, admin_id)
            h.save()
        department_id = h.next_id("department")
        manager = h.user(Role.MANAGER, enterprise_id, department_id, admin_id)
        h.touch(Department.open(department_id=department_id, enterprise_id=enterprise_id,
                                name=f"Department {department_id}", description=None,
                                manager_id=manager.user_id, by=admin_id))
        h.save()
        staff = [h.user(Role.EMPLOYEE, enterprise_id, department_id, manager.user_id).user_id
                 for _ in range(employees)]
        h.save()
        teams.append(Team(enterprise_id, department_id, manager.user_id, staff))
    return teams


def plan_month(h: History, team: Team, year: int, month: int) -> tuple[Roster, list[tuple[Shift, int, int]]]:
    """A month roster generated from the 8-hour template, saved as create_roster saves it:
    the roster and (shift, day index, shift of the day) for each of its shifts."""
    by = team.manager_id
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    roster = Roster.plan(
        roster_id=h.next_id("roster"), department_id=team.department_id, enterprise_id=team.enterprise_id,
        name=f"{first:%B %Y}", description=None, start_date=first, end_date=last, settings={}, by=by,
    )
    team.calendar.reserve(roster.roster_id, first, last, by=by)
    shifts: list[tuple[Shift, int, int]] = []
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        for kind, (start, end, title) in enumerate(SHIFTS):
            shift_id = h.next_id("shift")
            roster.add_shift(shift_id, day, by=by)
            shifts.append((Shift.plan(
                shift_id=shift_id, roster_id=roster.roster_id, department_id=team.department_id,
                enterprise_id=team.enterprise_id, day=day, start_time=start, end_time=end, title=title,
                description=None, required_staff=STAFF, location=None, by=by,
            ), i, kind))
    h.touch(roster, team.calendar, *(s for s, _, _ in shifts))
    h.save()
    return roster, shifts


def month_roster(h: History, team: Team, year: int, month: int) -> None:
    """One department's month, from planning to archive, as the services would save it."""
    by = team.manager_id
    roster, shifts = plan_month(h, team, year, month)

    # Auto-assign: group `kind` works shift `kind`, 3 of its 10 each day, always 24 h apart.
    placed: list[tuple[Assignment, Shift, int, int]] = []
    schedules: dict[int, EmployeeSchedule] = {}
    for shift, i, kind in shifts:
        group = team.employees[kind * 10:(kind + 1) * 10]
        for k in range(STAFF):
            employee = group[(i * STAFF + k) % 10]
            assignment_id = h.next_id("assignment")
            shift.take_place(assignment_id, employee, by=by)
            schedule = schedules.setdefault(employee, h.schedule(employee))
            schedule.book(assignment_id, Booking(shift.shift_id, roster.roster_id, shift.interval), RULES, by=by)
            placed.append((Assignment(assignment_id=assignment_id, shift_id=shift.shift_id,
                                      roster_id=roster.roster_id, employee_id=employee, by=by), shift, i, kind))
    roster.record_auto_assign({"status": "completed", "strategy": "balanced", "assigned": len(placed),
                               "unfilled_places": 0}, by=by)
    h.touch(roster, *(s for s, _, _ in shifts), *schedules.values(), *(a for a, _, _, _ in placed))
    h.save()

    roster.change_status(RosterStatus.PUBLISHED, by=by)
    h.touch(roster)
    h.save()

    # Answers: most confirm, some decline (which frees the place), a few never answer.
    for assignment, shift, _, _ in placed:
        draw = h.rng.random()
        if draw < 0.05:
            assignment.answer(AssignmentStatus.DECLINED, "Cannot make it", by=assignment.employee_id)
            shift.free_place(assignment.assignment_id, by=assignment.employee_id)
            schedule = h.schedule(assignment.employee_id)
            schedule.release(assignment.assignment_id, by=assignment.employee_id)
            h.touch(assignment, shift, schedule)
        elif draw < 0.92:
            assignment.answer(AssignmentStatus.CONFIRMED, None, by=assignment.employee_id)
            h.touch(assignment)
    h.save()

    # Swaps: an employee gives a shift to a colleague of the same group who is off that day.
    live = [p for p in placed if p[0].status in ACTIVE]
    for assignment, shift, i, kind in h.rng.sample(live, 3) if len(live) >= 3 else []:
        group = team.employees[kind * 10:(kind + 1) * 10]
        target = group[(i * STAFF + 5) % 10]
        if target in shift.slots.values() or any(
            b.interval.overlaps(shift.interval) for b in h.schedule(target).bookings.values()
        ):
            continue
        requester = assignment.employee_id
        swap = SwapRequest.propose(
            swap_id=h.next_id("swap_request"), roster_id=roster.roster_id, requester_id=requester,
            target_employee_id=target, shift_id=shift.shift_id, assignment_id=assignment.assignment_id,
            target_shift_id=None, target_assignment_id=None, reason="Family matters", message=None,
            needs_approval=True,
        )
        h.touch(swap)
        swap.respond(True, by=target)
        if swap.decide(True, by=by):
            giver, taker = h.schedule(requester), h.schedule(target)
            giver.release(assignment.assignment_id, by=by)
            taker.book(assignment.assignment_id, Booking(shift.shift_id, roster.roster_id, shift.interval),
                       RULES, by=by)
            shift.hand_over(assignment.assignment_id, target, by=by)
            assignment.hand_over(target, by=by)
            swap.complete(by=by)
            h.touch(swap, giver, taker, shift, assignment)
    h.save()

    # Time off, far from any shift; the manager decides.
    for _ in range(2):
        employee = h.rng.choice(team.employees)
        schedule = h.schedule(employee)
        time_off_id = h.next_id("time_off")
        begins = datetime(2040, 1, 1, tzinfo=timezone.utc) + timedelta(days=3 * time_off_id)
        schedule.request_time_off(time_off_id, Interval(begins, begins + timedelta(days=2)), "Holiday", by=employee)
        schedule.decide_time_off(time_off_id, h.rng.random() < 0.8, by=by)
        h.touch(schedule)
    # Everyone signs in; some read their inbox.
    for employee in [*team.employees, by]:
        h.touch(SignIn(user_id=employee, by=employee))
    for employee in h.rng.sample(team.employees, 10):
        inbox = h.inboxes.get(employee) or h.inboxes.setdefault(employee, Inbox(user_id=employee))
        inbox.mark_all_read(10 ** 12)
        h.touch(inbox)
    h.save()

    roster.change_status(RosterStatus.APPROVED, by=by)
    roster.change_status(RosterStatus.ARCHIVED, by=by)
    team.calendar.release(roster.roster_id, by=by)
    h.touch(roster, team.calendar)
    h.save()


def generate(settings: Settings, target: int, seed: int, sender: Any) -> None:
    """Child process: write about `target` events; send back what was written."""
    die_with_parent()
    started = time.perf_counter()
    events = SchedulaX(env=event_store_env(settings))
    try:
        h = History(events, target, seed)
        rosters = max(1, math.ceil(target / EVENTS_PER_ROSTER))
        teams = organisation(h, max(1, math.ceil(rosters / ROSTERS_PER_DEPARTMENT)))
        month = 0
        while not h.done:
            year, index = 2026 + month // 12, month % 12 + 1
            for team in teams:
                if h.done:
                    break
                month_roster(h, team, year, index)
            month += 1
        sender.send({"count": h.count, "saves": h.saves, "seconds": time.perf_counter() - started,
                     "topics": dict(h.topics), "peak_rss_mb": peak_rss_mb(), "teams": len(teams),
                     "rosters": h.ids["roster"]})
    finally:
        events.close()
        sender.close()


def generate_in_child(settings: Settings, target: int, seed: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=generate, args=(settings, target, seed, sender))
    child.start()
    sender.close()
    try:
        result = receiver.recv()
    except EOFError:
        raise RuntimeError(f"the generator failed (exit code {child.exitcode})") from None
    finally:
        child.join()
    return result


# -- measuring -----------------------------------------------------------------------------------


class Progress:
    def __init__(self, what: str, head: int) -> None:
        self._what, self._head = what, head
        self._started = self._last = time.perf_counter()

    def __call__(self, position: int, _: int = 0) -> None:
        moment = time.perf_counter()
        if moment - self._last >= 10:
            self._last = moment
            rate = position / (moment - self._started)
            print(f"  {self._what}: {position:,}/{self._head:,} ({rate:,.0f} events/s)", file=sys.stderr)


def read_log(events: SchedulaX, batch: int, decode: bool, mapper: Mapper | None = None,
             api: bool = False) -> tuple[int, float]:
    """Read (and decode) every notification of the log; (events, seconds). As the projection
    runner reads and decodes (`infrastructure.event_log`, `EventDecoder`), or with `api`
    through eventsourcing's own `select_notifications` and `to_domain_event`. `mapper`:
    decode with another mapper than the application's (implies `api`)."""
    api = api or mapper is not None
    mapper = mapper or events.mapper
    log = RecorderLog(events.recorder) if api else event_log(events.recorder)
    to_event = mapper.to_domain_event if api else EventDecoder(mapper)
    head = events.recorder.max_notification_id() or 0
    started = time.perf_counter()
    position, count = 0, 0
    while True:
        notifications = log.select(position, batch, head, [])
        if not notifications:
            break
        if decode:
            for notification in notifications:
                to_event(notification)
        count += len(notifications)
        position = notifications[-1].id
    return count, time.perf_counter() - started


class Row:
    def __init__(self, label: str, events: int, seconds: float, rss: float, handled: int | None = None) -> None:
        self.label, self.events, self.seconds, self.rss, self.handled = label, events, seconds, rss, handled

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else math.nan


def stock_mapper(events: SchedulaX) -> Mapper:
    """The application's mapper with eventsourcing's own JSONTranscoder instead of msgspec's:
    the decoder the product used before, for comparison with earlier measurements."""
    transcoder = JSONTranscoder()
    events.register_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


def phase(label: str, run: Any, events: int, handled: int | None = None) -> Row:
    reset_phase_peak()
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    row = Row(label, events, seconds, phase_peak_mb(), handled)
    print(f"{label}: {seconds:.1f} s ({row.rate:,.0f} events/s)", file=sys.stderr)
    return row


def rebuild_with_cli(settings: Settings, jobs: int) -> None:
    """(c): the command an operator runs, in its own processes."""
    result = subprocess.run(
        [sys.executable, "-m", "interfaces.cli", "projections", "rebuild", "--jobs", str(jobs)],
        env=worker_env(settings), capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"projections rebuild failed:\n{result.stderr[-2000:]}")


def handled_by(projection: Projection, topics: dict[str, int]) -> int:
    return sum(topics.get(t, 0) for t in projection.topics())


class Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


# -- profile ---------------------------------------------------------------------------------------


class Breakdown:
    """Timers around the parts of a rebuild (bench-side wrappers; the product is unchanged)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.current = "runner"
        self.statements: Counter[tuple[str, str]] = Counter()  # (projection, verb)

    def add(self, key: str, seconds: float, calls: int = 1) -> None:
        self.seconds[key] += seconds
        self.calls[key] += calls


class CountingCursor:
    def __init__(self, cursor: Any, breakdown: Breakdown) -> None:
        self._cursor, self._b = cursor, breakdown

    def execute(self, sql: str, params: Any = ()) -> Any:
        started = time.perf_counter()
        try:
            return self._cursor.execute(sql, params)
        finally:
            b = self._b
            b.add(f"sql:{b.current}", time.perf_counter() - started)
            b.statements[(b.current, sql.lstrip().split(None, 1)[0].upper())] += 1

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> Any:
        return self._cursor.fetchall()


def runner_for(events: SchedulaX, store: Any, projections: list[Projection], batch: int,
               scratch: Any = None) -> CatchUpRunner:
    """A runner reading the log as the workers' does (`interfaces.container.projection_runner`),
    without their announcements: they would only publish into the void here."""
    return CatchUpRunner(events, store, projections, batch, scratch=scratch, log=event_log(events.recorder))


def timed(original: Any, key: str, b: Breakdown) -> Any:
    """`original`, adding the seconds each call takes to `key`."""
    def call(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            b.add(key, time.perf_counter() - started)
    return call


def timed_runner(events: SchedulaX, store: Any, projections: list[Projection], batch: int,
                 b: Breakdown) -> CatchUpRunner:
    """A runner whose log reads and event decoding are timed (the decoder is private: this is a
    profiler)."""
    log = event_log(events.recorder)
    log.select = timed(log.select, "log:select", b)  # type: ignore[method-assign]
    runner = CatchUpRunner(events, store, projections, batch, log=log)
    runner._decode = timed(runner._decode, "decode", b)  # noqa: SLF001
    return runner


def instrument(events: SchedulaX, store: Any, projections: list[Projection], b: Breakdown) -> None:
    recorder = events.recorder
    recorder.max_notification_id = timed(recorder.max_notification_id, "log:max_notification_id", b)
    write = store.write

    @contextmanager
    def counted_write() -> Iterator[CountingCursor]:
        entered = time.perf_counter()
        context = write()
        cursor = context.__enter__()
        b.add("txn:begin", time.perf_counter() - entered)
        try:
            yield CountingCursor(cursor, b)
        except BaseException:
            context.__exit__(*sys.exc_info())
            raise
        leaving = time.perf_counter()
        context.__exit__(None, None, None)
        b.add("txn:commit", time.perf_counter() - leaving)

    store.write = counted_write
    for projection in projections:
        handlers = projection.topics()

        def wrap(handler: Any, name: str) -> Any:
            def handle(event: Any, cur: Any) -> None:
                b.current = name
                started = time.perf_counter()
                try:
                    handler(event, cur)
                finally:
                    b.add(f"handler:{name}", time.perf_counter() - started)
                    b.current = "runner"
            return handle

        wrapped = {topic: wrap(h, projection.name) for topic, h in handlers.items()}
        projection.topics = lambda wrapped=wrapped: wrapped  # type: ignore[method-assign]


def write_costs(schema: str, rows: int = 5000) -> dict[str, float]:
    """Seconds per row: one INSERT per round trip, executemany (pipelined), COPY."""
    from bench.pg import connect

    data = [(i, f"uuid-{i}", i % 97, i % 13, "pending", "2026-01-01T00:00:00.000Z") for i in range(rows)]
    sql = "INSERT INTO bench_write (id, uuid, shift_id, employee_id, status, at) VALUES (%s, %s, %s, %s, %s, %s)"
    found: dict[str, float] = {}
    with connect(schema, autocommit=False) as conn:
        for way in ("execute, one statement per row", "executemany (pipeline mode)", "COPY"):
            with conn.cursor() as cur:
                cur.execute("CREATE TABLE bench_write (id BIGINT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
                            " shift_id BIGINT, employee_id BIGINT, status TEXT, at TEXT)")
                conn.commit()
                started = time.perf_counter()
                if way.startswith("execute,"):
                    for row in data:
                        cur.execute(sql, row, prepare=True)
                elif way.startswith("executemany"):
                    cur.executemany(sql, data)
                else:
                    with cur.copy("COPY bench_write (id, uuid, shift_id, employee_id, status, at) FROM STDIN") as copy:
                        for row in data:
                            copy.write_row(row)
                conn.commit()
                found[way] = (time.perf_counter() - started) / rows
                cur.execute("DROP TABLE bench_write")
                conn.commit()
    return found


class Enough(Exception):
    pass


def rebuild_first(runner: CatchUpRunner, limit: int) -> int:
    reached = 0

    def progress(position: int, _: int) -> None:
        nonlocal reached
        reached = position
        if position >= limit:
            raise Enough

    try:
        runner.rebuild(progress=progress)
    except Enough:
        pass
    return reached


def profile(settings: Settings, limit: int, batch: int) -> None:
    print()
    print(f"### Profile: rebuild of all projections over the first {limit:,} events")
    events = SchedulaX(env=event_store_env(settings))
    store = read_store(settings)
    try:
        projections = all_projections()
        b = Breakdown()
        instrument(events, store, projections, b)
        runner = timed_runner(events, store, projections, batch, b)
        started = time.perf_counter()
        reached = rebuild_first(runner, limit)
        total = time.perf_counter() - started
        # A bare statement round trip on the same store, for scale.
        with store.read() as cur:
            t0 = time.perf_counter()
            for _ in range(2000):
                cur.execute("SELECT 1")
                cur.fetchone()
            round_trip = (time.perf_counter() - t0) / 2000
    finally:
        store.close()
        events.close()
    handled = {p.name: b.calls[f"handler:{p.name}"] for p in projections}
    print()
    print(f"{reached:,} events in {total:.2f} s with timers ({reached / total:,.0f} events/s);"
          f" one bare `SELECT 1` round trip on the read store: {round_trip * 1e6:.0f} us")
    if settings.backend == "postgres":
        print()
        print("What one row costs when written one statement at a time, or batched (same run, a"
              " 6-column table with a primary key and one more index, 5,000 rows, one transaction):")
        print()
        print("| way | us per row |")
        print("| --- | --- |")
        for way, seconds in write_costs(settings.database_schema).items():
            print(f"| {way} | {seconds * 1e6:.1f} |")
    print()
    print("| part | calls | seconds | share | us per log event |")
    print("| --- | --- | --- | --- | --- |")
    parts: list[tuple[str, str]] = [
        ("log:max_notification_id", "event store: head (max_notification_id)"),
        ("log:select", "event store: reading batches (the runner's log reader)"),
        ("decode", "decode (EventDecoder)"),
        ("txn:begin", "read store: begin + pool"),
        ("txn:commit", "read store: commit"),
    ]
    for p in projections:
        parts.append((f"sql:{p.name}", f"{p.name}: SQL statements"))
        parts.append((f"py:{p.name}", f"{p.name}: handler Python (outside SQL)"))
    parts.append(("sql:runner", "runner: tracking SQL and the rebuild's DROP/CREATE"))
    accounted = 0.0
    for key, label in parts:
        if key.startswith("py:"):
            name = key[3:]
            seconds = b.seconds[f"handler:{name}"] - b.seconds[f"sql:{name}"]
            calls = b.calls[f"handler:{name}"]
        else:
            seconds, calls = b.seconds[key], b.calls[key]
        accounted += seconds
        print(f"| {label} | {calls:,} | {seconds:.2f} | {seconds / total:.0%} | {seconds / reached * 1e6:.0f} |")
    rest = total - accounted
    print(f"| rest (runner loop, dispatch, timers) | | {rest:.2f} | {rest / total:.0%} | {rest / reached * 1e6:.0f} |")
    print()
    print("| projection | events handled | statements | per handled event | SELECT | INSERT | UPDATE | DELETE |"
          " SQL us per statement |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for p in projections:
        verbs = {verb: n for (name, verb), n in b.statements.items() if name == p.name}
        count = sum(verbs.values())
        per_statement = b.seconds[f"sql:{p.name}"] / count * 1e6 if count else math.nan
        print(f"| {p.name} | {handled[p.name]:,} | {count:,} |"
              f" {count / handled[p.name] if handled[p.name] else 0:.1f} | {verbs.get('SELECT', 0):,} |"
              f" {verbs.get('INSERT', 0):,} | {verbs.get('UPDATE', 0):,} | {verbs.get('DELETE', 0):,} |"
              f" {per_statement:.0f} |")
    runner_statements = sum(n for (name, _), n in b.statements.items() if name == "runner")
    print(f"| runner (tracking) | | {runner_statements:,} | | | | | | |")

    # The same range under cProfile, without the timers, for the functions behind those parts.
    events = SchedulaX(env=event_store_env(settings))
    store = read_store(settings)
    try:
        runner = runner_for(events, store, all_projections(), batch)
        profiler = cProfile.Profile()
        profiler.enable()
        rebuild_first(runner, limit)
        profiler.disable()
    finally:
        store.close()
        events.close()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(22)
        print()
        print(f"cProfile, top functions by {order}:")
        print("```")
        lines = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print("\n".join(lines[start - 2 if start >= 2 else 0:]).rstrip())
        print("```")


# -- main ------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, settings: Settings) -> None:
    load_before = os.getloadavg()[0]
    print(f"generating about {args.events:,} events ({args.backend})...", file=sys.stderr)
    made = generate_in_child(settings, args.events, args.seed)
    print(f"generated {made['count']:,} events in {made['seconds']:.1f} s", file=sys.stderr)
    topics: dict[str, int] = made["topics"]
    warnings = Warnings()
    logging.getLogger("projections").addHandler(warnings)

    events = SchedulaX(env=event_store_env(settings))
    store = read_store(settings)
    rows: list[Row] = []
    counts: dict[str, int] = {}
    try:
        head = events.recorder.max_notification_id() or 0
        log_size = None
        if args.backend == "postgres":
            with store.read() as cur:
                cur.execute("SELECT pg_total_relation_size('schedulax_events') AS n")
                log_size = int(cur.fetchone()["n"])
            if not args.no_analyze:
                # As autovacuum would have by now on a live log. Without statistics the runner's
                # `topic = ANY(...)` query is planned as a bitmap scan of the whole rest of the log
                # plus a sort, in every batch (see --no-analyze).
                with store.write() as cur:
                    cur.execute("ANALYZE schedulax_events")
        read = {}
        stock = stock_mapper(events)
        for label, decode, mapper, api in (
            ("read only, cold", False, None, False), ("read + decode (a), run 1", True, None, False),
            ("read + decode (a), run 2", True, None, False), ("read only, warm", False, None, False),
            ("read + decode, eventsourcing's select_notifications and to_domain_event (reference)",
             True, None, True),
            ("read + decode, as above with the stock JSONTranscoder (reference)", True, stock, True),
        ):
            box: dict[str, Any] = {}
            row = phase(label, lambda d=decode, box=box, m=mapper, a=api: box.setdefault(
                "r", read_log(events, args.batch_size, d, m, a)), head)
            if box["r"][0] != head:
                raise AssertionError(f"read {box['r'][0]} notifications, head is {head}")
            rows.append(row)
            read[label] = row
        baseline = max(read["read + decode (a), run 1"].rate, read["read + decode (a), run 2"].rate)

        projections = all_projections()
        CatchUpRunner(events, store, projections, args.batch_size).setup()
        handled = sum(handled_by(p, topics) for p in projections)
        if args.in_place:
            in_place = runner_for(events, store, projections, args.batch_size)
            rows.append(phase("rebuild all, in place", lambda: in_place.rebuild(progress=Progress("in place", head)),
                              head, handled))
        # As `schedulax projections rebuild` does: staged in a scratch SQLite file, then swapped in.
        runner = runner_for(events, store, projections, args.batch_size, scratch=scratch_store)
        rows.append(phase("rebuild all (b)", lambda: runner.rebuild(progress=Progress("all", head)), head, handled))
        if args.backend == "postgres" and args.jobs > 1:
            rows.append(phase(f"rebuild all, {args.jobs} processes (c)",
                              lambda: rebuild_with_cli(settings, args.jobs), head, handled))
        with store.read() as cur:
            for table in ("rm_users", "rm_shifts", "rm_assignments", "rm_notifications", "an_assignments",
                          "an_employee_weeks", "rm_activity"):
                cur.execute(f"SELECT COUNT(*) AS n FROM {table}")
                counts[table] = int(cur.fetchone()["n"])
        if not args.no_each:
            for projection in all_projections():
                alone = runner_for(events, store, [projection], args.batch_size, scratch=scratch_store)
                rows.append(phase(f"rebuild {projection.name} alone",
                                  lambda r=alone, n=projection.name: r.rebuild(progress=Progress(n, head)),
                                  head, handled_by(projection, topics)))
    finally:
        store.close()
        events.close()

    rebuild = max((r for r in rows if r.label.endswith(("(b)", "(c)"))), key=lambda r: r.rate)
    shifts_and_assignments = sum(n for t, n in topics.items() if t.startswith(("domain.shift:", "domain.assignment:",
                                                                              "domain.schedule:")))
    print(f"## Rebuild rate, backend={args.backend}, {head:,} events, batch size {args.batch_size}")
    print()
    print(f"History: {made['count']:,} events in {made['saves']:,} saves, {made['rosters']:,} month rosters of"
          f" {made['teams']:,} departments ({EMPLOYEES} employees each); shifts, assignments and schedules"
          f" {shifts_and_assignments / made['count']:.0%} of the events; generated in {made['seconds']:.0f} s"
          f" ({made['count'] / made['seconds']:,.0f} events/s, generator peak RSS {made['peak_rss_mb']:.0f} MB)"
          + (f"; log table {log_size / 2**20:,.0f} MB, "
             + ("not analyzed (--no-analyze)" if args.no_analyze else "ANALYZEd before measuring")
             if log_size else ""))
    print()
    print("| measurement | events of the log | handled | seconds | events/s | vs read+decode (a) | phase peak RSS MB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        handled = "-" if r.handled is None else f"{r.handled:,}"
        if r.label.startswith("rebuild all"):
            handled += " handler calls"
        print(f"| {r.label} | {r.events:,} | {handled} | {r.seconds:.1f} | {r.rate:,.0f} |"
              f" {r.rate / baseline:.2f} | {r.rss:,.0f} |")
    print()
    print("Rows after the rebuild of all: " + ", ".join(f"{t} {n:,}" for t, n in counts.items())
          + f"; projection warnings logged: {warnings.count}")
    print()
    print(f"Peak RSS of this process (ru_maxrss): {peak_rss_mb():,.0f} MB. Load average (1 min) of the"
          f" shared machine: {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end.")
    print()
    print("Event mix (top 12 topics):")
    print()
    print("| topic | events | share |")
    print("| --- | --- | --- |")
    for topic, n in sorted(topics.items(), key=lambda kv: -kv[1])[:12]:
        print(f"| {topic} | {n:,} | {n / made['count']:.1%} |")
    print()
    goal_rate = rebuild.rate >= 50_000
    goal_ratio = rebuild.rate / baseline >= 0.5
    print(f"Goals: rebuild of all >= 50,000 events/s: {rebuild.rate:,.0f} -> {'met' if goal_rate else 'NOT met'}"
          f" ({rebuild.rate / 50_000:.2f} of it); >= 0.5 x read+decode ({baseline:,.0f} events/s):"
          f" {rebuild.rate / baseline:.2f} -> {'met' if goal_ratio else 'NOT met'};"
          f" size >= 1,000,000 events: {'yes' if head >= 1_000_000 else 'no'} ({head:,})")
    if args.profile_events:
        profile(settings, min(args.profile_events, head), args.batch_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--batch-size", type=int, default=1000,
                        help="notifications per batch, for the runner and the baseline (the product default)")
    parser.add_argument("--no-each", action="store_true", help="skip the rebuild of each projection alone")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="(c): `schedulax projections rebuild --jobs N`, groups of projections staged"
                             " by N processes side by side (PostgreSQL; 1 to skip)")
    parser.add_argument("--in-place", action="store_true",
                        help="also rebuild all the old way, in the store itself without staging (slow)")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: leave the generated log without planner statistics (a server with"
                        " autovacuum off, or a freshly loaded log)")
    parser.add_argument("--profile-events", type=int, default=0,
                        help="then profile an in-place rebuild of all over the first N events (0: no profile)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.backend == "postgres":
            with fresh_schema("benchrebuild") as schema:
                measure(args, settings_for(schema, Path(folder)))
        else:
            measure(args, settings_for(None, Path(folder)))


if __name__ == "__main__":
    main()
