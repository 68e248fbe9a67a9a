"""The log's hash chain (issue 19, "A log an auditor can verify"): what the chain projection
stores, the digest and its verification, who may read them, and what rebuilds and parking do
to them. Tampering with the store is in test_audit_tamper.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from application.chain_check import check_chain
from application.hash_chain import FLOOR, links
from domain.roles import Role
from infrastructure.event_log import event_log
from interfaces.container import all_projections
from projections.chain import ChainProjection
from projections.chain_queries import SqlChainLinks
from projections.runner import CatchUpRunner
from tests.chain_support import ZERO, Audited, audited, digest, documented_chain, raw_rows, stored_links, verify
from tests.support import bearer, create_user, ok

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def store_audited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Audited]:
    yield from audited(request.param, tmp_path, request)


@pytest.fixture
def sqlite_audited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Audited]:
    yield from audited("sqlite", tmp_path, request)


def test_each_link_is_the_sha256_of_the_documented_layout_over_the_stored_bytes_of_every_event(
    store_audited: Audited,
) -> None:
    a = store_audited
    rows = raw_rows(a.settings)
    assert stored_links(a.container) == documented_chain(rows)
    topics = {row[3] for row in rows}
    # Every topic, the ones no read model decodes included.
    assert any(t.startswith("domain.idempotency:IdempotencyKey") for t in topics)
    assert any(t.startswith("domain.identity:SignIn") for t in topics)
    # The reader and the loop the API and the command line verify with give the same links.
    log = event_log(a.container.events.recorder)
    recomputed = links(log.select(FLOOR, len(rows), rows[-1][0], ()), ZERO)
    assert {position: link.hex() for position, link in recomputed} == stored_links(a.container)
    check = check_chain(log, SqlChainLinks(a.container.store), rows[-1][0], batch=7)
    assert (check.holds, check.events, check.computed) == (True, len(rows), recomputed[-1][1])


def test_the_digest_is_the_newest_link_and_the_time_of_its_event(sqlite_audited: Audited) -> None:
    a = sqlite_audited
    found = digest(a.client, a.root)
    newest = max(stored_links(a.container))
    assert found["sequence"] == newest == a.container.events.recorder.max_notification_id()
    assert found["hash"] == stored_links(a.container)[newest]
    event = a.container.events.mapper.to_domain_event(
        a.container.events.recorder.select_notifications(newest, 1)[0])
    assert found["at"] == event.timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_kept_digest_verifies_and_another_hash_at_its_sequence_does_not(sqlite_audited: Audited) -> None:
    a = sqlite_audited
    kept = digest(a.client, a.root)
    assert verify(a.client, a.root, kept["sequence"], kept["hash"].upper()) == {
        "valid": True, "sequence": kept["sequence"], "computed": kept["hash"], "first_mismatch": None,
        "first_mismatch_kind": None}
    # Later events do not change what an earlier digest proves.
    ok(a.client.post("/api/enterprises", json={"name": "Later"}, headers=bearer(a.root)), 201)
    a.caught_up()
    assert digest(a.client, a.root)["sequence"] > kept["sequence"]
    assert verify(a.client, a.root, kept["sequence"], kept["hash"])["valid"] is True
    # Any position of the chain verifies against its stored link; a wrong hash is not valid,
    # and the log still agrees with the chain.
    middle = kept["sequence"] // 2
    assert verify(a.client, a.root, middle, stored_links(a.container)[middle])["valid"] is True
    wrong = verify(a.client, a.root, kept["sequence"], "0" * 64)
    assert (wrong["valid"], wrong["computed"], wrong["first_mismatch"]) == (False, kept["hash"], None)
    # Before the first event: the 32 zero bytes.
    assert verify(a.client, a.root, 0, ZERO.hex())["valid"] is True


def test_a_sequence_beyond_the_head_of_the_log_answers_404(sqlite_audited: Audited) -> None:
    a = sqlite_audited
    head = a.container.events.recorder.max_notification_id()
    answer = a.client.post("/api/audit/verify", json={"sequence": head + 1, "hash": "a" * 64},
                           headers=bearer(a.root))
    assert answer.status_code == 404, answer.text
    assert answer.json()["detail"]["code"] == "NOT_FOUND" and str(head) in answer.json()["message"]


@pytest.mark.parametrize("body", [{"sequence": 1, "hash": "abc"}, {"sequence": -1, "hash": "a" * 64},
                                  {"sequence": 1, "hash": "g" * 64}, {"hash": "a" * 64}])
def test_a_malformed_verification_request_answers_400_naming_the_field(sqlite_audited: Audited,
                                                                        body: dict[str, Any]) -> None:
    answer = sqlite_audited.client.post("/api/audit/verify", json=body, headers=bearer(sqlite_audited.root))
    assert answer.status_code == 400, answer.text
    assert answer.json()["detail"]["errors"][0]["field"] in ("sequence", "hash")


def test_auditors_and_admins_may_read_and_verify_the_digest_and_managers_and_employees_may_not(
    sqlite_audited: Audited,
) -> None:
    a = sqlite_audited
    acme = a.world.acme
    auditor = create_user(a.client, acme.admin["token"], "auditor@acme.test", Role.AUDITOR.value,
                          acme.enterprise_id, None)
    assert (auditor["role"], auditor["enterprise_id"], auditor["department_id"]) == (
        "auditor", acme.enterprise_id, None)
    a.caught_up()
    kept = digest(a.client, auditor["token"])
    for who in (auditor, acme.admin, a.world.globex.admin, a.world.root):
        assert digest(a.client, who["token"]) == kept
        assert verify(a.client, who["token"], kept["sequence"], kept["hash"])["valid"] is True
    for who in (acme.manager, acme.employee, a.world.globex.employee):
        for answer in (a.client.get("/api/audit/digest", headers=bearer(who["token"])),
                       a.client.post("/api/audit/verify", json={"sequence": 1, "hash": "a" * 64},
                                     headers=bearer(who["token"]))):
            assert answer.status_code == 403, answer.text
            assert answer.json()["detail"]["code"] == "FORBIDDEN"
    assert a.client.get("/api/audit/digest").status_code == 401


def test_a_second_verification_while_one_runs_in_the_process_answers_429_with_retry_after(
    sqlite_audited: Audited,
) -> None:
    a = sqlite_audited
    kept = digest(a.client, a.root)
    running = a.container.log_integrity._running  # what a verification in another thread holds
    with running:
        answer = a.client.post("/api/audit/verify", json={"sequence": kept["sequence"], "hash": kept["hash"]},
                               headers=bearer(a.root))
    assert answer.status_code == 429, answer.text
    assert answer.headers["Retry-After"] == "5" and answer.json()["detail"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert verify(a.client, a.root, kept["sequence"], kept["hash"])["valid"] is True


def test_a_rebuild_of_every_projection_leaves_the_digest_and_every_link_unchanged(store_audited: Audited) -> None:
    a = store_audited
    kept, links = digest(a.client, a.root), stored_links(a.container)
    a.container.runner.rebuild()  # staged in a scratch file and swapped in, as the workers do
    assert (digest(a.client, a.root), stored_links(a.container)) == (kept, links)
    CatchUpRunner(a.container.events, a.container.store, all_projections()).rebuild()  # in place
    assert (digest(a.client, a.root), stored_links(a.container)) == (kept, links)
    # Rebuilt alone, in batches of a few events, and then following new events.
    CatchUpRunner(a.container.events, a.container.store, [ChainProjection()], batch_size=3).rebuild()
    assert (digest(a.client, a.root), stored_links(a.container)) == (kept, links)
    ok(a.client.post("/api/enterprises", json={"name": "After the rebuild"}, headers=bearer(a.root)), 201)
    a.caught_up()
    assert stored_links(a.container) == documented_chain(raw_rows(a.settings))


class Failing:
    """The chain's handler raises on the event at `position` (None: never)."""

    position: int | None = None


@pytest.fixture
def failing_chain(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
                  tmp_path: Path) -> Iterator[tuple[Audited, Failing]]:
    failing = Failing()
    original = ChainProjection.handle_stored

    def handle_stored(projection: ChainProjection, stored: Any, cur: Any) -> None:
        if stored.id == failing.position:
            raise OSError("disk full")
        original(projection, stored, cur)

    monkeypatch.setattr(ChainProjection, "handle_stored", handle_stored)  # before the runner binds it
    for found in audited("sqlite", tmp_path, request):
        yield found, failing


def test_a_chain_that_fails_on_an_event_parks_there_alone_and_links_on_exactly_once_retried(
    failing_chain: tuple[Audited, Failing],
) -> None:
    a, failing = failing_chain
    failing.position = a.container.events.recorder.max_notification_id() + 1
    answer = a.client.post("/api/enterprises", json={"name": "Parks the chain"}, headers=bearer(a.root))
    assert answer.status_code == 201, answer.text  # commands do not wait for the chain
    a.caught_up()
    status = {s.name: s for s in a.container.runner.status()}
    assert (status["audit_chain"].failed_position, status["audit_chain"].position) == (
        failing.position, failing.position - 1)
    assert [name for name, s in status.items() if s.parked] == ["audit_chain"]
    assert max(stored_links(a.container)) == failing.position - 1
    failing.position = None
    assert a.container.runner.retry(["audit_chain"]) == ["audit_chain"]
    a.caught_up()
    assert stored_links(a.container) == documented_chain(raw_rows(a.settings))
