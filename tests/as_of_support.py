"""Driving a roster's history over HTTP and reading it back as of each step, for the as-of tests."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from litestar.testing import TestClient

from tests.support import Tenant, bearer, create_user, ok


def instant() -> str:
    """Now, as an as-of instant: after every event recorded so far, and at least a millisecond
    before any recorded next (event times count to the millisecond)."""
    at = datetime.now(timezone.utc)
    time.sleep(0.002)
    return at.isoformat()


@dataclass(frozen=True)
class Seen:
    """One GET as it answered: status, ETag and the body's exact bytes."""

    status: int
    etag: str | None
    body: bytes

    @classmethod
    def of(cls, response: Any) -> Seen:
        return cls(response.status_code, response.headers.get("etag"), response.content)


@dataclass
class Team:
    """A department's planner, admin and employees, and the tokens to act as them."""

    client: TestClient
    tenant: Tenant
    employees: list[dict[str, Any]] = field(default_factory=list)

    @property
    def manager(self) -> dict[str, str]:
        return bearer(self.tenant.manager["token"])

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.tenant.admin["token"])

    def reads(self, roster_id: int, who: dict[str, str], as_of: str | None = None) -> tuple[Seen, Seen]:
        """The roster detail and its shifts, as `who` reads them (now, or as of an instant)."""
        params = {"as_of": as_of} if as_of else {}
        return (Seen.of(self.client.get(f"/api/rosters/{roster_id}", headers=who, params=params)),
                Seen.of(self.client.get(f"/api/shifts/roster/{roster_id}", headers=who, params=params)))

    def roster(self, name: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
        body = {"name": name, "department_id": self.tenant.department_id, "start_date": start, "end_date": end,
                **extra}
        return ok(self.client.post("/api/rosters", json=body, headers=self.manager), 201)["roster"]  # type: ignore[no-any-return]

    def detail(self, roster_id: int) -> dict[str, Any]:
        return ok(self.client.get(f"/api/rosters/{roster_id}", headers=self.manager))["roster"]  # type: ignore[no-any-return]

    def assign(self, shift_id: int, employee_id: int) -> Any:
        return self.client.post(f"/api/shifts/{shift_id}/assignments", json={"employee_id": employee_id},
                                headers=self.manager)

    def answer(self, assignment_id: int, status: str) -> Any:
        return self.client.patch(f"/api/employee/assignments/{assignment_id}/status", json={"status": status},
                                 headers=self.manager)

    def set_status(self, roster_id: int, status: str) -> Any:
        return self.client.patch(f"/api/rosters/{roster_id}/status", json={"status": status}, headers=self.manager)

    def rename(self, user_id: int, full_name: str) -> Any:
        return self.client.put(f"/api/users/{user_id}", json={"full_name": full_name}, headers=self.admin)

    def swap(self, assignment: dict[str, Any], target: dict[str, Any]) -> list[Any]:
        """The assignment's holder offers it to `target`, who accepts; the manager approves."""
        holder = next((e for e in self.employees if e["id"] == assignment["employee_id"]), None)
        if holder is None:
            return []
        proposed = self.client.post("/api/employee/swap-requests", headers=bearer(holder["token"]),
                                    json={"shift_id": assignment["shift_id"], "target_employee_id": target["id"]})
        if proposed.status_code != 201:
            return [proposed]
        swap_id = proposed.json()["swap_request"]["id"]
        accepted = self.client.patch(f"/api/employee/swap-requests/{swap_id}/respond", json={"action": "accept"},
                                     headers=bearer(target["token"]))
        approved = self.client.patch(f"/api/employee/swap-requests/{swap_id}/manager-action",
                                     json={"action": "approve"}, headers=self.manager)
        return [proposed, accepted, approved]


def team_of(client: TestClient, tenant: Tenant, size: int = 3) -> Team:
    """The tenant's department with `size` employees (its own employee and new ones)."""
    slug = tenant.admin["email"].split("@")[1].split(".")[0]
    employees = [tenant.employee] + [
        create_user(client, tenant.admin["token"], f"staff{i}@{slug}.test", "employee", tenant.enterprise_id,
                    tenant.department_id, full_name=f"Staff {i}")
        for i in range(1, size)
    ]
    return Team(client, tenant, employees)
