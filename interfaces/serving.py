"""`schedulax serve`: uvicorn, with one listening socket per worker process.

uvicorn's workers share one listening socket, and an event loop that wakes to accept
takes every pending connection at once: the 32 keep-alive connections of a client pool
opened together all land in one worker, which then runs at 100% while the others idle.
With `SO_REUSEPORT`, each worker listens on a socket of its own, bound to the same port,
and the kernel spreads new connections across them by a hash of their addresses.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import multiprocess


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port beside the other workers' (not yet listening)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class _WorkerWithOwnSocket(multiprocess.Process):
    """A uvicorn worker that binds its own `SO_REUSEPORT` socket instead of the shared one."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover (child)
        super().target([reuse_port_socket(self.config.host, self.config.port)])


def serve(app: str, host: str, port: int, workers: int, log_level: str) -> None:
    # No proxy headers: SCHEDULAX_TRUSTED_PROXY_COUNT is honoured by the app, which reads the
    # client from X-Forwarded-For with that many trusted hops (`interfaces.http.ratelimit`).
    # uvicorn trusts by address instead (by default X-Forwarded-For from 127.0.0.1, whoever put
    # it there), which cannot express a hop count and let a client choose its address.
    config = uvicorn.Config(app, host=host, port=port, workers=workers, factory=True, log_level=log_level,
                            proxy_headers=False)
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.Server(config).run()
        return
    # Fail here, not in a restart loop of the workers, when the port is taken. A bound socket
    # that never listens receives no connections, so the parent may keep it.
    holder = reuse_port_socket(host, port)
    shared: Any = multiprocess.Process
    multiprocess.Process = _WorkerWithOwnSocket  # type: ignore[misc] # the supervisor makes workers by this name
    try:
        multiprocess.Multiprocess(config, sockets=[]).run()
    finally:
        multiprocess.Process = shared  # type: ignore[misc]
        holder.close()
