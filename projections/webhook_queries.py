"""The WebhookQueries port over wh_subscriptions (and rm_users, for whom to tell)."""

from __future__ import annotations

import json
from typing import Any

from application.webhook_views import WebhookKeys, WebhookView

from projections.sql import ReadStore, many, one

VIEW = "id, enterprise_id, url, events, description, active, rotated_at, created_at, updated_at"


class SqlWebhooks:
    def __init__(self, store: ReadStore) -> None:
        self._store = store

    def webhook(self, webhook_id: int) -> WebhookView | None:
        with self._store.read() as cur:
            row = one(cur, f"SELECT {VIEW} FROM wh_subscriptions WHERE id = ? AND is_deleted = ?", webhook_id, False)
        return None if row is None else _view(row)

    def webhooks(self, enterprise_id: int) -> list[WebhookView]:
        with self._store.read() as cur:
            rows = many(cur, f"SELECT {VIEW} FROM wh_subscriptions WHERE enterprise_id = ? AND is_deleted = ?"
                        " ORDER BY id", enterprise_id, False)
        return [_view(r) for r in rows]

    def keys(self, webhook_id: int) -> WebhookKeys | None:
        with self._store.read() as cur:
            row = one(cur, "SELECT id, enterprise_id, url, active, is_deleted, nonce, previous_nonce, previous_until"
                      " FROM wh_subscriptions WHERE id = ?", webhook_id)
        if row is None:
            return None
        return WebhookKeys(webhook_id=int(row["id"]), enterprise_id=int(row["enterprise_id"]), url=row["url"],
                           active=bool(row["active"]), is_deleted=bool(row["is_deleted"]), nonce=row["nonce"],
                           previous_nonce=row["previous_nonce"], previous_until=row["previous_until"])

    def enterprise_admins(self, enterprise_id: int) -> list[int]:
        with self._store.read() as cur:
            rows = many(cur, "SELECT id FROM rm_users WHERE enterprise_id = ? AND role = ? AND is_active = ?"
                        " ORDER BY id", enterprise_id, "enterpriseAdmin", True)
        return [int(r["id"]) for r in rows]


def _view(row: Any) -> WebhookView:
    return WebhookView(id=int(row["id"]), enterprise_id=int(row["enterprise_id"]), url=row["url"],
                       events=json.loads(row["events"]), description=row["description"], active=bool(row["active"]),
                       secret_rotated_at=row["rotated_at"], created_at=row["created_at"], updated_at=row["updated_at"])
