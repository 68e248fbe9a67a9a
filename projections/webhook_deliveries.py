"""The Deliveries port over wh_deliveries and wh_failures (see projections/webhook_outbox.py)."""

from __future__ import annotations

from typing import Any

from application.webhook_delivery import instant
from application.webhook_views import DeliveryRecord, DeliveryView

from projections.sql import ReadStore, many, one

DUE = ("pending", "retrying")
VIEW = ("id, webhook_id, type, status, attempts, response_code, last_error, next_attempt_at, last_attempt_at,"
        " created_at")


class SqlDeliveries:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def listed(self, webhook_id: int, limit: int) -> list[DeliveryView]:
        with self._store.read() as cur:
            rows = many(cur, f"SELECT {VIEW} FROM wh_deliveries WHERE webhook_id = ?"
                        " ORDER BY created_at DESC, id DESC LIMIT ?", webhook_id, limit)
        return [_view(r) for r in rows]

    def view(self, delivery_id: str) -> DeliveryView | None:
        with self._store.read() as cur:
            row = one(cur, f"SELECT {VIEW} FROM wh_deliveries WHERE id = ?", delivery_id)
        return None if row is None else _view(row)

    def record(self, delivery_id: str) -> DeliveryRecord | None:
        with self._store.read() as cur:
            row = one(cur, "SELECT id, webhook_id, enterprise_id, position, type, occurred_at, subject_kind,"
                      " subject_id, changes, body, status, attempts, created_at FROM wh_deliveries WHERE id = ?", delivery_id)
        return None if row is None else DeliveryRecord(**dict(row))

    def add_ping(self, delivery_id: str, webhook_id: int, enterprise_id: int, now: float) -> None:
        with self._store.write() as cur:
            cur.execute(
                "INSERT INTO wh_deliveries (id, webhook_id, enterprise_id, position, type, occurred_at, subject_kind,"
                " subject_id, changes, body, status, attempts, next_attempt_at, created_at)"
                " VALUES (?, ?, ?, NULL, 'ping', ?, 'webhook', ?, '{}', NULL, 'pending', 0, ?, ?)",
                (delivery_id, webhook_id, enterprise_id, instant(now), webhook_id, now, now))

    def keep_body(self, delivery_id: str, body: str) -> None:
        with self._store.write() as cur:
            cur.execute("UPDATE wh_deliveries SET body = ? WHERE id = ? AND body IS NULL", (body, delivery_id))

    def attempted(self, delivery_id: str, status: str, response_code: int | None, error: str | None,
                  next_attempt_at: float | None, now: float) -> None:
        with self._store.write() as cur:
            cur.execute("UPDATE wh_deliveries SET status = ?, attempts = attempts + 1, response_code = ?,"
                        " last_error = ?, next_attempt_at = ?, last_attempt_at = ? WHERE id = ?",
                        (status, response_code, error, next_attempt_at, now, delivery_id))

    def redeliver(self, delivery_id: str, now: float) -> None:
        with self._store.write() as cur:
            cur.execute("UPDATE wh_deliveries SET status = 'pending', next_attempt_at = ? WHERE id = ?",
                        (now, delivery_id))

    def failures(self, webhook_id: int, succeeded: bool) -> int:
        with self._store.write() as cur:
            if succeeded:
                cur.execute("DELETE FROM wh_failures WHERE webhook_id = ?", (webhook_id,))
                return 0
            cur.execute("INSERT INTO wh_failures (webhook_id, failures) VALUES (?, 1) ON CONFLICT (webhook_id)"
                        " DO UPDATE SET failures = wh_failures.failures + 1", (webhook_id,))
            row = one(cur, "SELECT failures FROM wh_failures WHERE webhook_id = ?", webhook_id)
        return int(row["failures"]) if row else 0

    def give_up(self, webhook_id: int, now: float) -> None:
        with self._store.write() as cur:
            cur.execute("UPDATE wh_deliveries SET status = 'failed', next_attempt_at = NULL,"
                        " last_error = COALESCE(last_error, 'The subscription was disabled or deleted')"
                        " WHERE webhook_id = ? AND status IN (?, ?)", (webhook_id, *DUE))
            cur.execute("DELETE FROM wh_failures WHERE webhook_id = ?", (webhook_id,))

    def due(self, before: float, limit: int) -> list[str]:
        with self._store.read() as cur:
            rows = many(cur, "SELECT id FROM wh_deliveries WHERE status IN (?, ?) AND next_attempt_at < ?"
                        " ORDER BY next_attempt_at LIMIT ?", *DUE, before, limit)
        return [r["id"] for r in rows]

    def postpone(self, delivery_id: str, until: float, now: float) -> bool:
        with self._store.write() as cur:
            cur.execute("UPDATE wh_deliveries SET next_attempt_at = ? WHERE id = ? AND status IN (?, ?)"
                        " AND next_attempt_at < ?", (until, delivery_id, *DUE, now))
            return bool(cur.rowcount)


def _view(row: Any) -> DeliveryView:
    code = row["response_code"]
    return DeliveryView(id=row["id"], webhook_id=int(row["webhook_id"]), type=row["type"], status=row["status"],
                        attempts=int(row["attempts"]), response_code=int(code) if code is not None else None,
                        last_error=row["last_error"], next_attempt_at=instant(row["next_attempt_at"]),
                        last_attempt_at=instant(row["last_attempt_at"]), created_at=instant(row["created_at"]) or "")
