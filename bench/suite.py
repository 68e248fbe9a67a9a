"""The whole benchmark suite, against the server as production runs it.

    python -m bench.suite [--quick] [--out bench/results/suite-<time>]

PostgreSQL event store and read models (a fresh schema, dropped afterwards), Redis,
`schedulax serve --workers 2` (uvicorn), `schedulax projections run` (by default two
processes: the projections commands wait for, and the rest) and `schedulax worker` (dramatiq jobs). It seeds 100,000 shifts in
200-employee departments (`bench.seed`), lets the projection workers build the read
models, then runs the scenarios of issue 6, each beside its ceilings from the same run:

1. commands (create shift, assign, confirm) at 1, 8 and 32 clients, beside the flow save
   (the same aggregates and events saved bare with `Application.save()`, one commit per
   command) and the read-your-writes floor (the flow save plus waiting, per command, for a
   minimal worker process to track it: bench/ryw_floor.py);
2. Monday morning: 90% reads / 10% commands at 32 clients, then each read alone beside its
   lean twin (bench/lean_twin.py: the same work with nothing around it), a minimal Litestar
   handler returning as many bytes and the read models' SQL alone;
3. auto-assign of a 200-employee, 31-day roster, 3 shifts a day of 3 staff;
4. resident memory of each process at idle, after each scenario, and with 1,000,000
   events in the store.

Every figure is also a ratio to its baseline, with the CPU per request of the API processes
and of the projection workers (/proc utime+stime before and after, over the requests sent).
Writes results.json and suite.png into the output folder, copies the chart to
docs/bench/suite.png (shown in docs/benchmarks.md; `--chart` elsewhere) and prints the tables.
`--quick` seeds 20,000 shifts, runs shorter and skips the 1,000,000-event memory figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import report, scenarios
from bench.pg import fresh_schema, settings_for
from bench.seed import seed
from bench.servers import ROOT, free_port
from bench.stack import REDIS_URL, Stack, flush_redis, tokens_for, wait_caught_up
from bench.store_growth import grow_log


def machine() -> dict[str, Any]:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "commit": commit.strip(), "load_average": os.getloadavg(), "date": datetime.now().isoformat(timespec="seconds")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 shifts and shorter runs")
    parser.add_argument("--shifts", type=int, default=None)
    parser.add_argument("--duration", type=float, default=None, help="seconds per measured load")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--million", type=int, default=None,
                        help="events in the store for the memory figure (default 1,000,000; --quick: 0, skipped)")
    parser.add_argument("--chart", type=Path, default=ROOT / "docs" / "bench" / "suite.png",
                        help="where the chart of this run is copied (default: the one docs/benchmarks.md shows)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    shifts = args.shifts or (20_000 if args.quick else 100_000)
    duration = args.duration or (4.0 if args.quick else 8.0)
    million = args.million if args.million is not None else (0 if args.quick else 1_000_000)
    out = args.out or ROOT / "bench" / "results" / f"suite-{datetime.now():%Y%m%d-%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "command": " ".join(["python -m bench.suite", *sys.argv[1:]]),
                               "shifts": shifts, "duration": duration}
    started = time.perf_counter()
    with fresh_schema("suite") as schema, tempfile.TemporaryDirectory() as data:
        flush_redis()
        settings = settings_for(schema, Path(data), projection_workers=True, redis_url=REDIS_URL)
        stack = Stack(settings, free_port(), args.api_workers, out)
        try:
            run(stack, results, shifts, duration, args.levels, million)
        finally:
            stack.stop()
            results["suite_seconds"] = time.perf_counter() - started
            report.write_json(out, results)  # also what was measured before a failure
    print_summary(out, results, args.chart)


def run(stack: Stack, results: dict[str, Any], shifts: int, duration: float, levels: list[int],
        million: int) -> None:
    schema = stack.settings.database_schema
    print(f"seeding {shifts:,} shifts into {schema}", file=sys.stderr)
    seeded = seed(stack.settings, shifts=shifts)
    results["seed"] = {"events": seeded.events, "shifts": seeded.shifts, "assignments": seeded.assignments,
                       "departments": len(seeded.teams), "seconds": round(seeded.seconds, 1)}
    stack.start_projections()
    events, seconds = wait_caught_up(schema)
    results["seed"]["catch_up"] = {"events": events, "seconds": round(seconds, 1), "per_second": round(events / seconds)}
    print(f"projections caught up with {events:,} events in {seconds:.0f} s", file=sys.stderr)
    analyze(schema)
    stack.start_api()
    stack.start_jobs()
    memory: dict[str, Any] = {"idle": scenarios.idle_memory(stack)}
    users = [t["manager_id"] for t in seeded.teams] + [e for t in seeded.teams for e in t["employees"]]
    tokens = tokens_for(stack.settings, schema, users)

    print("scenario 1: commands", file=sys.stderr)
    commands = scenarios.commands(stack, seeded, tokens, levels, duration)
    results["commands"] = commands
    memory["after commands"] = scenarios.idle_memory(stack)

    print("scenario 2: Monday morning", file=sys.stderr)
    results["monday"] = scenarios.monday(stack, seeded, tokens, duration)
    memory["after Monday morning"] = scenarios.idle_memory(stack)

    print("scenario 3: auto-assign", file=sys.stderr)
    results["auto_assign"] = scenarios.auto_assign(stack, seeded, tokens)
    memory["after auto-assign"] = scenarios.idle_memory(stack)

    results["memory"] = memory
    if not million:
        return
    print(f"scenario 4: memory with {million:,} events in the store", file=sys.stderr)
    stack.stop()
    results["store_growth"] = grow_log(stack.settings, million)
    stack.start_api(ready="/schema/openapi.json")  # no projection workers now: /health says 503
    scenarios.response_size(stack.port, tokens, {"user": seeded.teams[0]["employees"][0],
                                                 "path": "/api/employee/my-schedule"})
    memory[f"API idle, {million:,} events"] = scenarios.idle_memory(stack)
    results["memory"] = memory


def analyze(schema: str) -> None:
    """Planner statistics, as autovacuum would have gathered them by Monday (this server runs
    with autovacuum off, and without them the planner scans whole read-model tables)."""
    from bench.pg import connect

    with connect(schema) as conn:
        conn.execute("ANALYZE")


def print_summary(out: Path, results: dict[str, Any], chart_copy: Path | None = None) -> None:
    import shutil

    from bench.stats import Measured

    def m(value: Any) -> Measured:
        return value if isinstance(value, Measured) else Measured(**{k: v for k, v in value.items() if k != "rate"})

    commands: list[tuple[Measured, Measured | None]] = []
    for level in results["commands"]:
        commands += [(m(level["http"]), m(level["save"]))]
        if "floor" in level:  # results written before the read-your-writes floor have none
            commands += [(m(level["http"]), m(level["floor"])), (m(level["floor"]), m(level["save"]))]
        commands += [(m(level["save"]), None)]
    monday = results["monday"]
    reads: list[tuple[Measured, Measured | None]] = [(m(monday["mixed"]), None)]
    twins = monday.get("twins", {})
    for kind, figure in monday["alone"].items():
        twin = m(twins[kind]) if kind in twins else None
        reads += [(m(figure), twin)] + ([(twin, None)] if twin else [])
        if kind in monday["sql"]:
            reads.append((m(monday["sql"][kind]), None))
    reads.append((m(monday["minimal"]), None))
    print("\n## Commands beside the flow save, reads beside their lean twins\n")
    print(report.table(commands + reads))
    auto = results["auto_assign"]
    print(f"\n## Auto-assign\n\n{auto['seconds']:.2f} s, violations {auto['violations']},"
          f" hour spread {auto['hour_spread']:.1f} h (one shift: {auto['shift_hours']} h)")
    print("\n## Resident memory, MB (largest process of each kind)\n")
    for phase, peaks in results["memory"].items():
        print(f"- {phase}: " + ", ".join(f"{k} {v:.0f}" for k, v in peaks.items()))
    seed_info = results["seed"]
    print(f"\nseeded {seed_info['shifts']:,} shifts, {seed_info['events']:,} events in {seed_info['seconds']} s;"
          f" projections caught up at {seed_info['catch_up']['per_second']:,} events/s."
          f" Suite: {results['suite_seconds'] / 60:.1f} min.")
    read_pairs = [(m(monday["alone"][k]), m(twins[k])) for k in monday["alone"] if k in twins]
    chart = report.chart(out, [{k: m(v) for k, v in level.items() if k != "ratios"} for level in results["commands"]],
                         read_pairs)
    if chart_copy is not None:
        chart_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(chart, chart_copy)
    print(f"\nresults: {out / 'results.json'}, chart: {chart}" + (f", copied to {chart_copy}" if chart_copy else ""))


if __name__ == "__main__":
    main()
