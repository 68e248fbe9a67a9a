"""uvicorn against granian: the same app, the same workers, in turns (issue 22.5).

    python -m bench.asgi_servers [--workers 2] [--clients 8] [--seconds 3] [--runs 5]

Serves bench/minimal_app.py (the framework ceiling: Litestar encoding a 2,000-byte JSON body,
nothing of SchedulaX) under uvicorn as `schedulax serve` runs it (`interfaces.serving.serve`),
then under granian (`--interface asgi`, the same worker count), alternately, `--runs` times;
each run drives keep-alive GETs from `--clients` threads of a separate process for `--seconds`.
Prints each server's median rate and p50/p99 over the runs, and granian's ratio to uvicorn.
A server that costs less per request shows most here, where it is most of the work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.servers import Service, free_port


@contextmanager
def served(server: str, port: int, workers: int) -> Iterator[None]:
    if server == "uvicorn":
        command = ["bench.minimal_app", str(port), str(workers)]
    else:
        command = ["granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(workers), "--log-level", "warning", "bench.minimal_app:app"]
    with tempfile.TemporaryDirectory() as folder:
        service = Service(server, command, dict(os.environ), Path(folder) / f"{server}.log").start()
        try:
            service.wait_http(port, "/minimal", timeout=30, expect=200)
            yield
        finally:
            service.stop(timeout=10)


def load(port: int, clients: int, seconds: float) -> dict[str, float]:
    """Keep-alive GETs from `clients` threads (bench.baselines' timing loop), in a child process
    so that the client's GIL is not the servers'."""
    code = ("import http.client, json, threading\n"
            "from bench.baselines import timed_threads\n"
            "local = threading.local()\n"
            "def get():\n"
            "    c = getattr(local, 'c', None)\n"
            f"    if c is None: c = local.c = http.client.HTTPConnection('127.0.0.1', {port}, timeout=5)\n"
            "    c.request('GET', '/minimal'); r = c.getresponse(); r.read()\n"
            "    if r.status != 200: raise RuntimeError(r.status)\n"
            f"m = timed_threads('minimal', {clients}, {seconds}, get)\n"
            "print(json.dumps(m.as_json()))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures: dict[str, list[dict[str, float]]] = {"uvicorn": [], "granian": []}
    for _ in range(args.runs):
        for server in figures:
            port = free_port()
            with served(server, port, args.workers):
                load(port, args.clients, 0.5)  # warm-up
                figures[server].append(load(port, args.clients, args.seconds))
    print(f"minimal app, {args.workers} workers, {args.clients} clients, {args.runs} runs of {args.seconds} s"
          " (medians over runs)")
    print(f"{'server':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    medians = {}
    for server, runs in figures.items():
        medians[server] = {k: statistics.median(r[k] for r in runs) for k in ("rate", "p50_ms", "p99_ms")}
        m = medians[server]
        print(f"{server:<10}{m['rate']:>10.0f}{m['p50_ms']:>10.2f}{m['p99_ms']:>10.2f}")
    print(f"granian/uvicorn: rate {medians['granian']['rate'] / medians['uvicorn']['rate']:.2f}x,"
          f" p50 {medians['granian']['p50_ms'] / medians['uvicorn']['p50_ms']:.2f}x")


if __name__ == "__main__":
    main()
