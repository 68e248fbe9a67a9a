"""A session advisory lock, to serialise start-up DDL across processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from infrastructure.settings import PostgresTarget


@contextmanager
def serialised(target: PostgresTarget, name: str) -> Iterator[None]:
    """Hold `pg_advisory_lock(hashtext(name))` for the duration of the block."""
    with psycopg.connect(target.conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))
