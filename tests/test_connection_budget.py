"""One connection budget: every process's pools come from it, and a deployment that does not
fit in PostgreSQL's connections is refused with the arithmetic and what to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from infrastructure.budget import (
    BudgetExceeded, Capacity, Line, Plan, Pools, api_pools, check, job_pools, projection_pools, serve_plan,
)
from infrastructure.settings import Settings
from interfaces.container import build_container
from tests.conftest import settings_for


def test_serve_needs_its_api_processes_pools_and_three_connections_per_projection_worker() -> None:
    settings = Settings(postgres_pool_size=8, event_store_pool_size=5, event_store_max_overflow=5)
    plan = serve_plan(settings, api_workers=2, projections=5)
    assert api_pools(settings) == Pools(read_models=8, event_store=5, event_store_overflow=5)
    assert projection_pools().total == 3  # one read-model connection, one event-store one, its LISTEN
    assert plan.total == 2 * 18 + 5 * 3
    assert serve_plan(settings, api_workers=2, projections=0).total == 36
    assert job_pools(2).total == 4


def test_an_api_process_waiting_for_projection_workers_on_postgresql_also_holds_its_listen_connection() -> None:
    settings = Settings(database_url="postgresql://x@127.0.0.1/db", postgres_pool_size=8,
                        event_store_pool_size=5, event_store_max_overflow=5)
    assert api_pools(settings) == Pools(read_models=8, event_store=5, event_store_overflow=5, listen=1)
    assert api_pools(Settings(**{**settings.__dict__, "projection_workers": False})).listen == 0


def test_a_plan_that_fits_passes() -> None:
    check(Plan((Line("API process", 2, Pools(8, 5, 5)),)), Capacity(100, 3, 10))


def test_a_plan_that_does_not_fit_says_who_needs_how_many_what_postgresql_allows_and_what_to_change() -> None:
    settings = Settings()
    with pytest.raises(BudgetExceeded) as refused:
        check(serve_plan(settings, 2, 5), Capacity(max_connections=20, reserved=3, held_by_others=4))
    message = str(refused.value)
    assert "SchedulaX needs 51 PostgreSQL connections, but PostgreSQL has room for 13" in message
    assert "2 API processes x 18 (read models 8, event store 5 + 5 under load) = 36" in message
    assert "5 projection workers x 3 (read models 1, event store 1, LISTEN 1) = 15" in message
    assert "max_connections 20 - 3 reserved for superusers - 4 held by other clients = 13" in message
    assert "SCHEDULAX_POSTGRES_POOL_SIZE" in message and "max_connections in postgresql.conf" in message


@pytest.mark.postgres
def test_the_event_store_pool_comes_from_the_budget_whatever_the_environment_names(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # eventsourcing reads SCHEDULAX_<KEY> before <KEY>: the read models' pool size must not leak in.
    monkeypatch.setenv("SCHEDULAX_POSTGRES_POOL_SIZE", "3")
    settings = settings_for("postgres", tmp_path, request, event_store_pool_size=2, event_store_max_overflow=1)
    container = build_container(settings)
    try:
        pool = container.events.recorder.datastore.pool
        assert (pool.min_size, pool.max_size) == (2, 3)
        assert container.store._pool.max_size == settings.postgres_pool_size
    finally:
        container.close()
