"""Audit entries of webhook subscriptions: where the enterprise's changes are sent, and which.

Never a secret, nor the nonce it is derived from: a rotation is told by when the previous
secret stops signing."""

from __future__ import annotations

from typing import Any

from domain.webhook import Webhook

from projections.audit_ledger import Ledger, State, created, diff, listed
from projections.base import Handler, uuid_of
from projections.sql import Cursor

FIELDS = ("url", "events", "description", "active")


def handlers(ledger: Ledger) -> dict[type, Handler]:
    def webhook(cur: Cursor, e: Any) -> State:
        return ledger.get(cur, uuid_of(e)) or {}

    def subscribed(e: Any, cur: Cursor) -> None:
        state = {"id": e.webhook_id, "enterprise_id": e.enterprise_id, "url": e.url, "events": list(e.events),
                 "description": e.description, "active": e.active}
        ledger.put(uuid_of(e), state)
        ledger.record(cur, e, "webhook_created", "webhook", e.webhook_id, state, e.by,
                      f"{ledger.who(cur, e.by)} subscribed {e.url} to {', '.join(e.events)}", created(state, FIELDS))

    def revised(e: Any, cur: Cursor) -> None:
        before = webhook(cur, e)
        after = {**before, "url": e.url, "events": list(e.events), "description": e.description, "active": e.active}
        changes = diff(before, after, FIELDS)
        ledger.record(cur, e, "webhook_updated", "webhook", e.webhook_id, before, e.by,
                      f"{ledger.who(cur, e.by)} changed the webhook to {before.get('url')}: {listed(changes)}"
                      if changes else f"{ledger.who(cur, e.by)} saved the webhook to {before.get('url')} unchanged",
                      changes)
        ledger.put(uuid_of(e), after)

    def rotated(e: Any, cur: Cursor) -> None:
        before = webhook(cur, e)
        ledger.record(cur, e, "webhook_secret_rotated", "webhook", e.webhook_id, before, e.by,
                      f"{ledger.who(cur, e.by)} rotated the secret of the webhook to {before.get('url')}"
                      f" (the previous one signs until {e.previous_until})")

    def disabled(e: Any, cur: Cursor) -> None:
        before = webhook(cur, e)
        ledger.record(cur, e, "webhook_disabled", "webhook", e.webhook_id, before, e.by,
                      f"The webhook to {e.url} was disabled after {e.failures} failed deliveries in a row",
                      {"active": {"from": True, "to": False}})
        ledger.put(uuid_of(e), {**before, "active": False})

    def deleted(e: Any, cur: Cursor) -> None:
        before = webhook(cur, e)
        ledger.record(cur, e, "webhook_deleted", "webhook", e.webhook_id, before, e.by,
                      f"{ledger.who(cur, e.by)} deleted the webhook to {before.get('url')}")

    return {Webhook.Subscribed: subscribed, Webhook.Revised: revised, Webhook.SecretRotated: rotated,
            Webhook.Disabled: disabled, Webhook.Deleted: deleted}
