"""`schedulax migrate` runs the DDL once; processes starting on a migrated schema run none."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infrastructure.settings import PostgresTarget, Settings
from interfaces import migrate
from interfaces.container import build_container, read_store
from tests.conftest import POSTGRES_URL, settings_for

pytestmark = pytest.mark.postgres


def fresh(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    return settings_for("postgres", tmp_path, request)


def sql(schema: str, statement: str) -> Any:
    with psycopg.connect(PostgresTarget.parse(POSTGRES_URL).conninfo(), autocommit=True,
                         options=f"-c search_path={schema}") as conn:
        cur = conn.execute(statement)
        return cur.fetchall() if cur.description else []


def test_migrate_creates_everything_once_and_records_its_fingerprint(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = fresh(tmp_path, request)
    assert migrate.migrate(settings) is True
    assert migrate.migrate(settings) is False  # the second is a no-op
    assert sql(settings.database_schema, "SELECT fingerprint FROM schedulax_schema") == [(migrate.fingerprint(),)]
    tables = {r[0] for r in sql(settings.database_schema, "SELECT tablename FROM pg_tables"
                                f" WHERE schemaname = '{settings.database_schema}'")}
    assert {"schedulax_events", "projection_tracking", "rm_users", "an_shifts", "schedulax_schema"} <= tables
    assert migrate.migrate(settings, force=True) is True


def test_processes_migrating_together_run_the_ddl_once(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = fresh(tmp_path, request)
    together = threading.Barrier(4)
    results: list[bool | str] = []

    def start() -> None:
        together.wait()
        try:
            results.append(migrate.migrate(settings))
        except Exception as error:  # noqa: BLE001
            results.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results, key=str) == [False, False, False, True]


def test_a_container_on_a_fresh_schema_migrates_it_and_one_on_a_migrated_schema_only_reads(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = fresh(tmp_path, request)
    build_container(settings).close()  # tests build containers on fresh schemas: they migrate
    store = read_store(settings)
    try:
        assert migrate.recorded(store) == migrate.fingerprint()  # type: ignore[arg-type]
    finally:
        store.close()

    def no_ddl(*_: Any, **__: Any) -> bool:
        raise AssertionError("a process on a migrated schema ran the migration")

    monkeypatch.setattr(migrate, "migrate", no_ddl)
    build_container(settings).close()
    build_container(settings.__class__(**{**settings.__dict__, "projection_workers": True})).close()


def test_a_schema_whose_read_models_were_dropped_reads_as_not_migrated(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = fresh(tmp_path, request)
    migrate.migrate(settings)
    sql(settings.database_schema, "DROP TABLE projection_tracking")
    store = read_store(settings)
    try:
        assert migrate.recorded(store) is None  # type: ignore[arg-type]
        assert migrate.ensure_migrated(settings, store) is True
        assert migrate.ensure_migrated(settings, store) is False
    finally:
        store.close()
