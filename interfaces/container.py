"""Composition root: builds every component from settings. Nothing is built at import."""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

from application.as_of import RosterAsOf
from application.assignments import AssignmentService
from application.auto_fill import AutoFill
from application.availability import AvailabilityService
from application.calendar_events import CalendarService
from application.calendar_export import CalendarExportService
from application.calendar_feeds import CalendarFeedService
from application.claims import ClaimService
from application.drops import DropService
from application.file_attachments import FileAttachments
from application.files import FileService
from application.events import SchedulaX
from application.history import HistoryService
from application.hours_report import HoursReportService
from application.dashboards import DashboardService
from application.identity import IdentityService
from application.invitations import InvitationService
from application.log_integrity import LogIntegrityService
from application.notifications import NotificationService
from application.organisation import OrganisationService
from application.rosters import RosterService
from application.swaps import SwapService
from application.webhook_delivery import WebhookDelivery
from application.webhooks import WebhookService
from infrastructure.blob_folder import FolderBlobStore
from infrastructure.blob_postgres import PostgresBlobStore
from infrastructure.hashing import BcryptHasher
from infrastructure.feed_secrets import HmacFeedSecrets
from infrastructure import event_store
from infrastructure.channels import tracking_channel
from infrastructure.tracked_positions import TrackedPositions, tracking_reader
from infrastructure.budget import Pools, api_pools
from infrastructure.pgpool import resume_quickly
from infrastructure.pubsub import Bus, bus_for
from infrastructure.jobs import AUTO_ASSIGN, DramatiqJobs
from infrastructure.ratelimit import RateLimiter
from infrastructure.event_log import event_log
from infrastructure.readstore import PostgresReadStore, SqliteReadStore, scratch_store
from infrastructure.settings import PostgresTarget, Settings
from infrastructure.tokens import TokenIssuer
from interfaces.as_of_wiring import roster_as_of
from interfaces.realtime.messages import encode
from interfaces.webhook_wiring import Sweeper, outbox, webhook_services
from projections.analytics import AnalyticsProjection
from projections.audit import AuditProjection
from projections.audit_queries import SqlAuditLog
from projections.announce import Announcer, InboxAnnouncer, Publish, RosteringAnnouncer
from projections.base import Projection
from projections.calendar import CalendarProjection
from projections.calendar_announce import CalendarAnnouncer
from projections.calendar_feed_queries import SqlFeedItems, SqlFeedLookup
from projections.calendar_feeds import CalendarFeedProjection
from projections.calendar_queries import SqlCalendarEvents
from projections.chain import ChainProjection
from projections.chain_queries import SqlChainLinks
from projections.claim_queries import SqlClaimQueries
from projections.dashboard import DashboardProjection
from projections.dashboard_queries import SqlDashboards
from projections.directory import DirectoryProjection
from projections.directory_queries import SqlDirectory
from projections.file_queries import SqlFiles
from projections.files import FilesProjection
from projections.hours_queries import SqlHoursQueries
from projections.invitation_queries import SqlInvitations
from projections.notification_queries import SqlInboxes
from projections.notifications import NotificationsProjection
from projections.rostering import RosteringProjection
from projections.rostering_queries import SqlRosterQueries
from projections.runner import CatchUpRunner
from projections.webhooks import WebhooksProjection
from projections.tracking import TrackingWaiter


@dataclass
class Container:
    settings: Settings
    events: SchedulaX
    store: SqliteReadStore | PostgresReadStore
    runner: CatchUpRunner
    identity: IdentityService
    organisation: OrganisationService
    rosters: RosterService
    assignments: AssignmentService
    swaps: SwapService
    availability: AvailabilityService
    notifications: NotificationService
    dashboards: DashboardService
    tokens: TokenIssuer
    limiter: RateLimiter
    jobs: DramatiqJobs
    bus: Bus
    invitations: InvitationService
    log_integrity: LogIntegrityService
    history: HistoryService
    as_of: RosterAsOf
    claims: ClaimService
    drops: DropService
    hours_report: HoursReportService
    calendar: CalendarService
    files: FileService
    calendar_export: CalendarExportService
    calendar_feeds: CalendarFeedService
    webhooks: WebhookService
    webhook_delivery: WebhookDelivery
    sweeper: Sweeper | None = None
    tracking: TrackedPositions | None = None
    """The workers' positions that commands wait on, heard by this process (PostgreSQL workers)."""

    def close(self) -> None:
        if self.sweeper is not None:
            self.sweeper.stop()
        self.jobs.close()
        self.bus.close()
        self.store.close()
        self.events.close()


def event_store_env(settings: Settings, pools: Pools | None = None, create_tables: bool = True) -> dict[str, str]:
    """eventsourcing's environment. `create_tables`: whether opening it runs the event store's
    DDL (on PostgreSQL only `schedulax migrate` does; tools on a fresh schema may)."""
    if settings.backend == "postgres":
        target = PostgresTarget.parse(settings.database_url)
        pools = pools or api_pools(settings)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": target.dbname,
            "POSTGRES_HOST": target.host,
            "POSTGRES_PORT": str(target.port),
            "POSTGRES_USER": target.user,
            "POSTGRES_PASSWORD": target.password,
            "POSTGRES_SCHEMA": settings.database_schema,
            "POSTGRES_POOL_SIZE": str(pools.event_store),
            "POSTGRES_MAX_OVERFLOW": str(pools.event_store_overflow),
            # The pool's wait for a connection (whole seconds): then OperationalError, a 503.
            "POSTGRES_CONNECT_TIMEOUT": str(max(1, math.ceil(settings.database_timeout))),
            "POSTGRES_PRE_PING": "y",  # a connection PostgreSQL closed is replaced, not used
            "CREATE_TABLE": "y" if create_tables else "n",
            "APPLICATION_RECORDER_TOPIC": event_store.TOPIC,  # retries bounded to one timeout
            "SNAPSHOT_RECORDER_TOPIC": event_store.SNAPSHOT_TOPIC,  # and for the snapshots
        }
        resume_quickly()
        # eventsourcing looks up SCHEDULAX_<KEY> before <KEY> (the application is named SchedulaX),
        # in os.environ too, where SCHEDULAX_POSTGRES_POOL_SIZE is the read models' pool size: so
        # every key is given under both names, and ours win.
        return {**env, **{f"SCHEDULAX_{key}": value for key, value in env.items()}}
    if settings.backend == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(settings.data_dir / "events.sqlite3"),
        "SQLITE_LOCK_TIMEOUT": "30",
    }


def open_event_store(settings: Settings, pools: Pools | None = None, create_tables: bool = False) -> SchedulaX:
    """The event store application. On PostgreSQL it runs no DDL unless `create_tables`
    (`schedulax migrate`, under its lock); the embedded default creates its tables itself."""
    return SchedulaX(env=event_store_env(settings, pools, create_tables or settings.backend != "postgres"))


def read_store(settings: Settings, pools: Pools | None = None) -> SqliteReadStore | PostgresReadStore:
    if settings.backend == "postgres":
        return PostgresReadStore(
            PostgresTarget.parse(settings.database_url),
            settings.database_schema,
            (pools or api_pools(settings)).read_models,
            settings.database_timeout,
        )
    if settings.backend == "memory":
        # Events vanish with the process, so the read models must too.
        return SqliteReadStore(Path(tempfile.mkdtemp(prefix="schedulax-")) / "readmodels.sqlite3")
    return SqliteReadStore(Path(settings.data_dir) / "readmodels.sqlite3")


def all_projections() -> list[Projection]:
    """Every read model the API serves, in the order they are applied."""
    return [DirectoryProjection(), RosteringProjection(), NotificationsProjection(),
            DashboardProjection(), AnalyticsProjection(), CalendarProjection(), CalendarFeedProjection(),
            AuditProjection(), ChainProjection(), FilesProjection(), WebhooksProjection()]


def waited_projections() -> list[str]:
    """The projections a command's answer waits for (`answers_commands`), in applying order."""
    return [p.name for p in all_projections() if p.answers_commands]


def announcers(store: SqliteReadStore | PostgresReadStore, events: SchedulaX) -> dict[str, Announcer]:
    """The projections whose changes realtime subscribers hear of (`events`: where the
    calendar announcer finds who held a deleted event)."""
    return {"rostering": RosteringAnnouncer(store), "notifications": InboxAnnouncer(store),
            "calendar": CalendarAnnouncer(store, events)}


def publisher(bus: Bus) -> Publish:
    return lambda changes: bus.publish(encode(changes))


def blob_store(settings: Settings, store: SqliteReadStore | PostgresReadStore) -> FolderBlobStore | PostgresBlobStore:
    """Uploaded bytes: in PostgreSQL beside the read models, or in a folder of the data directory
    (with `memory://`, a temporary one, gone with the process like the events)."""
    if settings.backend == "postgres":
        return PostgresBlobStore(store)
    if settings.backend == "memory":
        return FolderBlobStore(Path(tempfile.mkdtemp(prefix="schedulax-blobs-")))
    return FolderBlobStore(Path(settings.data_dir) / "blobs")


def projection_runner(settings: Settings, events: SchedulaX, store: SqliteReadStore | PostgresReadStore,
                      projections: list[Projection], bus: Bus | None, jobs: DramatiqJobs | None = None) -> CatchUpRunner:
    """A runner over `projections` that announces its committed changes on `bus` (if any), and
    whose audit projection fills the webhook outbox (sending its jobs through `jobs`)."""
    told = {**(announcers(store, events) if bus is not None else {}), "audit": outbox(settings, jobs)}
    return CatchUpRunner(
        events, store, projections, settings.projection_batch_size,
        announcers=told, publish=publisher(bus) if bus is not None else (lambda changes: None),
        scratch=scratch_store, log=event_log(events.recorder),
        notify=tracking_channel(settings.database_schema) if settings.backend == "postgres" else None,
    )


def projection_sync(settings: Settings, store: SqliteReadStore | PostgresReadStore,
                    runner: CatchUpRunner) -> CatchUpRunner | TrackingWaiter | TrackedPositions:
    """Read your writes: catch up in-process, or wait for the separate projection workers
    (on PostgreSQL, woken by their NOTIFY: `infrastructure.tracked_positions`)."""
    if settings.uses_projection_workers:
        waited = waited_projections()
        polling = TrackingWaiter(store, waited, settings.read_your_writes_timeout)
        if settings.backend != "postgres":
            return polling
        return TrackedPositions(
            PostgresTarget.parse(settings.database_url).conninfo(), tracking_channel(settings.database_schema),
            waited, settings.read_your_writes_timeout, tracking_reader(store, waited), polling,
            settings.read_your_writes_poll,
        )
    runner.catch_up()
    return runner


def build_container(settings: Settings) -> Container:
    from interfaces import migrate  # it builds its stores with the functions above

    store = read_store(settings)
    migrate.ensure_migrated(settings, store)  # one SELECT; DDL only on a schema behind this code
    events = open_event_store(settings)
    bus = bus_for(settings.redis_url, settings.realtime_channel)
    jobs = DramatiqJobs.for_url(settings.redis_url)
    runner = projection_runner(settings, events, store, all_projections(), bus, jobs)
    if settings.backend != "postgres":
        migrate.migrate_in_process(settings, store, runner)
    elif runner.changed_versions() and not settings.uses_projection_workers:
        # With workers, a changed version is theirs to reset: they rebuild it staged and swap it
        # in, where a reset here would leave them to catch up from zero in place, far slower.
        runner.setup()
    elif not settings.uses_projection_workers:
        runner.retry()  # this process applies the projections: a parked one tries its event again
    sync = projection_sync(settings, store, runner)
    directory = SqlDirectory(store)
    queries = SqlRosterQueries(store)
    hasher = BcryptHasher(settings.bcrypt_rounds)
    inboxes = SqlInboxes(store)
    rostering = (events, store, sync, directory, queries)
    assignments = AssignmentService(*rostering, jobs=jobs)
    jobs.register(AUTO_ASSIGN, assignments.run_auto_assign_job)
    webhooks, webhook_delivery = webhook_services(settings, events, store, sync, store, jobs)
    sweeper = None
    if jobs.in_process:
        jobs.start_worker()
        sweeper = Sweeper(webhook_delivery, settings.webhook_sweep_seconds).start()
    calendar_events = SqlCalendarEvents(store)
    files = FileService(events, store, sync, blob_store(settings, store), SqlFiles(store),
                        settings.max_file_bytes, settings.file_quota_bytes, calendar_events.holds_event_carrying)
    return Container(
        settings=settings,
        events=events,
        store=store,
        runner=runner,
        identity=IdentityService(events, store, hasher, directory, sync),
        organisation=OrganisationService(events, store, directory, sync),
        rosters=RosterService(*rostering, auto_fill=AutoFill(events, sync, jobs)),
        assignments=assignments,
        swaps=SwapService(*rostering),
        availability=AvailabilityService(*rostering),
        notifications=NotificationService(events, store, sync, inboxes),
        dashboards=DashboardService(SqlDashboards(store), inboxes, directory),
        tokens=TokenIssuer(settings.resolved_jwt_secret(), settings.token_ttl_seconds),
        limiter=RateLimiter.for_url(settings.redis_url),
        jobs=jobs,
        bus=bus,
        invitations=InvitationService(events, store, sync, directory, SqlInvitations(store)),
        log_integrity=LogIntegrityService(events, event_log(events.recorder), SqlChainLinks(store)),
        history=HistoryService(SqlAuditLog(store)),
        as_of=roster_as_of(events, store),
        claims=ClaimService(*rostering, claims=SqlClaimQueries(store)),
        drops=DropService(*rostering, claims=SqlClaimQueries(store)),
        hours_report=HoursReportService(SqlHoursQueries(store), directory.enterprise),
        calendar=CalendarService(events, store, sync, directory, calendar_events, FileAttachments(files)),
        files=files,
        calendar_export=CalendarExportService(SqlFeedItems(store)),
        calendar_feeds=CalendarFeedService(events, store, sync, directory,
                                           HmacFeedSecrets(settings.resolved_jwt_secret()), SqlFeedLookup(store)),
        webhooks=webhooks,
        webhook_delivery=webhook_delivery,
        sweeper=sweeper,
        tracking=sync if isinstance(sync, TrackedPositions) else None,
    )
