"""The job broker's client: bounded waits, a circuit breaker, and a typed error instead of a 500."""

from __future__ import annotations

import logging
import time

import pytest

from application.ports import JobQueueUnavailable
from infrastructure.jobs import AUTO_ASSIGN, DramatiqJobs
from tests.private_redis import refusing_url, silent_server


def jobs_on(url: str) -> DramatiqJobs:
    jobs = DramatiqJobs.for_url(url)
    jobs.register(AUTO_ASSIGN, lambda *args: None)
    return jobs


def test_an_enqueue_on_a_dead_broker_raises_job_queue_unavailable_then_refuses_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    jobs = jobs_on(refusing_url())
    caplog.set_level(logging.INFO, logger="schedulax.jobs")
    with pytest.raises(JobQueueUnavailable) as raised:
        jobs.enqueue_auto_assign(1, 1, None, "job")
    assert 1 <= raised.value.retry_after <= 2
    with pytest.raises(JobQueueUnavailable):
        jobs.check_available()  # known down: the caller saves nothing
    with pytest.raises(JobQueueUnavailable):
        jobs.enqueue_auto_assign(1, 1, None, "job")
    assert [r.levelname for r in caplog.records if r.name == "schedulax.jobs"] == ["WARNING"]
    jobs.close()


def test_an_enqueue_on_a_hung_broker_gives_up_after_250_ms() -> None:
    with silent_server() as url:
        jobs = jobs_on(url)
        start = time.monotonic()
        with pytest.raises(JobQueueUnavailable):
            jobs.enqueue_auto_assign(1, 1, None, "job")
        assert time.monotonic() - start < 0.4
        jobs.close()


def test_the_ping_of_a_hung_broker_is_bounded_and_then_answered_at_once() -> None:
    with silent_server() as url:
        jobs = jobs_on(url)
        start = time.monotonic()
        assert jobs.ping() is False
        first = time.monotonic() - start
        assert jobs.ping() is False
        assert 0.2 <= first < 0.4 and time.monotonic() - start - first < 0.05
        jobs.close()


@pytest.mark.redis
def test_the_ping_of_a_live_broker_is_true(redis_url: str) -> None:
    jobs = jobs_on(redis_url)
    assert jobs.ping() is True
    jobs.close()


def test_the_in_process_broker_is_always_reachable() -> None:
    jobs = jobs_on("")
    assert jobs.ping() is True
    jobs.check_available()
    jobs.close()
