"""CPU per request of the hot reads inside the ASGI app, the product's and its lean twin's, no server.

    python -m bench.read_asgi < plan.json     (run by `bench.read_twins --asgi`, with the stack's env)

Both apps are built in this process as the server builds them (`interfaces.http.asgi:app`,
`bench.lean_twin:app`), started by their lifespan, and each read is sent straight to the ASGI
callable, one request at a time, over the same people: uvicorn, the sockets and the load
driver are out of the figure, and on a shared machine the CPU time this process (and its
threads) spent per request is steadier than a rate. The difference of the two is the cost of
the machinery around the product's handlers. Prints one JSON object: {kind: {ours, twin}} in
CPU microseconds per request (median over batches of 50 requests, the two apps alternating).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from typing import Any


async def started(app: Any) -> asyncio.Task[None]:
    """`app`'s lifespan task once its start-up completed."""
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    done = asyncio.Event()
    await events.put({"type": "lifespan.startup"})

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            done.set()
        elif message["type"].endswith("failed"):
            raise RuntimeError(message)

    task = asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, events.get, send))
    await asyncio.wait_for(done.wait(), 60)
    task.events = events  # type: ignore[attr-defined]
    return task


def scope_of(path: str, token: str) -> dict[str, Any]:
    route, _, query = path.partition("?")
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": route, "raw_path": route.encode(), "root_path": "",
        "query_string": query.encode(), "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*"),
                    (b"authorization", f"Bearer {token}".encode())],
        "state": {},
    }


async def one(app: Any, path: str, token: str) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope_of(path, token), receive, send)
    return status


async def per_request(app: Any, requests: list[tuple[str, str]]) -> float:
    """CPU microseconds of this process per request, over `requests` sent one by one."""
    cpu = time.process_time()
    for path, token in requests:
        status = await one(app, path, token)
        if status != 200:
            raise RuntimeError(f"{path}: {status}")
    return 1e6 * (time.process_time() - cpu) / len(requests)


async def main() -> None:
    plan = json.load(sys.stdin)
    from bench import lean_twin
    from interfaces.http import asgi

    apps = {"ours": asgi.app(), "twin": lean_twin.app()}
    lifespans = [await started(app) for app in apps.values()]
    figures: dict[str, dict[str, float]] = {}
    for read in plan["reads"]:
        requests = [(who["path"], plan["tokens"][str(who["user"])]) for who in read["as"]]
        requests = (requests * (1 + plan["requests"] // len(requests)))[: plan["requests"]]
        for app in apps.values():  # warm: the pools' connections, the handlers' first-call caches
            await per_request(app, requests[:50])
        passes: dict[str, list[float]] = {"ours": [], "twin": []}
        batch = plan.get("batch", 50)
        for round_ in range(plan["rounds"]):
            for start in range(0, len(requests), batch):  # short alternating batches: drift cancels
                for who in (("ours", "twin") if (round_ + start // batch) % 2 else ("twin", "ours")):
                    passes[who].append(await per_request(apps[who], requests[start:start + batch]))
        figures[read["kind"]] = {who: round(statistics.median(v), 1) for who, v in passes.items()}
    for task in lifespans:
        await task.events.put({"type": "lifespan.shutdown"})  # type: ignore[attr-defined]
    await asyncio.wait(lifespans, timeout=10)
    sys.stdout.write(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
