"""Who may see an uploaded file: the one rule every read of a file goes through.

A file is its uploader's, and is seen too by whoever holds (in any role) a calendar event
that carries it: attaching a file shows it to the event's audience. Enterprise admins are
deliberately not let in: an upload may be private (a doctor's note attached for a manager
later), and nothing in the contracts asks for an admin's view of everyone's files.

Someone who may not see a file is told it does not exist (404), never 403: file ids are
sequential, and a 403 would confirm which ones are taken.
"""

from __future__ import annotations

from collections.abc import Callable

from application.file_views import FileRecord
from application.principal import Principal

EventHolding = Callable[[int, int], bool]
"""(user id, file id) -> whether the user holds a live calendar event carrying the file."""


def _no_events(user_id: int, file_id: int) -> bool:
    return False


def may_see(principal: Principal, record: FileRecord, holds_event_carrying: EventHolding = _no_events) -> bool:
    return record.owner_id == principal.id or holds_event_carrying(principal.id, record.id)


def may_attach(principal: Principal, record: FileRecord) -> bool:
    """Whether `principal` may attach the file to a calendar event: its uploader only. Someone
    who sees a file through an event may not pass it on to another audience."""
    return record.owner_id == principal.id
