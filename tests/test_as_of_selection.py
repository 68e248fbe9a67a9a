"""Which events as-of replays: the rule, the log scan, the audit index, and the replay itself."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from application.roster_events import SelectedEvent, directory_named, until_first_after
from domain.assignment import Assignment
from domain.identity import User
from domain.organisation import Department, Enterprise
from domain.roster import Roster
from infrastructure.readstore import PostgresReadStore, SqliteReadStore
from infrastructure.settings import PostgresTarget, Settings
from interfaces.as_of_wiring import (
    as_of_projections,
    replay_stores,
    roster_events_by_audit_index,
    roster_events_by_log_scan,
)
from interfaces.container import Container
from projections.replay import ProjectedPast, ReplayFailed
from projections.roster_index import INDEXED_UP_TO, ROSTER_ENTRIES
from projections.rostering import RosteringProjection
from tests.as_of_support import Team, instant, team_of
from tests.audit_index import AU_ENTRIES, audit_index_behind
from tests.conftest import POSTGRES_URL
from tests.support import ok, seed_world

T0 = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=timezone.utc)


class _Stamped:
    def __init__(self, at: datetime, **values: Any) -> None:
        self.timestamp = at
        self.__dict__.update(values)


def test_the_events_kept_stop_at_the_first_one_recorded_after_the_instant_to_the_millisecond() -> None:
    times = [T0, T0 + timedelta(microseconds=500), T0 + timedelta(milliseconds=2), T0, T0]
    kept = until_first_after(times, T0.replace(microsecond=123000), lambda t: t)
    assert kept == times[:2]  # .123456 and .123956 lie within the instant's millisecond; then one after
    assert until_first_after(times, T0 - timedelta(milliseconds=1), lambda t: t) == []
    in_paris = (T0 + timedelta(milliseconds=2)).astimezone(timezone(timedelta(hours=1)))
    assert until_first_after(times, in_paris, lambda t: t) == times


def test_the_directory_named_is_every_person_the_department_and_the_enterprise() -> None:
    planned = object.__new__(Roster.Planned)
    planned.__dict__.update(roster_id=1, department_id=7, enterprise_id=3, by=11)
    made = object.__new__(Assignment.Made)
    made.__dict__.update(assignment_id=1, employee_id=12, by=13, roster_id=1)
    named = directory_named([SelectedEvent(1, "t", planned), SelectedEvent(2, "t", made)])
    assert named == {Department.create_id(7), Enterprise.create_id(3), User.create_id(11), User.create_id(12),
                     User.create_id(13)}


def _au_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    if kind == "sqlite":
        return SqliteReadStore(tmp_path / "au.sqlite3")
    schema = request.getfixturevalue("pg_schema")
    return PostgresReadStore(PostgresTarget.parse(POSTGRES_URL), schema, 2)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_audit_index_query_reads_one_rosters_entries_in_order_up_to_the_indexed_position(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = _au_store(kind, tmp_path, request)
    try:
        with store.write() as cur:
            for statement in AU_ENTRIES:
                cur.execute(statement)
            cur.execute("CREATE TABLE IF NOT EXISTS projection_tracking (name TEXT PRIMARY KEY,"
                        " position BIGINT NOT NULL, version INTEGER NOT NULL DEFAULT 0)")
            cur.execute("INSERT INTO projection_tracking (name, position) VALUES ('audit', 40)")
            for position, roster_id in [(30, 2), (12, 2), (14, 5), (41, 2), (20, None), (25, 2)]:
                cur.execute("INSERT INTO au_entries (position, occurred_at, type, shown, enterprise_id, roster_id,"
                            " subject_kind, subject_id, summary, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (position, f"2026-01-05T09:00:{position:02d}.000Z", "shift_added", True, 1, roster_id,
                             "roster", roster_id, "A shift was added", "{}"))
        with store.read() as cur:
            cur.execute(INDEXED_UP_TO, ("audit",))
            assert cur.fetchone()["position"] == 40
            cur.execute(ROSTER_ENTRIES, (2, 40))
            rows = cur.fetchall()
        assert [(r["position"], r["occurred_at"]) for r in rows] == [
            (12, "2026-01-05T09:00:12.000Z"), (25, "2026-01-05T09:00:25.000Z"), (30, "2026-01-05T09:00:30.000Z")]
        with store.read() as cur:  # the (roster_id, position) index serves it, sorted already
            if kind == "postgres":
                cur.execute("SET enable_seqscan = off")
                cur.execute("EXPLAIN " + ROSTER_ENTRIES, (2, 40))
            else:
                cur.execute("EXPLAIN QUERY PLAN " + ROSTER_ENTRIES, (2, 40))
            plan = " ".join(str(r) for r in cur.fetchall())
        assert "au_entries_roster" in plan and "Sort" not in plan and "TEMP B-TREE" not in plan, plan
    finally:
        store.close()


def _history(client: TestClient) -> tuple[Team, list[tuple[int, str]]]:
    """Two rosters of one department whose stories interleave, with renames between; the
    instants after each step."""
    team = team_of(client, seed_world(client).acme, size=2)
    ada, bob = team.employees
    marks = [(0, instant())]
    first = team.roster("One", "2026-01-05", "2026-01-06", auto_generate_shifts=True, shift_template="12hour")
    marks.append((first["id"], instant()))
    second = team.roster("Two", "2026-01-12", "2026-01-13", auto_generate_shifts=True, shift_template="12hour")
    made = ok(team.assign(first["shifts"][0]["id"], ada["id"]), 201)["assignment"]
    marks.append((first["id"], instant()))
    ok(team.rename(ada["id"], "Ada Two"))
    ok(team.assign(second["shifts"][0]["id"], bob["id"]), 201)
    marks.append((second["id"], instant()))
    ok(team.answer(made["id"], "confirmed"))
    ok(team.client.delete(f"/api/shifts/{first['shifts'][1]['id']}", headers=team.manager), 204)
    ok(team.rename(bob["id"], "Bob Two"))
    marks.append((second["id"], instant()))
    return team, [(rid or first["id"], at) for rid, at in marks] + [(second["id"], at) for _, at in marks]


def test_the_audit_index_and_the_log_scan_choose_the_same_events(
    client: TestClient, container: Container, backend: str
) -> None:
    team, marks = _history(client)
    events, store = container.events, container.store
    scan = roster_events_by_log_scan(events)
    head = events.recorder.max_notification_id() or 0
    for behind in (0, 7, head):  # complete, lagging by a few events, and never run
        with audit_index_behind(store, head - behind):
            index = roster_events_by_audit_index(events, store)
            for roster_id, at in marks:
                moment = datetime.fromisoformat(at)
                chosen = [(e.id, e.topic) for e in index.select(roster_id, moment)]
                assert chosen == [(e.id, e.topic) for e in scan.select(roster_id, moment)], (behind, roster_id, at)
    assert any(scan.select(rid, datetime.fromisoformat(at)) for rid, at in marks)


def test_each_replay_starts_from_empty_tables_and_one_failing_projection_is_reported(
    client: TestClient, container: Container, backend: str
) -> None:
    team, marks = _history(client)
    events = container.events
    scan = roster_events_by_log_scan(events)
    past = ProjectedPast(events, replay_stores(events), as_of_projections, prepared=True)
    roster_id, at = marks[-1]
    chosen = scan.select(roster_id, datetime.fromisoformat(at))
    with past.replayed(chosen) as queries:
        assert queries.roster(roster_id) is not None
    with past.replayed([]) as queries:
        assert queries.roster(roster_id) is None

    class Broken(RosteringProjection):
        def handlers(self) -> dict[type, Any]:
            def fail(e: Any, cur: Any) -> None:
                raise ValueError("no")
            return {**super().handlers(), Roster.Planned: fail}

    with pytest.raises(ReplayFailed, match="rostering cannot apply event"):
        with ProjectedPast(events, replay_stores(events), lambda: [Broken()]).replayed(chosen):
            pass


@pytest.mark.parametrize("backend_", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_rebuild_of_every_projection_leaves_as_of_unchanged(
    backend_: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from interfaces.container import build_container
    from interfaces.http.app import create_app
    from tests.conftest import settings_for

    settings: Settings = settings_for(backend_, tmp_path, request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            team, marks = _history(client)
            live_then = team.reads(marks[2][0], team.manager)  # as the first roster was at its third mark...
            marks[2] = (marks[2][0], instant())
            ok(team.client.put(f"/api/rosters/{marks[2][0]}", json={"name": "Changed later"}, headers=team.manager))
            seen = [team.reads(rid, team.manager, as_of=at) for rid, at in marks]
            assert seen[2] == live_then  # ...and as-of says so
            container.runner.rebuild()
            assert [team.reads(rid, team.manager, as_of=at) for rid, at in marks] == seen
            assert team.reads(marks[-1][0], team.manager, as_of=instant()) == team.reads(marks[-1][0], team.manager)
    finally:
        container.close()
