"""Large rosters are filled by a background job; the roster's metadata shows how it went."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from application import assignments
from application.commands import NewDepartment, NewUser
from application.ports import JobQueueUnavailable
from application.principal import Principal
from application.rostering_commands import NewRoster
from domain.errors import Conflict
from domain.roles import Role
from domain.roster import RosterStatus
from interfaces.container import Container, build_container
from tests.conftest import settings_for

PASSWORD = "password-123"


def seed(container: Container, employees: int = 20) -> tuple[Principal, int]:
    root = container.identity.principal(container.identity.create_system_admin("Root", "root@x.test", PASSWORD).id)
    assert root is not None
    enterprise = container.organisation.create_enterprise(root, "Acme", None)
    department = container.organisation.create_department(root, NewDepartment(name="Ops", enterprise_id=enterprise.id))
    for i in range(employees):
        container.identity.create_user(root, NewUser(
            full_name=f"Worker {i}", email=f"w{i}@acme.test", password=PASSWORD, role=Role.EMPLOYEE,
            enterprise_id=enterprise.id, department_id=department.id))
    roster = container.rosters.create_roster(root, NewRoster(
        name="Month", department_id=department.id, start_date=date(2026, 1, 1), end_date=date(2026, 1, 14),
        auto_generate_shifts=True, shift_template="standard_8hour", required_staff=3))
    return root, roster.id


def wait_for_status(container: Container, principal: Principal, roster_id: int, wanted: str) -> dict:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        report = container.rosters.get_roster(principal, roster_id).metadata.auto_assign or {}
        if report.get("status") == wanted:
            return report
        time.sleep(0.05)
    raise AssertionError(f"auto-assign never reached {wanted}: {report}")


@pytest.fixture
def embedded(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Container]:
    container = build_container(settings_for("sqlite", tmp_path, request))
    yield container
    container.close()


def test_a_large_roster_is_queued_and_filled_in_the_background(embedded: Container) -> None:
    root, roster_id = seed(embedded)
    report, queued = embedded.assignments.request_auto_assign(root, roster_id, None)
    assert queued and report["status"] == "queued" and report["open_places"] == 14 * 3 * 3
    done = wait_for_status(embedded, root, roster_id, "completed")
    assert done["assigned"] == 126 and done["unfilled_places"] == 0
    roster = embedded.rosters.get_roster(root, roster_id)
    assert roster.metadata.coverage_percentage == 100.0


def test_a_small_roster_is_filled_at_once_unless_asked_to_queue(embedded: Container) -> None:
    root, roster_id = seed(embedded)
    report, queued = embedded.assignments.request_auto_assign(root, roster_id, "round_robin", background=False)
    assert not queued and report["status"] == "completed" and report["strategy"] == "round_robin"


def test_running_the_job_twice_assigns_nobody_twice(embedded: Container) -> None:
    root, roster_id = seed(embedded)
    embedded.assignments.run_auto_assign_job(roster_id, root.id, None)
    embedded.assignments.run_auto_assign_job(roster_id, root.id, None)
    report = embedded.rosters.get_roster(root, roster_id).metadata.auto_assign
    assert report is not None and report["status"] == "completed" and report["assigned"] == 0
    assert embedded.rosters.get_roster(root, roster_id).metadata.assigned_shifts == 14 * 3


def test_a_job_for_a_roster_that_was_archived_meanwhile_records_the_failure(embedded: Container) -> None:
    root, roster_id = seed(embedded)
    for status in (RosterStatus.PUBLISHED, RosterStatus.APPROVED, RosterStatus.ARCHIVED):
        embedded.rosters.change_status(root, roster_id, status, None)
    embedded.assignments.run_auto_assign_job(roster_id, root.id, None)
    report = embedded.rosters.get_roster(root, roster_id).metadata.auto_assign
    assert report is not None and report["status"] == "failed" and "archived" in report["error"]


@pytest.mark.redis
@pytest.mark.postgres
def test_an_api_process_queues_on_redis_and_a_worker_process_fills_the_roster(
    tmp_path: Path, request: pytest.FixtureRequest, redis_url: str
) -> None:
    settings = settings_for("postgres", tmp_path, request, redis_url=redis_url)
    api, worker = build_container(settings), build_container(settings)
    try:
        assert not api.jobs.in_process
        root, roster_id = seed(api, employees=20)
        _, queued = api.assignments.request_auto_assign(root, roster_id, None)
        assert queued
        worker.jobs.start_worker()  # what `schedulax worker` does in its own process
        report = wait_for_status(api, root, roster_id, "completed")
        assert report["assigned"] == 126
    finally:
        worker.close()
        api.close()


class RefusingQueue:
    """A broker that is unreachable: known to be down (`known`), or failing on the send."""

    def __init__(self, known: bool = False) -> None:
        self.known = known
        self.sent: list[tuple[object, ...]] = []

    def check_available(self) -> None:
        if self.known:
            raise JobQueueUnavailable(3)

    def enqueue_auto_assign(self, *args: object) -> None:
        raise JobQueueUnavailable(2)


class RecordingQueue(RefusingQueue):
    def enqueue_auto_assign(self, *args: object) -> None:
        self.sent.append(args)


def test_an_auto_assign_that_cannot_be_queued_leaves_the_roster_as_it_was(embedded: Container) -> None:
    root, roster_id = seed(embedded)
    embedded.assignments.run_auto_assign_job(roster_id, root.id, None)
    before = embedded.rosters.get_roster(root, roster_id).metadata.auto_assign
    assert before is not None and before["status"] == "completed"
    embedded.assignments._jobs = RefusingQueue()
    with pytest.raises(JobQueueUnavailable):
        embedded.assignments.request_auto_assign(root, roster_id, None, background=True)
    assert embedded.rosters.get_roster(root, roster_id).metadata.auto_assign == before


def test_a_roster_never_queued_before_shows_no_report_after_a_failed_queueing(embedded: Container) -> None:
    root, roster_id = seed(embedded)
    embedded.assignments._jobs = RefusingQueue()
    with pytest.raises(JobQueueUnavailable):
        embedded.assignments.request_auto_assign(root, roster_id, None)
    assert embedded.rosters.get_roster(root, roster_id).metadata.auto_assign is None


def test_while_the_queue_is_known_to_be_down_nothing_is_saved(embedded: Container) -> None:
    root, roster_id = seed(embedded)
    version = embedded.rosters.get_roster(root, roster_id).version
    embedded.assignments._jobs = RefusingQueue(known=True)
    with pytest.raises(JobQueueUnavailable):
        embedded.assignments.request_auto_assign(root, roster_id, None)
    assert embedded.rosters.get_roster(root, roster_id).version == version


def test_a_job_sent_for_a_request_that_was_never_saved_does_nothing(
    embedded: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, roster_id = seed(embedded)
    monkeypatch.setattr(assignments, "REPORT_WAIT_SECONDS", 0.3)
    embedded.assignments.run_auto_assign_job(roster_id, root.id, None, "a-send-that-timed-out")
    roster = embedded.rosters.get_roster(root, roster_id)
    assert roster.metadata.auto_assign is None and roster.metadata.assigned_shifts == 0


def test_the_job_of_a_standing_request_fills_the_roster_even_on_a_retry(
    embedded: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, roster_id = seed(embedded)
    queue = RecordingQueue()
    embedded.assignments._jobs = queue
    report, queued = embedded.assignments.request_auto_assign(root, roster_id, None)
    assert queued and queue.sent == [(roster_id, root.id, None, report["job_id"])]
    assert embedded.rosters.get_roster(root, roster_id).metadata.auto_assign == report
    with monkeypatch.context() as patch:  # the first attempt meets a concurrent edit
        patch.setattr(embedded.assignments, "auto_assign",
                      lambda *_: (_ for _ in ()).throw(Conflict("The roster changed while it was being filled")))
        with pytest.raises(Conflict):
            embedded.assignments.run_auto_assign_job(*queue.sent[0])  # type: ignore[arg-type]
    embedded.assignments.run_auto_assign_job(*queue.sent[0])  # type: ignore[arg-type]
    done = embedded.rosters.get_roster(root, roster_id).metadata.auto_assign
    assert done is not None and done["status"] == "completed" and done["assigned"] == 126


class EagerQueue(RefusingQueue):
    """A worker that starts the job the moment it is sent, before the request saves its report."""

    def __init__(self, service: object) -> None:
        super().__init__()
        self.service = service
        self.threads: list[threading.Thread] = []

    def enqueue_auto_assign(self, *args: object) -> None:
        thread = threading.Thread(target=self.service.run_auto_assign_job, args=args)  # type: ignore[attr-defined]
        thread.start()
        self.threads.append(thread)


def test_a_job_that_starts_before_its_request_is_saved_waits_for_it_and_fills_the_roster(
    embedded: Container,
) -> None:
    root, roster_id = seed(embedded)
    queue = EagerQueue(embedded.assignments)
    embedded.assignments._jobs = queue
    _, queued = embedded.assignments.request_auto_assign(root, roster_id, None, background=True)
    assert queued
    queue.threads[0].join(timeout=30)
    done = embedded.rosters.get_roster(root, roster_id).metadata.auto_assign
    assert done is not None and done["status"] == "completed" and done["assigned"] == 126
