"""Requests generated from the OpenAPI schema the app serves, answered as that schema says.

schemathesis (issue 18, "Tests that stay") loads `/schema/openapi.json` from the ASGI app
in-process and, for every operation, sends the schema's examples, its coverage cases (the
boundaries and the deliberately invalid values of each parameter) and a bounded number of
fuzzed requests, with a fixed seed and derandomized generation, so a run is repeatable.
Each answer must pass three checks: `not_a_server_error` (never a 5xx),
`status_code_conformance` (the status is one the schema documents for the operation) and
`response_schema_conformance` (the body matches the schema documented for that status).

The app runs on SQLite with a seeded world of two tenants (tests/support.py and
tests/tenant_data.py) and the requests carry a bearer token. Path ids drawn at random mostly
name nothing; schemathesis' parameter dictionaries also draw, half of the time, the ids of
the seeded resources of the right kind, so the operations are exercised on things that exist.
A system admin runs every operation; a manager and an employee of one tenant run them again
with fewer examples and without the coverage phase (boundaries are validated alike for
everyone), because most of their answers take other branches (403, 404, own data).

A failure names the operation, the failed check, the status, what was wrong and the shortest
curl command that showed it (the bearer token shows as [Filtered]). Each operation's Hypothesis
test is built by schemathesis (`get_all_tests`, what its pytest integration runs) and run here
in one pytest test per role: the world has to be seeded before the schema's ids are known, and
schemathesis' fixture-based integration (`from_fixture`) sets `request.node._nodeid`, which
pytest 9.2 no longer has.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from litestar import Litestar, get
from schemathesis.checks import load_all_checks, not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.openapi.checks import JsonSchemaError
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from infrastructure.settings import Settings
from interfaces.container import build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import World, seed_world
from tests.tenant_data import KINDS, TenantData, kind_of, populate

SEED = 18
METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Fuzzed examples per operation, after its schema examples and coverage cases; a system
# admin runs them all, a manager and an employee a smaller share.
EXAMPLES = {"system_admin": 12, "manager": 4, "employee": 4}
BOUNDARIES = {"system_admin"}
"""Roles that also run schemathesis' coverage phase (every boundary and invalid value of each
parameter): validation answers the same whoever asks, so the other roles run the schema's
examples and fuzzed requests only, the cases whose answers depend on the caller."""
SIGN_OUTS = ["/api/auth/logout", "/api/auth/logout-all"]
"""Operations that revoke the token the cases carry (docs/auth.md): run last."""


@dataclass
class Target:
    app: Any
    client: Any
    world: World
    tenants: list[TenantData]


@pytest.fixture
def target(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Target]:
    """A fresh app on SQLite with two populated tenants; each role's run mutates its own."""
    settings: Settings = settings_for("sqlite", tmp_path, request)
    container = build_container(settings)
    app = create_app(settings, container)
    try:
        # schemathesis' own in-process client, so the world is seeded through the same
        # lifespan of the app that the generated requests then reach.
        with asgi.get_client(app) as client:
            world = seed_world(client)
            tenants = [populate(client, world.acme, "Acme"), populate(client, world.globex, "Globex")]
            yield Target(app=app, client=client, world=world, tenants=tenants)
    finally:
        asgi.shutdown_lifespans()
        container.close()


def path_kinds(paths: dict[str, Any]) -> dict[str, str]:
    """Each path parameter's name and the kind of id it takes (names used for two kinds are
    left to random generation: schemathesis binds dictionaries by name, not by path)."""
    kinds: dict[str, set[str]] = {}
    for path, operations in paths.items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter["in"] == "path":
                    kinds.setdefault(parameter["name"], set()).add(kind_of(parameter["name"], path))
    return {name: found.pop() for name, found in kinds.items() if len(found) == 1}


def fuzz_config(target: Target, role: str) -> schemathesis.Config:
    who = {"system_admin": target.world.root, "manager": target.world.acme.manager,
           "employee": target.world.acme.employee}[role]
    dictionaries = {
        kind: {"values": sorted({i for t in target.tenants for i in t.ids[kind]})} for kind in KINDS
    }
    bindings = path_kinds(target.client.get("/schema/openapi.json").json()["paths"])
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "suppress-health-check": ["all"],
        "headers": {"Authorization": f"Bearer {who['token']}"},
        "generation": {
            "mode": "all", "max-examples": EXAMPLES[role], "deterministic": True,
            "database": "none",
        },
        "phases": {"coverage": {"enabled": role in BOUNDARIES}},
        "dictionaries": dictionaries,
        "parameters": {
            f"path.{name}": {"dictionary": kind, "probability": 0.5} for name, kind in bindings.items()
        },
    })


@dataclass
class Finding:
    """One distinct failure: an operation, a check, the status answered, what was wrong,
    and the shortest request (as curl) that showed it."""

    operation: str
    check: str
    status: int
    what: str
    curl: str

    def __str__(self) -> str:
        return f"{self.operation}: {self.check} on {self.status}: {self.what}\n    {self.curl}"


def _what(failure: Any) -> str:
    if isinstance(failure, JsonSchemaError):
        return f"{failure.validation_message} (at {'/'.join(map(str, failure.instance_path)) or 'the body'})"
    return (failure.message or failure.title).strip().splitlines()[0]


class Fuzzer:
    """Sends generated requests and records each distinct failure once.

    A failing case does not stop its operation: all the bounded examples run, so one early
    failure (say, an undocumented 404) cannot hide a later one (a 500) of the same operation.
    The cost is that nothing is shrunk; the shortest failing request of each kind stands in.
    """

    def __init__(self) -> None:
        self.findings: dict[tuple[str, ...], Finding] = {}
        self.requests = 0
        self.signed_in_until_the_sign_outs = True

    def record(self, case: Any, response: Any) -> None:
        self.requests += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            curl = case.as_curl_command(headers=dict(response.request.headers))
            for failure in group.exceptions:
                check = failure.checks[0] if failure.checks else type(failure).__name__
                key = (case.operation.label, check, str(response.status_code), failure._unique_key)
                known = self.findings.get(key)
                if known is None or len(curl) < len(known.curl):
                    self.findings[key] = Finding(
                        case.operation.label, check, response.status_code, _what(failure), curl
                    )

    def call(self, case: Any) -> None:
        response = case.call()
        self.record(case, response)
        if case.operation.path in SIGN_OUTS:
            return
        if response.status_code == 401 and "revoked" in response.text:
            self.signed_in_until_the_sign_outs = False

    def operations(self, schema: Any) -> int:
        """Every operation's examples, coverage cases and fuzzed cases; deletions last, so
        the seeded resources are still there for the operations that read or change them,
        and the sign-outs after them, since they revoke the bearer token every case sends."""
        count = 0
        rest = schema.exclude(path=SIGN_OUTS)
        for part in (rest.exclude(method="DELETE"), rest.include(method="DELETE"), schema.include(path=SIGN_OUTS)):
            for result in get_all_tests(schema=part, test_func=self.call, settings=None, given_kwargs=None):
                count += 1
                if isinstance(result, Err):
                    error = result.err()
                    self.findings[(error.label, "schema")] = Finding(error.label, "schema", 0, str(error), "")
                    continue
                operation, test = result.ok()
                try:
                    test()
                except Exception as error:  # noqa: BLE001 - an error of the harness is a finding too
                    self.findings[(operation.label, "harness")] = Finding(
                        operation.label, "harness", 0, repr(error), ""
                    )
        return count


@pytest.mark.parametrize("role", list(EXAMPLES))
def test_every_generated_request_is_answered_as_the_schema_documents(target: Target, role: str) -> None:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", target.app, config=fuzz_config(target, role))
    load_all_checks()
    fuzzer = Fuzzer()
    operations = fuzzer.operations(schema)
    assert fuzzer.signed_in_until_the_sign_outs, "the role's token was revoked before the sign-outs ran"
    served = target.client.get("/schema/openapi.json").json()["paths"]
    assert operations == sum(m in METHODS for ops in served.values() for m in ops), "an operation was not run"
    # Every operation was really exercised: with boundaries, ten cases and more each; without,
    # its examples and fuzzed requests (three and more).
    floor = 10 if role in BOUNDARIES else 3
    assert fuzzer.requests >= floor * operations, f"only {fuzzer.requests} requests were sent"
    findings = sorted(fuzzer.findings.values(), key=lambda f: (f.operation, f.check, f.status, f.what))
    report = "\n".join(map(str, findings))
    tally = Counter(f"{f.check} on {f.status}" for f in findings)
    by_kind = ", ".join(f"{kind}: {count}" for kind, count in sorted(tally.items()))
    print(f"\n{role}: {fuzzer.requests} requests over {operations} operations, {len(findings)} distinct failures")
    assert not findings, (
        f"{len(findings)} distinct failures in {fuzzer.requests} requests over {operations} operations "
        f"as {role} (its bearer token is the [Filtered] Authorization); {by_kind}\n{report}"
    )


def test_the_fuzzer_reports_a_server_error_with_the_request_that_caused_it() -> None:
    @get("/things/{thing_id:int}", sync_to_thread=False)
    def thing(thing_id: int) -> dict[str, int]:
        if thing_id > 7:
            raise RuntimeError("boom")
        return {"id": thing_id}

    app = Litestar([thing])
    try:
        schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=schemathesis.Config.from_dict({
            "seed": SEED, "generation": {"mode": "positive", "max-examples": 20, "deterministic": True,
                                         "database": "none"}}))
        load_all_checks()
        fuzzer = Fuzzer()
        assert fuzzer.operations(schema) == 1
    finally:
        asgi.shutdown_lifespans()
    [error] = [f for f in fuzzer.findings.values() if f.check == "not_a_server_error"]
    assert error.operation == "GET /things/{thing_id}" and error.status == 500
    assert "curl -X GET" in error.curl and "/things/" in error.curl
