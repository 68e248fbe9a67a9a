"""PostgreSQL NOTIFY channels, one set per schema.

LISTEN/NOTIFY is per database, not per schema: a channel named after a table alone would
wake the listeners of every SchedulaX deployment that shares the database. The schema
goes in the name; a name past PostgreSQL's 63 bytes (it would silently truncate it, and
two long schemas could then meet) keeps its head and a digest of the whole.
"""

from __future__ import annotations

import hashlib

LONGEST = 63


def channel(schema: str, name: str) -> str:
    full = f"{schema or 'public'}_{name}"
    if len(full.encode()) <= LONGEST:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:16]
    return full.encode()[: LONGEST - 17].decode(errors="ignore") + "_" + digest


def tracking_channel(schema: str) -> str:
    """Where projection workers announce the tracking positions they commit."""
    return channel(schema, "projection_tracking")
