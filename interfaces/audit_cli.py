"""`schedulax audit history | export`: the auditor's tools on the command line.

They read the audit read model through the same queries as the API (an operator's tools:
no caller, the scope is what the command names). On the embedded default the audit
projection is caught up first, as the API does when it starts; with projection workers
it is read as the workers keep it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TextIO

from application.history import HistoryService
from application.history_views import Entry, HistoryFilter, HistoryScope
from application.views import Page
from domain.errors import RuleViolation
from infrastructure.settings import Settings
from interfaces import chain_cli
from interfaces.history_filters import criteria_of
from interfaces.http.exports import ndjson_body
from projections.audit_queries import SqlAuditLog

AUDIT = "audit"


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `audit` group; each verb is a subparser of `verbs` (others add theirs the same way)."""
    parser = commands.add_parser("audit", help="the auditor's tools: history, exports, verifying the log")
    verbs = parser.add_subparsers(dest="verb", required=True)
    history = verbs.add_parser("history", help="a roster's history, as a table (or NDJSON with --json)")
    history.add_argument("--roster", type=int, required=True, help="roster id")
    _window(history)
    history.add_argument("--json", action="store_true", help="one JSON entry per line, as the API's export")
    export = verbs.add_parser("export", help="the audit log as NDJSON on stdout (a progress bar on a terminal)")
    export.add_argument("--enterprise", type=int, default=None, help="enterprise id (default: every enterprise)")
    _window(export)
    chain_cli.add_commands(verbs)


def _window(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=datetime.fromisoformat, default=None,
                        help="entries at or after this instant (ISO 8601; without a zone, UTC)")
    parser.add_argument("--until", type=datetime.fromisoformat, default=None,
                        help="entries strictly before this instant")


def main(args: argparse.Namespace) -> int:
    """`schedulax audit <verb>`: 0 done, 1 nothing to show (no such roster), 2 bad arguments."""
    return VERBS[args.verb](args)


def run_history(args: argparse.Namespace) -> int:
    criteria = _criteria(args)
    if criteria is None:
        return 2
    with open_history(Settings.from_env()) as history:
        return roster_history(history, args.roster, criteria, args.json, sys.stdout)


def run_export(args: argparse.Namespace) -> int:
    criteria = _criteria(args)
    if criteria is None:
        return 2
    with open_history(Settings.from_env()) as history:
        return export(history, HistoryScope(enterprise_id=args.enterprise), criteria, sys.stdout, sys.stderr)


VERBS: dict[str, Callable[[argparse.Namespace], int]] = {
    "history": run_history, "export": run_export, "verify": lambda args: chain_cli.main(args),
}
"""Each verb of the group and what runs it."""


def _criteria(args: argparse.Namespace) -> HistoryFilter | None:
    try:
        return criteria_of(args.since, args.until)
    except RuleViolation as error:
        print(f"error: {error.message}", file=sys.stderr)
        return None


@contextmanager
def open_history(settings: Settings) -> Iterator[HistoryService]:
    """The audit read model, caught up first unless projection workers keep it."""
    from interfaces.workers import open_runner

    events, store, runner = open_runner(settings, [AUDIT])
    try:
        if not settings.uses_projection_workers:
            runner.setup()
            runner.catch_up()
        yield HistoryService(SqlAuditLog(store))  # type: ignore[arg-type]
    finally:
        store.close()  # type: ignore[attr-defined]
        events.close()


def roster_history(history: HistoryService, roster_id: int, criteria: HistoryFilter, as_json: bool,
                   out: TextIO) -> int:
    if history.roster_owner(roster_id) is None:
        print(f"error: roster {roster_id} is not in the audit log", file=sys.stderr)
        return 1
    entries = history.stream(HistoryScope(roster_id=roster_id), criteria)
    if as_json:
        for chunk in ndjson_body(entries):
            out.write(chunk.decode())
        return 0
    out.write(f"{'sequence':>9}  {'occurred at':<24}  {'type':<24}  {'actor':<24}  summary\n")
    for entry in entries:
        out.write(table_row(entry))
    return 0


def table_row(entry: Entry) -> str:
    actor = (entry.actor.full_name or f"user #{entry.actor.id}") if entry.actor else "system"
    return f"{entry.sequence:>9}  {entry.occurred_at:<24}  {entry.type:<24}  {actor[:24]:<24}  {entry.summary}\n"


def export(history: HistoryService, scope: HistoryScope, criteria: HistoryFilter, out: TextIO,
           err: TextIO) -> int:
    """NDJSON on `out`; a tqdm bar on `err` only when it is a terminal (never in a pipe or a log)."""
    from tqdm import tqdm

    shown = err.isatty()
    # The bar's total costs a COUNT over the whole selection: only when there is a bar.
    total = history.page(scope, criteria, Page(number=1, size=1)).total if shown else None
    write = _bytes_writer(out)
    with tqdm(total=total, unit="entry", desc="export", file=err, disable=not shown) as bar:
        for chunk in ndjson_body(history.stream(scope, criteria)):
            write(chunk)
            if shown:
                bar.update(chunk.count(b"\n"))  # one line an entry: JSON escapes newlines in text
    return 0


def _bytes_writer(out: TextIO) -> Callable[[bytes], object]:
    """Writes UTF-8 bytes to `out`: straight to its binary buffer when it has one (stdout), which
    spares decoding each chunk to text for the text layer to encode it back."""
    buffer = getattr(out, "buffer", None)
    if buffer is None or (getattr(out, "encoding", "") or "").lower().replace("-", "") != "utf8":
        return lambda chunk: out.write(chunk.decode())
    out.flush()  # whatever the text layer holds goes first
    return buffer.write
