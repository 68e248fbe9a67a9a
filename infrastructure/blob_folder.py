"""Blobs as files in a folder (the embedded default), at paths named by their SHA-256.

A blob is written to a temporary file in the same folder and renamed into place only when
complete: a reader never sees half a blob, a crash leaves only a temporary file, and two
writers of the same bytes both rename a complete copy (the second replaces the first with
identical bytes, atomically).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from application.file_views import BlobWritten
from infrastructure.blob_copy import copy_counted

CHUNK_BYTES = 256 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


class FolderBlobStore:
    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def _path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise KeyError(sha256)  # only a hash may name a path: nothing else reaches the disk
        # Two levels of fan-out keep any one directory small.
        return self._folder / sha256[:2] / sha256[2:4] / sha256

    def put(self, chunks: Iterable[bytes], max_bytes: int, head_bytes: int) -> BlobWritten:
        self._folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self._folder, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size, head = copy_counted(chunks, out, max_bytes, head_bytes)
                out.flush()
                os.fsync(out.fileno())
            target = self._path(sha256)
            if target.exists():
                os.unlink(temporary)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return BlobWritten(sha256=sha256, size=size, head=head)

    def open(self, sha256: str) -> Iterator[bytes]:
        try:
            handle = open(self._path(sha256), "rb")  # noqa: SIM115 (closed by the generator)
        except FileNotFoundError:
            raise KeyError(sha256) from None
        return _read(handle)

    def exists(self, sha256: str) -> bool:
        try:
            return self._path(sha256).is_file()
        except KeyError:
            return False

    def count(self) -> int:
        """How many blobs are stored (for tests and operators)."""
        return sum(1 for p in self._folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _read(handle: object) -> Iterator[bytes]:
    with handle:  # type: ignore[attr-defined]
        while chunk := handle.read(CHUNK_BYTES):  # type: ignore[attr-defined]
            yield chunk
