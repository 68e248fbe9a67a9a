"""Read models are a pure function of the event log: a rebuild from scratch matches the live ones."""

from __future__ import annotations

import os
import subprocess
import sys
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.calendar_events import CalendarEventChanges, NewCalendarEvent
from application.commands import DepartmentChanges, NewDepartment, NewUser, UserChanges
from application.invitations import NewInvitation
from application.principal import Principal
from domain.calendar_event import EventRole
from domain.errors import DomainError
from domain.roles import Gender, Role
from infrastructure.readstore import STAGE_PREFIX, SqliteReadStore, remove_abandoned_stages, scratch_store
from infrastructure.settings import Settings
from interfaces.container import Container, all_projections, build_container
from interfaces.parallel_rebuild import balanced_groups
from projections.runner import CatchUpRunner
from projections.staging import Scratch
from tests.support import dump_read_models

PASSWORD = "correct-horse-9"
NOW = datetime.now(timezone.utc)


def dump(store: SqliteReadStore) -> dict[str, list[dict[str, Any]]]:
    return dump_read_models(store, all_projections())


def sqlite_container(root: Path) -> Container:
    return build_container(
        Settings(data_dir=root / "data", bcrypt_rounds=4, rate_limit_enabled=False, jwt_secret="x")
    )


def rebuild(container: Container, path: Path, batch_size: int = 1000) -> tuple[SqliteReadStore, CatchUpRunner, int]:
    store = SqliteReadStore(path)
    runner = CatchUpRunner(container.events, store, all_projections(), batch_size=batch_size)
    runner.setup()
    applied = runner.catch_up()
    return store, runner, applied


# -- a random history of commands ---------------------------------------------------


@dataclass
class World:
    container: Container
    admin: Principal
    enterprises: list[int] = field(default_factory=list)
    departments: list[tuple[int, int]] = field(default_factory=list)  # (id, enterprise id)
    users: list[int] = field(default_factory=list)
    invitations: list[tuple[int, int, str]] = field(default_factory=list)  # (id, enterprise id, code)
    calendar_events: list[int] = field(default_factory=list)
    succeeded: int = 0

    def pick(self, items: list[Any], index: int | None) -> Any:
        return None if index is None or not items else items[index % len(items)]


def start(container: Container) -> World:
    root = container.identity.create_system_admin("Root", "root@admin.test", PASSWORD)
    admin = container.identity.principal(root.id)
    assert admin is not None
    return World(container=container, admin=admin, users=[root.id])


INDEX = st.integers(min_value=0, max_value=20)
MAYBE_INDEX = st.one_of(st.none(), INDEX)
NAMES = st.sampled_from(["Acme", "Globex", "  Initech  ", "Ops", "Sales", "", "x" * 256])
EMAILS = st.sampled_from(
    ["ada@example.com", "ADA@example.com", "bob@example.org", "cy@example.net",
     "dee@example.net", "eve@example.io", "fox@example.io", "bad-email"]
)
DESCRIPTIONS = st.sampled_from([None, "", "Widgets", "d" * 2001])

CREATE_ENTERPRISE = st.tuples(st.just("enterprise"), NAMES, DESCRIPTIONS)
CREATE_DEPARTMENT = st.tuples(st.just("department"), INDEX, NAMES, MAYBE_INDEX)
CREATE_USER = st.tuples(st.just("user"), st.sampled_from(list(Role)), INDEX, MAYBE_INDEX, EMAILS)
COMMANDS = st.one_of(
    CREATE_ENTERPRISE,
    st.tuples(st.just("update_enterprise"), INDEX, st.one_of(st.none(), NAMES), DESCRIPTIONS),
    st.tuples(st.just("enterprise_hours"), INDEX, st.fixed_dictionaries({}, optional={
        "max_hours_per_week": st.sampled_from([None, 0, 37.5, 40]),
        "max_consecutive_days": st.sampled_from([None, 6, 400]),
        "week_starts_on": st.sampled_from(["monday", "sunday", "Funday"]),
    })),
    CREATE_DEPARTMENT,
    st.tuples(st.just("update_department"), INDEX, st.one_of(st.none(), NAMES), MAYBE_INDEX,
              st.booleans()),
    st.tuples(st.just("delete_department"), INDEX),
    CREATE_USER,
    st.tuples(st.just("register"), MAYBE_INDEX, EMAILS),
    st.tuples(
        st.just("update_user"), INDEX, st.one_of(st.none(), NAMES),
        st.one_of(st.none(), st.sampled_from(list(Role))),
        st.one_of(st.none(), st.sampled_from(list(Gender))),
        st.one_of(st.none(), EMAILS), MAYBE_INDEX, st.booleans(),
    ),
    st.tuples(st.just("set_active"), INDEX, st.booleans()),
    st.tuples(st.just("profile"), INDEX, st.one_of(st.none(), NAMES),
              st.one_of(st.none(), st.sampled_from(list(Gender)))),
    st.tuples(st.just("decide"), INDEX, st.booleans()),
    st.tuples(st.just("invite"), INDEX, MAYBE_INDEX, st.sampled_from(list(Role)),
              st.integers(min_value=1, max_value=2)),
    st.tuples(st.just("register_invited"), INDEX, EMAILS),
    st.tuples(st.just("revoke"), INDEX),
    st.tuples(st.just("calendar_event"), INDEX, NAMES, st.integers(min_value=-2, max_value=48)),
    st.tuples(st.just("calendar_change"), INDEX, INDEX, st.one_of(st.none(), NAMES), DESCRIPTIONS),
    st.tuples(st.just("calendar_share"), INDEX, INDEX, INDEX, st.sampled_from(list(EventRole))),
    st.tuples(st.just("calendar_unshare"), INDEX, INDEX, INDEX),
    st.tuples(st.just("calendar_delete"), INDEX, INDEX),
    st.tuples(st.just("calendar_feed"), INDEX, st.sampled_from(["key", "rotate", "revoke"])),
)
# Tenants and people first, so that the random tail has something to work on.
HISTORIES = st.tuples(
    st.lists(CREATE_ENTERPRISE, min_size=1, max_size=3),
    st.lists(CREATE_DEPARTMENT, min_size=1, max_size=4),
    st.lists(CREATE_USER, min_size=1, max_size=6),
    st.lists(COMMANDS, max_size=25),
).map(lambda parts: [command for part in parts for command in part])


def run(world: World, command: tuple[Any, ...]) -> None:
    """Apply one command; refusals by the domain are part of a realistic history."""
    identity, organisation, admin = world.container.identity, world.container.organisation, world.admin
    kind, *args = command
    try:
        if kind == "enterprise":
            name, description = args
            world.enterprises.append(organisation.create_enterprise(admin, name, description).id)
        elif kind == "update_enterprise":
            index, name, description = args
            enterprise_id = world.pick(world.enterprises, index) or 999
            organisation.update_enterprise(admin, enterprise_id, name, description)
        elif kind == "enterprise_hours":
            index, defaults = args
            enterprise_id = world.pick(world.enterprises, index) or 999
            organisation.update_enterprise(admin, enterprise_id, None, None, hours_defaults=defaults)
        elif kind == "department":
            index, name, manager = args
            enterprise_id = world.pick(world.enterprises, index) or 999
            view = organisation.create_department(
                admin, NewDepartment(name=name, enterprise_id=enterprise_id,
                                     manager_id=world.pick(world.users, manager)),
            )
            world.departments.append((view.id, view.enterprise_id))
        elif kind == "update_department":
            index, name, manager, clear = args
            department = world.pick(world.departments, index)
            organisation.update_department(
                admin, department[0] if department else 999,
                DepartmentChanges(name=name, manager_id=world.pick(world.users, manager),
                                  cleared=frozenset({"manager_id"} if clear else ())),
            )
        elif kind == "delete_department":
            department = world.pick(world.departments, args[0])
            organisation.delete_department(admin, department[0] if department else 999)
        elif kind == "user":
            role, enterprise_index, department_index, email = args
            department = world.pick(world.departments, department_index)
            enterprise_id = department[1] if department else world.pick(world.enterprises, enterprise_index)
            if role is Role.SYSTEM_ADMIN:
                enterprise_id, department = None, None
            view = identity.create_user(
                admin,
                NewUser(full_name=email.split("@")[0].title(), email=email, password=PASSWORD,
                        role=role, enterprise_id=enterprise_id,
                        department_id=department[0] if department else None),
            )
            world.users.append(view.id)
        elif kind == "register":
            enterprise_index, email = args
            view = identity.register(
                NewUser(full_name="Self Made", email=email, password=PASSWORD,
                        enterprise_id=world.pick(world.enterprises, enterprise_index))
            )
            world.users.append(view.id)
        elif kind == "update_user":
            index, name, role, gender, email, department_index, new_password = args
            department = world.pick(world.departments, department_index)
            changes = UserChanges(
                full_name=name, role=role, gender=gender, email=email,
                enterprise_id=department[1] if department else None,
                department_id=department[0] if department else None,
                password=PASSWORD + "!" if new_password else None,
            )
            identity.update_user(admin, world.pick(world.users, index), changes)
        elif kind == "set_active":
            index, active = args
            identity.update_user(admin, world.pick(world.users, index), UserChanges(is_active=active))
        elif kind == "profile":
            index, name, gender = args
            user = identity.principal(world.pick(world.users, index))
            if user is not None:
                identity.update_profile(user, name, gender)
        elif kind == "decide":
            index, approve = args
            decide = identity.approve_join if approve else identity.reject_join
            decide(admin, world.pick(world.users, index))
        elif kind == "invite":
            enterprise_index, department_index, role, max_uses = args
            department = world.pick(world.departments, department_index)
            enterprise_id = department[1] if department else world.pick(world.enterprises, enterprise_index)
            issued = world.container.invitations.issue(
                admin, enterprise_id or 999,
                NewInvitation(role=role, department_id=department[0] if department else None,
                              max_uses=max_uses),
                NOW,
            )
            world.invitations.append((issued.id, issued.enterprise_id, issued.code))
        elif kind == "register_invited":
            index, email = args
            invitation = world.pick(world.invitations, index)
            view = identity.register_invited(
                NewUser(full_name="Invited", email=email, password=PASSWORD),
                invitation[2] if invitation else "no-such-code", NOW,
            )
            world.users.append(view.id)
        elif kind == "revoke":
            invitation = world.pick(world.invitations, args[0])
            world.container.invitations.revoke(
                admin, invitation[1] if invitation else 999, invitation[0] if invitation else 999, NOW
            )
        elif kind.startswith("calendar_"):
            run_calendar(world, kind, args)
        else:  # pragma: no cover
            raise AssertionError(kind)
    except DomainError:
        return
    world.succeeded += 1


def run_calendar(world: World, kind: str, args: list[Any]) -> None:
    """A calendar command by the user picked first (who may hold no role on the event)."""
    calendar = world.container.calendar
    actor = world.container.identity.principal(world.pick(world.users, args[0]))
    if actor is None:
        return
    if kind == "calendar_feed":
        feeds = world.container.calendar_feeds
        {"key": feeds.key, "rotate": feeds.rotate, "revoke": feeds.revoke}[args[1]](actor)
        return
    if kind == "calendar_event":
        _, title, hours = args
        start = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
        made = calendar.create(actor, NewCalendarEvent(title=title, start=start, end=start + timedelta(hours=hours)))
        world.calendar_events.append(made.id)
        return
    event_id = world.pick(world.calendar_events, args[1]) or 999
    if kind == "calendar_change":
        calendar.update(actor, event_id, CalendarEventChanges(title=args[2], description=args[3]))
    elif kind == "calendar_share":
        calendar.share(actor, event_id, world.pick(world.users, args[2]), args[3])
    elif kind == "calendar_unshare":
        calendar.unshare(actor, event_id, world.pick(world.users, args[2]))
    else:
        calendar.delete(actor, event_id)


# -- tests ----------------------------------------------------------------------------


@given(
    history=HISTORIES,
    batch_size=st.sampled_from([1, 3, 1000]),
)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_rebuild_from_the_event_log_reproduces_every_live_row_and_position(
    history: list[tuple[Any, ...]], batch_size: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        container = sqlite_container(root)
        try:
            world = start(container)
            for command in history:
                run(world, command)
            # Commands return once their events are projected: nothing is left behind.
            assert container.runner.catch_up() == 0
            live = dump(container.store)

            store, runner, applied = rebuild(container, root / "rebuilt.sqlite3", batch_size)
            try:
                assert applied > 0
                rebuilt = dump(store)
                assert set(rebuilt) == set(live)
                for table in live:
                    assert rebuilt[table] == live[table], f"{table} differs after rebuild"
                assert runner.position() == container.runner.position() > 0
                assert len(live["rm_users"]) == len(world.users)
                assert len(live["rm_enterprises"]) == len(world.enterprises)
                assert len(live["rm_departments"]) == len(world.departments)
                assert len(live["rm_invitations"]) == len(world.invitations)
            finally:
                store.close()

            # In place, staged in a scratch database and swapped in: the same rows again.
            position = container.runner.position()
            assert container.runner.rebuild() == applied
            assert dump(container.store) == live
            assert container.runner.position() == position
        finally:
            container.close()


@pytest.fixture
def busy_container(tmp_path: Path) -> Iterator[tuple[Container, World]]:
    container = sqlite_container(tmp_path)
    world = start(container)
    history: list[tuple[Any, ...]] = [
        ("enterprise", "Acme", "Widgets"),
        ("enterprise", "Globex", None),
        ("department", 0, "Ops", None),
        ("department", 0, "Sales", None),
        ("department", 1, "Labs", None),
        ("user", Role.ENTERPRISE_ADMIN, 0, None, "boss@acme.test"),
        ("user", Role.MANAGER, 0, 0, "manager@acme.test"),
        ("user", Role.EMPLOYEE, 0, 1, "worker@acme.test"),
        ("register", 1, "self@globex.test"),
        ("update_department", 0, "Operations", 2, False),
        ("update_enterprise", 1, "Globex Corp", "Stuff"),
        ("enterprise_hours", 1, {"max_hours_per_week": 40, "week_starts_on": "sunday"}),
        ("update_user", 3, "Worker Bee", None, Gender.OTHER, "WORKER@acme.test", None, True),
        ("set_active", 3, False),
        ("delete_department", 1),
        ("profile", 4, "Self Made Man", Gender.MALE),
        ("decide", 4, True),
        ("invite", 0, 0, Role.EMPLOYEE, 2),
        ("register_invited", 0, "invited@acme.test"),
        ("invite", 1, None, Role.MANAGER, 1),
        ("revoke", 1),
        ("calendar_event", 1, "Planning", 2),
        ("calendar_event", 2, "Review", 1),
        ("calendar_share", 1, 0, 2, EventRole.EDITOR),
        ("calendar_change", 2, 0, "Planning 2", "Agenda"),
        ("calendar_share", 1, 0, 2, EventRole.VIEWER),
        ("calendar_unshare", 2, 0, 2),
        ("calendar_delete", 2, 1),
        ("calendar_feed", 2, "key"),
        ("calendar_feed", 2, "rotate"),
        ("calendar_feed", 1, "key"),
        ("calendar_feed", 1, "revoke"),
    ]
    for command in history:
        run(world, command)
    assert world.succeeded == len(history), "the fixed history should be fully accepted"
    yield container, world
    container.close()


def test_a_second_catch_up_applies_nothing_and_leaves_the_rows_alone(
    busy_container: tuple[Container, World], tmp_path: Path
) -> None:
    container, _ = busy_container
    store, runner, applied = rebuild(container, tmp_path / "rebuilt.sqlite3")
    try:
        assert applied > 0
        first = dump(store)
        assert runner.catch_up() == 0
        assert dump(store) == first == dump(container.store)
    finally:
        store.close()


def test_a_rebuilt_store_follows_new_events_and_stays_identical(
    busy_container: tuple[Container, World], tmp_path: Path
) -> None:
    container, world = busy_container
    store, runner, _ = rebuild(container, tmp_path / "rebuilt.sqlite3")
    try:
        before = runner.position()
        run(world, ("enterprise", "Initech", None))
        run(world, ("update_user", 2, "Top Boss", None, None, None, None, False))
        assert world.succeeded == 34
        assert runner.catch_up() == 2
        assert runner.position() > before
        assert runner.catch_up() == 0
        assert dump(store) == dump(container.store)
    finally:
        store.close()


def test_a_rebuilt_store_reflects_the_history_in_its_rows(
    busy_container: tuple[Container, World], tmp_path: Path
) -> None:
    container, world = busy_container
    store, _, _ = rebuild(container, tmp_path / "rebuilt.sqlite3")
    try:
        rows = dump(store)
        users = {row["email"]: row for row in rows["rm_users"]}
        assert set(users) == {
            "root@admin.test", "boss@acme.test", "manager@acme.test", "WORKER@acme.test",
            "self@globex.test", "invited@acme.test",
        }
        worker = users["WORKER@acme.test"]
        assert (worker["full_name"], worker["gender"], worker["email_key"]) == (
            "Worker Bee", "other", "worker@acme.test",
        )
        assert not worker["is_active"]
        assert users["self@globex.test"]["full_name"] == "Self Made Man"
        departments = {row["name"]: row for row in rows["rm_departments"]}
        assert departments["Operations"]["manager_id"] == users["manager@acme.test"]["id"]
        assert departments["Sales"]["is_deleted"] and not departments["Operations"]["is_deleted"]
        enterprises = {row["name"]: row for row in rows["rm_enterprises"]}
        # Self-registered into Globex, then approved; invited into Operations.
        assert (users["self@globex.test"]["enterprise_id"], users["self@globex.test"]["join_status"]) == (
            enterprises["Globex Corp"]["id"], "approved")
        assert users["invited@acme.test"]["department_id"] == departments["Operations"]["id"]
        assert sorted((i["uses"], bool(i["revoked"])) for i in rows["rm_invitations"]) == [
            (0, True), (1, False)]
        assert enterprises["Globex Corp"]["description"] == "Stuff"
        assert enterprises["Globex Corp"]["version"] == 3
        assert (enterprises["Globex Corp"]["max_hours_per_week"], enterprises["Globex Corp"]["week_starts_on"]) == (
            40, "sunday")
        # Planning: shared, changed, demoted, left; Review: deleted, holding nobody.
        events = {row["title"]: row for row in rows["ce_events"]}
        assert (events["Planning 2"]["description"], events["Review"]["is_deleted"]) == ("Agenda", True)
        assert [(p["event_id"], p["role"]) for p in rows["ce_permissions"]] == [(events["Planning 2"]["id"], "OWNER")]
        assert [r["name"] for r in rows["projection_tracking"]] == sorted(p.name for p in all_projections())
    finally:
        store.close()


def test_a_staged_rebuild_keeps_the_old_rows_until_it_swaps_and_then_applies_what_came_meanwhile(
    busy_container: tuple[Container, World], tmp_path: Path
) -> None:
    container, world = busy_container
    live = dump(container.store)
    seen_while_staging: list[dict[str, list[dict[str, Any]]]] = []

    def progress(position: int, head: int) -> None:
        if not seen_while_staging:
            seen_while_staging.append(dump(container.store))
            run(world, ("enterprise", "Initech", None))  # recorded after the stage read the log

    # The command catches up the live tables in-process while the stage is built; the swap
    # then puts back the staged tables and position, and the rebuild applies the command again.
    container.runner.rebuild(progress=progress)
    assert seen_while_staging == [live]  # readers kept the old tables while the stage was built
    assert world.succeeded == 33
    assert container.runner.catch_up() == 0
    names = [row["name"] for row in dump(container.store)["rm_enterprises"]]
    assert "Initech" in names

    fresh_store, _, _ = rebuild(container, tmp_path / "fresh.sqlite3")
    try:
        assert dump(container.store) == dump(fresh_store)
    finally:
        fresh_store.close()


def watched_scratch(look: Callable[[SqliteReadStore], None]) -> Scratch:
    """The rebuild's scratch store, which `look` inspects once the rows are staged, before it goes."""

    @contextmanager
    def scratch() -> Iterator[SqliteReadStore]:
        with scratch_store() as stage:
            yield stage
            look(stage)

    return scratch


def index_names(store: SqliteReadStore | Any) -> set[str]:
    with store.read() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
        return {row["name"] for row in cur.fetchall()}


def test_a_staged_rebuild_builds_the_query_indexes_only_once_its_rows_are_in_the_real_tables(
    busy_container: tuple[Container, World],
) -> None:
    container, _ = busy_container
    projections = all_projections()
    declared = {m.group(1) for p in projections for s in p.ddl
                if (m := re.search(r"CREATE INDEX IF NOT EXISTS (\w+)", s))}
    for projection in projections:
        assert projection.query_indexes <= declared, f"{projection.name} names an index it does not create"
    assert sum(len(p.query_indexes) for p in projections) >= 10
    live = dump(container.store)
    in_scratch: set[str] = set()
    runner = CatchUpRunner(container.events, container.store, projections,
                           scratch=watched_scratch(lambda stage: in_scratch.update(index_names(stage))))
    runner.rebuild()
    skipped = {name for p in projections for name in p.query_indexes}
    assert in_scratch and not in_scratch & skipped  # the handlers' own lookups kept theirs
    assert in_scratch == declared - skipped
    assert declared <= index_names(container.store)  # the real tables have them all
    assert dump(container.store) == live


def table_sql(store: SqliteReadStore) -> dict[str, str]:
    with store.read() as cur:
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        return {row["name"]: row["sql"] for row in cur.fetchall()}


def test_a_staged_rebuild_keys_scratch_tables_by_rowid_and_leaves_the_real_ones_as_declared(
    busy_container: tuple[Container, World],
) -> None:
    container, _ = busy_container
    live = dump(container.store)
    scratch_tables: dict[str, str] = {}
    CatchUpRunner(container.events, container.store, all_projections(),
                  scratch=watched_scratch(lambda stage: scratch_tables.update(table_sql(stage)))).rebuild()
    integer_keyed = {name for name, sql in scratch_tables.items() if "INTEGER PRIMARY KEY" in sql}
    assert len(integer_keyed) >= 10 and not any("BIGINT PRIMARY KEY" in sql for sql in scratch_tables.values())
    real = table_sql(container.store)  # type: ignore[arg-type]
    assert all("BIGINT PRIMARY KEY" in real[name] for name in integer_keyed)
    assert dump(container.store) == live


def test_a_failed_staged_rebuild_leaves_the_tables_and_positions_as_they_were(
    busy_container: tuple[Container, World],
) -> None:
    container, _ = busy_container
    live, position = dump(container.store), container.runner.position()

    def progress(position: int, head: int) -> None:
        raise RuntimeError("the machine went away")

    with pytest.raises(RuntimeError):
        container.runner.rebuild(progress=progress)
    assert dump(container.store) == live
    assert container.runner.position() == position


def test_a_parallel_rebuild_spreads_the_projections_evenly_over_the_processes() -> None:
    projections = all_projections()
    costs = {p.name: p.rebuild_cost for p in projections}
    for jobs in (1, 2, 3, 5, 8):
        groups = balanced_groups(projections, jobs)
        assert len(groups) == min(jobs, len(projections))
        assert sorted(n for g in groups for n in g) == sorted(costs)  # each exactly once
        loads = sorted(sum(costs[n] for n in g) for g in groups)
        # The busiest process finishes at most one projection's work after the idlest.
        assert loads[-1] - loads[0] <= max(costs.values())
    assert balanced_groups(projections, 2) == [["audit", "notifications", "calendar", "dashboard", "files"],
                                               ["rostering", "analytics", "audit_chain", "calendar_feeds",
                                                "directory", "webhooks"]]


def test_a_scratch_folder_left_by_a_killed_rebuild_is_deleted_by_the_next_one(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    abandoned = tmp_path / f"{STAGE_PREFIX}{gone.stdout.strip()}-abc"
    running = tmp_path / f"{STAGE_PREFIX}{os.getpid()}-def"
    for folder in (abandoned, running):
        folder.mkdir()
        (folder / "stage.sqlite3").write_bytes(b"rows")
    assert remove_abandoned_stages(tmp_path) == [abandoned]
    assert not abandoned.exists() and (running / "stage.sqlite3").exists()
