"""`schedulax audit export` of an enterprise's log beside the raw read of the same rows (issue 19).

    python -m bench.audit_export [--events 1000000] [--backend postgres|sqlite] [--runs 3] [--keep NAME]

1. Generates a history of about `--events` events with `bench.rebuild_rate`'s generator (as
   `bench.audit_verify` does), in a child process, with every department in one enterprise so
   that `--enterprise 1` exports the whole log's entries; on PostgreSQL the log is ANALYZEd.
   The audit projection is then built alone (a staged rebuild, timed). With `--keep NAME` the
   store is a kept PostgreSQL schema or SQLite folder: generated and built the first time,
   reused by the runs that follow (drop it with `--drop` when done).
2. Then, alternating, `--runs` times each:
   - baseline (a), the raw read of the log: every row, all topics, as `bench.audit_verify`
     reads it (`infrastructure.event_log.event_log`), doing nothing with them;
   - baseline (b), the raw read of the entries the export selects: the export's own
     statement on `au_entries`, keyset by position, rows fetched as tuples and dropped;
   - the export in this process: `interfaces.audit_cli.export` to a null file, as the
     command runs it (the read model, the entries, NDJSON);
   - `schedulax audit export --enterprise ID` in a process of its own, stdout to a file,
     start-up included (checks that the file holds one line an entry).
   It prints medians, best runs, entries/s and the ratios to the baselines. Goal: 50,000
   entries/s or more for an export of 1,000,000 events or more.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from application.chain_check import BATCH
from application.events import SchedulaX
from application.history import HistoryService
from application.history_views import HistoryFilter, HistoryScope
from bench import rebuild_rate
from bench.audit_verify import read_all, rebuild_alone, timed
from bench.pg import connect, fresh_schema, settings_for, worker_env
from infrastructure.settings import Settings
from interfaces.audit_cli import export
from interfaces.container import event_store_env, read_store
from projections.audit import AuditProjection
from projections.audit_queries import COLUMNS, STREAM_CHUNK, SqlAuditLog, where_of

ENTERPRISE = 1
"""The generator founds its enterprises from id 1; here there is only this one."""


def generate_one_enterprise(settings: Settings, target: int, seed: int, sender: Any) -> None:
    """Child process: `rebuild_rate.generate` with every department in the first enterprise."""
    rebuild_rate.DEPARTMENTS_PER_ENTERPRISE = 10**9
    rebuild_rate.generate(settings, target, seed, sender)


def generate_in_child(settings: Settings, target: int, seed: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=generate_one_enterprise, args=(settings, target, seed, sender))
    child.start()
    sender.close()
    try:
        return receiver.recv()
    except EOFError:
        raise RuntimeError(f"the generator failed (exit code {child.exitcode})") from None
    finally:
        child.join()


def read_entries(store: Any, scope: HistoryScope) -> int:
    """Baseline (b): the rows the export selects, by its statement and keyset, as plain tuples (the
    cheapest rows the store gives), fetched and dropped."""
    after, count = None, 0
    while True:
        where, params = where_of(scope, HistoryFilter(after=after))
        with store.read(tuples=True) as cur:
            cur.execute(f"SELECT {COLUMNS} FROM au_entries{where} ORDER BY position LIMIT ?",
                        (*params, STREAM_CHUNK))
            rows = cur.fetchall()
        count += len(rows)
        if len(rows) < STREAM_CHUNK:
            return count
        after = rows[-1][0]


class Counting(io.TextIOBase):
    """A null text file that counts the lines written to it."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:  # type: ignore[override]
        self.lines += text.count("\n")
        return len(text)

    def isatty(self) -> bool:
        return False


def cli_export(settings: Settings, target: Path) -> float:
    started = time.perf_counter()
    with target.open("wb") as out:
        done = subprocess.run([sys.executable, "-m", "interfaces.cli", "audit", "export", "--enterprise",
                               str(ENTERPRISE)], env=worker_env(settings), stdout=out, stderr=subprocess.PIPE,
                              check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise AssertionError(f"schedulax audit export failed:\n{done.stderr.decode()[-2000:]}")
    return seconds


def lines_of(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
    return count


@contextmanager
def store_of(args: argparse.Namespace, stack: ExitStack) -> Iterator[Settings]:
    """The store's settings: fresh and dropped afterwards, or kept under `--keep`."""
    if args.backend == "postgres":
        if args.keep:
            with connect() as conn:
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {args.keep}")
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            try:
                yield settings_for(args.keep, folder)
            finally:
                if args.drop:
                    with connect() as conn:
                        conn.execute(f"DROP SCHEMA IF EXISTS {args.keep} CASCADE")
        else:
            schema = stack.enter_context(fresh_schema("benchexport"))
            yield settings_for(schema, Path(stack.enter_context(tempfile.TemporaryDirectory())))
    elif args.keep:
        folder = Path(args.keep)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            yield settings_for(None, folder)
        finally:
            if args.drop:
                for path in sorted(folder.rglob("*"), reverse=True):
                    path.unlink() if path.is_file() else path.rmdir()
                folder.rmdir()
    else:
        yield settings_for(None, Path(stack.enter_context(tempfile.TemporaryDirectory())))


def prepare(args: argparse.Namespace, settings: Settings) -> None:
    """Generate the log and build the audit projection, unless a kept store has them."""
    events = SchedulaX(env=event_store_env(settings))
    try:
        head = events.recorder.max_notification_id() or 0
    finally:
        events.close()
    if head == 0:
        print(f"generating about {args.events:,} events ({args.backend}), one enterprise...", file=sys.stderr)
        made = generate_in_child(settings, args.events, args.seed)
        print(f"generated {made['count']:,} events in {made['seconds']:.1f} s", file=sys.stderr)
    events = SchedulaX(env=event_store_env(settings))
    store = read_store(settings)
    try:
        built = entries_built(store)
        if built and not args.rebuild:
            return
        if args.backend == "postgres":
            with store.write() as cur:
                cur.execute("ANALYZE schedulax_events")
        seconds = rebuild_alone(events, store, AuditProjection.name)
        print(f"audit projection built (staged rebuild) in {seconds:.1f} s", file=sys.stderr)
        if args.backend == "postgres":
            with store.write() as cur:
                cur.execute("ANALYZE au_entries")
    finally:
        store.close()
        events.close()


def entries_built(store: Any) -> bool:
    """Whether the audit projection has rows (a kept store built before)."""
    try:
        with store.read() as cur:
            cur.execute("SELECT COUNT(*) AS n FROM au_entries")
            return bool(cur.fetchone()["n"])
    except Exception:  # noqa: BLE001 - no table yet
        return False


def measure(args: argparse.Namespace, settings: Settings, folder: Path) -> None:
    load_before = os.getloadavg()[0]
    prepare(args, settings)
    events = SchedulaX(env=event_store_env(settings))
    store = read_store(settings)
    scope = HistoryScope(enterprise_id=ENTERPRISE)
    history = HistoryService(SqlAuditLog(store))  # type: ignore[arg-type]
    target = folder / "export.ndjson"
    times: dict[str, list[float]] = {"log": [], "rows": [], "export": [], "cli": []}
    counts: dict[str, int] = {}
    try:
        head = events.recorder.max_notification_id() or 0

        def record(name: str, count: int) -> None:
            if counts.setdefault(name, count) != count:
                raise AssertionError(f"{name}: {count} this run, {counts[name]} before")

        def in_process() -> None:
            out = Counting()
            export(history, scope, HistoryFilter(), out, open(os.devnull, "w"))
            record("export", out.lines)

        works: dict[str, Callable[[], Any]] = {
            "log": lambda: record("log", read_all(events, args.batch_size)),
            "rows": lambda: record("rows", read_entries(store, scope)),
            "export": in_process,
            "cli": lambda: cli_export(settings, target),
        }
        for run in range(args.runs):
            for name, work in works.items():
                times[name].append(timed(work))
            record("cli", lines_of(target))
            print(f"run {run + 1}: " + ", ".join(f"{name} {found[-1]:.2f} s" for name, found in times.items()),
                  file=sys.stderr)
        if counts["rows"] != counts["export"] or counts["export"] != counts["cli"]:
            raise AssertionError(f"entries differ: {counts}")
    finally:
        target.unlink(missing_ok=True)
        store.close()
        events.close()

    median = {name: statistics.median(found) for name, found in times.items()}
    entries = counts["export"]
    rate = {name: (counts["log"] if name == "log" else entries) / median[name] for name in median}
    print(f"## audit export, backend={args.backend}, a log of {head:,} events, enterprise {ENTERPRISE}:"
          f" {entries:,} entries (the shown ones), {args.runs} runs each")
    print()
    print("| measurement | median s | best s | rows or entries/s (median) | vs raw read of the log | vs raw read of"
          " the entries |")
    print("| --- | --- | --- | --- | --- | --- |")
    names = {
        "log": f"(a) raw read of the log, {counts['log']:,} rows",
        "rows": f"(b) raw read of the selected `au_entries` rows, {entries:,}",
        "export": "`audit_cli.export` in this process, to a null file",
        "cli": "`schedulax audit export --enterprise 1 > file`, own process",
    }
    for name, label in names.items():
        print(f"| {label} | {median[name]:.2f} | {min(times[name]):.2f} | {rate[name]:,.0f} |"
              f" {rate[name] / rate['log']:.2f} | {rate[name] / rate['rows']:.2f} |")
    print()
    print(f"Load average (1 min) of the shared machine: {load_before:.2f} at the start,"
          f" {os.getloadavg()[0]:.2f} at the end.")
    print(f"Goal: export >= 50,000 events/s over >= 1,000,000 events: the command {rate['cli']:,.0f} entries/s"
          f" ({head / median['cli']:,.0f} log events/s) -> {'met' if rate['cli'] >= 50_000 else 'NOT met'};"
          f" entries >= 1,000,000: {'yes' if entries >= 1_000_000 else 'no'} ({entries:,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=BATCH, help="rows per read of the log (baseline a)")
    parser.add_argument("--keep", default=None, help="a PostgreSQL schema or SQLite folder kept between runs")
    parser.add_argument("--drop", action="store_true", help="drop the kept store at the end")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the audit projection of a kept store")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        with store_of(args, stack) as settings:
            measure(args, settings, folder)


if __name__ == "__main__":
    main()
