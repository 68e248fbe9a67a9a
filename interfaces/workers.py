"""Projection worker processes: `schedulax projections run`.

By default two processes (`SCHEDULAX_PROJECTION_GROUPS=by-wait`): one for the projections
commands wait for, one for the others (analytics, audit, the hash chain), so the slow ones never
hold up a command's answer. A group reads the log once per batch and applies it to all of its
projections in one transaction: far less CPU per event than a process per projection, each
waking for every commit (`each`, still available). A failing projection parks alone (the runner
isolates it); a slow one delays its group. Each process applies the event log from its tracked
position, then sleeps until the event store's NOTIFY (PostgreSQL) or a poll interval wakes it.
Errors and lost connections restart it from its tracked position with backoff; SIGTERM ends it
between batches. A supervisor process starts one child per group and restarts any that dies; a
child ends when its supervisor does (`infrastructure.lifeline`), so none is orphaned.
A worker runs no DDL when it starts (`schedulax migrate` did), and its LISTEN connection
holds the advisory lock that tells /health it is alive (`infrastructure.liveness`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess

import psycopg
from eventsourcing import persistence

from application.events import SchedulaX
from infrastructure.budget import projection_pools
from infrastructure.lifeline import die_with_parent
from infrastructure.settings import PostgresTarget, Settings
from infrastructure.wakeup import ListenWakeup, PollWakeup, Wakeup
from infrastructure.pubsub import RedisBus
from interfaces.container import (
    all_projections, open_event_store, projection_runner, read_store, waited_projections,
)
from interfaces.migrate import ensure_migrated
from projections.runner import CatchUpRunner

log = logging.getLogger("schedulax.projections")

CONNECTION_ERRORS = (psycopg.OperationalError, persistence.OperationalError, persistence.InterfaceError)

IDLE_WAKE_SECONDS = 1.0
"""Longest sleep without a NOTIFY: a safety net for a notification lost with a connection."""


class Backoff:
    def __init__(self, first: float = 0.5, longest: float = 30.0) -> None:
        self._first, self._longest, self._next = first, longest, first

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self._longest)
        return delay

    def reset(self) -> None:
        self._next = self._first


def projection_names() -> list[str]:
    return [p.name for p in all_projections()]


def chosen(names: Sequence[str] | None) -> list[str]:
    known = projection_names()
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise SystemExit(f"unknown projection {unknown[0]!r}; known: {', '.join(known)}")
    return list(names) if names else known


def groups_of(names: Sequence[str], spec: str) -> list[tuple[str, ...]]:
    """The worker processes for `names` under SCHEDULAX_PROJECTION_GROUPS `spec` (see Settings):
    each group (those of its projections that are among `names`), then every other one alone."""
    if spec == "each":
        return [(n,) for n in names]
    if spec == "by-wait":
        waited = set(waited_projections())
        groups = [tuple(n for n in names if n in waited), tuple(n for n in names if n not in waited)]
        return [g for g in groups if g]
    known = set(projection_names())
    listed = [tuple(n.strip() for n in group.split(",") if n.strip()) for group in spec.split(";")]
    for group in listed:
        unknown = sorted(set(group) - known)
        if unknown:
            raise SystemExit(f"unknown projection {unknown[0]!r} in SCHEDULAX_PROJECTION_GROUPS")
    placed: set[str] = set()
    out = []
    for group in listed:
        members = tuple(n for n in names if n in group and n not in placed)
        if members:
            out.append(members)
            placed.update(members)
    return out + [(n,) for n in names if n not in placed]


def worker_processes(settings: Settings) -> int:
    """How many processes `schedulax projections run` starts (for the connection budget)."""
    return len(groups_of(projection_names(), settings.projection_groups))


def open_runner(settings: Settings, names: Sequence[str]) -> tuple[SchedulaX, object, CatchUpRunner]:
    """The stores and a runner of the named projections, with a worker's pools, on a migrated schema."""
    pools = projection_pools()
    store = read_store(settings, pools)
    try:
        ensure_migrated(settings, store)  # one SELECT; DDL only on a schema behind this code
        events = open_event_store(settings, pools)
    except BaseException:
        store.close()
        raise
    projections = [p for p in all_projections() if p.name in names]
    # Workers are other processes than the API's gateways: only Redis reaches those.
    bus = RedisBus(settings.redis_url, settings.realtime_channel) if settings.redis_url else None
    return events, store, projection_runner(settings, events, store, projections, bus)


def wakeup_for(settings: Settings, events: SchedulaX, stop: threading.Event, names: Sequence[str]) -> Wakeup:
    if settings.backend == "postgres":
        # Its connection also holds the lock that tells /health this worker is alive.
        return ListenWakeup(PostgresTarget.parse(settings.database_url), events.recorder.channel_name,
                            settings.database_schema, names)
    return PollWakeup(stop)


def work(settings: Settings, names: Sequence[str], stop: threading.Event) -> None:
    """Keep the named projections caught up until `stop` is set."""
    # Short: a worker that lost PostgreSQL must be back within a second or two of its return.
    backoff = Backoff(0.25, 2.0)
    while not stop.is_set():
        events = store = wakeup = None
        try:
            events, store, runner = open_runner(settings, names)
            wakeup = wakeup_for(settings, events, stop, names)
            reset = runner.changed_versions()  # no DDL at start: `migrate` made the tables
            if reset:
                log.warning("projection version changed, rebuilding from the first event: %s", reset)
                runner.rebuild(reset)  # staged: far faster than catching up in place
            runner.retry()  # a projection parked by an earlier run tries its event again (no DDL)
            while not stop.is_set():
                applied = runner.catch_up(stop=stop.is_set)
                if applied:
                    log.debug("%s applied %d events", ",".join(names), applied)
                backoff.reset()
                wakeup.wait(IDLE_WAKE_SECONDS)
        except CONNECTION_ERRORS as error:  # PostgreSQL away: one line, not a traceback each time
            delay = backoff.next()
            log.warning("projection worker %s failed; restarting in %.1f s (database unavailable: %s)",
                        ",".join(names), delay, _first_line(error))
            stop.wait(delay)
        except Exception:  # noqa: BLE001 - a worker outlives a lost connection or a bad deploy
            delay = backoff.next()
            log.exception("projection worker %s failed; restarting in %.1f s", ",".join(names), delay)
            stop.wait(delay)
        finally:
            for resource in (wakeup, store, events):
                try:
                    if resource is not None:
                        resource.close()  # type: ignore[attr-defined]
                except Exception:  # noqa: BLE001
                    log.debug("closing after failure", exc_info=True)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _child(settings: Settings, names: tuple[str, ...], supervisor: int) -> None:
    label = ",".join(names)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s projection[{label}] %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    die_with_parent(supervisor)  # no orphan keeps its connections once the supervisor is gone
    work(settings, list(names), stop)


def supervise(settings: Settings, names: Sequence[str], stop: threading.Event) -> None:
    """One child process per group of projections (`groups_of`); a child that dies is started
    again, with backoff."""
    context = multiprocessing.get_context("spawn")
    groups = {",".join(group): group for group in groups_of(names, settings.projection_groups)}
    children: dict[str, BaseProcess] = {}
    backoffs = {name: Backoff(1.0, 30.0) for name in groups}
    not_before = {name: 0.0 for name in groups}
    started_at: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        for name in groups:
            child = children.get(name)
            if child is not None and child.is_alive():
                if now - started_at[name] > 60:
                    backoffs[name].reset()
                continue
            if child is not None:
                delay = backoffs[name].next()
                log.warning("projection %s exited with %s; restarting in %.0f s", name, child.exitcode, delay)
                not_before[name] = now + delay
                children.pop(name)
                continue
            if now >= not_before[name]:
                process = context.Process(target=_child, args=(settings, groups[name], os.getpid()),
                                          name=f"projection-{name}")
                process.start()
                children[name], started_at[name] = process, now
                for member in groups[name]:
                    log.info("projection %s started as pid %s", member, process.pid)
        stop.wait(0.2)
    for child in children.values():
        child.terminate()  # SIGTERM: each finishes or abandons its batch, then exits
    for child in children.values():
        child.join(timeout=15)
        if child.is_alive():
            child.kill()
