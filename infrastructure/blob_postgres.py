"""Blobs in PostgreSQL (production): a bytea table of 256 KiB chunks, keyed by SHA-256.

An upload is first spooled to a local temporary file while it is hashed (a client sending
slowly holds no database connection), then, unless the blob is already there, copied in one
short transaction, chunk by chunk. Reading fetches one chunk per statement, each on a pooled
connection held only for it, so a slow download never pins a connection either. Neither
direction holds more than a chunk in memory.

Chunks rather than large objects: plain rows are covered by ordinary backups, replication
and `pg_dump` of the schema, and need no `lo_unlink` housekeeping.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from application.file_views import BlobWritten
from infrastructure.blob_copy import copy_counted

CHUNK_BYTES = 256 * 1024
SPOOL_IN_MEMORY = 256 * 1024
"""Up to this much of an upload stays in memory while it is hashed; past it, on local disk."""

BLOBS_DDL = [
    """
    CREATE TABLE IF NOT EXISTS file_blobs (
        sha256 TEXT PRIMARY KEY,
        size BIGINT NOT NULL,
        chunks INTEGER NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS file_blob_chunks (
        sha256 TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (sha256, seq)
    )""",
]
"""Not a projection's tables: no rebuild drops them (the events hold only the hashes)."""


class PostgresBlobStore:
    def __init__(self, store: Any) -> None:
        """`store`: a PostgresReadStore, whose pool the blobs share."""
        self._store = store

    def put(self, chunks: Iterable[bytes], max_bytes: int, head_bytes: int) -> BlobWritten:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            sha256, size, head = copy_counted(chunks, spool, max_bytes, head_bytes)
            if not self.exists(sha256):
                spool.seek(0)
                self._copy_in(sha256, size, spool)
        return BlobWritten(sha256=sha256, size=size, head=head)

    def _copy_in(self, sha256: str, size: int, spool: Any) -> None:
        count = -(-size // CHUNK_BYTES)
        with self._store.write(bulk=True) as cur:
            # Two uploads of the same new bytes: the second waits on the first's row, then
            # inserts nothing and writes no chunks.
            cur.execute("INSERT INTO file_blobs (sha256, size, chunks) VALUES (?, ?, ?)"
                        " ON CONFLICT (sha256) DO NOTHING RETURNING sha256", (sha256, size, count))
            if cur.fetchone() is None:
                return
            seq = 0
            while chunk := spool.read(CHUNK_BYTES):
                cur.execute("INSERT INTO file_blob_chunks (sha256, seq, data) VALUES (?, ?, ?)",
                            (sha256, seq, chunk))
                seq += 1

    def open(self, sha256: str) -> Iterator[bytes]:
        with self._store.read() as cur:
            cur.execute("SELECT chunks FROM file_blobs WHERE sha256 = ?", (sha256,))
            row = cur.fetchone()
        if row is None:
            raise KeyError(sha256)
        return self._chunks(sha256, int(row["chunks"]))

    def _chunks(self, sha256: str, count: int) -> Iterator[bytes]:
        for seq in range(count):
            with self._store.read() as cur:
                cur.execute("SELECT data FROM file_blob_chunks WHERE sha256 = ? AND seq = ?", (sha256, seq))
                row = cur.fetchone()
            if row is None:
                raise KeyError(f"{sha256} lost its chunk {seq}")
            yield bytes(row["data"])

    def exists(self, sha256: str) -> bool:
        with self._store.read() as cur:
            cur.execute("SELECT 1 AS found FROM file_blobs WHERE sha256 = ?", (sha256,))
            return cur.fetchone() is not None

    def count(self) -> int:
        """How many blobs are stored (for tests and operators)."""
        with self._store.read() as cur:
            cur.execute("SELECT COUNT(*) AS n FROM file_blobs")
            row = cur.fetchone()
        return int(row["n"]) if row else 0
