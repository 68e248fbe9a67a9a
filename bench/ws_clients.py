"""The realtime benchmark's helper processes: a fleet of clients, a tap on the bus, a bare fan-out server.

Each runs in its own process (multiprocessing, spawn) with an asyncio loop (uvloop when
installed, as uvicorn uses it) and is driven by its parent over a pipe: one command at a
time, one answer each. Times are `time.perf_counter()`, CLOCK_MONOTONIC on Linux, which
is system wide, so stamps taken in different processes compare directly.

- `fleet_main`: plain websocket clients (the `websockets` library, on
  `/api/notifications/ws?token=`) and socket.io clients (`socketio.AsyncClient`,
  websocket transport only). A receipt is stamped first thing in the message handler,
  before the message is parsed.
- `tap_main`: one more subscriber to the deployment's Redis channel: when each change
  payload reached Redis subscribers, and which roster it announces.
- `bare_main`: the raw fan-out baseline: a bare `websockets` server subscribed to a Redis
  channel that, for each payload, decodes it and sends each `new_notification` to the
  connections of its user room (`websockets.broadcast`, no per-client awaits).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import parse_qs, urlsplit

now = time.perf_counter


def _prepare() -> str:
    """In a child: die with the parent, and use uvloop when installed. Returns the loop's name."""
    from bench.pg import die_with_parent

    die_with_parent()
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def rss_mb(pid: int | None = None) -> float:
    """Resident set size now (VmRSS), in MB."""
    with open(f"/proc/{pid or 'self'}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# -- the client fleet ---------------------------------------------------------------------------


@dataclass
class Target:
    kind: str
    """`ws` (plain websocket, notifications socket), `sio` (socket.io) or `bare` (the baseline server)."""
    url: str
    """http://host:port of the server."""
    token: str
    user_id: int


@dataclass
class Client:
    target: Target
    got: dict[tuple[str, int], float] = field(default_factory=dict)
    """(`n` for new_notification | `r` for roster_updated, roster id) -> receipt time."""
    closed: str | None = None
    handle: Any = None
    reader: asyncio.Task[None] | None = None


class Fleet:
    def __init__(self, pipe: Connection, loop_name: str) -> None:
        self.pipe = pipe
        self.loop_name = loop_name
        self.clients: list[Client] = []
        self.waiting: dict[tuple[str, int], tuple[int, asyncio.Event]] = {}
        self.stalls: list[float] = []
        self.gc_pauses: list[float] = []
        self.duplicates = 0
        self._gc_started = 0.0
        gc.callbacks.append(self._gc)
        self.first: tuple[float, float] | None = None
        self.last: tuple[float, float] | None = None
        """(wall, CPU time of this process) at the first receipt of a round and when a key was complete."""

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = now()
        else:
            self.gc_pauses.append(now() - self._gc_started)

    # receipts

    def _arrived(self, client: Client, key: tuple[str, int], at: float) -> None:
        if key in client.got:
            self.duplicates += 1  # the same message twice, or another user's
            return
        client.got[key] = at
        entry = self.waiting.get(key)
        if entry is not None:
            if self.first is None:
                self.first = (at, time.process_time())
            left, done = entry
            self.waiting[key] = (left - 1, done)
            if left - 1 <= 0:
                done.set()
                self.last = (now(), time.process_time())

    def _count(self, key: tuple[str, int]) -> int:
        return sum(1 for c in self.clients if key in c.got)

    # connecting

    async def _connect_ws(self, client: Client, compression: str | None) -> None:
        from websockets.asyncio.client import connect

        t = client.target
        base = "ws" + t.url[len("http"):]
        path = (f"/api/notifications/ws?token={t.token}" if t.kind == "ws" else f"/?user={t.user_id}")
        ws = await connect(base + path, open_timeout=120, max_size=2 ** 24, compression=compression,
                           ping_interval=None)
        client.handle = ws
        client.reader = asyncio.create_task(self._read_ws(client, ws))

    async def _read_ws(self, client: Client, ws: Any) -> None:
        loads = json.loads
        try:
            async for raw in ws:
                at = now()
                message = loads(raw)
                if message.get("type") != "notification":
                    continue
                data = message.get("data") or {}
                if data.get("type") == "roster_published":
                    self._arrived(client, ("n", int(data["data"]["roster_id"])), at)
        except Exception as error:  # noqa: BLE001 - reported as a closed client
            client.closed = f"{type(error).__name__}: {error}"
            return
        client.closed = f"closed {getattr(ws, 'close_code', None)} {getattr(ws, 'close_reason', '')}".strip()

    async def _connect_sio(self, client: Client) -> None:
        import socketio

        sio = socketio.AsyncClient(reconnection=False)

        def notification(data: Any) -> None:
            at = now()
            if isinstance(data, dict) and data.get("type") == "roster_published":
                self._arrived(client, ("n", int(data["data"]["roster_id"])), at)

        def roster(data: Any) -> None:
            at = now()
            if isinstance(data, dict) and data.get("status") == "published" and "id" in data:
                self._arrived(client, ("r", int(data["id"])), at)

        def disconnect(*_: Any) -> None:
            client.closed = client.closed or "disconnected"

        sio.on("new_notification", notification)
        sio.on("roster_updated", roster)
        sio.on("disconnect", disconnect)
        await sio.connect(client.target.url, auth={"token": client.target.token}, transports=["websocket"],
                          wait_timeout=120)
        client.handle = sio

    async def connect(self, targets: list[Target], concurrency: int, compression: str | None) -> dict[str, Any]:
        started = now()
        gate = asyncio.Semaphore(concurrency)
        failures: list[str] = []
        new = [Client(t) for t in targets]

        async def one(client: Client) -> None:
            async with gate:
                for attempt in range(3):
                    try:
                        if client.target.kind == "sio":
                            await self._connect_sio(client)
                        else:
                            await self._connect_ws(client, compression)
                        return
                    except Exception as error:  # noqa: BLE001 - retried, then reported
                        if attempt == 2:
                            failures.append(f"{client.target.kind} -> {client.target.url}: "
                                            f"{type(error).__name__}: {error}")
                        await asyncio.sleep(0.5)

        await asyncio.gather(*(one(c) for c in new))
        self.clients.extend(c for c in new if c.handle is not None)
        # The connections' objects will live as long as the run: keep them out of the collector's
        # way, so that a full collection does not hold the loop (and the receipts) for long.
        gc.collect()
        gc.freeze()
        return {"connected": sum(1 for c in new if c.handle is not None), "failures": failures[:10],
                "failed": len(failures), "seconds": now() - started}

    async def disconnect(self) -> dict[str, Any]:
        started = now()

        async def close(client: Client) -> None:
            try:
                if client.target.kind == "sio":
                    await client.handle.disconnect()
                else:
                    await client.handle.close()
                    if client.reader is not None:
                        client.reader.cancel()
            except Exception:  # noqa: BLE001 - already gone
                pass

        gate = asyncio.Semaphore(100)

        async def gated(client: Client) -> None:
            async with gate:
                await asyncio.wait_for(close(client), 30)

        await asyncio.gather(*(gated(c) for c in self.clients), return_exceptions=True)
        count = len(self.clients)
        self.clients = []
        gc.unfreeze()
        self.waiting = {}
        return {"disconnected": count, "seconds": now() - started}

    # measuring

    async def _ticker(self) -> None:
        """How long the loop was held: the overshoot of a 2 ms sleep, kept since the last mark."""
        while True:
            before = now()
            await asyncio.sleep(0.002)
            self.stalls.append(now() - before - 0.002)

    def mark(self, keys: list[tuple[str, int]]) -> dict[str, Any]:
        """Start a round: expect `keys` from every client that can get them."""
        for key in keys:
            expected = sum(1 for c in self.clients if key[0] == "n" or c.target.kind == "sio")
            done = asyncio.Event()
            self.waiting[key] = (expected - self._count(key), done)
            if expected - self._count(key) <= 0:
                done.set()
        self.stalls = []
        self.gc_pauses = []
        self.duplicates = 0
        self.first = self.last = None
        return {}

    async def collect(self, keys: list[tuple[str, int]], timeout: float, settle: float) -> dict[str, Any]:
        """Wait (up to `timeout`) until every client has every key, then a little more, and report."""
        deadline = now() + timeout
        for key in keys:
            entry = self.waiting.get(key)
            if entry is not None:
                try:
                    await asyncio.wait_for(entry[1].wait(), max(deadline - now(), 0.001))
                except TimeoutError:
                    pass
        await asyncio.sleep(settle)
        # While receiving: from the first receipt to the moment the last expected one arrived.
        # Near 1.0, this process was busy all along and receipts were stamped late.
        wall = cpu = 0.0
        if self.first is not None and self.last is not None:
            wall, cpu = self.last[0] - self.first[0], self.last[1] - self.first[1]
        stalls = sorted(self.stalls)
        return {
            "times": {f"{k[0]}:{k[1]}": [c.got.get(k) for c in self.clients] for k in keys},
            "kinds": [c.target.kind for c in self.clients],
            "urls": [c.target.url for c in self.clients],
            "closed": [c.closed for c in self.clients],
            "cpu_share": cpu / wall if wall > 0.001 else float("nan"),
            "receiving_seconds": wall,
            "stall_max": stalls[-1] if stalls else 0.0,
            "gc_max": max(self.gc_pauses, default=0.0),
            "duplicates": self.duplicates,
            "stall_p99": stalls[int(0.99 * (len(stalls) - 1))] if stalls else 0.0,
        }

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        ticker = asyncio.create_task(self._ticker())
        self.pipe.send({"ready": True, "loop": self.loop_name, "pid": os.getpid()})
        while True:
            command, *args = await loop.run_in_executor(None, self.pipe.recv)
            try:
                if command == "connect":
                    answer = await self.connect(*args)
                elif command == "disconnect":
                    answer = await self.disconnect()
                elif command == "mark":
                    answer = self.mark(*args)
                elif command == "collect":
                    answer = await self.collect(*args)
                elif command == "rss":
                    answer = {"rss_mb": rss_mb(), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
                elif command == "stop":
                    await self.disconnect()
                    ticker.cancel()
                    self.pipe.send({})
                    return
                else:
                    answer = {"error": f"unknown command {command}"}
            except Exception as error:  # noqa: BLE001 - reported to the parent
                answer = {"error": f"{type(error).__name__}: {error}"}
            self.pipe.send(answer)


def fleet_main(pipe: Connection) -> None:
    loop_name = _prepare()
    asyncio.run(Fleet(pipe, loop_name).serve())


# -- the tap on the bus -----------------------------------------------------------------------


def tap_main(pipe: Connection, redis_url: str, channel: str) -> None:
    """Record (receipt time, payload size, roster ids of roster_published notifications, roster ids
    of roster_updated messages) for every payload on `channel`; keep the last roster_published payload."""
    import redis

    from bench.pg import die_with_parent

    die_with_parent()
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel)
    pipe.send({"ready": True, "pid": os.getpid()})
    seen: list[tuple[float, int, list[int], list[int]]] = []
    sample: bytes = b""
    while True:
        message = pubsub.get_message(timeout=0.05)
        at = now()
        if message is not None and message["type"] == "message":
            payload = message["data"]
            published, updated = set(), set()
            for m in json.loads(payload):
                data = m.get("data") or {}
                if m.get("event") == "new_notification" and data.get("type") == "roster_published":
                    published.add(int(data["data"]["roster_id"]))
                elif m.get("event") == "roster_updated" and data.get("status") == "published":
                    updated.add(int(data["id"]))
            if published:
                sample = payload
            seen.append((at, len(payload), sorted(published), sorted(updated)))
        if pipe.poll():
            command, *_ = pipe.recv()
            pipe.send({"sample": sample} if command == "sample" else {"seen": seen})
            if command == "stop":
                return


# -- the bare fan-out server --------------------------------------------------------------------


def bare_main(pipe: Connection, port: int, redis_url: str, channel: str) -> None:
    loop_name = _prepare()
    asyncio.run(_bare(pipe, port, redis_url, channel, loop_name))


async def _bare(pipe: Connection, port: int, redis_url: str, channel: str, loop_name: str) -> None:
    import msgspec
    import redis.asyncio as aioredis
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    rooms: dict[str, set[ServerConnection]] = defaultdict(set)
    encode = msgspec.json.Encoder().encode
    decode = msgspec.json.Decoder().decode
    fanouts: list[tuple[float, float, int]] = []

    async def handler(ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path).query if ws.request else "")
        room = f"user:{query.get('user', ['0'])[0]}"
        rooms[room].add(ws)
        try:
            await ws.wait_closed()
        finally:
            rooms[room].discard(ws)

    def deliver(payload: bytes) -> None:
        started = now()
        sent = 0
        for message in decode(payload):
            if message["event"] != "new_notification":
                continue
            frame = encode({"type": "notification", "data": message["data"]}).decode()
            for room in message["rooms"]:
                members = rooms.get(room)
                if members:
                    broadcast(members, frame)
                    sent += len(members)
        fanouts.append((started, now(), sent))

    async def listen(ready: asyncio.Event) -> None:
        client = aioredis.Redis.from_url(redis_url)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(channel)
        ready.set()
        while True:
            message = await pubsub.get_message(timeout=30.0)
            if message is not None and message["type"] == "message":
                deliver(message["data"])

    loop = asyncio.get_running_loop()
    async with serve(handler, "127.0.0.1", port, max_size=2 ** 20, ping_interval=None):
        ready = asyncio.Event()
        listener = asyncio.create_task(listen(ready))
        await ready.wait()
        pipe.send({"ready": True, "pid": os.getpid(), "loop": loop_name})
        while True:
            command, *_ = await loop.run_in_executor(None, pipe.recv)
            if command == "stop":
                listener.cancel()
                pipe.send({"fanouts": fanouts})
                return
            pipe.send({"fanouts": fanouts, "connections": sum(len(m) for m in rooms.values())})


# -- the parent's side ------------------------------------------------------------------------


class Child:
    """A helper process and its pipe: `ask` sends one command and waits for its answer."""

    def __init__(self, target: Callable[..., None], *args: Any, name: str = "") -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=target, args=(theirs, *args), daemon=True, name=name)
        self.process.start()
        hello = self._answer(120)
        self.pid: int = hello["pid"]
        self.hello = hello

    def _answer(self, timeout: float) -> Any:
        if not self.pipe.poll(timeout):
            raise TimeoutError(f"{self.process.name} did not answer within {timeout} s")
        answer = self.pipe.recv()
        if isinstance(answer, dict) and "error" in answer:
            raise RuntimeError(f"{self.process.name}: {answer['error']}")
        return answer

    def ask(self, *command: Any, timeout: float = 300) -> Any:
        self.pipe.send(command)
        return self._answer(timeout)

    def close(self, stop: Any = ("stop",), timeout: float = 60) -> Any:
        answer = None
        if self.process.is_alive():
            try:
                self.pipe.send(stop)
                answer = self._answer(timeout)
            except (OSError, EOFError, TimeoutError, RuntimeError) as error:
                print(f"{self.process.name}: {error}", file=sys.stderr)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        return answer
