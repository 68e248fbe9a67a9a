"""`audit verify` beside the raw read rate of the log it verifies.

    python -m bench.audit_verify [--events 1000000] [--backend postgres|sqlite] [--runs 3]

1. Generates a history of about `--events` events on a fresh store (a new PostgreSQL schema,
   dropped afterwards, or SQLite files in a temporary folder) with `bench.rebuild_rate`'s
   generator, in a child process; on PostgreSQL the log is ANALYZEd, as autovacuum would have.
2. Builds the hash chain: a staged rebuild of the chain projection alone (as the workers do
   after a version change), timed; with `--costs`, also each other projection alone, for
   `Projection.rebuild_cost`.
3. Then, alternating, `--runs` times each:
   - the baseline, the raw read: every row of the log, all topics, through the reader the
     product verifies with (`infrastructure.event_log.event_log`: binary rows on PostgreSQL), in
     batches of the same size as the verification's, doing nothing with them;
   - `audit verify`: `application.chain_check.check_chain` over the whole log against the
     projection's links, as `schedulax audit verify` runs it (without its progress bar);
   and prints the median and best of each, and the ratio of the medians (goal: >= 0.5).
4. One `schedulax audit verify` in a process of its own, start-up included, for reference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from application.chain_check import BATCH, check_chain
from application.events import SchedulaX
from bench.pg import fresh_schema, settings_for, worker_env
from bench.rebuild_rate import generate_in_child
from infrastructure.event_log import event_log
from infrastructure.readstore import scratch_store
from infrastructure.settings import Settings
from interfaces.container import all_projections, event_store_env, read_store
from projections.chain import ChainProjection
from projections.chain_queries import SqlChainLinks
from projections.runner import CatchUpRunner


def read_all(events: SchedulaX, batch: int) -> int:
    """The baseline: every row of the log, in order, all topics; the number read."""
    log = event_log(events.recorder)
    head = events.recorder.max_notification_id() or 0
    after, count = 0, 0
    while True:
        rows = log.select(after, batch, head, ())
        if not rows:
            return count
        count += len(rows)
        after = rows[-1].id
        if len(rows) < batch:
            return count


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def rebuild_alone(events: SchedulaX, store: object, name: str) -> float:
    projection = next(p for p in all_projections() if p.name == name)
    runner = CatchUpRunner(events, store, [projection], scratch=scratch_store,  # type: ignore[arg-type]
                           log=event_log(events.recorder))
    runner.setup()
    return timed(runner.rebuild)


def measure(args: argparse.Namespace, settings: Settings) -> None:
    load_before = os.getloadavg()[0]
    print(f"generating about {args.events:,} events ({args.backend})...", file=sys.stderr)
    made = generate_in_child(settings, args.events, args.seed)
    print(f"generated {made['count']:,} events in {made['seconds']:.1f} s", file=sys.stderr)
    events = SchedulaX(env=event_store_env(settings))
    store = read_store(settings)
    try:
        head = events.recorder.max_notification_id() or 0
        if args.backend == "postgres":
            with store.write() as cur:
                cur.execute("ANALYZE schedulax_events")
        chained = rebuild_alone(events, store, ChainProjection.name)
        print(f"chain built (staged rebuild) in {chained:.1f} s", file=sys.stderr)
        costs = {ChainProjection.name: chained}
        if args.costs:
            for projection in all_projections():
                if projection.name != ChainProjection.name:
                    costs[projection.name] = rebuild_alone(events, store, projection.name)
                    print(f"{projection.name} rebuilt alone in {costs[projection.name]:.1f} s", file=sys.stderr)
        links = SqlChainLinks(store)
        reads, verifies = [], []
        for run in range(args.runs):
            counted: list[int] = []
            reads.append(timed(lambda: counted.append(read_all(events, args.batch_size))))
            checks = []
            verifies.append(timed(lambda: checks.append(check_chain(event_log(events.recorder), links, head,
                                                                     batch=args.batch_size))))
            check = checks[0]
            if counted[0] != check.events or not check.holds:
                raise AssertionError(f"read {counted[0]} rows, verified {check.events}; holds: {check.holds}")
            print(f"run {run + 1}: read {reads[-1]:.2f} s, verify {verifies[-1]:.2f} s", file=sys.stderr)
        events_count = counted[0]
        started = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "interfaces.cli", "audit", "verify"], env=worker_env(settings),
                             capture_output=True, text=True, check=False)
        cli_seconds = time.perf_counter() - started
        if cli.returncode != 0:
            raise AssertionError(f"schedulax audit verify failed:\n{cli.stdout}\n{cli.stderr[-2000:]}")
        with store.read() as cur:
            if args.backend == "postgres":
                cur.execute("SELECT pg_total_relation_size('audit_chain') AS chain,"
                            " pg_total_relation_size('schedulax_events') AS log")
                sizes = cur.fetchone()
            else:
                sizes = None
    finally:
        store.close()
        events.close()

    read_median, verify_median = statistics.median(reads), statistics.median(verifies)
    ratio = read_median / verify_median
    print(f"## audit verify, backend={args.backend}, {events_count:,} events, batches of {args.batch_size:,},"
          f" {args.runs} runs each")
    print()
    print("| measurement | median s | best s | events/s (median) | vs raw read |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| raw read of the log (baseline) | {read_median:.2f} | {min(reads):.2f} |"
          f" {events_count / read_median:,.0f} | 1 |")
    print(f"| audit verify (check_chain) | {verify_median:.2f} | {min(verifies):.2f} |"
          f" {events_count / verify_median:,.0f} | {ratio:.2f} |")
    print(f"| `schedulax audit verify` in its own process, once | {cli_seconds:.2f} | | "
          f"{events_count / cli_seconds:,.0f} | {read_median / cli_seconds:.2f} |")
    print()
    print("Staged rebuild, alone: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in costs.items()))
    if sizes is not None:
        print(f"Sizes: audit_chain {sizes['chain'] / 2**20:,.0f} MB ({sizes['chain'] / max(head, 1):.0f} bytes an"
              f" event, index included), log {sizes['log'] / 2**20:,.0f} MB")
    print(f"Load average (1 min) of the shared machine: {load_before:.2f} at the start,"
          f" {os.getloadavg()[0]:.2f} at the end.")
    print()
    print(f"Goal: audit verify >= 0.5 x the raw read rate: {ratio:.2f} -> {'met' if ratio >= 0.5 else 'NOT met'};"
          f" size >= 1,000,000 events: {'yes' if events_count >= 1_000_000 else 'no'} ({events_count:,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=BATCH, help="rows per read, for both")
    parser.add_argument("--costs", action="store_true", help="also rebuild each other projection alone")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.backend == "postgres":
            with fresh_schema("benchaudit") as schema:
                measure(args, settings_for(schema, Path(folder)))
        else:
            measure(args, settings_for(None, Path(folder)))


if __name__ == "__main__":
    main()
