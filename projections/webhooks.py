"""The webhook subscriptions read model: what the API lists, and what deliveries are signed with.

It keeps the nonces secrets are derived from (never a secret), and the log position of each
subscription's creation: the outbox matches a subscription only to events after it.
"""

from __future__ import annotations

import json
from typing import Any

from domain.webhook import Webhook

from projections.base import Handler, Projection, position_of, stamp, uuid_of
from projections.sql import Cursor

SUBSCRIPTIONS = [
    """
    CREATE TABLE IF NOT EXISTS wh_subscriptions (
        id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        enterprise_id BIGINT NOT NULL,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        description TEXT,
        active BOOLEAN NOT NULL,
        is_deleted BOOLEAN NOT NULL,
        nonce TEXT NOT NULL,
        previous_nonce TEXT,
        previous_until TEXT,
        rotated_at TEXT,
        since_position BIGINT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS wh_subscriptions_enterprise ON wh_subscriptions (enterprise_id)",
]


class WebhooksProjection(Projection):
    name = "webhooks"
    ddl = SUBSCRIPTIONS
    version = 1

    def handlers(self) -> dict[type, Handler]:
        return {
            Webhook.Subscribed: self.subscribed,
            Webhook.Revised: self.revised,
            Webhook.SecretRotated: self.rotated,
            Webhook.Disabled: self.disabled,
            Webhook.Deleted: self.deleted,
        }

    def subscribed(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute(
            "INSERT INTO wh_subscriptions (id, uuid, enterprise_id, url, events, description, active, is_deleted,"
            " nonce, previous_nonce, previous_until, rotated_at, since_position, created_at, updated_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?, ?, ?)",
            (e.webhook_id, uuid_of(e), e.enterprise_id, e.url, json.dumps(e.events), e.description, e.active,
             False, e.nonce, position_of(e), at, at, version),
        )

    def revised(self, e: Any, cur: Cursor) -> None:
        self._set(e, cur, url=e.url, events=json.dumps(e.events), description=e.description, active=e.active)

    def rotated(self, e: Any, cur: Cursor) -> None:
        cur.execute("UPDATE wh_subscriptions SET previous_nonce = nonce WHERE uuid = ?", (uuid_of(e),))
        self._set(e, cur, nonce=e.nonce, previous_until=e.previous_until, rotated_at=e.at)

    def disabled(self, e: Any, cur: Cursor) -> None:
        self._set(e, cur, active=False)

    def deleted(self, e: Any, cur: Cursor) -> None:
        self._set(e, cur, active=False, is_deleted=True)

    @staticmethod
    def _set(e: Any, cur: Cursor, **values: Any) -> None:
        at, version = stamp(e)
        sets = "".join(f"{column} = ?, " for column in values)
        cur.execute(f"UPDATE wh_subscriptions SET {sets}updated_at = ?, version = ? WHERE uuid = ?",
                    (*values.values(), at, version, uuid_of(e)))
