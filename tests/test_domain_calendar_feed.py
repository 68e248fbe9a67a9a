"""The CalendarFeed aggregate: one valid key at a time, kept as a nonce and a hash."""

from __future__ import annotations

import hashlib

import pytest

from domain.calendar_feed import CalendarFeed
from domain.errors import RuleViolation

NONCE = "n" * 43


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_issuing_again_replaces_the_key_and_says_which_one_it_replaced() -> None:
    feed = CalendarFeed(user_id=7, by=7)
    assert not feed.is_active
    feed.issue(nonce=NONCE, key_hash=digest("a"), by=7)
    feed.issue(nonce="m" * 43, key_hash=digest("b"), by=7)
    issued = [e for e in feed.collect_events() if isinstance(e, CalendarFeed.KeyIssued)]
    assert [e.replaced for e in issued] == [None, digest("a")]
    assert (feed.key_hash, feed.nonce, feed.keys_issued) == (digest("b"), "m" * 43, 2)
    assert feed.id == CalendarFeed.id_for(7)


def test_revoking_leaves_no_valid_key_and_revoking_nothing_records_nothing() -> None:
    feed = CalendarFeed(user_id=7, by=7)
    assert feed.revoke(by=7) is False
    feed.issue(nonce=NONCE, key_hash=digest("a"), by=7)
    assert feed.revoke(by=7) is True
    assert not feed.is_active and feed.nonce is None
    assert [type(e).__name__ for e in feed.collect_events()] == ["Opened", "KeyIssued", "KeyRevoked"]


@pytest.mark.parametrize(("nonce", "key_hash"), [("short", digest("a")), (NONCE, "not-a-sha256")])
def test_a_weak_nonce_or_a_hash_of_the_wrong_length_is_refused(nonce: str, key_hash: str) -> None:
    with pytest.raises(RuleViolation):
        CalendarFeed(user_id=7, by=7).issue(nonce=nonce, key_hash=key_hash, by=7)
