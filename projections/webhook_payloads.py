"""A delivery's `data`: its subject as the REST API returns it, read with the API's own query code.

Rosters are rendered as the roster listing shows them (`GET /api/rosters`: without their
shifts, which a large roster has by the thousand), shifts, assignments, swap requests and
templates as their own GETs do. Other subjects (people, departments, time off, claims,
calendar events, files, webhooks), and a subject deleted since, are rendered from their
audit entry: `{kind, id, changes}`, the fields the change set, each `{from, to}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec

from application.webhook_views import DeliveryRecord

from projections.rostering_queries import SqlRosterQueries
from projections.sql import ReadStore, one


class SqlWebhookPayloads:
    def __init__(self, store: ReadStore) -> None:
        self._store = store
        queries = SqlRosterQueries(store)
        self._readers: dict[str, Callable[[int], Any]] = {
            "roster": queries.roster_summary, "shift": queries.shift, "assignment": queries.assignment,
            "swap_request": queries.swap, "template": queries.template,
        }

    def ready(self, position: int) -> bool:
        # With projection workers, rostering may run in another process than audit, whose commit made the delivery.
        with self._store.read() as cur:
            row = one(cur, "SELECT position FROM projection_tracking WHERE name = ?", "rostering")
        return row is None or int(row["position"]) >= position

    def data(self, record: DeliveryRecord) -> dict[str, Any]:
        reader = self._readers.get(record.subject_kind)
        found = reader(record.subject_id) if reader is not None and record.subject_id is not None else None
        if found is not None and not getattr(found, "is_deleted", False):
            return msgspec.to_builtins(found)
        return {"kind": record.subject_kind, "id": record.subject_id, "changes": json.loads(record.changes)}
