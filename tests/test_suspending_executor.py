"""The event loop's pool: callables that wait on the loop do not hold its threads."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading

import pytest

from infrastructure.suspend import SuspendingExecutor, can_suspend, suspend

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


def test_sixteen_callables_waiting_on_the_loop_at_once_share_two_threads_and_resume_where_they_started() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        pool = SuspendingExecutor(2)
        opened = asyncio.Event()
        waiting = 0

        def command(number: int) -> tuple[str, bool]:
            nonlocal waiting
            started_on = threading.get_ident()

            async def until_opened() -> int:
                nonlocal waiting
                waiting += 1
                await opened.wait()
                return number

            assert suspend(loop, until_opened) == number
            return request_id.get(), threading.get_ident() == started_on

        async def one(number: int) -> tuple[str, bool]:
            request_id.set(f"request {number}")
            bound = functools.partial(contextvars.copy_context().run, command, number)
            return await loop.run_in_executor(pool, bound)

        answers = [asyncio.create_task(one(n)) for n in range(16)]
        while waiting < 16:  # all sixteen are suspended: none holds one of the two threads
            await asyncio.sleep(0.01)
        opened.set()
        assert await asyncio.gather(*answers) == [(f"request {n}", True) for n in range(16)]
        pool.shutdown()

    asyncio.run(scenario())


def test_what_the_awaited_raises_is_raised_in_the_callable_and_off_the_pool_nothing_suspends() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        pool = SuspendingExecutor(1)

        async def refused() -> None:
            raise LookupError("behind")

        with pytest.raises(LookupError, match="behind"):
            await loop.run_in_executor(pool, lambda: suspend(loop, refused))
        assert await loop.run_in_executor(pool, can_suspend)
        assert not can_suspend()
        pool.shutdown()

    asyncio.run(scenario())


def test_a_direct_callable_runs_on_a_pool_thread_itself_and_cannot_suspend_there() -> None:
    from infrastructure.suspend import Direct

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        pool = SuspendingExecutor(2)

        def read() -> tuple[bool, str, bool]:
            return can_suspend(), request_id.get(), threading.current_thread().name.startswith("schedulax-pool-")

        def failing() -> None:
            raise LookupError("gone")

        async def one(number: int) -> tuple[bool, str, bool]:
            request_id.set(f"request {number}")
            return await loop.run_in_executor(pool, Direct(functools.partial(contextvars.copy_context().run, read)))

        assert await asyncio.gather(*(one(n) for n in range(8))) == [(False, f"request {n}", True) for n in range(8)]
        plain = await loop.run_in_executor(pool, can_suspend)
        assert plain is True  # the rest still runs in a greenlet that may suspend
        with pytest.raises(LookupError, match="gone"):
            await loop.run_in_executor(pool, Direct(failing))
        pool.shutdown()

    asyncio.run(scenario())
