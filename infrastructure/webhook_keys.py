"""Webhook signing secrets, derived, and signatures made with the `standardwebhooks` library.

A secret is `whsec_` + base64 of HMAC-SHA256(signing key, purpose | webhook id | nonce): the
nonce is in the event store, the signing key (JWT_SECRET) is not, so neither a copy of the
database nor a replay of the log signs a delivery. Changing the signing key changes every
webhook's secret, as it invalidates every token and feed URL (receivers then need the
secrets of a rotation). Signing itself is the library's (Standard Webhooks' own reference
implementation), not ours: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from standardwebhooks import Webhook as Signing

from application.webhook_views import WebhookKeys

NONCE_BYTES = 32
PURPOSE = b"schedulax/webhook-secret/v1\x00"
"""Domain separation from the JWTs and feed secrets made with the same key."""


class HmacWebhookKeys:
    def __init__(self, signing_key: str) -> None:
        self._key = signing_key.encode()

    def new_nonce(self) -> str:
        return secrets.token_urlsafe(NONCE_BYTES)

    def secret(self, webhook_id: int, nonce: str) -> str:
        digest = hmac.new(self._key, PURPOSE + f"{webhook_id}:{nonce}".encode(), hashlib.sha256).digest()
        return "whsec_" + base64.b64encode(digest).decode()

    def signature(self, keys: WebhookKeys, msg_id: str, at: datetime, body: str) -> str:
        """Signed by the current secret, and by the previous one until its 24 hours are over:
        Standard Webhooks receivers accept a header holding several signatures."""
        nonces = [keys.nonce]
        if keys.previous_nonce and keys.previous_until and at < datetime.fromisoformat(keys.previous_until):
            nonces.append(keys.previous_nonce)
        return " ".join(Signing(self.secret(keys.webhook_id, n)).sign(msg_id, at, body) for n in nonces)
