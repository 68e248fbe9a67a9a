"""Issue 4's query latency: roster listing, shifts by roster and my-schedule at 32 clients.

    python -m bench.query_latency [--shifts 100000] [--clients 32] [--duration 8] [--runs 3]
                                  [--state bench/results/query-state.json]

PostgreSQL read models of a seeded history (`bench.seed`, built by the staged
`schedulax projections rebuild`), `schedulax serve --workers 2`. Each read runs alone at
`clients` keep-alive clients, `runs` times, beside two ceilings from the same run:

- the minimal Litestar handler returning as many bytes as that read (`bench/minimal_app.py`),
  same uvicorn and workers, before and after the runs: what the framework costs with no
  work at all;
- the read's SQL alone through pgbench (for my-schedule and shifts by roster).

`--state FILE` keeps the seeded schema and writes what was seeded to FILE; a later run
with the same FILE reuses it (seeding 100,000 shifts takes about 2 minutes), and
`--drop` drops it afterwards.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import report, scenarios
from bench.pg import connect, fresh_schema, settings_for, worker_env
from bench.seed import seed
from bench.servers import ROOT, free_port, leaves
from bench.stack import REDIS_URL, Stack, drive, flush_redis, tokens_for
from bench.stats import Measured

KINDS = ("roster listing", "shifts by roster", "my-schedule")


@contextmanager
def seeded_schema(state: Path | None, shifts: int, drop: bool) -> Iterator[tuple[str, dict[str, Any]]]:
    """A schema holding `shifts` seeded shifts with built read models, and who was seeded."""
    if state is None:
        with fresh_schema("query") as schema:
            yield schema, _seed_and_build(schema, shifts)
        return
    if state.exists():
        kept = json.loads(state.read_text())
        print(f"reusing schema {kept['schema']} from {state}", file=sys.stderr)
    else:
        schema = f"query_kept_{uuid.uuid4().hex[:8]}"
        with connect() as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        try:
            kept = {"schema": schema, "seeded": _seed_and_build(schema, shifts)}
        except BaseException:
            _drop(schema)
            raise
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps(kept))
    try:
        yield kept["schema"], kept["seeded"]
    finally:
        if drop:
            _drop(kept["schema"])
            state.unlink()


def _drop(schema: str) -> None:
    with connect() as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _seed_and_build(schema: str, shifts: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data:
        settings = settings_for(schema, Path(data), projection_workers=True, redis_url=REDIS_URL)
        print(f"seeding {shifts:,} shifts into {schema}", file=sys.stderr)
        seeded = seed(settings, shifts=shifts)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "interfaces.cli", "projections", "rebuild"],
                       env=worker_env(settings), cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        print(f"rebuilt read models of {seeded.events:,} events in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
    with connect(schema) as conn:
        conn.execute("ANALYZE")  # as autovacuum would have by Monday (it is off on this server)
    return {"teams": asdict(seeded)["teams"], "events": seeded.events, "shifts": seeded.shifts}


def reads_of(seeded: dict[str, Any], readers: int = 2000) -> list[dict[str, Any]]:
    import random

    rng = random.Random(5)
    staffed = [t for t in seeded["teams"] if t["current_roster_id"]]
    people = [(e, t) for t in staffed for e in t["employees"]]
    sample = rng.sample(people, min(readers, len(people)))
    return [
        {"kind": "roster listing", "weight": 1, "as": [
            {"user": t["manager_id"], "path": "/api/rosters?page=1&limit=10"} for t in staffed]},
        {"kind": "shifts by roster", "weight": 1, "as": [
            {"user": e, "path": f"/api/shifts/roster/{t['current_roster_id']}"} for e, t in sample]},
        {"kind": "my-schedule", "weight": 1, "as": [
            {"user": e, "path": "/api/employee/my-schedule"} for e, _ in sample]},
    ]


def median_run(runs: list[Measured]) -> Measured:
    """The run with the median p99 (so that its other figures belong together)."""
    return sorted(runs, key=lambda m: m.p99_ms)[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shifts", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measured load")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--only", choices=KINDS, action="append", help="measure only these reads")
    parser.add_argument("--state", type=Path, default=None, help="keep or reuse the seeded schema")
    parser.add_argument("--drop", action="store_true", help="drop the kept schema afterwards")
    parser.add_argument("--py-spy", type=Path, default=None,
                        help="profile the API processes during each read's first run (raw py-spy files here)")
    args = parser.parse_args()
    with seeded_schema(args.state, args.shifts, args.drop) as (schema, seeded), \
            tempfile.TemporaryDirectory() as data:
        flush_redis()
        settings = settings_for(schema, Path(data), projection_workers=True, redis_url=REDIS_URL)
        stack = Stack(settings, free_port(), args.api_workers, Path(data))
        try:
            stack.start_api()
            lines = measure(stack, seeded, args)
        finally:
            stack.stop()
    print(f"\n{seeded['shifts']:,} shifts, {seeded['events']:,} events; {args.clients} clients, "
          f"{args.runs} runs of {args.duration:g} s, the run with the median p99 shown")
    print(report.table(lines))


def measure(stack: Stack, seeded: dict[str, Any], args: argparse.Namespace) -> list[tuple[Measured, Measured | None]]:
    users = sorted({t["manager_id"] for t in seeded["teams"]} | {e for t in seeded["teams"] for e in t["employees"]})
    tokens = tokens_for(stack.settings, stack.settings.database_schema, users)
    reads = [r for r in reads_of(seeded) if not args.only or r["kind"] in args.only]
    base = {"host": "127.0.0.1", "port": stack.port, "clients": args.clients, "duration": args.duration,
            "warmup": 1.0, "tokens": tokens, "workload": "monday", "command_share": 0.0, "slots": []}
    sizes = {r["kind"]: scenarios.response_size(stack.port, tokens, r["as"][0]) for r in reads}
    lines: list[tuple[Measured, Measured | None]] = []
    minimal = {kind: [scenarios.minimal_ceiling(args.api_workers, size, args.clients, args.duration)]
               for kind, size in sizes.items()}
    figures: dict[str, list[Measured]] = {r["kind"]: [] for r in reads}
    for run in range(args.runs):  # interleaved, so that drift in the machine's load hits all alike
        for read in reads:
            spies = profile(stack, args.py_spy, read["kind"], args.duration) if args.py_spy and run == 0 else []
            result = drive({**base, "reads": [read]})
            for spy in spies:
                spy.wait()
            figures[read["kind"]].append(scenarios.measured(f"{read['kind']} alone", result))
    for kind, size in sizes.items():  # again at the end: the machine's load drifts
        minimal[kind].append(scenarios.minimal_ceiling(args.api_workers, size, args.clients, args.duration))
    sample = [(e, t) for t in seeded["teams"] if t["current_roster_id"] for e in t["employees"]][:2000]
    sql = scenarios.sql_ceilings(stack.settings.database_schema, sample, args.clients, args.duration)
    for kind, runs in figures.items():
        ceiling = median_run(minimal[kind])
        lines.append((median_run(runs), ceiling))
        print(f"{kind}: p99 of the runs {[round(m.p99_ms, 1) for m in runs]} ms, "
              f"median rate {statistics.median(m.rate for m in runs):,.0f}/s", file=sys.stderr)
        if kind in sql:
            lines.append((sql[kind], None))
        lines.append((ceiling, None))
    return lines


def profile(stack: Stack, folder: Path, kind: str, seconds: float) -> list[subprocess.Popen[bytes]]:
    """py-spy on each API worker for the measured part of one load (GIL-holding samples)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = kind.replace(" ", "-")
    return [subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--rate", "200", "--gil", "--format", "raw",
                              "--duration", str(int(seconds)), "--output", str(folder / f"{name}-{pid}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for pid in leaves(stack.services["API process"])]


if __name__ == "__main__":
    main()
