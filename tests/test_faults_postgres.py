"""Faults of PostgreSQL and of the processes around it, on a cluster of the tests' own.

`schedulax serve` runs as production runs it (the API, the projection supervisor and its
workers) against a private cluster (`tests.private_postgres`), which the tests stop,
restart and starve; the shared server is never touched. Each test runs once (these do not
take the `backend` fixture), and the module shares one `serve`, in order: the tests that
need no server first, then the server's faults, the last of which kills it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from bench.servers import descendants
from infrastructure.liveness import ALIVE, lock_prefix
from interfaces.container import all_projections
from interfaces.workers import groups_of
from tests.live import ROOT, free_port, server_env, wait_until_up
from tests.private_postgres import PrivatePostgres, private_pg  # noqa: F401 - the fixture
from tests.support import bearer

pytestmark = pytest.mark.faults

NAMES = sorted(p.name for p in all_projections())
WORKER_PROCESSES = len(groups_of(NAMES, "by-wait"))  # the default grouping: waited for, and the rest
DDL = re.compile(r"LOG:\s+(?:statement|execute [^:]*):\s+(CREATE|ALTER|DROP)\b", re.I)


def wait_until(check: Callable[[], Any], timeout: float, what: str, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        if result := check():
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def cli(pg: PrivatePostgres, schema: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "interfaces.cli", *args], cwd=ROOT,
                          env=server_env(tmp, database_url=pg.url, database_schema=schema),
                          capture_output=True, text=True, timeout=60, check=False)


def ddl_since(pg: PrivatePostgres, mark: int) -> list[str]:
    return [line for line in pg.log()[mark:].splitlines() if DDL.search(line)]


def workers_alive(pg: PrivatePostgres, schema: str) -> set[str]:
    with psycopg.connect(pg.conninfo(), autocommit=True) as conn:
        rows = conn.execute(ALIVE.replace("?", "%s"), (NAMES, lock_prefix(schema))).fetchall()
    return {name for (name,) in rows}


def other_connections(pg: PrivatePostgres) -> int:
    """Client connections to the cluster besides the one asking."""
    with psycopg.connect(pg.conninfo(), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) - 1 FROM pg_stat_activity WHERE backend_type = 'client backend'").fetchone()
    return int(row[0])


# -- without a server ---------------------------------------------------------------------


def test_migrate_twice_is_a_no_op_and_workers_starting_together_run_no_ddl(
    private_pg: PrivatePostgres, tmp_path: Path,  # noqa: F811
) -> None:
    pg, schema = private_pg, "ddl_once"
    pg.create_schema(schema)
    first = cli(pg, schema, tmp_path, "migrate")
    assert first.returncode == 0 and "migrated" in first.stderr, first.stderr
    mark = len(pg.log())
    again = cli(pg, schema, tmp_path, "migrate")
    assert again.returncode == 0 and "up to date" in again.stderr, again.stderr
    assert ddl_since(pg, mark) == []

    # Five workers start at the same moment (a deploy): each reads the schema's version, none runs DDL.
    with open(tmp_path / "workers.log", "wb") as log:
        workers = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "projections", "run"], cwd=ROOT,
                                   env=server_env(tmp_path, database_url=pg.url, database_schema=schema),
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: workers_alive(pg, schema) == set(NAMES), 30, "every worker to start", every=0.2)
        assert ddl_since(pg, mark) == []
    finally:
        workers.send_signal(signal.SIGTERM)
        assert workers.wait(timeout=20) == 0


def test_serve_with_too_few_connections_stops_at_once_saying_what_to_change(
    private_pg: PrivatePostgres, tmp_path: Path,  # noqa: F811
) -> None:
    pg, schema = private_pg, "starved"
    pg.create_schema(schema)
    pg.stop()
    pg.start(max_connections="12")
    try:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "interfaces.cli", "serve", "--workers", "2",
                               "--port", str(free_port())], cwd=ROOT, capture_output=True, text=True, timeout=60,
                              env=server_env(tmp_path, database_url=pg.url, database_schema=schema))
        assert done.returncode == 2, done.stderr
        assert time.monotonic() - started < 15
        message = done.stderr
        assert "SchedulaX needs" in message and "PostgreSQL has room for" in message, message
        assert "2 API processes x" in message and f"{WORKER_PROCESSES} projection workers x 3" in message, message
        assert "max_connections 12 - 3 reserved for superusers" in message, message
        assert "SCHEDULAX_POSTGRES_POOL_SIZE" in message, message
        assert other_connections(pg) == 0  # nothing was left behind, crash-looping or not
    finally:
        pg.stop()
        pg.start()


# -- one `serve`, faults one after another ------------------------------------------------


@dataclass
class Served:
    pg: PrivatePostgres
    schema: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    token: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def supervisor(self) -> int | None:
        found = [pid for pid in descendants(self.process.pid)[1:] if "projections run" in command_line(pid)]
        return found[0] if found else None

    def healthy(self) -> bool:
        try:
            return httpx.get(self.url + "/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.fixture(scope="module")
def served(private_pg: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:  # noqa: F811
    pg, schema = private_pg, "served"
    pg.create_schema(schema)
    tmp = tmp_path_factory.mktemp("served")
    port = free_port()
    env = server_env(tmp, database_url=pg.url, database_schema=schema, read_your_writes_timeout="1.5")
    log_path = tmp / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "serve", "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    family: set[int] = set()
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process)
        wait_until(lambda: workers_alive(pg, schema) == set(NAMES), 30, "the projection workers", every=0.2)
        family.update(descendants(process.pid))
        root = httpx.post(url + "/api/auth/create-system-admin", timeout=10, json={
            "full_name": "Root Admin", "email": "root@faults.test", "password": "password-123"})
        assert root.status_code == 201, root.text
        served = Served(pg, schema, url, process, log_path, bearer(root.json()["token"]))
        wait_until(served.healthy, 30, "serve to be healthy", every=0.2)
        yield served
    finally:
        family.update(descendants(process.pid))
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for pid in family:
            if pid != process.pid and alive(pid) and "interfaces" in command_line(pid):
                os.kill(pid, signal.SIGKILL)


def request(served: Served, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.request(method, served.url + path, json=body, headers=served.token, timeout=15)
    return response, time.monotonic() - started


def test_with_postgresql_stopped_requests_answer_503_at_once_and_service_resumes_within_2_s_of_its_return(
    served: Served,
) -> None:
    wait_until(served.healthy, 15, "serve to be healthy", every=0.2)
    served.pg.stop()
    try:
        for method, path, body in [("POST", "/api/enterprises", {"name": "During the outage"}),
                                   ("GET", "/api/enterprises", None), ("GET", "/api/auth/profile", None)]:
            response, took = request(served, method, path, body)
            assert response.status_code == 503, (method, path, response.text)
            assert took < 2.0, f"{method} {path} took {took:.2f} s"
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json()["detail"]["code"] == "SERVICE_UNAVAILABLE"
        time.sleep(1.0)  # each process reuses its health report for a second
        started = time.monotonic()
        health = httpx.get(served.url + "/health", timeout=10)
        assert time.monotonic() - started < 1.0
        assert health.status_code == 503
        checks = health.json()["checks"]
        assert checks["event_store"].startswith("error") and checks["read_models"].startswith("error"), checks
    finally:
        served.pg.start()
    back = time.monotonic()

    def answered() -> bool:
        return request(served, "GET", "/api/enterprises")[0].status_code == 200

    wait_until(answered, 2.0, "queries to answer again")
    print(f"queries answered again {time.monotonic() - back:.2f} s after PostgreSQL's return")
    created, took = request(served, "POST", "/api/enterprises", {"name": "After the outage"})
    assert created.status_code in (201, 202), created.text  # 202: a worker was still reconnecting
    assert took < 2.0
    wait_until(served.healthy, 10, "health to be ok again (the workers reconnected)", every=0.1)


def test_postgresql_restarted_under_a_load_of_commands_answers_no_500_and_retries_create_nothing_twice(
    served: Served,
) -> None:
    """Every command carries an Idempotency-Key; afterwards each one that did not answer 201 is
    sent again with its key. No answer is a 500, every acknowledged command is stored, and no
    name is stored twice: a retry of an applied command (a 202, or a 503 whose save went
    through before the connection broke) creates nothing."""
    wait_until(served.healthy, 15, "serve to be healthy", every=0.2)
    answers: list[tuple[str, int, str]] = []
    stop = threading.Event()

    def send(client: httpx.Client, name: str) -> httpx.Response:
        return client.post("/api/enterprises", json={"name": name}, headers={"Idempotency-Key": f"create {name}"})

    def load(worker: int) -> None:
        with httpx.Client(base_url=served.url, headers=served.token, timeout=15) as client:
            n = 0
            while not stop.is_set():
                name = f"Load {worker}-{n}"
                response = send(client, name)
                answers.append((name, response.status_code, response.text))
                n += 1

    threads = [threading.Thread(target=load, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        served.pg.stop()
        # Longer than the pools' 1 s wait for a connection: requests sent meanwhile must give up.
        time.sleep(1.5)
        served.pg.start()
        time.sleep(2.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    statuses = Counter(status for _, status, _ in answers)
    errors = [(name, status, text[:200]) for name, status, text in answers if status not in (201, 202, 503)]
    assert errors == [], statuses
    assert statuses[201] > 0 and statuses[503] + statuses[202] > 0, statuses  # the restart landed mid-load
    acknowledged = {name for name, status, _ in answers if status in (201, 202)}

    retried: dict[str, int] = {}
    with httpx.Client(base_url=served.url, headers=served.token, timeout=15) as client:
        for name, status, _ in answers:
            if status != 201:
                retried[name] = wait_until(lambda: (r := send(client, name)).status_code != 503 and r, 10,
                                           f"the retry of {name} to be answered").status_code
    assert set(retried.values()) <= {201, 202, 409}, retried
    assert all(retried[name] != 201 for name in acknowledged if name in retried), retried  # nothing ran twice

    def stored() -> Counter[str]:
        with psycopg.connect(served.pg.conninfo(), autocommit=True,
                             options=f"-c search_path={served.schema}") as conn:
            return Counter(name for (name,) in conn.execute("SELECT name FROM rm_enterprises").fetchall())

    wanted = acknowledged | set(retried)
    wait_until(lambda: wanted <= set(stored()), 15, "every acknowledged command in the read models", every=0.2)
    twice = {name: count for name, count in stored().items() if count > 1}
    assert twice == {}, twice


def test_the_supervisor_killed_takes_its_workers_along_and_serve_starts_it_again(served: Served) -> None:
    wait_until(served.healthy, 15, "serve to be healthy", every=0.2)
    supervisor = served.supervisor()
    assert supervisor is not None
    workers = [pid for pid in descendants(supervisor)[1:] if "multiprocessing" in command_line(pid)]
    assert len(workers) >= WORKER_PROCESSES, [command_line(p) for p in workers]
    os.kill(supervisor, signal.SIGKILL)
    wait_until(lambda: not any(alive(pid) for pid in workers), 10, "the orphaned workers to exit")
    again = wait_until(lambda: (pid := served.supervisor()) not in (None, supervisor) and pid, 10,
                       "serve to start the supervisor again")
    assert f"projection supervisor (pid {supervisor}) exited with -9" in served.log()
    wait_until(lambda: workers_alive(served.pg, served.schema) == set(NAMES), 30, "the new workers", every=0.2)
    assert alive(again)
    wait_until(served.healthy, 10, "health to be ok again", every=0.1)


def test_serve_killed_leaves_no_projection_process_and_no_connection_behind(served: Served) -> None:
    family = descendants(served.process.pid)
    assert len(family) > WORKER_PROCESSES
    served.process.kill()
    served.process.wait(10)
    # Each child ends itself at most the lifeline's grace after it notices (infrastructure/lifeline.py);
    # a busy machine can use most of it shutting down gracefully.
    try:
        wait_until(lambda: not any(alive(pid) for pid in family), 25, "every process of serve to exit", every=0.1)
    except AssertionError:
        left = [command_line(pid) for pid in family if alive(pid)]
        raise AssertionError(f"still running 25 s after serve was killed: {left}") from None
    wait_until(lambda: other_connections(served.pg) == 0, 5, "their connections to close", every=0.1)
