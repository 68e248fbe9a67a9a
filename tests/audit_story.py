"""A realistic roster's life through the API, for the history tests.

Acme's manager plans a week with generated shifts, adds, changes, moves and removes shifts,
assigns people who confirm, decline or are removed, the employee is renamed midway, two
swaps are asked (one carried out, one rejected), and the roster is published, revised and
approved. `STORY` is what its history must say, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.testing import TestClient

from tests.support import World, bearer, create_user, ok, seed_world


@dataclass
class Story:
    world: World
    mate: dict[str, Any]
    roster_id: int
    shifts: list[int]
    """The generated shifts, Monday to Friday."""
    night: int
    """The shift added by hand."""
    ids: dict[str, int] = field(default_factory=dict)
    """Assignments and swaps by what they are in the story."""


def call(client: TestClient, method: str, path: str, who: dict[str, Any], body: Any = None,
         status: int = 200) -> dict[str, Any]:
    return ok(client.request(method, path, json=body, headers=bearer(who["token"])), status)


def tell(client: TestClient) -> Story:
    world = seed_world(client)
    acme = world.acme
    admin, manager, employee = acme.admin, acme.manager, acme.employee
    call(client, "PUT", f"/api/users/{employee['id']}", admin, {"full_name": "Jane Doe"})
    call(client, "PUT", f"/api/users/{manager['id']}", admin, {"full_name": "Mona Manager"})
    mate = create_user(client, admin["token"], "mate@acme.test", "employee", acme.enterprise_id,
                       acme.department_id, full_name="John Smith")
    roster = call(client, "POST", "/api/rosters", manager, {
        "name": "January", "department_id": acme.department_id, "start_date": "2026-01-05",
        "end_date": "2026-01-11", "auto_generate_shifts": True, "shift_template": "business_hours",
        "required_staff": 2}, 201)["roster"]
    rid = roster["id"]
    shifts = [s["id"] for s in sorted(roster["shifts"], key=lambda s: s["date"])]
    night = call(client, "POST", "/api/shifts", manager, {
        "roster_id": rid, "date": "2026-01-06", "start_time": "22:00", "end_time": "06:00",
        "title": "Late Shift"}, 201)["shift"]["id"]
    call(client, "PUT", f"/api/shifts/{night}", manager, {"title": "Night Shift", "required_staff": 2})
    call(client, "PUT", f"/api/shifts/{shifts[4]}", manager, {"date": "2026-01-10"})
    call(client, "DELETE", f"/api/shifts/{shifts[3]}", manager, status=204)
    story = Story(world=world, mate=mate, roster_id=rid, shifts=shifts, night=night)
    assign = lambda shift, who: call(client, "POST", f"/api/shifts/{shift}/assignments", manager,  # noqa: E731
                                     {"employee_id": who["id"]}, 201)["assignment"]["id"]
    story.ids["jane_night"] = assign(night, employee)
    call(client, "PATCH", f"/api/employee/assignments/{story.ids['jane_night']}/status", employee,
         {"status": "confirmed", "notes": "happy to"})
    story.ids["john_monday"] = assign(shifts[0], mate)
    call(client, "PATCH", f"/api/employee/assignments/{story.ids['john_monday']}/status", mate,
         {"status": "declined"})
    story.ids["john_tuesday"] = assign(shifts[1], mate)
    call(client, "DELETE", f"/api/shifts/assignments/{story.ids['john_tuesday']}", manager, status=204)
    call(client, "PATCH", f"/api/rosters/{rid}/status", manager, {"status": "published"})
    call(client, "PUT", f"/api/users/{employee['id']}", admin, {"full_name": "Jane Roe"})  # renamed midway
    story.ids["swap"] = call(client, "POST", "/api/employee/swap-requests", employee, {
        "shift_id": night, "target_employee_id": mate["id"], "reason": "dentist"}, 201)["swap_request"]["id"]
    call(client, "PATCH", f"/api/employee/swap-requests/{story.ids['swap']}/respond", mate, {"action": "accept"})
    call(client, "PATCH", f"/api/employee/swap-requests/{story.ids['swap']}/manager-action", manager,
         {"action": "approve", "note": "fine"})
    story.ids["swap_back"] = call(client, "POST", "/api/employee/swap-requests", mate, {
        "shift_id": night, "target_employee_id": employee["id"]}, 201)["swap_request"]["id"]
    call(client, "PATCH", f"/api/employee/swap-requests/{story.ids['swap_back']}/manager-action", manager,
         {"action": "reject"})
    call(client, "PUT", f"/api/rosters/{rid}", manager, {"name": "January, week 2",
                                                         "settings": {"min_rest_hours": 12}})
    call(client, "PATCH", f"/api/rosters/{rid}/status", admin, {"status": "approved"})
    return story


STORY = [
    # (type, actor, subject kind, the summary)
    ("roster_created", "Mona Manager", "roster", "Mona Manager created the roster January (2026-01-05 to 2026-01-11)"),
    *[("shift_added", "Mona Manager", "shift",
       f"Mona Manager added Business Hours on 2026-01-0{d} (09:00-17:00) to the roster January") for d in range(5, 10)],
    ("shift_added", "Mona Manager", "shift",
     "Mona Manager added Late Shift on 2026-01-06 (22:00-06:00) to the roster January"),
    ("shift_changed", "Mona Manager", "shift", "Mona Manager changed Late Shift on 2026-01-06: required_staff, title"),
    ("shift_moved", "Mona Manager", "shift",
     "Mona Manager moved Business Hours from 2026-01-09 09:00-17:00 to 2026-01-10 09:00-17:00"),
    ("shift_removed", "Mona Manager", "shift",
     "Mona Manager removed Business Hours on 2026-01-08 from the roster January"),
    ("employee_assigned", "Mona Manager", "assignment", "Mona Manager assigned Jane Doe to Night Shift on 2026-01-06"),
    ("assignment_confirmed", "Jane Doe", "assignment", "Jane Doe confirmed their assignment to Night Shift on 2026-01-06"),
    ("employee_assigned", "Mona Manager", "assignment",
     "Mona Manager assigned John Smith to Business Hours on 2026-01-05"),
    ("assignment_declined", "John Smith", "assignment",
     "John Smith declined their assignment to Business Hours on 2026-01-05"),
    ("employee_assigned", "Mona Manager", "assignment",
     "Mona Manager assigned John Smith to Business Hours on 2026-01-06"),
    ("assignment_removed", "Mona Manager", "assignment",
     "Mona Manager removed John Smith from Business Hours on 2026-01-06"),
    ("roster_status_changed", "Mona Manager", "roster", "Mona Manager moved the roster January from draft to published"),
    ("swap_requested", "Jane Roe", "swap_request", "Jane Roe asked John Smith to take Night Shift on 2026-01-06"),
    ("swap_accepted", "John Smith", "swap_request",
     "John Smith accepted Jane Roe's swap request for Night Shift on 2026-01-06"),
    # Carrying a swap out saves the swap's decision first, then the assignment changing hands.
    ("swap_approved", "Mona Manager", "swap_request",
     "Mona Manager approved the swap of Night Shift on 2026-01-06 from Jane Roe to John Smith"),
    ("assignment_handed_over", "Mona Manager", "assignment",
     "Mona Manager handed Jane Roe's place on Night Shift on 2026-01-06 over to John Smith"),
    ("swap_requested", "John Smith", "swap_request", "John Smith asked Jane Roe to take Night Shift on 2026-01-06"),
    ("swap_rejected", "Mona Manager", "swap_request",
     "Mona Manager rejected John Smith's swap request for Night Shift on 2026-01-06"),
    ("roster_revised", "Mona Manager", "roster", "Mona Manager revised the roster January: name, settings.min_rest_hours"),
    ("roster_status_changed", "Admin", "roster", "Admin moved the roster January, week 2 from published to approved"),
]


def history(client: TestClient, who: dict[str, Any], path: str, **params: Any) -> dict[str, Any]:
    return ok(client.get(path, params=params, headers=bearer(who["token"])))
