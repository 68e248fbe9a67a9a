"""The production shape on this machine: PostgreSQL, Redis, API processes, projection and job workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg

from bench.pg import connect, worker_env
from bench.projection_lag import Workers
from bench.servers import ROOT, Service
from infrastructure.settings import Settings
from infrastructure.tokens import TokenIssuer
from interfaces.container import all_projections

# Each run flushes this db: on a shared server, give each user of the suite its own.
REDIS_URL = os.environ.get("SCHEDULAX_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


@dataclass
class Stack:
    settings: Settings
    port: int
    api_workers: int
    logs: Path
    services: dict[str, Service] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = worker_env(self.settings)
        env.update(
            SCHEDULAX_REDIS_URL=self.settings.redis_url, SCHEDULAX_RATE_LIMIT_ENABLED="false",
            SCHEDULAX_BCRYPT_ROUNDS="4", SCHEDULAX_LOG_LEVEL="warning", SCHEDULAX_PORT=str(self.port),
            SCHEDULAX_HOST="127.0.0.1",
        )
        return env

    def start_projections(self) -> Service:
        service = Workers(self.env(), self.logs / "projections.log", name="projection worker")
        self.services[service.name] = service.start()
        service.wait_started([p.name for p in all_projections()])
        return service

    def start_api(self, ready: str = "/health") -> Service:
        """The API, once `ready` answers below 500 (`/health` does only while the projection
        workers run: without them, wait for a path that needs none)."""
        service = Service("API process", ["interfaces.cli", "serve", "--workers", str(self.api_workers),
                                          "--without-projection-workers"], self.env(), self.logs / "api.log")
        self.services["API process"] = service.start()
        service.wait_http(self.port, ready)
        return service

    def start_jobs(self) -> Service:
        service = Service("job worker", ["interfaces.cli", "worker", "--threads", "2"], self.env(), self.logs / "jobs.log")
        self.services["job worker"] = service.start()
        service.wait_for_log("SchedulaX worker on")
        return service

    def working(self) -> list[Service]:
        """The processes a request costs CPU in: the API's and the projection workers'."""
        return [s for name, s in self.services.items() if name in ("API process", "projection worker")]

    def stop(self, name: str | None = None) -> None:
        for key in [name] if name else list(self.services):
            service = self.services.pop(key, None)
            if service is not None:
                service.stop()


def log_head(schema: str) -> int:
    """The newest notification id of the event log."""
    with connect(schema) as conn:
        return int(conn.execute("SELECT COALESCE(MAX(notification_id), 0) FROM schedulax_events").fetchone()[0])


def head_and_positions(schema: str) -> tuple[int, dict[str, int]]:
    head = log_head(schema)
    with connect(schema) as conn:
        try:
            rows = conn.execute("SELECT name, position FROM projection_tracking").fetchall()
        except psycopg.errors.UndefinedTable:  # the workers have not set up yet
            rows = []
    return head, {name: int(position) for name, position in rows}


def wait_caught_up(schema: str, timeout: float = 1800, report_every: float = 15) -> tuple[int, float]:
    """Wait until every projection has tracked the head of the log: (events, seconds)."""
    started = time.perf_counter()
    names = [p.name for p in all_projections()]
    last_report = started
    while True:
        head, positions = head_and_positions(schema)
        behind = {n: head - positions.get(n, 0) for n in names if positions.get(n, 0) < head}
        if not behind:
            return head, time.perf_counter() - started
        if time.perf_counter() - last_report > report_every:
            print(f"  projections behind by {behind}", file=sys.stderr)
            last_report = time.perf_counter()
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"projections did not catch up: {behind}")
        time.sleep(0.2)


def tokens_for(settings: Settings, schema: str, user_ids: list[int]) -> dict[str, str]:
    """Access tokens minted with the server's secret (the seeded users have no usable password)."""
    issuer = TokenIssuer(settings.jwt_secret, ttl_seconds=6 * 3600)
    with connect(schema) as conn:
        rows = conn.execute(
            "SELECT id, email, role, enterprise_id, department_id FROM rm_users WHERE id = ANY(%s)",
            (user_ids,),
        ).fetchall()
    return {str(r[0]): issuer.issue(SimpleNamespace(id=r[0], email=r[1], role=r[2], enterprise_id=r[3],
                                                    department_id=r[4])) for r in rows}


def drive(plan: dict[str, Any]) -> dict[str, Any]:
    """Run `bench.http_load` in its own process with `plan`; its result."""
    done = subprocess.run([sys.executable, "-m", "bench.http_load"], input=json.dumps(plan).encode(),
                          capture_output=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load driver failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return json.loads(done.stdout)


def flush_redis(url: str = REDIS_URL) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()
