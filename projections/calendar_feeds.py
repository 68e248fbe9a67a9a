"""The feed keys read model: which user a feed URL's secret opens, by the secret's SHA-256.

Only the hash is kept (the aggregate's nonce never reaches this table), so this table is of
no use to whoever reads it without the server's signing key.
"""

from __future__ import annotations

from typing import Any

from domain.calendar_feed import CalendarFeed

from projections.base import Handler, Projection, stamp, uuid_of
from projections.sql import Cursor

FEEDS = [
    """
    CREATE TABLE IF NOT EXISTS cf_feeds (
        user_id BIGINT PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        key_hash TEXT UNIQUE,
        keys_issued INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
    )""",
]


class CalendarFeedProjection(Projection):
    name = "calendar_feeds"
    ddl = FEEDS
    version = 1

    def handlers(self) -> dict[type, Handler]:
        return {
            CalendarFeed.Opened: self.opened,
            CalendarFeed.KeyIssued: self.issued,
            CalendarFeed.KeyRevoked: self.revoked,
        }

    def opened(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute("INSERT INTO cf_feeds (user_id, uuid, key_hash, keys_issued, updated_at, version)"
                    " VALUES (?, ?, ?, ?, ?, ?)", (e.user_id, uuid_of(e), None, 0, at, version))

    def issued(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute("UPDATE cf_feeds SET key_hash = ?, keys_issued = keys_issued + 1, updated_at = ?, version = ?"
                    " WHERE uuid = ?", (e.key_hash, at, version, uuid_of(e)))

    def revoked(self, e: Any, cur: Cursor) -> None:
        at, version = stamp(e)
        cur.execute("UPDATE cf_feeds SET key_hash = NULL, updated_at = ?, version = ? WHERE uuid = ?",
                    (at, version, uuid_of(e)))
