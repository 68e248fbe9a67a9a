"""Rosters with settings.auto_assign queue the auto-assign job when they gain shifts
(application/auto_fill.py), with the same enqueue-first handling as the auto-assign endpoint."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, time as clock
from pathlib import Path

import pytest

from application import assignments
from application.commands import NewDepartment, NewUser
from application.events import ConcurrentWrite
from application.principal import Principal
from application.rostering_commands import NewRoster, NewShift, RosterChanges
from domain.roles import Role
from domain.roster import Roster, RosterStatus
from interfaces.container import Container, build_container
from tests.conftest import settings_for
from tests.test_auto_assign_jobs import PASSWORD, RecordingQueue, RefusingQueue, wait_for_status


@pytest.fixture
def embedded(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Container]:
    container = build_container(settings_for("sqlite", tmp_path, request))
    yield container
    container.close()


def department(container: Container, employees: int = 6) -> tuple[Principal, int]:
    root = container.identity.principal(container.identity.create_system_admin("Root", "root@x.test", PASSWORD).id)
    assert root is not None
    enterprise = container.organisation.create_enterprise(root, "Acme", None)
    dept = container.organisation.create_department(root, NewDepartment(name="Ops", enterprise_id=enterprise.id))
    for i in range(employees):
        container.identity.create_user(root, NewUser(
            full_name=f"Worker {i}", email=f"w{i}@acme.test", password=PASSWORD, role=Role.EMPLOYEE,
            enterprise_id=enterprise.id, department_id=dept.id))
    return root, dept.id


def auto_roster(container: Container, root: Principal, department_id: int, **settings: object) -> int:
    return container.rosters.create_roster(root, NewRoster(
        name="Week", department_id=department_id, start_date=date(2026, 1, 5), end_date=date(2026, 1, 11),
        settings={"auto_assign": True, **settings}, auto_generate_shifts=True, shift_template="business_hours",
    )).id


def add_shift(container: Container, root: Principal, roster_id: int, day: int) -> int:
    return container.rosters.create_shift(root, NewShift(
        roster_id=roster_id, date=date(2026, 1, day), start_time=clock(8), end_time=clock(16), title="Extra",
    )).id


def report_of(container: Container, root: Principal, roster_id: int) -> dict:
    report = container.rosters.get_roster(root, roster_id).metadata.auto_assign
    assert report is not None
    return report


def test_a_roster_with_shifts_queues_the_auto_assign_job_for_its_creator(embedded: Container) -> None:
    root, dept = department(embedded)
    queue = RecordingQueue()
    embedded.rosters._auto_fill._jobs = queue  # type: ignore[union-attr]
    roster_id = auto_roster(embedded, root, dept, assignment_strategy="round_robin")
    report = report_of(embedded, root, roster_id)
    assert (report["status"], report["trigger"], report["strategy"]) == ("queued", "roster_created", "round_robin")
    assert queue.sent == [(roster_id, root.id, "round_robin", report["job_id"])]
    embedded.assignments.run_auto_assign_job(*queue.sent[0])  # type: ignore[arg-type]
    done = report_of(embedded, root, roster_id)
    assert (done["status"], done["strategy"], done["assigned"]) == ("completed", "round_robin", 5)


def test_a_job_still_waiting_to_start_is_not_queued_twice_and_fills_the_later_shift_too(embedded: Container) -> None:
    root, dept = department(embedded)
    queue = RecordingQueue()
    embedded.rosters._auto_fill._jobs = queue  # type: ignore[union-attr]
    roster_id = auto_roster(embedded, root, dept)
    add_shift(embedded, root, roster_id, 10)
    assert len(queue.sent) == 1
    embedded.assignments.run_auto_assign_job(*queue.sent[0])  # type: ignore[arg-type]
    assert report_of(embedded, root, roster_id)["assigned"] == 6


def test_a_shift_added_while_a_job_runs_queues_a_successor(
    embedded: Container, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(assignments, "REPORT_WAIT_SECONDS", 0.3)
    root, dept = department(embedded)
    queue = RecordingQueue()
    embedded.rosters._auto_fill._jobs = queue  # type: ignore[union-attr]
    roster_id = auto_roster(embedded, root, dept)
    roster = embedded.events.find(Roster.create_id(roster_id), Roster)
    assert roster is not None
    roster.record_auto_assign({"status": "running", "strategy": None, "job_id": queue.sent[0][3]}, by=root.id)
    embedded.events.commit(roster)
    add_shift(embedded, root, roster_id, 10)
    assert len(queue.sent) == 2 and report_of(embedded, root, roster_id)["job_id"] == queue.sent[1][3]
    # The first job, superseded, looks for its report in vain and does nothing.
    embedded.assignments.run_auto_assign_job(*queue.sent[0])  # type: ignore[arg-type]
    assert report_of(embedded, root, roster_id)["status"] == "queued"
    embedded.assignments.run_auto_assign_job(*queue.sent[1])  # type: ignore[arg-type]
    assert report_of(embedded, root, roster_id)["assigned"] == 6


def test_a_queue_that_is_away_is_recorded_and_the_next_shift_queues_again(embedded: Container) -> None:
    root, dept = department(embedded)
    embedded.rosters._auto_fill._jobs = RefusingQueue()  # type: ignore[union-attr]
    roster_id = auto_roster(embedded, root, dept)
    failed = report_of(embedded, root, roster_id)
    assert failed["status"] == "failed" and "job queue is unreachable" in failed["error"]
    assert embedded.rosters.get_roster(root, roster_id).metadata.total_shifts == 5
    queue = RecordingQueue()
    embedded.rosters._auto_fill._jobs = queue  # type: ignore[union-attr]
    add_shift(embedded, root, roster_id, 10)
    assert report_of(embedded, root, roster_id)["status"] == "queued" and len(queue.sent) == 1


@pytest.mark.parametrize("stop", ["published", "switched_off", "never_on"])
def test_nothing_is_queued_for_a_published_roster_or_one_without_the_setting(
    embedded: Container, stop: str,
) -> None:
    root, dept = department(embedded)
    queue = RecordingQueue()
    embedded.rosters._auto_fill._jobs = queue  # type: ignore[union-attr]
    roster_id = auto_roster(embedded, root, dept, auto_assign=stop != "never_on")
    queue.sent.clear()
    if stop == "published":
        embedded.rosters.change_status(root, roster_id, RosterStatus.PUBLISHED, None)
    elif stop == "switched_off":
        embedded.rosters.update_roster(root, roster_id, RosterChanges(settings={"auto_assign": False}), None)
    add_shift(embedded, root, roster_id, 10)
    assert queue.sent == []


def test_adding_a_shift_while_the_job_records_its_progress_is_not_refused(embedded: Container) -> None:
    # The in-process worker saves running/completed on the roster while shifts are added.
    root, dept = department(embedded, employees=10)
    roster_id = auto_roster(embedded, root, dept)
    for day in (5, 6, 7, 8, 9, 10, 11):
        add_shift(embedded, root, roster_id, day)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        detail = embedded.rosters.get_roster(root, roster_id)
        if (detail.metadata.auto_assign or {}).get("status") == "completed" and all(
            s.assigned_staff == s.required_staff for s in detail.shifts
        ):
            break
        time.sleep(0.05)
    assert all(s.assigned_staff == s.required_staff for s in detail.shifts) and len(detail.shifts) == 12


@pytest.mark.redis
@pytest.mark.postgres
def test_a_roster_created_in_an_api_process_is_filled_by_a_worker_process(
    tmp_path: Path, request: pytest.FixtureRequest, redis_url: str,
) -> None:
    settings = settings_for("postgres", tmp_path, request, redis_url=redis_url)
    api, worker = build_container(settings), build_container(settings)
    try:
        root, dept = department(api)
        roster_id = auto_roster(api, root, dept)
        assert report_of(api, root, roster_id)["status"] == "queued"
        worker.jobs.start_worker()
        assert wait_for_status(api, root, roster_id, "completed")["assigned"] == 5
    finally:
        worker.close()
        api.close()


def test_a_request_that_cannot_be_recorded_sends_a_job_that_runs_without_one(
    embedded: Container, monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, dept = department(embedded)
    queue = RecordingQueue()
    embedded.rosters._auto_fill._jobs = queue  # type: ignore[union-attr]
    roster_id = auto_roster(embedded, root, dept)
    embedded.assignments.run_auto_assign_job(*queue.sent[0])  # type: ignore[arg-type]
    commit = embedded.events.commit

    def always_raced(*aggregates: object) -> int:
        if len(aggregates) == 1 and isinstance(aggregates[0], Roster):  # the report's save
            raise ConcurrentWrite()
        return commit(*aggregates)

    monkeypatch.setattr(embedded.events, "commit", always_raced)
    add_shift(embedded, root, roster_id, 10)
    monkeypatch.undo()
    assert queue.sent[1][3] is not None and queue.sent[2] == (roster_id, root.id, "balanced", None)
    assert report_of(embedded, root, roster_id)["status"] == "completed"  # the first job's report
    embedded.assignments.run_auto_assign_job(*queue.sent[2])  # type: ignore[arg-type]
    assert report_of(embedded, root, roster_id)["assigned"] == 1
