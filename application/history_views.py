"""History entries as readers see them, and what selects them."""

from __future__ import annotations

from typing import Any

import msgspec

from application.views import Page


class Actor(msgspec.Struct, kw_only=True):
    id: int
    full_name: str | None
    """Their name when they acted (null for an id the log never named)."""


class Subject(msgspec.Struct, kw_only=True):
    kind: str
    id: int | None


class HistoryEntry(msgspec.Struct, kw_only=True):
    sequence: int
    """The event's position in the log: entries are in this order, and `after` pages by it."""
    occurred_at: str
    type: str
    actor: Actor | None
    """Who did it; null for the system."""
    subject: Subject
    summary: str
    changes: dict[str, Any]
    """`{field: {from, to}}` for each field whose value changed."""
    request_id: str | None


class ExportedEntry(msgspec.Struct, kw_only=True):
    """An entry as an export streams it: a HistoryEntry, field for field in the same order, whose
    `changes` are the JSON text the read model stores, handed on as they are rather than decoded
    into a dict and encoded again (most of an export's work per entry otherwise): encoded, it is
    byte for byte the HistoryEntry's encoding."""

    sequence: int
    occurred_at: str
    type: str
    actor: Actor | None
    subject: Subject
    summary: str
    changes: msgspec.Raw
    request_id: str | None


Entry = HistoryEntry | ExportedEntry
"""What exports and the command line write out."""


class HistoryFilter(msgspec.Struct, kw_only=True, frozen=True):
    """What a reader asks for (every given criterion must hold)."""

    since: str | None = None
    """Entries at or after this instant (ISO 8601 UTC, as `occurred_at`)."""
    until: str | None = None
    """Entries strictly before this instant."""
    types: tuple[str, ...] | None = None
    actor_id: int | None = None
    subject_kind: str | None = None
    after: int | None = None
    """Entries whose sequence is larger."""
    roster_id: int | None = None
    department_id: int | None = None
    enterprise_id: int | None = None


class HistoryScope(msgspec.Struct, kw_only=True, frozen=True):
    """What a reader may see at all: the policy's answer, narrowed further by a HistoryFilter."""

    enterprise_id: int | None = None
    department_id: int | None = None
    roster_id: int | None = None
    rosters_only: bool = False
    """Only entries of rosters (and their shifts, assignments and swap requests)."""
    party_id: int | None = None
    """Only entries of assignments and swap requests this user holds or is party to."""
    nothing: bool = False


EVERYTHING = HistoryScope()
NOTHING = HistoryScope(nothing=True)


class HistoryPage(msgspec.Struct, kw_only=True):
    items: list[HistoryEntry]
    total: int
    page: Page
    next_after: int | None
    """The sequence to pass as `after` for the entries that follow; null when none do."""

    @property
    def total_pages(self) -> int:
        return (self.total + self.page.size - 1) // self.page.size if self.total else 0
