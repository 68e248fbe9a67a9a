"""Who may see an uploaded file: the one rule every read of a file goes through.

For now a file is its uploader's alone. Enterprise admins are deliberately not let in:
an upload may be private (a doctor's note attached for a manager later), and nothing in the
contracts asks for an admin's view of everyone's files. Calendar events will widen this:
whoever may see an event a file is attached to may see the file; that check belongs here,
beside the owner's, so downloads and attachments cannot disagree.

Someone who may not see a file is told it does not exist (404), never 403: file ids are
sequential, and a 403 would confirm which ones are taken.
"""

from __future__ import annotations

from application.file_views import FileRecord
from application.principal import Principal


def may_see(principal: Principal, record: FileRecord) -> bool:
    return record.owner_id == principal.id


def may_attach(principal: Principal, record: FileRecord) -> bool:
    """Whether `principal` may attach the file to a calendar event of theirs: whoever may see
    it (attaching shows it to the event's audience, which its viewer chooses)."""
    return may_see(principal, record)
