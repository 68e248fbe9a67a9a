"""Fixtures: the same tests run on the in-memory, SQLite and PostgreSQL stores.

Tests that need PostgreSQL or Redis skip when those are missing on a developer's
machine, and fail when CI is set: CI must run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from litestar.testing import TestClient

from infrastructure.settings import PostgresTarget, Settings
from interfaces.container import Container, build_container
from interfaces.http.app import create_app

POSTGRES_URL = os.environ.get(
    "SCHEDULAX_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _redis_url_for_this_worker(base: str) -> str:
    """Each pytest-xdist worker flushes a database of its own: gw0 the configured one, gw1 the one
    below it, and so on (the Redis server has 16), so parallel workers never flush each other's keys."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return base
    head, _, db = base.rpartition("/")
    return f"{head}/{(int(db or 0) - int(worker[2:])) % 16}"


REDIS_URL = _redis_url_for_this_worker(os.environ.get("SCHEDULAX_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
BACKENDS = ["memory", "sqlite", "postgres"]


def require(service: str, check: object) -> None:
    try:
        check()  # type: ignore[operator]
    except Exception as error:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"{service} is required in CI but unreachable: {error}")
        pytest.skip(f"{service} unreachable: {error}")


def _pg_ping() -> None:
    with psycopg.connect(PostgresTarget.parse(POSTGRES_URL).conninfo(), connect_timeout=3):
        pass


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards."""
    require("PostgreSQL", _pg_ping)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = PostgresTarget.parse(POSTGRES_URL).conninfo()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield schema
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def redis_url() -> Iterator[str]:
    def ping() -> None:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()

    require("Redis", ping)
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


def settings_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest, **overrides: object) -> Settings:
    base: dict[str, object] = dict(
        data_dir=tmp_path / "data",
        bcrypt_rounds=4,
        rate_limit_enabled=False,
        jwt_secret="test-secret-" + uuid.uuid4().hex,
        projection_workers=False,  # the API catches up itself; tests of workers opt in
    )
    if backend == "memory":
        base["database_url"] = "memory://"
    elif backend == "postgres":
        base["database_url"] = POSTGRES_URL
        base["database_schema"] = request.getfixturevalue("pg_schema")
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    return request.param


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return settings_for(backend, tmp_path, request)


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    built = build_container(settings)
    yield built
    built.close()


@pytest.fixture
def client(settings: Settings, container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(settings, container)) as test_client:
        yield test_client


@pytest.fixture
def sqlite_client(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """One fast backend, for tests of the HTTP surface rather than of storage."""
    settings = settings_for("sqlite", tmp_path, request)
    built = build_container(settings)
    with TestClient(create_app(settings, built)) as test_client:
        yield test_client
    built.close()
