"""A roster's history page of 100 entries beside the roster listing (issue 19: at most 2x).

    python -m bench.history_page [--postgres] [--runs 200] [--rosters 6]

One in-process app (SQLite files, or a fresh PostgreSQL schema with `--postgres`, dropped
afterwards). One enterprise, one department of 15 employees and `--rosters` month rosters:
the first (January) has 93 shifts with 3 places each, auto-assigned (279 assignments), every
assignment answered (about one in seven declined) and swaps asked, accepted and approved or
rejected; the others have their shifts generated, and half of them are auto-assigned too.
That is about 1,000 shown entries in the January roster's history, and a few thousand in the
log.

Then, as the enterprise's auditor (one caller for every request), taking turns so that a
busy moment of the shared machine weighs on all of them alike, `--runs` times each:

- the baseline: `GET /api/rosters?limit=100`, the roster listing (all the enterprise's rosters);
- `GET /api/rosters/:id/history?limit=100`, the first page;
- `GET /api/rosters/:id/history?limit=100&after=S`, the fifth page by cursor (S: the `next_after`
  of the fourth page, so entries 401 to 500);
- `GET /api/rosters/:id/history?limit=100&page=5`, the same entries by page number (for reference).

Prints the median and p99 of each and the ratio of the medians to the listing's.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from litestar.testing import TestClient

from bench.in_process import in_process_container
from bench.pg import percentile
from interfaces.http.app import create_app
from tests.support import PASSWORD, bearer, create_user, ok, seed_tenant

EMPLOYEES = 15
PAGE = 100
SWAPS = 12
MONTHS = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12")
LAST_DAY = ("31", "28", "31", "30", "31", "30", "31", "31", "30", "31", "30", "31")


def roster(client: TestClient, manager: dict[str, str], department_id: int, month: int, assign: bool) -> int:
    made = ok(client.post("/api/rosters", headers=manager, json={
        "name": f"2026-{MONTHS[month]}", "department_id": department_id, "start_date": f"2026-{MONTHS[month]}-01",
        "end_date": f"2026-{MONTHS[month]}-{LAST_DAY[month]}", "auto_generate_shifts": True,
        "shift_template": "standard_8hour", "required_staff": 3, "settings": {"min_rest_hours": 8}}), 201)["roster"]
    if assign:
        ok(client.post(f"/api/rosters/{made['id']}/auto-assign", headers=manager, json={"background": False}))
    return int(made["id"])


def answer_all(client: TestClient, staff: list[dict[str, Any]], roster_id: int) -> list[tuple[int, int, int]]:
    """Every pending assignment of the roster answered; (assignment, employee index, shift) of the confirmed."""
    confirmed = []
    for number, person in enumerate(staff):
        mine = ok(client.get("/api/employee/my-schedule", headers=bearer(person["token"])))["schedule"]["assignments"]
        for i, entry in enumerate(mine):
            if entry["status"] != "pending" or entry["shift"]["roster"]["id"] != roster_id:
                continue
            status = "declined" if (i + number) % 7 == 0 else "confirmed"
            ok(client.patch(f"/api/employee/assignments/{entry['id']}/status", headers=bearer(person["token"]),
                            json={"status": status}))
            if status == "confirmed":
                confirmed.append((entry["id"], number, entry["shift"]["id"]))
    return confirmed


def swaps(client: TestClient, staff: list[dict[str, Any]], manager: dict[str, str],
          confirmed: list[tuple[int, int, int]]) -> int:
    """Up to SWAPS swaps between colleagues: accepted, then approved (two in three) or rejected."""
    done = 0
    for _, number, shift_id in confirmed[:: max(1, len(confirmed) // (SWAPS * 3))]:
        if done == SWAPS:
            break
        asker, mate = staff[number], staff[(number + 7) % len(staff)]
        asked = client.post("/api/employee/swap-requests", headers=bearer(asker["token"]),
                            json={"shift_id": shift_id, "target_employee_id": mate["id"], "reason": "bench"})
        if asked.status_code != 201:
            continue  # the colleague is on that shift, or too close to another of theirs
        swap = asked.json()["swap_request"]["id"]
        if client.patch(f"/api/employee/swap-requests/{swap}/respond", headers=bearer(mate["token"]),
                        json={"action": "accept"}).status_code != 200:
            continue
        action = "reject" if done % 3 == 2 else "approve"
        if client.patch(f"/api/employee/swap-requests/{swap}/manager-action", headers=manager,
                        json={"action": action}).status_code == 200:
            done += 1
    return done


def seed(client: TestClient, rosters: int) -> tuple[int, dict[str, str]]:
    """The enterprise, its rosters and their history; (the January roster's id, the auditor's headers)."""
    root = ok(client.post("/api/auth/create-system-admin", json={
        "full_name": "Root", "email": "root@bench.test", "password": "correct-horse-9"}), 201)["token"]
    tenant = seed_tenant(client, root, "Acme")
    manager = bearer(tenant.manager["token"])
    staff = [create_user(client, tenant.admin["token"], f"e{i}@acme.test", "employee", tenant.enterprise_id,
                         tenant.department_id) for i in range(EMPLOYEES)]
    january = roster(client, manager, tenant.department_id, 0, assign=True)
    swapped = swaps(client, staff, manager, answer_all(client, staff, january))
    ok(client.patch(f"/api/rosters/{january}/status", headers=manager, json={"status": "published"}))
    for month in range(1, rosters):
        roster(client, manager, tenant.department_id, month, assign=month % 2 == 0)
    auditor = create_user(client, tenant.admin["token"], "auditor@acme.test", "auditor", tenant.enterprise_id, None)
    print(f"seeded: {rosters} rosters, {swapped} swaps carried out or rejected; auditor {auditor['email']}"
          f" (password {PASSWORD!r})")
    return january, bearer(auditor["token"])


def latencies(works: dict[str, Callable[[], Any]], runs: int) -> dict[str, list[float]]:
    """Each work's times in seconds; the works take turns."""
    times: dict[str, list[float]] = {name: [] for name in works}
    for work in works.values():
        for _ in range(5):
            work()  # warm
    for _ in range(runs):
        for name, work in works.items():
            started = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rosters", type=int, default=6, help="month rosters of the enterprise (1 to 12)")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line a request otherwise
    with ExitStack() as stack:
        settings, container = in_process_container(stack, "history", args.postgres)
        client = stack.enter_context(TestClient(create_app(settings, container)))
        started = time.perf_counter()
        roster_id, auditor = seed(client, max(1, min(args.rosters, 12)))
        history = f"/api/rosters/{roster_id}/history"
        first = ok(client.get(history, headers=auditor, params={"limit": PAGE}))
        cursor = first["next_after"]
        for _ in range(3):
            cursor = ok(client.get(history, headers=auditor, params={"limit": PAGE, "after": cursor}))["next_after"]
        later = ok(client.get(history, headers=auditor, params={"limit": PAGE, "after": cursor}))
        listing = ok(client.get("/api/rosters", headers=auditor, params={"limit": PAGE}))
        by_number = ok(client.get(history, headers=auditor, params={"limit": PAGE, "page": 5}))
        assert later["entries"] == by_number["entries"], "the cursor and the page number disagree"
        with container.store.read() as cur:
            cur.execute("SELECT COUNT(*) AS n FROM au_entries WHERE roster_id = ?", (roster_id,))
            recorded = cur.fetchone()["n"]
        print(f"backend {'postgres' if args.postgres else 'sqlite'}: seeded in {time.perf_counter() - started:.0f} s;"
              f" a log of {container.events.recorder.max_notification_id():,} events; the roster's history:"
              f" {first['pagination']['total_items']:,} entries ({recorded:,} events of the roster, hidden ones"
              f" included); the listing: {len(listing['rosters'])} rosters;"
              f" the later page: entries {later['entries'][0]['sequence']} to {later['entries'][-1]['sequence']}")

        def get(path: str, **params: Any) -> Callable[[], Any]:
            def call() -> Any:
                response = client.get(path, headers=auditor, params=params)
                assert response.status_code == 200, response.text
            return call

        works = {
            "GET /api/rosters?limit=100 (listing, baseline)": get("/api/rosters", limit=PAGE),
            "history?limit=100 (first page)": get(history, limit=PAGE),
            f"history?limit=100&after={cursor} (later page, cursor)": get(history, limit=PAGE, after=cursor),
            "history?limit=100&page=5 (same page, by number)": get(history, limit=PAGE, page=5),
        }
        times = latencies(works, args.runs)
    base = statistics.median(next(iter(times.values())))
    print(f"{args.runs} runs each, taking turns")
    print()
    print("| request | median ms | p99 ms | x listing (medians) |")
    print("| --- | --- | --- | --- |")
    for name, found in times.items():
        median = statistics.median(found)
        print(f"| {name} | {median * 1000:.2f} | {percentile(found, 99) * 1000:.2f} | {median / base:.2f} |")
    worst = max(statistics.median(found) for found in list(times.values())[1:3]) / base
    print()
    print(f"Goal: a history page of 100 entries at most 2x the listing: {worst:.2f}x (the slower of the first and"
          f" the cursor page) -> {'met' if worst <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
