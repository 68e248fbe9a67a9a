"""Uploading and downloading files: bytes into the blob store, a StoredFile event beside them.

The blob is written first and the event saved after, so a saved file always has its bytes;
a save that fails leaves at most an unreferenced blob, which the next upload of the same
bytes reuses.

The quota is checked against the read model before the bytes are read, and again with the
upload's real size after: two uploads running at the same moment may each pass it, so a
user can go past the quota by at most one upload per request they run at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from domain.errors import NotFound, TooLarge
from domain.stored_file import StoredFile

from application import file_access, policy
from application.base import CommandHandler
from application.content_sniffing import SNIFF_BYTES, sniff
from application.events import SchedulaX
from application.file_views import FileRecord
from application.ports import (
    BlobStore,
    BlobTooLarge,
    FileQueries,
    IdAllocator,
    ProjectionSync,
    ReadModelsBehind,
)
from application.principal import Principal
from domain.timeslots import iso


class FileService(CommandHandler):
    def __init__(self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, blobs: BlobStore,
                 queries: FileQueries, max_file_bytes: int, quota_bytes: int,
                 holds_event_carrying: file_access.EventHolding | None = None) -> None:
        """`holds_event_carrying`: the calendar's read of who holds an event carrying a file,
        through which a file's download widens from its uploader to the event's audience."""
        super().__init__(events, ids, sync)
        self._blobs = blobs
        self._queries = queries
        self._holds_event_carrying = holds_event_carrying or (lambda user_id, file_id: False)
        self.max_file_bytes = max_file_bytes
        self.quota_bytes = quota_bytes

    def check_may_upload(self, principal: Principal) -> None:
        """Before a byte of an upload is read: auditors change nothing (403)."""
        policy.require_may_change(principal)

    def upload(self, principal: Principal, name: str | None, chunks: Iterable[bytes]) -> FileRecord:
        """Store the bytes of `chunks` as a new file of the caller's. Refused (413, nothing
        stored) past the size limit or the caller's quota, found while the bytes stream in."""
        self.check_may_upload(principal)
        used = self._queries.bytes_used(principal.id)
        room = self.quota_bytes - used
        if room <= 0:
            raise self._over_quota(used)
        limit = min(self.max_file_bytes, room)
        try:
            blob = self._blobs.put(chunks, limit, SNIFF_BYTES)
        except BlobTooLarge:
            if limit < self.max_file_bytes:
                raise self._over_quota(used) from None
            raise TooLarge(f"The file is larger than the limit of {self.max_file_bytes} bytes",
                           field="file", max_file_bytes=self.max_file_bytes) from None
        stored = StoredFile.upload(
            file_id=self._ids.next_id("file"), owner_id=principal.id, enterprise_id=principal.enterprise_id,
            name=name, size=blob.size, content_type=sniff(blob.head), sha256=blob.sha256, by=principal.id,
        )
        try:
            self._commit(stored)
        except ReadModelsBehind:
            pass  # saved: the answer is built from the aggregate, and a download waits for nothing
        return _record(stored)

    def visible_file(self, principal: Principal, file_id: int) -> FileRecord:
        """The file, if it exists and `principal` may see it; NotFound otherwise (alike, so
        that ids cannot be probed). The check the calendar's attachments use too."""
        record = self._queries.file(file_id)
        if record is None or not file_access.may_see(principal, record, self._holds_event_carrying):
            raise NotFound("File not found")
        return record

    def attachable_file(self, principal: Principal, file_id: int) -> FileRecord:
        """The file, if `principal` may attach it to a calendar event; NotFound otherwise.
        For the calendar's `attachments`: call it for each id before saving the event."""
        record = self._queries.file(file_id)
        if record is None or not file_access.may_attach(principal, record):
            raise NotFound(f"File {file_id} not found", field="attachments")
        return record

    def content(self, record: FileRecord) -> Iterator[bytes]:
        """The file's bytes, streamed; only for a record `visible_file` answered."""
        try:
            return self._blobs.open(record.sha256)
        except KeyError:
            raise NotFound("File not found") from None

    def _over_quota(self, used: int) -> TooLarge:
        return TooLarge(
            f"The upload would exceed your storage quota of {self.quota_bytes} bytes"
            f" ({used} bytes used)", field="file", quota_bytes=self.quota_bytes, used_bytes=used,
        )


def _record(stored: StoredFile) -> FileRecord:
    return FileRecord(id=stored.file_id, owner_id=stored.owner_id, enterprise_id=stored.enterprise_id,
                      name=stored.name, size=stored.size, content_type=stored.content_type,
                      sha256=stored.sha256, created_at=iso(stored.created_on))
