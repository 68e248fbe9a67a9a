"""Calendar events carry uploaded files: the calendar's `AttachmentCheck` over the file service,
so attaching follows the one rule of `application.file_access` (a file's uploader attaches it)."""

from __future__ import annotations

from domain.errors import NotFound

from application.files import FileService
from application.principal import Principal


class FileAttachments:
    def __init__(self, files: FileService) -> None:
        self._files = files

    def unknown(self, principal: Principal, file_ids: list[int]) -> list[int]:
        missing = []
        for file_id in file_ids:
            try:
                self._files.attachable_file(principal, file_id)
            except NotFound:
                missing.append(file_id)
        return missing
