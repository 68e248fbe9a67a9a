"""Secret feed URLs: calendar apps subscribe to a person's calendar without a bearer token.

The URL's secret is derived from a nonce kept in the person's CalendarFeed aggregate and the
server's signing key (see FeedSecrets), so `GET /api/calendar/feed-url` can show the same
URL again and again without the secret being stored anywhere; the read model keeps only its
SHA-256, which a feed request is looked up by. A database read therefore yields no working
URL. Rotating issues a new nonce (the old URL answers 404 from then on); revoking leaves the
person with no valid URL until they ask for one again.

Auditors change nothing, and a feed key is state: they are refused (they have no shifts, and
no calendar events of their own, to subscribe to).
"""

from __future__ import annotations

import hashlib

from domain.calendar_feed import CalendarFeed
from domain.errors import Conflict, NotFound

from application import policy
from application.base import CommandHandler
from application.calendar_feed_ports import FeedLookup, FeedSecrets
from application.calendar_feed_views import FeedKey
from application.events import SchedulaX
from application.ports import Directory, IdAllocator, ProjectionSync
from application.principal import Principal, principal_of


class FeedNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Calendar feed not found")


def key_hash(secret: str) -> str:
    """What the read model keeps of a feed secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


class CalendarFeedService(CommandHandler):
    def __init__(
        self, events: SchedulaX, ids: IdAllocator, sync: ProjectionSync, directory: Directory,
        secrets: FeedSecrets, lookup: FeedLookup,
    ) -> None:
        super().__init__(events, ids, sync)
        self._directory = directory
        self._secrets = secrets
        self._lookup = lookup

    def key(self, principal: Principal) -> FeedKey:
        """The caller's valid key; issued on first use (or after a revocation)."""
        policy.require_may_change(principal)
        feed = self._feed(principal.id)
        if feed.is_active:
            return self._key_of(feed)
        try:
            return self._issue(principal, feed)
        except Conflict:
            # A concurrent first request issued it: that key is the answer for both.
            feed = self._feed(principal.id)
            if not feed.is_active:
                raise
            return self._key_of(feed)

    def rotate(self, principal: Principal) -> FeedKey:
        """A new key; the previous URLs stop answering."""
        policy.require_may_change(principal)
        return self._issue(principal, self._feed(principal.id))

    def revoke(self, principal: Principal) -> None:
        """No URL of the caller answers any more (idempotent)."""
        policy.require_may_change(principal)
        feed = self._feed(principal.id)
        if feed.revoke(by=principal.id):
            self._commit(feed)

    def subscriber(self, secret: str) -> Principal:
        """Whose feed `secret` opens: 404 for an unknown or revoked secret, or a deactivated user."""
        user_id = self._lookup.user_of(key_hash(secret))
        user = self._directory.user(user_id) if user_id is not None else None
        if user is None or not user.is_active:
            raise FeedNotFound()
        return principal_of(user)

    def _feed(self, user_id: int) -> CalendarFeed:
        found = self._events.find(CalendarFeed.id_for(user_id), CalendarFeed)
        return found or CalendarFeed(user_id=user_id, by=user_id)

    def _issue(self, principal: Principal, feed: CalendarFeed) -> FeedKey:
        nonce = self._secrets.new_nonce()
        feed.issue(nonce=nonce, key_hash=key_hash(self._secrets.secret(principal.id, nonce)), by=principal.id)
        self._commit(feed)
        return self._key_of(feed)

    def _key_of(self, feed: CalendarFeed) -> FeedKey:
        if feed.nonce is None:  # only asked of an active feed
            raise FeedNotFound()
        return FeedKey(user_id=feed.user_id, secret=self._secrets.secret(feed.user_id, feed.nonce),
                       keys_issued=feed.keys_issued)
