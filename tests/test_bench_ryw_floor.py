"""The read-your-writes floor (bench/ryw_floor.py) waits, per command, for a separate worker
process to track that command's save, woken by the event store's own NOTIFY channel: if it
did not (a wrong channel, a position announced short of the save), its ratio to the flow save
would measure nothing. Structure only; no timing."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from bench.pg import connect
from bench.ryw_floor import TABLE, paired, ryw_floor
from bench.seed import seed
from tests.conftest import settings_for

pytestmark = pytest.mark.postgres


def test_every_command_of_the_floor_waits_until_the_worker_has_tracked_its_save(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = settings_for("postgres", tmp_path, request, projection_workers=True)
    slots = [asdict(s) for s in seed(settings, shifts=1, employees=12).slots]

    floor = ryw_floor(settings, slots, clients=1, seconds=0.5, year=2040)

    # The worker moves only when the event store's NOTIFY wakes it: with a wrong channel every
    # wait would time out, an error, and no command would count.
    assert floor.count > 0 and floor.errors == 0
    assert floor.extra["waited"] == floor.count
    assert floor.extra["behind"] == 0  # no wait answered before the announced position reached the save
    assert floor.extra["tracked"] >= floor.extra["last_saved"] > 0  # the worker's own row says so too
    with connect(settings.database_schema) as conn:  # the worker's table goes with it
        assert conn.execute("SELECT to_regclass(%s)", (TABLE,)).fetchone() == (None,)


def test_the_paired_figures_cover_both_runs_of_each_and_the_runner_floor_waits_too(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    settings = settings_for("postgres", tmp_path, request, projection_workers=True)
    slots = [asdict(s) for s in seed(settings, shifts=1, employees=12).slots]

    figures = paired(settings, slots, clients=1, seconds=0.3, year=2050, runner=True)

    assert set(figures) == {"save", "floor", "runner"}
    assert figures["save"].count > 0 and figures["save"].errors == 0 and "flow save" in figures["save"].extra["cpu_ms"]
    for floor in (figures["floor"], figures["runner"]):  # the product's runner too, on its own channel
        assert floor.count > 0 and floor.errors == 0
        assert floor.extra["waited"] == floor.count and floor.extra["behind"] == floor.extra["untracked"] == 0
        assert set(floor.extra["cpu_ms"]) == {"floor client", "floor worker"}
