"""The webhook sender's guards, against a real receiver on loopback: where it refuses to go,
and what it does with what comes back."""

from __future__ import annotations

import pytest

from domain.errors import RuleViolation
from infrastructure.webhook_http import HttpSender, WebhookUrls
from tests.webhook_receiver import receiver

BODY = b'{"type":"ping"}'


def test_a_receiver_on_loopback_that_is_not_allowlisted_is_never_connected_to() -> None:
    with receiver() as hook:
        plain = HttpSender(WebhookUrls(())).send(hook.url, {}, BODY)
        secure = HttpSender(WebhookUrls(())).send(hook.url.replace("http://", "https://"), {}, BODY)
        assert hook.received == []
    assert plain.status is None and "https" in (plain.error or "")
    assert secure.status is None and "loopback" in (secure.error or "")


def test_a_host_name_that_resolves_to_loopback_is_refused_unless_allowlisted() -> None:
    with pytest.raises(RuleViolation) as refused:
        WebhookUrls(()).check("https://localhost/hooks")
    assert refused.value.details["field"] == "url"
    WebhookUrls(("localhost",)).check("http://localhost/hooks")


def test_a_redirect_is_a_failed_attempt_and_is_not_followed() -> None:
    with receiver(answers=[302]) as hook:
        result = HttpSender(WebhookUrls(("127.0.0.1",))).send(hook.url, {}, BODY)
        assert len(hook.received) == 1
    assert result.status == 302 and "redirects are not followed" in (result.error or "")


def test_a_receiver_that_does_not_answer_within_the_read_timeout_is_a_timeout() -> None:
    with receiver(answers=["hang"]) as hook:
        result = HttpSender(WebhookUrls(("127.0.0.1",)), read_timeout=0.2).send(hook.url, {}, BODY)
    assert result.status is None and result.error == "Timed out"


def test_the_body_and_headers_reach_the_receiver_as_sent() -> None:
    with receiver() as hook:
        result = HttpSender(WebhookUrls(("127.0.0.1",))).send(hook.url + "?a=1", {"webhook-id": "msg_1"}, BODY)
        got = hook.wait_for(1)[0]
    assert (result.status, result.error) == (200, None)
    assert got.body == BODY and got.headers["webhook-id"] == "msg_1"
    assert got.headers["host"].startswith("127.0.0.1")
