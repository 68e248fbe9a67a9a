"""Audit entries of calendar feed keys: a user's own credential, so entries about the user
(kind `user`), in their enterprise. The key's hash is never written into an entry."""

from __future__ import annotations

from typing import Any

from domain.calendar_feed import CalendarFeed

from projections.audit_directory import user_scope
from projections.audit_ledger import Ledger
from projections.base import Handler
from projections.sql import Cursor


def handlers(ledger: Ledger) -> dict[type, Handler]:
    def owner(cur: Cursor, e: Any) -> dict[str, Any]:
        return ledger.of(cur, "user", e.user_id) or {}

    def issued(e: Any, cur: Cursor) -> None:
        what = "new calendar feed URLs (the previous ones stopped working)" if e.replaced else "calendar feed URLs"
        ledger.record(cur, e, "calendar_feed_issued", "user", e.user_id, user_scope(owner(cur, e)), e.by,
                      f"{ledger.who(cur, e.user_id)} got {what}", party=e.user_id)

    def revoked(e: Any, cur: Cursor) -> None:
        ledger.record(cur, e, "calendar_feed_revoked", "user", e.user_id, user_scope(owner(cur, e)), e.by,
                      f"{ledger.who(cur, e.user_id)}'s calendar feed URLs were revoked", party=e.user_id)

    return {CalendarFeed.KeyIssued: issued, CalendarFeed.KeyRevoked: revoked}

