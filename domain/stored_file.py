"""A stored file: bytes someone uploaded, known by the SHA-256 of its content.

The bytes themselves live in a blob store (application/ports.py `BlobStore`), once per
distinct content; the aggregate holds what is known about one upload of them: who uploaded
it, for which enterprise, under which name, and what its bytes were found to be. Two
uploads of the same bytes are two files (each its owner's, each counted in its owner's
quota) over one blob.
"""

from __future__ import annotations

import re
import unicodedata
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.ids import aggregate_uuid

KIND = "file"
MAX_NAME_LENGTH = 255
DEFAULT_NAME = "file"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def clean_name(name: str | None) -> str:
    """The file name as given, reduced to its last path component, without control characters
    or separators (a client's full path, or `../`, must never reach a header or a disk), and
    NFC-normalised; `file` when nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE.sub("", text).strip().strip(".") or DEFAULT_NAME
    return text[:MAX_NAME_LENGTH]


class StoredFile(Aggregate):
    """One upload: its owner, enterprise, name, size, sniffed content type and content hash."""

    @staticmethod
    def id_for(file_id: int) -> UUID:
        return aggregate_uuid(KIND, file_id)

    @classmethod
    def upload(cls, *, file_id: int, owner_id: int, enterprise_id: int | None, name: str | None,
               size: int, content_type: str, sha256: str, by: int) -> StoredFile:
        if size < 0:
            raise RuleViolation("A file's size cannot be negative", field="file")
        if not _SHA256.fullmatch(sha256):
            raise RuleViolation("A file's hash is 64 lowercase hex digits", field="file")
        return cls(id=cls.id_for(file_id), file_id=file_id, owner_id=owner_id, enterprise_id=enterprise_id,
                   name=clean_name(name), size=size, content_type=content_type, sha256=sha256, by=by)

    @event("Uploaded")
    def __init__(self, *, id: UUID, file_id: int, owner_id: int,  # noqa: A002 (eventsourcing's name)
                 enterprise_id: int | None, name: str, size: int, content_type: str, sha256: str,
                 by: int) -> None:
        self.file_id = file_id
        self.owner_id = owner_id
        self.enterprise_id = enterprise_id
        self.name = name
        self.size = size
        self.content_type = content_type
        self.sha256 = sha256
        self.by = by
