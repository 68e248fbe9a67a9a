"""Realtime delivery latency to many connected clients, and the memory of holding them.

    python -m bench.realtime_latency [--clients 1000] [--rounds 5] [--runs 1] [--socketio-share 0.5]
                                     [--client-procs 1] [--gc-freeze] [--py-spy DIR] [--logs DIR]
                                     [--out bench/results/realtime_latency.json]

Each run, all real processes on PostgreSQL and Redis (db 14), as production runs them: a
fresh schema (dropped afterwards); `python -m interfaces.cli projections run` (the
workers); two API processes (`uvicorn --factory interfaces.http.asgi:app`, the command
line of `tests/live.py`), each with its realtime gateway subscribed to the Redis channel.
Seeded over HTTP: one enterprise, one department with `--clients` employees and its
manager.

Clients (helper processes, see `bench/ws_clients.py`): the `--clients` employees, one
connection each, alternately on the two API processes; a `--socketio-share` of them
socket.io (`socketio.AsyncClient`, websocket transport), the rest plain websockets
(`websockets`, `/api/notifications/ws?token=`, offering permessage-deflate as browsers
do; `--compression none` not to). All in one asyncio process (uvloop) by default,
`--client-procs` to split them. Whether the clients kept up is reported per round: the
fleet's CPU share from its first to its last receipt (near 1.0: saturated, receipts
stamped late), its longest loop stall and its longest collector pause.

A round (`--rounds` per run): the manager creates a roster through one API process
(alternating), then publishes it (PATCH /api/rosters/{id}/status); every employee should
receive `new_notification` (type roster_published, data.roster_id = that roster), once.
Latency per client: receipt (stamped first thing in the client's handler) minus the
moment the PATCH response arrived (negative when the message came first: the command
waits for every projection, the notifications worker announces as soon as it commits);
also minus the moment the request was sent (the command, its commit and the projection
work included). A tap (one more Redis subscriber) stamps when the change payload reached
Redis subscribers. socket.io clients also get `roster_updated` (one message to the
department room), reported beside it.

Where the time goes, per round: CPU time used by each group of processes over the round
(from /proc, 10 ms ticks; PostgreSQL counts every backend on the server and "rest of the
machine" is everybody else, this machine being shared), and the API processes' garbage
collector pauses, logged by a start-up hook the bench puts on their PYTHONPATH
(`--no-gc-trace` not to; `--gc-freeze` to try gc.freeze() after start-up, an experiment,
not the product). `--py-spy DIR` profiles both API processes (py-spy --native) during the
rounds and the gateway replay and prints where their event loops spent their time.

Fan-out alone: after the rounds, the real roster_published bus payload is published again
on Redis `--rounds` times, with the clients as in the rounds ("gateway replay": no command
and no projection work competing).

Memory: VmRSS of each API process before any client connects (after seeding), then with
`--clients` idle connections all on process A (the goal's "one process holding 1,000"),
then, after those left, with the clients split over both processes, and after the rounds.
MB per 1,000 connections is (connected - before) / connections * 1000 (for A in the split,
"before" is after the single-process phase: its allocator keeps what it freed).

Baselines, same run, reported as ratios:
(a) Redis PUBLISH -> receive of the real bus payload (one publisher, one subscriber,
    redis-py asyncio, one process);
(b) raw fan-out: two bare `websockets` servers (one process each, uvloop), subscribed to a
    Redis channel, each sending each `new_notification` of the real bus payload (replayed)
    to its connections of that user (`websockets.broadcast`), to the same number of plain
    websocket clients in the same fleet; latency from PUBLISH to receipt.

Goals (issue): p99 latency from the command's response to receipt < 100 ms at 1,000
clients (0 missed); one API process holding 1,000 idle connections < 500 MB resident.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.pg import POSTGRES_URL, die_with_parent, fresh_schema, ms, percentile
from bench.pg import ratio as _ratio
from bench.projection_lag import NAMES, Workers
from bench.ws_clients import Child, Target, bare_main, fleet_main, now, rss_mb, tap_main
from tests.live import free_port, server_env, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("SCHEDULAX_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "correct-horse-9"
GOAL_P99 = 0.100
GOAL_MB = 500.0
SPY_RATE = 1000
"""py-spy samples per second, with C frames (uvloop, zlib, syscalls): py-spy pauses the process for each
sample, so the latencies of a profiled run are not comparable with those of a plain run."""


# -- the API processes --------------------------------------------------------------------------


@dataclass
class Api:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss(self) -> float:
        return rss_mb(self.pid)


def start_api(name: str, env: dict[str, str], log: Path) -> Api:
    """An API process with the command line of `tests.live.api_process` (we keep its pid)."""
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "interfaces.http.asgi:app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=die_with_parent,
        )
    return Api(name, f"http://127.0.0.1:{port}", process, log)


def wait_realtime(api: Api, timeout: float = 60) -> None:
    """Up, and its gateway subscribed to Redis (`checks.realtime == ok`)."""
    wait_until_up(api.url, api.process, timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        checks = httpx.get(api.url + "/health", timeout=5).json().get("checks", {})
        if checks.get("realtime") == "ok":
            return
        time.sleep(0.1)
    raise RuntimeError(f"{api.name}: realtime gateway not subscribed: {checks}")


def stop_api(api: Api) -> None:
    if api.process.poll() is None:
        api.process.send_signal(signal.SIGTERM)
        try:
            api.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            api.process.kill()
            api.process.wait(timeout=10)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# -- garbage collector pauses in the API processes (bench-side instrumentation) -------------------

GC_SITE = '''
"""Written by bench/realtime_latency.py: imported at start-up by the API processes it runs (PYTHONPATH).
Logs every collection of the cyclic garbage collector taking 1 ms or more, or of the oldest generation."""
import gc, os, sys, threading, time

_folder = os.environ["BENCH_GC_DIR"]
_log = open(os.path.join(_folder, "gc-%d.log" % os.getpid()), "a", buffering=1)
_started = [0.0]


def _callback(phase, info):
    if phase == "start":
        _started[0] = time.clock_gettime(time.CLOCK_MONOTONIC)
        return
    took = time.clock_gettime(time.CLOCK_MONOTONIC) - _started[0]
    if took >= 0.001 or info["generation"] == 2:
        _log.write("%.6f %.6f %d %d\\n" % (_started[0], took, info["generation"], info["collected"]))


gc.callbacks.append(_callback)

if os.environ.get("BENCH_GC_FREEZE"):
    def _freeze():
        # The experiment "freeze the start-up heap": once the app is up, move every object
        # alive to the permanent generation, so full collections no longer walk them.
        while "interfaces.realtime.gateway" not in sys.modules:
            time.sleep(0.2)
        time.sleep(float(os.environ["BENCH_GC_FREEZE"]))
        gc.collect()
        gc.freeze()
        _log.write("# frozen %d objects\\n" % gc.get_freeze_count())

    threading.Thread(target=_freeze, daemon=True).start()
'''


def gc_env(env: dict[str, str], folder: Path, freeze: bool) -> dict[str, str]:
    """`env` plus the start-up hook that logs collector pauses into `folder` (and freezes, if asked)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(GC_SITE)
    found = {**env, "BENCH_GC_DIR": str(folder),
             "PYTHONPATH": os.pathsep.join(p for p in (str(folder), env.get("PYTHONPATH", "")) if p)}
    if freeze:
        found["BENCH_GC_FREEZE"] = "3"
    return found


def gc_pauses(folder: Path, pid: int) -> list[tuple[float, float, int]]:
    """(start, seconds, generation) of each logged collection of process `pid`."""
    try:
        lines = (folder / f"gc-{pid}.log").read_text().splitlines()
    except OSError:
        return []
    return [(float(a), float(b), int(g)) for a, b, g, *_ in (line.split() for line in lines if line[:1] != "#")]


def gc_within(pauses: list[tuple[float, float, int]], start: float, end: float) -> tuple[float, float, int]:
    """Total and longest pause, and the number of full (generation 2) collections, in [start, end]."""
    inside = [(took, g) for at, took, g in pauses if start <= at <= end]
    return sum(t for t, _ in inside), max((t for t, _ in inside), default=0.0), sum(1 for _, g in inside if g == 2)


# -- CPU accounting ------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[str, int, float]]:
    """pid -> (command name, parent pid, CPU seconds used so far, all threads)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        comm = text[text.index("(") + 1:text.rindex(")")]
        rest = text[text.rindex(")") + 2:].split()
        found[int(entry)] = (comm, int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK)
    return found


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all CPUs), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


class CpuMeter:
    """CPU seconds per group of processes: named pids with their descendants, PostgreSQL and Redis
    by command name (every backend on the server, not only ours), the rest of the machine."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups

    def snapshot(self) -> tuple[float, dict[str, float]]:
        table = _proc_table()
        children: dict[int, list[int]] = {}
        for pid, (_, parent, _) in table.items():
            children.setdefault(parent, []).append(pid)
        used: dict[str, float] = {}
        claimed: set[int] = set()
        for name, roots in self.groups.items():
            stack, total = list(roots), 0.0
            while stack:
                pid = stack.pop()
                if pid in table and pid not in claimed:
                    claimed.add(pid)
                    total += table[pid][2]
                    stack.extend(children.get(pid, []))
            used[name] = total
        for name, comm in (("PostgreSQL (all backends)", "postgres"), ("Redis", "redis-server")):
            used[name] = sum(c for pid, (n, _, c) in table.items() if n == comm and pid not in claimed)
        return _machine_busy(), used

    @staticmethod
    def delta(before: tuple[float, dict[str, float]], after: tuple[float, dict[str, float]]) -> dict[str, float]:
        found = {name: after[1][name] - before[1].get(name, 0.0) for name in after[1]}
        found["rest of the machine"] = (after[0] - before[0]) - sum(found.values())
        found["machine total"] = after[0] - before[0]
        return found


# -- seeding over HTTP ------------------------------------------------------------------------


@dataclass
class Seeded:
    enterprise_id: int
    department_id: int
    manager: str
    employees: list[tuple[int, str]]
    """(user id, access token) per employee."""
    seconds: float


async def seed(apis: Sequence[Api], employees: int, concurrency: int) -> Seeded:
    started = now()
    async with httpx.AsyncClient(timeout=60) as http:

        async def call(method: str, url: str, body: dict[str, Any], token: str | None = None,
                       expect: tuple[int, ...] = (200, 201, 202)) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = await http.request(method, url, json=body, headers=headers)
            if response.status_code not in expect:
                raise RuntimeError(f"{method} {url} -> {response.status_code}: {response.text[:300]}")
            return response.json()

        a = apis[0].url
        root = (await call("POST", a + "/api/auth/create-system-admin",
                           {"full_name": "Root", "email": "root@bench.test", "password": PASSWORD}))["token"]
        enterprise = (await call("POST", a + "/api/enterprises", {"name": "Bench Corp"}, root))["enterprise"]["id"]
        department = (await call("POST", a + "/api/departments", {"name": "Ops", "enterprise_id": enterprise},
                                 root))["department"]["id"]
        gate = asyncio.Semaphore(concurrency)

        async def user(index: int, role: str) -> tuple[int, str]:
            base = apis[index % len(apis)].url
            email = f"{role}{index}@bench.test"
            async with gate:
                made = await call("POST", base + "/api/users", {
                    "full_name": f"{role.title()} {index}", "email": email, "password": PASSWORD, "role": role,
                    "enterprise_id": enterprise, "department_id": department,
                }, root)
                for attempt in range(50):  # a 202 (read models behind) is not yet loginable
                    try:
                        token = (await call("POST", base + "/api/auth/login",
                                            {"email": email, "password": PASSWORD}, expect=(200,)))["token"]
                        return int(made["user"]["id"]), token
                    except RuntimeError:
                        if attempt == 49:
                            raise
                        await asyncio.sleep(0.1)
            raise AssertionError("unreachable")

        _, manager = await user(0, "manager")
        staff = await asyncio.gather(*(user(i, "employee") for i in range(employees)))
    return Seeded(enterprise, department, manager, list(staff), now() - started)


# -- rounds ---------------------------------------------------------------------------------------


@dataclass
class Round:
    number: int
    api: str
    roster_id: int
    status: int
    sent: float
    response: float
    bus: float | None
    """When the tap saw the roster_published payload (None: not seen)."""
    bus_updated: float | None
    """When the tap saw the roster_updated payload."""
    payload_bytes: int
    notified: list[float | None]
    """Receipt of new_notification, per client (None: missed)."""
    updated: list[float | None]
    """Receipt of roster_updated, per socket.io client (None for plain websocket clients)."""
    kinds: list[str]
    servers: list[str]
    closed: int
    duplicates: int
    """Receipts of a message a client already had (twice the same, or another user's)."""
    fleet_cpu: list[float]
    fleet_stall: list[float]
    fleet_gc: list[float]
    cpu: dict[str, float]
    """CPU seconds used per group of processes from just before the request to the last receipt (+ settle)."""
    window: float
    """That window's length, seconds."""
    gc: dict[str, tuple[float, float, int]]
    """Per API process, collector pauses in that window: total, longest (seconds), full collections."""

    def latencies(self, since: float, which: str = "n", kind: str | None = None,
                  server: str | None = None) -> list[float]:
        values = self.notified if which == "n" else self.updated
        return [t - since for t, k, s in zip(values, self.kinds, self.servers, strict=True)
                if t is not None and (kind is None or k == kind) and (server is None or s == server)]

    @property
    def missed(self) -> int:
        return sum(1 for t in self.notified if t is None)

    @property
    def missed_updated(self) -> int:
        return sum(1 for t, k in zip(self.updated, self.kinds, strict=True) if k == "sio" and t is None)


class Fleets:
    """The client processes; targets are dealt round-robin."""

    def __init__(self, count: int) -> None:
        self.children = [Child(fleet_main, name=f"fleet-{i}") for i in range(count)]

    @property
    def loop(self) -> str:
        return self.children[0].hello["loop"]

    def _all(self, *command: Any, parts: Sequence[Any] | None = None, timeout: float = 600) -> list[Any]:
        for i, child in enumerate(self.children):
            child.pipe.send((command[0], parts[i], *command[1:]) if parts is not None else command)
        answers = []
        for child in self.children:
            answers.append(child._answer(timeout))  # noqa: SLF001
        return answers

    def connect(self, targets: Sequence[Target], concurrency: int, compression: str | None) -> dict[str, Any]:
        n = len(self.children)
        parts = [list(targets[i::n]) for i in range(n)]
        started = now()
        answers = self._all("connect", max(concurrency // n, 1), compression, parts=parts)
        failures = [f for a in answers for f in a["failures"]]
        connected = sum(a["connected"] for a in answers)
        if connected != len(targets):
            raise RuntimeError(f"{connected} of {len(targets)} clients connected; e.g. {failures[:3]}")
        return {"connected": connected, "seconds": now() - started}

    def disconnect(self) -> None:
        self._all("disconnect")

    def mark(self, keys: list[tuple[str, int]]) -> None:
        self._all("mark", keys)

    def collect(self, keys: list[tuple[str, int]], timeout: float, settle: float) -> dict[str, Any]:
        answers = self._all("collect", keys, timeout, settle)
        merged: dict[str, Any] = {"times": {}, "kinds": [], "urls": [], "closed": [], "cpu": [], "stall": [],
                                  "gc": [], "duplicates": 0}
        for a in answers:
            for key, values in a["times"].items():
                merged["times"].setdefault(key, []).extend(values)
            merged["kinds"] += a["kinds"]
            merged["urls"] += a["urls"]
            merged["closed"] += a["closed"]
            merged["cpu"].append(a["cpu_share"])
            merged["stall"].append(a["stall_max"])
            merged["gc"].append(a["gc_max"])
            merged["duplicates"] += a["duplicates"]
        return merged

    def rss(self) -> list[float]:
        return [a["rss_mb"] for a in self._all("rss")]

    def close(self) -> None:
        for child in self.children:
            child.close()


def targets_for(args: argparse.Namespace, seeded: Seeded, urls: Sequence[str]) -> list[Target]:
    """Client i on urls[i % len(urls)]; on each server, a `--socketio-share` of them socket.io (spread evenly)."""
    found = []
    share = args.socketio_share
    for i, (user_id, token) in enumerate(seeded.employees):
        j = i // len(urls)
        kind = "sio" if math.floor((j + 1) * share) > math.floor(j * share) else "ws"
        found.append(Target(kind, urls[i % len(urls)], token, user_id))
    return found


def tap_times(tap: Child, roster_id: int, timeout: float) -> tuple[float | None, float | None, int]:
    """When the tap saw the roster_published and roster_updated payloads of `roster_id`; that payload's size."""
    deadline = now() + timeout
    published = updated = None
    size = 0
    while now() < deadline:
        seen = tap.ask("seen")["seen"]
        for at, length, rosters, updates in seen:
            if roster_id in rosters and published is None:
                published, size = at, length
            if roster_id in updates and updated is None:
                updated = at
        if published is not None and updated is not None:
            break
        time.sleep(0.05)
    return published, updated, size


GcProbe = Callable[[float, float], dict[str, tuple[float, float, int]]]
"""Collector pauses per API process within a time window (see `gc_within`)."""


def play_round(args: argparse.Namespace, number: int, api: Api, http: httpx.Client, seeded: Seeded,
               fleets: Fleets, tap: Child, names: dict[str, str], meter: CpuMeter, probe: GcProbe) -> Round:
    manager = {"Authorization": f"Bearer {seeded.manager}"}
    month = number % 12 + 1
    year = 2030 + number // 12
    made = http.post(api.url + "/api/rosters", headers=manager, json={
        "name": f"Bench round {number}", "department_id": seeded.department_id,
        "start_date": date(year, month, 1).isoformat(), "end_date": date(year, month, 28).isoformat(),
    })
    if made.status_code not in (200, 201, 202):
        raise RuntimeError(f"create roster -> {made.status_code}: {made.text[:300]}")
    roster_id = int(made.json()["roster"]["id"])
    time.sleep(args.quiet)  # the draft's own messages (to the planners) pass
    keys = [("n", roster_id), ("r", roster_id)]
    fleets.mark(keys)
    cpu_before = meter.snapshot()
    sent = now()
    response = http.patch(api.url + f"/api/rosters/{roster_id}/status", headers=manager,
                          json={"status": "published"})
    answered = now()
    if response.status_code not in (200, 202):
        raise RuntimeError(f"publish -> {response.status_code}: {response.text[:300]}")
    found = fleets.collect(keys, args.timeout, args.settle)
    cpu_after, ended = meter.snapshot(), now()
    bus, bus_updated, size = tap_times(tap, roster_id, 5)
    kinds = found["kinds"]
    return Round(
        number=number, api=api.name, roster_id=roster_id, status=response.status_code, sent=sent,
        response=answered, bus=bus, bus_updated=bus_updated, payload_bytes=size,
        notified=found["times"][f"n:{roster_id}"],
        updated=[t if k == "sio" else None for t, k in zip(found["times"][f"r:{roster_id}"], kinds, strict=True)],
        kinds=kinds, servers=[names[u] for u in found["urls"]],
        closed=sum(1 for c in found["closed"] if c), duplicates=found["duplicates"], fleet_cpu=found["cpu"],
        fleet_stall=found["stall"], fleet_gc=found["gc"], cpu=CpuMeter.delta(cpu_before, cpu_after),
        window=ended - sent, gc=probe(sent, ended),
    )


# -- baselines ------------------------------------------------------------------------------------


def redis_round_trips(payload: bytes, samples: int, channel: str) -> list[float]:
    """PUBLISH -> receive of `payload`, one publisher and one subscriber (redis-py asyncio), one process."""
    import redis.asyncio as aioredis

    async def measure() -> list[float]:
        publisher = aioredis.Redis.from_url(REDIS_URL)
        subscriber = aioredis.Redis.from_url(REDIS_URL)
        pubsub = subscriber.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(channel)
        found = []
        try:
            for i in range(samples + 10):
                started = now()
                await publisher.publish(channel, payload)
                deadline = started + 5
                while True:  # None also stands for the (ignored) subscribe confirmation
                    message = await pubsub.get_message(timeout=max(deadline - now(), 0.001))
                    if message is not None and message["type"] == "message":
                        break
                    if now() > deadline:
                        raise RuntimeError("Redis baseline: no message within 5 s")
                if i >= 10:  # warm-up
                    found.append(now() - started)
                await asyncio.sleep(0.002)
        finally:
            await pubsub.aclose()
            await subscriber.aclose()
            await publisher.aclose()
        return found

    return asyncio.run(measure())


def replay(sample: bytes, marker: int) -> bytes:
    """The real roster_published payload with its roster id replaced by `marker`."""
    messages = json.loads(sample)
    for m in messages:
        data = m.get("data") or {}
        if m.get("event") == "new_notification" and data.get("type") == "roster_published":
            data["data"]["roster_id"] = marker
    return json.dumps(messages, separators=(",", ":")).encode()


@dataclass
class Replay:
    """The real roster_published payload published again on a Redis channel, round after round:
    fan-out alone, without the command and the projection work."""

    latencies: list[list[float]]
    """Per round, PUBLISH -> receipt per client."""
    missed: int
    duplicates: int
    cpu: list[dict[str, float]]
    windows: list[float]
    gc: list[dict[str, tuple[float, float, int]]]
    fleet_cpu: list[float]
    fleet_stall: list[float]

    @property
    def pooled(self) -> list[float]:
        return [x for lat in self.latencies for x in lat]


def replay_rounds(args: argparse.Namespace, channel: str, sample: bytes, fleets: Fleets, meter: CpuMeter,
                  first_marker: int, probe: GcProbe | None = None) -> Replay:
    publisher = redis.Redis.from_url(REDIS_URL)
    found_all = Replay([], 0, 0, [], [], [], [], [])
    try:
        for r in range(args.rounds):
            marker = first_marker - r
            payload = replay(sample, marker)
            keys = [("n", marker)]
            fleets.mark(keys)
            time.sleep(args.quiet)
            before = meter.snapshot()
            published = now()
            publisher.publish(channel, payload)
            found = fleets.collect(keys, args.timeout, args.settle)
            after, ended = meter.snapshot(), now()
            times = found["times"][f"n:{marker}"]
            found_all.latencies.append([t - published for t in times if t is not None])
            found_all.missed += sum(1 for t in times if t is None)
            found_all.duplicates += found["duplicates"]
            found_all.cpu.append(CpuMeter.delta(before, after))
            found_all.windows.append(ended - published)
            found_all.gc.append(probe(published, ended) if probe else {})
            found_all.fleet_cpu += found["cpu"]
            found_all.fleet_stall += found["stall"]
            time.sleep(args.gap)
    finally:
        publisher.close()
    return found_all


@dataclass
class RawFanout:
    replay: Replay
    rss_before: list[float]
    rss_connected: list[float]
    connections: int
    fanout_seconds: list[float]
    """Per server and round: decode + send to all its connections, inside the server."""


def raw_fanout(args: argparse.Namespace, sample: bytes, seeded: Seeded, fleets: Fleets, schema: str,
               groups: dict[str, list[int]]) -> RawFanout:
    channel = f"bench:{schema}:raw"
    servers = []
    try:
        ports = [free_port() for _ in range(2)]
        for i, port in enumerate(ports):
            servers.append(Child(bare_main, port, REDIS_URL, channel, name=f"bare-{i}"))
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        rss_before = [rss_mb(s.pid) for s in servers]
        targets = [Target("bare", t.url, t.token, t.user_id)
                   for t in targets_for(args, seeded, urls)]
        fleets.connect(targets, args.connect_concurrency, args.compression)
        time.sleep(args.idle)
        rss_connected = [rss_mb(s.pid) for s in servers]
        meter = CpuMeter({"servers": [s.pid for s in servers], **groups})
        played = replay_rounds(args, channel, sample, fleets, meter, -1)
        fanouts = [s.ask("fanouts")["fanouts"] for s in servers]
        fleets.disconnect()
        return RawFanout(played, rss_before, rss_connected, len(targets),
                         [end - start for f in fanouts for start, end, _ in f])
    finally:
        for s in servers:
            s.close()


# -- profiling ------------------------------------------------------------------------------------


def start_py_spy(folder: Path, api: Api, run: int,
                 phase: str = "rounds") -> tuple[subprocess.Popen[bytes], Path] | None:
    if not folder:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"run{run}-{phase}-api-{api.name}.txt"
    process = subprocess.Popen(
        ["py-spy", "record", "--pid", str(api.pid), "--rate", str(SPY_RATE),
         "--native", "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=die_with_parent,
    )
    return process, out


def stop_py_spy(spy: tuple[subprocess.Popen[bytes], Path] | None) -> Path | None:
    if spy is None:
        return None
    process, out = spy
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
    return out


IDLE = ("epoll_wait", "epoll_pwait", "select", "poll (")
"""Leaf frames of a thread waiting for I/O (kept out of a --native profile)."""


def profile_summary(path: Path, top: int = 15) -> list[str]:
    """Where the event loop thread of an API process spent its busy samples (py-spy raw profile):
    top functions by own samples and by inclusive samples (those under every sample left out)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = threads = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        threads += n
        if "Runner.run (" not in stack:  # not the event loop thread (anyio workers, psycopg pool, ...)
            continue
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        if frames[-1].startswith(IDLE):
            continue
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return [f"{path.name}: no event loop samples"]
    lines = [f"{path.name}: {total} busy samples of the event loop thread ({SPY_RATE}/s;"
             f" {threads} samples of all threads)", "", "| own % | function |", "| --- | --- |"]
    lines += [f"| {100 * n / total:.1f} | `{f}` |" for f, n in own.most_common(top)]
    lines += ["", "| inclusive % | function |", "| --- | --- |"]
    lines += [f"| {100 * n / total:.1f} | `{f}` |" for f, n in inclusive.most_common()
              if n < total][:top * 2]
    return lines


# -- one run ----------------------------------------------------------------------------------


@dataclass
class Run:
    rounds: list[Round]
    redis_rtt: list[float]
    raw: RawFanout | None
    gateways: Replay | None
    """The same replay through the API processes' gateways, clients as in the rounds."""
    memory: dict[str, Any]
    seed_seconds: float
    connect_seconds: dict[str, float]
    load: tuple[float, float]
    payload_bytes: int
    fleet_loop: str
    fleet_rss: list[float]
    profiles: list[str]


def one_run(args: argparse.Namespace, number: int) -> Run:
    load_before = os.getloadavg()[0]
    with fresh_schema("benchrt") as schema, tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        env = server_env(tmp, database_url=POSTGRES_URL, database_schema=schema, redis_url=REDIS_URL,
                         jwt_secret="bench-realtime-latency-secret-0123456789")
        channel = f"schedulax:{schema}:changes"
        workers = Workers(env, tmp / "workers.log")
        gc_folder = tmp / "gc"
        api_env = gc_env(env, gc_folder, args.gc_freeze) if args.gc_trace or args.gc_freeze else env
        apis: list[Api] = []
        fleets: Fleets | None = None
        tap: Child | None = None
        try:
            workers.start()
            apis = [start_api("A", api_env, tmp / "api-A.log"), start_api("B", api_env, tmp / "api-B.log")]

            def probe(start: float, end: float) -> dict[str, tuple[float, float, int]]:
                time.sleep(0.01)  # the last lines reach the logs
                return {api.name: gc_within(gc_pauses(gc_folder, api.pid), start, end) for api in apis}

            for api in apis:
                wait_realtime(api)
            workers.wait_started(NAMES)
            tap = Child(tap_main, REDIS_URL, channel, name="tap")
            fleets = Fleets(args.client_procs)
            seeded = asyncio.run(seed(apis, args.clients, args.seed_concurrency))
            print(f"run {number}: seeded {args.clients} employees in {seeded.seconds:.1f} s", file=sys.stderr)
            time.sleep(args.idle)
            names = {api.url: api.name for api in apis}
            memory: dict[str, Any] = {"before": {api.name: api.rss() for api in apis}}
            connect_seconds: dict[str, float] = {}

            if not args.skip_single:
                # One process holding every connection, idle.
                done = fleets.connect(targets_for(args, seeded, [apis[0].url]), args.connect_concurrency,
                                      args.compression)
                connect_seconds["all on A"] = done["seconds"]
                time.sleep(args.idle)
                memory["single"] = {"A": apis[0].rss(), "connections": args.clients}
                fleets.disconnect()
                time.sleep(args.idle)
                memory["single_after_disconnect"] = {"A": apis[0].rss()}
                print(f"run {number}: {args.clients} idle connections on A: {memory['single']['A']:.0f} MB"
                      f" (before {memory['before']['A']:.0f} MB)", file=sys.stderr)

            targets = targets_for(args, seeded, [api.url for api in apis])
            done = fleets.connect(targets, args.connect_concurrency, args.compression)
            connect_seconds["split"] = done["seconds"]
            time.sleep(args.idle)
            memory["connected"] = {api.name: api.rss() for api in apis}
            memory["split_connections"] = {api.name: sum(1 for t in targets if t.url == api.url) for api in apis}
            fleet_rss = fleets.rss()
            meter = CpuMeter({
                "API A": [apis[0].pid], "API B": [apis[1].pid],
                "projection workers": [workers.process.pid] if workers.process else [],
                "client fleet(s)": [c.pid for c in fleets.children], "tap": [tap.pid],
                "bench (this process)": [os.getpid()],
            })
            spies = [start_py_spy(args.py_spy, api, number) for api in apis] if args.py_spy else []
            rounds = []
            try:
                for r in range(args.rounds):
                    api = apis[r % len(apis)]
                    with httpx.Client(timeout=60) as http:
                        http.get(api.url + "/health")  # a warm keep-alive connection for the timed PATCH
                        played = play_round(args, r, api, http, seeded, fleets, tap, names, meter, probe)
                    rounds.append(played)
                    got = played.latencies(played.response)
                    print(f"run {number} round {r} via {api.name}: command "
                          f"{(played.response - played.sent) * 1000:.0f} ms, p50 {ms(percentile(got, 50))} ms,"
                          f" p99 {ms(percentile(got, 99))} ms, missed {played.missed}", file=sys.stderr)
                    time.sleep(args.gap)
            finally:
                profiles = [str(p) for p in (stop_py_spy(s) for s in spies) if p is not None]
            memory["after_rounds"] = {api.name: api.rss() for api in apis}
            sample = tap.ask("sample")["sample"]
            size = len(sample) if sample else 0
            gateways = None
            if sample and not args.skip_raw:
                spies = [start_py_spy(args.py_spy, api, number, "replay") for api in apis] if args.py_spy else []
                try:
                    gateways = replay_rounds(args, channel, sample, fleets, meter, -1000, probe)
                finally:
                    profiles += [str(p) for p in (stop_py_spy(s) for s in spies) if p is not None]
            fleets.disconnect()
            rtt = redis_round_trips(sample or b"x" * 1000, args.baseline_samples, f"bench:{schema}:rtt")
            groups = {"client fleet(s)": [c.pid for c in fleets.children], "bench (this process)": [os.getpid()]}
            raw = raw_fanout(args, sample, seeded, fleets, schema, groups) if sample and not args.skip_raw else None
            return Run(rounds, rtt, raw, gateways, memory, seeded.seconds, connect_seconds,
                       (load_before, os.getloadavg()[0]), size, fleets.loop, fleet_rss, profiles)
        except BaseException:
            for api in apis:
                print(f"--- api {api.name} log:\n{tail(api.log)}", file=sys.stderr)
            print(f"--- workers log:\n{workers.tail()}", file=sys.stderr)
            raise
        finally:
            if fleets is not None:
                fleets.close()
            if tap is not None:
                tap.close()
            for api in apis:
                stop_api(api)
            workers.stop()
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for log in [api.log for api in apis] + [tmp / "workers.log", *sorted(gc_folder.glob("gc-*.log"))]:
                    if log.exists():
                        shutil.copy(log, args.logs / f"run{number}-{log.name}")


# -- report -----------------------------------------------------------------------------------


def ratio(value: float, baseline: float) -> str:
    """As bench.pg's, but a negative latency (the message came before the response) has no ratio."""
    return "n/a (<0)" if value < 0 else _ratio(value, baseline)


def med(values: Sequence[float]) -> float:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(values) if values else math.nan


def pooled(run: Run, since: str = "response", which: str = "n", kind: str | None = None,
           server: str | None = None, no_full_gc: bool = False) -> list[float]:
    """Latencies of every client in every round of the run, from `since` (response | sent | bus)."""
    found: list[float] = []
    for r in run.rounds:
        if no_full_gc and any(f for _, _, f in r.gc.values()):
            continue
        origin = {"response": r.response, "sent": r.sent,
                  "bus": r.bus if which == "n" else r.bus_updated}[since]
        if origin is None:
            continue
        if server == "same":
            found += r.latencies(origin, which, kind, r.api)
        elif server == "other":
            for other in sorted(set(r.servers) - {r.api}):
                found += r.latencies(origin, which, kind, other)
        else:
            found += r.latencies(origin, which, kind)
    return found


def stats(values: Sequence[float]) -> tuple[float, float, float, float]:
    return (percentile(values, 50), percentile(values, 90), percentile(values, 99), max(values, default=math.nan))


def to_json(args: argparse.Namespace, runs: Sequence[Run]) -> dict[str, Any]:
    def s(values: Sequence[float]) -> dict[str, float | None]:
        p50, p90, p99, top = stats(values)
        return {k: (None if math.isnan(v) else round(v * 1000, 3))
                for k, v in (("p50_ms", p50), ("p90_ms", p90), ("p99_ms", p99), ("max_ms", top))}

    def replay_json(played: Replay) -> dict[str, Any]:
        return {"from_publish": s(played.pooled), "missed": played.missed, "duplicates": played.duplicates,
                "rounds": [{"from_publish": s(lat), "window_ms": round(w * 1000, 1),
                            "cpu_ms": {k: round(v * 1000, 1) for k, v in c.items()},
                            "api_gc": {k: {"total_ms": round(t * 1000, 2), "longest_ms": round(m * 1000, 2), "full": f}
                                       for k, (t, m, f) in g.items()}}
                           for lat, w, c, g in zip(played.latencies, played.windows, played.cpu, played.gc,
                                                   strict=True)]}

    out_runs = []
    for run in runs:
        out_runs.append({
            "load_avg": run.load, "seed_seconds": run.seed_seconds, "connect_seconds": run.connect_seconds,
            "payload_bytes": run.payload_bytes, "fleet_loop": run.fleet_loop, "fleet_rss_mb": run.fleet_rss,
            "from_response": s(pooled(run)), "from_sent": s(pooled(run, "sent")), "from_bus": s(pooled(run, "bus")),
            "roster_updated_from_response": s(pooled(run, which="r")),
            "by_kind": {k: s(pooled(run, kind=k)) for k in ("ws", "sio")},
            "by_server": {k: s(pooled(run, server=k)) for k in ("same", "other")},
            "missed": sum(r.missed for r in run.rounds),
            "missed_roster_updated": sum(r.missed_updated for r in run.rounds),
            "rounds": [{
                "api": r.api, "roster_id": r.roster_id, "status": r.status,
                "command_ms": round((r.response - r.sent) * 1000, 3),
                "bus_after_response_ms": None if r.bus is None else round((r.bus - r.response) * 1000, 3),
                "payload_bytes": r.payload_bytes, "missed": r.missed, "closed": r.closed, "duplicates": r.duplicates,
                "fleet_cpu_share": r.fleet_cpu, "fleet_stall_max_ms": [x * 1000 for x in r.fleet_stall],
                "fleet_gc_max_ms": [x * 1000 for x in r.fleet_gc],
                "from_response": s(r.latencies(r.response)),
                "window_ms": round(r.window * 1000, 1),
                "cpu_ms": {k: round(v * 1000, 1) for k, v in r.cpu.items()},
                "api_gc": {k: {"total_ms": round(t * 1000, 2), "longest_ms": round(m * 1000, 2), "full": f}
                           for k, (t, m, f) in r.gc.items()},
            } for r in run.rounds],
            "redis_rtt": s(run.redis_rtt),
            "raw_fanout": None if run.raw is None else {
                **replay_json(run.raw.replay),
                "rss_before_mb": run.raw.rss_before, "rss_connected_mb": run.raw.rss_connected,
                "connections": run.raw.connections,
                "server_fanout_ms": [round(x * 1000, 3) for x in run.raw.fanout_seconds],
            },
            "gateway_replay": None if run.gateways is None else replay_json(run.gateways),
            "memory_mb": run.memory,
            "profiles": run.profiles,
        })
    return {"args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "runs": out_runs}


def gc_summary(found: Sequence[dict[str, tuple[float, float, int]]]) -> str:
    """Median per round of the total pause of both API processes, and the longest pause of all rounds."""
    found = [f for f in found if f]
    if not found:
        return "-"
    totals = [sum(t for t, _, _ in f.values()) for f in found]
    longest = max(m for f in found for _, m, _ in f.values())
    full = sum(n for f in found for _, _, n in f.values())
    return f"{med(totals) * 1000:.0f} ({longest * 1000:.0f}); {full} full in {len(found)} rounds"


def gc_cell(found: dict[str, tuple[float, float, int]]) -> str:
    """`A 12/10 B 0/0 (1 full)`: total / longest collector pause (ms) per API process."""
    if not found:
        return "n/a"
    full = sum(f for _, _, f in found.values())
    return " ".join(f"{name} {t * 1000:.0f}/{m * 1000:.0f}" for name, (t, m, _) in found.items()) + (
        f" ({full} full)" if full else "")


def per_1000(connected: float, before: float, connections: int) -> float:
    return (connected - before) / connections * 1000 if connections else math.nan


def report(args: argparse.Namespace, runs: Sequence[Run]) -> None:
    n = args.clients
    sio = round(n * args.socketio_share)
    first = runs[0]
    print(f"realtime delivery latency: {n} clients ({n - sio} plain websocket on /api/notifications/ws,"
          f" ~{sio} socket.io), split over 2 API processes; {args.rounds} rounds x {len(runs)} run(s);"
          f" clients in {args.client_procs} process(es) ({first.fleet_loop}); {os.cpu_count()} CPUs;"
          f" ws compression={args.compression or 'none'}")
    print(f"roster_published bus payload: {first.payload_bytes:,} bytes; seeding {first.seed_seconds:.0f} s;"
          f" connecting: " + ", ".join(f"{k} {v:.1f} s" for k, v in first.connect_seconds.items()))
    print()
    print("Per round (latency = receipt of new_notification at each client - the PATCH response)")
    print()
    print("| run | round | via | status | command ms (sent->response) | bus seen - response ms |"
          " p50 ms | p90 ms | p99 ms | max ms | missed | closed | duplicates | API GC pauses total/longest ms |"
          " fleet CPU share while receiving | fleet loop stall max ms | fleet GC pause max ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, run in enumerate(runs, 1):
        for r in run.rounds:
            p50, p90, p99, top = stats(r.latencies(r.response))
            bus = "n/a" if r.bus is None else ms(r.bus - r.response)
            print(f"| {i} | {r.number} | {r.api} | {r.status} | {ms(r.response - r.sent)} | {bus} | {ms(p50)} |"
                  f" {ms(p90)} | {ms(p99)} | {ms(top)} | {r.missed} | {r.closed} | {r.duplicates} | {gc_cell(r.gc)} |"
                  f" {'/'.join(f'{c:.2f}' for c in r.fleet_cpu)} |"
                  f" {'/'.join(ms(s) for s in r.fleet_stall)} | {'/'.join(ms(g) for g in r.fleet_gc)} |")
    print()
    print(f"Latency over all clients and rounds: median over {len(runs)} run(s) of each run's percentile")
    print()
    print("| measured | from | p50 ms | p90 ms | p99 ms | max ms | missed (all runs) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    rows = [
        ("new_notification, all clients", "response", dict()),
        ("new_notification, all clients", "request sent", dict(since="sent")),
        ("new_notification, all clients", "bus payload seen by tap", dict(since="bus")),
        ("new_notification, plain websocket", "response", dict(kind="ws")),
        ("new_notification, socket.io", "response", dict(kind="sio")),
        ("new_notification, on the process that ran the command", "response", dict(server="same")),
        ("new_notification, on the other process", "response", dict(server="other")),
        ("roster_updated (socket.io, department room)", "response", dict(which="r")),
        ("new_notification, rounds without a full collection in an API process", "response",
         dict(no_full_gc=True)),
    ]
    every = [r for run in runs for r in run.rounds]
    clean = sum(1 for r in every if not any(f for _, _, f in r.gc.values()))
    for label, origin, kw in rows:
        if kw.get("no_full_gc"):
            label += f" ({clean} of {len(every)} rounds)"
        cols = [med([stats(pooled(run, **kw))[k] for run in runs]) for k in range(4)]
        missed = (sum(r.missed_updated for run in runs for r in run.rounds) if kw.get("which") == "r"
                  else sum(r.missed for run in runs for r in run.rounds))
        print(f"| {label} | {origin} | {ms(cols[0])} | {ms(cols[1])} | {ms(cols[2])} | {ms(cols[3])} |"
              f" {missed if not kw or kw.get('which') == 'r' else ''} |")
    print()
    groups = list(first.rounds[0].cpu) if first.rounds else []
    print("CPU used per round, ms (from just before the request to the last receipt), median over all rounds;"
          f" capacity = {os.cpu_count()} CPUs x window")
    print()
    print("| " + " | ".join(["window ms", "capacity ms", *groups]) + " |")
    print("| " + " | ".join(["---"] * (len(groups) + 2)) + " |")
    every = [r for run in runs for r in run.rounds]
    cells = [med([r.window for r in every]), med([r.window * (os.cpu_count() or 1) for r in every])]
    cells += [med([r.cpu[g] for r in every]) for g in groups]
    print("| " + " | ".join(f"{c * 1000:.0f}" for c in cells) + " |")
    print()
    print(f"API processes' garbage collector pauses during the rounds: {gc_summary([r.gc for r in every])}"
          " (median total per round, ms (longest pause, ms))")
    print()
    print("Fan-out alone: the real roster_published bus payload published again on Redis (no command, no"
          " projection work), PUBLISH -> receipt; median over runs of each run's percentile, CPU ms median per round")
    print()
    print("| fan-out | clients | p50 ms | p90 ms | p99 ms | max ms | missed | duplicates | servers' CPU ms |"
          " fleet CPU ms | machine CPU ms | window ms | API GC pauses ms, total (longest) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    replays = [
        ("SchedulaX gateways (API A + API B)", f"{n - sio} ws + {sio} socket.io",
         [run.gateways for run in runs if run.gateways], ("API A", "API B")),
        ("bare `websockets` servers (2 processes)", f"{n} plain websocket",
         [run.raw.replay for run in runs if run.raw], ("servers",)),
    ]
    for label, clients, played, servers in replays:
        if not played:
            continue
        cols = [med([stats(p.pooled)[k] for p in played]) for k in range(4)]
        cpu = [c for p in played for c in p.cpu]
        used = [med([sum(c[g] for g in servers) for c in cpu]), med([c["client fleet(s)"] for c in cpu]),
                med([c["machine total"] for c in cpu]), med([w for p in played for w in p.windows])]
        print(f"| {label} | {clients} | {ms(cols[0])} | {ms(cols[1])} | {ms(cols[2])} | {ms(cols[3])} |"
              f" {sum(p.missed for p in played)} | {sum(p.duplicates for p in played)} |"
              + "".join(f" {u * 1000:.0f} |" for u in used) + f" {gc_summary([g for p in played for g in p.gc])} |")
    print()
    print("Baselines (same runs) and ratios")
    print()
    print("| run | Redis PUBLISH->receive p50 ms | p99 ms | raw fan-out p50 ms | p99 ms |"
          " raw server decode+send ms (median) | latency p50 / Redis p50 | p99 / Redis p99 |"
          " latency p50 / raw p50 | p99 / raw p99 | gateway replay p50 / raw p50 | p99 / raw p99 |"
          " load avg before / after |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, run in enumerate(runs, 1):
        lat = pooled(run)
        r50, r99 = percentile(run.redis_rtt, 50), percentile(run.redis_rtt, 99)
        w50, _, w99, _ = stats(run.raw.replay.pooled if run.raw else [])
        g50, _, g99, _ = stats(run.gateways.pooled if run.gateways else [])
        fan = ms(med(run.raw.fanout_seconds)) if run.raw else "n/a"
        print(f"| {i} | {ms(r50)} | {ms(r99)} | {ms(w50)} | {ms(w99)} | {fan} |"
              f" {ratio(percentile(lat, 50), r50)} | {ratio(percentile(lat, 99), r99)} |"
              f" {ratio(percentile(lat, 50), w50)} | {ratio(percentile(lat, 99), w99)} |"
              f" {ratio(g50, w50)} | {ratio(g99, w99)} | {run.load[0]:.2f} / {run.load[1]:.2f} |")
    print()
    print("Memory, VmRSS MB (API processes; the raw fan-out's bare servers for comparison)")
    print()
    print("| run | process | before clients | all clients on A, idle | connections | MB / 1,000 conns |"
          " split, idle | connections | MB / 1,000 conns | after rounds |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    verdict_mb = []
    for i, run in enumerate(runs, 1):
        m = run.memory
        for name in ("A", "B"):
            single = m.get("single", {})
            s_rss = single.get(name)
            s_conn = single.get("connections", 0) if s_rss is not None else 0
            split_conn = m["split_connections"][name]
            # A's split figure follows the single-process phase (freed memory is kept by the allocator).
            split_before = m["before"][name] if name == "B" or "single" not in m else m["single_after_disconnect"]["A"]
            before = m["before"][name]
            single_mb = "-" if s_rss is None else f"{s_rss:.1f}"
            single_per = "-" if s_rss is None else f"{per_1000(s_rss, before, s_conn):.1f}"
            print(f"| {i} | API {name} | {before:.1f} | {single_mb} | {s_conn or '-'} | {single_per} |"
                  f" {m['connected'][name]:.1f} | {split_conn} |"
                  f" {per_1000(m['connected'][name], split_before, split_conn):.1f} | {m['after_rounds'][name]:.1f} |")
            if s_rss is not None:
                verdict_mb.append(s_rss)
        if run.raw:
            for k, (b, c) in enumerate(zip(run.raw.rss_before, run.raw.rss_connected, strict=True)):
                conns = run.raw.connections // 2 + (run.raw.connections % 2 if k == 0 else 0)
                print(f"| {i} | bare server {k} | {b:.1f} | - | - | - | {c:.1f} | {conns} |"
                      f" {per_1000(c, b, conns):.1f} | - |")
        fleet = "/".join(f"{x:.1f}" for x in run.fleet_rss)
        print(f"| {i} | client fleet(s) | - | - | - | - | {fleet} | {n} | - | - |")
    print()
    for run in runs:
        for path in run.profiles:
            print("\n".join(profile_summary(Path(path))))
            print()
    p99 = med([stats(pooled(run))[2] for run in runs])
    missed = sum(r.missed for run in runs for r in run.rounds)
    pauses = [r.gc for run in runs for r in run.rounds if r.gc]
    full = sum(f for g in pauses for _, _, f in g.values())
    longest = max((m for g in pauses for _, m, _ in g.values()), default=math.nan)
    print(f"Goal p99 (response -> receipt) < 100 ms at {n} clients: p99 {ms(p99)} ms, {missed} missed"
          f" -> {'met' if p99 < GOAL_P99 and missed == 0 else 'NOT met'}"
          + (f" (API processes during the rounds: {full} full collection(s), longest collector pause"
             f" {ms(longest)} ms)" if pauses else ""))
    if verdict_mb:
        worst = max(verdict_mb)
        print(f"Goal one API process with {n} idle connections < 500 MB: {worst:.1f} MB"
              f" -> {'met' if worst < GOAL_MB else 'NOT met'}" + ("" if n == 1000 else f" (at {n}, not 1,000)"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000, help="employees, one connection each")
    parser.add_argument("--rounds", type=int, default=5, help="roster publications per run")
    parser.add_argument("--runs", type=int, default=1, help="whole measurements, each on a fresh schema")
    parser.add_argument("--socketio-share", type=float, default=0.5, help="share of clients on socket.io")
    parser.add_argument("--client-procs", type=int, default=1, help="client processes (asyncio loops)")
    parser.add_argument("--compression", choices=("deflate", "none"), default="deflate",
                        help="plain websocket permessage-deflate offer (browsers offer it)")
    parser.add_argument("--connect-concurrency", type=int, default=64)
    parser.add_argument("--seed-concurrency", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds a round waits for every client")
    parser.add_argument("--settle", type=float, default=0.05, help="seconds to wait after the last receipt")
    parser.add_argument("--quiet", type=float, default=0.3, help="idle seconds before each publication")
    parser.add_argument("--gap", type=float, default=0.3, help="idle seconds after each round")
    parser.add_argument("--idle", type=float, default=2.0, help="seconds connected and idle before RSS is read")
    parser.add_argument("--baseline-samples", type=int, default=200)
    parser.add_argument("--no-gc-trace", dest="gc_trace", action="store_false",
                        help="do not log the API processes' garbage collector pauses (a start-up hook in PYTHONPATH)")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="experiment: the API processes call gc.freeze() once started (not what the product does)")
    parser.add_argument("--skip-single", action="store_true", help="no single-process memory phase")
    parser.add_argument("--skip-raw", action="store_true",
                        help="no fan-out-alone phases (gateway replay, bare servers)")
    parser.add_argument("--py-spy", type=Path, default=None,
                        help="profile both API processes (py-spy --native, into this folder) during the rounds and"
                             " the gateway replay; their latencies then suffer")
    parser.add_argument("--logs", type=Path, default=None, help="keep the API and worker logs in this folder")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "realtime_latency.json")
    args = parser.parse_args()
    args.compression = None if args.compression == "none" else args.compression
    started = time.monotonic()
    runs = [one_run(args, number) for number in range(1, args.runs + 1)]
    report(args, runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(to_json(args, runs), indent=1))
    print(f"\n{time.monotonic() - started:.0f} s; results in {args.out}")


if __name__ == "__main__":
    main()
