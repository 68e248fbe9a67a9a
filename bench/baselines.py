"""Ceilings: what the layers beneath SchedulaX manage alone, at the same concurrency, in the same run.

A product figure means little without the cost of what it stands on, measured on the same
machine at the same moment (the PostgreSQL server and the 2 cores are shared). Each
ceiling is one layer with everything of SchedulaX above it taken away:

- `pgbench_insert`: the database's own ceiling for a durable write: pgbench committing a
  one-row INSERT per transaction from `clients` connections (C, prepared statements, no
  Python). No event store append can be cheaper than this.
- `pgbench_script`: the same harness for any SQL, e.g. a read model's query alone, so an
  endpoint's latency can be split into "the SQL" and "everything around it".
- `save_loop`: the bare event-store ceiling: `Application.save()` of ONE new `Shift` per
  call, from `clients` threads, through the event store the product's container builds
  (same eventsourcing recorder, same connection pool, same transcoder). The "create shift"
  command also saves the Roster's ShiftAdded event in the same transaction, and loads,
  validates and waits for projections; none of that is here, on purpose: this is the floor
  of one aggregate's append through the library.
- `flow_save`: the bare work of the command scenario: the same aggregates and events as create
  shift, assign and confirm, changed in memory and saved with `Application.save()`, one commit
  per command, with no load, no HTTP and no wait for the projections. Only the save is timed.
- `lean_twin_server`: the read ceiling: each hot read as a lean Litestar app does it (same JWT
  check, same tables, the fewest statements, tuple rows, msgspec; bench/lean_twin.py).
- `minimal_server`: the framework ceiling: a Litestar app answering a fixed JSON body of the
  same size as the product's responses (bench/minimal_app.py) under the same uvicorn, so
  an endpoint's figure can be read against what Litestar + uvicorn cost with no work at all.

Every function returns a `Measured` (bench/stats.py), so the suite compares them by ratio.
"""

from __future__ import annotations

import http.client
import itertools
import os
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from bench.pg import conninfo, connect, fresh_schema, now, settings_for
from bench.servers import Service, free_port
from bench.stats import Measured
from infrastructure.settings import Settings

PGBENCH = os.environ.get("SCHEDULAX_BENCH_PGBENCH", "pgbench")
PROBE_TABLE = "bench_pgbench_probe"
INSERT_SCRIPT = f"INSERT INTO {PROBE_TABLE} (payload) VALUES ('x');\n"


# -- pgbench --------------------------------------------------------------------------------


def pgbench_insert(schema: str, clients: int, seconds: float) -> Measured:
    """pgbench committing a one-row INSERT per transaction into a fresh table of `schema`."""
    with connect(schema) as conn:
        conn.execute(f"CREATE TABLE {PROBE_TABLE} (id BIGSERIAL PRIMARY KEY, payload TEXT)")
    try:
        return pgbench_script(schema, INSERT_SCRIPT, clients, seconds, "pgbench insert")
    finally:
        with connect(schema) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {PROBE_TABLE}")


def pgbench_script(schema: str, script: str, clients: int, seconds: float, name: str) -> Measured:
    """pgbench running `script` (pgbench's script syntax: SQL plus `\\set` and the like) from
    `clients` connections for `seconds`, one transaction per run of the script.

    Latencies come from pgbench's per-transaction log, so the percentiles are over every
    transaction, not pgbench's average. Each client's first transaction also prepares the
    statements (-M prepared); it stays in, as it is a handful among thousands. `seconds` is
    rounded to whole seconds (pgbench's -T); the measured seconds are from the first
    transaction's start to the last one's end, as logged. Opens `clients` connections.
    """
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as folder:
        script_path = Path(folder) / "script.sql"
        script_path.write_text(script)
        prefix = Path(folder) / "txlog"
        command = [
            PGBENCH, "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)),
            "-T", str(max(1, round(seconds))), "-f", str(script_path),
            "-l", f"--log-prefix={prefix}", conninfo(),
        ]
        # pgbench has no search_path option; libpq passes PGOPTIONS to every connection.
        env = {**os.environ, "PGOPTIONS": f"-c search_path={schema}"}
        started = now()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 120)
        wall = now() - started
        # 1 is a bad option or no connection at all; 2 is "some clients aborted", still a result.
        if done.returncode not in (0, 2):
            raise RuntimeError(f"pgbench failed ({done.returncode}):\n{done.stderr[-2000:]}")
        latencies, failed, span = _read_transaction_logs(Path(folder).glob("txlog.*"))
    if not latencies:
        raise RuntimeError(f"pgbench logged no transaction:\n{done.stdout}\n{done.stderr[-2000:]}")
    aborted = len(re.findall(r"client \d+ aborted", done.stderr))
    return Measured.of(
        name, clients, latencies, span or wall, errors=failed + aborted,
        pgbench_tps=_reported_tps(done.stdout), pgbench_wall_seconds=round(wall, 3),
    )


def _read_transaction_logs(paths: Iterator[Path]) -> tuple[list[float], int, float]:
    """(latencies in seconds, failed transactions, seconds from first start to last end).

    A line is `client_id transaction_no time script_no time_epoch time_us [...]`, with
    `time` the latency in microseconds, or a word ("failed", "serialization", "deadlock",
    "skipped") for a transaction that did not complete; `time_epoch`.`time_us` is when it ended.
    """
    latencies: list[float] = []
    failed = 0
    first_start, last_end = float("inf"), float("-inf")
    for path in paths:
        with open(path) as handle:
            for line in handle:
                fields = line.split()
                if len(fields) < 6:
                    continue
                if not fields[2].isdigit():
                    failed += fields[2] != "skipped"
                    continue
                latency = int(fields[2]) / 1e6
                ended = int(fields[4]) + int(fields[5]) / 1e6
                latencies.append(latency)
                first_start, last_end = min(first_start, ended - latency), max(last_end, ended)
    span = last_end - first_start if latencies else 0.0
    return latencies, failed, span


def _reported_tps(stdout: str) -> float | None:
    found = re.search(r"tps = ([0-9.]+)", stdout)
    return float(found.group(1)) if found else None


# -- the event store ------------------------------------------------------------------------

# Shift ids far above the product's own (its sequences start at 1), and never reused within
# a process, so repeated loops on one schema do not collide on an aggregate id.
_shift_ids = itertools.count(10_000_000)


def _new_shift(shift_id: int) -> object:
    from domain.shift import Shift

    return Shift.plan(
        shift_id=shift_id, roster_id=1, department_id=1, enterprise_id=1, day=date(2030, 1, 7),
        start_time=clock_time(9, 0), end_time=clock_time(17, 0), title="Bench shift",
        description=None, required_staff=3, location=None, by=1,
    )


def save_loop(settings: Settings, clients: int, seconds: float) -> Measured:
    """`container.events.save(shift)` of one new Shift per call, from `clients` threads.

    One aggregate, one event, one transaction per save: the floor of an append through
    eventsourcing's recorder, below the "create shift" command (which also saves the Roster's
    ShiftAdded event and does everything around it). Each save is timed on its own; creating
    the Shift object is not. The event store's pool is the product's (5 connections, 5 more
    on demand), so beyond 10 clients threads queue for a connection, as the API's would.
    """
    from interfaces.container import build_container

    # The read store is only set up, never used here: one connection is enough (it would
    # otherwise hold up to `postgres_pool_size` of a shared server's slots).
    container = build_container(replace(settings, postgres_pool_size=1))
    try:
        events = container.events
        events.save(_new_shift(next(_shift_ids)))  # warm-up: connections, prepared statements
        return timed_threads("event store save", clients, seconds,
                             lambda: events.save(_new_shift(next(_shift_ids))))
    finally:
        container.close()


def timed_threads(name: str, clients: int, seconds: float, operation: Callable[..., object],
                  kept: list[float] | None = None) -> Measured:
    """Run `operation` in a loop from `clients` threads for `seconds`, timing each call.

    An `operation` that takes the client's index returns the seconds of its timed part itself;
    the rest of its time is left out of the wall time too (the mean per client). `kept`, if
    given, also gets every latency (to merge runs into one figure: bench/ryw_floor.py)."""
    start = threading.Barrier(clients + 1)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    ended = [0.0] * clients
    untimed = [0.0] * clients
    deadline: list[float] = []
    indexed = _takes_index(operation)

    def client(index: int) -> None:
        start.wait()
        mine = latencies[index]
        while now() < deadline[0]:
            began = now()
            try:
                timed = operation(index) if indexed else operation()
            except Exception:
                errors[index] += 1
                continue
            took = now() - began
            if indexed:
                untimed[index] += took - float(timed)  # type: ignore[arg-type]
                took = float(timed)  # type: ignore[arg-type]
            mine.append(took)
        ended[index] = now()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = now()
    deadline.append(began + seconds)
    start.wait()
    for thread in threads:
        thread.join()
    if kept is not None:
        kept.extend(t for mine in latencies for t in mine)
    return Measured.of(name, clients, [t for mine in latencies for t in mine],
                       max(ended) - began - sum(untimed) / clients, errors=sum(errors))


def _takes_index(operation: Callable[..., object]) -> bool:
    import inspect

    try:
        return bool(inspect.signature(operation).parameters)
    except (TypeError, ValueError):
        return False


def flow_save(settings: Settings, slots: list[dict[str, Any]], clients: int, seconds: float,
              year: int, kept: list[float] | None = None) -> Measured:
    """Create shift, assign, confirm as the commands save them, from `clients` threads.

    Each client has a roster of its own, planned and published in `year` (one year per call, so
    no employee is booked twice on one day), in a seeded department, and 4 of that department's
    employees, booked every other day in turn. Per command, one `save()`: the roster's
    ShiftAdded with the new Shift; the Shift's place, the EmployeeSchedule's booking and the
    new Assignment; the Assignment's answer. Aggregates are read before the clock starts, and
    the domain's work on them is left out of the time: only the saves are timed. `kept`: see
    `timed_threads`.
    """
    with flow_steps(settings, slots, clients, year) as step:
        cpu = time.process_time()
        measured = timed_threads(f"flow save, {clients} clients", clients, seconds, step, kept)
        # This process's CPU (the domain's work and the saves; not PostgreSQL's) per command.
        measured.extra["cpu_ms"] = {"flow save": round(1000 * (time.process_time() - cpu) / max(measured.count, 1), 2)}
        return measured


@contextmanager
def flow_steps(settings: Settings, slots: list[dict[str, Any]], clients: int, year: int,
               then: Callable[[int], object] | None = None) -> Iterator[Callable[[int], float]]:
    """The set-up of `flow_save` (see there), yielding its step: client `index`'s next command,
    saved; it returns the seconds of its timed part, for `timed_threads`. `then`, if given, is
    called with the save's notification id (its position in the log) inside the timed part, so
    a baseline can add one thing to the bare save (bench/ryw_floor.py: the wait for a worker)."""
    from datetime import timedelta

    from application.assignments import place
    from application.hours_rules import rules_for
    from domain.assignment import AssignmentStatus
    from domain.roster import Roster, RosterStatus
    from domain.schedule import EmployeeSchedule
    from domain.shift import Shift
    from interfaces.container import build_container

    container = build_container(replace(settings, postgres_pool_size=1))
    events = container.events
    try:
        flows = []
        for index in range(clients):
            slot = slots[index % len(slots)]
            lap = index // len(slots)
            manager = int(slot["manager_id"])
            staff = list(slot["employees"])[lap * 4:(lap + 1) * 4]
            seeded = events.find(Roster.create_id(int(slot["roster_id"])), Roster)
            assert seeded is not None and staff, "the seed's command slots are missing"
            roster = Roster.plan(
                roster_id=next(_roster_ids), department_id=seeded.department_id,
                enterprise_id=seeded.enterprise_id, name="Bench flow", description=None,
                start_date=date(year, 1, 1), end_date=date(year, 12, 31), settings={}, by=manager,
                timezone=seeded.timezone,
            )
            roster.change_status(RosterStatus.PUBLISHED, by=manager)
            events.save(roster)
            schedules = [events.find(EmployeeSchedule.id_for(e), EmployeeSchedule) or EmployeeSchedule(employee_id=e)
                         for e in staff]
            flows.append(_Flow(roster, schedules, rules_for(events, roster), manager))

        def step(index: int) -> float:
            flow = flows[index]
            if flow.step == 0:
                day = date(year, 1, 1) + timedelta(days=2 * (flow.count // len(flow.schedules)))
                flow.schedule = flow.schedules[flow.count % len(flow.schedules)]
                flow.count += 1
                shift_id = next(_shift_ids)
                flow.roster.add_shift(shift_id, day, by=flow.manager)
                flow.shift = Shift.plan(
                    shift_id=shift_id, roster_id=flow.roster.roster_id, department_id=flow.roster.department_id,
                    enterprise_id=flow.roster.enterprise_id, day=day, start_time=clock_time(8, 0),
                    end_time=clock_time(16, 0), title="Bench", description=None, required_staff=1,
                    location=None, by=flow.manager, timezone=flow.roster.timezone,
                )
                touched: tuple[Any, ...] = (flow.roster, flow.shift)
            elif flow.step == 1:
                flow.assignment = place(flow.shift, flow.roster, flow.schedule, next(_assignment_ids),
                                        flow.schedule.employee_id, flow.manager, flow.rules)
                touched = (flow.shift, flow.schedule, flow.assignment)
            else:
                flow.assignment.answer(AssignmentStatus.CONFIRMED, None, by=flow.schedule.employee_id)
                touched = (flow.assignment,)
            flow.step = (flow.step + 1) % 3
            began = now()
            recordings = events.save(*touched)
            if then is not None:
                then(max(r.notification.id for r in recordings))
            return now() - began

        yield step
    finally:
        container.close()


@dataclass
class _Flow:
    """One client of `flow_save`: its roster, its employees' schedules, where it is in the flow."""

    roster: Any
    schedules: list[Any]
    rules: Any
    manager: int
    step: int = 0
    count: int = 0
    shift: Any = None
    schedule: Any = None
    assignment: Any = None


_roster_ids = itertools.count(10_000_000)
_assignment_ids = itertools.count(10_000_000)


# -- the framework --------------------------------------------------------------------------


@contextmanager
def minimal_server(port: int, workers: int, body_bytes: int) -> Iterator[subprocess.Popen[bytes]]:
    """bench/minimal_app.py served on 127.0.0.1:`port`, up (GET /minimal answers 200)
    until the block ends; then its whole process group (the uvicorn supervisor and its
    workers) is stopped. Served as `schedulax serve` serves (`interfaces.serving.serve`): uvicorn's default
    loop and http implementations (uvloop and httptools when installed), `--factory`, workers.
    """
    env = {**os.environ, "SCHEDULAX_BENCH_BODY_BYTES": str(body_bytes)}
    with _served("the minimal server", "bench.minimal_app", port, workers, env, "/minimal", 200) as process:
        yield process


@contextmanager
def lean_twin_server(port: int, workers: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """bench/lean_twin.py on 127.0.0.1:`port` with the product's settings (`env`), served as
    `minimal_server` is, up (an unauthenticated read answers 401) until the block ends."""
    with _served("the lean read twin", "bench.lean_twin", port, workers, dict(env), "/api/rosters", 401) as process:
        yield process


@contextmanager
def _served(name: str, module: str, port: int, workers: int, env: dict[str, str], path: str,
            expect: int) -> Iterator[subprocess.Popen[bytes]]:
    with tempfile.TemporaryDirectory() as folder:
        server = Service(name, [module, str(port), str(workers)], env, Path(folder) / "server.log").start()
        try:
            server.wait_http(port, path, timeout=30, expect=expect)
            assert server.process is not None
            yield server.process
        finally:
            server.stop(timeout=10)


# -- by hand: python -m bench.baselines -----------------------------------------------------


def _show(measured: Measured) -> None:
    print(f"{measured.name:<22} c={measured.concurrency:<3} n={measured.count:<7} "
          f"{measured.seconds:6.2f} s {measured.rate:9.1f}/s  p50 {measured.p50_ms:7.3f} ms  "
          f"p90 {measured.p90_ms:7.3f} ms  p99 {measured.p99_ms:7.3f} ms  errors {measured.errors}  "
          f"{measured.extra}", flush=True)


def _fetch_minimal(port: int, requests: int) -> Measured:
    """`requests` keep-alive GETs from one client: a rough single-connection figure."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    latencies, size = [], 0
    began = now()
    for _ in range(requests):
        started = now()
        conn.request("GET", "/minimal")
        response = conn.getresponse()
        size = len(response.read())
        latencies.append(now() - started)
    conn.close()
    return Measured.of("minimal GET (1 conn)", 1, latencies, now() - began, body_bytes=size)


def main() -> None:
    seconds = 3.0
    with fresh_schema("bench_base") as schema, tempfile.TemporaryDirectory() as folder:
        for clients in (1, 8):
            _show(pgbench_insert(schema, clients, seconds))
        with connect(schema) as conn:
            conn.execute("CREATE TABLE bench_base_people (id INT PRIMARY KEY, name TEXT)")
            conn.execute("INSERT INTO bench_base_people SELECT i, 'p' || i FROM generate_series(1, 9000) i")
            conn.execute("ANALYZE bench_base_people")
        lookup = "\\set emp random(1, 9000)\nSELECT name FROM bench_base_people WHERE id = :emp;\n"
        for clients in (1, 8):
            _show(pgbench_script(schema, lookup, clients, seconds, "pgbench pk lookup"))
        settings = settings_for(schema, Path(folder), projection_workers=True)
        for clients in (1, 8):
            _show(save_loop(settings, clients, seconds))
    port = free_port()
    with minimal_server(port, workers=1, body_bytes=2000) as process:
        print(f"minimal server pid {process.pid} on port {port}", flush=True)
        _show(_fetch_minimal(port, 2000))


if __name__ == "__main__":
    main()
