"""psycopg pools that give up quickly while PostgreSQL is away and notice at once when it is back."""

from __future__ import annotations

import time
from typing import Any

from psycopg_pool import ConnectionPool
from psycopg_pool.base import AttemptWithBackoff

RECONNECT_DELAY = 0.5
"""Seconds between a pool's attempts to replace a lost connection."""

IDLE_CHECK_AFTER = 0.5
"""A pooled connection idle for longer is checked (one empty query) before it is handed out."""


def resume_quickly() -> None:
    """Replace lost connections every half second, however long the outage.

    psycopg_pool retries with exponential backoff (1, 2, 4 ... s, for five minutes): after a
    30 s outage its next attempt may be 16 s away, and every request would keep failing for
    that long after PostgreSQL is back. An attempt against a stopped server is a refused
    connection, which costs nothing. This applies to every pool of the process, eventsourcing's
    included (it builds its own), which is the point.
    """
    AttemptWithBackoff.INITIAL_DELAY = RECONNECT_DELAY
    AttemptWithBackoff.DELAY_BACKOFF = 1.0


def _returned(conn: Any) -> None:
    """The pool's `reset` hook: remember when the connection was last given back."""
    conn._schedulax_idle_since = time.monotonic()


def _checked_if_idle(conn: Any) -> None:
    """The pool's `check` hook. A connection used within the last half second is used as it is:
    a restart of PostgreSQL takes longer than that, so only connections that sat idle can be
    stale, and checking every one would add a round trip to every query."""
    if time.monotonic() - getattr(conn, "_schedulax_idle_since", 0.0) > IDLE_CHECK_AFTER:
        ConnectionPool.check_connection(conn)


def pool(conninfo: str, max_size: int, timeout: float, kwargs: dict[str, Any]) -> ConnectionPool:
    """A pool that opens one connection at once, waits at most `timeout` for one (then raises
    PoolTimeout, an OperationalError), and discards connections PostgreSQL has closed."""
    resume_quickly()
    return ConnectionPool(conninfo, min_size=1, max_size=max_size, timeout=timeout, kwargs=kwargs,
                          check=_checked_if_idle, reset=_returned, open=True)
