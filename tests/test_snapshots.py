"""Snapshots of the long-lived aggregates (issue 22.3): a load from a snapshot gives the very
aggregate a replay of every event gives, the rules hold across a snapshot, and snapshots are
no events: the log, its hash chain, `audit verify` and the projections' rebuild never see one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.application import Repository
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application import snapshots
from application.events import SchedulaX
from application.snapshots import StateSnapshot, decode, encode
from domain.errors import DomainError
from domain.inbox import Inbox
from domain.roster import DepartmentCalendar, RosterOverlap
from domain.schedule import Booking, DoubleBooked, EmployeeSchedule, NotEnoughRest, Rules
from domain.timeslots import Interval
from infrastructure.event_store import BoundedPostgresRecorder, BoundedSnapshotRecorder
from infrastructure.settings import PostgresTarget
from interfaces import cli, migrate
from interfaces.container import all_projections, open_event_store
from projections.runner import CatchUpRunner
from tests.chain_support import Audited, audited, digest, documented_chain, event_table, raw_rows, stored_links
from tests.conftest import settings_for
from tests.support import bearer, ok

MONDAY = datetime(2026, 3, 2, 6, tzinfo=timezone.utc)
STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def every_third_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots every 3 versions, so that a few commands cross several of them."""
    for kind in list(snapshots.SNAPSHOT_INTERVALS):
        monkeypatch.setitem(snapshots.SNAPSHOT_INTERVALS, kind, 3)


def memory_app() -> SchedulaX:
    return SchedulaX(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def replayed(app: SchedulaX, aggregate_id: Any) -> Any:
    """The aggregate from every one of its events, no snapshot."""
    return Repository(app.events).get(aggregate_id)


def shift(day: int, hours: int = 8, at: int = 0) -> Interval:
    start = MONDAY + timedelta(days=day, hours=at)
    return Interval(start, start + timedelta(hours=hours))


# -- commands as hypothesis draws them: (kind, number, day) -------------------------------------
commands = st.lists(st.tuples(st.sampled_from(["book", "release", "time_off", "decide", "away", "back"]),
                              st.integers(0, 12), st.integers(0, 30)), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(commands)
def test_a_schedule_loaded_from_its_snapshot_equals_the_one_replayed_from_every_event(
    every_third_version: None, script: list[tuple[str, int, int]],
) -> None:
    app = memory_app()
    schedule = EmployeeSchedule(employee_id=7)
    app.save(schedule)
    for kind, number, day in script:
        schedule = app.repository.get(schedule.id)
        try:
            if kind == "book":
                schedule.book(number, Booking(100 + number, number % 3, shift(day)), Rules(min_rest_hours=4))
            elif kind == "release":
                schedule.release(number)
            elif kind == "time_off":
                schedule.request_time_off(number, shift(day, hours=24), f"reason {number}")
            elif kind == "decide":
                schedule.decide_time_off(number, approve=day % 2 == 0, by=1)
            elif kind == "away":
                schedule.mark_unavailable(number, shift(day, hours=4, at=12), None)
            else:
                schedule.clear_unavailable(number)
        except DomainError:  # a command the rules refuse saves nothing
            continue
        app.save(schedule)
    loaded = app.repository.get(schedule.id)
    assert vars(loaded) == vars(replayed(app, schedule.id))


def test_a_calendar_and_an_inbox_loaded_from_their_snapshots_equal_their_replays(every_third_version: None) -> None:
    app = memory_app()
    calendar, inbox = DepartmentCalendar(department_id=3, timezone="Europe/Paris"), Inbox(user_id=9)
    app.save(calendar, inbox)
    for week in range(10):
        calendar.reserve(week, date(2026, 1, 5) + timedelta(weeks=week), date(2026, 1, 11) + timedelta(weeks=week))
        inbox.mark_read(week)
        if week == 6:
            calendar.release(2)
            inbox.mute(["shift_assigned", "swap_request"])
        app.save(calendar, inbox)
    for aggregate in (calendar, inbox):
        assert [s.originator_version for s in app.snapshots.get(aggregate.id)]  # type: ignore[union-attr]
        assert vars(app.repository.get(aggregate.id)) == vars(replayed(app, aggregate.id))
    assert app.repository.get(calendar.id).ranges[3] == (date(2026, 1, 26), date(2026, 2, 1))


def test_the_state_codec_gives_back_integer_keys_tuples_sets_dates_and_dataclasses() -> None:
    state = {1: (date(2026, 1, 1), frozenset({2, 3})), "x": [Booking(1, 2, shift(0))], 4: {5}}
    assert decode(encode(state)) == state
    stored = SchedulaX(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper.transcoder
    assert decode(stored.decode(stored.encode(encode(state)))) == state


def test_a_state_it_cannot_keep_is_refused_when_the_snapshot_is_taken() -> None:
    with pytest.raises(TypeError, match="cannot keep a object"):
        encode(object())


def test_no_double_booking_and_no_short_rest_across_a_snapshot(every_third_version: None) -> None:
    app = memory_app()
    schedule = EmployeeSchedule(employee_id=7)
    app.save(schedule)
    for day in range(5):  # versions 2 to 6: snapshots at 3 and 6
        schedule.book(day, Booking(day, 1, shift(day * 2)), Rules())
        app.save(schedule)
    loaded = app.repository.get(schedule.id)
    assert [s.originator_version for s in app.snapshots.get(schedule.id)] == [3, 6]  # type: ignore[union-attr]
    with pytest.raises(DoubleBooked):  # day 0 was booked before the first snapshot
        loaded.book(10, Booking(10, 1, shift(0, at=2)), Rules())
    with pytest.raises(NotEnoughRest):
        loaded.book(11, Booking(11, 1, shift(0, at=12)), Rules())
    loaded.book(12, Booking(12, 1, shift(1)), Rules())  # a day between: allowed


def test_no_overlapping_rosters_across_a_snapshot_of_the_department_calendar(every_third_version: None) -> None:
    app = memory_app()
    calendar = DepartmentCalendar(department_id=3)
    app.save(calendar)
    for week in range(4):
        calendar.reserve(week, date(2026, 1, 5) + timedelta(weeks=week), date(2026, 1, 11) + timedelta(weeks=week))
        app.save(calendar)
    with pytest.raises(RosterOverlap):
        app.repository.get(calendar.id).reserve(99, date(2026, 1, 10), date(2026, 1, 12))


def test_an_aggregate_saved_before_snapshots_existed_loads_and_gains_one(every_third_version: None) -> None:
    app = memory_app()
    calendar = DepartmentCalendar(department_id=3)
    app.save(calendar)
    assert app.snapshots is not None
    plain = SchedulaX(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    plain.events, plain.snapshots = app.events, None  # the same log, written with no snapshots
    for week in range(4):
        calendar.reserve(week, date(2026, 1, 5) + timedelta(weeks=week), date(2026, 1, 11) + timedelta(weeks=week))
    plain.save(calendar)
    assert list(app.snapshots.get(calendar.id)) == []
    loaded = app.repository.get(calendar.id)
    loaded.release(0)
    app.save(loaded)
    assert [s.originator_version for s in app.snapshots.get(calendar.id)] == [6]
    assert vars(app.repository.get(calendar.id)) == vars(replayed(app, calendar.id))


def test_a_snapshot_that_cannot_be_written_does_not_fail_the_command(
    every_third_version: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = memory_app()

    def refuse(*_: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(StateSnapshot, "take", classmethod(refuse))
    inbox = Inbox(user_id=9)
    for n in range(4):
        inbox.mark_read(n)
    app.save(inbox)
    assert app.repository.get(inbox.id).version == 5


# -- snapshots are not events ---------------------------------------------------------------------


@pytest.fixture(params=STORES)
def snapshotted(request: pytest.FixtureRequest, tmp_path: Path, every_third_version: None) -> Iterator[Audited]:
    """The audited world, and then a month of weekly rosters with a shift each for one employee:
    their schedule and department calendar pass several snapshots."""
    for a in audited(request.param, tmp_path, request):
        acme, headers = a.world.acme, bearer(a.world.acme.manager["token"])
        for week in range(5):
            first = date(2030, 3, 4) + timedelta(weeks=week)
            body = {"name": f"Week {week}", "department_id": acme.department_id, "start_date": str(first),
                    "end_date": str(first + timedelta(days=6))}
            roster = ok(a.client.post("/api/rosters", json=body, headers=headers), 201)["roster"]
            body = {"roster_id": roster["id"], "date": str(first), "start_time": "08:00", "end_time": "16:00",
                    "title": "Shift", "required_staff": 1}
            made = ok(a.client.post("/api/shifts", json=body, headers=headers), 201)["shift"]
            ok(a.client.post(f"/api/shifts/{made['id']}/assignments", json={"employee_id": acme.employee["id"]},
                             headers=headers), 201)
        a.caught_up()
        yield a


def stored_snapshots(a: Audited) -> list[str]:
    with event_table(a.settings) as (conn, table, _):
        snapshot_table = table.replace("_events", "_snapshots")
        return [row[0] for row in conn.execute(f"SELECT topic FROM {snapshot_table}").fetchall()]


def test_snapshots_are_not_in_the_log_nor_in_its_chain_and_audit_verify_holds(
    snapshotted: Audited, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    a = snapshotted
    assert stored_snapshots(a), "the world took no snapshot: the test proves nothing"
    assert set(stored_snapshots(a)) == {"application.snapshots:StateSnapshot"}
    rows = raw_rows(a.settings)
    assert not [topic for *_, topic, _ in rows if "Snapshot" in topic]
    assert stored_links(a.container) == documented_chain(rows)
    kept = digest(a.client, a.root)
    monkeypatch.setenv("SCHEDULAX_DATA_DIR", str(a.settings.data_dir))
    monkeypatch.setenv("SCHEDULAX_DATABASE_URL", a.settings.database_url)
    monkeypatch.setenv("SCHEDULAX_DATABASE_SCHEMA", a.settings.database_schema)
    capsys.readouterr()
    status = cli.main(["audit", "verify", "--digest", f"{kept['sequence']}:{kept['hash']}"])
    assert status == 0, capsys.readouterr().out


def test_a_rebuild_with_snapshots_present_gives_the_same_read_models(snapshotted: Audited) -> None:
    a = snapshotted
    tables = ("rm_shifts", "rm_assignments", "rm_availability", "audit_chain")

    def contents() -> dict[str, list[Any]]:
        with a.container.store.read() as cur:
            found = {}
            for table in tables:
                cur.execute(f"SELECT * FROM {table} ORDER BY 1")
                found[table] = [dict(row) for row in cur.fetchall()]
            return found

    before = contents()
    CatchUpRunner(a.container.events, a.container.store, all_projections()).rebuild()
    assert contents() == before


@pytest.mark.postgres
def test_migrate_creates_the_snapshot_table(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = settings_for("postgres", tmp_path, request)
    assert migrate.migrate(settings) is True
    with psycopg.connect(PostgresTarget.parse(settings.database_url).conninfo(), autocommit=True) as conn:
        found = conn.execute("SELECT to_regclass(%s)", (f"{settings.database_schema}.schedulax_snapshots",)).fetchone()
    assert found is not None and found[0] is not None


@pytest.mark.postgres
def test_the_snapshot_table_is_read_without_eventsourcings_retries_like_the_events(
    tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    """A load reads its snapshot first: with PostgreSQL away, eventsourcing's 10 retries would
    hold a request 12 s before its 503 (see infrastructure.event_store)."""
    settings = settings_for("postgres", tmp_path, request)
    events = open_event_store(settings, create_tables=True)
    try:
        assert isinstance(events.snapshots.recorder, BoundedSnapshotRecorder)  # type: ignore[union-attr]
        assert isinstance(events.recorder, BoundedPostgresRecorder)
    finally:
        events.close()
