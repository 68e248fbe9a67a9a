"""Copying an upload into a store's scratch file: hashed, counted against the limit, its first
bytes kept for sniffing. One loop for every blob store, so they refuse and hash alike."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import BinaryIO

from application.ports import BlobTooLarge


def copy_counted(chunks: Iterable[bytes], out: BinaryIO, max_bytes: int, head_bytes: int) -> tuple[str, int, bytes]:
    """Write `chunks` to `out`; (SHA-256 hex, size, first `head_bytes`). Raises BlobTooLarge as
    soon as the bytes pass `max_bytes`, before the rest is read."""
    digest, size, head = hashlib.sha256(), 0, b""
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise BlobTooLarge(max_bytes)
        if len(head) < head_bytes:
            head += chunk[: head_bytes - len(head)]
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest(), size, head
