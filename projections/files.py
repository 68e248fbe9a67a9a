"""Projection of uploaded files into rm_files: who owns which bytes, for downloads and quotas."""

from __future__ import annotations

from typing import Any

from domain.stored_file import StoredFile

from projections.base import Handler, Projection, stamp, uuid_of
from projections.sql import Cursor

FILES = [
    """
    CREATE TABLE IF NOT EXISTS rm_files (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        owner_id BIGINT NOT NULL,
        enterprise_id BIGINT,
        name TEXT NOT NULL,
        size BIGINT NOT NULL,
        content_type TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        version INTEGER NOT NULL
    )""",
    # The quota sums an owner's sizes: one index range, never a scan.
    "CREATE INDEX IF NOT EXISTS rm_files_owner ON rm_files (owner_id, size)",
]


class FilesProjection(Projection):
    name = "files"
    ddl = FILES
    version = 1

    def handlers(self) -> dict[type, Handler]:
        return {StoredFile.Uploaded: self.uploaded}

    def uploaded(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO rm_files (id, uuid, owner_id, enterprise_id, name, size, content_type, sha256,"
            " created_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.file_id, uuid_of(e), e.owner_id, e.enterprise_id, e.name, e.size, e.content_type,
             e.sha256, at, version),
        )
