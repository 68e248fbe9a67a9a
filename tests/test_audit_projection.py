"""The audit projection: an entry for every event of a roster's aggregates, and rebuilds that change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from application.history_types import HIDDEN_TYPES, TYPES
from infrastructure.readstore import SqliteReadStore
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from projections.audit import AuditProjection
from projections.base import position_of
from projections.runner import CatchUpRunner
from tests.audit_story import Story, tell
from tests.conftest import settings_for
from tests.support import bearer, dump_read_models, ok

ROSTER_AGGREGATES = ("domain.roster:Roster.", "domain.shift:Shift.", "domain.assignment:Assignment.",
                     "domain.swap:SwapRequest.")
SKIPPED = ("domain.identity:SignIn.", "domain.identity:SignOut.", "domain.idempotency:", "domain.identity:EmailClaim.",
           "domain.identity:SystemAdminSeat.", "domain.roster:DepartmentCalendar.",
           "domain.schedule:EmployeeSchedule.Opened", "domain.schedule:EmployeeSchedule.Booked",
           "domain.schedule:EmployeeSchedule.Released", "domain.inbox:Inbox.Opened", "domain.inbox:Inbox.Read",
           "domain.inbox:Inbox.AllRead", "domain.inbox:Inbox.Dismissed",
           "domain.calendar_feed:CalendarFeed.Opened")


@pytest.fixture(params=["sqlite", "postgres"])
def told(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, Container, Story]]:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    settings = settings_for(request.param, tmp_path, request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            yield client, container, tell(client)
    finally:
        container.close()


def audit_tables(store: Any) -> dict[str, list[dict[str, Any]]]:
    return dump_read_models(store, [AuditProjection()])


def logged(container: Container) -> list[tuple[int, str]]:
    """(position, topic) of every stored event."""
    return [(n.id, n.topic) for n in container.events.recorder.select_notifications(start=1, limit=1_000_000)]


def test_every_event_of_a_rosters_aggregates_has_an_entry_with_the_rosters_id(
        told: tuple[TestClient, Container, Story]) -> None:
    _, container, story = told
    with container.store.read() as cur:
        cur.execute("SELECT position, roster_id, type, shown FROM au_entries ORDER BY position")
        entries = {r["position"]: r for r in cur.fetchall()}
    events = logged(container)
    of_rosters = [p for p, topic in events if topic.startswith(ROSTER_AGGREGATES)]
    assert len(of_rosters) > 35
    assert all(entries[p]["roster_id"] == story.roster_id for p in of_rosters)
    # Every other event has an entry too, unless it is bookkeeping; bookkeeping has none.
    for position, topic in events:
        assert (position in entries) != topic.startswith(SKIPPED), (position, topic)
    assert {r["type"] for r in entries.values()} <= set(TYPES) | set(HIDDEN_TYPES)
    assert {r["type"] for r in entries.values() if not r["shown"]} <= set(HIDDEN_TYPES)
    assert {r["type"] for r in entries.values() if r["shown"]} <= set(TYPES)


def test_hidden_entries_are_indexed_for_the_roster_but_never_listed(told: tuple[TestClient, Container, Story]) -> None:
    client, container, story = told
    with container.store.read() as cur:
        cur.execute("SELECT type, shown FROM au_entries WHERE roster_id = ? ORDER BY position", (story.roster_id,))
        rows = cur.fetchall()
    listed = ok(client.get(f"/api/rosters/{story.roster_id}/history?limit=500",
                           headers=bearer(story.world.acme.admin["token"])))
    assert listed["pagination"]["total_items"] == sum(1 for r in rows if r["shown"]) < len(rows)
    assert {"roster_shift_added", "shift_place_taken"} <= {r["type"] for r in rows if not r["shown"]}


def test_a_rebuild_from_the_first_event_writes_the_same_rows_byte_for_byte(
        told: tuple[TestClient, Container, Story], tmp_path: Path) -> None:
    _, container, _ = told
    live = audit_tables(container.store)
    assert len(live["au_entries"]) > 50 and live["au_state"]
    # Staged in a scratch database and swapped in, as the workers and the operator's command do.
    container.runner.rebuild(["audit"])
    assert audit_tables(container.store) == live
    # In place in another store, in batches of 7: per-batch caches and deferred state writes
    # give the same rows whatever the batch size.
    other = SqliteReadStore(tmp_path / "elsewhere.sqlite3")
    runner = CatchUpRunner(container.events, other, [AuditProjection()], batch_size=7)
    runner.setup()
    runner.catch_up()
    assert audit_tables(other) == {**live, "projection_tracking": audit_tables(other)["projection_tracking"]}
    other.close()


def test_a_handler_learns_its_events_position_only_from_the_runner() -> None:
    with pytest.raises(LookupError):
        position_of(object())
