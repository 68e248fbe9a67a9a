"""As-of answers, byte for byte, what the live GETs answered at each instant of a random history.

Hypothesis drives random command sequences over HTTP (create a roster, add, change and delete
shifts, assign, unassign, confirm, decline, swap, publish, revert to draft, re-plan the
roster, rename an employee, delete the roster). After each step the live roster detail and
shifts-by-roster (as the manager and as an employee: status, ETag, body bytes) are recorded
with the instant; then `?as_of=` at every recorded instant must answer exactly those.

Each history is read back twice: with the events chosen by scanning the log (the default),
then through the audit index (`au_entries`, its position moved back by `tests.audit_index`) lagging a few
events behind the log, whose tail is scanned.

Time is the real clock: each instant is taken after its step's response, and the next step
starts at least a millisecond later (`as_of_support.instant`), so that no event of the next
step falls within the instant's millisecond (event times count to the millisecond).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from interfaces.as_of_wiring import roster_as_of, roster_events_by_audit_index
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.as_of_support import Seen, Team, instant, team_of
from tests.audit_index import audit_index_behind
from tests.conftest import settings_for
from tests.support import bearer, seed_world

ACTIONS = ("add_shift", "delete_shift", "revise_shift", "assign", "unassign", "confirm", "decline", "swap",
           "publish", "draft", "revise_roster", "rename", "delete_roster")
# Assignments and renames weigh more: a name shows only on a roster that employs its holder.
WEIGHTED = ACTIONS + ("assign", "assign", "assign", "rename", "rename", "swap")
STEP = st.tuples(st.sampled_from(WEIGHTED), st.integers(0, 50), st.integers(0, 50))
FIRST_DAY = date(2031, 1, 1)
_rosters = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[tuple[Team, Container]]:
    """One SQLite world for every example: each example plans a roster of its own dates."""
    settings = settings_for("sqlite", tmp_path_factory.mktemp("as-of"), request)
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        seeded = seed_world(client)
        yield team_of(client, seeded.acme, size=4), container
    container.close()


@contextmanager
def through_the_audit_index(container: Container, behind: int) -> Iterator[None]:
    """As-of choosing its events through `au_entries`, indexed up to `behind` events before the head."""
    events, store = container.events, container.store
    upto = max((events.recorder.max_notification_id() or 0) - behind, 0)
    indexed, container.as_of = container.as_of, roster_as_of(events, store, roster_events_by_audit_index(events, store))
    try:
        with audit_index_behind(store, upto):
            yield
    finally:
        container.as_of = indexed


def _pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)] if items else None


def _step(team: Team, roster_id: int, first: date, action: str, i: int, j: int) -> None:
    """One command of the history; a command the rules refuse changes nothing, which is fine."""
    client, manager = team.client, team.manager
    roster = team.detail(roster_id) if client.get(f"/api/rosters/{roster_id}", headers=manager).status_code == 200 \
        else None
    if roster is None:
        return
    shifts = roster["shifts"]
    assignments = [a for s in shifts for a in s["assignments"]]
    shift, assignment, employee = _pick(shifts, i), _pick(assignments, i), _pick(team.employees, j)
    if action == "add_shift":
        client.post("/api/shifts", headers=manager, json={
            "roster_id": roster_id, "date": (first + timedelta(days=i % 3)).isoformat(),
            "start_time": f"{j % 24:02d}:00", "end_time": f"{(j + 4) % 24:02d}:00", "title": f"Extra {i}",
            "required_staff": 1 + j % 3})
    elif action == "delete_shift" and shift:
        client.delete(f"/api/shifts/{shift['id']}", headers=manager)
    elif action == "revise_shift" and shift:
        client.put(f"/api/shifts/{shift['id']}", headers=manager,
                   json={"title": f"Shift {j}", "required_staff": 1 + j % 4, "location": f"Room {i}"})
    elif action == "assign" and shift:
        team.assign(shift["id"], employee["id"])
    elif action == "unassign" and assignment:
        client.delete(f"/api/shifts/assignments/{assignment['id']}", headers=manager)
    elif action in ("confirm", "decline") and assignment:
        team.answer(assignment["id"], "confirmed" if action == "confirm" else "declined")
    elif action == "swap" and assignment:
        others = [e for e in team.employees if e["id"] != assignment["employee_id"]]
        team.swap(assignment, _pick(others, j))
    elif action in ("publish", "draft"):
        team.set_status(roster_id, "published" if action == "publish" else "draft")
    elif action == "revise_roster":
        client.put(f"/api/rosters/{roster_id}", headers=manager, json={
            "name": f"Roster {i}", "description": f"Plan {j}", "settings": {"min_rest_hours": j % 12}})
    elif action == "rename":
        team.rename(employee["id"], f"Person {i}-{j}")
    elif action == "delete_roster" and j % 4 == 0:  # now and then: it ends the story
        client.delete(f"/api/rosters/{roster_id}", headers=manager)


def _seen(team: Team, roster_id: int) -> dict[str, tuple[Seen, Seen]]:
    employee = bearer(team.employees[0]["token"])
    return {"manager": team.reads(roster_id, team.manager), "employee": team.reads(roster_id, employee)}


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=12), behind=st.integers(0, 30))
def test_as_of_answers_what_the_live_reads_answered_at_each_instant(
    world: tuple[Team, Container], steps: list[tuple[str, int, int]], behind: int
) -> None:
    team, container = world
    first = FIRST_DAY + timedelta(days=7 * next(_rosters))
    before = instant()
    roster = team.roster("History", first.isoformat(), (first + timedelta(days=2)).isoformat(),
                         auto_generate_shifts=True, shift_template="standard_8hour", required_staff=2)
    recorded = [(before, None), (instant(), _seen(team, roster["id"]))]
    for action, i, j in steps:
        _step(team, roster["id"], first, action, i, j)
        recorded.append((instant(), _seen(team, roster["id"])))
    _check(team, roster["id"], recorded, ("manager", "employee"))
    with through_the_audit_index(container, behind):
        _check(team, roster["id"], recorded, ("manager",))


def _check(team: Team, roster_id: int, recorded: list[tuple[str, dict[str, tuple[Seen, Seen]] | None]],
           readers: tuple[str, ...]) -> None:
    tokens = {"manager": team.manager, "employee": bearer(team.employees[0]["token"])}
    for at, seen in recorded:
        for who, token in ((who, tokens[who]) for who in readers):
            past = team.reads(roster_id, token, as_of=at)
            if seen is None:  # before the roster existed
                assert [s.status for s in past] == [404, 404], at
            else:
                assert past == seen[who], f"{who} as of {at}"
