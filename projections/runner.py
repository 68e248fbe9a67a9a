"""Catch-up: pull the notification log from each projection's tracked position.

Every batch writes read-model rows and the tracking positions in one transaction,
under a lock on the tracking rows, so that several threads, API processes or worker
processes can all call `catch_up` and each event is still applied exactly once, in
order. A process killed mid-batch leaves nothing: its transaction never commits.

A projection that cannot apply an event parks there (see `projections.parking`): the
others go on, and batches skip it until its park is cleared.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from application.event_log import EventDecoder, EventLog, RecorderLog
from application.events import SchedulaX
from application.ports import ReadModelsBehind

from projections.announce import Announcer, BatchAnnouncement, Publish
from projections.base import Handler, Projection, hand_over
from projections.parking import PARK_COLUMNS, HandlerFailed, describe, record_park, settle, unpark
from projections.schema import TRACKING
from projections.sql import Cursor, ReadStore
from projections.staging import STAGE_BATCH_SIZE, Scratch, copy_tables

log = logging.getLogger("schedulax.projections")

Progress = Callable[[int, int], None]
"""Called after each batch with (position reached, head of the log)."""


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    version: int
    head: int
    lag_events: int
    lag_seconds: float
    error: str | None = None
    """Why the projection is parked (`OverflowError: date value out of range`); None when healthy."""
    failed_position: int | None = None
    """The event it could not apply; its position stays just before it."""

    @property
    def parked(self) -> bool:
        return self.error is not None


@dataclass(frozen=True)
class _Batch:
    positions: dict[str, int]
    """The positions of the projections it applies (the parked ones left out)."""
    notifications: Sequence[Any]
    last: int


class CatchUpRunner:
    def __init__(
        self,
        events: SchedulaX,
        store: ReadStore,
        projections: Sequence[Projection],
        batch_size: int = 1000,
        announcers: Mapping[str, Announcer] | None = None,
        publish: Publish | None = None,
        announce_within: float = 300.0,
        scratch: Scratch | None = None,
        log: EventLog | None = None,
        staging: bool = False,
        decode: Callable[[Any], Any] | None = None,
        notify: str | None = None,
    ) -> None:
        """`publish` receives each committed batch's change messages (see `projections.announce`)
        from the `announcers` of the projections that have one; a batch whose newest event
        is older than `announce_within` seconds (a backlog, a reset) announces nothing.

        With `scratch`, `rebuild` stages the tables there and swaps them in (see
        `projections.staging`); without, it empties them and catches up in place.
        `log`: where batches are read from (default: the recorder's `select_notifications`).
        `staging`: this runner fills a scratch database, whose tables need no `query_indexes`.
        `decode`: how an item of `log` becomes its domain event (default: the store's mapper);
        a replay of events decoded already (as-of, `projections.replay`) hands them through.
        `notify`: a PostgreSQL channel told each tracking position this runner commits, in the
        committing transaction (so it is delivered on commit): what the API's commands wait on."""
        self._events = events
        self._log = log if log is not None else RecorderLog(events.recorder)
        self._decode = decode if decode is not None else EventDecoder(events.mapper)
        self._store = store
        self._projections = list(projections)
        self._batch_size = batch_size
        self._handlers: dict[str, dict[str, Handler]] = {p.name: {} if p.raw else p.topics() for p in projections}
        self._raw: list[tuple[str, Handler]] = sorted((p.name, p.handle_stored) for p in projections if p.raw)
        """The projections that take every stored event undecoded (see `Projection.raw`)."""
        handled = sorted({t for h in self._handlers.values() for t in h})
        self._topics = [] if self._raw else handled  # none selects them all, which a raw projection needs
        self._names = sorted(self._handlers)
        self._routes: dict[str, list[tuple[str, Handler]]] = {
            topic: [(name, self._handlers[name][topic]) for name in self._names if topic in self._handlers[name]]
            for topic in handled
        }
        """Each topic's handlers, in the projections' name order: looked up once per event."""
        self._known_position = 0  # a lower bound on every position but the parked ones'
        self._parked: dict[str, int] = {}
        """Parked projections and their positions, as the last batch found them."""
        self._waited = frozenset(p.name for p in projections if p.answers_commands)
        self._tracking_exists = False
        self._announcers = {
            name: a for name, a in (announcers or {}).items() if name in self._handlers
        } if publish is not None else {}
        self._publish = publish
        self._announce_within = announce_within
        self._rebuilding = False
        self._scratch = scratch
        self._staging = staging
        self._notify = notify

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def setup(self, reset: bool = True) -> list[str]:
        """Create the tables; a projection whose version changed is emptied to be rebuilt.

        Returns the names of the projections that were reset. `reset=False` leaves a changed
        version to another process (the workers, which rebuild staged), and resets nothing.
        With `reset`, this is the process that applies them: a parked projection is unparked,
        to try its event again.
        """
        emptied = []
        with self._store.write() as cur:
            self._lock_ddl(cur)
            cur.execute(TRACKING)
            self._tracking_exists = True
            self._hold_batches(cur)
            self._add_columns(cur)
            if reset:
                for name, position, error in unpark(cur, self._names):
                    log.warning("projection %s was parked at event %d (%s); trying it again", name, position, error)
            for projection in self._projections:
                cur.execute(
                    "SELECT version FROM projection_tracking WHERE name = ?", (projection.name,)
                )
                row = cur.fetchone()
                if row is not None and int(row["version"]) != projection.version:
                    if not reset:
                        continue  # its tables and position stay as they are, for the workers
                    emptied.append(projection.name)
                    projection.drop_tables(cur)
                for statement in projection.staging_ddl() if self._staging else projection.ddl:
                    cur.execute(statement)
                if row is None or projection.name in emptied:
                    self._track_from(cur, projection, 0)
        return emptied

    def changed_versions(self) -> list[str]:
        """The projections whose tables another version of their code wrote, to be rebuilt.

        One read and no DDL: a process that starts on a migrated schema calls this, not setup().
        """
        with self._store.read() as cur:
            cur.execute("SELECT name, version FROM projection_tracking")
            found = {row["name"]: int(row["version"]) for row in cur.fetchall()}
        self._tracking_exists = True
        return [p.name for p in self._projections if p.name in found and found[p.name] != p.version]

    def rebuild(self, names: Sequence[str] | None = None, progress: Progress | None = None) -> int:
        """Drop and refill the named projections (all by default) from the first event."""
        chosen = [p for p in self._projections if names is None or p.name in names]
        if self._scratch is not None:
            return self._rebuild_staged(chosen, self._scratch, progress)
        with self._store.write() as cur:
            self._lock_ddl(cur)
            for projection in chosen:
                projection.drop_tables(cur)
                for statement in projection.ddl:
                    cur.execute(statement)
                self._track_from(cur, projection, 0)
        self._known_position = 0
        self._rebuilding = True  # history is not news
        try:
            return self.catch_up(progress)
        finally:
            self._rebuilding = False

    def _rebuild_staged(self, chosen: list[Projection], scratch: Scratch, progress: Progress | None) -> int:
        started = time.perf_counter()
        with scratch() as stage:
            # Fresh instances: per-batch state must not be shared with this runner's.
            staged = CatchUpRunner(self._events, stage, [type(p)() for p in chosen],
                                   max(self._batch_size, STAGE_BATCH_SIZE), log=self._log, staging=True)
            staged.setup()
            applied = staged.catch_up(progress)
            reached = staged._tracked()
            position = min(row["position"] for row in reached.values())
            staged_at = time.perf_counter()
            rows = 0
            with self._store.write(bulk=True) as cur:
                self._lock_ddl(cur)
                cur.execute(TRACKING)
                for projection in chosen:
                    # Taking the tracking row waits for a live worker's batch and holds off its next.
                    # Each where the stage left it: a projection parked there stays parked.
                    staged_row = reached[projection.name]
                    self._track_from(cur, projection, staged_row["position"], staged_row["error"],
                                     staged_row["failed_position"])
                    rows += copy_tables(stage, self._store, cur, projection)
        log.info("staged rebuild of %s: %d events staged in %.2f s, %d rows swapped in at position %d"
                 " in %.2f s", ",".join(p.name for p in chosen), applied, staged_at - started, rows,
                 position, time.perf_counter() - staged_at)
        self._known_position = 0
        # Whatever was recorded while staging is applied the usual way.
        return applied + self.catch_up(progress)

    def wait_for(self, position: int) -> None:
        """Read your writes: return once every projection has processed `position`.

        Raises ReadModelsBehind at once when a projection that commands wait for is parked
        before it (the command is saved; only its answer from the read models is missing).
        Parked projections that no command waits for are not waited for."""
        refreshed = False
        while self._known_position < position or (not refreshed and self._parked_before(position)):
            self._run_batch()
            refreshed = True
        if self._parked_before(position):
            raise ReadModelsBehind(position, 0.0)

    def retry(self, names: Sequence[str] | None = None) -> list[str]:
        """Unpark the named projections (default: all of this runner's); their next batch tries
        the event again. The names of those that were parked."""
        chosen = [n for n in self._names if names is None or n in names]
        with self._store.write() as cur:
            cleared = unpark(cur, chosen)
        for name, position, error in cleared:
            log.warning("projection %s was parked at event %d (%s); retrying", name, position, error)
        return [name for name, _, _ in cleared]

    def _parked_before(self, position: int) -> bool:
        return any(p < position for name, p in self._parked.items() if name in self._waited)

    def catch_up(self, progress: Progress | None = None, stop: Callable[[], bool] | None = None) -> int:
        """Apply everything recorded so far; the number of notifications applied."""
        total = 0
        while True:
            count, head = self._run_batch()
            total += count
            if progress is not None:
                progress(self._known_position, head)
            if self._known_position >= head or (stop is not None and stop()):
                return total

    def position(self) -> int:
        return min(self._positions().values(), default=0)

    def status(self, now: float | None = None) -> list[ProjectionStatus]:
        """Each projection's position beside the head of the log, and how far behind it is."""
        head = self._events.recorder.max_notification_id() or 0
        now = time.time() if now is None else now
        result = []
        if not self._tracking_exists:
            with self._store.write() as cur:
                cur.execute(TRACKING)  # a store no worker has set up yet reports zeros, not an error
                self._add_columns(cur)
            self._tracking_exists = True
        with self._store.read() as cur:
            cur.execute("SELECT name, position, version, error, failed_position FROM projection_tracking")
            found = {r["name"]: r for r in cur.fetchall()}
        for name in self._names:
            row = found.get(name, {"name": name, "position": 0, "version": 0, "error": None,
                                   "failed_position": None})
            position = int(row["position"])
            failed = row["failed_position"]
            result.append(ProjectionStatus(
                name=row["name"], position=position, version=int(row["version"]), head=head,
                lag_events=max(head - position, 0),
                lag_seconds=self._age_of_next(position, now) if position < head else 0.0,
                error=row["error"], failed_position=int(failed) if failed is not None else None,
            ))
        return result

    def _age_of_next(self, position: int, now: float) -> float:
        """Seconds since the oldest event the projection has not yet applied was recorded."""
        pending = self._events.recorder.select_notifications(
            start=position, limit=1, inclusive_of_start=False
        )
        if not pending:
            return 0.0
        recorded = self._events.mapper.to_domain_event(pending[0]).timestamp.timestamp()
        return max(now - recorded, 0.0)

    def _run_batch(self) -> tuple[int, int]:
        # The head is read before the batch: ids up to it are committed (the recorders
        # commit ids in order), so when the batch ends short the projections have seen
        # everything up to the head, including events of topics they do not handle.
        head = self._events.recorder.max_notification_id() or 0
        batch, failed = None, None
        try:
            with self._store.write() as cur:
                positions = self._lock_positions(cur)
                if not positions or min(positions.values()) >= head:
                    self._reached(min(positions.values(), default=head))
                    return 0, head
                start = min(positions.values())
                notifications = self._log.select(start, self._batch_size, head, self._topics)
                last = notifications[-1].id if len(notifications) == self._batch_size else head
                batch = _Batch(positions, notifications, last)
                announcing = self._begin_announcements(cur, positions)
                newest = self._apply_batch(cur, self._active(positions), positions, notifications, announcing)
                moved = [name for name in self._names if name in positions and positions[name] < last]
                for name in moved:
                    cur.execute("UPDATE projection_tracking SET position = ? WHERE name = ?", (last, name))
                self._announce_tracking(cur, last, moved)
        except Exception as error:
            # A projection's failure (perhaps only surfacing at the commit, on PostgreSQL's
            # pipeline) is found by applying the batch to each alone; a lost connection is raised.
            if batch is None or self._store.is_connection_error(error):
                raise
            failed = error
        if failed is not None:  # outside the handler: the isolated runs' errors are not chained to it
            return self._isolate(batch, failed), head
        self._reached(last)
        self._announce(announcing.values(), newest)
        return len(notifications), head

    def _active(self, positions: dict[str, int]) -> list[Projection]:
        return [p for p in self._projections if p.name in positions]

    def _apply_batch(self, cur: Cursor, projections: list[Projection], positions: dict[str, int],
                     notifications: Sequence[Any], announcing: dict[str, BatchAnnouncement]) -> float:
        """Apply the notifications to the projections at `positions`; the newest event's time."""
        for projection in projections:
            projection.begin_batch()
        newest = 0.0
        for notification in notifications:
            newest = max(newest, self._apply(notification, positions, cur, announcing))
        for projection in projections:
            self._guarded(projection.name, projection.end_batch, cur)
        for name, announcement in announcing.items():
            self._guarded(name, announcement.close, cur)
        return newest

    def _apply(
        self, notification: Any, positions: dict[str, int], cur: Cursor,
        announcing: dict[str, BatchAnnouncement],
    ) -> float:
        """Apply one event to the projections behind it; its time (0 if none decoded it)."""
        for name, handler in self._raw:
            position = positions.get(name)
            if position is None or position >= notification.id:
                continue
            try:
                handler(notification, cur)
            except Exception as error:
                if self._store.is_connection_error(error):
                    raise
                raise HandlerFailed(name, notification.id, error) from error
        event = None
        for name, handler in self._routes.get(notification.topic, ()):
            position = positions.get(name)
            if position is None or position >= notification.id:
                continue
            try:
                if event is None:
                    event = self._decode(notification)
                    hand_over(event, notification.id)
                handler(event, cur)
            except Exception as error:
                if self._store.is_connection_error(error):
                    raise
                raise HandlerFailed(name, notification.id, error) from error
            if announcing and name in announcing:
                announcing[name].saw(event)
        return event.timestamp.timestamp() if event is not None else 0.0

    def _guarded(self, name: str, work: Callable[[Cursor], None], cur: Cursor) -> None:
        """A projection's end-of-batch work: its failure is the projection's, at an unknown event."""
        try:
            work(cur)
        except Exception as error:
            if self._store.is_connection_error(error):
                raise
            raise HandlerFailed(name, None, error) from error

    def _isolate(self, batch: _Batch, error: Exception) -> int:
        """The batch failed: apply it to each projection in a transaction of its own, parking
        the ones that fail on an event."""
        log.warning("a batch of %s failed (%s); applying it projection by projection",
                    ",".join(batch.positions), describe(error))
        for projection in self._active(batch.positions):
            routes = set(projection.topics())
            handles: Callable[[Any], bool] = (lambda n: True) if projection.raw else (lambda n: n.topic in routes)
            settle(self._run_alone, projection, handles, batch.notifications, batch.last)
        self._parked = {name: row["position"] for name, row in self._tracked().items() if row["error"]}
        self._reached(batch.last)
        return len(batch.notifications)

    def _run_alone(self, projection: Projection, notifications: Sequence[Any], upto: int,
                   park: HandlerFailed | None) -> None:
        """One projection in a transaction of its own (see `parking.RunAlone`). Unpipelined
        (`bulk`), so that a failing statement raises in the handler that made it."""
        name = projection.name
        with self._store.write(bulk=True) as cur:
            lock = " FOR UPDATE" if self._store.dialect == "postgres" else ""
            cur.execute("SELECT position, error FROM projection_tracking WHERE name = ?" + lock, (name,))
            row = cur.fetchone()
            if row is None or row["error"] is not None:
                return  # parked meanwhile, by another process
            position = int(row["position"])
            positions = {name: position}
            announcing = self._begin_announcements(cur, positions)
            newest = self._apply_batch(cur, [projection], positions,
                                       [n for n in notifications if position < n.id <= upto], announcing)
            if position < upto:
                cur.execute("UPDATE projection_tracking SET position = ? WHERE name = ?", (upto, name))
            parks = park is not None and park.position is not None and position < park.position
            if parks:
                record_park(cur, name, park.position, park.error)
            self._announce_tracking(cur, upto, [name], parked=parks)
        self._announce(announcing.values(), newest)

    def _announce_tracking(self, cur: Cursor, position: int, names: Sequence[str], parked: bool = False) -> None:
        """Payload `<position> <name>,<name>`; `!` before the position when one parked.

        Only for projections that commands wait for: a transaction that notifies takes a
        database-wide lock for its commit, which the others need not queue for."""
        names = [name for name in names if name in self._waited]
        if self._notify is not None and names:
            cur.execute("SELECT pg_notify(?, ?)",
                        (self._notify, f"{'!' if parked else ''}{position} {','.join(names)}"))

    def _reached(self, position: int) -> None:
        self._known_position = max(self._known_position, position)

    def _begin_announcements(self, cur: Cursor, names: Mapping[str, int]) -> dict[str, BatchAnnouncement]:
        if self._rebuilding:
            return {}
        return {name: announcer.begin(cur) for name, announcer in self._announcers.items() if name in names}

    def _announce(self, announcing: Any, newest: float) -> None:
        """After commit. Realtime is best effort: a failure here must not fail the batch."""
        if self._publish is None or not announcing or newest < time.time() - self._announce_within:
            return
        try:
            changes = [c for a in announcing for c in a.changes()]
            if changes:
                self._publish(changes)
        except Exception:  # noqa: BLE001 - the read models are committed; only the news is lost
            log.warning("could not announce a batch's changes", exc_info=True)

    def _positions(self) -> dict[str, int]:
        with self._store.read() as cur:
            cur.execute(
                "SELECT name, position FROM projection_tracking WHERE name IN ("
                + ", ".join("?" for _ in self._names) + ")",
                self._names,
            )
            return {row["name"]: int(row["position"]) for row in cur.fetchall()}

    def _tracked(self) -> dict[str, dict[str, Any]]:
        """Each projection's tracking row: position, error and failed_position."""
        with self._store.read() as cur:
            cur.execute(
                "SELECT name, position, error, failed_position FROM projection_tracking WHERE name IN ("
                + ", ".join("?" for _ in self._names) + ")",
                self._names,
            )
            return {row["name"]: {"position": int(row["position"]), "error": row["error"],
                                  "failed_position": row["failed_position"]} for row in cur.fetchall()}

    def _lock_positions(self, cur: Cursor) -> dict[str, int]:
        """The positions of the projections that are not parked, their rows locked; notes the parked."""
        lock = " FOR UPDATE" if self._store.dialect == "postgres" else ""
        cur.execute(
            "SELECT name, position, error FROM projection_tracking WHERE name IN ("
            + ", ".join("?" for _ in self._names) + ") ORDER BY name" + lock,
            self._names,
        )
        rows = cur.fetchall()
        parked = {row["name"]: int(row["position"]) for row in rows if row["error"] is not None}
        if any(name not in parked for name in self._parked):
            self._known_position = 0  # one was unparked, behind the others: no longer a bound
        self._parked = parked
        return {row["name"]: int(row["position"]) for row in rows if row["error"] is None}

    def _lock_ddl(self, cur: Cursor) -> None:
        if self._store.dialect == "postgres":
            # Processes starting together would race on CREATE ... IF NOT EXISTS.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('schedulax-ddl'))")

    def _hold_batches(self, cur: Cursor) -> None:
        """Wait for running batches and hold off new ones until this DDL commits.

        CREATE INDEX waits for a batch's writes to its table while holding the tables it has
        already been through, which that batch may write next: a deadlock. Batches lock their
        tracking rows first, in name order; taking them all here first breaks the cycle."""
        if self._store.dialect == "postgres":
            cur.execute("SELECT name FROM projection_tracking ORDER BY name FOR UPDATE")

    def _add_columns(self, cur: Cursor) -> None:
        """Tracking tables from before projections had versions (theirs count as 0) or parks."""
        # Look before altering: even ADD COLUMN IF NOT EXISTS takes an exclusive lock,
        # which queues behind a worker's open batch and blocks every reader behind it.
        if self._store.dialect == "postgres":
            cur.execute(
                "SELECT column_name AS name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = 'projection_tracking'"
            )
        else:
            cur.execute("PRAGMA table_info(projection_tracking)")
        existing = {row["name"] for row in cur.fetchall()}
        if "version" not in existing:
            cur.execute("ALTER TABLE projection_tracking ADD COLUMN version INTEGER NOT NULL DEFAULT 0")
        for column, kind in PARK_COLUMNS.items():
            if column not in existing:
                cur.execute(f"ALTER TABLE projection_tracking ADD COLUMN {column} {kind}")

    @staticmethod
    def _track_from(cur: Cursor, projection: Projection, position: int, error: str | None = None,
                    failed_position: int | None = None) -> None:
        """Set the projection's position and version; a park, if any, is replaced by `error`."""
        cur.execute(
            "INSERT INTO projection_tracking (name, position, version, error, failed_position)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position,"
            " version = excluded.version, error = excluded.error, failed_position = excluded.failed_position",
            (projection.name, position, projection.version, error, failed_position),
        )
