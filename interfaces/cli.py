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
    args = parser.parse_args(argv)

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


if __name__ == "__main__":
    sys.exit(main())
