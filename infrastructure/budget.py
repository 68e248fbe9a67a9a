"""One PostgreSQL connection budget for every process of a deployment.

Each kind of process (API, projection worker, job worker) takes its pool sizes from here,
and a command that starts processes (`serve`, `projections run`, `worker`) first checks
that they fit in what the server allows: `max_connections`, less the slots reserved for
superusers, less what other clients hold now. Every pool opens connections eagerly, so a
deployment that does not fit fails at once, with a message that says which processes
want how many and which setting to change, instead of workers crash-looping on
"too many clients" while the API looks healthy.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from infrastructure.settings import PostgresTarget, Settings


@dataclass(frozen=True)
class Pools:
    """The most connections one process may hold."""

    read_models: int
    event_store: int
    """Opened at start (eventsourcing's POSTGRES_POOL_SIZE)."""
    event_store_overflow: int = 0
    """Opened under load on top (POSTGRES_MAX_OVERFLOW)."""
    listen: int = 0
    """A projection worker's LISTEN connection, or an API process's (it hears the workers' positions)."""

    @property
    def total(self) -> int:
        return self.read_models + self.event_store + self.event_store_overflow + self.listen

    def describe(self) -> str:
        parts = [f"read models {self.read_models}", f"event store {self.event_store}"
                 + (f" + {self.event_store_overflow} under load" if self.event_store_overflow else "")]
        if self.listen:
            parts.append(f"LISTEN {self.listen}")
        return ", ".join(parts)


def api_pools(settings: Settings) -> Pools:
    listens = settings.uses_projection_workers and settings.backend == "postgres"
    return Pools(settings.postgres_pool_size, settings.event_store_pool_size, settings.event_store_max_overflow,
                 listen=1 if listens else 0)


def projection_pools() -> Pools:
    """A projection worker applies one batch at a time: one connection of each kind, and its LISTEN."""
    return Pools(read_models=1, event_store=1, listen=1)


def job_pools(threads: int) -> Pools:
    """A job worker runs `threads` jobs at a time, each a command: one connection of each kind."""
    return Pools(read_models=threads, event_store=threads)


@dataclass(frozen=True)
class Line:
    who: str
    processes: int
    pools: Pools

    @property
    def total(self) -> int:
        return self.processes * self.pools.total


@dataclass(frozen=True)
class Plan:
    """The processes a command is about to start."""

    lines: tuple[Line, ...]

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)


def serve_plan(settings: Settings, api_workers: int, projections: int) -> Plan:
    lines = [Line("API process", api_workers, api_pools(settings))]
    if projections:
        lines.append(Line("projection worker", projections, projection_pools()))
    return Plan(tuple(lines))


@dataclass(frozen=True)
class Capacity:
    """What the server allows, seen by one connection."""

    max_connections: int
    reserved: int
    """superuser_reserved_connections (and reserved_connections from PostgreSQL 16)."""
    held_by_others: int

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved - self.held_by_others


CAPACITY_SQL = (
    "SELECT current_setting('max_connections')::int,"
    " current_setting('superuser_reserved_connections')::int"
    " + coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int,"
    " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') - 1"
)


class BudgetExceeded(Exception):
    """The processes would not fit in PostgreSQL's connections; the message says what to change."""


def capacity(target: PostgresTarget) -> Capacity:
    try:
        with psycopg.connect(target.conninfo(), autocommit=True) as conn:
            row = conn.execute(CAPACITY_SQL).fetchone()
    except psycopg.OperationalError as error:
        if "too many clients" in str(error) or "connection slots are reserved" in str(error):
            raise BudgetExceeded(
                f"PostgreSQL at {target.host}:{target.port} has no connection left for SchedulaX"
                f" ({str(error).strip()}).\n{ADVICE}") from error
        raise
    assert row is not None
    return Capacity(int(row[0]), int(row[1]), int(row[2]))


ADVICE = ("Lower SCHEDULAX_POSTGRES_POOL_SIZE, SCHEDULAX_EVENT_STORE_POOL_SIZE or"
          " SCHEDULAX_EVENT_STORE_MAX_OVERFLOW, start fewer API workers (--workers), stop other"
          " clients, or raise max_connections in postgresql.conf (PostgreSQL needs a restart for it).")


def check(plan: Plan, room: Capacity) -> None:
    """Raise BudgetExceeded with the whole arithmetic when `plan` does not fit in `room`."""
    if plan.total <= room.available:
        return
    lines = [f"  {line.processes} {_plural(line.who, line.processes)} x {line.pools.total}"
             f" ({line.pools.describe()}) = {line.total}" for line in plan.lines]
    raise BudgetExceeded(
        f"SchedulaX needs {plan.total} PostgreSQL connections, but PostgreSQL has room for {room.available}:\n"
        + "\n".join(lines)
        + f"\n  PostgreSQL: max_connections {room.max_connections} - {room.reserved} reserved for superusers"
          f" - {room.held_by_others} held by other clients = {room.available}\n"
        + ADVICE
    )


def _plural(noun: str, count: int) -> str:
    if count == 1:
        return noun
    return noun + ("es" if noun.endswith("s") else "s")


def check_room(settings: Settings, plan: Plan) -> None:
    """Check `plan` against the configured PostgreSQL server (nothing to do on the embedded default)."""
    if settings.backend != "postgres":
        return
    check(plan, capacity(PostgresTarget.parse(settings.database_url)))
