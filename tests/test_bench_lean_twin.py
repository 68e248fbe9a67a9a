"""The suite's lean read twin (bench/lean_twin.py) does the product's work: for the same
caller on the same read models it answers what the product answers, so that a read's ratio
to its twin compares like with like."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from infrastructure.settings import Settings
from interfaces.container import build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import bearer, ok, seed_world

pytestmark = pytest.mark.postgres

READS = ("/api/employee/my-schedule", "/api/shifts/roster/{roster}", "/api/rosters?page=1&limit=10",
         "/api/notifications?page=1&limit=20")


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return settings_for("postgres", tmp_path, request)


def test_the_lean_twin_answers_each_read_as_the_product_does(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as product:
            world = seed_world(product)
            acme = world.acme
            manager, employee = bearer(acme.manager["token"]), bearer(acme.employee["token"])
            roster = ok(product.post("/api/rosters", json={
                "name": "January", "department_id": acme.department_id, "start_date": "2026-01-05",
                "end_date": "2026-01-11"}, headers=manager), 201)["roster"]
            for n, staff in ((5, 2), (6, 1), (7, 1)):
                shift = ok(product.post("/api/shifts", json={
                    "roster_id": roster["id"], "date": f"2026-01-{n:02d}", "start_time": "08:00",
                    "end_time": "16:00", "title": "Early", "required_staff": staff}, headers=manager), 201)["shift"]
                if n != 7:
                    ok(product.post(f"/api/shifts/{shift['id']}/assignments",
                                    json={"employee_id": acme.employee["id"]}, headers=manager), 201)
            ok(product.patch(f"/api/rosters/{roster['id']}/status", json={"status": "published"}, headers=manager))
            answers = {(path, who): product.get(path.format(roster=roster["id"]), headers=headers).json()
                       for path in READS for who, headers in (("manager", manager), ("employee", employee))}
        for key, value in {"DATABASE_URL": settings.database_url, "DATABASE_SCHEMA": settings.database_schema,
                           "JWT_SECRET": settings.jwt_secret, "DATA_DIR": str(settings.data_dir)}.items():
            monkeypatch.setenv(f"SCHEDULAX_{key}", value)
        from bench.lean_twin import app

        with TestClient(app()) as twin:
            for (path, who), expected in answers.items():
                headers = manager if who == "manager" else employee
                assert twin.get(path.format(roster=roster["id"]), headers=headers).json() == expected, (path, who)
            assert twin.get(f"/api/shifts/roster/{roster['id']}", headers=bearer(acme.colleague["token"])).status_code == 404
    finally:
        container.close()
