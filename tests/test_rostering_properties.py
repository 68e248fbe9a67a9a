"""Random histories of rostering commands keep every scheduling rule, and the read model agrees.

Each example builds a fresh SQLite-backed container, seeds one department with a manager,
five employees and a published roster of generated shifts that allows shift claims, then runs
a random sequence of commands (assign, auto-assign, answer, swap, time off, and the open-shift
commands: drop, withdraw, claim, approve, reject, cancel) through the application services. Refusals by the domain are part of a realistic history;
afterwards the read model and the aggregates are checked against the rules, and a rebuild
of the read model from the event log must give the same rows.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from application.commands import NewDepartment, NewUser
from application.principal import Principal
from application.rostering_commands import (
    LocalPeriod,
    NewRoster,
    NewSwap,
    RosterChanges,
    ShiftChanges,
)
from domain.assignment import Assignment, AssignmentStatus
from domain.claim import ShiftClaim
from domain.errors import DomainError
from domain.hours import run_around, week_start
from domain.roles import Role
from domain.roster import Roster, RosterStatus
from domain.schedule import EmployeeSchedule
from domain.shift import Shift
from domain.swap import SwapRequest
from domain.timeslots import Interval
from infrastructure.readstore import SqliteReadStore, scratch_store
from infrastructure.settings import Settings
from interfaces.container import Container, all_projections, build_container
from projections.runner import CatchUpRunner
from tests.support import dump_read_models

PASSWORD = "correct-horse-9"
MONDAY = date(2099, 1, 5)  # a Monday still to come: its places may be claimed
ROSTER_DAYS = 4
ACTIVE = ("pending", "confirmed")

# -- the world ------------------------------------------------------------------------


@dataclass
class World:
    container: Container
    manager: Principal
    people: list[int]
    """Everyone auto-assign considers: the employees and the department's manager."""
    roster_id: int
    shift_ids: list[int]
    settings: dict[str, Any]
    done: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)

    def principal(self, user_id: int) -> Principal:
        found = self.container.identity.principal(user_id)
        assert found is not None
        return found

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.container.store.read() as cur:
            cur.execute(sql, params)
            return cur.fetchall()


def pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)] if items else None


def sqlite_container(root: Path) -> Container:
    return build_container(
        Settings(data_dir=root / "data", bcrypt_rounds=4, rate_limit_enabled=False, jwt_secret="x")
    )


def seed(container: Container, roster_settings: dict[str, Any], required_staff: int | None) -> World:
    identity, organisation = container.identity, container.organisation
    root = identity.create_system_admin("Root", "root@admin.test", PASSWORD)
    admin = identity.principal(root.id)
    assert admin is not None
    enterprise = organisation.create_enterprise(admin, "Acme", None)
    department = organisation.create_department(
        admin, NewDepartment(name="Ops", enterprise_id=enterprise.id)
    )

    def user(email: str, role: Role) -> int:
        return identity.create_user(
            admin,
            NewUser(full_name=email.split("@")[0].title(), email=email, password=PASSWORD, role=role,
                    enterprise_id=enterprise.id, department_id=department.id),
        ).id

    manager_id = user("manager@acme.test", Role.MANAGER)
    manager = identity.principal(manager_id)
    assert manager is not None
    employees = [user(f"worker{n}@acme.test", Role.EMPLOYEE) for n in range(5)]
    roster = container.rosters.create_roster(
        manager,
        NewRoster(name="Week 1", department_id=department.id, start_date=MONDAY,
                  end_date=MONDAY + timedelta(days=ROSTER_DAYS - 1), auto_generate_shifts=True,
                  shift_template="standard_8hour", settings=roster_settings,
                  required_staff=required_staff),
    )
    shift_ids = sorted(s.id for s in roster.shifts)
    assert len(shift_ids) == 3 * ROSTER_DAYS
    container.rosters.change_status(manager, roster.id, RosterStatus.PUBLISHED, None)
    return World(container=container, manager=manager, people=[*employees, manager_id],
                 roster_id=roster.id, shift_ids=shift_ids, settings=roster.settings)


# -- commands --------------------------------------------------------------------------

INDEX = st.integers(min_value=0, max_value=60)
ASSIGN = st.tuples(st.just("assign"), INDEX, INDEX)
AUTO_ASSIGN = st.tuples(st.just("auto_assign"), st.sampled_from([None, "balanced", "round_robin"]))
PROPOSE = st.tuples(st.just("propose"), INDEX, INDEX, st.one_of(st.none(), INDEX))
RESPOND = st.tuples(st.just("respond"), INDEX, st.booleans())
MANAGER_ACTION = st.tuples(st.just("manager_action"), INDEX, st.booleans())
# A whole swap in one go: propose, the target answers, and a manager decides when needed.
SWAP_FLOW = st.tuples(st.just("swap_flow"), PROPOSE, st.booleans(), st.booleans())
DROP = st.tuples(st.just("drop"), INDEX)
CLAIM = st.tuples(st.just("claim"), INDEX, INDEX, st.booleans())
DECIDE_CLAIM = st.tuples(st.just("decide_claim"), INDEX, st.booleans())
# An offer and a colleague's claim of it, decided by a manager when needed.
DROP_FLOW = st.tuples(st.just("drop_flow"), DROP, INDEX, st.booleans())
CLAIMING = st.one_of(
    DROP, CLAIM, DECIDE_CLAIM, DROP_FLOW, st.tuples(st.just("withdraw"), INDEX),
    st.tuples(st.just("cancel_claim"), INDEX),
)
COMMANDS = st.one_of(
    ASSIGN,
    st.tuples(st.just("unassign"), INDEX),
    st.tuples(st.just("answer"), INDEX, st.booleans()),
    PROPOSE,
    RESPOND,
    MANAGER_ACTION,
    st.tuples(st.just("cancel"), INDEX),
    st.tuples(
        st.just("time_off"), INDEX, st.integers(min_value=-1, max_value=ROSTER_DAYS),
        st.integers(min_value=0, max_value=23), st.integers(min_value=1, max_value=36),
        st.sampled_from([None, True, False]),
    ),
    AUTO_ASSIGN,
)
# Staff some shifts first, then a random tail in which swaps get a fair chance to complete.
HISTORIES = st.tuples(
    st.lists(st.one_of(ASSIGN, AUTO_ASSIGN), min_size=1, max_size=4),
    st.lists(st.one_of(COMMANDS, SWAP_FLOW, SWAP_FLOW, CLAIMING, CLAIMING, CLAIMING), min_size=5, max_size=30),
).map(lambda parts: [*parts[0], *parts[1]])
ROSTER_SETTINGS = st.fixed_dictionaries({
    "max_shifts_per_person": st.sampled_from([2, 4]),
    "min_rest_hours": st.sampled_from([8, 10, 12]),
    "require_swap_approval": st.booleans(),
    "allow_shift_claims": st.just(True),
    "require_claim_approval": st.booleans(),
    "max_hours_per_week": st.sampled_from([None, 16, 24]),
    "max_consecutive_days": st.sampled_from([None, 2, 3]),
})


def assignment_ids(world: World, active_only: bool = False) -> list[int]:
    where = " WHERE status IN ('pending', 'confirmed')" if active_only else ""
    return [r["id"] for r in world.rows(f"SELECT id FROM rm_assignments{where} ORDER BY id")]


def assignment_row(world: World, assignment_id: int) -> dict[str, Any]:
    return world.rows("SELECT * FROM rm_assignments WHERE id = ?", (assignment_id,))[0]


def swap_rows(world: World) -> list[dict[str, Any]]:
    return world.rows("SELECT * FROM rm_swaps ORDER BY id")


def claim_rows(world: World, pending_only: bool = False) -> list[dict[str, Any]]:
    where = " WHERE status = 'pending'" if pending_only else ""
    return world.rows(f"SELECT * FROM rm_shift_claims{where} ORDER BY id")


def offered_ids(world: World) -> list[int]:
    return [r["id"] for r in world.rows(
        "SELECT id FROM rm_assignments WHERE offered = ? AND status IN ('pending', 'confirmed') ORDER BY id", (True,))]


def now() -> datetime:
    return datetime.now(timezone.utc)


def run(world: World, command: tuple[Any, ...]) -> None:
    """Apply one command through the services; a domain refusal is a legitimate outcome."""
    c, manager = world.container, world.manager
    kind, *args = command
    try:
        if kind == "assign":
            shift_index, person_index = args
            c.assignments.assign(manager, pick(world.shift_ids, shift_index),
                                 pick(world.people, person_index))
        elif kind == "unassign":
            chosen = pick(assignment_ids(world), args[0])
            if chosen is None:
                return
            c.assignments.unassign(manager, chosen)
        elif kind == "answer":
            index, confirm = args
            chosen = pick(assignment_ids(world), index)
            if chosen is None:
                return
            employee = world.principal(assignment_row(world, chosen)["employee_id"])
            status = AssignmentStatus.CONFIRMED if confirm else AssignmentStatus.DECLINED
            c.assignments.answer(employee, chosen, status, None)
        elif kind == "propose":
            index, target_index, target_shift_index = args
            chosen = pick(assignment_ids(world, active_only=True), index)
            if chosen is None:
                return
            mine = assignment_row(world, chosen)
            target = pick([p for p in world.people if p != mine["employee_id"]], target_index)
            target_shift = None
            if target_shift_index is not None:
                theirs = world.rows(
                    "SELECT shift_id FROM rm_assignments WHERE employee_id = ?"
                    " AND status IN ('pending', 'confirmed') ORDER BY id", (target,),
                )
                target_shift = pick([r["shift_id"] for r in theirs], target_shift_index)
            c.swaps.propose(world.principal(mine["employee_id"]),
                            NewSwap(shift_id=mine["shift_id"], target_employee_id=target,
                                    target_shift_id=target_shift))
        elif kind == "respond":
            index, accept = args
            swap = pick(swap_rows(world), index)
            if swap is None:
                return
            c.swaps.respond(world.principal(swap["target_employee_id"]), swap["id"], accept, None)
        elif kind == "manager_action":
            index, approve = args
            swap = pick(swap_rows(world), index)
            if swap is None:
                return
            c.swaps.manager_action(manager, swap["id"], approve, None)
        elif kind == "cancel":
            swap = pick(swap_rows(world), args[0])
            if swap is None:
                return
            c.swaps.cancel(world.principal(swap["requester_id"]), swap["id"])
        elif kind == "time_off":
            person_index, day_offset, hour, hours, decision = args
            person = pick(world.people, person_index)
            start = datetime.combine(MONDAY + timedelta(days=day_offset), datetime.min.time()).replace(hour=hour)
            end = start + timedelta(hours=hours)
            view = c.availability.request_time_off(
                world.principal(person), LocalPeriod(start.date(), end.date(), start.time(), end.time()), "Away"
            )
            if decision is not None:
                c.availability.decide_time_off(manager, view.id, decision)
        elif kind == "auto_assign":
            c.assignments.auto_assign(manager, world.roster_id, args[0])
        elif kind == "drop":
            chosen = pick(assignment_ids(world, active_only=True), args[0])
            if chosen is None:
                return
            c.drops.offer(world.principal(assignment_row(world, chosen)["employee_id"]), chosen, now())
        elif kind == "withdraw":
            chosen = pick(offered_ids(world), args[0])
            if chosen is None:
                return
            c.drops.withdraw(world.principal(assignment_row(world, chosen)["employee_id"]), chosen)
        elif kind == "claim":
            person_index, shift_index, offered = args
            shift_id = pick(world.shift_ids, shift_index)
            offers = [a for a in offered_ids(world) if assignment_row(world, a)["shift_id"] == shift_id]
            c.claims.claim(world.principal(pick(world.people, person_index)), shift_id,
                           offers[0] if offered and offers else None, None, now())
        elif kind == "decide_claim":
            index, approve = args
            claim = pick(claim_rows(world, pending_only=True), index)
            if claim is None:
                return
            if approve:
                c.claims.approve(manager, claim["id"], None, now())
            else:
                c.claims.reject(manager, claim["id"], None)
        elif kind == "cancel_claim":
            claim = pick(claim_rows(world, pending_only=True), args[0])
            if claim is None:
                return
            c.claims.cancel(world.principal(claim["employee_id"]), claim["id"])
        elif kind == "drop_flow":
            offer, person_index, approve = args
            before = set(offered_ids(world))
            run(world, offer)
            fresh = sorted(set(offered_ids(world)) - before)
            if not fresh:
                return
            held = assignment_row(world, fresh[0])
            others = [p for p in world.people if p != held["employee_id"]]
            c.claims.claim(world.principal(pick(others, person_index)), held["shift_id"], fresh[0], None, now())
            pending = [r for r in claim_rows(world, pending_only=True) if r["assignment_id"] == fresh[0]]
            if pending and approve:
                c.claims.approve(manager, pending[0]["id"], None, now())
        elif kind == "swap_flow":
            propose, accept, approve = args
            before = len(swap_rows(world))
            run(world, propose)
            swaps = swap_rows(world)
            if len(swaps) == before:
                return
            index = len(swaps) - 1
            run(world, ("respond", index, accept))
            if swap_rows(world)[index]["status"] == "accepted":
                run(world, ("manager_action", index, approve))
            if swap_rows(world)[index]["status"] != "approved":
                return
        else:  # pragma: no cover
            raise AssertionError(kind)
    except DomainError:
        world.refused[kind] += 1
        return
    world.done[kind] += 1


# -- invariants -----------------------------------------------------------------------------


def minute(text: str) -> datetime:
    """`rm_shifts` keeps UTC instants; `rm_availability` the wall clock of the department, UTC here."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def check_working_time(employee: int, worked: list[Interval], roster_settings: dict[str, Any]) -> None:
    """Hours in each week (from Monday, UTC: the enterprise sets no defaults here) and days in a row."""
    weekly, in_a_row = roster_settings.get("max_hours_per_week"), roster_settings.get("max_consecutive_days")
    weeks: dict[date, float] = defaultdict(float)
    for interval in worked:
        weeks[week_start(interval.start.date())] += interval.hours
    assert weekly is None or max(weeks.values(), default=0) <= weekly, f"employee {employee} works {dict(weeks)}"
    days = {interval.start.date() for interval in worked}
    longest = max(((last - first).days + 1 for first, last in (run_around(d, days) for d in days)), default=0)
    assert in_a_row is None or longest <= in_a_row, f"employee {employee} works {longest} days in a row"


def check_invariants(world: World) -> None:
    events = world.container.events
    roster_row = world.rows("SELECT * FROM rm_rosters WHERE id = ?", (world.roster_id,))[0]
    roster_settings = json.loads(roster_row["settings"])
    rest = timedelta(hours=roster_settings["min_rest_hours"])
    limit = roster_settings["max_shifts_per_person"]
    shifts = {r["id"]: r for r in world.rows("SELECT * FROM rm_shifts ORDER BY id")}
    assignments = world.rows("SELECT * FROM rm_assignments ORDER BY id")
    active = [a for a in assignments if a["status"] in ACTIVE]
    assert set(shifts) == set(world.shift_ids)

    def when(a: dict[str, Any]) -> Interval:
        s = shifts[a["shift_id"]]
        return Interval(minute(s["start_at"]), minute(s["end_at"]))

    # Per employee: no overlap, enough rest, at most the roster's limit.
    by_employee: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in active:
        by_employee[a["employee_id"]].append(a)
    for employee, theirs in by_employee.items():
        for a, b in combinations(theirs, 2):
            assert not when(a).overlaps(when(b)), (
                f"employee {employee} double-booked: assignments {a['id']} and {b['id']}"
            )
            assert when(a).gap_to(when(b)) >= rest, (
                f"employee {employee} rests less than {rest} between assignments {a['id']} and {b['id']}"
            )
        in_roster = [a for a in theirs if a["roster_id"] == world.roster_id]
        assert limit is None or len(in_roster) <= limit, f"employee {employee} has {len(in_roster)} shifts (max {limit})"
        check_working_time(employee, [when(a) for a in theirs], roster_settings)

    # Per shift: never over-staffed, and the counter matches the assignments.
    per_shift = Counter(a["shift_id"] for a in active)
    for shift_id, row in shifts.items():
        assert per_shift[shift_id] <= row["required_staff"], f"shift {shift_id} over-staffed"
        assert row["assigned_staff"] == per_shift[shift_id], (
            f"shift {shift_id}: assigned_staff {row['assigned_staff']} but {per_shift[shift_id]} active"
        )
        for a, b in combinations([a for a in active if a["shift_id"] == shift_id], 2):
            assert a["employee_id"] != b["employee_id"], f"employee twice on shift {shift_id}"

    # Approved time off is never worked.
    approved = world.rows(
        "SELECT * FROM rm_availability WHERE kind = 'time_off' AND status = 'approved'"
    )
    for off in approved:
        away = Interval(minute(off["start_at"]), minute(off["end_at"]))
        for a in by_employee.get(off["employee_id"], []):
            assert not away.overlaps(when(a)), (
                f"assignment {a['id']} falls in approved time off {off['id']}"
            )

    # The roster's counters are recounts of its shifts.
    live = [s for s in shifts.values() if not s["is_deleted"]]
    assert roster_row["total_shifts"] == len(live)
    assert roster_row["assigned_shifts"] == sum(
        1 for s in live if per_shift[s["id"]] >= s["required_staff"]
    )

    # The aggregates hold what the read model shows.
    for shift_id, row in shifts.items():
        shift = events.find(Shift.create_id(shift_id), Shift)
        assert shift is not None
        assert shift.slots == {a["id"]: a["employee_id"] for a in active if a["shift_id"] == shift_id}
        assert shift.required_staff == row["required_staff"]
    for a in assignments:
        assignment = events.find(Assignment.create_id(a["id"]), Assignment)
        assert assignment is not None
        assert (assignment.status, assignment.employee_id, assignment.shift_id) == (
            a["status"], a["employee_id"], a["shift_id"],
        )
    for person in world.people:
        schedule = events.find(EmployeeSchedule.id_for(person), EmployeeSchedule)
        bookings = schedule.bookings if schedule else {}
        assert {aid: b.shift_id for aid, b in bookings.items()} == {
            a["id"]: a["shift_id"] for a in by_employee.get(person, [])
        }, f"employee {person}'s schedule disagrees with the active assignments"
        entries = world.rows(
            "SELECT id, status FROM rm_availability WHERE kind = 'time_off' AND employee_id = ?",
            (person,),
        )
        held = schedule.time_off if schedule else {}
        assert {e["id"]: e["status"] for e in entries} == {k: v[1] for k, v in held.items()}
    for s in swap_rows(world):
        swap = events.find(SwapRequest.create_id(s["id"]), SwapRequest)
        assert swap is not None and swap.status == s["status"]

    # Drops and claims: the read model shows what the aggregates hold; an approved claim names
    # the assignment it gave, on its shift.
    for a in assignments:
        assignment = events.find(Assignment.create_id(a["id"]), Assignment)
        assert assignment is not None and bool(a["offered"]) == assignment.offered
    for row in claim_rows(world):
        claim = events.find(ShiftClaim.create_id(row["id"]), ShiftClaim)
        assert claim is not None
        assert (claim.status, claim.assignment_id, claim.employee_id) == (
            row["status"], row["assignment_id"], row["employee_id"])
        if claim.status == "approved":
            assert claim.assignment_id is not None
            given = events.find(Assignment.create_id(claim.assignment_id), Assignment)
            assert given is not None and given.shift_id == claim.shift_id


def dump(store: SqliteReadStore) -> dict[str, list[dict[str, Any]]]:
    return dump_read_models(store, all_projections())


def check_rebuild(world: World, path: Path) -> None:
    container = world.container
    assert container.runner.catch_up() == 0
    store = SqliteReadStore(path)
    try:
        runner = CatchUpRunner(container.events, store, all_projections())
        runner.setup()
        assert runner.catch_up() > 0
        live, rebuilt = dump(container.store), dump(store)
        assert set(rebuilt) == set(live)
        for table in live:
            assert rebuilt[table] == live[table], f"{table} differs after a rebuild from the events"
        # Staged in a scratch file without the query-only indexes, then swapped in: the same rows.
        CatchUpRunner(container.events, store, all_projections(), scratch=scratch_store).rebuild()
        assert dump(store) == live
    finally:
        store.close()


@pytest.fixture
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def fresh_world(root: Path, roster_settings: dict[str, Any], required_staff: int | None) -> World:
    root.mkdir(parents=True, exist_ok=True)
    return seed(sqlite_container(root), roster_settings, required_staff)


# -- tests -------------------------------------------------------------------------------------


@given(
    history=HISTORIES,
    roster_settings=ROSTER_SETTINGS,
    required_staff=st.sampled_from([None, 2]),
)
@settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_random_rostering_histories_keep_every_rule_and_a_rebuild_gives_the_same_rows(
    workdir: Path, history: list[tuple[Any, ...]], roster_settings: dict[str, Any],
    required_staff: int | None,
) -> None:
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        world = fresh_world(Path(tmp), roster_settings, required_staff)
        try:
            for command in history:
                run(world, command)
            for kind in sorted(world.done):
                event(f"{kind} succeeded")
            check_invariants(world)
            check_rebuild(world, Path(tmp) / "rebuilt.sqlite3")
        finally:
            world.container.close()


# A fixed history that must be accepted step by step, so that the random test above is known
# to exercise real successes of every kind of command and not only refusals.
FIXED_HISTORY: list[tuple[Any, ...]] = [
    ("auto_assign", "balanced"),
    ("answer", 0, True),
    ("answer", 1, False),
    ("unassign", 2),
    ("time_off", 0, ROSTER_DAYS + 3, 9, 8, True),  # after the roster: nothing to clash with
    ("propose", 0, 1, None),
]


def test_a_fixed_history_succeeds_at_each_step_and_keeps_the_rules(workdir: Path) -> None:
    world = fresh_world(workdir / "fixed", {"max_shifts_per_person": 4, "min_rest_hours": 10,
                                            "require_swap_approval": True}, None)
    try:
        for command in FIXED_HISTORY:
            run(world, command)
            assert not world.refused, f"{command} was refused"
        report = world.rows("SELECT auto_assign FROM rm_rosters")[0]["auto_assign"]
        assert json.loads(report)["assigned"] == 3 * ROSTER_DAYS
        swap = swap_rows(world)[0]
        run(world, ("respond", 0, True))
        run(world, ("manager_action", 0, True))
        assert not world.refused, dict(world.refused)
        moved = swap_rows(world)[0]
        assert moved["status"] == "approved"
        given_away = world.rows(
            "SELECT * FROM rm_assignments WHERE shift_id = ? AND status IN ('pending', 'confirmed')",
            (swap["shift_id"],),
        )
        assert [a["employee_id"] for a in given_away] == [swap["target_employee_id"]]
        check_invariants(world)
        check_rebuild(world, workdir / "fixed-rebuilt.sqlite3")
    finally:
        world.container.close()


# Open-shift commands that must each succeed, so that the random test above is known to reach
# real claims and drops: people[0] and people[1] each hold a place; people[0] offers theirs up,
# withdraws and offers it again; people[2] claims it; people[3] claims an open place.
FIXED_CLAIMS: list[tuple[Any, ...]] = [
    ("assign", 0, 0), ("assign", 3, 1), ("drop", 0), ("withdraw", 0), ("drop", 0),
    ("claim", 2, 0, True), ("claim", 3, 6, False),
]


@pytest.mark.parametrize("approval", [True, False])
def test_a_fixed_history_of_drops_and_claims_succeeds_at_each_step_and_keeps_the_rules(
    workdir: Path, approval: bool,
) -> None:
    world = fresh_world(workdir / f"claims-{approval}", {"allow_shift_claims": True,
                                                         "require_claim_approval": approval}, None)
    try:
        for command in FIXED_CLAIMS + ([("decide_claim", 0, True), ("decide_claim", 0, True)] if approval else []):
            run(world, command)
            assert not world.refused, f"{command} was refused"
        assert [r["status"] for r in claim_rows(world)] == ["approved", "approved"]
        holders = {r["shift_id"]: r["employee_id"] for r in world.rows(
            "SELECT * FROM rm_assignments WHERE status = 'confirmed'")}
        assert holders == {world.shift_ids[0]: world.people[2], world.shift_ids[6]: world.people[3]}
        check_invariants(world)
        check_rebuild(world, workdir / f"claims-{approval}-rebuilt.sqlite3")
    finally:
        world.container.close()


def swapped_world(root: Path) -> World:
    """people[0] works the first Monday shift, people[1] the Wednesday morning; they swap them."""
    world = fresh_world(root, {"require_swap_approval": False}, None)
    for command in [("assign", 0, 0), ("assign", 6, 1), ("propose", 0, 0, 0), ("respond", 0, True)]:
        run(world, command)
    assert not world.refused, dict(world.refused)
    assert swap_rows(world)[0]["status"] == "approved"
    return world


def test_the_version_read_for_a_roster_with_shifts_is_accepted_as_the_expected_version(
    workdir: Path,
) -> None:
    world = fresh_world(workdir / "roster-version", {}, None)
    try:
        c = world.container
        read = c.rosters.get_roster(world.manager, world.roster_id)
        roster = c.events.find(Roster.create_id(world.roster_id), Roster)
        assert roster is not None
        assert read.version == roster.version
        updated = c.rosters.update_roster(world.manager, world.roster_id, RosterChanges(name="Renamed"),
                                          expected_version=read.version)
        assert updated.name == "Renamed" and updated.version > read.version
    finally:
        world.container.close()


def test_the_version_read_for_a_shift_after_a_swap_is_accepted_as_the_expected_version(
    workdir: Path,
) -> None:
    world = swapped_world(workdir / "shift-version")
    try:
        c = world.container
        for shift_id in (world.shift_ids[0], world.shift_ids[6]):
            read = c.rosters.get_shift(world.manager, shift_id)
            shift = c.events.find(Shift.create_id(shift_id), Shift)
            assert shift is not None
            assert read.version == shift.version, f"shift {shift_id}"
            updated = c.rosters.update_shift(world.manager, shift_id, ShiftChanges(title="Renamed"),
                                             expected_version=read.version)
            assert updated.title == "Renamed"
    finally:
        world.container.close()


def test_the_versions_read_for_swapped_assignments_match_the_aggregates(workdir: Path) -> None:
    world = swapped_world(workdir / "assignment-version")
    try:
        rows = world.rows("SELECT id, employee_id, status, version FROM rm_assignments ORDER BY id")
        assert len(rows) == 2
        for row in rows:
            assignment = world.container.events.find(Assignment.create_id(row["id"]), Assignment)
            assert assignment is not None
            assert (row["employee_id"], row["status"], row["version"]) == (
                assignment.employee_id, "pending", assignment.version,
            )
        assert [r["employee_id"] for r in rows] == [world.people[1], world.people[0]]
        check_invariants(world)
    finally:
        world.container.close()
