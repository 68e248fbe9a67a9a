"""Audit entries of uploaded files: who uploaded what, in which enterprise (never the bytes)."""

from __future__ import annotations

from typing import Any

from domain.stored_file import StoredFile

from projections.audit_ledger import Ledger, created
from projections.base import Handler
from projections.sql import Cursor

FIELDS = ("name", "size", "content_type", "sha256")


def handlers(ledger: Ledger) -> dict[type, Handler]:
    def uploaded(e: Any, cur: Cursor) -> None:
        state = {"id": e.file_id, "enterprise_id": e.enterprise_id, "name": e.name, "size": e.size,
                 "content_type": e.content_type, "sha256": e.sha256}
        ledger.record(cur, e, "file_uploaded", "file", e.file_id, state, e.by,
                      f"{ledger.who(cur, e.by)} uploaded file #{e.file_id} {e.name}"
                      f" ({e.size} bytes, {e.content_type})", created(state, FIELDS))

    return {StoredFile.Uploaded: uploaded}
