"""A person's calendar feed key: the secret in the URL that calendar apps subscribe to.

Google Calendar, Apple Calendar and Outlook fetch a subscribed calendar without a bearer
token, so the feed's URL itself is the credential. One aggregate per user (keyed by the
user's id) holds the key that is valid now, if any. The aggregate never sees the secret:
it keeps a nonce (from which only the server's signing key derives the URL's secret) and
the secret's SHA-256, which the read model looks URLs up by. A read of the database or of
the event store therefore yields no working URL.

Issuing a key while one is valid replaces it (a rotation): the old URL stops answering.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.ids import aggregate_uuid

KIND = "calendar_feed"
HASH_LENGTH = 64
"""A SHA-256 in hex."""
MIN_NONCE = 22
"""Characters of a URL-safe nonce of at least 128 bits (secrets.token_urlsafe(16))."""


class CalendarFeed(Aggregate):
    @staticmethod
    def create_id(user_id: int, **_: object) -> UUID:
        return CalendarFeed.id_for(user_id)

    @staticmethod
    def id_for(user_id: int) -> UUID:
        return aggregate_uuid(KIND, user_id)

    @event("Opened")
    def __init__(self, *, user_id: int, by: int) -> None:
        self.user_id = user_id
        self.nonce: str | None = None
        self.key_hash: str | None = None
        self.keys_issued = 0

    @property
    def is_active(self) -> bool:
        return self.key_hash is not None

    def issue(self, *, nonce: str, key_hash: str, by: int) -> None:
        """A new key; the one valid until now (if any) is revoked with it."""
        if len(nonce) < MIN_NONCE:
            raise RuleViolation("A feed key's nonce must hold at least 128 bits", field="nonce")
        if len(key_hash) != HASH_LENGTH:
            raise RuleViolation("A feed key is kept as its SHA-256 in hex", field="key_hash")
        self._key_issued(user_id=self.user_id, nonce=nonce, key_hash=key_hash, replaced=self.key_hash, by=by)

    @event("KeyIssued")
    def _key_issued(self, *, user_id: int, nonce: str, key_hash: str, replaced: str | None, by: int) -> None:
        self.nonce = nonce
        self.key_hash = key_hash
        self.keys_issued += 1

    def revoke(self, *, by: int) -> bool:
        """No key is valid any more. Whether there was one to revoke."""
        if self.key_hash is None:
            return False
        self._key_revoked(user_id=self.user_id, key_hash=self.key_hash, by=by)
        return True

    @event("KeyRevoked")
    def _key_revoked(self, *, user_id: int, key_hash: str, by: int) -> None:
        self.nonce = None
        self.key_hash = None
