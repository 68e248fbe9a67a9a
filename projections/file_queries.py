"""The FileQueries port over rm_files."""

from __future__ import annotations

from application.file_views import FileRecord

from projections.sql import ReadStore, one

COLUMNS = "id, owner_id, enterprise_id, name, size, content_type, sha256, created_at"


class SqlFiles:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def file(self, file_id: int) -> FileRecord | None:
        with self._store.read() as cur:
            row = one(cur, f"SELECT {COLUMNS} FROM rm_files WHERE id = ?", file_id)
        return None if row is None else FileRecord(**dict(row))

    def bytes_used(self, owner_id: int) -> int:
        with self._store.read() as cur:
            row = one(cur, "SELECT COALESCE(SUM(size), 0) AS used FROM rm_files WHERE owner_id = ?", owner_id)
        return int(row["used"]) if row else 0
