"""A real browser on another origin: headless Chromium (driven by playwright-core,
tests/js/browser.mjs) loads a page served here on another port than the API's, signs in with
fetch, plans and publishes a roster, reads it, hears `new_notification` over socket.io and
marks it read (tests/js/page/app.js). Any console error fails the test."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from interfaces.container import build_container
from interfaces.http.app import create_app
from interfaces.realtime.asgi import with_socketio
from tests.conftest import settings_for
from tests.live import free_port, in_thread
from tests.node_tools import JS, chromium, node  # noqa: F401 - the fixtures
from tests.support import PASSWORD, ok, seed_tenant

TIMEOUT = 20  # seconds the browser waits for the page's verdict

PAGE_FILES = {
    "/": (JS / "page" / "index.html", "text/html; charset=utf-8"),
    "/app.js": (JS / "page" / "app.js", "text/javascript; charset=utf-8"),
    "/socket.io.min.js": (JS / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
                          "text/javascript; charset=utf-8"),
}


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        found = PAGE_FILES.get(self.path.split("?")[0])
        if found is None:
            self.send_error(404)
            return
        body = found[0].read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", found[1])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def page_server() -> Iterator[str]:
    """The web client's own origin: 127.0.0.1 on a port of its own."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def api_for(page_origin: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The API with socket.io, on uvicorn, letting that origin in; rate limits on, so their
    headers are there for the page to read."""
    settings = settings_for("sqlite", tmp_path, request, cors_origins=(page_origin,), rate_limit_enabled=True,
                            rate_limit_auth="100/minute")
    container = build_container(settings)
    try:
        with in_thread(with_socketio(create_app(settings, container))) as url:
            yield url
    finally:
        container.close()


@pytest.mark.slow  # Chromium's start and a real server: 3 to 8 s
def test_a_page_on_another_origin_signs_in_reads_a_roster_and_hears_its_notification_in_chromium(
    node: str, chromium: str, tmp_path: Path, request: pytest.FixtureRequest  # noqa: F811 - fixtures
) -> None:
    with page_server() as page, api_for(page, tmp_path, request) as api:
        assert page != api
        with httpx.Client(base_url=api, timeout=15) as http:
            root = ok(http.post("/api/auth/create-system-admin", json={
                "full_name": "Root", "email": "root@system.test", "password": PASSWORD}), 201)
            acme = seed_tenant(http, root["token"], "Acme")  # type: ignore[arg-type]
        settings = {
            "api": api,
            "employee": {"email": acme.employee["email"], "password": PASSWORD},
            "manager": {"email": acme.manager["email"], "password": PASSWORD},
            "departmentId": acme.department_id,
        }
        done = subprocess.run(
            [node, str(JS / "browser.mjs"), f"{page}/#{quote(json.dumps(settings))}", "--timeout", str(TIMEOUT)],
            capture_output=True, text=True, timeout=TIMEOUT + 30, env={"CHROMIUM": chromium, "PATH": "/usr/bin:/bin"},
        )
    assert done.stdout, f"no report from the browser driver (exit {done.returncode}):\n{done.stderr}"
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["verdict"]["ok"], json.dumps(report, indent=2)
    assert [m for m in report["console"] if m["type"] == "error"] == [], report["console"]
    assert report["pageErrors"] == []
    assert [s["name"] for s in report["verdict"]["steps"]] == [
        "signed in", "connected", "signed in", "published", "notified", "read roster", "marked read"]
    assert done.returncode == 0, done.stderr
