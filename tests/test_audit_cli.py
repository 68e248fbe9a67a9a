"""`schedulax audit history | export`: the same entries as the API, from the command line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from application.history_views import HistoryFilter, HistoryScope
from infrastructure.settings import Settings
from interfaces import audit_cli
from interfaces.container import build_container
from interfaces.http.app import create_app
from tests.audit_story import Story, tell
from tests.conftest import settings_for
from tests.support import bearer

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Told:
    client: TestClient
    settings: Settings
    story: Story

    def api(self, path: str) -> list[dict[str, Any]]:
        answer = self.client.get(path, headers=bearer(self.story.world.acme.admin["token"]))
        assert answer.status_code == 200, answer.text
        return [json.loads(line) for line in answer.text.splitlines()]


@pytest.fixture(scope="module")
def told(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Told]:
    settings = settings_for("sqlite", tmp_path_factory.mktemp("cli"), request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            yield Told(client, settings, tell(client))
    finally:
        container.close()


def schedulax(told: Told, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCHEDULAX_DATA_DIR": str(told.settings.data_dir), "SCHEDULAX_DATABASE_URL": "",
           "SCHEDULAX_JWT_SECRET": "cli-test-secret-0123456789-0123456789"}
    return subprocess.run([sys.executable, "-m", "interfaces.cli", "audit", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_history_prints_a_rosters_story_as_a_table(told: Told) -> None:
    done = schedulax(told, "history", "--roster", str(told.story.roster_id))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    entries = told.api(f"/api/rosters/{told.story.roster_id}/history?format=ndjson")
    assert lines[0].split() == ["sequence", "occurred", "at", "type", "actor", "summary"]
    assert len(lines) == len(entries) + 1
    for line, entry in zip(lines[1:], entries):
        assert line.split()[:3] == [str(entry["sequence"]), entry["occurred_at"], entry["type"]]
        assert line.endswith(entry["summary"])


def test_history_with_json_prints_the_apis_export_and_takes_a_time_window(told: Told) -> None:
    roster = told.story.roster_id
    done = schedulax(told, "history", "--roster", str(roster), "--json")
    assert done.returncode == 0, done.stderr
    entries = [json.loads(line) for line in done.stdout.splitlines()]
    assert entries == told.api(f"/api/rosters/{roster}/history?format=ndjson")
    middle = entries[len(entries) // 2]["occurred_at"]
    since = schedulax(told, "history", "--roster", str(roster), "--json", "--since", middle)
    assert [json.loads(line) for line in since.stdout.splitlines()] == [e for e in entries if e["occurred_at"] >= middle]
    until = schedulax(told, "history", "--roster", str(roster), "--json", "--until", middle)
    assert [json.loads(line) for line in until.stdout.splitlines()] == [e for e in entries if e["occurred_at"] < middle]


def test_export_prints_an_enterprises_log_as_ndjson_with_no_progress_bar_in_a_pipe(told: Told) -> None:
    acme = told.story.world.acme
    done = schedulax(told, "export", "--enterprise", str(acme.enterprise_id))
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == told.api("/api/audit/events?format=ndjson")
    assert "export" not in done.stderr and "%" not in done.stderr


def test_a_roster_the_log_never_named_is_an_error(told: Told) -> None:
    done = schedulax(told, "history", "--roster", "999999")
    assert done.returncode == 1 and "999999" in done.stderr and done.stdout == ""
    assert schedulax(told, "history", "--roster", "1", "--since", "yesterday").returncode == 2


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_export_shows_a_progress_bar_on_a_terminal_and_only_there(told: Told) -> None:
    with audit_cli.open_history(told.settings) as history:
        scope = HistoryScope(enterprise_id=told.story.world.acme.enterprise_id)
        out, terminal, pipe = io.StringIO(), Terminal(), io.StringIO()
        assert audit_cli.export(history, scope, HistoryFilter(), out, terminal) == 0
        assert audit_cli.export(history, scope, HistoryFilter(), io.StringIO(), pipe) == 0
    count = len(out.getvalue().splitlines())
    assert "export" in terminal.getvalue() and f"{count}/{count}" in terminal.getvalue()
    assert pipe.getvalue() == ""
