"""The `schedulax` command."""

from __future__ import annotations

import argparse
import os
import sys

import psycopg


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="schedulax", description="SchedulaX roster backend")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default=None, help="bind address (SCHEDULAX_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (SCHEDULAX_PORT)")
    serve.add_argument("--workers", type=int, default=1, help="API worker processes")
    serve.add_argument("--without-projection-workers", action="store_true",
                       help="on PostgreSQL, do not start `schedulax projections run` beside the API"
                       " (when it runs elsewhere)")
    worker = commands.add_parser("worker", help="work background jobs from Redis (auto-assign, webhook deliveries)")
    worker.add_argument("--threads", type=int, default=2, help="worker threads")
    migrate = commands.add_parser("migrate", help="create the schema, the event store's and the read models'"
                                  " tables (serve runs it at start)")
    migrate.add_argument("--force", action="store_true",
                         help="run every statement again even if the recorded schema is current")
    from interfaces import audit_cli, projections_cli

    projections_cli.add_commands(commands)
    audit_cli.add_commands(commands)
    args = parser.parse_args(argv)

    if args.command == "worker":
        return run_worker(args.threads)
    if args.command == "migrate":
        return run_migrate(args.force)
    if args.command == "projections":
        return projections_cli.main(args)
    if args.command == "audit":
        return audit_cli.main(args)

    if args.command == "serve":
        return run_serve(args)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Check the connection budget and migrate, then the projection supervisor and the API."""
    from infrastructure.budget import BudgetExceeded, check_room, serve_plan
    from infrastructure.settings import InvalidSettings, Settings
    from interfaces import serving
    from interfaces.workers import worker_processes
    from interfaces.keeper import SupervisorKeeper
    from interfaces.migrate import migrate

    try:
        settings = Settings.from_env()
    except InvalidSettings as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    host = args.host or settings.host
    port = args.port or settings.port
    with_workers = settings.uses_projection_workers and not args.without_projection_workers
    if settings.backend == "postgres":
        try:
            check_room(settings, serve_plan(settings, args.workers, worker_processes(settings) if with_workers else 0))
            print("schema migrated" if migrate(settings) else "schema up to date", file=sys.stderr)
        except BudgetExceeded as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except psycopg.OperationalError as error:
            print(f"error: PostgreSQL is unreachable ({str(error).strip()}); check SCHEDULAX_DATABASE_URL",
                  file=sys.stderr)
            return 2
    print(f"SchedulaX on http://{host}:{port} ({settings.backend}); API docs at /schema/swagger",
          file=sys.stderr)
    keeper = None
    if with_workers:
        # Separate processes, as in production, but one command for a developer.
        keeper = SupervisorKeeper([sys.executable, "-m", "interfaces.cli", "projections", "run",
                                   "--parent-pid", str(os.getpid())])
        keeper.start()
    try:
        serving.serve("interfaces.http.asgi:app", host, port, args.workers,
                      log_level=os.environ.get("SCHEDULAX_LOG_LEVEL", "info"))
    finally:
        if keeper is not None:
            keeper.stop()
    return 0


def run_migrate(force: bool) -> int:
    from infrastructure.settings import Settings
    from interfaces.migrate import migrate

    settings = Settings.from_env()
    ran = migrate(settings, force=force)
    print(f"{settings.backend}: {'migrated' if ran else 'schema up to date, nothing to do'}", file=sys.stderr)
    return 0


def run_worker(threads: int) -> int:
    """Build the application from the environment and work the Redis job queue until stopped."""
    import signal
    import threading
    from dataclasses import replace

    from infrastructure.budget import BudgetExceeded, Line, Plan, check_room, job_pools
    from infrastructure.settings import Settings
    from interfaces.container import build_container

    settings = Settings.from_env()
    if not settings.redis_url:
        print("schedulax worker needs SCHEDULAX_REDIS_URL; the embedded default works jobs in-process",
              file=sys.stderr)
        return 2
    pools = job_pools(threads)
    try:
        check_room(settings, Plan((Line("job worker", 1, pools),)))
    except BudgetExceeded as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    container = build_container(replace(settings, postgres_pool_size=pools.read_models,
                                        event_store_pool_size=pools.event_store, event_store_max_overflow=0))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    container.jobs.start_worker(threads)
    from interfaces.webhook_wiring import Sweeper
    container.sweeper = Sweeper(container.webhook_delivery, settings.webhook_sweep_seconds).start()
    print(f"SchedulaX worker on {settings.redis_url} with {threads} threads", file=sys.stderr)
    stop.wait()
    container.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
