"""`serve` keeps the projection supervisor (`schedulax projections run`) running.

It starts it before the API, starts it again with backoff whenever it dies (a crash, the
OOM killer, an operator's `kill`), and stops it when serve stops. The supervisor is given
serve's pid: if serve dies without stopping it (SIGKILL), the supervisor notices
(`infrastructure.lifeline`) and stops its workers, and they stop if the supervisor dies.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Sequence

log = logging.getLogger("schedulax.serve")

FIRST_DELAY = 1.0
LONGEST_DELAY = 30.0
STEADY = 60.0
"""A supervisor that ran this long before it died is restarted after the first delay again."""


class SupervisorKeeper:
    def __init__(self, command: Sequence[str]) -> None:
        self._command = list(command)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._keep, name="projection-supervisor", daemon=True)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        self._thread.start()

    def _keep(self) -> None:
        delay = FIRST_DELAY
        while not self._stopping.is_set():
            with self._lock:
                if self._stopping.is_set():
                    return
                try:
                    # A session of its own: Ctrl-C in a terminal reaches serve, which stops it in order.
                    self._process = subprocess.Popen(self._command, start_new_session=True)
                except OSError:
                    log.exception("could not start the projection supervisor; trying again in %.0f s", delay)
                    self._process = None
            if self._process is not None:
                started = time.monotonic()
                code = self._process.wait()
                if self._stopping.is_set():
                    return
                if time.monotonic() - started > STEADY:
                    delay = FIRST_DELAY
                log.warning("projection supervisor (pid %d) exited with %s; starting it again in %.0f s",
                            self._process.pid, code, delay)
            self._stopping.wait(delay)
            delay = min(delay * 2, LONGEST_DELAY)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (it stops its workers between batches), then SIGKILL after `timeout`."""
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._thread.join(timeout=5)
