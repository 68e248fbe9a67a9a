"""Real servers for end-to-end tests: API processes (uvicorn, as `schedulax serve` runs
them), projection workers, and an in-thread server for the embedded default."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a server process: ours minus any SCHEDULAX_*, plus `settings`
    (`database_url="..."` becomes `SCHEDULAX_DATABASE_URL`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULAX_")}
    env.update(
        SCHEDULAX_DATA_DIR=str(tmp_path / "data"),
        SCHEDULAX_BCRYPT_ROUNDS="4",
        SCHEDULAX_RATE_LIMIT_ENABLED="false",
        SCHEDULAX_POSTGRES_POOL_SIZE="3",
        SCHEDULAX_LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
    )
    env.update({f"SCHEDULAX_{k.upper()}": v for k, v in settings.items()})
    return env


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url + "/health", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def api_process(env: dict[str, str], log_path: Path, port: int | None = None) -> Iterator[str]:
    """One API process as production runs it; yields its base URL."""
    port = port or free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "interfaces.http.asgi:app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        _stop(process)


@contextmanager
def projection_workers(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "interfaces.cli", "projections", "run"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def in_thread(app: Any) -> Iterator[str]:
    """An ASGI app served by uvicorn in a thread of this process; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("in-thread server did not start")
            time.sleep(0.02)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=20)
