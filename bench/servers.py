"""The server as production starts it, for the suite, and the resident memory of its processes.

`Service` runs one `python -m` command (`schedulax serve`, `projections run`, `worker`,
a bare uvicorn app) in its own session with its log in a file; `MemoryWatch` samples the resident set of every process
under the services (uvicorn's workers, the projection supervisor's children) from /proc.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from bench.pg import die_with_parent
from bench.ws_clients import rss_mb

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    def __init__(self, name: str, args: Sequence[str], env: dict[str, str], log_path: Path) -> None:
        """`args` follow `python -m`: a module and its arguments."""
        self.name = name
        self._args = [sys.executable, "-m", *args]
        self._env = {**env, "PYTHONUNBUFFERED": "1"}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self._args, cwd=ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=die_with_parent,
            )
        return self

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_for_log(self, needle: str, count: int = 1, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log_path.exists() and self.log_path.read_text(errors="replace").count(needle) >= count:
                return
            self._check_alive()
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not log {needle!r}:\n{self.tail()}")

    def wait_http(self, port: int, path: str = "/health", timeout: float = 90, expect: int | None = None) -> None:
        """Until `path` answers: `expect` if given, else anything but a 5xx."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                try:
                    conn.request("GET", path)
                    status = conn.getresponse().status
                finally:
                    conn.close()
                if status == expect or (expect is None and status < 500):
                    return
            except (OSError, http.client.HTTPException):
                pass  # not listening yet
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer on {port}:\n{self.tail()}")

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM to the whole process group (uvicorn's workers, a supervisor's children), then
        SIGKILL to whatever of it is left after `timeout`. Waits for the group, not only the
        leader: with several uvicorn workers, multiprocessing's resource tracker ignores
        SIGTERM and leaves only once the workers are gone."""
        process = self.process
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None and not _group_alive(process.pid):
                return
            time.sleep(0.05)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)

    def pids(self) -> list[int]:
        """The service's process and every descendant."""
        if self.process is None or self.process.poll() is not None:
            return []
        return descendants(self.process.pid)


def descendants(root: int) -> list[int]:
    """`root` and every process under it, from the parent ids in /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[parent].append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False


def _rss_or_zero(pid: int) -> float:
    try:
        return rss_mb(pid)
    except OSError:  # the process ended between listing and reading
        return 0.0


def leaves(service: Service) -> list[int]:
    """The processes that do the work: uvicorn's or the supervisor's children, or the process itself."""
    pids = service.pids()
    return pids[1:] or pids


class MemoryWatch:
    """Peak resident MB per service (its largest working process) while running."""

    def __init__(self, services: Sequence[Service], every: float = 0.25) -> None:
        self._services = services
        self._every = every
        self.peaks: dict[str, float] = defaultdict(float)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self._sample()

    def _sample(self) -> None:
        for service in self._services:
            for pid in leaves(service):
                self.peaks[service.name] = max(self.peaks[service.name], _rss_or_zero(pid))


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU of `pids` so far, from /proc/<pid>/stat (utime and stime)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        total += int(fields[11]) + int(fields[12])
    return total / _TICKS


class Running:
    """A process started elsewhere (with its descendants), for `CpuWatch`."""

    def __init__(self, name: str, pid: int) -> None:
        self.name, self._pid = name, pid

    def pids(self) -> list[int]:
        return descendants(self._pid)


class CpuWatch:
    """CPU seconds each service's processes used inside the block (`used`, by service name).

    The processes are listed when the block starts: the API's and the projections' are
    long-lived, so none is missed."""

    def __init__(self, services: Sequence[Service | Running]) -> None:
        self._pids = {service.name: service.pids() for service in services}
        self.used: dict[str, float] = {}

    def __enter__(self) -> CpuWatch:
        self._before = {name: cpu_seconds(pids) for name, pids in self._pids.items()}
        return self

    def __exit__(self, *_: object) -> None:
        self.used = {name: cpu_seconds(pids) - self._before[name] for name, pids in self._pids.items()}
