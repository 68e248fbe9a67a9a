"""Projection lag under sustained command load, with the projection workers as real processes.

    python -m bench.projection_lag [--commands 500] [--runs 3] [--threads 1 4] [--observer poll|notify]

Each run: a fresh PostgreSQL schema; `python -m interfaces.cli projections run` as a
subprocess (supervised worker processes, grouped as in production); a container in
this process built with `projection_workers=True`, so every command also waits for the
workers the way the API does (TrackingWaiter, read your writes). The load is a month
roster filled command by command: create a shift, assign an employee to it, repeat; from
1 thread, then from 4 threads (each on its own department, roster and employees, so no
command conflicts with another). `--commands` is the total per thread count.

Lag of one command, per projection: from the moment its events were committed to the
moment that projection's `projection_tracking` row was seen at the command's notification
id. Tracking rows are observed from a separate process, either by polling
`SELECT name, position FROM projection_tracking` every `--poll-ms` (0.5 ms by default) or,
with `--observer notify`, through an AFTER UPDATE trigger on the tracking table that
NOTIFYs the new position at the worker's commit (no polling; its own delivery latency,
about the NOTIFY baseline, is included in the lag). The moment of the commit is the
earliest evidence of it: `events.commit` returning in this process, or the same observer
seeing the head of the event log reach the command's id (polled with the tracking rows,
or read when the event store's own NOTIFY arrives). Taking the earliest keeps this
process's GIL (4 load threads) from shortening the lag.

Printed beside it, from the same run: the NOTIFY -> LISTEN latency (a connection NOTIFYs,
a process LISTENing on another connection wakes up: the floor of a worker's wake-up) and
a bare one-row INSERT + commit; ratios are lag / baseline. Also: the command rate, the
duration of `events.commit`, and the time commands spent waiting for the workers.
Goal (issue): p99 lag under 50 ms.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any


from application.commands import NewDepartment, NewUser
from application.principal import Principal
from application.rostering_commands import NewRoster, NewShift
from bench.servers import Service
from bench.pg import (
    connect, die_with_parent, fresh_schema, insert_commit_latencies, ms, notify_latencies, now, percentile,
    ratio, settings_for, worker_env,
)
from domain.roles import Role
from interfaces.container import Container, all_projections, build_container
from infrastructure.tracked_positions import TrackedPositions
from projections.tracking import TrackingWaiter

ROOT = Path(__file__).resolve().parents[1]
DAYS = 31
FIRST_DAY = date(2026, 1, 1)
NAMES = [p.name for p in all_projections()]
WAITED = [p.name for p in all_projections() if getattr(p, "answers_commands", True)]
"""The projections commands wait for (read your writes); the others only trail."""
ALL, WAITED_MAX = "max of all", "max of waited"


# -- the projection workers, as real processes -------------------------------------------------


class Workers(Service):
    """`python -m interfaces.cli projections run` in its own session; its log in a file."""

    def __init__(self, env: dict[str, str], log_path: Path, name: str = "projection workers") -> None:
        super().__init__(name, ["interfaces.cli", "projections", "run"], env, log_path)

    def wait_started(self, names: Sequence[str], timeout: float = 60) -> None:
        for name in names:
            self.wait_for_log(f"projection {name} started as pid", timeout=timeout)


def tracking_positions(schema: str) -> dict[str, int]:
    with connect(schema) as conn:
        rows = conn.execute("SELECT name, position FROM projection_tracking").fetchall()
    return {name: int(position) for name, position in rows}


def wait_tracked(schema: str, position: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with connect(schema) as conn:
        while True:
            rows = conn.execute("SELECT name, position FROM projection_tracking").fetchall()
            found = {name: int(p) for name, p in rows}
            if all(found.get(n, 0) >= position for n in NAMES):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers stuck below {position}: {found}")
            time.sleep(0.005)


# -- watching the tracking rows from another process ------------------------------------------

TRIGGER = """
CREATE OR REPLACE FUNCTION bench_tracking_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bench_tracking', NEW.name || ' ' || NEW.position);
    RETURN NEW;
END $$;
CREATE TRIGGER bench_tracking_notify AFTER INSERT OR UPDATE ON projection_tracking
    FOR EACH ROW EXECUTE FUNCTION bench_tracking_notify();
"""


HEAD = "@head"
"""The observer's name for the head of the event log (the highest committed notification id)."""


def _observe(schema: str, events_table: str, channel: str, mode: str, interval: float, ready: Any,
             stop: Any, sender: Any) -> None:
    """Child process: record (name, position, first time seen) for every change of position,
    and the same for the head of the event log."""
    seen: dict[str, int] = {}
    log: list[tuple[str, int, float]] = []

    def note(name: str, position: int | None, at: float) -> None:
        if position is not None and seen.get(name, -1) < position:
            seen[name] = int(position)
            log.append((name, int(position), at))

    die_with_parent()
    head_sql = f"SELECT MAX(notification_id) FROM {events_table}"
    with connect(schema) as conn:
        cur = conn.cursor()
        if mode == "notify":
            conn.execute("LISTEN bench_tracking")
            conn.execute(f"LISTEN {channel}")  # the event store NOTIFYs in each insert transaction
        for name, position in cur.execute("SELECT name, position FROM projection_tracking").fetchall():
            note(name, position, now())
        note(HEAD, cur.execute(head_sql).fetchone()[0], now())
        ready.set()
        if mode == "notify":
            while not stop.is_set():
                committed_at = None
                # The generator holds the connection: read the head only after leaving it.
                for notify in conn.notifies(timeout=0.05, stop_after=1):
                    at = now()
                    if notify.channel == channel:
                        committed_at = committed_at or at
                    else:
                        name, position = notify.payload.split()
                        note(name, int(position), at)
                if committed_at is not None:
                    note(HEAD, conn.execute(head_sql).fetchone()[0], committed_at)
        else:
            query = f"SELECT name, position FROM projection_tracking UNION ALL SELECT '{HEAD}', ({head_sql})"
            while not stop.is_set():
                cur.execute(query, prepare=True)
                rows = cur.fetchall()
                at = now()  # after the answer: the snapshot was taken a little earlier
                for name, position in rows:
                    note(name, position, at)
                time.sleep(interval)
    sender.send(log)
    sender.close()


class Observer:
    def __init__(self, schema: str, events_table: str, channel: str, mode: str, interval: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._ready, self._stop = context.Event(), context.Event()
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_observe, args=(schema, events_table, channel, mode, interval, self._ready, self._stop, sender),
            daemon=True,
        )

    def start(self) -> None:
        self._process.start()
        if not self._ready.wait(30):
            raise RuntimeError("tracking observer did not start")

    def stop(self) -> dict[str, tuple[list[int], list[float]]]:
        self._stop.set()
        log = self._receiver.recv() if self._receiver.poll(30) else []
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
        found: dict[str, tuple[list[int], list[float]]] = {}
        for name, position, at in log:
            positions, stamps = found.setdefault(name, ([], []))
            positions.append(position)
            stamps.append(at)
        return found


# -- the command load -----------------------------------------------------------------------


@dataclass
class Command:
    kind: str
    thread: int
    started: float
    commit_started: float
    committed: float
    position: int
    waited: float
    ended: float


@dataclass
class Slot:
    """What one load thread works on: its own department, month roster and employees."""

    roster_id: int
    employees: list[int]


@dataclass
class Instrument:
    """Stamps `events.commit` and the waits for the workers, per thread."""

    local: threading.local = field(default_factory=threading.local)

    def install(self, container: Container) -> None:
        commit = container.events.commit
        sync = container.rosters._sync  # noqa: SLF001 - every service shares the one waiter
        # Its commands run on threads of their own, off the API's loop: TrackedPositions blocks there.
        if not isinstance(sync, (TrackingWaiter, TrackedPositions)):
            raise RuntimeError(f"expected the worker waiter, got {type(sync).__name__}")
        wait_for = sync.wait_for
        local = self.local

        def timed_commit(*aggregates: Any) -> int:
            started = now()
            position = commit(*aggregates)
            local.commit = (started, now(), position)
            return position

        def timed_wait(position: int) -> None:
            started = now()
            try:
                wait_for(position)
            finally:
                local.waited = getattr(local, "waited", 0.0) + now() - started

        container.events.commit = timed_commit  # type: ignore[method-assign]
        sync.wait_for = timed_wait  # type: ignore[method-assign]

    def run(self, kind: str, thread: int, call: Callable[[], Any]) -> tuple[Any, Command]:
        self.local.commit, self.local.waited = None, 0.0
        started = now()
        result = call()
        ended = now()
        commit_started, committed, position = self.local.commit
        return result, Command(kind, thread, started, commit_started, committed, position, self.local.waited,
                               ended)


def seed(container: Container, slots: int, employees: int) -> tuple[Principal, list[Slot]]:
    root = container.identity.principal(
        container.identity.create_system_admin("Root", "root@bench.test", "password-123").id
    )
    assert root is not None
    enterprise = container.organisation.create_enterprise(root, "Bench Corp", None)
    made = []
    for s in range(slots):
        department = container.organisation.create_department(
            root, NewDepartment(name=f"Team {s}", enterprise_id=enterprise.id)
        )
        staff = [
            container.identity.create_user(root, NewUser(
                full_name=f"Employee {s}-{i}", email=f"e{s}-{i}@bench.test", password="password-123",
                role=Role.EMPLOYEE, enterprise_id=enterprise.id, department_id=department.id,
            )).id
            for i in range(employees)
        ]
        roster = container.rosters.create_roster(root, NewRoster(
            name=f"January {s}", department_id=department.id, start_date=FIRST_DAY,
            end_date=FIRST_DAY + timedelta(days=DAYS - 1),
        ))
        made.append(Slot(roster.id, staff))
    return root, made


def drive(container: Container, instrument: Instrument, root: Principal, slots: Sequence[Slot],
          per_thread: int) -> tuple[list[Command], float, list[str]]:
    """Each thread, on its slot: create a shift, assign an employee to it, and so on."""
    done: list[Command] = []
    errors: list[str] = []
    start = threading.Barrier(len(slots))

    def work(thread: int, slot: Slot) -> None:
        start.wait()
        shift_id = None
        for i in range(per_thread):
            n = i // 2
            try:
                if i % 2 == 0:
                    new = NewShift(roster_id=slot.roster_id, date=FIRST_DAY + timedelta(days=n % DAYS),
                                   start_time=clock(8), end_time=clock(16), title=f"Shift {n}")
                    view, command = instrument.run(
                        "create_shift", thread, lambda: container.rosters.create_shift(root, new))
                    shift_id = view.id
                else:
                    # One 8-hour day shift a day per employee: never an overlap, always 16 h of rest.
                    employee = slot.employees[n // DAYS]
                    _, command = instrument.run(
                        "assign", thread, lambda: container.assignments.assign(root, shift_id, employee))
                done.append(command)
            except Exception as error:  # noqa: BLE001 - reported, the load goes on
                errors.append(f"thread {thread} command {i}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=work, args=(t, s)) for t, s in enumerate(slots)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done, time.perf_counter() - started, errors


def first_seen(seen: dict[str, tuple[list[int], list[float]]], name: str, position: int) -> float | None:
    positions, stamps = seen.get(name, ([], []))
    index = bisect_left(positions, position)
    return stamps[index] if index < len(positions) else None


def lags(commands: Sequence[Command], seen: dict[str, tuple[list[int], list[float]]]) -> tuple[dict[str, list[float]], int, int, int]:
    """Per projection (and the max over all, and over the waited ones): seconds from commit to tracked.

    Also: how many commits the observer saw before `commit` returned here; how many
    (command, projection) pairs were seen tracked before the earliest evidence of the
    commit (counted as 0 lag; an artefact of sampling); and how many pairs were never
    seen tracked (left out; should be 0).
    """
    found: dict[str, list[float]] = {name: [] for name in [*NAMES, ALL, WAITED_MAX]}
    observed_first = early = missing = 0
    for c in commands:
        committed = c.committed
        head_seen = first_seen(seen, HEAD, c.position)
        if head_seen is not None and head_seen < committed:
            committed = head_seen
            observed_first += 1
        per: dict[str, float] = {}
        for name in NAMES:
            tracked = first_seen(seen, name, c.position)
            if tracked is None:
                missing += 1
                continue
            lag = tracked - committed
            if lag < 0:
                early += 1
                lag = 0.0
            per[name] = lag
            found[name].append(lag)
        if len(per) == len(NAMES):
            found[ALL].append(max(per.values()))
            found[WAITED_MAX].append(max(per[n] for n in WAITED))
    return found, observed_first, early, missing


# -- one run ----------------------------------------------------------------------------------


@dataclass
class Phase:
    threads: int
    commands: list[Command]
    seconds: float
    errors: list[str]
    lags: dict[str, list[float]]
    observed_first: int
    early: int
    missing: int


@dataclass
class Run:
    notify: list[float]
    insert: list[float]
    phases: list[Phase]
    load: tuple[float, float]
    """The machine's 1-minute load average before and after the run (the machine is shared)."""


def one_run(args: argparse.Namespace, number: int) -> Run:
    load_before = os.getloadavg()[0]
    with fresh_schema("benchlag") as schema, tempfile.TemporaryDirectory() as folder:
        settings = settings_for(schema, Path(folder), projection_workers=True, read_your_writes_timeout=30.0)
        container = build_container(settings)  # creates the tables and tracking rows
        workers = Workers(worker_env(settings), Path(folder) / "workers.log")
        try:
            if args.observer == "notify":
                with connect(schema) as conn:
                    conn.execute(TRIGGER)
            workers.start()
            workers.wait_started(NAMES)
            instrument = Instrument()
            instrument.install(container)
            employees = math.ceil(math.ceil(args.commands / 2) / DAYS) + 1
            root, slots = seed(container, sum(args.threads), employees)
            wait_tracked(schema, container.events.recorder.max_notification_id() or 0)
            notify = notify_latencies(args.baseline_samples)
            insert = insert_commit_latencies(schema, args.baseline_samples)
            phases = []
            offset = 0
            for threads in args.threads:
                mine = slots[offset:offset + threads]
                offset += threads
                recorder = container.events.recorder
                observer = Observer(schema, recorder.events_table_name, recorder.channel_name, args.observer,
                                    args.poll_ms / 1000)
                observer.start()
                try:
                    commands, seconds, errors = drive(container, instrument, root, mine, args.commands // threads)
                    if commands:
                        wait_tracked(schema, max(c.position for c in commands))
                    time.sleep(0.05)
                finally:
                    seen = observer.stop()
                found, observed_first, early, missing = lags(commands, seen)
                phases.append(Phase(threads, commands, seconds, errors, found, observed_first, early, missing))
                print(f"run {number} threads {threads}: {len(commands)} commands in {seconds:.1f} s,"
                      f" {len(errors)} errors", file=sys.stderr)
                for error in errors[:5]:
                    print("  " + error, file=sys.stderr)
            return Run(notify, insert, phases, (load_before, os.getloadavg()[0]))
        except BaseException:
            print(workers.tail(), file=sys.stderr)
            raise
        finally:
            workers.stop()
            container.close()


# -- report -----------------------------------------------------------------------------------


def med(values: Sequence[float]) -> float:
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else math.nan


def report(args: argparse.Namespace, runs: Sequence[Run]) -> None:
    print(f"projection lag, PostgreSQL, workers = `python -m interfaces.cli projections run` "
          f"({len(NAMES)} processes), {args.commands} commands per thread count, {len(runs)} run(s), "
          f"observer={args.observer}" + (f" every {args.poll_ms} ms" if args.observer == "poll" else ""))
    print(f"commands wait for: {', '.join(WAITED)}; not waited for: "
          f"{', '.join(n for n in NAMES if n not in WAITED) or '-'}")
    print()
    print("Baselines (same run)")
    print()
    print("| run | NOTIFY->LISTEN p50 ms | p99 ms | max ms | INSERT+commit p50 ms | p99 ms |"
          " load avg before / after |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for i, run in enumerate(runs, 1):
        print(f"| {i} | {ms(percentile(run.notify, 50))} | {ms(percentile(run.notify, 99))} |"
              f" {ms(max(run.notify, default=math.nan))} | {ms(percentile(run.insert, 50))} |"
              f" {ms(percentile(run.insert, 99))} | {run.load[0]:.2f} / {run.load[1]:.2f} |")
    print()
    print("Commands (same runs)")
    print()
    print("| run | threads | commands | errors | commands/s | events.commit p50 ms | p99 ms |"
          " waiting for workers p50 ms | p99 ms | whole command p50 ms | p99 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, run in enumerate(runs, 1):
        for p in run.phases:
            commits = [c.committed - c.commit_started for c in p.commands]
            waits = [c.waited for c in p.commands]
            whole = [c.ended - c.started for c in p.commands]
            print(f"| {i} | {p.threads} | {len(p.commands)} | {len(p.errors)} |"
                  f" {len(p.commands) / p.seconds:.0f} | {ms(percentile(commits, 50))} |"
                  f" {ms(percentile(commits, 99))} | {ms(percentile(waits, 50))} | {ms(percentile(waits, 99))} |"
                  f" {ms(percentile(whole, 50))} | {ms(percentile(whole, 99))} |")
    print()
    print("Lag from commit to tracked, per run (max over all projections per command)")
    print()
    print("| run | threads | p50 ms | p90 ms | p99 ms | max ms | p50 / NOTIFY p50 | p99 / NOTIFY p99 |"
          " p50 / INSERT p50 | commits seen by observer first | pairs tracked before seen committed |"
          " pairs never seen |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, run in enumerate(runs, 1):
        n50, n99, i50 = percentile(run.notify, 50), percentile(run.notify, 99), percentile(run.insert, 50)
        for p in run.phases:
            v = p.lags[ALL]
            print(f"| {i} | {p.threads} | {ms(percentile(v, 50))} | {ms(percentile(v, 90))} |"
                  f" {ms(percentile(v, 99))} | {ms(max(v, default=math.nan))} | {ratio(percentile(v, 50), n50)} |"
                  f" {ratio(percentile(v, 99), n99)} | {ratio(percentile(v, 50), i50)} |"
                  f" {p.observed_first}/{len(p.commands)} | {p.early} | {p.missing} |")
    print()
    print(f"Lag per projection: median over {len(runs)} run(s) of each run's percentile;"
          " ratios are medians of the per-run ratios to that run's baselines")
    print()
    print("| threads | projection | p50 ms | p90 ms | p99 ms | max ms | p50 / NOTIFY p50 | p99 / NOTIFY p99 |"
          " p50 / INSERT p50 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    verdicts = []
    for index, threads in enumerate(args.threads):
        for name in [*NAMES, WAITED_MAX, ALL]:
            rows = []
            for run in runs:
                v = run.phases[index].lags[name]
                n50, n99, i50 = percentile(run.notify, 50), percentile(run.notify, 99), percentile(run.insert, 50)
                p50, p99 = percentile(v, 50), percentile(v, 99)
                rows.append((p50, percentile(v, 90), p99, max(v, default=math.nan),
                             p50 / n50, p99 / n99, p50 / i50))
            cols = [med([r[k] for r in rows]) for k in range(7)]
            print(f"| {threads} | {name} | {ms(cols[0])} | {ms(cols[1])} | {ms(cols[2])} | {ms(cols[3])} |"
                  f" {cols[4]:.1f}x | {cols[5]:.1f}x | {cols[6]:.1f}x |")
            if name == ALL:
                verdicts.append(f"{threads} thread(s): p99 {ms(cols[2])} ms"
                                f" -> {'met' if cols[2] < 0.050 else 'NOT met'}")
    print()
    print("Goal p99 lag < 50 ms (max over all projections): " + "; ".join(verdicts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=500, help="commands per thread count (split over its threads)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4], help="thread counts, one phase each")
    parser.add_argument("--observer", choices=("poll", "notify"), default="poll")
    parser.add_argument("--poll-ms", type=float, default=0.5, help="observer poll interval")
    parser.add_argument("--baseline-samples", type=int, default=300)
    args = parser.parse_args()
    runs = [one_run(args, number) for number in range(1, args.runs + 1)]
    report(args, runs)


if __name__ == "__main__":
    main()
