"""A circuit breaker: after a failure, stop calling a service for a cool-off, then let one probe decide.

Redis is an accelerator: while it is away, callers take their local fallback at once instead
of paying a timeout per request. The cool-off grows while probes keep failing (2 s, 4 s, then
5 s), and a success closes the circuit. Thread-safe, and safe on an event loop: the lock is
only held for a few assignments, never across I/O.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self, first_cooloff: float = 2.0, longest_cooloff: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._first = first_cooloff
        self._longest = longest_cooloff
        self._clock = clock
        self._lock = threading.Lock()
        self._streak = 0
        """Failed attempts that set a cool-off in this outage; 0 while the circuit is closed."""
        self._open_until = 0.0
        self._probe_until = 0.0
        """A probe is out until then; a probe whose caller never reports does not block for good."""

    @property
    def state(self) -> str:
        """`closed` (calls go through), `open` (cooling off) or `probing` (the next call decides)."""
        with self._lock:
            if not self._streak:
                return "closed"
            return "open" if self._clock() < self._open_until else "probing"

    def allow(self) -> bool:
        """May a call be attempted now? Always while closed; after a cool-off, once (the probe)."""
        with self._lock:
            if not self._streak:
                return True
            now = self._clock()
            if now < self._open_until or now < self._probe_until:
                return False
            self._probe_until = now + self._first
            return True

    def succeeded(self) -> bool:
        """Record a successful call; True when it ends an outage (the circuit was open)."""
        with self._lock:
            recovered = self._streak > 0
            self._streak = 0
            self._open_until = self._probe_until = 0.0
            return recovered

    def failed(self) -> bool:
        """Record a failed call; True when it begins an outage (the circuit was closed)."""
        with self._lock:
            now = self._clock()
            if self._streak and now < self._open_until:
                return False  # a call let through before the circuit opened: the cool-off stands
            self._streak += 1
            cooloff = min(self._first * 2 ** (self._streak - 1), self._longest)
            self._open_until = now + cooloff
            self._probe_until = 0.0
            return self._streak == 1

    def retry_after(self) -> float:
        """Seconds until the next probe may be made (0 while closed)."""
        with self._lock:
            if not self._streak:
                return 0.0
            return max(0.0, self._open_until - self._clock())
