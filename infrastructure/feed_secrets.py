"""Calendar feed URL secrets: HMAC-SHA256 of a random nonce under the server's signing key.

The nonce (secrets.token_urlsafe, 256 bits) is stored in the event store; the secret is not
stored anywhere, only its SHA-256 (the read model's lookup key). So the server can show a
person their URL again, while a copy of the database alone opens no feed: it takes the
signing key too, which mints bearer tokens anyway. Changing the signing key (JWT_SECRET)
therefore invalidates every feed URL, as it does every token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

NONCE_BYTES = 32
PURPOSE = b"schedulax/calendar-feed/v1\x00"
"""Domain separation: the same key signs JWTs, which can never collide with these messages."""


class HmacFeedSecrets:
    def __init__(self, signing_key: str) -> None:
        self._key = signing_key.encode()

    def new_nonce(self) -> str:
        return secrets.token_urlsafe(NONCE_BYTES)

    def secret(self, user_id: int, nonce: str) -> str:
        digest = hmac.new(self._key, PURPOSE + f"{user_id}:{nonce}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
