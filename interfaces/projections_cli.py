"""`schedulax projections run | rebuild | status | retry`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time

from infrastructure.budget import BudgetExceeded, Line, Plan, check_room, projection_pools
from infrastructure.lifeline import die_with_parent
from infrastructure.settings import Settings
from interfaces.container import all_projections
from interfaces.parallel_rebuild import balanced_groups, rebuild_groups
from interfaces.workers import chosen, groups_of, open_runner, projection_names, supervise, work
from projections.runner import ProjectionStatus


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("projections", help="run, rebuild or inspect the read-model projections")
    verbs = parser.add_subparsers(dest="verb", required=True)
    run = verbs.add_parser("run", help="keep projections caught up, one supervised process each")
    run.add_argument("names", nargs="*", help=f"projections (default all: {', '.join(projection_names())})")
    run.add_argument("--in-process", action="store_true",
                     help="run the named projections in this process, unsupervised")
    run.add_argument("--parent-pid", type=int, default=None,
                     help=argparse.SUPPRESS)  # `serve`: stop when it is gone; it checked the budget
    rebuild = verbs.add_parser("rebuild", help="drop and rebuild read models from the first event")
    rebuild.add_argument("names", nargs="*", help="projections (default all)")
    rebuild.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                         help="processes to rebuild in, each staging a group of projections"
                              " (default: cores; PostgreSQL only)")
    status = verbs.add_parser("status", help="each projection's position, the log's head and the lag")
    status.add_argument("--json", action="store_true", help="print JSON")
    retry = verbs.add_parser("retry", help="unpark projections: apply again the event each stopped at")
    retry.add_argument("names", nargs="*", help="projections (default: every parked one)")


def main(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    names = chosen(args.names if args.verb != "status" else None)
    if args.verb == "run":
        return run(settings, names, args.in_process, args.parent_pid)
    if args.verb == "rebuild":
        return rebuild(settings, names, args.jobs)
    if args.verb == "retry":
        return retry(settings, names)
    return status(settings, names, args.json)


def run(settings: Settings, names: list[str], in_process: bool, parent: int | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if parent is not None:
        die_with_parent(parent)
    else:
        try:
            processes = 1 if in_process else len(groups_of(names, settings.projection_groups))
            check_room(settings, Plan((Line("projection worker", processes, projection_pools()),)))
        except BudgetExceeded as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    how = "in this process" if in_process else f"processes by SCHEDULAX_PROJECTION_GROUPS={settings.projection_groups}"
    print(f"projections {', '.join(names)} on {settings.backend} ({how})", file=sys.stderr)
    if in_process:
        work(settings, names, stop)
    else:
        supervise(settings, names, stop)
    return 0


def rebuild(settings: Settings, names: list[str], jobs: int) -> int:
    from tqdm import tqdm

    # SQLite has one writer at a time: parallel swaps would queue behind one another's
    # lock and could outwait its busy timeout.
    groups = balanced_groups([p for p in all_projections() if p.name in names],
                             jobs if settings.backend == "postgres" else 1)
    events, store, runner = open_runner(settings, names)
    try:
        runner.setup()
        head = events.recorder.max_notification_id() or 0
        started = time.perf_counter()
        with tqdm(total=head, unit="ev", unit_scale=True, desc="rebuild " + ",".join(names),
                  file=sys.stderr) as bar:
            def progress(position: int, _: int = 0) -> None:
                bar.update(max(position - bar.n, 0))

            if len(groups) == 1:
                runner.rebuild(names, progress)
            else:
                print(f"{len(groups)} processes: " + "; ".join(",".join(g) for g in groups), file=sys.stderr)
                try:
                    rebuild_groups(settings, groups, progress)
                except RuntimeError as error:
                    print(f"error: {error}", file=sys.stderr)
                    return 1
        seconds = time.perf_counter() - started
        rate = head / seconds if seconds else 0.0
        print(f"rebuilt {', '.join(names)}: {head} events in {seconds:.2f} s ({rate:,.0f} events/s)")
    finally:
        store.close()  # type: ignore[attr-defined]
        events.close()
    return 0


def status(settings: Settings, names: list[str], as_json: bool) -> int:
    events, store, runner = open_runner(settings, names)
    try:
        rows = runner.status()
    finally:
        store.close()  # type: ignore[attr-defined]
        events.close()
    if as_json:
        print(json.dumps([{**row.__dict__, "parked": row.parked} for row in rows], indent=2))
    else:
        print(_table(rows))
    return 0


def retry(settings: Settings, names: list[str]) -> int:
    """Unpark, then apply one batch here: the event it stopped at, or a park again. The rest
    of its backlog follows in its worker (or, embedded, the API) as usual. 1 if still parked."""
    events, store, runner = open_runner(settings, names)
    try:
        runner.status()  # adds the park columns to a tracking table from before them
        retried = runner.retry(names)
        if retried:
            runner.catch_up(stop=lambda: True)
        rows = [row for row in runner.status() if row.name in retried]
    finally:
        store.close()  # type: ignore[attr-defined]
        events.close()
    if not retried:
        print(f"not parked: {', '.join(names)}")
        return 0
    print(_table(rows))
    again = [row.name for row in rows if row.parked]
    if again:
        print(f"still parked: {', '.join(again)}", file=sys.stderr)
        return 1
    return 0


def _table(rows: list[ProjectionStatus]) -> str:
    lines = [f"{'projection':<16}{'version':>8}{'position':>12}{'head':>12}{'lag events':>12}{'lag s':>10}"
             "  state"]
    for r in rows:
        state = f"PARKED at event {r.failed_position}: {r.error}" if r.parked else "ok"
        lines.append(f"{r.name:<16}{r.version:>8}{r.position:>12}{r.head:>12}{r.lag_events:>12}"
                     f"{r.lag_seconds:>10.2f}  {state}")
    return "\n".join(lines)
