"""`schedulax projections rebuild` on several cores: one process per group of projections.

Projections are independent of one another (each reads only its own tables), so groups of
them can be staged side by side, each group decoding the log once for its members, and
each swapped in on its own. The slowest group sets the time; groups are balanced by the
projections' `rebuild_cost`.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
from collections.abc import Callable, Sequence
from typing import Any

from infrastructure.settings import Settings
from interfaces.workers import open_runner
from projections.base import Projection


def balanced_groups(projections: Sequence[Projection], jobs: int) -> list[list[str]]:
    """Costliest first, each onto the group with the least cost so far; no empty group."""
    groups: list[tuple[int, list[str]]] = [(0, []) for _ in range(max(1, min(jobs, len(projections))))]
    for projection in sorted(projections, key=lambda p: (-p.rebuild_cost, p.name)):
        index = min(range(len(groups)), key=lambda i: (groups[i][0], i))
        cost, names = groups[index]
        groups[index] = (cost + projection.rebuild_cost, [*names, projection.name])
    return [names for _, names in groups]


def rebuild_groups(settings: Settings, groups: list[list[str]], progress: Callable[[int], None]) -> None:
    """Rebuild each group in a process of its own; `progress` gets the slowest group's position.

    Raises once all have ended if any failed; the groups that succeeded stay swapped in.
    """
    context = multiprocessing.get_context("spawn")  # no inherited connections or threads
    reports: Any = context.Queue()
    children = [context.Process(target=_rebuild_group, args=(settings, group, index, reports),
                                name=f"rebuild-{','.join(group)}")
                for index, group in enumerate(groups)]
    for child in children:
        child.start()
    positions = dict.fromkeys(range(len(groups)), 0)
    try:
        while any(child.is_alive() for child in children):
            try:
                index, position = reports.get(timeout=0.2)
            except queue.Empty:
                continue
            positions[index] = position
            progress(min(positions.values()))
    finally:
        for child in children:
            child.join()
    failed = [f"{','.join(g)} (exit code {c.exitcode})" for g, c in zip(groups, children) if c.exitcode != 0]
    if failed:
        raise RuntimeError("rebuild failed for " + "; ".join(failed))


def _rebuild_group(settings: Settings, names: list[str], index: int, reports: Any) -> None:
    logging.basicConfig(level=logging.WARNING, format=f"%(asctime)s rebuild[{','.join(names)}] %(message)s")
    events, store, runner = open_runner(settings, names)
    try:
        runner.setup()
        runner.rebuild(names, lambda position, _: reports.put((index, position)))
    finally:
        store.close()  # type: ignore[attr-defined]
        events.close()
