"""What the files read model answers about one upload."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileRecord:
    id: int
    owner_id: int
    enterprise_id: int | None
    name: str
    size: int
    content_type: str
    sha256: str
    created_at: str


@dataclass(frozen=True)
class BlobWritten:
    """A blob the store holds once `put` returns: the hash and size of all the bytes, and the
    first of them (for sniffing the content type)."""

    sha256: str
    size: int
    head: bytes
