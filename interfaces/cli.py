"""The `schedulax` command."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


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
    worker = commands.add_parser("worker", help="work background jobs from Redis (auto-assign)")
    worker.add_argument("--threads", type=int, default=2, help="worker threads")
    from interfaces import projections_cli

    projections_cli.add_commands(commands)
    args = parser.parse_args(argv)

    if args.command == "worker":
        return run_worker(args.threads)
    if args.command == "projections":
        return projections_cli.main(args)

    if args.command == "serve":
        from infrastructure.settings import Settings
        from interfaces import serving

        settings = Settings.from_env()
        host = args.host or settings.host
        port = args.port or settings.port
        print(f"SchedulaX on http://{host}:{port} ({settings.backend}); API docs at /schema/swagger",
              file=sys.stderr)
        projections = None
        if settings.uses_projection_workers and not args.without_projection_workers:
            # Separate processes, as in production, but one command for a developer.
            projections = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "projections", "run"])
        try:
            serving.serve("interfaces.http.asgi:app", host, port, args.workers,
                          log_level=os.environ.get("SCHEDULAX_LOG_LEVEL", "info"))
        finally:
            if projections is not None:
                projections.terminate()
                projections.wait(timeout=20)
    return 0


def run_worker(threads: int) -> int:
    """Build the application from the environment and work the Redis job queue until stopped."""
    import signal
    import threading

    from infrastructure.settings import Settings
    from interfaces.container import build_container

    settings = Settings.from_env()
    if not settings.redis_url:
        print("schedulax worker needs SCHEDULAX_REDIS_URL; the embedded default works jobs in-process",
              file=sys.stderr)
        return 2
    container = build_container(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    container.jobs.start_worker(threads)
    print(f"SchedulaX worker on {settings.redis_url} with {threads} threads", file=sys.stderr)
    stop.wait()
    container.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
