"""Rosters with `settings.auto_assign: true` fill themselves, through the auto-assign job.

The contract's own roster example (002, POST /api/rosters) asks for exactly that: generated
shifts and auto-assign. In the embedded default the job runs in the API process.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import World, ok, seed_world
from tests.test_auto_assign_jobs import RefusingQueue
from tests.test_http_rostering import fails, h, roster, set_status, shift, staff

CONTRACT_EXAMPLE = {
    "name": "January 2024 Engineering Roster",
    "description": "Monthly duty roster for engineering team",
    "start_date": "2024-01-01",
    "end_date": "2024-01-31",
    "settings": {"auto_assign": True, "assignment_strategy": "balanced", "max_shifts_per_person": 20},
    "auto_generate_shifts": True,
    "shift_template": "standard_8hour",
}
UNDER_WAY = {"queued", "running", "completed"}


@pytest.fixture
def app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[TestClient, Container]]:
    settings = settings_for("sqlite", tmp_path, request)
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        yield client, container
    container.close()


@pytest.fixture
def w(app: tuple[TestClient, Container]) -> World:
    return seed_world(app[0])


def team(w: World, size: int) -> list[dict[str, Any]]:
    """`size` more employees in Acme's department (beside its manager and employee)."""
    return [staff(w.client, w, f"worker{i}") for i in range(size)]


def get_roster(w: World, roster_id: int, who: dict[str, Any] | None = None) -> dict[str, Any]:
    return ok(w.client.get(f"/api/rosters/{roster_id}", headers=h(who or w.acme.manager)))["roster"]


def finished(w: World, roster_id: int, job: str | None = None) -> dict[str, Any]:
    """Poll the roster, as a client would, until its auto-assign (other than `job`) completed or failed."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = get_roster(w, roster_id)
        report = found["metadata"]["auto_assign"] or {}
        if report.get("status") in ("completed", "failed") and report.get("job_id", "") != job:
            return found
        time.sleep(0.05)
    raise AssertionError(f"auto-assign of roster {roster_id} never finished: {report}")


def add_shift_and_settle(w: World, roster_id: int, date: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Add a shift; (the shift as the roster then shows it, the roster once any job it queued finished)."""
    before = get_roster(w, roster_id)["metadata"]["auto_assign"]
    added = shift(w.client, w.acme.manager, roster_id, date)
    after = get_roster(w, roster_id)
    if after["metadata"]["auto_assign"] != before:
        after = finished(w, roster_id)
    return next(s for s in after["shifts"] if s["id"] == added["id"]), after


def test_the_contracts_roster_example_ends_fully_staffed(w: World) -> None:
    team(w, 6)  # eight people in all: 93 eight-hour shifts at most 20 each, 10 hours' rest between
    response = w.client.post("/api/rosters", json={**CONTRACT_EXAMPLE, "department_id": w.acme.department_id},
                             headers=h(w.acme.admin))
    created = ok(response, 201)["roster"]
    assert created["metadata"]["total_shifts"] == 93
    assert created["metadata"]["auto_assign"]["status"] in UNDER_WAY
    assert created["metadata"]["auto_assign"]["strategy"] == "balanced"
    done = finished(w, created["id"])
    report = done["metadata"]["auto_assign"]
    assert report["status"] == "completed", report
    assert (report["assigned"], report["unfilled_places"], report["unfilled"]) == (93, 0, [])
    assert done["metadata"]["assigned_shifts"] == 93 and done["metadata"]["coverage_percentage"] == 100.0
    assert all(s["assigned_staff"] == s["required_staff"] == 1 for s in done["shifts"])
    assert report["max_hours"] <= 20 * 8  # nobody past max_shifts_per_person


def test_places_nobody_can_take_are_reported_with_the_reasons(w: World) -> None:
    # Two people (the manager and the employee) cannot staff three shifts a day.
    created = roster(w.client, w.acme.manager, w.acme.department_id, "2026-01-05", "2026-01-06",
                     settings={"auto_assign": True}, auto_generate_shifts=True, shift_template="standard_8hour")
    assert created["metadata"]["auto_assign"]["status"] in UNDER_WAY
    report = finished(w, created["id"])["metadata"]["auto_assign"]
    assert report["status"] == "completed" and report["assigned"] + report["unfilled_places"] == 6
    assert report["unfilled_places"] > 0
    assert all(u["reasons"] and set(u["reasons"]) <= {"double_booked", "not_enough_rest"} for u in report["unfilled"])


def test_a_copy_of_an_auto_assign_roster_is_filled_too(w: World) -> None:
    team(w, 3)
    source = roster(w.client, w.acme.manager, w.acme.department_id, "2026-01-05", "2026-01-11",
                    settings={"auto_assign": True}, auto_generate_shifts=True, shift_template="business_hours",
                    required_staff=2)
    finished(w, source["id"])
    body = ok(w.client.post(f"/api/rosters/{source['id']}/copy", json={"start_date": "2026-02-02"},
                            headers=h(w.acme.manager)), 201)
    assert body["roster"]["metadata"]["auto_assign"]["status"] in UNDER_WAY
    done = finished(w, body["roster"]["id"])
    assert done["metadata"]["auto_assign"]["assigned"] == 10 and done["metadata"]["coverage_percentage"] == 100.0


def test_a_shift_added_later_is_filled_until_the_roster_is_published(w: World) -> None:
    team(w, 2)
    created = roster(w.client, w.acme.manager, w.acme.department_id, "2026-01-05", "2026-01-11",
                     settings={"auto_assign": True}, auto_generate_shifts=True, shift_template="business_hours")
    finished(w, created["id"])
    added, after = add_shift_and_settle(w, created["id"], "2026-01-10")
    assert added["assigned_staff"] == 1 and after["metadata"]["auto_assign"]["status"] == "completed"

    ok(set_status(w.client, w.acme.manager, created["id"], "published"))
    report = get_roster(w, created["id"])["metadata"]["auto_assign"]
    added, after = add_shift_and_settle(w, created["id"], "2026-01-11")
    assert added["assigned_staff"] == 0 and after["metadata"]["auto_assign"] == report


def test_a_shift_added_after_the_setting_is_switched_off_waits_for_a_manager(w: World) -> None:
    created = roster(w.client, w.acme.manager, w.acme.department_id, "2026-01-05", "2026-01-11",
                     settings={"auto_assign": True}, auto_generate_shifts=True, shift_template="business_hours")
    finished(w, created["id"])
    turned = ok(w.client.put(f"/api/rosters/{created['id']}", json={"settings": {"auto_assign": False}},
                             headers=h(w.acme.manager)))["roster"]
    assert turned["settings"]["auto_assign"] is False
    added, after = add_shift_and_settle(w, created["id"], "2026-01-10")
    assert added["assigned_staff"] == 0
    assert after["metadata"]["auto_assign"] == turned["metadata"]["auto_assign"]


def test_switching_the_setting_on_fills_the_shifts_already_there(w: World) -> None:
    created = roster(w.client, w.acme.manager, w.acme.department_id, "2026-01-05", "2026-01-11",
                     auto_generate_shifts=True, shift_template="business_hours")
    assert created["metadata"]["auto_assign"] is None  # off by default: nothing happens
    turned = ok(w.client.put(f"/api/rosters/{created['id']}", json={"settings": {"auto_assign": True}},
                             headers=h(w.acme.manager)))["roster"]
    assert turned["metadata"]["auto_assign"]["status"] in UNDER_WAY
    done = finished(w, created["id"])
    assert done["metadata"]["assigned_shifts"] == 5


def test_a_roster_created_without_shifts_waits_for_its_first(w: World) -> None:
    created = roster(w.client, w.acme.manager, w.acme.department_id, "2026-01-05", "2026-01-11",
                     settings={"auto_assign": True})
    assert created["metadata"]["auto_assign"] is None
    added, _ = add_shift_and_settle(w, created["id"], "2026-01-07")
    assert added["assigned_staff"] == 1


def test_a_roster_whose_job_cannot_be_queued_is_still_created_and_says_so(
    w: World, app: tuple[TestClient, Container],
) -> None:
    _, container = app
    container.rosters._auto_fill._jobs = RefusingQueue(known=True)  # type: ignore[union-attr]
    response = w.client.post("/api/rosters", json={**CONTRACT_EXAMPLE, "department_id": w.acme.department_id},
                             headers=h(w.acme.admin))
    created = ok(response, 201)["roster"]
    report = created["metadata"]["auto_assign"]
    assert report["status"] == "failed" and "auto-assign" in report["error"] and "job_id" not in report
    assert created["metadata"]["total_shifts"] == 93 and created["metadata"]["assigned_shifts"] == 0
    assert ok(w.client.get(f"/api/rosters/{created['id']}", headers=h(w.acme.admin)))["roster"]["id"] == created["id"]


def test_another_tenant_sees_no_auto_assigned_roster(w: World) -> None:
    created = roster(w.client, w.acme.manager, w.acme.department_id, "2026-01-05", "2026-01-11",
                     settings={"auto_assign": True}, auto_generate_shifts=True, shift_template="business_hours")
    finished(w, created["id"])
    fails(w.client.get(f"/api/rosters/{created['id']}", headers=h(w.globex.admin)), 404)
    fails(w.client.post("/api/shifts", json={"roster_id": created["id"], "date": "2026-01-10", "start_time": "08:00",
                                            "end_time": "16:00", "title": "Extra"}, headers=h(w.globex.manager)), 404)
    fails(w.client.put(f"/api/rosters/{created['id']}", json={"settings": {"auto_assign": False}},
                       headers=h(w.globex.manager)), 404)
