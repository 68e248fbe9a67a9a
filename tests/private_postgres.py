"""A PostgreSQL cluster of the test session's own, on a spare port.

Fault tests stop, restart and starve it; the shared server at 5432 is never touched.
`initdb` and `pg_ctl` run in a temporary folder, as the `postgres` user when the tests run
as root (PostgreSQL refuses to run as root), and the folder is removed afterwards, also
when a test fails. Without the PostgreSQL binaries the tests skip, or fail when CI is set.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.live import free_port

FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
"""Nothing here needs to survive a power cut."""


def _bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


@dataclass
class PrivatePostgres:
    folder: Path
    bindir: Path
    port: int
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log_path(self) -> Path:
        return self.folder / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres connect_timeout=2"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr or done.stdout}")
        return done

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                  "--locale=C", "-E", "UTF8")

    def start(self, **settings: str) -> None:
        """Start it, with `settings` (`max_connections="12"`) on top of the session's own."""
        options = {**FAST, "listen_addresses": "127.0.0.1", "port": str(self.port),
                   "unix_socket_directories": str(self.folder), **self.settings, **settings}
        flags = " ".join(f"-c {key}={value}" for key, value in options.items())
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "-t", "30",
                  "-o", flags, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def create_schema(self, name: str) -> None:
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            conn.execute(f"CREATE SCHEMA {name}")


@contextmanager
def private_postgres(**settings: str) -> Iterator[PrivatePostgres]:
    """A new cluster, started; stopped and deleted afterwards whatever happened."""
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL binaries (initdb) found")
    folder = Path(tempfile.mkdtemp(prefix="schedulax-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    cluster = PrivatePostgres(folder, bindir, free_port(), dict(settings))
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            try:
                cluster.stop("immediate")
            except Exception:  # noqa: BLE001 - the folder goes anyway
                pass
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivatePostgres]:
    """The session's private cluster, logging every DDL statement (`log_statement=ddl`)."""
    try:
        context = private_postgres(log_statement="ddl")
        cluster = context.__enter__()
    except Exception as error:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"a private PostgreSQL cluster is required in CI but could not start: {error}")
        pytest.skip(f"no private PostgreSQL cluster: {error}")
    try:
        yield cluster
    finally:
        context.__exit__(None, None, None)
