"""A roster's history, the audit log and a user's own history, over the API, on SQLite and PostgreSQL.

One realistic life of a roster (tests/audit_story.py) is told once per store; every test
reads it back through a filter, a page or a cursor.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient

from infrastructure.settings import PostgresTarget, Settings
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.audit_story import STORY, Story, history, tell
from tests.conftest import POSTGRES_URL, _pg_ping, require
from tests.support import bearer, ok

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@dataclass
class Told:
    client: TestClient
    container: Container
    story: Story

    @property
    def admin(self) -> dict[str, Any]:
        return self.story.world.acme.admin

    def roster(self, **params: Any) -> dict[str, Any]:
        return history(self.client, self.admin, f"/api/rosters/{self.story.roster_id}/history", **params)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def told(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Told]:
    """The story, told once per store for the whole module."""
    schema = None
    overrides: dict[str, Any] = {}
    if request.param == "postgres":
        require("PostgreSQL", _pg_ping)
        schema = f"t_{uuid.uuid4().hex[:12]}"  # as conftest's pg_schema, for the whole module
        with psycopg.connect(PostgresTarget.parse(POSTGRES_URL).conninfo(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        overrides = {"database_url": POSTGRES_URL, "database_schema": schema}
    root: Path = tmp_path_factory.mktemp("audit")
    settings = Settings(data_dir=root / "data", bcrypt_rounds=4, rate_limit_enabled=False,
                        jwt_secret="test-secret-audit-history-0123456789", projection_workers=False, **overrides)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            yield Told(client, container, tell(client))
    finally:
        container.close()
        if schema is not None:
            with psycopg.connect(PostgresTarget.parse(POSTGRES_URL).conninfo(), autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


def every(told: Told, path: str, who: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    """Every entry, page after page of 500."""
    found, page = [], 1
    while True:
        body = history(told.client, who, path, limit=500, page=page, **params)
        found += body["entries"]
        if page >= body["pagination"]["total_pages"]:
            return found
        page += 1


# -- the story, in order ----------------------------------------------------------------


def test_a_rosters_history_tells_every_step_of_its_life_in_order(told: Told) -> None:
    entries = told.roster(limit=500)["entries"]
    assert [(e["type"], e["actor"]["full_name"], e["subject"]["kind"], e["summary"]) for e in entries] == STORY
    sequences = [e["sequence"] for e in entries]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert all(ISO_MS.match(e["occurred_at"]) for e in entries)
    assert all(set(e) == {"sequence", "occurred_at", "type", "actor", "subject", "summary", "changes", "request_id"}
               for e in entries)


def test_each_entry_names_its_actor_and_subject_by_id(told: Told) -> None:
    story, acme = told.story, told.story.world.acme
    entries = told.roster(limit=500)["entries"]
    by_type = {}
    for e in entries:
        by_type.setdefault(e["type"], []).append(e)
    assert by_type["roster_created"][0]["subject"] == {"kind": "roster", "id": story.roster_id}
    assert by_type["roster_created"][0]["actor"] == {"id": acme.manager["id"], "full_name": "Mona Manager"}
    assert by_type["shift_changed"][0]["subject"] == {"kind": "shift", "id": story.night}
    assert by_type["shift_moved"][0]["subject"] == {"kind": "shift", "id": story.shifts[4]}
    assert by_type["shift_removed"][0]["subject"] == {"kind": "shift", "id": story.shifts[3]}
    assert by_type["assignment_confirmed"][0]["subject"] == {"kind": "assignment", "id": story.ids["jane_night"]}
    assert by_type["assignment_confirmed"][0]["actor"]["id"] == acme.employee["id"]
    assert by_type["assignment_declined"][0]["actor"]["id"] == story.mate["id"]
    assert by_type["swap_approved"][0]["subject"] == {"kind": "swap_request", "id": story.ids["swap"]}
    assert by_type["swap_rejected"][0]["subject"] == {"kind": "swap_request", "id": story.ids["swap_back"]}
    assert by_type["roster_status_changed"][1]["actor"]["id"] == acme.admin["id"]


def test_changes_name_each_field_that_changed_with_its_old_and_new_value(told: Told) -> None:
    story, acme = told.story, told.story.world.acme
    changes = {}
    for e in told.roster(limit=500)["entries"]:
        changes.setdefault(e["type"], []).append(e["changes"])
    assert changes["shift_changed"] == [{"required_staff": {"from": 1, "to": 2},
                                         "title": {"from": "Late Shift", "to": "Night Shift"}}]
    assert changes["shift_moved"] == [{"date": {"from": "2026-01-09", "to": "2026-01-10"}}]
    assert changes["assignment_confirmed"] == [{"status": {"from": "pending", "to": "confirmed"},
                                                "notes": {"from": None, "to": "happy to"}}]
    assert changes["assignment_declined"] == [{"status": {"from": "pending", "to": "declined"}}]
    assert changes["assignment_removed"] == [{"status": {"from": "pending", "to": "removed"}}]
    assert changes["roster_status_changed"] == [{"status": {"from": "draft", "to": "published"}},
                                                {"status": {"from": "published", "to": "approved"}}]
    assert changes["roster_revised"] == [{"name": {"from": "January", "to": "January, week 2"},
                                          "settings.min_rest_hours": {"from": 10, "to": 12}}]
    handed = changes["assignment_handed_over"][0]
    assert handed["employee_id"] == {"from": acme.employee["id"], "to": story.mate["id"]}
    assert handed["notes"] == {"from": "happy to", "to": None}
    assert changes["swap_approved"] == [{"status": {"from": "accepted", "to": "approved"},
                                         "note": {"from": None, "to": "fine"}}]
    created = changes["roster_created"][0]
    assert created["name"] == {"from": None, "to": "January"} and created["status"] == {"from": None, "to": "draft"}
    assert changes["shift_removed"] == [{}]


def test_the_summary_before_a_rename_keeps_the_old_name_and_the_one_after_uses_the_new(told: Told) -> None:
    entries = told.roster(limit=500)["entries"]
    jane = told.story.world.acme.employee["id"]
    named = [(e["type"], e["actor"]["full_name"]) for e in entries if e["actor"]["id"] == jane]
    assert named == [("assignment_confirmed", "Jane Doe"), ("swap_requested", "Jane Roe")]
    log = every(told, "/api/audit/events", told.admin, type=["user_profile_updated"])
    assert [e["summary"] for e in log if e["subject"]["id"] == jane] == [
        "Admin renamed Employee to Jane Doe", "Admin renamed Jane Doe to Jane Roe"]


# -- filters, pages and cursors -----------------------------------------------------------------


def test_filters_by_type_actor_subject_kind_and_time(told: Told) -> None:
    everything = told.roster(limit=500)["entries"]
    mate = told.story.mate["id"]
    several = told.roster(limit=500, type=["swap_requested", "swap_rejected"])["entries"]
    assert [e["type"] for e in several] == ["swap_requested", "swap_requested", "swap_rejected"]
    assert [e["sequence"] for e in told.roster(limit=500, actor_id=mate)["entries"]] == [
        e["sequence"] for e in everything if e["actor"]["id"] == mate]
    assert {e["subject"]["kind"] for e in told.roster(limit=500, subject_kind="swap_request")["entries"]} == {
        "swap_request"}
    middle = everything[len(everything) // 2]["occurred_at"]
    since = told.roster(limit=500, since=middle)["entries"]
    until = told.roster(limit=500, until=middle)["entries"]
    assert since and until
    assert all(e["occurred_at"] >= middle for e in since) and all(e["occurred_at"] < middle for e in until)
    assert len(since) + len(until) == len(everything)
    assert told.roster(since="2200-01-01T00:00:00Z")["entries"] == []
    # Filters combine: every criterion must hold.
    assert told.roster(type=["swap_requested"], actor_id=mate)["pagination"]["total_items"] == 1


def test_pages_and_the_cursor_read_the_same_entries(told: Told) -> None:
    everything = told.roster(limit=500)["entries"]
    first = told.roster(limit=7)
    assert first["pagination"] == {"current_page": 1, "total_pages": -(-len(everything) // 7),
                                   "total_items": len(everything), "items_per_page": 7}
    paged = [e for p in range(1, first["pagination"]["total_pages"] + 1)
             for e in told.roster(limit=7, page=p)["entries"]]
    assert paged == everything
    followed, after = [], None
    while True:
        body = told.roster(limit=7, **({"after": after} if after is not None else {}))
        followed += body["entries"]
        after = body["next_after"]
        if after is None:
            break
        assert after == body["entries"][-1]["sequence"]
    assert followed == everything
    last = everything[-1]["sequence"]
    assert told.roster(after=last) == {**told.roster(after=last), "entries": [], "next_after": None}


def test_bad_filters_answer_400(told: Told) -> None:
    client, token = told.client, bearer(told.admin["token"])
    path = f"/api/rosters/{told.story.roster_id}/history"
    for query in ("type=shift_teleported", "limit=501", "limit=0", "subject_kind=planet", "since=yesterday",
                  "after=-1", "format=xml", "until=9999-12-31T23:59:59-14:00", "actor_id=0"):
        answer = client.get(f"{path}?{query}", headers=token)
        assert answer.status_code == 400, (query, answer.text)
        assert answer.json()["detail"]["code"] == "VALIDATION_ERROR"


# -- the audit log and one's own history ---------------------------------------------------------


def test_the_audit_log_holds_the_whole_enterprise_and_nothing_of_another(told: Told) -> None:
    acme, globex = told.story.world.acme, told.story.world.globex
    log = every(told, "/api/audit/events", told.admin)
    kinds = {e["subject"]["kind"] for e in log}
    assert {"user", "department", "enterprise", "roster", "shift", "assignment", "swap_request"} <= kinds
    roster_story = told.roster(limit=500)["entries"]
    assert [e for e in log if e["sequence"] in {r["sequence"] for r in roster_story}] == roster_story
    assert not [e for e in log if "Globex" in e["summary"]]
    assert every(told, "/api/audit/events", told.admin, roster_id=told.story.roster_id) == roster_story
    assert every(told, "/api/audit/events", told.admin, enterprise_id=globex.enterprise_id) == []
    root = every(told, "/api/audit/events", told.story.world.root, enterprise_id=globex.enterprise_id)
    assert root and all("Acme" not in e["summary"] for e in root)
    assert len(every(told, "/api/audit/events", told.story.world.root)) > len(log)
    assert every(told, "/api/audit/events", told.admin, department_id=acme.other_department_id,
                 subject_kind="roster") == []


def test_an_employee_reads_only_their_own_assignments_and_swaps(told: Told) -> None:
    story, acme = told.story, told.story.world.acme
    jane = every(told, "/api/employee/history", acme.employee)
    assert [e["type"] for e in jane] == [
        "employee_assigned", "assignment_confirmed", "swap_requested", "swap_accepted", "swap_approved",
        "assignment_handed_over", "swap_requested", "swap_rejected"]
    assert {e["subject"]["kind"] for e in jane} == {"assignment", "swap_request"}
    john = every(told, "/api/employee/history", story.mate)
    assert story.ids["john_monday"] in {e["subject"]["id"] for e in john if e["subject"]["kind"] == "assignment"}
    assert not {story.ids["john_monday"], story.ids["john_tuesday"]} & {
        e["subject"]["id"] for e in jane if e["subject"]["kind"] == "assignment"}
    assert every(told, "/api/employee/history", acme.colleague) == []
    assert every(told, "/api/employee/history", acme.employee, type=["swap_rejected"]) == [jane[-1]]


def test_history_answers_messagepack_like_every_other_endpoint(told: Told) -> None:
    import msgspec

    path = f"/api/rosters/{told.story.roster_id}/history?limit=3"
    packed = told.client.get(path, headers={**bearer(told.admin["token"]), "Accept": "application/x-msgpack"})
    assert packed.headers["content-type"].startswith("application/x-msgpack")
    assert msgspec.msgpack.decode(packed.content) == ok(told.client.get(path, headers=bearer(told.admin["token"])))
