"""Tenant isolation, for every operation of the served OpenAPI schema that takes an id.

Issue 18 ("Tests that stay"): the matrix is generated from `/schema/openapi.json`, so a new
endpoint joins it without anyone listing it. Two enterprises are seeded (tests/support.py)
and Globex gets one or more resources of every kind through the API (tests/tenant_data.py).
Then each role of Acme (enterpriseAdmin, manager, employee, auditor) sends:

- every operation with a path parameter, with each of Globex's ids of that parameter's kind
  (and a plausible body built from the operation's request schema);
- every operation with an id in its request body, with Globex's id there and Acme's own ids
  in the path;
- every operation with an id among its query parameters, with Globex's id there.

Each answer must be the answer to an id that exists nowhere (one probe per operation, role
and parameter): the same status, 404, or 403 when the role may never do that at all (so an
absent id gets 403 too), in the error envelope; for a query filter, the same status and body. Never a 2xx or a 5xx for a path
or body id, and never a name or email of Globex (every name the seed gives Globex carries
"Globex"). Afterwards Globex's own people read back everything of Globex unchanged.
Self-registration (`/api/auth/...`) is left to the consent tests: joining an enterprise is
allowed there, pending approval.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.container import build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import World, bearer, create_user, seed_world
from tests.tenant_data import TenantData, UnknownIdKind, is_id, kind_of, populate

ROLES = ("admin", "manager", "employee", "auditor")
METHODS = ("get", "post", "put", "patch", "delete")
ABSENT = 10**9
"""An id of no resource of any kind (and well inside every store's integer range)."""
LEAK = "globex"
CODES = {403: "FORBIDDEN", 404: "NOT_FOUND"}
SKIPPED_PREFIXES = ("/api/auth/", "/api/calendar/feeds/")
"""Self-registration (see the module's text), and the secret feed URLs: a feed URL is a
capability, which answers its owner's calendar to whoever holds it, by design, and 404 to every
other string (tests/test_http_ical.py)."""
# Values for properties of a request body that make the request one the product would carry
# out if the id were the caller's own; anything else is built from the schema.
SAMPLES = {"name": "Hijacked by Acme", "full_name": "Hijacked by Acme", "title": "Hijacked by Acme",
           "status": "published", "start_date": "2026-03-02", "end_date": "2026-03-08",
           "auto_generate_shifts": True}
OPTIONAL = {"name", "full_name", "title", "auto_generate_shifts"}
"""Optional properties sent too: a field to change in an update, and `auto_generate_shifts`
so that a roster's `shift_template_id` is used rather than ignored."""


@dataclass
class Case:
    method: str
    path: str
    role: str
    swept: str
    """Where Globex's id goes: `path:<name>`, `body:<name>` or `query:<name>`."""
    kind: str
    url: str
    absent_url: str
    body: Any = None
    absent_body: Any = None

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path} as {self.role}, Globex's {self.kind} in {self.swept}"


@dataclass
class Outcome:
    cases: int = 0
    probes: int = 0
    failures: list[str] = field(default_factory=list)


class Schema:
    """The served schema: operations, their parameters and request bodies, $refs resolved."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.paths = document["paths"]
        self.components = document.get("components", {}).get("schemas", {})

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for path, item in self.paths.items():
            for method in METHODS:
                if method in item and not path.startswith(SKIPPED_PREFIXES):
                    yield method, path, item[method]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = {**self.components[schema["$ref"].rsplit("/", 1)[-1]],
                      **{k: v for k, v in schema.items() if k != "$ref"}}
        for key in ("oneOf", "anyOf"):
            if key in schema:
                options = [self.resolve(o) for o in schema[key] if o.get("type") != "null"]
                rest = {k: v for k, v in schema.items() if k != key}
                schema = {**options[0], **rest} if options else rest
        return schema

    def body_schema(self, operation: dict[str, Any]) -> dict[str, Any] | None:
        content = operation.get("requestBody", {}).get("content", {})
        media = content.get("application/json")
        return self.resolve(media["schema"]) if media else None

    def id_properties(self, schema: dict[str, Any] | None, seen: frozenset[str] = frozenset()) -> set[str]:
        """The names of the id properties anywhere in a request body's schema."""
        if schema is None:
            return set()
        schema = self.resolve(schema)
        names = set()
        for name, sub in schema.get("properties", {}).items():
            if is_id(name):
                names.add(name)
            elif name not in seen:
                names |= self.id_properties(sub, seen | {name})
        if "items" in schema:
            names |= self.id_properties(schema["items"], seen)
        return names

    def example(self, schema: dict[str, Any], name: str, ids: dict[str, int]) -> Any:
        """A value for property `name`: ids come from `ids` by property name or kind."""
        schema = self.resolve(schema)
        if name in ids:
            return ids[name]
        if "enum" in schema:
            values = [v for v in schema["enum"] if v is not None]
            return SAMPLES[name] if SAMPLES.get(name) in values else values[0]
        kind = schema.get("type")
        kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
        if kind == "object" or "properties" in schema:
            wanted = set(schema.get("required", [])) | OPTIONAL
            properties = schema.get("properties", {})
            return {p: self.example(s, p, ids) for p, s in properties.items()
                    if p in wanted or p in ids}
        if kind == "array":
            return [self.example(schema.get("items", {}), name, ids)] * max(1, schema.get("minItems", 0))
        if kind == "integer":
            return max(1, int(schema.get("minimum", 1)))
        if kind == "boolean":
            return SAMPLES.get(name, False)
        if schema.get("format") == "date":
            return SAMPLES.get(name, "2026-03-02")
        if schema.get("format") == "date-time":
            return "2026-03-02T09:00:00Z"
        if schema.get("format") == "email" or name == "email":
            return "new.member@acme.test"
        if "pattern" in schema:  # the API's only patterned strings are HH:MM times
            return "09:00"
        return SAMPLES.get(name, "Acme value")[: schema.get("maxLength", 100)]


def path_parameters(operation: dict[str, Any], location: str = "path") -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == location]


def fill(path: str, values: dict[str, int]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    return path


def known_kind(name: str, path: str = "") -> str | None:
    """The kind of `name`, or None: an unknown one fails the mapping test, not every case."""
    try:
        return kind_of(name, path)
    except UnknownIdKind:
        return None


def sweeps(schema: Schema, path: str, operation: dict[str, Any], acme: TenantData,
           globex: TenantData) -> Iterator[tuple[str, str, str, str, Any, Any]]:
    """(swept, kind, url, absent url, body, absent body) for each of Globex's ids this
    operation takes; everything else in the request is Acme's own."""
    mine = {kind: acme.tenant.employee["id"] if kind == "user" else acme.first(kind) for kind in acme.ids}
    params = {p: k for p in path_parameters(operation) if (k := known_kind(p, path))}
    own = {p: acme.first(k) for p, k in params.items()}
    own_path = fill(path, own)
    body_schema = schema.body_schema(operation)
    body_ids = {p: mine[k] for p in schema.id_properties(body_schema) if (k := known_kind(p))}
    required = set(body_schema.get("required", [])) if body_schema else set()

    def body(**swapped: int) -> Any:
        if body_schema is None:
            return None
        ids = {**body_ids, **swapped} if swapped else {p: v for p, v in body_ids.items() if p in required}
        return schema.example(body_schema, "", ids)

    for param, kind in params.items():
        for globex_id in globex.ids[kind]:
            yield (f"path:{param}", kind, fill(path, {**own, param: globex_id}), fill(path, {**own, param: ABSENT}),
                   body(), body())
    for prop in sorted(body_ids):
        kind = kind_of(prop)
        for globex_id in globex.ids[kind]:
            yield f"body:{prop}", kind, own_path, own_path, body(**{prop: globex_id}), body(**{prop: ABSENT})
    for param in path_parameters(operation, "query"):
        if is_id(param) and (kind := known_kind(param, path)):
            for globex_id in globex.ids[kind]:
                yield (f"query:{param}", kind, f"{own_path}?{param}={globex_id}", f"{own_path}?{param}={ABSENT}",
                       None, None)


def build_cases(schema: Schema, acme: TenantData, globex: TenantData) -> list[Case]:
    """Every operation's sweeps, once for each role of Acme."""
    cases = [
        Case(method, path, role, swept, kind, url, absent_url, body, absent_body)
        for method, path, operation in schema.operations()
        for swept, kind, url, absent_url, body, absent_body in sweeps(schema, path, operation, acme, globex)
        for role in ROLES
    ]
    # Reads first, deletions last: a deletion that wrongly succeeds cannot mask a later case.
    order = {"get": 0, "post": 1, "put": 1, "patch": 1, "delete": 2}
    return sorted(cases, key=lambda c: order[c.method])


def envelope_problem(response: Any) -> str | None:
    """What keeps `response` from being the error envelope with the code of its status."""
    try:
        body = response.json()
        assert isinstance(body["error"], str) and body["error"]
        assert isinstance(body["message"], str) and body["message"]
        assert body["detail"]["code"]
    except Exception:  # noqa: BLE001 - any shape but the envelope is the problem reported
        return f"not the error envelope: {response.text[:200]}"
    expected = CODES.get(response.status_code)
    if expected and body["detail"]["code"] != expected:
        return f"detail.code is not {expected}: {response.text[:200]}"
    return None


def judge(case: Case, answer: Any, absent: Any) -> list[str]:
    """What is wrong with `answer` to `case`, given the `absent` answer to an id of nothing."""
    problems = []
    if LEAK in answer.text.lower():
        problems.append(f"reveals Globex: {answer.text[:300]}")
    if answer.status_code >= 500:
        problems.append(f"answers {answer.status_code}: {answer.text[:200]}")
    if case.swept.startswith("query:"):
        if (answer.status_code, answer.text) != (absent.status_code, absent.text):
            problems.append(f"answers {answer.status_code} {answer.text[:200]} where an absent id gets "
                            f"{absent.status_code} {absent.text[:200]}")
        return problems
    if absent.status_code < 400:
        problems.append(f"an id of nothing is accepted too ({absent.status_code}): the field is ignored, "
                        "or the case needs a better body")
    if answer.status_code < 400:
        problems.append(f"answers {answer.status_code}: {answer.text[:200]}")
    elif answer.status_code not in CODES and case.swept.startswith("path:"):
        problems.append(f"answers {answer.status_code}, not 404 (or 403): {answer.text[:200]}")
    elif (problem := envelope_problem(answer)) is not None:
        problems.append(problem)
    if answer.status_code != absent.status_code:
        problems.append(f"answers {answer.status_code} {answer.text[:160]} where an absent id gets "
                        f"{absent.status_code} {absent.text[:160]}: Globex's id is told apart from a missing one")
    return problems


def send(client: TestClient, method: str, url: str, body: Any, who: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {"headers": bearer(who["token"])}
    if body is not None:
        kwargs["content"] = json.dumps(body)
        kwargs["headers"]["Content-Type"] = "application/json"
    return client.request(method.upper(), url, **kwargs)


def run_matrix(client: TestClient, people: dict[str, dict[str, Any]], cases: list[Case]) -> Outcome:
    outcome = Outcome()
    probes: dict[tuple[str, str, str, str, str], Any] = {}
    for case in cases:
        who = people[case.role]
        key = (case.method, case.path, case.role, case.swept, json.dumps(case.absent_body))
        if key not in probes:
            probes[key] = send(client, case.method, case.absent_url, case.absent_body, who)
            outcome.probes += 1
        answer = send(client, case.method, case.url, case.body, who)
        outcome.cases += 1
        for problem in judge(case, answer, probes[key]):
            body = f" {json.dumps(case.body)}" if case.body is not None else ""
            outcome.failures.append(f"{case.label}: {problem}\n    {case.method.upper()} {case.url}{body}")
    return outcome


def snapshot(client: TestClient, world: World, globex: TenantData) -> dict[str, Any]:
    """Everything of Globex, as its own admin and people read it."""
    admin, tenant = globex.tenant.admin, globex.tenant

    def read(url: str, who: dict[str, Any] = admin) -> Any:
        response = client.get(url, headers=bearer(who["token"]))
        return response.status_code, response.json()

    seen: dict[str, Any] = {"enterprise": read(f"/api/enterprises/{tenant.enterprise_id}"),
                            "users": read("/api/users?limit=100"),
                            "rosters": read("/api/rosters/all?limit=100")}
    for department in globex.ids["department"]:
        for url in (f"/api/departments/{department}", f"/api/shift-templates/department/{department}",
                    f"/api/departments/{department}/swap-requests", f"/api/departments/{department}/time-off",
                    f"/api/departments/{department}/shift-claims"):
            seen[url] = read(url)
    for user in globex.ids["user"]:
        seen[f"/api/users/{user}"] = read(f"/api/users/{user}")
    for roster in [r["id"] for r in seen["rosters"][1]["rosters"]]:
        seen[f"/api/rosters/{roster}"] = read(f"/api/rosters/{roster}")
        seen[f"/api/shifts/roster/{roster}"] = read(f"/api/shifts/roster/{roster}")
    for shift in globex.ids["shift"]:
        seen[f"/api/shifts/{shift}"] = read(f"/api/shifts/{shift}")
    for event in globex.ids["calendar_event"]:
        seen[f"/api/events/{event}"] = read(f"/api/events/{event}", tenant.employee)
    for template in globex.ids["template"]:
        seen[f"/api/shift-templates/{template}"] = read(f"/api/shift-templates/{template}")
    for who in (tenant.admin, tenant.manager, tenant.employee, tenant.colleague, globex.mate):
        for url in ("/api/notifications?limit=100", "/api/employee/my-schedule", "/api/employee/time-off",
                    "/api/employee/availability", "/api/employee/swap-requests", "/api/employee/shift-claims",
                    "/api/employee/open-shifts", "/api/events?limit=100"):
            seen[f"{url} of {who['email']}"] = read(url, who)
    return seen


@dataclass
class Matrix:
    schema: Schema
    cases: list[Case]
    outcome: Outcome
    before: dict[str, Any]
    after: dict[str, Any]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Matrix]:
    settings = settings_for("sqlite", tmp_path_factory.mktemp("matrix"), request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            world = seed_world(client)
            acme, globex = populate(client, world.acme, "Acme"), populate(client, world.globex, "Globex")
            schema = Schema(client.get("/schema/openapi.json").json())
            cases = build_cases(schema, acme, globex)
            before = snapshot(client, world, globex)
            auditor = create_user(client, world.acme.admin["token"], "auditor@acme.test", "auditor",
                                  world.acme.enterprise_id, None)
            people = {"admin": world.acme.admin, "manager": world.acme.manager, "employee": world.acme.employee,
                      "auditor": auditor}
            outcome = run_matrix(client, people, cases)
            yield Matrix(schema, cases, outcome, before, snapshot(client, world, globex))
    finally:
        container.close()


def test_every_id_the_served_schema_takes_names_a_kind_of_resource_the_matrix_knows(matrix: Matrix) -> None:
    unknown = []
    for method, path, operation in matrix.schema.operations():
        names = [(p, path) for p in path_parameters(operation)]
        names += [(p, path) for p in path_parameters(operation, "query") if is_id(p)]
        names += [(p, "") for p in matrix.schema.id_properties(matrix.schema.body_schema(operation))]
        for name, where in names:
            try:
                kind_of(name, where)
            except UnknownIdKind as error:
                unknown.append(f"{method.upper()} {path}: {error}")
    assert not unknown, "\n".join(unknown)


def test_no_role_of_one_enterprise_reaches_anything_of_another(matrix: Matrix) -> None:
    outcome = matrix.outcome
    operations = {(c.method, c.path) for c in matrix.cases}
    print(f"\ntenant matrix: {outcome.cases} cases over {len(operations)} operations and {len(ROLES)} roles "
          f"(+ {outcome.probes} absent-id probes), {len(outcome.failures)} failing")
    assert {c.swept.split(":")[0] for c in matrix.cases} == {"path", "body", "query"}
    assert outcome.cases == len(matrix.cases) > 0
    assert not outcome.failures, (
        f"{len(outcome.failures)} of {outcome.cases} cases failed:\n" + "\n".join(outcome.failures)
    )


def test_globex_reads_back_unchanged_after_the_matrix(matrix: Matrix) -> None:
    assert matrix.before["users"][0] == 200 and len(matrix.before["users"][1]["users"]) == 5
    assert len(matrix.before["rosters"][1]["rosters"]) == 2
    changed = [key for key in matrix.before if matrix.before[key] != matrix.after.get(key)]
    assert not changed, "changed:\n" + "\n".join(
        f"{key}: {str(matrix.before[key])[:300]} -> {str(matrix.after.get(key))[:300]}" for key in changed
    )


@dataclass
class Answer:
    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def test_the_judge_refuses_a_leak_a_success_and_an_answer_that_differs_from_an_absent_id() -> None:
    case = Case("get", "/api/rosters/{roster_id}", "manager", "path:roster_id", "roster", "/api/rosters/2",
                f"/api/rosters/{ABSENT}")
    missing = Answer(404, json.dumps({"error": "Not found", "message": "Roster not found",
                                      "detail": {"code": "NOT_FOUND", "message": "Roster not found"}}))
    assert judge(case, missing, missing) == []
    leak = judge(case, Answer(200, '{"roster": {"name": "Globex Draft Week"}}'), missing)
    assert any("reveals Globex" in p for p in leak) and any("answers 200" in p for p in leak)
    forbidden = Answer(403, json.dumps({"error": "Forbidden", "message": "No",
                                        "detail": {"code": "FORBIDDEN", "message": "No"}}))
    assert any("told apart" in p for p in judge(case, forbidden, missing))
    assert any("envelope" in p for p in judge(case, Answer(404, '{"detail": "Not Found"}'), missing))
