"""An in-process app for the benchmarks that read through HTTP without a server: SQLite
files in a temporary folder, or a fresh PostgreSQL schema dropped afterwards, and the
projections caught up in the same process (no workers), so a read follows its seed."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.pg import fresh_schema, settings_for
from infrastructure.settings import Settings
from interfaces.container import Container, build_container


def in_process_container(stack: ExitStack, label: str, postgres: bool) -> tuple[Settings, Container]:
    """Settings and a container closed by `stack`; `label` names the PostgreSQL schema."""
    schema = stack.enter_context(fresh_schema(label)) if postgres else None
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    settings = settings_for(schema, folder, projection_workers=False)
    container = build_container(settings)
    stack.callback(container.close)
    return settings, container
