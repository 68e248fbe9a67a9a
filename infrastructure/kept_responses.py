"""The responses of keyed commands, kept so that a repeat answers what the original did.

The key itself is in the event store, saved with the command's events; this table only
remembers the answer, written after the handler answered. A key with no row here was
applied all the same (its process died, or the answer was a 202): the repeat answers 202.
Rows live in the read-model database and are dropped after `KEEP_SECONDS`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

KEEP_SECONDS = 24 * 3600
"""How long an answer is replayed (Stripe's window); later repeats get 202 "already applied"."""
PRUNE_EVERY_SECONDS = 60

IDEMPOTENT_RESPONSES_DDL = [
    """
    CREATE TABLE IF NOT EXISTS idempotent_responses (
        key_id TEXT PRIMARY KEY,
        status INTEGER NOT NULL,
        headers TEXT NOT NULL,
        body TEXT,
        position BIGINT NOT NULL,
        location TEXT,
        created_at BIGINT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS idempotent_responses_created_at ON idempotent_responses (created_at)",
]
"""`body` NULL: the answer is not replayed (a 202), only its position and location are."""


@dataclass(frozen=True)
class KeptResponse:
    status: int
    headers: list[tuple[str, str]]
    body: str | None
    position: int
    location: str | None = None


class KeptResponses:
    def __init__(self, store: Any) -> None:
        self._store = store
        self._pruned_at = 0.0
        self._lock = threading.Lock()

    def get(self, key_id: str) -> KeptResponse | None:
        with self._store.read() as cur:
            cur.execute(
                "SELECT status, headers, body, position, location FROM idempotent_responses"
                " WHERE key_id = ? AND created_at >= ?", (key_id, int(time.time()) - KEEP_SECONDS),
            )
            row = cur.fetchone()
        if row is None:
            return None
        headers = [(str(k), str(v)) for k, v in json.loads(row["headers"])]
        return KeptResponse(int(row["status"]), headers, row["body"], int(row["position"]), row["location"])

    def keep(self, key_id: str, response: KeptResponse) -> None:
        now = int(time.time())
        with self._store.write() as cur:
            cur.execute(
                "INSERT INTO idempotent_responses (key_id, status, headers, body, position, location,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING",
                (key_id, response.status, json.dumps(response.headers), response.body,
                 response.position, response.location, now),
            )
            if self._due_for_pruning(now):
                cur.execute("DELETE FROM idempotent_responses WHERE created_at < ?", (now - KEEP_SECONDS,))

    def _due_for_pruning(self, now: float) -> bool:
        with self._lock:
            if now - self._pruned_at < PRUNE_EVERY_SECONDS:
                return False
            self._pruned_at = now
            return True
