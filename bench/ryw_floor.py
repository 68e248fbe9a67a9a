"""The read-your-writes floor: the flow save plus the least a separate worker must do to track it.

    python -m bench.ryw_floor [--clients 1 8 32] [--seconds 3] [--shifts 200]

A command answers only once the projection workers, other processes, have tracked its
notification id. That round trip costs something whatever the projections do: the event
store's commit NOTIFYs its channel, a worker wakes, reads the new notifications, commits a
tracking row and NOTIFYs, and the API's listener wakes the waiting command. `ryw_floor`
measures exactly that, beside `baselines.flow_save` in the same run:

- the client side is `flow_save`'s own set-up and saves (`baselines.flow_steps`), and after
  each save it waits until the floor worker has announced a position at or past the save's
  notification id, through one LISTEN connection per process that wakes the waiting threads
  (as `infrastructure.tracked_positions` does for the API, without its event loop);
- the floor worker is one process doing the least a worker can: LISTEN on the event store's
  channel of the schema (the one `infrastructure.event_store` names and NOTIFYs on commit);
  on each wake read the new notifications' ids (no rows, no decoding), then UPSERT one row
  of its own small table and NOTIFY its position, in one transaction.

No projection can answer a command sooner than this, so `commands / ryw floor` is how far the
product's machinery is from the physical floor, and `ryw floor / flow save` is the most a
command with read-your-writes can reach of the flow save on this machine. The timed part of
each command is the save plus the wait; set-up and the domain's work are left out, as in
`flow_save`. The floor worker's CPU per command comes from /proc (bench.servers.CpuWatch).
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import multiprocessing
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import baselines
from bench.pg import die_with_parent, fresh_schema, now, percentile, settings_for
from bench.servers import CpuWatch, Running
from bench.stats import Measured
from infrastructure.channels import channel
from infrastructure.settings import PostgresTarget, Settings

TABLE = "bench_ryw_floor_tracking"
NAME = "floor"
RUNNER_NAME = "bench_noop"  # the runner floor's projection, in the product's projection_tracking
BATCH = 500  # ids read per query; more than commit in one wake at 32 clients
WAIT_TIMEOUT = 10.0


def floor_channel(schema: str) -> str:
    """Where the floor worker announces its positions (schema-qualified, as the product's)."""
    return channel(schema, "bench_ryw_floor")


def event_store_names(settings: Settings) -> tuple[str, str]:
    """(events table, NOTIFY channel) of the event store, as the product's recorder names them."""
    from interfaces.container import open_event_store

    events = open_event_store(settings)
    try:
        return events.recorder.events_table_name, events.recorder.channel_name
    finally:
        events.close()


# -- the floor worker (a process of its own) ------------------------------------------------


def _connect(conninfo: str, schema: str) -> psycopg.Connection[Any]:
    return psycopg.connect(conninfo, autocommit=True, options=f"-c search_path={schema}")


def _floor_worker(conninfo: str, schema: str, table: str, listen: str, announce: str, ready: Any) -> None:
    """LISTEN on the event store's channel; per wake, catch up: read the ids past our position
    and commit our tracking row and its NOTIFY together. Runs until terminated. No polling:
    it moves only when the event store's NOTIFY wakes it (a wrong channel would show at once,
    as waits timing out)."""
    die_with_parent()
    listener = _connect(conninfo, schema)
    # LISTEN before the first catch-up, so a commit meanwhile is queued, not lost.
    listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(listen)))
    work = _connect(conninfo, schema)
    read = sql.SQL("SELECT notification_id FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
                   ).format(sql.Identifier(schema, table))
    upsert = (f"INSERT INTO {TABLE} (name, position) VALUES (%s, %s)"
              " ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position")
    row = work.execute(f"SELECT position FROM {TABLE} WHERE name = %s", (NAME,)).fetchone()
    position = int(row[0]) if row else 0
    ready.set()
    while True:
        while True:
            ids = work.execute(read, (position, BATCH), prepare=True).fetchall()
            if not ids:
                break
            position = int(ids[-1][0])
            with work.transaction():
                work.execute(upsert, (NAME, position), prepare=True)
                work.execute("SELECT pg_notify(%s, %s)", (announce, str(position)), prepare=True)
            if len(ids) < BATCH:
                break
        for _ in listener.notifies(stop_after=1):
            pass
        for _ in listener.notifies(timeout=0):  # one catch-up covers every commit queued meanwhile
            pass


@contextmanager
def spawned(target: Callable[..., None], args: tuple[Any, ...], what: str, timeout: float,
            cleanup: Callable[[], None]) -> Iterator[int]:
    """`target(*args, ready)` in a spawned process, once it has set `ready`; yields its pid, and
    afterwards stops it and runs `cleanup`."""
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    process = context.Process(target=target, args=(*args, ready), daemon=True)
    process.start()
    try:
        if not ready.wait(timeout):
            raise RuntimeError(f"{what} did not start")
        assert process.pid is not None
        yield process.pid
    finally:
        process.terminate()
        process.join(timeout=10)
        cleanup()


@contextmanager
def floor_worker(settings: Settings) -> Iterator[int]:
    """The floor worker running on `settings`' schema, ready (listening); yields its pid."""
    schema, conninfo = settings.database_schema, _conninfo(settings)
    table, listen = event_store_names(settings)
    with _connect(conninfo, schema) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, position BIGINT NOT NULL)")
        conn.execute(f"DELETE FROM {TABLE}")

    def drop() -> None:
        with _connect(conninfo, schema) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {TABLE}")

    with spawned(_floor_worker, (conninfo, schema, table, listen, floor_channel(schema)), "the floor worker",
                 60, drop) as pid:
        yield pid


def _conninfo(settings: Settings) -> str:
    return PostgresTarget.parse(settings.database_url).conninfo()


def tracked(settings: Settings) -> int:
    """The floor worker's tracked position, from its table."""
    with _connect(_conninfo(settings), settings.database_schema) as conn:
        row = conn.execute(f"SELECT position FROM {TABLE} WHERE name = %s", (NAME,)).fetchone()
    return int(row[0]) if row else 0


# -- the runner floor: the product's own runner and wake-up, one no-op projection -----------


def _noop_projection() -> Any:
    from projections.base import Projection

    class NoOp(Projection):
        """Takes every stored event undecoded (`raw`) and writes nothing: all that is left is the
        runner's own work (read the batch, lock and write its tracking row, NOTIFY)."""

        name = RUNNER_NAME
        raw = True

        def handle_stored(self, stored: Any, cur: Any) -> None:
            pass

    return NoOp()


def _runner_worker(settings: Settings, ready: Any) -> None:
    """As `interfaces.workers.work` runs a projection: the container's runner, woken by
    `ListenWakeup` on the event store's channel, with one no-op projection starting at the head."""
    die_with_parent()
    from infrastructure.wakeup import ListenWakeup
    from interfaces.container import open_event_store, projection_runner, read_store

    store = read_store(settings)
    events = open_event_store(settings)
    runner = projection_runner(settings, events, store, [_noop_projection()], bus=None)
    runner.setup(reset=False)
    with store.write() as cur:  # nothing before this run is its work
        cur.execute("UPDATE projection_tracking SET position = ? WHERE name = ?",
                    (events.recorder.max_notification_id() or 0, RUNNER_NAME))
    wakeup = ListenWakeup(PostgresTarget.parse(settings.database_url), events.recorder.channel_name)
    ready.set()
    while True:
        runner.catch_up()
        wakeup.wait(1.0)


@contextmanager
def runner_worker(settings: Settings) -> Iterator[int]:
    """The runner floor's worker on `settings`' schema, ready (listening); yields its pid."""
    def forget() -> None:
        with _connect(_conninfo(settings), settings.database_schema) as conn:
            conn.execute("DELETE FROM projection_tracking WHERE name = %s", (RUNNER_NAME,))

    with spawned(_runner_worker, (settings,), "the runner floor's worker", 120, forget) as pid:
        yield pid


def runner_tracked(settings: Settings) -> int:
    with _connect(_conninfo(settings), settings.database_schema) as conn:
        row = conn.execute("SELECT position FROM projection_tracking WHERE name = %s", (RUNNER_NAME,)).fetchone()
    return int(row[0]) if row else 0


def _runner_position(payload: str) -> int | None:
    """The runner's payload: "<position> <name>,<name>" ("!..." when one parked)."""
    head, _, names = payload.partition(" ")
    return int(head) if not head.startswith("!") and RUNNER_NAME in names.split(",") else None


@dataclass(frozen=True)
class _Variant:
    label: str
    worker: Callable[[Settings], Any]
    listen: Callable[[str], str]
    position_of: Callable[[str], int | None]
    tracked: Callable[[Settings], int]


def _variant(runner: bool) -> _Variant:
    from infrastructure.channels import tracking_channel

    if runner:
        return _Variant("runner floor", runner_worker, tracking_channel, _runner_position, runner_tracked)
    return _Variant("ryw floor", floor_worker, floor_channel, int, tracked)


# -- the waiting side (the client process) --------------------------------------------------


class FloorPositions:
    """One LISTEN connection for the process, on `listen`; its thread wakes exactly the waiting
    threads whose position was reached (a heap, as `TrackedPositions` keeps its futures).
    `position_of`: a notification's payload as a position, None when it is not ours; `read`:
    the worker's position from its table."""

    def __init__(self, settings: Settings, listen: str, position_of: Callable[[str], int | None],
                 read: Callable[[], int]) -> None:
        self._position_of = position_of
        self._lock = threading.Lock()
        self._waiters: list[tuple[int, int, threading.Event]] = []
        self._order = itertools.count()
        self._stop = threading.Event()
        self.position = 0
        self._conn = _connect(_conninfo(settings), settings.database_schema)
        self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(listen)))
        self._reached(read())  # what was committed before the LISTEN took
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def wait_for(self, position: int) -> None:
        if self.position >= position:
            return
        with self._lock:
            if self.position >= position:
                return
            reached = threading.Event()
            heapq.heappush(self._waiters, (position, next(self._order), reached))
        if not reached.wait(WAIT_TIMEOUT):
            raise RuntimeError(f"the floor worker did not track {position} within {WAIT_TIMEOUT} s")

    def _listen(self) -> None:
        while not self._stop.is_set():
            for notify in self._conn.notifies(timeout=0.2):
                position = self._position_of(notify.payload)
                if position is not None:
                    self._reached(position)

    def _reached(self, position: int) -> None:
        with self._lock:
            self.position = max(self.position, position)
            while self._waiters and self._waiters[0][0] <= self.position:
                heapq.heappop(self._waiters)[2].set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._conn.close()


# -- the baseline ---------------------------------------------------------------------------


def ryw_floor(settings: Settings, slots: list[dict[str, Any]], clients: int, seconds: float,
              year: int, kept: dict[str, list[float]] | None = None, runner: bool = False) -> Measured:
    """`flow_save`'s commands, each timed from its save until the floor worker has tracked it
    (`runner`: until the product's runner has tracked it with a no-op projection).

    `extra`: `wait_ms` (the wait alone, p50 and p99), `save_ms` (the rest: the save), `waited`
    (saves waited for), `behind` (saves answered while the announced position was still short
    of them: 0 unless broken), `last_saved` and `tracked` (the worker's position in its table
    at the end), `cpu_ms` (this process's and the floor worker's, per command). `kept`, if
    given, also gets every "latency", "wait" and "save" (to merge runs: `paired`).
    """
    kept = kept if kept is not None else {}
    latencies, waits, saves = (kept.setdefault(k, []) for k in ("latency", "wait", "save"))
    waits_before, saves_before = len(waits), len(saves)
    mine = threading.local()
    behind = [0]
    last_saved = [0]
    variant = _variant(runner)
    with variant.worker(settings) as pid:
        positions = FloorPositions(settings, variant.listen(settings.database_schema), variant.position_of,
                                   lambda: variant.tracked(settings))
        try:
            def wait(position: int) -> None:
                began = now()
                positions.wait_for(position)
                mine.wait = now() - began
                waits.append(mine.wait)
                behind[0] += positions.position < position
                last_saved[0] = max(last_saved[0], position)

            with baselines.flow_steps(settings, slots, clients, year, then=wait) as step:
                def command(index: int) -> float:
                    took = step(index)
                    saves.append(took - mine.wait)  # the save's own time, beside flow_save's
                    return took

                cpu = time.process_time()
                with CpuWatch([Running("floor worker", pid)]) as watch:
                    measured = baselines.timed_threads(f"{variant.label}, {clients} clients", clients, seconds, command,
                                                       latencies)
                client_cpu = time.process_time() - cpu
        finally:
            positions.close()
        final = variant.tracked(settings)
    per = max(measured.count, 1)
    measured.extra.update(
        cpu_ms={"floor client": round(1000 * client_cpu / per, 2),
                "floor worker": round(1000 * watch.used["floor worker"] / per, 2)},
        wait_ms=_p50_p99(waits[waits_before:]), save_ms=_p50_p99(saves[saves_before:]),
        waited=len(waits) - waits_before, behind=behind[0], last_saved=last_saved[0], tracked=final,
    )
    return measured


def paired(settings: Settings, slots: list[dict[str, Any]], clients: int, seconds: float,
           year: int, runner: bool = False) -> dict[str, Measured]:
    """{"save": flow save, "floor": ryw floor[, "runner": runner floor]}, run in the order flow,
    floor[, runner, runner], floor, flow for `seconds` each, so that all see the same machine on
    average however its load drifts (it is shared); each figure is over its two runs. Books one
    year per run from `year` (4 years, 6 with `runner`)."""
    order = ("save", "floor", "runner") if runner else ("save", "floor")
    kept: dict[str, dict[str, list[float]]] = {k: {"latency": []} for k in order}
    runs: dict[str, list[Measured]] = {k: [] for k in order}
    for n, which in enumerate(order + order[::-1]):
        if which == "save":
            figure = baselines.flow_save(settings, slots, clients, seconds, year + n, kept=kept[which]["latency"])
        else:
            figure = ryw_floor(settings, slots, clients, seconds, year + n, kept=kept[which], runner=which == "runner")
        runs[which].append(figure)
    out = {k: _merged(runs[k], kept[k]["latency"]) for k in order}
    for which in order[1:]:
        out[which].extra.update(
            wait_ms=_p50_p99(kept[which]["wait"]), save_ms=_p50_p99(kept[which]["save"]),
            waited=sum(f.extra["waited"] for f in runs[which]), behind=sum(f.extra["behind"] for f in runs[which]),
            untracked=sum(f.extra["tracked"] < f.extra["last_saved"] for f in runs[which]),
        )
    return out


def _merged(runs: list[Measured], latencies: list[float]) -> Measured:
    """One figure over runs of the same work: their latencies, seconds and errors together, and
    their CPU per command weighted by their commands."""
    count = max(sum(r.count for r in runs), 1)
    cpu = {k: round(sum(r.extra["cpu_ms"][k] * r.count for r in runs) / count, 2) for k in runs[0].extra["cpu_ms"]}
    return Measured.of(runs[0].name, runs[0].concurrency, latencies, sum(r.seconds for r in runs),
                       errors=sum(r.errors for r in runs), cpu_ms=cpu)


def _p50_p99(seconds: list[float]) -> dict[str, float]:
    return {"p50": round(1000 * percentile(seconds, 50), 3), "p99": round(1000 * percentile(seconds, 99), 3)}


# -- by hand: python -m bench.ryw_floor ------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=3.0,
                        help="per run; each figure is over two runs (flow, floor, floor, flow)")
    parser.add_argument("--shifts", type=int, default=200, help="seeded history (the flow needs one department)")
    parser.add_argument("--runner", action="store_true",
                        help="also the runner floor: the product's runner with one no-op projection")
    args = parser.parse_args()
    from bench.seed import seed

    rows = []
    with fresh_schema("rywfloor") as schema, tempfile.TemporaryDirectory() as data:
        settings = settings_for(schema, Path(data), projection_workers=True)
        seeded = seed(settings, shifts=args.shifts)
        slots = [asdict(s) for s in seeded.slots]
        for index, clients in enumerate(args.clients):
            figures = paired(settings, slots, clients, args.seconds, year=2040 + 6 * index, runner=args.runner)
            rows.append(figures)
            flow = figures["save"]
            print(f"  x{clients}: flow save {flow.rate:,.0f}/s, "
                  + ", ".join(f"{m.name} {m.rate:,.0f}/s ({m.rate / flow.rate:.2f}x), errors {m.errors},"
                              f" behind {m.extra['behind']}" for k, m in figures.items() if k != "save"),
                  file=sys.stderr)
    print(table(rows))


def table(rows: list[dict[str, Measured]]) -> str:
    """Per level: the flow save, then each floor with its wait, the save's own time inside it,
    its ratio to the flow save and the CPU per command of its worker and of this process."""
    lines = ["| clients | flow save /s | p50 ms | p99 ms | CPU ms/cmd | floor | per s | p50 ms | p99 ms | wait p50 ms"
             " | save p50 ms | floor/flow | worker CPU ms/cmd | client CPU ms/cmd |",
             "|" + " --- |" * 14]
    for figures in rows:
        flow = figures["save"]
        for key, floor in figures.items():
            if key == "save":
                continue
            cpu = floor.extra["cpu_ms"]
            lines.append(
                f"| {flow.concurrency} | {flow.rate:,.0f} | {flow.p50_ms:.2f} | {flow.p99_ms:.2f}"
                f" | {flow.extra['cpu_ms']['flow save']:.2f} | {floor.name.split(',')[0]} | {floor.rate:,.0f}"
                f" | {floor.p50_ms:.2f} | {floor.p99_ms:.2f} | {floor.extra['wait_ms']['p50']:.2f}"
                f" | {floor.extra['save_ms']['p50']:.2f} | {floor.rate / flow.rate:.2f}x | {cpu['floor worker']:.2f}"
                f" | {cpu['floor client']:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
