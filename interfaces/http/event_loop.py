"""What the API's event loop gets at start-up: its thread pool, and the ear for the workers' positions.

The pool is the loop's default executor, so Litestar's `sync_to_thread` handlers and
`asyncio.to_thread` use it; it is sized from `settings.thread_pool_size` for the blocking
work alone, because a command waiting for the read models suspends instead of holding a
thread (`infrastructure.suspend`, `infrastructure.tracked_positions`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from infrastructure.suspend import SuspendingExecutor
from interfaces.container import Container


def lifecycle(container: Container) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """The start-up and shut-down hooks."""

    async def start() -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(SuspendingExecutor(container.settings.thread_pool_size))
        if container.tracking is not None:
            await container.tracking.start()

    async def stop() -> None:
        if container.tracking is not None:
            await container.tracking.stop()

    return start, stop
