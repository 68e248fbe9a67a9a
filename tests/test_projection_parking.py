"""A projection that cannot apply an event parks there, alone: the others go on, the API starts,
commands answer 202 (or 2xx when they do not read it), and nothing is ever skipped.

The poison is what an older deploy could save before dates were bounded: a night shift on
9999-12-31, written straight into the event store, past the domain's checks. Its end
overflows `datetime` in the rostering and analytics handlers.
"""

from __future__ import annotations

import json
import sqlite3
import time as clock
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import TestClient

from application.ports import ReadModelsBehind
from domain.roster import Roster
from domain.shift import Shift
from infrastructure.readstore import SqliteReadStore, scratch_store
from infrastructure.settings import Settings
from interfaces import projections_cli
from interfaces.container import Container, all_projections, build_container
from interfaces.http.app import create_app
from projections import analytics
from projections.analytics import AnalyticsProjection
from projections.runner import CatchUpRunner
from projections.tracking import TrackingWaiter
from tests.conftest import settings_for
from tests.support import World, dump_read_models, ok, seed_world

NAMES = sorted(p.name for p in all_projections())
WAITED = sorted(p.name for p in all_projections() if p.answers_commands)
OVERFLOW = "OverflowError: date value out of range"
BROKEN_DAY = date(2031, 3, 4)
"""The day on which the tests' broken analytics handler fails."""


@dataclass
class Served:
    settings: Settings
    container: Container
    client: TestClient
    world: World

    @property
    def runner(self) -> CatchUpRunner:
        return self.container.runner

    def status(self) -> dict[str, Any]:
        return {s.name: s for s in self.runner.status()}

    def parked(self) -> list[str]:
        return sorted(name for name, s in self.status().items() if s.parked)

    def head(self) -> int:
        return self.container.events.recorder.max_notification_id() or 0


class Breakage:
    """Analytics' `shift_planned` broken for shifts on BROKEN_DAY while `kind` is set: it raises,
    or writes a row that breaks a constraint (on PostgreSQL's pipeline, that error surfaces
    only at a later statement or at the commit)."""

    kind: str | None = None

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = AnalyticsProjection.shift_planned

        def shift_planned(projection: AnalyticsProjection, e: Any, cur: Any) -> None:
            if self.kind is not None and e.day == BROKEN_DAY:
                if self.kind == "raises":
                    raise ValueError("analytics cannot take this shift")
                cur.execute("INSERT INTO an_shifts (shift_id) VALUES (?)", (e.shift_id,))  # NOT NULL columns
            original(projection, e, cur)

        monkeypatch.setattr(AnalyticsProjection, "shift_planned", shift_planned)


@pytest.fixture
def store_backend(backend: str) -> str:
    if backend == "memory":
        pytest.skip("memory keeps no events for a second process to start on")
    return backend


@pytest.fixture
def breakage(monkeypatch: pytest.MonkeyPatch) -> Breakage:
    broken = Breakage()
    broken.install(monkeypatch)  # before the container: the runner binds the handlers once
    return broken


@pytest.fixture
def served(store_backend: str, breakage: Breakage, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    settings = settings_for(store_backend, tmp_path, request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            yield Served(settings, container, client, seed_world(client))
    finally:
        container.close()


def inject_poison(s: Served, day: date = date(9999, 12, 31)) -> int:
    """A roster and its night shift saved past the domain's checks; the shift's event position."""
    roster = Roster(roster_id=900_001, department_id=s.world.acme.department_id,
                    enterprise_id=s.world.acme.enterprise_id, name="Old deploy", description=None,
                    start_date=day, end_date=day, settings={}, timezone="UTC", by=s.world.acme.manager["id"])
    shift = Shift(shift_id=900_001, roster_id=900_001, department_id=s.world.acme.department_id,
                  enterprise_id=s.world.acme.enterprise_id, day=day, start_time=time(22), end_time=time(6),
                  title="Night", description=None, required_staff=1, location=None, timezone="UTC",
                  by=s.world.acme.manager["id"])
    roster._shift_added(shift_id=900_001, day=day, by=s.world.acme.manager["id"])
    return s.container.events.commit(roster, shift)


def new_enterprise(s: Served, name: str) -> Any:
    return s.client.post("/api/enterprises", json={"name": name}, headers=s.world.token(s.world.root))


def roster_with_shift_on(s: Served, day: date) -> Any:
    manager = s.world.token(s.world.acme.manager)
    roster = ok(s.client.post("/api/rosters", json={
        "name": "Spring", "department_id": s.world.acme.department_id, "start_date": "2031-03-03",
        "end_date": "2031-03-09"}, headers=manager), 201)["roster"]
    return shift_on(s, roster["id"], day)


def shift_on(s: Served, roster_id: int, day: date) -> Any:
    return s.client.post("/api/shifts", json={
        "roster_id": roster_id, "date": day.isoformat(), "start_time": "09:00", "end_time": "17:00",
        "title": "Day"}, headers=s.world.token(s.world.acme.manager))


def metric(s: Served, name: str, projection: str) -> str:
    lines = [line for line in s.client.get("/metrics").text.splitlines()
             if line.startswith(f'{name}{{projection="{projection}"}} ')]
    assert len(lines) == 1, lines
    return lines[0].rsplit(" ", 1)[1]


def live_tables(store: Any) -> dict[str, list[dict[str, Any]]]:
    dumped = dump_read_models(store, all_projections())
    dumped.pop("projection_tracking")
    return dumped


def assert_rebuild_equals_live(s: Served, path: Path) -> None:
    """Exactly once: every row a rebuild from the first event writes, the live tables hold."""
    store = SqliteReadStore(path)
    try:
        runner = CatchUpRunner(s.container.events, store, all_projections())
        runner.setup()
        runner.catch_up()
        assert not [r.name for r in runner.status() if r.parked]
        assert live_tables(store) == live_tables(s.container.store)
    finally:
        store.close()


# -- a poison event ------------------------------------------------------------------------------


def test_a_poison_event_parks_the_projections_that_fail_on_it_and_the_others_go_on(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    s = served
    poison = inject_poison(s)
    started = clock.monotonic()
    answer = new_enterprise(s, "After the poison")
    # Saved; rostering, which commands wait for, is parked before it: 202 at once, never 500.
    assert answer.status_code == 202, answer.text
    assert answer.headers["X-Read-Models"] == "behind"
    assert clock.monotonic() - started < 3
    assert s.parked() == ["analytics", "rostering"]
    status = s.status()
    for name in ("analytics", "rostering"):
        assert (status[name].error, status[name].failed_position, status[name].position) == (
            OVERFLOW, poison, poison - 1)
    for name in ("dashboard", "directory", "notifications"):
        assert (status[name].error, status[name].failed_position, status[name].position) == (None, None, s.head())
    # The others went on: the directory serves the enterprise saved after the poison.
    names = [e["name"] for e in ok(s.client.get("/api/enterprises?limit=100",
                                                 headers=s.world.token(s.world.root)))["enterprises"]]
    assert "After the poison" in names
    assert metric(s, "schedulax_projection_parked", "analytics") == "1"
    assert metric(s, "schedulax_projection_parked", "rostering") == "1"
    assert metric(s, "schedulax_projection_parked", "directory") == "0"

    # Workers' deployments wait on the tracking rows: the parked projection answers at once.
    started = clock.monotonic()
    with pytest.raises(ReadModelsBehind):
        TrackingWaiter(s.container.store, WAITED, timeout=5).wait_for(s.head())
    assert clock.monotonic() - started < 1
    TrackingWaiter(s.container.store, ["directory", "notifications"], timeout=5).wait_for(s.head())

    # The operator's view.
    assert projections_cli.status(s.settings, NAMES, as_json=True) == 0
    shown = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert shown["analytics"]["parked"] is True and shown["analytics"]["error"] == OVERFLOW
    assert shown["analytics"]["failed_position"] == poison and shown["directory"]["parked"] is False
    projections_cli.status(s.settings, NAMES, as_json=False)
    table = capsys.readouterr().out
    assert f"PARKED at event {poison}: {OVERFLOW}" in table

    # A new API process starts regardless: its catch-up tries the event again and parks it again.
    again = build_container(s.settings)
    try:
        with TestClient(create_app(s.settings, again)) as client:
            listed = client.get("/api/enterprises", headers=s.world.token(s.world.root))
            assert listed.status_code == 200, listed.text
    finally:
        again.close()
    assert s.parked() == ["analytics", "rostering"]


# -- a projection commands do not wait for ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["raises", "bad_sql"])
def test_a_parked_projection_that_commands_do_not_read_leaves_their_answers_alone_and_a_retry_applies_it(
    served: Served, breakage: Breakage, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    s = served
    breakage.kind = kind
    created = roster_with_shift_on(s, BROKEN_DAY)
    assert created.status_code == 201, created.text
    broken_at = s.head()
    assert s.parked() == ["analytics"]
    analytics_status = s.status()["analytics"]
    assert analytics_status.failed_position == broken_at and analytics_status.position == broken_at - 1
    if kind == "raises":
        assert analytics_status.error == "ValueError: analytics cannot take this shift"
    # Later commands answer as usual, and every other read model follows them.
    assert new_enterprise(s, "Later").status_code == 201
    assert shift_on(s, created.json()["shift"]["roster_id"], date(2031, 3, 5)).status_code == 201
    assert {name for name, st in s.status().items() if st.position == s.head()} == set(NAMES) - {"analytics"}
    assert metric(s, "schedulax_projection_parked", "analytics") == "1"
    assert metric(s, "schedulax_projection_parked", "rostering") == "0"

    # Nothing is skipped: while the cause is there, a retry parks it again at the same event.
    assert projections_cli.retry(s.settings, ["analytics"]) == 1
    assert s.status()["analytics"].failed_position == broken_at
    breakage.kind = None  # the cause is gone (a fixed deploy)
    assert projections_cli.retry(s.settings, ["analytics"]) == 0
    assert "ok" in capsys.readouterr().out
    assert s.parked() == []
    assert s.runner.catch_up() == 0 and s.status()["analytics"].position == s.head()
    rows = live_tables(s.container.store)
    assert sorted(r["date"] for r in rows["an_shifts"]) == ["2031-03-04", "2031-03-05"]
    assert_rebuild_equals_live(s, tmp_path / "rebuilt.sqlite3")


def test_a_process_that_applies_a_parked_projection_tries_it_again_when_it_starts(served: Served,
                                                                                breakage: Breakage) -> None:
    s = served
    breakage.kind = "raises"
    roster_with_shift_on(s, BROKEN_DAY)
    assert s.parked() == ["analytics"]
    s.runner.setup(reset=False)  # an API beside workers: the park is theirs
    assert s.parked() == ["analytics"]
    breakage.kind = None
    s.runner.setup()  # the process that applies it (a worker, the embedded API): unparked, tried again
    assert s.parked() == []
    s.runner.catch_up()
    assert s.status()["analytics"].position == s.head()


# -- what does not park, and what finds the event ---------------------------------------------------


@pytest.fixture
def sqlite_served(breakage: Breakage, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    settings = settings_for("sqlite", tmp_path, request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            yield Served(settings, container, client, seed_world(client))
    finally:
        container.close()


@pytest.mark.parametrize("error", [sqlite3.OperationalError("database is locked"),
                                   psycopg.OperationalError("server closed the connection unexpectedly")])
def test_a_lost_connection_in_a_handler_parks_nothing_and_is_raised_for_the_worker_to_restart(
    sqlite_served: Served, monkeypatch: pytest.MonkeyPatch, error: Exception,
) -> None:
    s = sqlite_served
    before = {name: st.position for name, st in s.status().items()}
    monkeypatch.setattr(type(s.container.store), "is_connection_error",
                        staticmethod(lambda e: isinstance(e, type(error))))
    monkeypatch.setattr(analytics, "timing", lambda *_: (_ for _ in ()).throw(error))
    with pytest.raises(type(error)):
        inject_poison(s, date(2031, 3, 4))
        s.runner.catch_up()
    assert s.parked() == []
    assert {name: st.position for name, st in s.status().items()} == before  # nothing committed


def test_a_failure_of_deferred_work_is_traced_to_its_event_one_event_at_a_time(
    sqlite_served: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    s = sqlite_served
    original = analytics.refresh_roster_day
    broken = {"on": True}

    def refresh_roster_day(cur: Any, roster_id: int, day: str) -> None:
        if broken["on"] and day == BROKEN_DAY.isoformat():
            raise RuntimeError("cannot recount this day")
        original(cur, roster_id, day)

    monkeypatch.setattr(analytics, "refresh_roster_day", refresh_roster_day)
    assert roster_with_shift_on(s, BROKEN_DAY).status_code == 201
    status = s.status()["analytics"]
    assert (status.error, status.failed_position) == ("RuntimeError: cannot recount this day", s.head())
    broken["on"] = False
    assert s.runner.retry(["analytics"]) == ["analytics"]
    s.runner.catch_up()
    assert s.parked() == []
    assert_rebuild_equals_live(s, tmp_path / "rebuilt.sqlite3")


def test_a_staged_rebuild_leaves_a_projection_parked_where_the_stage_parked_it(sqlite_served: Served) -> None:
    s = sqlite_served
    poison = inject_poison(s)
    s.runner.catch_up()
    live = live_tables(s.container.store)
    staged = CatchUpRunner(s.container.events, s.container.store, all_projections(), scratch=scratch_store)
    staged.rebuild()
    status = {st.name: st for st in staged.status()}
    assert {name for name, st in status.items() if st.parked} == {"analytics", "rostering"}
    assert status["analytics"].position == poison - 1 and status["directory"].position == s.head()
    assert live_tables(s.container.store) == live
