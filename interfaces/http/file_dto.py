"""Bodies of /files (000's surface: ids as strings) and the upload's documented request body."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType

from application.file_views import FileRecord


class FileCreated(msgspec.Struct, kw_only=True):
    """000's `{id, url}`, with what the server found the file to be beside them."""

    id: str
    url: str
    """Where the file is downloaded from (`GET`, with the same bearer token)."""
    name: str
    size: int
    content_type: str
    """Sniffed from the bytes, not taken from the client."""
    sha256: str
    created_at: str


def file_url(file_id: int) -> str:
    return f"/files/{file_id}"


def created(record: FileRecord) -> FileCreated:
    return FileCreated(id=str(record.id), url=file_url(record.id), name=record.name, size=record.size,
                       content_type=record.content_type, sha256=record.sha256, created_at=record.created_at)


@dataclass
class UploadOperation(Operation):
    """The upload reads its body itself, streaming, so Litestar cannot see it: it is declared here."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="multipart/form-data with one part named `file` (its file name is kept)",
            content={"multipart/form-data": OpenAPIMediaType(schema=Schema(
                type=OpenAPIType.OBJECT,
                properties={"file": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)},
                required=["file"],
            ))},
        )
