"""The hot reads send the fewest statements: the caller's row, then one statement for the read
(issue 22). A read that grows a statement shows here before it shows in a benchmark."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from infrastructure import readstore
from infrastructure.settings import Settings
from interfaces.container import build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import bearer, ok, seed_world

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return settings_for("postgres", tmp_path, request)


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    sent: list[str] = []
    execute = readstore._PgCursor.execute

    def counted(self: Any, sql: str, params: Any = ()) -> Any:
        sent.append(sql)
        return execute(self, sql, params)

    monkeypatch.setattr(readstore._PgCursor, "execute", counted)
    yield sent


def test_each_hot_read_is_the_callers_row_and_one_statement_on_one_connection(
    settings: Settings, statements: list[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    container = build_container(settings)
    checkouts: list[int] = []
    pool = container.store._pool  # type: ignore[union-attr]
    getconn = pool.getconn

    def counted(*args: Any, **kwargs: Any) -> Any:
        checkouts.append(1)
        return getconn(*args, **kwargs)

    monkeypatch.setattr(pool, "getconn", counted)
    try:
        with TestClient(create_app(settings, container)) as client:
            acme = seed_world(client).acme
            manager, employee = bearer(acme.manager["token"]), bearer(acme.employee["token"])
            roster = ok(client.post("/api/rosters", json={
                "name": "January", "department_id": acme.department_id, "start_date": "2026-01-05",
                "end_date": "2026-01-11"}, headers=manager), 201)["roster"]
            shift = ok(client.post("/api/shifts", json={
                "roster_id": roster["id"], "date": "2026-01-05", "start_time": "08:00", "end_time": "16:00",
                "title": "Early", "required_staff": 1}, headers=manager), 201)["shift"]
            ok(client.post(f"/api/shifts/{shift['id']}/assignments", json={"employee_id": acme.employee["id"]},
                           headers=manager), 201)
            for path, who in ((f"/api/shifts/roster/{roster['id']}", manager), ("/api/employee/my-schedule", employee),
                              ("/api/rosters?page=1&limit=10", manager),
                              ("/api/notifications?page=1&limit=20", employee)):
                statements.clear()
                checkouts.clear()
                ok(client.get(path, headers=who))
                assert len(statements) == 2, (path, statements)
                assert len(checkouts) == 1, (path, "connections taken from the read pool", len(checkouts))
    finally:
        container.close()
