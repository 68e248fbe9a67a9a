"""The audit projection's index (`au_entries`) as it would stand behind the log: as-of's index
selection (`projections.roster_index`) reads entries only up to the audit projection's tracked
position and scans the tail, so moving that position back emulates an index that lags."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from projections.audit import AuditProjection
from projections.roster_index import INDEX_PROJECTION

AU_ENTRIES = AuditProjection().ddl
"""The real projection's tables and indexes, for tests of the index's own SQL."""


@contextmanager
def audit_index_behind(store: Any, upto: int) -> Iterator[None]:
    """As if the audit projection had reached only `upto`; its real position afterwards."""
    with store.read() as cur:
        cur.execute("SELECT position FROM projection_tracking WHERE name = ?", (INDEX_PROJECTION,))
        row = cur.fetchone()
    reached = int(row["position"]) if row else 0
    with store.write() as cur:
        cur.execute("UPDATE projection_tracking SET position = ? WHERE name = ?", (min(upto, reached), INDEX_PROJECTION))
    try:
        yield
    finally:
        with store.write() as cur:
            cur.execute("UPDATE projection_tracking SET position = ? WHERE name = ?", (reached, INDEX_PROJECTION))
