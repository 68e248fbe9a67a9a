"""Ports of the calendar feeds: the key derivation and the read models they look into."""

from __future__ import annotations

from typing import Protocol

from application.calendar_feed_views import FeedItem


class FeedSecrets(Protocol):
    """Makes feed URL secrets (infrastructure/feed_secrets.py: HMAC under the server's key)."""

    def new_nonce(self) -> str:
        """A fresh random nonce, at least 128 bits, URL-safe."""
        ...

    def secret(self, user_id: int, nonce: str) -> str:
        """The URL secret of `user_id`'s key with this nonce: the same for the same arguments,
        unguessable without the server's key."""
        ...


class FeedLookup(Protocol):
    def user_of(self, key_hash: str) -> int | None:
        """The user whose valid feed key hashes to `key_hash`, if any."""
        ...


class FeedItemQueries(Protocol):
    def calendar_events(self, user_id: int, start: str, end: str, limit: int) -> list[FeedItem]:
        """The events `user_id` holds (any role) overlapping [start, end) (ISO instants, `Z`)."""
        ...

    def assigned_shifts(self, user_id: int, start: str, end: str, limit: int) -> list[FeedItem]:
        """`user_id`'s pending and confirmed assignments to shifts overlapping [start, end)
        (UTC minutes, `YYYY-MM-DDTHH:MM`), of rosters and shifts not deleted."""
        ...
