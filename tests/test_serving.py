"""`schedulax serve --workers N`: each worker listens on a socket of its own (SO_REUSEPORT)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bench.servers import descendants
from interfaces.serving import reuse_port_socket
from tests.live import ROOT, free_port, server_env, wait_until_up

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="SO_REUSEPORT is Linux/BSD only")


def test_two_reuse_port_sockets_listen_on_one_port() -> None:
    port = free_port()
    first, second = reuse_port_socket("127.0.0.1", port), reuse_port_socket("127.0.0.1", port)
    try:
        first.listen()
        second.listen()
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
    finally:
        first.close()
        second.close()


def _sockets_on(port: int, state: str) -> set[str]:
    """Inodes of the local TCP sockets on `port` in `state` (01 established, 0A listening)."""
    inodes = set()
    with open("/proc/net/tcp") as table:
        for line in list(table)[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    return inodes


def _connections_per_process(pids: list[int], port: int) -> Counter[int]:
    wanted, held = _sockets_on(port, "01"), Counter[int]()
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in wanted:
                held[pid] += 1
    return held


def test_connections_opened_together_are_spread_over_the_workers(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path)
    with open(tmp_path / "serve.log", "wb") as log:
        serve = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "serve", "--workers", "2",
                                  "--host", "127.0.0.1", "--port", str(port)],
                                 cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    clients: list[socket.socket] = []
    try:
        wait_until_up(f"http://127.0.0.1:{port}", serve)
        deadline = time.monotonic() + 60
        while len(_sockets_on(port, "0A")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)  # each worker listens once its app has started
        assert len(_sockets_on(port, "0A")) == 2
        workers = descendants(serve.pid)[1:]
        request = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        for _ in range(16):  # as a client pool opens them: all at once, all kept alive
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        for client in clients:
            client.sendall(request)
        for client in clients:
            assert client.recv(65536).startswith(b"HTTP/1.1 ")
        held = _connections_per_process(workers, port)
        assert sum(held.values()) == 16
        assert len(held) == 2, f"one worker took every connection: {held}"
    finally:
        for client in clients:
            client.close()
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0


def test_serve_stops_at_once_when_its_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "interfaces.cli", "serve", "--workers", "2",
                               "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=server_env(tmp_path), capture_output=True, timeout=60, check=False)
    assert done.returncode != 0
    assert b"Address already in use" in done.stderr
