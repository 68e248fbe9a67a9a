"""HTTP load from a separate process: keep-alive clients on raw asyncio sockets.

    python -m bench.http_load < plan.json > result.json

A general HTTP library spends more CPU per request than the server under test on a
2-core machine; this client builds each request as bytes, reads the status line,
`Content-Length` and body, and nothing else, on uvloop when it is installed. Each of
`clients` connections runs one `workload` loop until `duration` has passed; the first
`warmup` seconds are not recorded.

Workloads (the plan's "workload"):
- `get`: GET one of `paths`, round robin, with `token` (the framework ceiling).
- `commands`: per client, one slot (`slots[i % len]`): create a shift in the slot's
  roster as its manager, assign one of its employees, confirm as that employee.
- `monday`: per request, 90% reads drawn from `reads` (weighted) as a random employee,
  10% the next step of the client's command flow, as in `commands`.

The result holds each request kind's latencies (seconds), statuses, a few error bodies,
the wall time recorded, and this process's CPU seconds.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sys
import time
from collections import defaultdict
from typing import Any

import msgspec

class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, token: str | None = None,
                      body: Any = None) -> tuple[int, bytes]:
        payload = msgspec.json.encode(body) if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}", "Accept: application/json"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        if body is not None:
            head.append("Content-Type: application/json")
        head.append(f"Content-Length: {len(payload)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        for attempt in (1, 2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
            try:
                self._writer.write(data)
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        assert self._reader is not None
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, closing = 0, False, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                closing = True
        body = await self._chunked() if chunked else await self._reader.readexactly(length)
        if closing:
            self.close()
        return status, body

    async def _chunked(self) -> bytes:
        assert self._reader is not None
        parts = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await self._reader.readexactly(size + 2)
            if size == 0:
                return b"".join(parts)
            parts.append(chunk[:-2])

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


class Recording:
    """Latencies and statuses per request kind, kept only after the warm-up."""

    def __init__(self, starts: float) -> None:
        self.starts = starts
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.samples: list[dict[str, Any]] = []

    async def timed(self, conn: Connection, kind: str, method: str, path: str, token: str | None,
                    body: Any = None) -> tuple[int, bytes]:
        started = time.perf_counter()
        try:
            status, answer = await conn.request(method, path, token, body)
        except (OSError, asyncio.IncompleteReadError) as error:
            status, answer = 599, repr(error).encode()
        if started >= self.starts:
            self.latencies[kind].append(time.perf_counter() - started)
            self.statuses[kind][str(status)] += 1
            if status >= 400 and len(self.samples) < 10:
                self.samples.append({"kind": kind, "status": status, "body": answer[:300].decode(errors="replace")})
        return status, answer


class CommandFlow:
    """Create a shift, assign an employee, the employee confirms: one step per call."""

    def __init__(self, slot: dict[str, Any], manager_token: str, tokens: dict[str, str], band: int,
                 first: int = 0) -> None:
        self.slot, self.manager, self.tokens = slot, manager_token, tokens
        self.band = band
        self.count = first
        self.step = 0
        self.shift_id = self.assignment_id = self.employee = 0

    async def next(self, conn: Connection, rec: Recording) -> None:
        if self.step == 0:
            k = self.count
            self.count += 1
            employees = self.slot["employees"]
            self.employee = employees[k % len(employees)]
            # Each employee's next shift is the next day at 08:00, so no rest or overlap rule
            # is ever in the way; each run of the suite (`band`) has its own 5 days of the month.
            day = f"{self.slot['first_day'][:8]}{self.band * 5 + (k // len(employees)) % 5 + 1:02d}"
            status, body = await rec.timed(conn, "create shift", "POST", "/api/shifts", self.manager, {
                "roster_id": self.slot["roster_id"], "date": day, "start_time": "08:00",
                "end_time": "16:00", "title": "Bench", "required_staff": 1,
            })
            if status == 201:
                self.shift_id = msgspec.json.decode(body)["shift"]["id"]
                self.step = 1
        elif self.step == 1:
            status, body = await rec.timed(conn, "assign employee", "POST", f"/api/shifts/{self.shift_id}/assignments",
                                           self.manager, {"employee_id": self.employee})
            if status == 201:
                self.assignment_id = msgspec.json.decode(body)["assignment"]["id"]
                self.step = 2
            else:
                self.step = 0
        else:
            await rec.timed(conn, "confirm assignment", "PATCH",
                            f"/api/employee/assignments/{self.assignment_id}/status",
                            self.tokens[str(self.employee)], {"status": "confirmed"})
            self.step = 0


def flow_for(plan: dict[str, Any], client: int) -> CommandFlow:
    slots = plan["slots"]
    slot = slots[client % len(slots)]
    lap = client // len(slots)  # more clients than slots: they share one, on other employees
    return CommandFlow(slot, plan["tokens"][str(slot["manager_id"])], plan["tokens"], band=plan.get("band", 0),
                       first=lap * 7)


async def client_loop(index: int, plan: dict[str, Any], rec: Recording, ends: float) -> None:
    conn = Connection(plan["host"], plan["port"])
    rng = random.Random(index)
    workload = plan["workload"]
    flow = flow_for(plan, index) if workload in ("commands", "monday") and plan.get("slots") else None
    reads = plan.get("reads", [])
    weights = [r["weight"] for r in reads]
    paths = plan.get("paths", [])
    n = index
    try:
        while time.perf_counter() < ends:
            if workload == "get":
                n += 1
                await rec.timed(conn, "get", "GET", paths[n % len(paths)], plan.get("token"))
            elif workload == "commands" or rng.random() < plan.get("command_share", 0.1):
                assert flow is not None
                await flow.next(conn, rec)
            else:
                read = rng.choices(reads, weights)[0]
                who = rng.choice(read["as"])
                await rec.timed(conn, read["kind"], "GET", who["path"], plan["tokens"][str(who["user"])])
    finally:
        conn.close()


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    began = time.perf_counter()
    starts = began + plan.get("warmup", 1.0)
    ends = starts + plan["duration"]
    rec = Recording(starts)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(client_loop(i, plan, rec, ends) for i in range(plan["clients"])))
    finished = time.perf_counter()
    used = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "clients": plan["clients"],
        "seconds": finished - starts,
        "latencies": rec.latencies,
        "statuses": {k: dict(v) for k, v in rec.statuses.items()},
        "samples": rec.samples,
        "client_cpu_seconds": (used.ru_utime + used.ru_stime) - (cpu.ru_utime + cpu.ru_stime),
    }


def main() -> None:
    plan = json.load(sys.stdin)
    try:
        import uvloop
        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(run(plan))
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
