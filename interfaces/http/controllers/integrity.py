"""/api/audit/digest and /api/audit/verify: the log's hash chain, for auditors (docs/audit.md)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.exceptions import TooManyRequestsException

from application.log_integrity import Digest, Verification, VerificationBusy
from interfaces.http.dto import MAX_ID
from interfaces.http.read_only import CHANGES_NOTHING
from interfaces.http.security import Caller, Services

BUSY_RETRY_AFTER = 5
"""Seconds: a verification of a million events takes a few."""


class VerifyRequest(msgspec.Struct, kw_only=True):
    sequence: Annotated[int, msgspec.Meta(ge=0, le=MAX_ID, description="The digest's position in the log")]
    hash: Annotated[str, msgspec.Meta(pattern="^[0-9a-fA-F]{64}$", description="The digest's hash (64 hex digits)")]


class IntegrityController(Controller):
    path = "/api/audit"
    tags = ["Audit"]

    @get("/digest", sync_to_thread=True,
         summary="The newest link of the log's hash chain: keep it, to verify the log later")
    def digest(self, principal: Caller, container: Services) -> Digest:
        return container.log_integrity.digest(principal)

    @post("/verify", status_code=200, sync_to_thread=True, raises=[TooManyRequestsException],
          opt={CHANGES_NOTHING: True},  # it only recomputes: open to auditors
          summary="Whether the log up to a kept digest's position still gives its hash,"
                  " recomputed from the stored events")
    def verify(self, data: VerifyRequest, principal: Caller, container: Services) -> Verification:
        try:
            return container.log_integrity.verify(principal, data.sequence, data.hash)
        except VerificationBusy:
            raise TooManyRequestsException(
                "A verification is already running in this process; retry shortly",
                headers={"Retry-After": str(BUSY_RETRY_AFTER)},
            ) from None
