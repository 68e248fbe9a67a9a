"""The audit log: every event of the domain as one entry in the product's own words.

An entry is written when its event is applied and never changed afterwards, with the
names people, shifts and rosters had at that point of the log: a rebuild from the first
event writes the same rows, byte for byte. Which events get which type, and which are
skipped as bookkeeping, is in `application.history_types`. No command reads these
tables, so commands never wait for this projection.
"""

from __future__ import annotations

from projections import (
    audit_calendar, audit_calendar_feeds, audit_claims, audit_directory, audit_files, audit_rostering, audit_schedules,
    audit_webhooks,
)
from projections.audit_ledger import Ledger
from projections.audit_schema import AUDIT, QUERY_INDEXES
from projections.base import Handler, Projection
from projections.sql import Cursor


class AuditProjection(Projection):
    name = "audit"
    ddl = AUDIT
    version = 7  # 2: drops and shift claims; 3: time zones of enterprises, departments, rosters, shifts, time off;
    # 4: calendar events; 5: uploaded files; 6: calendar feed keys; 7: webhook subscriptions
    answers_commands = False
    rebuild_cost = 5  # bench.rebuild_rate: about 1.4 times rostering's time alone
    query_indexes = QUERY_INDEXES

    def __init__(self) -> None:
        self._ledger = Ledger()

    def begin_batch(self) -> None:
        self._ledger.reset()

    def end_batch(self, cur: Cursor) -> None:
        self._ledger.flush(cur)

    def handlers(self) -> dict[type, Handler]:
        return {
            **audit_directory.handlers(self._ledger),
            **audit_rostering.handlers(self._ledger),
            **audit_schedules.handlers(self._ledger),
            **audit_claims.handlers(self._ledger),
            **audit_calendar.handlers(self._ledger),
            **audit_files.handlers(self._ledger),
            **audit_calendar_feeds.handlers(self._ledger),
            **audit_webhooks.handlers(self._ledger),
        }

