"""Commands are safe to retry: `Idempotency-Key`, and no applied command answers 500.

A repeat with the same key and request answers the original result without executing
again; the key is saved in the same `save()` as the command's events; whatever fails
after that save answers 202 with the log position and where to read the result.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec
import psycopg
from eventsourcing import persistence
import pytest
from litestar.testing import TestClient

from application import command_scope
from application.command_scope import CommandScope, KeyedRequest
from application.events import SchedulaX
from application.rosters import CREATE_ATTEMPTS
from domain.identity import SignIn
from domain.idempotency import IdempotencyKey
from domain.ids import aggregate_uuid
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import PASSWORD, World, bearer, ok, seed_world

REPLAYED = "Idempotent-Replayed"


@dataclass
class Api:
    client: TestClient
    container: Container
    world: World
    roster_id: int

    def manager(self, key: str | bytes | None = None, tenant: str = "acme") -> dict[str, Any]:
        headers = bearer(getattr(self.world, tenant).manager["token"])
        return {**headers, "Idempotency-Key": key} if key is not None else headers

    def new_shift(self, key: str | bytes | None, title: str = "Day", roster_id: int | None = None,
                  tenant: str = "acme", **headers: str) -> Any:
        body = {"roster_id": roster_id or self.roster_id, "date": "2026-01-05", "start_time": "08:00",
                "end_time": "16:00", "title": title}
        return self.client.post("/api/shifts", json=body, headers={**self.manager(key, tenant), **headers})

    def shifts(self, roster_id: int | None = None, tenant: str = "acme") -> list[dict[str, Any]]:
        answer = self.client.get(f"/api/shifts/roster/{roster_id or self.roster_id}", headers=self.manager(None, tenant))
        return ok(answer)["shifts"]


def roster_of(client: TestClient, world: World, tenant: str = "acme") -> int:
    who = getattr(world, tenant)
    body = {"name": "January", "department_id": who.department_id, "start_date": "2026-01-01",
            "end_date": "2026-01-31"}
    return ok(client.post("/api/rosters", json=body, headers=bearer(who.manager["token"])), 201)["roster"]["id"]


def api_on(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Api]:
    settings = settings_for(backend, tmp_path, request)
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        world = seed_world(client)
        yield Api(client, container, world, roster_of(client, world))
    container.close()


@pytest.fixture(params=["sqlite", "postgres"])
def stored(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """Where the key's storage matters: the SQLite and the PostgreSQL event and read stores."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    yield from api_on(request.param, tmp_path, request)


@pytest.fixture
def api(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Api]:
    yield from api_on("sqlite", tmp_path, request)


@pytest.fixture
def pg_api(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Api]:
    yield from api_on("postgres", tmp_path, request)


def lost_connection(*_: Any, **__: Any) -> None:
    raise psycopg.OperationalError("server closed the connection unexpectedly")


# -- repeats --------------------------------------------------------------------


def test_a_repeated_post_with_one_key_creates_one_shift_and_answers_the_same(stored: Api) -> None:
    first = stored.new_shift("create-day-shift")
    again = stored.new_shift("create-day-shift")

    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert REPLAYED not in first.headers and again.headers[REPLAYED] == "true"
    assert [s["id"] for s in stored.shifts()] == [first.json()["shift"]["id"]]


def test_the_same_key_with_another_body_is_a_422_and_changes_nothing(api: Api) -> None:
    ok(api.new_shift("k-1", title="Day"), 201)

    reused = api.new_shift("k-1", title="Night")

    assert reused.status_code == 422, reused.text
    assert reused.json()["detail"]["code"] == "UNPROCESSABLE_ENTITY"
    assert [s["title"] for s in api.shifts()] == ["Day"]


def test_keys_of_different_callers_never_collide(api: Api) -> None:
    globex_roster = roster_of(api.client, api.world, "globex")

    acme = api.new_shift("shared-key")
    globex = api.new_shift("shared-key", roster_id=globex_roster, tenant="globex")

    assert (acme.status_code, globex.status_code) == (201, 201), globex.text
    assert REPLAYED not in globex.headers
    assert len(api.shifts()) == 1 and len(api.shifts(globex_roster, "globex")) == 1


def test_anonymous_registration_is_keyed_by_its_body(api: Api) -> None:
    body = {"full_name": "Ann Smith", "email": "ann@example.test", "password": PASSWORD}
    headers = {"Idempotency-Key": "sign-me-up"}

    first = api.client.post("/api/auth/register", json=body, headers=headers)
    again = api.client.post("/api/auth/register", json=body, headers=headers)
    other = api.client.post("/api/auth/register", json={**body, "email": "bob@example.test"}, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.headers[REPLAYED] == "true" and again.json() == first.json()
    assert other.status_code == 422, other.text  # nobody gets an answer to a request they did not send
    def login(email: str) -> int:
        return api.client.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status_code
    assert (login("ann@example.test"), login("bob@example.test")) == (200, 401)


def test_a_replay_is_negotiated_to_messagepack(api: Api) -> None:
    first = api.new_shift("packed")
    again = api.new_shift("packed", Accept="application/x-msgpack")

    assert again.status_code == 201 and again.headers[REPLAYED] == "true"
    assert again.headers["Content-Type"] == "application/x-msgpack"
    assert msgspec.msgpack.decode(again.content) == first.json()


def test_a_malformed_key_is_a_400(api: Api) -> None:
    for key in ["", "   ", "x" * 256, "caf\u00e9".encode(), "tab\there"]:
        answer = api.new_shift(key)

        assert answer.status_code == 400, (key, answer.text)
        assert answer.json()["detail"]["errors"][0]["field"] == "Idempotency-Key"
    assert api.shifts() == []


def test_a_key_of_255_printable_characters_is_taken(api: Api) -> None:
    assert api.new_shift("k" * 254 + "~").status_code == 201
    assert api.new_shift('"draft-style-key"').status_code == 201  # the IETF draft's sf-string form


# -- atomicity and races --------------------------------------------------------


def test_a_command_whose_save_fails_with_a_conflict_records_no_key_so_its_retry_executes(
    stored: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key and the events are one save: the conflict refuses both."""
    events = stored.container.events
    save = events.save
    raced = []

    def save_after_a_concurrent_edit(*aggregates: Any) -> Any:
        # Another request changes the roster between this one's load and save, at every one
        # of its attempts (adding a shift plans it again a few times before it answers 409).
        if len(raced) < CREATE_ATTEMPTS:
            raced.append(True)
            roster = events.repository.get(aggregate_uuid("roster", stored.roster_id))
            roster.record_auto_assign({"status": "failed"}, by=stored.world.acme.manager["id"])
            save(roster)
        return save(*aggregates)

    monkeypatch.setattr(events, "save", save_after_a_concurrent_edit)

    lost = stored.new_shift("retry-me")
    retried = stored.new_shift("retry-me")
    repeated = stored.new_shift("retry-me")

    assert lost.status_code == 409, lost.text
    assert retried.status_code == 201 and REPLAYED not in retried.headers, retried.text
    assert repeated.headers.get(REPLAYED) == "true" and repeated.json() == retried.json()
    assert len(stored.shifts()) == 1


def test_a_request_that_saves_twice_records_its_key_once() -> None:
    events = SchedulaX(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    scope = CommandScope(keyed=KeyedRequest("user:1", "twice", "f" * 64, datetime.now(timezone.utc)))

    with command_scope.opened(scope):
        first = events.commit(SignIn(user_id=1, by=1))
        second = events.commit(SignIn(user_id=1, by=1))

    assert second > first and scope.position == second
    assert events.find(scope.keyed.id, IdempotencyKey).matches("f" * 64)
    assert events.commit(SignIn(user_id=1, by=1)) > second  # outside a request, no key at all


@pytest.mark.postgres
def test_two_concurrent_requests_with_one_key_create_one_shift(pg_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    events = pg_api.container.events
    commit = events.commit
    both_looked_up = threading.Barrier(2, timeout=20)

    def commit_together(*aggregates: Any, **kwargs: Any) -> int:
        both_looked_up.wait()  # each has found the key unused: only the event store can tell them apart
        return commit(*aggregates, **kwargs)

    monkeypatch.setattr(events, "commit", commit_together)
    answers: list[Any] = []

    def post() -> None:
        answers.append(pg_api.new_shift("double-click"))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([201, 201], [201, 409]), [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409 or REPLAYED in a.headers)
    assert loser.status_code == 201 or loser.json()["detail"]["code"] == "CONFLICT"
    monkeypatch.setattr(events, "commit", commit)
    assert len(pg_api.shifts()) == 1
    assert pg_api.new_shift("double-click").headers[REPLAYED] == "true"


# -- no applied command answers 500 ---------------------------------------------


def test_a_lost_connection_in_the_wait_after_the_save_answers_202_and_a_retry_creates_nothing(
    stored: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stored.container.runner, "wait_for", lost_connection)
    head = stored.container.events.recorder.max_notification_id()

    accepted = stored.new_shift("during-restart")
    retried = stored.new_shift("during-restart")

    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["accepted"] is True and body["position"] > head and body["message"]
    assert accepted.headers["Retry-After"] == "1"
    assert body["location"].startswith("/api/shifts/") and accepted.headers["Location"] == body["location"]
    assert retried.status_code == 202 and retried.headers[REPLAYED] == "true", retried.text
    assert retried.json()["position"] == body["position"]
    assert retried.json()["location"] == body["location"]

    monkeypatch.undo()
    stored.container.runner.catch_up()
    assert [s["id"] for s in stored.shifts()] == [ok(stored.client.get(body["location"], headers=stored.manager()))["shift"]["id"]]


def test_a_save_that_committed_but_reported_a_lost_connection_answers_202_and_its_retry_creates_nothing(
    stored: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL restarted as the commit's answer was on its way: the events are stored, yet
    the save raises. The key was saved with them, by this very request: applied, not 409."""
    save = stored.container.events.save

    def committed_then_lost(*aggregates: Any, **kwargs: Any) -> Any:
        save(*aggregates, **kwargs)
        raise persistence.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(stored.container.events, "save", committed_then_lost)
    answer = stored.new_shift("lost-ack")
    monkeypatch.undo()
    retried = stored.new_shift("lost-ack")

    assert answer.status_code == 202, answer.text
    assert answer.json()["accepted"] is True and REPLAYED not in answer.headers
    assert retried.status_code in (202, 409), retried.text  # applied, answer not kept: never executed again
    stored.container.runner.catch_up()
    assert len(stored.shifts()) == 1


def test_a_command_without_a_key_answers_202_not_500_when_its_wait_fails(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.container.runner, "wait_for", lost_connection)

    answer = api.new_shift(None)

    assert answer.status_code == 202, answer.text
    assert answer.json()["accepted"] is True and answer.headers["X-Read-Models"] == "unavailable"


def test_a_failed_read_of_the_answer_after_the_save_answers_202(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = api.container.identity._directory
    monkeypatch.setattr(directory, "user", lost_connection)
    body = {"full_name": "Cy Young", "email": "cy@example.test", "password": PASSWORD}

    answer = api.client.post("/api/auth/register", json=body, headers={"Idempotency-Key": "cy"})

    assert answer.status_code == 202, answer.text
    assert answer.json()["location"].startswith("/api/users/")
    monkeypatch.undo()
    again = api.client.post("/api/auth/register", json=body, headers={"Idempotency-Key": "cy"})
    assert again.status_code == 202 and again.headers[REPLAYED] == "true"
    login = api.client.post("/api/auth/login", json={"email": "cy@example.test", "password": PASSWORD})
    assert login.status_code == 200  # registered once, and for real


def test_a_key_whose_answer_was_lost_answers_409_while_it_may_still_answer_then_202(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that died after the save kept no answer: the key still holds."""
    from interfaces.http import idempotency
    monkeypatch.setattr(idempotency.KeptResponses, "keep", lost_connection)
    first = api.new_shift("orphan")
    young = api.new_shift("orphan")
    monkeypatch.setattr(idempotency, "ANSWERING_MARGIN_SECONDS", -3600.0)
    old = api.new_shift("orphan")

    assert first.status_code == 201
    assert young.status_code == 409 and young.headers["Retry-After"] == "1", young.text
    assert old.status_code == 202 and old.headers[REPLAYED] == "true", old.text
    assert old.json()["position"] == api.container.events.recorder.max_notification_id()
    assert len(api.shifts()) == 1
