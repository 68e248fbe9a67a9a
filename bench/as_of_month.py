"""As-of of a month roster beside the live GET of the same roster (issue 19: at most 5x).

    python -m bench.as_of_month [--postgres] [--runs 30] [--noise 0]

One in-process app (SQLite files, or a fresh PostgreSQL schema with `--postgres`, dropped
afterwards), a department of 15 employees, a January roster of 93 shifts with 3 places each,
auto-assigned (279 assignments) and every assignment answered: about 1,000 events of the
roster. `--noise N` first records N other rosters' worth of events, to show the log scan
growing with the log. Prints the medians of `GET /api/rosters/:id` live and `?as_of=`, over
HTTP (the same in-process client) and at the service (`container.rosters.get_roster` beside
`container.as_of.roster`), with the events chosen by the audit index (the audit projection's
`au_entries`, as the product does) and, for comparison, by a scan of the log.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timezone
from typing import Any

from litestar.testing import TestClient

from bench.in_process import in_process_container
from application.as_of import RosterAsOf
from interfaces.as_of_wiring import (
    as_of_projections,
    replay_stores,
    roster_as_of,
    roster_events_by_audit_index,
    roster_events_by_log_scan,
    utc_now,
)
from projections.replay import ProjectedPast
from interfaces.http.app import create_app
from tests.support import bearer, create_user, ok, seed_tenant

EMPLOYEES = 15


def medians_ms(works: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Each work's median time; the works take turns, so that a busy moment of the machine
    weighs on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in works}
    for work in works.values():
        work()  # warm
    for _ in range(runs):
        for name, work in works.items():
            started = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(found) * 1000 for name, found in times.items()}


def month_roster(client: TestClient, root: str, name: str, start: str, end: str) -> tuple[int, dict[str, Any]]:
    tenant = seed_tenant(client, root, name)
    manager = bearer(tenant.manager["token"])
    staff = [create_user(client, tenant.admin["token"], f"e{i}@{name.lower()}.test", "employee",
                         tenant.enterprise_id, tenant.department_id) for i in range(EMPLOYEES)]
    roster = ok(client.post("/api/rosters", headers=manager, json={
        "name": name, "department_id": tenant.department_id, "start_date": start, "end_date": end,
        "auto_generate_shifts": True, "shift_template": "standard_8hour", "required_staff": 3,
        "settings": {"min_rest_hours": 8}}), 201)["roster"]
    ok(client.post(f"/api/rosters/{roster['id']}/auto-assign", headers=manager, json={"background": False}))
    for number, person in enumerate(staff):
        mine = ok(client.get("/api/employee/my-schedule", headers=bearer(person["token"])))["schedule"]["assignments"]
        for i, entry in enumerate(mine):
            status = "declined" if (i + number) % 7 == 0 else "confirmed"
            ok(client.patch(f"/api/employee/assignments/{entry['id']}/status", headers=bearer(person["token"]),
                            json={"status": status}))
    return roster["id"], tenant.manager


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--noise", type=int, default=0, help="other month rosters recorded first")
    args = parser.parse_args()
    with ExitStack() as stack:
        settings, container = in_process_container(stack, "asof", args.postgres)
        client = stack.enter_context(TestClient(create_app(settings, container)))
        root = ok(client.post("/api/auth/create-system-admin", json={
            "full_name": "Root", "email": "root@bench.test", "password": "correct-horse-9"}), 201)["token"]
        for n in range(args.noise):
            month_roster(client, root, f"Noise{n}", f"20{30 + n}-01-01", f"20{30 + n}-01-31")
        roster_id, planner = month_roster(client, root, "Month", "2026-01-01", "2026-01-31")
        manager = bearer(planner["token"])
        time.sleep(0.01)
        instant = datetime.now(timezone.utc)
        principal = container.identity.principal(planner["id"])
        chosen = container.as_of._events.select(roster_id, instant)  # noqa: SLF001 - what is replayed
        print(f"backend {'postgres' if args.postgres else 'sqlite'}: log of {container.events.recorder.max_notification_id()}"
              f" events; the roster's as-of replays {len(chosen)}")
        live = client.get(f"/api/rosters/{roster_id}", headers=manager)
        past = client.get(f"/api/rosters/{roster_id}", headers=manager, params={"as_of": instant.isoformat()})
        assert past.content == live.content and past.headers["etag"] == live.headers["etag"], "as-of differs"
        events, store = container.events, container.store
        scanned = roster_as_of(events, store, roster_events_by_log_scan(events))
        past = ProjectedPast(events, replay_stores(events), as_of_projections, prepared=True)

        def cold(chosen: Callable[[], Any]) -> Any:
            """As-of with nothing remembered: every event read and decoded."""
            return RosterAsOf(chosen(), past, utc_now).roster(principal, roster_id, instant)

        rows = {name: work for name, work in [
            ("HTTP live GET", lambda: client.get(f"/api/rosters/{roster_id}", headers=manager)),
            ("HTTP as_of (audit index)", lambda: client.get(f"/api/rosters/{roster_id}", headers=manager,
                                                            params={"as_of": instant.isoformat()})),
            ("service live", lambda: container.rosters.get_roster(principal, roster_id)),
            ("service as_of (audit index)", lambda: container.as_of.roster(principal, roster_id, instant)),
            ("service as_of (log scan)", lambda: scanned.roster(principal, roster_id, instant)),
            ("service as_of cold (log scan)", lambda: cold(lambda: roster_events_by_log_scan(events))),
            ("service as_of cold (audit index)", lambda: cold(lambda: roster_events_by_audit_index(events, store))),
            ("  selection: audit index", lambda: container.as_of._events.select(roster_id, instant)),  # noqa: SLF001
            ("  selection: log scan", lambda: scanned._events.select(roster_id, instant)),  # noqa: SLF001
        ]}
        medians = medians_ms(rows, args.runs)
        print(f"{'read':36} {'median ms':>10} {'x live':>7}")
        for name, value in medians.items():
            base = medians["HTTP live GET"] if name.startswith("HTTP") else medians["service live"]
            print(f"{name:36} {value:10.2f} {value / base:7.2f}")
        for kind in ("audit index", "log scan"):
            for warm in ("", " cold"):
                if not warm and kind == "audit index":
                    continue  # measured over HTTP above
                name = f"HTTP as_of{warm} ({kind}), est."
                value = medians["HTTP live GET"] + medians[f"service as_of{warm} ({kind})"] - medians["service live"]
                print(f"{name:36} {value:10.2f} {value / medians['HTTP live GET']:7.2f}")


if __name__ == "__main__":
    main()
