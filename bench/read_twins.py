"""The four hot reads beside their lean twin, and nothing else of the suite: a quick before/after.

    python -m bench.read_twins [--shifts 5000] [--duration 4] [--rounds 2] [--profile DIR]

The Monday-morning reads alone exactly as `bench.scenarios.monday` runs them (same plans, 32
clients, ours/twin/twin/ours per read, CPU per request of the API processes and of the twin's),
on a smaller seed, without the commands, the mix, auto-assign or memory figures. `--rounds`
repeats the whole pass on the same servers, so a change is judged on two same-run ratios.
`--profile DIR` records a py-spy profile (raw, collapsed stacks) of one API worker and of one
twin worker under each read's load, for `py-spy record --format raw` style reading.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import baselines, scenarios
from bench.pg import fresh_schema, settings_for
from bench.seed import seed
from bench.servers import ROOT, CpuWatch, Running, descendants, free_port
from bench.stack import REDIS_URL, Stack, drive, flush_redis, tokens_for, wait_caught_up
from bench.suite import analyze


def read_plans(stack: Stack, seeded: Any, tokens: dict[str, str], duration: float) -> tuple[dict[str, Any], list]:
    """The base plan and the reads of `scenarios.monday` (same people sample, same weights)."""
    import random

    rng = random.Random(5)
    staffed = [t for t in seeded.teams if t["current_roster_id"]]
    people = [(e, t) for t in staffed for e in t["employees"]]
    sample = rng.sample(people, min(2000, len(people)))
    reads = [
        {"kind": "my-schedule", "as": [{"user": e, "path": "/api/employee/my-schedule"} for e, _ in sample]},
        {"kind": "shifts by roster", "as": [
            {"user": e, "path": f"/api/shifts/roster/{t['current_roster_id']}"} for e, t in sample]},
        {"kind": "roster listing", "as": [
            {"user": t["manager_id"], "path": "/api/rosters?page=1&limit=10"} for t in staffed]},
        {"kind": "notifications", "as": [
            {"user": e, "path": "/api/notifications?page=1&limit=20"} for e, _ in sample]},
    ]
    base = {"host": "127.0.0.1", "port": stack.port, "clients": 32, "duration": duration, "warmup": 1.0,
            "tokens": tokens, "workload": "monday", "command_share": 0.0,
            "slots": scenarios.command_slots(seeded, monday=True)}
    return base, reads


def profile(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["py-spy", "record", "--gil", "-r", "200", "-d", str(int(seconds)), "--format", "raw",
                             "-o", str(out), "-p", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def workers_of(root: int) -> list[int]:
    """uvicorn's worker processes under `root` (spawned children, not the resource tracker)."""
    found = []
    for pid in descendants(root):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            found.append(pid)
    return found


def profiled(stack: Stack, plan: dict[str, Any], read: dict[str, Any], twin_pid: int, twin_port: int,
             folder: Path, seconds: float = 8.0) -> None:
    """A longer load of each server, not measured, with py-spy on one of its workers."""
    folder.mkdir(parents=True, exist_ok=True)
    name = read["kind"].replace(" ", "_")
    for who, root, port in (("ours", stack.services["API process"].pids()[0], stack.port), ("twin", twin_pid, twin_port)):
        spy = profile(workers_of(root)[0], seconds - 1, folder / f"{name}-{who}.txt")
        # Through a file: a long run's result is too big for one read of a pipe.
        with tempfile.TemporaryFile() as out:
            subprocess.run([sys.executable, "-m", "bench.http_load"], input=json.dumps(
                {**plan, "port": port, "duration": seconds, "warmup": 0.5}).encode(), stdout=out, check=True)
            out.seek(0)
            result = json.loads(out.read())
        spy.wait()
        sent = sum(n for statuses in result["statuses"].values() for n in statuses.values())
        (folder / f"{name}-{who}.requests").write_text(f"{sent} {result['seconds']}")


def in_process(stack: Stack, tokens: dict[str, str], reads: list[dict[str, Any]], requests: int,
               rounds: int, profile: Path | None = None) -> None:
    """`bench.read_asgi` with the stack's settings: CPU per request inside each app."""
    plan = {"reads": reads, "tokens": tokens, "requests": requests, "rounds": rounds}
    command = [sys.executable, "-m", "bench.read_asgi"]
    if profile is not None:  # py-spy runs the driver: both apps' requests in one profile
        profile.mkdir(parents=True, exist_ok=True)
        command = ["py-spy", "record", "--gil", "-r", "500", "--format", "raw", "-o", str(profile / "asgi.txt"),
                   "--", *command]
    done = subprocess.run(command, input=json.dumps(plan).encode(),
                          env={**stack.env(), "PYTHONPATH": str(ROOT)}, capture_output=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench.read_asgi failed: {done.stderr.decode(errors='replace')[-3000:]}")
    for kind, figure in json.loads(done.stdout).items():
        print(f"in-process {kind:>17}: ours {figure['ours']:7.0f} us twin {figure['twin']:7.0f} us CPU/request,"
              f" {figure['ours'] - figure['twin']:+5.0f} us ({figure['twin'] / figure['ours']:.2f}x)", flush=True)


def show_answers(read: dict[str, Any], tokens: dict[str, str], port: int, twin_port: int) -> None:
    """Each server's status, headers and body size for the read's first caller (to stderr)."""
    import http.client

    who = read["as"][0]
    for name, at in (("ours", port), ("twin", twin_port)):
        conn = http.client.HTTPConnection("127.0.0.1", at, timeout=10)
        conn.request("GET", who["path"], headers={"Authorization": f"Bearer {tokens[str(who['user'])]}"})
        answer = conn.getresponse()
        body = answer.read()
        print(f"{read['kind']} {name}: {answer.status} {len(body)} bytes {answer.getheaders()}", file=sys.stderr)
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shifts", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per read and server, over two runs")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--kinds", nargs="*", default=None, help="only these reads (by kind)")
    parser.add_argument("--profile", type=Path, default=None, help="folder for py-spy raw profiles")
    parser.add_argument("--asgi", type=int, default=0, metavar="REQUESTS",
                        help="also the CPU per request inside each ASGI app, over this many requests a pass")
    parser.add_argument("--no-http", action="store_true", help="only the in-process figures (with --asgi)")
    args = parser.parse_args()
    with fresh_schema("reads") as schema, tempfile.TemporaryDirectory() as data:
        flush_redis()
        settings = settings_for(schema, Path(data), projection_workers=True, redis_url=REDIS_URL)
        stack = Stack(settings, free_port(), args.api_workers, Path(data))
        try:
            seeded = seed(settings, shifts=args.shifts)
            stack.start_projections()
            wait_caught_up(schema)
            analyze(schema)

            stack.start_api()
            users = [t["manager_id"] for t in seeded.teams] + [e for t in seeded.teams for e in t["employees"]]
            tokens = tokens_for(settings, schema, users)
            base, reads = read_plans(stack, seeded, tokens, args.duration)
            reads = [r for r in reads if args.kinds is None or r["kind"] in args.kinds]
            if args.asgi:
                in_process(stack, tokens, reads, args.asgi, args.rounds, args.profile)
            if args.no_http:
                return
            twin_port = free_port()
            with baselines.lean_twin_server(twin_port, stack.api_workers, stack.env()) as twin:
                for read in reads:
                    show_answers(read, tokens, stack.port, twin_port)
                for round_ in range(args.rounds):
                    for read in reads:
                        run_read(stack, base, read, twin.pid, twin_port, args, round_)
        finally:
            stack.stop()


def run_read(stack: Stack, base: dict[str, Any], read: dict[str, Any], twin_pid: int, twin_port: int,
             args: argparse.Namespace, round_: int) -> None:
    plan = {**base, "reads": [{**read, "weight": 1}], "duration": args.duration / 2}
    rates: dict[str, list[float]] = {"ours": [], "twin": []}
    cpu_ms: dict[str, list[float]] = {"ours": [], "twin": []}
    errors = 0
    for who in ("ours", "twin", "twin", "ours"):
        service = Running("twin", twin_pid) if who == "twin" else stack.services["API process"]
        with CpuWatch([service]) as cpu:
            result = drive({**plan, **({"port": twin_port} if who == "twin" else {})})
        sent = sum(n for statuses in result["statuses"].values() for n in statuses.values())
        errors += sum(n for s in result["statuses"].values() for st, n in s.items() if int(st) >= 400)
        ok = sum(len(v) for v in result["latencies"].values())
        rates[who].append(ok / result["seconds"])
        cpu_ms[who].append(1000 * sum(cpu.used.values()) / max(sent, 1))
    if args.profile is not None and round_ == 0:
        profiled(stack, plan, read, twin_pid, twin_port, args.profile)
    ours, twin = statistics.mean(rates["ours"]), statistics.mean(rates["twin"])
    print(f"round {round_ + 1} {read['kind']:>17}: ours {ours:7.0f}/s twin {twin:7.0f}/s ratio {ours / twin:.2f}x;"
          f" CPU ms/request {statistics.mean(cpu_ms['ours']):.2f} vs {statistics.mean(cpu_ms['twin']):.2f}"
          f"{f'; {errors} errors' if errors else ''}", flush=True)
    time.sleep(0.2)


if __name__ == "__main__":
    main()
    sys.exit(0)
