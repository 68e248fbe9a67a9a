"""The `schedulax` command."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="schedulax", description="SchedulaX roster backend")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default=None, help="bind address (SCHEDULAX_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (SCHEDULAX_PORT)")
    serve.add_argument("--workers", type=int, default=1, help="API worker processes")
    worker = commands.add_parser("worker", help="work background jobs from Redis (auto-assign)")
    worker.add_argument("--threads", type=int, default=2, help="worker threads")
    args = parser.parse_args(argv)

    if args.command == "worker":
        return run_worker(args.threads)

    if args.command == "serve":
        import uvicorn

        from infrastructure.settings import Settings

        settings = Settings.from_env()
        host = args.host or settings.host
        port = args.port or settings.port
        print(f"SchedulaX on http://{host}:{port} ({settings.backend}); API docs at /schema/swagger",
              file=sys.stderr)
        uvicorn.run(
            "interfaces.http.asgi:app",
            host=host,
            port=port,
            workers=args.workers,
            factory=True,
            log_level=os.environ.get("SCHEDULAX_LOG_LEVEL", "info"),
        )
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
