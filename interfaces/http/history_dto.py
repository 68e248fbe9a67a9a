"""Response bodies of the history endpoints (entries are application.history_views.HistoryEntry)."""

from __future__ import annotations

import msgspec

from application.history_views import HistoryEntry
from interfaces.http.dto import Pagination


class HistoryResponse(msgspec.Struct, kw_only=True):
    message: str
    entries: list[HistoryEntry]
    pagination: Pagination
    next_after: int | None
    """Pass it as `after` to read the entries that follow; null when none follow."""
