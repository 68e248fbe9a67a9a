"""Webhooks: subscriptions managed over HTTP, and deliveries a real receiver verifies with the
Standard Webhooks library, after the change is committed, retried, and never across tenants."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from standardwebhooks import Webhook as Verifier

from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import World, bearer, create_user, ok, seed_world
from tests.webhook_receiver import Receiver, receiver

FAST = dict(webhook_allowed_hosts=("127.0.0.1",), webhook_retry_schedule=(0.02, 0.04, 0.08), webhook_retry_jitter=0.0,
            webhook_disable_after=2, webhook_read_timeout=0.3, webhook_connect_timeout=0.5)


@pytest.fixture
def hooked(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[TestClient, Container]]:
    settings = settings_for(backend, tmp_path, request, **FAST)
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        yield client, container
    container.close()


@pytest.fixture
def sqlite_hooked(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[TestClient, Container]]:
    settings = settings_for("sqlite", tmp_path, request, **FAST)
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        yield client, container
    container.close()


def subscribe(client: TestClient, who: dict[str, Any], url: str, events: list[str]) -> dict[str, Any]:
    return ok(client.post("/api/webhooks", json={"url": url, "events": events, "description": "payroll"},
                          headers=bearer(who["token"])), 201)


def new_roster(client: TestClient, world: World, day: str = "2030-03-04") -> dict[str, Any]:
    return ok(client.post("/api/rosters", json={"name": "Week", "department_id": world.acme.department_id,
                                                "start_date": day, "end_date": day},
                          headers=bearer(world.acme.manager["token"])), 201)["roster"]


def verified(secret: str, delivery: Any) -> dict[str, Any]:
    return Verifier(secret).verify(delivery.body, delivery.headers)  # type: ignore[no-any-return]


def deliveries(client: TestClient, who: dict[str, Any], webhook_id: int) -> list[dict[str, Any]]:
    return ok(client.get(f"/api/webhooks/{webhook_id}/deliveries", headers=bearer(who["token"])))["deliveries"]


def test_a_payroll_system_hears_of_assignments_and_roster_statuses_signed_with_the_resources_as_the_api_shows_them(
        hooked: tuple[TestClient, Container]) -> None:
    client, _ = hooked
    world = seed_world(client)
    manager = bearer(world.acme.manager["token"])
    with receiver() as hook:
        made = subscribe(client, world.acme.admin, hook.url, ["employee_assigned", "roster_status_changed"])
        assert made["secret"].startswith("whsec_")
        roster = ok(client.post("/api/rosters", json={
            "name": "Week", "department_id": world.acme.department_id, "start_date": "2030-03-04",
            "end_date": "2030-03-04", "auto_generate_shifts": True, "shift_template": "business_hours",
            "required_staff": 1}, headers=manager), 201)["roster"]
        shift = roster["shifts"][0]["id"]
        assigned = ok(client.post(f"/api/shifts/{shift}/assignments", json={"employee_id": world.acme.employee["id"]},
                                  headers=manager), 201)["assignment"]
        ok(client.patch(f"/api/rosters/{roster['id']}/status", json={"status": "published"}, headers=manager))
        first, second = hook.wait_for(2)
    # Each delivery is a job of its own: receivers order them by `timestamp`, not by arrival.
    bodies = {b["type"]: b for b in (verified(made["secret"], d) for d in (first, second))}
    assert set(bodies) == {"employee_assigned", "roster_status_changed"}
    assert bodies["employee_assigned"]["timestamp"] < bodies["roster_status_changed"]["timestamp"]
    assignment, published = bodies["employee_assigned"]["data"], bodies["roster_status_changed"]["data"]
    assert assignment["id"] == assigned["id"] and assignment["employee_id"] == world.acme.employee["id"]
    assert published["id"] == roster["id"] and published["status"] == "published"
    assert first.headers["webhook-id"] != second.headers["webhook-id"]
    listed = ok(client.get("/api/webhooks", headers=bearer(world.acme.admin["token"])))["webhooks"]
    assert [w["url"] for w in listed] == [hook.url] and "secret" not in listed[0]


def test_a_failing_receiver_is_retried_in_order_until_it_answers_and_the_id_stays_the_same(
        sqlite_hooked: tuple[TestClient, Container]) -> None:
    client, container = sqlite_hooked
    world = seed_world(client)
    with receiver(answers=[500, "hang", 503]) as hook:
        made = subscribe(client, world.acme.admin, hook.url, ["roster_created"])
        new_roster(client, world)
        got = hook.wait_for(4)
        container.jobs.join()
    assert len({d.headers["webhook-id"] for d in got}) == 1
    assert all(verified(made["secret"], d)["type"] == "roster_created" for d in got)
    assert [d.at for d in got] == sorted(d.at for d in got)
    record = deliveries(client, world.acme.admin, made["webhook"]["id"])[0]
    assert (record["status"], record["attempts"], record["response_code"]) == ("succeeded", 4, 200)


def test_a_subscription_is_disabled_after_consecutive_failed_deliveries_and_its_admins_are_told(
        sqlite_hooked: tuple[TestClient, Container]) -> None:
    client, container = sqlite_hooked
    world = seed_world(client)
    with receiver(answers=[500] * 8) as hook:
        made = subscribe(client, world.acme.admin, hook.url, ["roster_created"])
        new_roster(client, world)
        new_roster(client, world, "2030-03-05")
        hook.wait_for(8)
        container.jobs.join()
    admin = bearer(world.acme.admin["token"])
    webhook_id = made["webhook"]["id"]
    assert ok(client.get(f"/api/webhooks/{webhook_id}", headers=admin))["webhook"]["active"] is False
    assert {d["status"] for d in deliveries(client, world.acme.admin, webhook_id)} == {"failed"}
    notices = ok(client.get("/api/notifications", headers=admin))["notifications"]
    assert any(n["type"] == "webhook_disabled" for n in notices)
    container.runner.catch_up()  # the audit projection answers no command, so none waited for it
    told = ok(client.get("/api/audit/events?limit=500", headers=bearer(world.root["token"])))["entries"]
    assert [e["summary"] for e in told if e["type"] == "webhook_disabled"] == [
        f"The webhook to {hook.url} was disabled after 2 failed deliveries in a row"]


def test_a_delivery_is_redelivered_on_request_and_a_ping_is_signed_too(
        sqlite_hooked: tuple[TestClient, Container]) -> None:
    client, container = sqlite_hooked
    world = seed_world(client)
    admin = bearer(world.acme.admin["token"])
    with receiver() as hook:
        made = subscribe(client, world.acme.admin, hook.url, ["*"])
        webhook_id = made["webhook"]["id"]
        ok(client.post(f"/api/webhooks/{webhook_id}/ping", headers=admin), 202)
        ping = hook.wait_for(1)[0]
        assert verified(made["secret"], ping)["type"] == "ping"
        new_roster(client, world)
        hook.wait_for(2)
        container.jobs.join()
        sent = next(d for d in deliveries(client, world.acme.admin, webhook_id) if d["type"] == "roster_created")
        ok(client.post(f"/api/webhooks/{webhook_id}/deliveries/{sent['id']}/redeliver", headers=admin), 202)
        again = hook.wait_for(3)[2]
    assert again.headers["webhook-id"] == sent["id"]
    assert verified(made["secret"], again)["type"] == "roster_created"


def test_after_a_rotation_deliveries_verify_with_the_new_secret_and_the_old_one(
        sqlite_hooked: tuple[TestClient, Container]) -> None:
    client, _ = sqlite_hooked
    world = seed_world(client)
    admin = bearer(world.acme.admin["token"])
    with receiver() as hook:
        made = subscribe(client, world.acme.admin, hook.url, ["roster_created"])
        rotated = ok(client.post(f"/api/webhooks/{made['webhook']['id']}/rotate-secret", headers=admin))
        new_roster(client, world)
        delivery = hook.wait_for(1)[0]
    assert rotated["secret"] != made["secret"] and rotated["previous_secret_valid_until"]
    assert verified(rotated["secret"], delivery) == verified(made["secret"], delivery)


def test_a_receiver_of_one_enterprise_never_hears_of_another(sqlite_hooked: tuple[TestClient, Container]) -> None:
    client, container = sqlite_hooked
    world = seed_world(client)
    with receiver() as acme_hook, receiver() as globex_hook:
        subscribe(client, world.acme.admin, acme_hook.url, ["*"])
        subscribe(client, world.globex.admin, globex_hook.url, ["*"])
        new_roster(client, world)
        acme_hook.wait_for(1)
        container.jobs.join()
        assert globex_hook.received == []
        assert all(json.loads(d.body)["data"].get("enterprise_id", world.acme.enterprise_id)
                   == world.acme.enterprise_id for d in acme_hook.received)


def test_only_enterprise_admins_manage_webhooks_auditors_read_them_and_another_enterprise_finds_none(
        sqlite_client: TestClient) -> None:
    client = sqlite_client
    world = seed_world(client)
    body = {"url": "https://8.8.8.8/x", "events": ["roster_created"], "active": False}
    for who in (world.acme.manager, world.acme.employee, world.root):
        assert client.post("/api/webhooks", json=body, headers=bearer(who["token"])).status_code == 403
        assert client.get("/api/webhooks", headers=bearer(who["token"])).status_code == 403
    webhook_id = subscribe(client, world.acme.admin, body["url"], body["events"])["webhook"]["id"]
    auditor = create_user(client, world.acme.admin["token"], "audit@acme.test", "auditor", world.acme.enterprise_id,
                          None)
    seen = ok(client.get(f"/api/webhooks/{webhook_id}", headers=bearer(auditor["token"])))["webhook"]
    assert seen["url"] == body["url"] and "secret" not in seen
    assert client.get(f"/api/webhooks/{webhook_id}/deliveries", headers=bearer(auditor["token"])).status_code == 200
    assert client.post(f"/api/webhooks/{webhook_id}/rotate-secret",
                       headers=bearer(auditor["token"])).status_code == 403
    stranger = bearer(world.globex.admin["token"])
    assert client.get(f"/api/webhooks/{webhook_id}", headers=stranger).status_code == 404
    assert client.put(f"/api/webhooks/{webhook_id}", json={"active": True}, headers=stranger).status_code == 404
    assert client.delete(f"/api/webhooks/{webhook_id}", headers=stranger).status_code == 404
    assert ok(client.get("/api/webhooks", headers=stranger))["webhooks"] == []


def test_urls_that_are_not_https_or_reach_private_addresses_are_refused_naming_the_field(
        sqlite_client: TestClient) -> None:
    world = seed_world(sqlite_client)
    admin = bearer(world.acme.admin["token"])
    for url in ("http://example.com/x", "https://127.0.0.1/x", "https://10.0.0.8/x", "https://[::1]/x",
                "https://169.254.169.254/latest", "ftp://example.com/x"):
        answer = sqlite_client.post("/api/webhooks", json={"url": url, "events": ["*"]}, headers=admin)
        assert answer.status_code in (400, 422), url
        assert "url" in answer.text
    unknown = sqlite_client.post("/api/webhooks", json={"url": "https://8.8.8.8/x", "events": ["nope"]}, headers=admin)
    assert unknown.status_code == 400 and "events" in unknown.text


def test_the_subscribable_event_types_are_listed(sqlite_client: TestClient) -> None:
    world = seed_world(sqlite_client)
    types = ok(sqlite_client.get("/api/webhooks/event-types", headers=bearer(world.acme.admin["token"])))["event_types"]
    assert {"employee_assigned", "roster_status_changed"} <= {t["type"] for t in types}


@pytest.mark.postgres
@pytest.mark.redis
def test_on_postgresql_with_redis_a_worker_delivers_what_the_projection_committed(
        tmp_path: Path, request: pytest.FixtureRequest, redis_url: str) -> None:
    settings = settings_for("postgres", tmp_path, request, redis_url=redis_url, **FAST)
    container = build_container(settings)
    container.jobs.start_worker()  # as `schedulax worker` does
    try:
        with TestClient(create_app(settings, container)) as client, receiver(answers=[500]) as hook:
            world = seed_world(client)
            made = subscribe(client, world.acme.admin, hook.url, ["roster_created"])
            new_roster(client, world)
            got = hook.wait_for(2)
        assert [verified(made["secret"], d)["type"] for d in got] == ["roster_created"] * 2
    finally:
        container.close()


def test_a_delivery_whose_job_was_lost_is_sent_again_by_the_sweeper_under_the_same_id(
        sqlite_hooked: tuple[TestClient, Container]) -> None:
    client, container = sqlite_hooked
    world = seed_world(client)
    with receiver() as hook:
        made = subscribe(client, world.acme.admin, hook.url, ["roster_created"])
        new_roster(client, world)
        first = hook.wait_for(1)[0]
        container.jobs.join()
        # As if the process died after the commit and before the job reached the broker.
        with container.store.write() as cur:
            cur.execute("UPDATE wh_deliveries SET status = 'pending', next_attempt_at = 0 WHERE id = ?",
                        (first.headers["webhook-id"],))
        assert container.webhook_delivery.sweep() == 1
        again = hook.wait_for(2)[1]
    assert again.headers["webhook-id"] == first.headers["webhook-id"] and again.body == first.body
    assert verified(made["secret"], again)["type"] == "roster_created"
