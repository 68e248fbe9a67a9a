"""Access tokens: each process remembers the tokens it verified, but never past their expiry."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from infrastructure import tokens
from infrastructure.tokens import InvalidToken, TokenIssuer

USER = SimpleNamespace(id=7, email="ann@example.com", role="employee", enterprise_id=1, department_id=2)


def test_a_remembered_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    issuer = TokenIssuer("s" * 32, ttl_seconds=60)
    issued = int(tokens.time.time())
    token = issuer.issue(USER, now=issued)
    assert issuer.decode(token).id == 7  # verified, and remembered
    monkeypatch.setattr(tokens.time, "time", lambda: issued + 59.0)
    assert issuer.decode(token).exp == issued + 60
    monkeypatch.setattr(tokens.time, "time", lambda: issued + 60.0)
    with pytest.raises(InvalidToken, match="expired"):
        issuer.decode(token)


def test_a_token_signed_with_another_secret_is_refused_every_time() -> None:
    issuer = TokenIssuer("s" * 32, ttl_seconds=60)
    forged = TokenIssuer("t" * 32, ttl_seconds=60).issue(USER)
    for _ in range(2):
        with pytest.raises(InvalidToken, match="Invalid token"):
            issuer.decode(forged)


def test_a_refresh_token_is_not_an_access_token_even_after_being_verified_as_one() -> None:
    issuer = TokenIssuer("s" * 32, ttl_seconds=60)
    refresh = issuer.issue(USER, kind="refresh")
    assert issuer.decode(refresh, kind="refresh").kind == "refresh"
    with pytest.raises(InvalidToken):
        issuer.decode(refresh)
