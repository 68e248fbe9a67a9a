"""The circuit breaker in front of Redis: cool off after a failure, then let one probe decide."""

from __future__ import annotations

import threading

from infrastructure.circuit import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breaker() -> tuple[CircuitBreaker, Clock]:
    clock = Clock()
    return CircuitBreaker(first_cooloff=2.0, longest_cooloff=5.0, clock=clock), clock


def test_a_closed_circuit_lets_every_call_through() -> None:
    circuit, _ = breaker()
    assert all(circuit.allow() for _ in range(5))
    assert circuit.state == "closed" and circuit.retry_after() == 0


def test_after_a_failure_no_call_is_attempted_until_the_cool_off_ends() -> None:
    circuit, clock = breaker()
    assert circuit.failed() is True  # the outage begins
    assert circuit.state == "open" and circuit.retry_after() == 2.0
    clock.now += 1.9
    assert not circuit.allow()
    clock.now += 0.2
    assert circuit.state == "probing"
    assert circuit.allow()


def test_only_one_probe_is_let_through_at_a_time() -> None:
    circuit, clock = breaker()
    circuit.failed()
    clock.now += 2.0
    assert circuit.allow()
    assert not circuit.allow() and not circuit.allow()


def test_a_successful_probe_closes_the_circuit_and_says_the_outage_ended() -> None:
    circuit, clock = breaker()
    circuit.failed()
    clock.now += 2.0
    assert circuit.allow()
    assert circuit.succeeded() is True
    assert circuit.state == "closed" and circuit.allow() and circuit.allow()
    assert circuit.succeeded() is False  # no outage to end


def test_the_cool_off_grows_while_probes_keep_failing_up_to_its_longest() -> None:
    circuit, clock = breaker()
    cooloffs = []
    for _ in range(4):
        circuit.failed()
        cooloffs.append(circuit.retry_after())
        clock.now += cooloffs[-1]
        assert circuit.allow()
    assert cooloffs == [2.0, 4.0, 5.0, 5.0]


def test_only_the_first_failure_of_an_outage_begins_it() -> None:
    circuit, clock = breaker()
    assert circuit.failed() is True
    clock.now += 2.0
    circuit.allow()
    assert circuit.failed() is False


def test_calls_that_were_in_flight_when_it_opened_do_not_extend_the_cool_off() -> None:
    circuit, clock = breaker()
    circuit.failed()
    clock.now += 0.5
    assert circuit.failed() is False
    assert circuit.retry_after() == 1.5


def test_a_probe_that_never_reports_does_not_keep_the_circuit_shut_for_good() -> None:
    circuit, clock = breaker()
    circuit.failed()
    clock.now += 2.0
    assert circuit.allow()  # its caller vanished without a word
    clock.now += 1.0
    assert not circuit.allow()
    clock.now += 1.0
    assert circuit.allow()


def test_threads_racing_for_the_probe_get_exactly_one() -> None:
    circuit, clock = breaker()
    circuit.failed()
    clock.now += 2.0
    start = threading.Barrier(8)
    granted: list[bool] = []

    def race() -> None:
        start.wait()
        granted.append(circuit.allow())

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 1
