"""Shared helpers of the PostgreSQL benchmarks: a throwaway schema, settings, same-run baselines.

The baselines are what no projection can beat on this machine, measured in the same run
as the figure they are compared with:

- `notify_latencies`: one NOTIFY from one connection to a LISTENing connection in
  another process (as the event store's insert transaction wakes a projection worker);
- `insert_commit_latencies`: one bare one-row INSERT committed on its own (autocommit),
  the cheapest durable write.

Times are CLOCK_MONOTONIC, which is system wide on Linux, so stamps taken in different
processes compare directly.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import os
import resource
import signal
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from infrastructure.settings import PostgresTarget, Settings

POSTGRES_URL = os.environ.get("SCHEDULAX_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def now() -> float:
    """Seconds on the system-wide monotonic clock (comparable across processes)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def conninfo() -> str:
    return PostgresTarget.parse(POSTGRES_URL).conninfo()


def connect(schema: str | None = None, autocommit: bool = True, attempts: int = 20) -> psycopg.Connection[Any]:
    """A connection; retried for a while when the server is out of connection slots (a shared server)."""
    options = f"-c search_path={schema}" if schema else ""
    for attempt in range(attempts):
        try:
            return psycopg.connect(conninfo(), autocommit=autocommit, options=options)
        except psycopg.OperationalError as error:
            if "too many clients" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.5)
    raise AssertionError("unreachable")


def die_with_parent() -> None:
    """In a child process: get SIGTERM when the parent dies, so that no benchmark child outlives
    a benchmark killed with SIGKILL (Linux prctl PR_SET_PDEATHSIG; a no-op elsewhere)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except OSError:
        pass


@contextmanager
def fresh_schema(prefix: str = "bench") -> Iterator[str]:
    """A new, empty schema, dropped with everything in it afterwards (also on failure)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with connect() as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        with connect() as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def settings_for(schema: str | None, data_dir: Path, **overrides: Any) -> Settings:
    """PostgreSQL settings on `schema`, or SQLite files in `data_dir` when `schema` is None."""
    base: dict[str, Any] = dict(
        data_dir=data_dir, bcrypt_rounds=4, rate_limit_enabled=False, jwt_secret="bench-secret-0123456789",
    )
    if schema is not None:
        base.update(database_url=POSTGRES_URL, database_schema=schema)
    base.update(overrides)
    return Settings(**base)


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment that makes `python -m interfaces.cli ...` use the same database as `settings`."""
    env = dict(os.environ)
    env.update(
        SCHEDULAX_DATABASE_URL=settings.database_url,
        SCHEDULAX_DATABASE_SCHEMA=settings.database_schema,
        SCHEDULAX_PROJECTION_WORKERS="true",
        SCHEDULAX_PROJECTION_BATCH_SIZE=str(settings.projection_batch_size),
        SCHEDULAX_DATA_DIR=str(settings.data_dir),
        SCHEDULAX_JWT_SECRET=settings.jwt_secret,
    )
    return env


# -- statistics ---------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.2f}"


def ratio(value: float, baseline: float, digits: int = 1) -> str:
    if math.isnan(value) or math.isnan(baseline) or baseline <= 0:
        return "n/a"
    return f"{value / baseline:.{digits}f}x"


# -- memory -------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident set size of this process since it started (ru_maxrss, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_phase_peak() -> bool:
    """Restart VmHWM (the kernel's peak RSS) so `phase_peak_mb` covers the next phase only."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def phase_peak_mb() -> float:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


# -- baselines ----------------------------------------------------------------------------


def _listen(channel: str, count: int, ready: Any, sender: Any) -> None:
    """Child process: LISTEN, stamp each notification as it wakes us, send (payload, stamp) back."""
    die_with_parent()
    received: list[tuple[str, float]] = []
    with connect() as conn:
        conn.execute(f"LISTEN {channel}")
        ready.set()
        deadline = now() + 60
        while len(received) < count and now() < deadline:
            for notify in conn.notifies(timeout=1.0, stop_after=1):
                received.append((notify.payload, now()))
    sender.send(received)
    sender.close()


def notify_latencies(samples: int = 300, gap: float = 0.002) -> list[float]:
    """Seconds from a NOTIFY being sent (autocommit, so committed at once) to a LISTENing
    connection in another process waking with it: the wake-up path of a projection worker."""
    channel = f"bench_ping_{uuid.uuid4().hex[:8]}"
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_listen, args=(channel, samples, ready, sender), daemon=True)
    child.start()
    sent: dict[str, float] = {}
    try:
        if not ready.wait(30):
            raise RuntimeError("the NOTIFY listener did not start")
        with connect() as conn:
            for i in range(samples):
                payload = str(i)
                sent[payload] = now()
                conn.execute("SELECT pg_notify(%s, %s)", (channel, payload), prepare=True)
                time.sleep(gap)
        received = receiver.recv() if receiver.poll(70) else []
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()
    return [stamp - sent[payload] for payload, stamp in received if payload in sent]


def insert_commit_latencies(schema: str, samples: int = 300, gap: float = 0.002) -> list[float]:
    """Seconds for one bare one-row INSERT, committed on its own, on a fresh table of `schema`."""
    with connect(schema) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_probe (id BIGSERIAL PRIMARY KEY, payload TEXT)")
        timings = []
        for i in range(samples):
            started = now()
            conn.execute("INSERT INTO bench_probe (payload) VALUES (%s)", (f"p{i}",), prepare=True)
            timings.append(now() - started)
            time.sleep(gap)
        conn.execute("DROP TABLE bench_probe")
    return timings
