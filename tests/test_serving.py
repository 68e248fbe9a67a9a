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

import httpx
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


def test_a_client_cannot_choose_its_address_with_x_forwarded_for_when_no_proxy_is_trusted(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path, rate_limit_enabled="true", rate_limit_auth="3/minute", trusted_proxy_count="0")
    with open(tmp_path / "serve.log", "wb") as log:
        serve = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "serve", "--host", "127.0.0.1",
                                  "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", serve)
        # uvicorn used to take X-Forwarded-For from any sender on loopback as the client's address:
        # a new address per attempt, and the per-IP login limit never applied.
        statuses = [httpx.post(f"http://127.0.0.1:{port}/api/auth/login", timeout=10,
                               json={"email": "nobody@x.test", "password": "wrong-password"},
                               headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(5)]
        assert statuses[:3] == [401, 401, 401] and statuses[3:] == [429, 429], statuses
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)


def test_a_killed_worker_is_replaced_while_the_other_keeps_accepting(tmp_path: Path) -> None:
    """Each worker has its own SO_REUSEPORT socket: killing one closes its socket (the
    connections waiting in its backlog are reset, unless net.ipv4.tcp_migrate_req=1), while
    the other's stays open, and uvicorn starts a replacement within half a second."""
    port = free_port()
    with open(tmp_path / "serve.log", "wb") as log:
        serve = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "serve", "--workers", "2",
                                  "--host", "127.0.0.1", "--port", str(port)],
                                 cwd=ROOT, env=server_env(tmp_path), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", serve)
        deadline = time.monotonic() + 60
        while len(_sockets_on(port, "0A")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        victim = next(pid for pid in descendants(serve.pid)[1:] if _listens(pid, port))
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        seen, answered = [], 0
        while time.monotonic() - killed < 20 and (len(seen) < 3 or seen[-1] < 2):
            seen.append(len(_sockets_on(port, "0A")))
            if time.monotonic() - killed > 0.1:  # a new connection after the kill lands on a live worker
                answered += httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
            time.sleep(0.02)
        assert min(seen) == 1, seen  # never nobody listening
        assert seen[-1] == 2, "no replacement worker listened within 20 s"
        assert answered > 0
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)


def _listens(pid: int, port: int) -> bool:
    listening = _sockets_on(port, "0A")
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in listening:
            return True
    return False
