"""Reading one file out of a multipart/form-data body as it streams in.

Litestar's own form parsing reads the whole body into memory first; here the sans-I/O
parser of the `multipart` package (already Litestar's dependency) is fed each chunk as it
arrives, so a file of any size passes through a few chunks of memory on its way to the
blob store. Parts other than the file are read and dropped; their bytes still count
against the request's limit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio.from_thread
from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header

from domain.errors import RuleViolation, TooLarge

FIELD = "file"
FORM_OVERHEAD = 64 * 1024
"""Bytes of a multipart body besides the file itself that are accepted (headers, boundaries,
a few small fields)."""


class MissingFile(RuleViolation):
    def __init__(self, why: str = "") -> None:
        super().__init__(f"Missing required field: {FIELD}{why}", field=FIELD, missing_fields=[FIELD])


def boundary_of(content_type: str) -> str:
    kind, options = parse_options_header(content_type or "")
    if kind != "multipart/form-data" or not options.get("boundary"):
        raise MissingFile(" (send it as multipart/form-data)")
    return options["boundary"]


class FilePart:
    """The `file` part of a multipart stream: `find` reads up to its headers, `chunks` its bytes."""

    def __init__(self, stream: AsyncIterator[bytes], content_type: str, max_file_bytes: int) -> None:
        self._stream = stream
        try:
            self._parser = PushMultipartParser(boundary_of(content_type), max_header_count=8)
        except MultipartError as error:
            raise RuleViolation(f"Malformed multipart body: {error}", field=FIELD) from None
        self._events: deque[Any] = deque()
        self._received = 0
        self._max_file_bytes = max_file_bytes
        self._max_body_bytes = max_file_bytes + FORM_OVERHEAD
        self._ended = False

    async def find(self) -> str | None:
        """Read up to the file part's headers; its file name (None when it gave none).
        MissingFile when the body ends without one."""
        while True:
            event = await self._next()
            if isinstance(event, MultipartSegment) and event.name == FIELD:
                return event.filename
            if event is _END:
                raise MissingFile()

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file part's bytes; then the rest of the body is read, so that a malformed or
        truncated body fails here, before the blob store keeps anything."""
        while (event := await self._next()) is not None and event is not _END:
            if isinstance(event, bytes):
                yield event
        while await self._next() is not _END:
            pass

    async def _next(self) -> Any:
        while not self._events:
            if self._ended:
                return _END
            try:
                chunk = await self._stream.__anext__()
            except StopAsyncIteration:
                chunk = b""
            self._received += len(chunk)
            if self._received > self._max_body_bytes:
                raise too_large(self._max_file_bytes)
            try:
                self._events.extend(self._parser.parse(chunk))
                if not chunk:
                    self._parser.close()
            except MultipartError as error:
                raise RuleViolation(f"Malformed multipart body: {error}", field=FIELD) from None
            self._ended = self._parser.closed or not chunk
        return self._events.popleft()


_END = object()


def too_large(max_file_bytes: int) -> TooLarge:
    """The file is over the limit; also said of a body over it with the form's overhead, which
    is the file's fault but for a few bytes of headers."""
    return TooLarge(f"The file is larger than the limit of {max_file_bytes} bytes",
                    field=FIELD, max_file_bytes=max_file_bytes)


def blocking(chunks: AsyncIterator[bytes]) -> Iterator[bytes]:
    """`chunks` for code running in a worker thread (anyio's): each step runs on the event loop."""
    while True:
        try:
            yield anyio.from_thread.run(chunks.__anext__)
        except StopAsyncIteration:
            return
