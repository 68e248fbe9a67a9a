"""Realtime across processes, as production runs: projection workers and two API
processes on PostgreSQL, one Redis between them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import POSTGRES_URL
from tests.live import api_process, projection_workers, server_env
from tests.support import PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def call(base: str, method: str, path: str, token: str | None = None, **body: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.request(method, base + path, json=body or None, headers=headers, timeout=15)
    assert response.status_code in (200, 201), f"{response.status_code}: {response.text}"
    return response.json()


def person(base: str, root: str, email: str, role: str, enterprise_id: int, department_id: int) -> str:
    call(base, "POST", "/api/users", root, full_name=email.split("@")[0].title(), email=email,
         password=PASSWORD, role=role, enterprise_id=enterprise_id, department_id=department_id)
    return call(base, "POST", "/api/auth/login", email=email, password=PASSWORD)["token"]


def ws_url(base: str, token: str) -> str:
    return base.replace("http://", "ws://") + f"/api/notifications/ws?token={token}"


def test_a_roster_published_through_one_process_reaches_the_department_on_both_and_nobody_else(
    pg_schema: str, redis_url: str, tmp_path: Path,
) -> None:
    env = server_env(tmp_path, database_url=POSTGRES_URL, database_schema=pg_schema,
                     redis_url=redis_url, jwt_secret="two-processes")
    with projection_workers(env, tmp_path / "workers.log"), \
            api_process(env, tmp_path / "a.log") as a, api_process(env, tmp_path / "b.log") as b:
        root = call(b, "POST", "/api/auth/create-system-admin", full_name="Root", email="root@x.test",
                    password=PASSWORD)["token"]
        enterprise = call(b, "POST", "/api/enterprises", root, name="Acme")["enterprise"]["id"]
        ops, sales = (call(b, "POST", "/api/departments", root, name=n, enterprise_id=enterprise)
                      ["department"]["id"] for n in ("Ops", "Sales"))
        manager = person(b, root, "manager@x.test", "manager", enterprise, ops)
        on_a, on_b = (person(b, root, f"{n}@x.test", "employee", enterprise, ops) for n in ("ann", "bob"))
        outsider = person(b, root, "sam@x.test", "employee", enterprise, sales)
        assert call(a, "GET", "/health")["checks"]["realtime"] == "ok"

        with connect(ws_url(a, on_a)) as ann, connect(ws_url(b, on_b)) as bob, \
                connect(ws_url(a, outsider)) as sam:
            january = call(b, "POST", "/api/rosters", manager, name="January", department_id=ops,
                           start_date="2026-01-01", end_date="2026-01-31")["roster"]
            call(b, "PATCH", f"/api/rosters/{january['id']}/status", manager, status="published")
            for socket in (ann, bob):
                message = json.loads(socket.recv(timeout=10))
                assert message["type"] == "notification"
                assert message["data"]["data"] == {"roster_id": january["id"], "roster_name": "January"}
            # Sam's first message is Sales' own roster: January never reached him.
            weekly = call(a, "POST", "/api/rosters", root, name="Sales week", department_id=sales,
                          start_date="2026-01-01", end_date="2026-01-07")["roster"]
            call(a, "PATCH", f"/api/rosters/{weekly['id']}/status", root, status="published")
            assert json.loads(sam.recv(timeout=10))["data"]["data"]["roster_id"] == weekly["id"]
