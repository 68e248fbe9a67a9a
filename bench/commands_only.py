"""Scenario 1 of the suite alone (create shift, assign, confirm), beside the bare save.

A quicker loop than the whole suite while working on the command path:
`python -m bench.commands_only --levels 1 8 32 --duration 6`. The ratio is the API's
command rate over the bare save's rate of the same run; the floor is the bare save plus the
wait for a minimal worker process to track it (bench/ryw_floor.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench import baselines, scenarios
from bench.stats import Measured
from bench.pg import fresh_schema, settings_for
from bench.seed import seed
from bench.servers import ROOT, free_port
from bench.stack import REDIS_URL, Stack, flush_redis, tokens_for, wait_caught_up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shifts", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=6.0)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--pgbench", action="store_true", help="also pgbench's insert (32 more connections)")
    args = parser.parse_args()
    if not args.pgbench:  # on a shared server its connections may not be there to take
        baselines.pgbench_insert = lambda *_, **__: Measured("pgbench insert (skipped)", 0, 0, 1.0, 0, 0, 0)
    out = ROOT / "bench" / "results" / "commands-only"
    out.mkdir(parents=True, exist_ok=True)
    with fresh_schema("cmds") as schema, tempfile.TemporaryDirectory() as data:
        flush_redis(REDIS_URL)
        settings = settings_for(schema, Path(data), projection_workers=True, redis_url=REDIS_URL)
        stack = Stack(settings, free_port(), args.api_workers, out)
        try:
            seeded = seed(stack.settings, shifts=args.shifts)
            stack.start_projections()
            wait_caught_up(schema)
            stack.start_api()
            users = [t["manager_id"] for t in seeded.teams] + [e for t in seeded.teams for e in t["employees"]]
            tokens = tokens_for(stack.settings, schema, users)
            rows = scenarios.commands(stack, seeded, tokens, args.levels, args.duration)
        finally:
            stack.stop()
    print(f"{'clients':>7} {'cmd/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'save/s':>8} {'save p99':>8} {'ratio':>6}"
          f" {'floor/s':>8} {'floor p99':>9} {'cmd/floor':>9} {'floor/save':>10}", file=sys.stderr)
    for row in rows:
        http, save, floor = row["http"], row["save"], row["floor"]
        print(f"{http.concurrency:>7} {http.rate:>8.0f} {http.p50_ms:>8.1f} {http.p99_ms:>8.1f} {save.rate:>8.0f}"
              f" {save.p99_ms:>8.1f} {http.rate / save.rate:>6.2f} {floor.rate:>8.0f} {floor.p99_ms:>9.1f}"
              f" {http.rate / floor.rate:>9.2f} {floor.rate / save.rate:>10.2f}", file=sys.stderr)
        for kind, m in http.extra.get("per_kind", {}).items():
            print(f"        {kind}: {m['count']} p50 {m['p50_ms']:.1f} ms p99 {m['p99_ms']:.1f} ms", file=sys.stderr)
        for sample in http.extra.get("samples", [])[:3]:
            print(f"        {sample['status']} {sample['kind']}: {sample['body'][:160]}", file=sys.stderr)


if __name__ == "__main__":
    main()
