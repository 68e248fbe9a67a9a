"""Every type of the vocabulary, told by the commands that make it, and none left to a parked projection."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from application.history_types import TYPES
from tests.support import PASSWORD, bearer, create_user, ok, seed_world


def send(client: TestClient, method: str, path: str, who: dict[str, Any] | None, body: Any = None,
         status: int = 200) -> dict[str, Any]:
    headers = bearer(who["token"]) if who else {}
    return ok(client.request(method, path, json=body, headers=headers), status)


def everything_once(client: TestClient) -> dict[str, Any]:
    """A command for every type of entry; the world it leaves."""
    world = seed_world(client)
    acme, root = world.acme, world.root
    admin, manager, employee = acme.admin, acme.manager, acme.employee
    dept = acme.department_id
    send(client, "PUT", f"/api/departments/{dept}", admin, {"manager_id": manager["id"]})
    mate = create_user(client, admin["token"], "mate@acme.test", "employee", acme.enterprise_id, dept)
    send(client, "PUT", f"/api/enterprises/{acme.enterprise_id}", admin, {"description": "Widgets"})
    spare = send(client, "POST", "/api/departments", admin, {"name": "Spare", "enterprise_id": acme.enterprise_id},
                 status=201)["department"]["id"]
    send(client, "DELETE", f"/api/departments/{spare}", admin, status=204)
    # Users: placement, email, activation, password, mutes, join requests, invitations.
    temp = create_user(client, admin["token"], "temp@acme.test", "employee", acme.enterprise_id, None)
    send(client, "PUT", f"/api/users/{temp['id']}", admin, {"department_id": dept, "role": "manager"})
    send(client, "PUT", f"/api/users/{temp['id']}", admin, {"email": "temp2@acme.test"})
    send(client, "PUT", f"/api/users/{temp['id']}", admin, {"is_active": False})
    send(client, "PUT", f"/api/users/{temp['id']}", admin, {"is_active": True})
    send(client, "PUT", f"/api/users/{temp['id']}", admin, {"password": "another-password-1"})
    send(client, "PUT", f"/api/users/{temp['id']}", admin, {"full_name": "Temp Worker"})
    send(client, "PUT", "/api/notifications/preferences", employee, {"muted_types": ["roster_published"]})
    joiner, refused = (
        send(client, "POST", "/api/auth/register", None, {"full_name": email.split("@")[0].title(), "email": email,
                                                          "password": PASSWORD, "enterprise_id": acme.enterprise_id},
             status=201)["id"]
        for email in ("joiner@x.test", "refused@x.test"))
    send(client, "POST", f"/api/users/{joiner}/approve", admin)
    send(client, "POST", f"/api/users/{refused}/reject", admin)
    invitation = send(client, "POST", f"/api/enterprises/{acme.enterprise_id}/invitations", admin,
                      {"role": "employee", "department_id": dept, "max_uses": 2}, status=201)["invitation"]
    send(client, "POST", "/api/auth/register", None, {"full_name": "Invited", "email": "invited@x.test",
                                                      "password": PASSWORD, "invitation_code": invitation["code"]},
         status=201)
    send(client, "DELETE", f"/api/enterprises/{acme.enterprise_id}/invitations/{invitation['id']}", admin,
         status=204)
    # Templates, time off, availability.
    template = send(client, "POST", "/api/shift-templates", manager, {
        "department_id": dept, "name": "Early", "shifts": [{"title": "Early", "start_time": "06:00",
                                                            "end_time": "14:00"}]}, status=201)["template"]["id"]
    send(client, "PUT", f"/api/shift-templates/{template}", manager, {"name": "Earlier"})
    send(client, "DELETE", f"/api/shift-templates/{template}", manager, status=204)
    offs = [send(client, "POST", "/api/employee/time-off", employee, {"start_date": f"2026-0{m}-02"},
                 status=201)["entry"]["id"] for m in (4, 5, 6)]
    send(client, "PATCH", f"/api/time-off/{offs[0]}/decision", manager, {"action": "approve"})
    send(client, "PATCH", f"/api/time-off/{offs[1]}/decision", manager, {"action": "reject"})
    send(client, "PATCH", f"/api/employee/time-off/{offs[2]}/cancel", employee)
    away = send(client, "POST", "/api/employee/availability", employee, {"start_date": "2026-07-01"}, status=201)
    send(client, "DELETE", f"/api/employee/availability/{away['entry']['id']}", employee, status=204)
    # A roster: auto-assign, a swap cancelled, then deleted.
    roster = send(client, "POST", "/api/rosters", manager, {
        "name": "Spring", "department_id": dept, "start_date": "2026-03-02", "end_date": "2026-03-03",
        "auto_generate_shifts": True, "shift_template": "business_hours", "required_staff": 1}, status=201)["roster"]
    send(client, "POST", f"/api/rosters/{roster['id']}/auto-assign", manager)
    held = [a for s in send(client, "GET", f"/api/rosters/{roster['id']}", manager)["roster"]["shifts"]
            for a in s.get("assignments", [])]
    holder = next(who for who in (employee, mate) if any(a["employee_id"] == who["id"] for a in held))
    other = mate if holder is employee else employee
    shift, assignment = next((a["shift_id"], a["id"]) for a in held if a["employee_id"] == holder["id"])
    send(client, "PATCH", f"/api/rosters/{roster['id']}/status", manager, {"status": "published"})
    send(client, "PATCH", f"/api/employee/assignments/{assignment}/status", holder, {"status": "confirmed"})
    swap = send(client, "POST", "/api/employee/swap-requests", holder,
                {"shift_id": shift, "target_employee_id": other["id"]}, status=201)["swap_request"]["id"]
    send(client, "PATCH", f"/api/employee/swap-requests/{swap}/cancel", holder)
    send(client, "DELETE", f"/api/rosters/{roster['id']}", manager, status=204)
    # Open shifts (in 2099, so that they are still to come): a drop withdrawn, offered again and
    # taken over by an approved claim; a claim cancelled, another rejected.
    week = send(client, "POST", "/api/rosters", manager, {
        "name": "Claims", "department_id": dept, "start_date": "2099-03-02", "end_date": "2099-03-03",
        "auto_generate_shifts": True, "shift_template": "business_hours", "required_staff": 1,
        "settings": {"allow_shift_claims": True}}, status=201)["roster"]
    first, second = (s["id"] for s in week["shifts"])
    send(client, "PATCH", f"/api/rosters/{week['id']}/status", manager, {"status": "published"})
    given = send(client, "POST", f"/api/shifts/{first}/assignments", manager, {"employee_id": employee["id"]},
                 status=201)["assignment"]["id"]
    send(client, "POST", f"/api/employee/assignments/{given}/drop", employee)
    send(client, "DELETE", f"/api/employee/assignments/{given}/drop", employee)
    send(client, "POST", f"/api/employee/assignments/{given}/drop", employee)
    taken = send(client, "POST", f"/api/shifts/{first}/claim", mate, status=201)["claim"]["id"]
    send(client, "POST", f"/api/shift-claims/{taken}/approve", manager)
    withdrawn = send(client, "POST", f"/api/shifts/{second}/claim", mate, status=201)["claim"]["id"]
    send(client, "POST", f"/api/shift-claims/{withdrawn}/cancel", mate)
    refused = send(client, "POST", f"/api/shifts/{second}/claim", employee, status=201)["claim"]["id"]
    send(client, "POST", f"/api/shift-claims/{refused}/reject", manager, {"note": "Covered"})
    # A calendar event: changed, shared, its share changed and taken back, then deleted.
    event = send(client, "POST", "/api/events", employee, {
        "title": "Team Meeting", "start_time": "2024-03-20T10:00:00Z", "end_time": "2024-03-20T11:00:00Z"},
        status=201)["id"]
    send(client, "PUT", f"/api/events/{event}", employee, {"location": "Room 4"})
    send(client, "POST", f"/api/events/{event}/share", employee, {"user_id": mate["id"], "role": "VIEWER"})
    send(client, "POST", f"/api/events/{event}/share", employee, {"user_id": mate["id"], "role": "EDITOR"})
    send(client, "DELETE", f"/api/events/{event}/share/{mate['id']}", employee, status=204)
    send(client, "DELETE", f"/api/events/{event}", employee, status=204)
    ok(client.post("/files", files={"file": ("rota.txt", b"week 1", "text/plain")}, headers=bearer(employee["token"])), 201)
    # Calendar feed URLs: issued, rotated, revoked.
    send(client, "GET", "/api/calendar/feed-url", employee)
    send(client, "POST", "/api/calendar/feed-url/rotate", employee)
    send(client, "DELETE", "/api/calendar/feed-url", employee, status=204)
    # A webhook (inactive: nothing is sent): changed, its secret rotated, deleted.
    hook = send(client, "POST", "/api/webhooks", admin, {"url": "https://8.8.8.8/hooks", "events": ["*"],
                                                          "active": False}, status=201)["webhook"]["id"]
    send(client, "PUT", f"/api/webhooks/{hook}", admin, {"events": ["roster_created"]})
    send(client, "POST", f"/api/webhooks/{hook}/rotate-secret", admin)
    send(client, "DELETE", f"/api/webhooks/{hook}", admin, status=204)
    return {"world": world, "root": root}


def test_every_type_of_the_vocabulary_is_told_with_a_summary_and_the_projection_never_parks(
        sqlite_client: TestClient) -> None:
    told = everything_once(sqlite_client)
    root = told["root"]
    entries = send(sqlite_client, "GET", "/api/audit/events?limit=500", root)["entries"]
    story = {e["type"] for e in entries}
    # The roster story (tests/test_audit_history.py) tells the rest of a roster's types.
    rest = {"shift_changed", "shift_moved", "assignment_declined", "assignment_removed",
            "assignment_handed_over", "swap_accepted", "swap_approved", "swap_rejected", "roster_revised",
            "webhook_disabled"}  # told by tests/test_http_webhooks.py
    assert set(TYPES) - story - rest == set()
    assert all(e["summary"] and e["type"] in TYPES for e in entries)
    health = sqlite_client.get("/health").json()
    assert health["checks"]["projection:audit"] == "ok"
    summaries = {e["type"]: e["summary"] for e in entries}
    assert summaries["auto_assign_recorded"].startswith("Manager auto-assigned ")
    assert summaries["join_rejected"] == "Admin rejected the request of Refused to join Acme"
    assert summaries["invitation_used"].startswith("Invited registered with invitation #")
    assert summaries["time_off_cancelled"] == "Employee withdrew their time off from 2026-06-02 00:00 to 2026-06-03 00:00"
    assert summaries["user_deactivated"] == "Admin deactivated Temp"
    assert summaries["user_password_changed"] == "Admin changed the password of Temp"
    assert summaries["notifications_muted"] == "Employee muted notification types: roster_published"
    assert summaries["assignment_dropped"] == "Employee offered up their place on Business Hours on 2099-03-02"
    assert summaries["claim_rejected"] == "Manager rejected Employee's claim of Business Hours on 2099-03-03: Covered"
    assert summaries["claim_cancelled"] == "Mate withdrew their claim of Business Hours on 2099-03-03"
    assert summaries["calendar_event_changed"] == "Employee changed location of the event 'Team Meeting'"
    assert summaries["calendar_event_shared"] == "Employee made Mate EDITOR (was VIEWER) of the event 'Team Meeting'"
    assert summaries["calendar_event_unshared"] == "Employee took back Mate's role on the event 'Team Meeting'"
    assert summaries["calendar_event_deleted"] == "Employee deleted the event 'Team Meeting'"
    assert summaries["file_uploaded"].startswith("Employee uploaded file #1 rota.txt (6 bytes, text/plain")
    assert summaries["calendar_feed_revoked"] == "Employee's calendar feed URLs were revoked"
    assert {e["summary"] for e in entries if e["type"] == "calendar_feed_issued"} == {
        "Employee got calendar feed URLs", "Employee got new calendar feed URLs (the previous ones stopped working)"}
