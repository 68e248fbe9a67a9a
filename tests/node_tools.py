"""Node and Chromium for the tests that drive real JavaScript clients: found (and tests/js's
packages installed) or, on a developer's machine, the test skipped; under CI a missing tool
fails the test instead, so a green CI has run them."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent / "js"
STAMP = JS / "node_modules" / ".schedulax-lock-sha256"
"""The package-lock.json digest `npm ci` last installed (.ci/browser-deps writes it too)."""
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI (.ci/browser-deps installs it)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="session")
def node() -> str:
    """The `node` binary, with tests/js/node_modules installed by `npm ci` when missing
    or older than package-lock.json."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing("node with npm")
    digest = hashlib.sha256((JS / "package-lock.json").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != digest:
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=JS,  # type: ignore[list-item]
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
        STAMP.write_text(digest)
    return node  # type: ignore[return-value]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium (or $CHROMIUM), which playwright-core drives: no browser download."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"chromium ({CHROMIUM})")
    return CHROMIUM
