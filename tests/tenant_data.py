"""One of every kind of resource the API can reveal, made through the API for a seeded tenant.

The schema-driven tests (test_schema_fuzz, test_tenant_matrix) need real ids of every kind
that a path can name: `populate` creates a few of each for one tenant of `seed_world` and
returns them by kind. Every name it invents carries the tenant's name, so a response that
leaks this tenant's data can be recognised by that name alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.support import Tenant, bearer, create_user, ok

KINDS = (
    "enterprise", "department", "user", "roster", "shift", "assignment", "swap", "time_off",
    "availability", "template", "notification", "invitation", "claim", "calendar_event", "file", "calendar_feed",
    "webhook", "webhook_delivery",
)
# Parameter and property names that say which kind of resource their id names.
NAME_KINDS = {
    "enterprise_id": "enterprise", "department_id": "department", "user_id": "user",
    "employee_id": "user", "target_employee_id": "user", "manager_id": "user",
    "roster_id": "roster", "shift_id": "shift", "target_shift_id": "shift",
    "assignment_id": "assignment", "swap_id": "swap", "time_off_id": "time_off",
    "template_id": "template", "shift_template_id": "template", "notification_id": "notification",
    "invitation_id": "invitation", "actor_id": "user", "claim_id": "claim", "event_id": "calendar_event",
    "file_id": "file",
    "secret": "calendar_feed",
    "webhook_id": "webhook", "delivery_id": "webhook_delivery",
}
# A path segment and the kind of the id that follows it, for generic names (`{id}`, `{entry_id}`).
SEGMENT_KINDS = {
    "enterprises": "enterprise", "departments": "department", "users": "user", "rosters": "roster",
    "shifts": "shift", "assignments": "assignment", "swap-requests": "swap", "time-off": "time_off",
    "availability": "availability", "shift-templates": "template", "notifications": "notification",
    "shift-claims": "claim", "events": "calendar_event",
    "shift-claims": "claim", "files": "file",
}


class UnknownIdKind(LookupError):
    """An id whose kind of resource this table does not know: a new endpoint to map here."""


def kind_of(name: str, path: str = "") -> str:
    """The kind of resource the id parameter or property `name` (of `path`) names."""
    if name in NAME_KINDS:
        return NAME_KINDS[name]
    segments = path.split("/")
    placeholder = "{" + name + "}"
    if placeholder in segments:
        before = segments[segments.index(placeholder) - 1]
        if before in SEGMENT_KINDS:
            return SEGMENT_KINDS[before]
    raise UnknownIdKind(f"{name!r} of {path or 'a request body'}: add its kind to tests/tenant_data.py")


def is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


@dataclass
class TenantData:
    """The ids of one tenant's resources by kind, and the people who own them."""

    tenant: Tenant
    mate: dict[str, Any]
    """A second employee of the tenant's first department (the target of a swap request)."""
    ids: dict[str, list[Any]] = field(default_factory=dict)

    def first(self, kind: str) -> int:
        return self.ids[kind][0]


def _post(client: Any, path: str, who: dict[str, Any], body: dict[str, Any], status: int = 201) -> Any:
    return ok(client.post(path, json=body, headers=bearer(who["token"])), status)


def populate(client: Any, tenant: Tenant, name: str) -> TenantData:
    """Rosters (a draft and a published one), shifts, an assignment, a swap request, a claim, a
    template, time off, availability, calendar events (one shared) and notifications of `tenant`. The published week lies in
    January 2099, so that its places may still be claimed; the rest in early 2026."""
    slug = name.lower()
    admin, manager, employee = tenant.admin, tenant.manager, tenant.employee
    dept = tenant.department_id
    # Names that carry the tenant's name, so that a leak of any of them is recognisable.
    for role, person in (("Admin", admin), ("Manager", manager), ("Employee", employee),
                         ("Colleague", tenant.colleague)):
        person["full_name"] = f"{name} {role}"
        ok(client.put(f"/api/users/{person['id']}", json={"full_name": person["full_name"]},
                      headers=bearer(admin["token"])))
    # The manager is the department's manager, so swap requests and declines reach them.
    ok(client.put(f"/api/departments/{dept}", json={"manager_id": manager["id"]}, headers=bearer(admin["token"])))
    mate = create_user(client, admin["token"], f"mate@{slug}.test", "employee", tenant.enterprise_id, dept,
                       full_name=f"{name} Mate")
    published = _post(client, "/api/rosters", manager, {
        "name": f"{name} Published Week", "department_id": dept, "start_date": "2099-01-05",
        "end_date": "2099-01-11", "description": f"{name} rota", "auto_generate_shifts": True,
        "shift_template": "business_hours", "settings": {"allow_shift_claims": True}})["roster"]
    shifts = [s["id"] for s in published["shifts"]]
    assignment = _post(client, f"/api/shifts/{shifts[0]}/assignments", manager,
                       {"employee_id": employee["id"]})["assignment"]
    _post(client, f"/api/shifts/{shifts[1]}/assignments", manager, {"employee_id": mate["id"]})
    ok(client.patch(f"/api/rosters/{published['id']}/status", json={"status": "published"},
                    headers=bearer(manager["token"])))
    claim = _post(client, f"/api/shifts/{shifts[2]}/claim", mate, {"note": f"{name} pick-up"})["claim"]
    draft = _post(client, "/api/rosters", manager, {
        "name": f"{name} Draft Week", "department_id": dept, "start_date": "2026-01-19",
        "end_date": "2026-01-25"})["roster"]
    draft_shift = _post(client, "/api/shifts", manager, {
        "roster_id": draft["id"], "date": "2026-01-20", "start_time": "22:00", "end_time": "06:00",
        "title": f"{name} Night", "location": f"{name} Depot"})["shift"]
    swap = _post(client, "/api/employee/swap-requests", employee, {
        "shift_id": shifts[0], "target_employee_id": mate["id"], "reason": f"{name} errand"})["swap_request"]
    template = _post(client, "/api/shift-templates", manager, {
        "department_id": dept, "name": f"{name} Early Template",
        "shifts": [{"title": f"{name} Early", "start_time": "07:00", "end_time": "15:00"}]})["template"]
    time_off = _post(client, "/api/employee/time-off", employee, {
        "start_date": "2026-02-02", "end_date": "2026-02-03", "reason": f"{name} holiday"})["entry"]
    availability = _post(client, "/api/employee/availability", employee, {
        "start_date": "2026-02-09", "reason": f"{name} course"})["entry"]
    invitation = _post(client, f"/api/enterprises/{tenant.enterprise_id}/invitations", admin, {
        "role": "employee", "department_id": dept})["invitation"]
    # Calendar events: the employee's own, one shared with the mate (who is told of it).
    events = [_post(client, "/api/events", employee, {
        "title": f"{name} {what}", "description": f"{name} calendar", "start_time": start,
        "end_time": end, "location": f"{name} Room"})["id"]
        for what, start, end in (("Meeting", "2026-02-10T09:00:00Z", "2026-02-10T10:00:00Z"),
                                 ("Review", "2026-02-11T09:00:00Z", "2026-02-11T10:30:00Z"))]
    ok(client.post(f"/api/events/{events[1]}/share", json={"user_id": mate["id"], "role": "EDITOR"},
                   headers=bearer(employee["token"])))
    # The employee's secret feed URL (a capability: the tenant matrix leaves it out, see there).
    feed = ok(client.get("/api/calendar/feed-url", headers=bearer(employee["token"])))
    secret = feed["events_url"].split("/api/calendar/feeds/")[1].split("/")[0]
    notifications = [
        n["id"]
        for who in (employee, manager)
        for n in ok(client.get("/api/notifications", headers=bearer(who["token"])))["notifications"][:2]
    ]
    assert notifications, "publishing and assigning should have told someone"
    uploaded = ok(client.post("/files", files={"file": (f"{name} rota.txt", f"{name} rota".encode(), "text/plain")},
                          headers=bearer(employee["token"])), 201)
    # A webhook left inactive (its ping fails at once, without reaching the network).
    webhook = _post(client, "/api/webhooks", admin, {"url": f"https://8.8.8.8/{name.lower()}", "events": ["*"],
                                                      "description": f"{name} payroll", "active": False})["webhook"]
    ping = ok(client.post(f"/api/webhooks/{webhook['id']}/ping", headers=bearer(admin["token"])), 202)["delivery"]
    people = [admin, manager, employee, tenant.colleague, mate]
    return TenantData(tenant=tenant, mate=mate, ids={
        "enterprise": [tenant.enterprise_id],
        "department": [dept, tenant.other_department_id],
        "user": [p["id"] for p in people],
        "roster": [published["id"], draft["id"]],
        "shift": [shifts[0], draft_shift["id"]],
        "assignment": [assignment["id"]],
        "swap": [swap["id"]],
        "time_off": [time_off["id"]],
        "availability": [availability["id"]],
        "template": [template["id"]],
        "notification": notifications,
        "invitation": [invitation["id"]],
        "claim": [claim["id"]],
        "calendar_event": events,
        "file": [int(uploaded["id"])],
        "calendar_feed": [secret],
        "webhook": [webhook["id"]],
        "webhook_delivery": [ping["id"]],
    })
