"""The event loop's executor, on whose threads sync work may wait on the loop without holding them.

Commands are sync code (load, decide, save, then read their answer) that must wait, between
the save and the read, for the projection workers. A thread blocked in that wait is a thread
no other request gets: at 32 clients most of a command's time was queueing for one. Here
each callable runs in a greenlet on a pool thread; `suspend` switches out of it, the thread
takes other work, an asyncio task awaits on the loop, and the greenlet is resumed on the
thread it started on (a greenlet cannot change threads) once the awaitable is done. So a
pool of N threads runs N callables at a time, however many of them are waiting.

The suspension point is the only one, and it is taken with no connection or transaction
open: the thread-local state a callable may have left (pools, caches) is the same thread's
when it resumes.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from greenlet import getcurrent, greenlet


class _Resumable(greenlet):  # type: ignore[misc]
    """A callable of the pool: the one kind of greenlet `suspend` may switch out of."""


class _Suspension:
    def __init__(self, loop: asyncio.AbstractEventLoop, awaited: Callable[[], Awaitable[Any]]) -> None:
        self.loop = loop
        self.awaited = awaited


class Direct:
    """A callable that never suspends (a read): the pool runs it on its thread itself, not in a
    greenlet of its own. Making, entering and dropping that greenlet cost about 28 us of CPU a
    call (20,000 trivial calls at 32 in flight, 16 threads), a fair part of a hot read. Inside
    it `can_suspend()` is False, as off the pool: a wait blocks its thread instead."""

    __slots__ = ("call",)

    def __init__(self, call: Callable[[], Any]) -> None:
        self.call = call

    def __call__(self) -> Any:
        return self.call()


class _Task:
    __slots__ = ("call", "future", "runner", "owner", "direct")

    def __init__(self, call: Callable[[], Any], future: concurrent.futures.Future[Any], direct: bool = False) -> None:
        self.call = call
        self.future = future
        self.runner: _Resumable | None = None
        self.owner = -1
        self.direct = direct


def can_suspend() -> bool:
    """Whether the caller runs on this pool (elsewhere it must block instead)."""
    return isinstance(getcurrent(), _Resumable)


def suspend(loop: asyncio.AbstractEventLoop, awaited: Callable[[], Awaitable[Any]]) -> Any:
    """Await `awaited()` on `loop`, releasing this thread meanwhile; its result, or its exception raised."""
    current = getcurrent()
    if not isinstance(current, _Resumable):
        raise RuntimeError("suspend() outside the suspending executor")
    ok, value = current.parent.switch(_Suspension(loop, awaited))
    if not ok:
        raise value
    return value


class SuspendingExecutor(concurrent.futures.ThreadPoolExecutor):
    """At most `size` threads, started as work arrives; a thread takes its resumed callables first.

    A ThreadPoolExecutor only by type (asyncio's default executor must be one): its own
    threads and queue are unused. Each thread sleeps on a condition of its own, so that
    resuming a callable wakes its thread alone, not every idle one."""

    def __init__(self, size: int) -> None:
        super().__init__(max_workers=max(1, size), thread_name_prefix="schedulax-unused")
        self._size = max(1, size)
        self._lock = threading.Lock()
        self._new: collections.deque[_Task] = collections.deque()
        self._resumed: list[collections.deque[tuple[_Task, tuple[bool, Any]]]] = []
        self._wakers: list[threading.Condition] = []
        self._threads: list[threading.Thread] = []
        self._idle: list[int] = []
        self._closed = False
        self._awaiting: set[asyncio.Task[None]] = set()  # referenced, or the loop may drop them

    @property
    def size(self) -> int:
        return self._size

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            direct = isinstance(fn, Direct) and not args and not kwargs
            self._new.append(_Task(fn if direct else lambda: fn(*args, **kwargs), future, direct))
            if self._idle:
                self._wakers[self._idle.pop()].notify()
            elif len(self._threads) < self._size:
                self._start_thread()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Threads end once their queues are empty; a callable still suspended then is dropped
        (the loop is going: nothing would resume it)."""
        with self._lock:
            self._closed = True
            if cancel_futures:
                while self._new:
                    self._new.popleft().future.cancel()
            for waker in self._wakers:
                waker.notify()
        if wait:
            for thread in list(self._threads):
                if thread is not threading.current_thread():
                    thread.join()

    def _start_thread(self) -> None:
        index = len(self._threads)
        self._resumed.append(collections.deque())
        self._wakers.append(threading.Condition(self._lock))
        thread = threading.Thread(target=self._work, args=(index,), name=f"schedulax-pool-{index}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _work(self, index: int) -> None:
        mine, waker = self._resumed[index], self._wakers[index]
        while True:
            with self._lock:
                while not mine and not self._new:
                    if self._closed:
                        return
                    self._idle.append(index)
                    waker.wait()
                    if index in self._idle:  # woken for its own work, or by shutdown
                        self._idle.remove(index)
                task, outcome = mine.popleft() if mine else (self._new.popleft(), (True, None))
            self._step(task, index, outcome)

    def _step(self, task: _Task, index: int, outcome: tuple[bool, Any]) -> None:
        if task.direct:
            if task.future.set_running_or_notify_cancel():
                try:
                    result = task.call()
                except BaseException as error:  # the callable's own: its future carries it
                    task.future.set_exception(error)
                else:
                    task.future.set_result(result)
            return
        first = task.runner is None
        if task.runner is None:
            if not task.future.set_running_or_notify_cancel():
                return
            task.runner = _Resumable(task.call)
            task.owner = index
        try:
            result = task.runner.switch() if first else task.runner.switch(outcome)
        except BaseException as error:  # the callable's own: its future carries it
            task.future.set_exception(error)
            return
        if not task.runner.dead and isinstance(result, _Suspension):
            self._await(task, result)
            return
        task.future.set_result(result)

    def _await(self, task: _Task, suspension: _Suspension) -> None:
        async def awaiting() -> None:
            try:
                outcome: tuple[bool, Any] = (True, await suspension.awaited())
            except BaseException as error:  # noqa: BLE001 - raised in the callable, where it belongs
                outcome = (False, error)
            self._resume(task, outcome)

        def start() -> None:
            running = suspension.loop.create_task(awaiting())
            self._awaiting.add(running)
            running.add_done_callback(self._awaiting.discard)

        try:
            suspension.loop.call_soon_threadsafe(start)
        except RuntimeError as error:  # the loop is closed: the callable learns it at once
            self._resume(task, (False, error))

    def _resume(self, task: _Task, outcome: tuple[bool, Any]) -> None:
        with self._lock:
            self._resumed[task.owner].append((task, outcome))
            self._wakers[task.owner].notify()  # the thread it started on, and only that one
