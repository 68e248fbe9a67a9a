"""Calendar events: the service's commands and listing beside baselines doing the same work.

    python -m bench.calendar_commands [--backend sqlite|postgres] [--samples 200] [--runs 5]

In one process, on a fresh store (SQLite files in a temporary folder, or a new PostgreSQL
schema dropped afterwards), with the projections caught up in-process after every command
(the embedded default's read-your-writes):

- create: `CalendarService.create` (id from the sequence, the aggregate's rules, one save, the
  wait for the read models) beside the bare `Application.save()` of the same new aggregate;
- batch of 100: `CalendarService.create_many` beside one bare save of the same 100 aggregates;
- list: `CalendarService.list_events` (a window, 20 of the caller's 200 events) beside its lean
  twin, the same two statements on the same tables without DTOs.

Each figure is the median over `--runs` runs of each run's median latency, with the p99 of
all samples, and the ratio to its baseline.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from application.calendar_events import NewCalendarEvent
from application.calendar_views import CalendarEventFilter
from application.principal import Principal
from domain.calendar_event import CalendarEvent
from domain.roles import Role
from interfaces.container import Container, build_container

from bench.pg import fresh_schema, percentile, settings_for

START = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


@contextmanager
def container_on(backend: str) -> Iterator[Container]:
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "postgres":
            with fresh_schema("bench_calendar") as schema:
                built = build_container(settings_for(schema, Path(tmp), projection_workers=False))
                try:
                    yield built
                finally:
                    built.close()
        else:
            built = build_container(settings_for(None, Path(tmp)))
            try:
                yield built
            finally:
                built.close()


def timed(samples: int, runs: int, work: Callable[[int], object]) -> tuple[float, float]:
    """(median of the runs' median latencies, p99 of every sample), in milliseconds."""
    medians, everything = [], []
    for run in range(runs):
        latencies = []
        for i in range(samples):
            began = time.perf_counter()
            work(run * samples + i)
            latencies.append(time.perf_counter() - began)
        medians.append(statistics.median(latencies))
        everything += latencies
    return statistics.median(medians) * 1000, percentile(everything, 99) * 1000


def new_event(i: int) -> NewCalendarEvent:
    start = START + timedelta(hours=i % 5000)
    return NewCalendarEvent(title=f"Event {i}", start=start, end=start + timedelta(hours=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = []
    with container_on(args.backend) as c:
        owner = Principal(1, Role.EMPLOYEE, None, None)
        calendar, events = c.calendar, c.events
        bare_ids = iter(range(10**9, 2 * 10**9))

        def bare(i: int) -> None:
            new = new_event(i)
            events.save(CalendarEvent.plan(event_id=next(bare_ids), title=new.title, start=new.start,
                                           end=new.end, owner_id=2, enterprise_id=None))

        rows.append(("create", timed(args.samples, args.runs, lambda i: calendar.create(owner, new_event(i))),
                     timed(args.samples, args.runs, bare)))
        small = max(args.samples // 20, 3)

        def bare_batch(i: int) -> None:
            events.save(*(CalendarEvent.plan(event_id=next(bare_ids), title=n.title, start=n.start, end=n.end,
                                             owner_id=2, enterprise_id=None)
                          for n in map(new_event, range(i * 100, i * 100 + 100))))

        rows.append(("batch of 100", timed(small, args.runs, lambda i: calendar.create_many(
            owner, [new_event(j) for j in range(i * 100, i * 100 + 100)])), timed(small, args.runs, bare_batch)))
        c.runner.catch_up()
        window = (START + timedelta(hours=10), START + timedelta(hours=30))
        lean = CalendarEventFilter(user_id=1, start_time="2026-03-02T19:00:00.000Z",
                                   end_time="2026-03-03T15:00:00.000Z")
        store = c.store

        def twin(_: int) -> None:
            sql = (" FROM ce_events e JOIN ce_permissions p ON p.event_id = e.id"
                   " WHERE p.user_id = ? AND e.end_at > ? AND e.start_at < ?")
            params = (lean.user_id, lean.start_time, lean.end_time)
            with store.read() as cur:
                cur.execute("SELECT COUNT(*) AS n" + sql, params)
                cur.fetchone()
                cur.execute("SELECT e.*" + sql + " ORDER BY e.start_at, e.id LIMIT 100 OFFSET 0", params)
                cur.fetchall()

        rows.append(("list a window", timed(args.samples, args.runs,
                                            lambda _: calendar.list_events(owner, *window, 0, 100)),
                     timed(args.samples, args.runs, twin)))
    print(f"calendar events on {args.backend}: median of {args.runs} runs' medians, p99 of all samples (ms)")
    print(f"{'operation':<16}{'median':>10}{'p99':>10}{'baseline':>12}{'p99':>10}{'ratio':>8}")
    for name, (median, p99), (base, base_p99) in rows:
        print(f"{name:<16}{median:>10.3f}{p99:>10.3f}{base:>12.3f}{base_p99:>10.3f}{median / base:>8.1f}")


if __name__ == "__main__":
    main()
