"""/files (000's surface): upload a file, download it. Only whoever may see a file learns
that it exists; everyone else gets 404 (application/file_access.py)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter
from litestar.response import Response, Stream

from application.file_views import FileRecord
from interfaces.http.file_dto import FileCreated, UploadOperation, created
from interfaces.http.openapi import ErrorEnvelope
from interfaces.http.params import PathId
from interfaces.http.security import Caller, Services
from interfaces.http.uploads import FORM_OVERHEAD, FilePart, blocking, too_large

INLINE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
"""Shown in the browser; every other type is offered as a download."""
IfNoneMatch = Annotated[str | None, HeaderParameter(
    name="If-None-Match", description="An ETag from an earlier download: 304 while the bytes are the same")]


class FileController(Controller):
    path = "/files"
    tags = ["Files"]

    @post("/", status_code=201, request_max_body_size=None, operation_class=UploadOperation,
          summary="Upload a file (000): multipart `file`; answers `{id, url}`",
          description="The content type is sniffed from the bytes (HTML and other text come back as"
          " `text/plain`). Limits: `SCHEDULAX_MAX_FILE_BYTES` per file and `SCHEDULAX_FILE_QUOTA_BYTES`"
          " per user, 413 past either. The same bytes are stored once, whoever uploads them.",
          responses={413: ResponseSpec(data_container=ErrorEnvelope, generate_examples=False,
                                       description="The file is over the size limit or the caller's quota"),
                     400: ResponseSpec(data_container=ErrorEnvelope, generate_examples=False,
                                       description="No `file` part, or a malformed multipart body"),
                     415: ResponseSpec(data_container=ErrorEnvelope, generate_examples=False,
                                       description="The body is neither multipart nor JSON")})
    async def upload(self, request: Request[Any, Any, Any], principal: Caller, container: Services) -> FileCreated:
        files = container.files
        files.check_may_upload(principal)
        announced = request.headers.get("content-length", "")
        if announced.isdigit() and int(announced) > files.max_file_bytes + FORM_OVERHEAD:
            raise too_large(files.max_file_bytes)  # refused before a byte is read
        part = FilePart(request.stream(), request.headers.get("content-type", ""), files.max_file_bytes)
        name = await part.find()
        record = await anyio.to_thread.run_sync(files.upload, principal, name, blocking(part.chunks()))
        return created(record)

    @get("/{file_id:int}", sync_to_thread=True, summary="Download a file: its bytes, with the sniffed type",
         response_headers=[ResponseHeader(name="ETag", documentation_only=True, description="The SHA-256 of the bytes"),
                           ResponseHeader(name="X-Content-Type-Options", documentation_only=True, description="nosniff")],
         responses={200: ResponseSpec(data_container=bytes, media_type="application/octet-stream",
                                      description="The file's bytes, typed as sniffed at upload"),
                    304: ResponseSpec(data_container=None, description="If-None-Match named the current ETag")})
    def download(self, file_id: PathId, principal: Caller, container: Services,
                 if_none_match: IfNoneMatch = None) -> Response[Any]:
        record = container.files.visible_file(principal, file_id)
        headers = _headers(record)
        if if_none_match is not None and _matches(if_none_match, headers["ETag"]):
            return Response(content=b"", status_code=304, headers={k: headers[k] for k in ("ETag", "Cache-Control")})
        return Stream(content=container.files.content(record), media_type=record.content_type, headers=headers)


def _headers(record: FileRecord) -> dict[str, str]:
    disposition = "inline" if record.content_type in INLINE else "attachment"
    return {
        "Content-Length": str(record.size),
        "Content-Disposition": f"{disposition}; {_filename(record.name)}",
        "ETag": f'"{record.sha256}"',
        "X-Content-Type-Options": "nosniff",
        # Nothing served here may run script or load anything, even if a browser renders it.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-cache",
    }


def _filename(name: str) -> str:
    """RFC 6266: an ASCII fallback for old clients, and the real name percent-encoded (RFC 5987)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name)
    return f'filename="{fallback}"; filename*=UTF-8\'\'{quote(name, safe="")}'


def _matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags
