"""The webhook outbox: a delivery row for each (shown) audit entry a subscription asked for,
written in the audit projection's own transaction, so it exists exactly when the entry does.

It rides on the audit projection's announcements: while a batch runs it notes the log
positions of the events audit applied; before the batch commits (`close`, same transaction)
it matches their entries to the active subscriptions of the same enterprise, created before
the event, and inserts one `pending` delivery each (`msg_<position>_<webhook id>`: a repeat
of the batch inserts nothing new). After the commit (`changes`) it enqueues their jobs;
a job lost there (a crash, an old backlog the runner does not announce) is found by the
sweeper. Rebuilds announce nothing, so history is never delivered again.

The delivery table is not a projection's (a rebuild must not forget what was sent): it is
created by the migration, with the idempotency responses and blobs (interfaces/migrate.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from projections.announce import Change
from projections.base import position_of
from projections.sql import Cursor, many

DELIVERIES_DDL = [
    """
    CREATE TABLE IF NOT EXISTS wh_deliveries (
        id TEXT PRIMARY KEY,
        webhook_id BIGINT NOT NULL,
        enterprise_id BIGINT NOT NULL,
        position BIGINT,
        type TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        subject_kind TEXT NOT NULL,
        subject_id BIGINT,
        changes TEXT NOT NULL,
        body TEXT,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        response_code INTEGER,
        last_error TEXT,
        next_attempt_at DOUBLE PRECISION,
        last_attempt_at DOUBLE PRECISION,
        created_at DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS wh_deliveries_webhook ON wh_deliveries (webhook_id, created_at)",
    "CREATE INDEX IF NOT EXISTS wh_deliveries_due ON wh_deliveries (status, next_attempt_at)",
    """
    CREATE TABLE IF NOT EXISTS wh_failures (
        webhook_id BIGINT PRIMARY KEY,
        failures INTEGER NOT NULL
    )""",
]
"""`wh_failures`: deliveries of a subscription failed in a row (after all their attempts)."""

CHUNK = 500
INSERT = (
    "INSERT INTO wh_deliveries (id, webhook_id, enterprise_id, position, type, occurred_at, subject_kind,"
    " subject_id, changes, body, status, attempts, response_code, last_error, next_attempt_at, last_attempt_at,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 'pending', 0, NULL, NULL, ?, NULL, ?)"
    " ON CONFLICT (id) DO NOTHING"
)

Enqueue = Callable[[str], None]


def wants(events: list[str], type_: str) -> bool:
    return "*" in events or type_ in events


class WebhookOutbox:
    """The audit projection's announcer (see projections/announce.py)."""

    def __init__(self, enqueue: Enqueue) -> None:
        self._enqueue = enqueue

    def begin(self, cur: Cursor) -> _OutboxBatch:
        return _OutboxBatch(self._enqueue)


@dataclass
class _OutboxBatch:
    enqueue: Enqueue
    positions: list[int] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    def saw(self, event: Any) -> None:
        self.positions.append(position_of(event))

    def close(self, cur: Cursor) -> None:
        if not self.positions or not many(cur, "SELECT id FROM wh_subscriptions WHERE active = ? AND is_deleted = ?"
                                          " LIMIT 1", True, False):
            return  # the usual case: nobody subscribed, and a batch pays one indexed read
        now = time.time()
        for start in range(0, len(self.positions), CHUNK):
            chunk = self.positions[start:start + CHUNK]
            entries = many(cur, "SELECT position, occurred_at, type, enterprise_id, subject_kind, subject_id, changes"
                           " FROM au_entries WHERE shown = ? AND enterprise_id IS NOT NULL AND position IN ("
                           + ", ".join("?" for _ in chunk) + ") ORDER BY position", True, *chunk)
            if entries:
                self._match(cur, entries, now)

    def _match(self, cur: Cursor, entries: list[Any], now: float) -> None:
        enterprises = sorted({int(e["enterprise_id"]) for e in entries})
        subscriptions: dict[int, list[tuple[int, list[str], int]]] = {}
        for row in many(cur, "SELECT id, enterprise_id, events, since_position FROM wh_subscriptions"
                        " WHERE active = ? AND is_deleted = ? AND enterprise_id IN ("
                        + ", ".join("?" for _ in enterprises) + ") ORDER BY id", True, False, *enterprises):
            subscriptions.setdefault(int(row["enterprise_id"]), []).append(
                (int(row["id"]), json.loads(row["events"]), int(row["since_position"])))
        for entry in entries:
            position = int(entry["position"])
            for webhook_id, events, since in subscriptions.get(int(entry["enterprise_id"]), ()):
                if position <= since or not wants(events, entry["type"]):
                    continue
                delivery_id = f"msg_{position}_{webhook_id}"
                cur.execute(INSERT, (delivery_id, webhook_id, entry["enterprise_id"], position, entry["type"],
                                     entry["occurred_at"], entry["subject_kind"], entry["subject_id"],
                                     entry["changes"], now, now))
                self.created.append(delivery_id)

    def changes(self) -> list[Change]:
        """After the commit: the jobs of the deliveries this batch created (no realtime message)."""
        for delivery_id in self.created:
            self.enqueue(delivery_id)
        return []
