"""A small HTTP driver and a seeded world of two tenants, for the HTTP tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.testing import TestClient

PASSWORD = "correct-horse-9"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json() if response.content else {}


@dataclass
class Tenant:
    enterprise_id: int
    department_id: int
    other_department_id: int
    admin: dict[str, Any] = field(default_factory=dict)
    manager: dict[str, Any] = field(default_factory=dict)
    employee: dict[str, Any] = field(default_factory=dict)
    colleague: dict[str, Any] = field(default_factory=dict)
    """An employee of the other department of the same enterprise."""


@dataclass
class World:
    client: TestClient
    root: dict[str, Any]
    acme: Tenant
    globex: Tenant

    def token(self, who: dict[str, Any]) -> dict[str, str]:
        return bearer(who["token"])


def create_user(
    client: TestClient, token: str, email: str, role: str, enterprise_id: int | None,
    department_id: int | None, full_name: str | None = None,
) -> dict[str, Any]:
    body = ok(
        client.post(
            "/api/users",
            json={
                "full_name": full_name or email.split("@")[0].title(),
                "email": email,
                "password": PASSWORD,
                "role": role,
                "enterprise_id": enterprise_id,
                "department_id": department_id,
            },
            headers=bearer(token),
        ),
        201,
    )
    login = ok(client.post("/api/auth/login", json={"email": email, "password": PASSWORD}))
    return {**body["user"], "token": login["token"]}


def seed_tenant(client: TestClient, root_token: str, name: str) -> Tenant:
    slug = name.lower()
    enterprise = ok(
        client.post("/api/enterprises", json={"name": name}, headers=bearer(root_token)), 201
    )["enterprise"]
    eid = enterprise["id"]
    dept = ok(client.post("/api/departments", json={"name": f"{name} Ops", "enterprise_id": eid},
                          headers=bearer(root_token)), 201)["department"]
    other = ok(client.post("/api/departments", json={"name": f"{name} Sales", "enterprise_id": eid},
                           headers=bearer(root_token)), 201)["department"]
    tenant = Tenant(enterprise_id=eid, department_id=dept["id"], other_department_id=other["id"])
    tenant.admin = create_user(client, root_token, f"admin@{slug}.test", "enterpriseAdmin", eid, None)
    tenant.manager = create_user(
        client, tenant.admin["token"], f"manager@{slug}.test", "manager", eid, dept["id"]
    )
    tenant.employee = create_user(
        client, tenant.admin["token"], f"employee@{slug}.test", "employee", eid, dept["id"]
    )
    tenant.colleague = create_user(
        client, tenant.admin["token"], f"colleague@{slug}.test", "employee", eid, other["id"]
    )
    return tenant


def seed_world(client: TestClient) -> World:
    root = ok(
        client.post(
            "/api/auth/create-system-admin",
            json={"full_name": "Root Admin", "email": "root@system.test", "password": PASSWORD},
        ),
        201,
    )
    token = root["token"]
    return World(
        client=client,
        root={**root["user"], "token": token},
        acme=seed_tenant(client, token, "Acme"),
        globex=seed_tenant(client, token, "Globex"),
    )


def dump_read_models(store: Any, projections: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """Every row of the projections' tables (and their tracking), in a stable order."""
    tables = {}
    with store.read() as cur:
        for table in [t for p in projections for t in p.tables()] + ["projection_tracking"]:
            cur.execute(f"SELECT * FROM {table}")
            tables[table] = sorted(cur.fetchall(), key=lambda row: repr(sorted(row.items())))
    return tables
