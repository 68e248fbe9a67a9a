"""Exports: NDJSON and CSV of the whole selection, equal to the JSON pages, streamed in constant memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from application.history_views import HistoryFilter, HistoryScope
from infrastructure.settings import Settings
from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from interfaces.http.exports import CSV_COLUMNS, csv_body, ndjson_body
from tests.conftest import settings_for
from tests.support import bearer, ok, seed_world

MANY = 8_000


@pytest.fixture(params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, Container]]:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    settings: Settings = settings_for(request.param, tmp_path, request)
    container = build_container(settings)
    try:
        with TestClient(create_app(settings, container)) as client:
            yield client, container
    finally:
        container.close()


def a_roster(client: TestClient) -> tuple[dict[str, Any], int, int]:
    """An admin, a roster with a few real entries, and the enterprise it belongs to."""
    world = seed_world(client)
    acme = world.acme
    roster = ok(client.post("/api/rosters", headers=bearer(acme.manager["token"]), json={
        "name": "Week, \"quoted\"", "department_id": acme.department_id, "start_date": "2026-01-05",
        "end_date": "2026-01-11", "auto_generate_shifts": True, "shift_template": "business_hours"}), 201)["roster"]
    ok(client.patch(f"/api/rosters/{roster['id']}/status", json={"status": "published"},
                    headers=bearer(acme.manager["token"])))
    return acme.admin, int(roster["id"]), acme.enterprise_id


def many_entries(container: Container, roster_id: int, enterprise_id: int, count: int = MANY) -> None:
    """`count` entries of the roster, as the projection writes them, after every real one."""
    with container.store.read() as cur:
        cur.execute("SELECT MAX(position) AS p FROM au_entries")
        start = int(cur.fetchone()["p"]) + 1
    rows = [
        (start + i, f"2026-01-{1 + i % 28:02d}T10:00:{i % 60:02d}.{i % 1000:03d}Z", "shift_changed", True,
         enterprise_id, 1, roster_id, "shift", 1 + i % 50, 2, "Admin, \"the\" boss", None, None,
         f"Admin changed Shift {i} on 2026-01-05: required_staff, title\nwith a second line",
         json.dumps({"required_staff": {"from": i, "to": i + 1}, "title": {"from": f"=A{i}", "to": "B"}},
                    sort_keys=True), f"req-{i}")
        for i in range(count)
    ]
    columns = ("position", "occurred_at", "type", "shown", "enterprise_id", "department_id", "roster_id",
               "subject_kind", "subject_id", "actor_id", "actor_name", "party_id", "other_party_id", "summary",
               "changes", "request_id")
    with container.store.write(bulk=True) as cur:
        container.store.insert_rows(cur, "au_entries", columns, rows)


def paged(client: TestClient, who: dict[str, Any], path: str) -> list[dict[str, Any]]:
    found, after = [], None
    while True:
        body = ok(client.get(path, params={"limit": 500, **({"after": after} if after else {})},
                             headers=bearer(who["token"])))
        found += body["entries"]
        after = body["next_after"]
        if after is None:
            return found


def from_csv(text: str) -> list[dict[str, Any]]:
    """CSV rows back in the shape of JSON entries (a cell that would run as a formula starts with ')."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    number = lambda v: int(v) if v else None  # noqa: E731
    return [{
        "sequence": int(r["sequence"]), "occurred_at": r["occurred_at"], "type": r["type"],
        "actor": {"id": int(r["actor_id"]), "full_name": r["actor_full_name"]} if r["actor_id"] else None,
        "subject": {"kind": r["subject_kind"], "id": number(r["subject_id"])}, "summary": r["summary"],
        "changes": json.loads(r["changes"]), "request_id": r["request_id"] or None,
    } for r in reader]


def test_ndjson_and_csv_exports_hold_exactly_the_entries_of_the_json_pages(sqlite_client: TestClient) -> None:
    admin, roster_id, _ = a_roster(sqlite_client)
    path = f"/api/rosters/{roster_id}/history"
    pages = paged(sqlite_client, admin, path)
    assert len(pages) == 7 and pages[0]["summary"].endswith('the roster Week, "quoted" (2026-01-05 to 2026-01-11)')
    token = bearer(admin["token"])
    for answer in (sqlite_client.get(f"{path}?format=ndjson", headers=token),
                   sqlite_client.get(path, headers={**token, "Accept": "application/x-ndjson"}),
                   # Content negotiation turns JSON into MessagePack, and leaves exports as they are.
                   sqlite_client.get(f"{path}?format=ndjson", headers={**token, "Accept": "application/x-msgpack"})):
        assert answer.headers["content-type"] == "application/x-ndjson"
        assert answer.headers["content-disposition"] == f'attachment; filename="roster-{roster_id}-history.ndjson"'
        assert answer.text.endswith("\n") and [json.loads(line) for line in answer.text.splitlines()] == pages
    for answer in (sqlite_client.get(f"{path}?format=csv", headers=token),
                   sqlite_client.get(path, headers={**token, "Accept": "text/csv"}),
                   sqlite_client.get(f"{path}?format=csv", headers={**token, "Accept": "application/x-msgpack"})):
        assert answer.headers["content-type"].startswith("text/csv")
        assert from_csv(answer.text) == pages
    # Filters hold for exports; `format` wins over Accept; MessagePack clients still get pages.
    assert [json.loads(line) for line in sqlite_client.get(
        f"{path}?format=ndjson&type=roster_status_changed", headers={**token, "Accept": "text/csv"}
    ).text.splitlines()] == [e for e in pages if e["type"] == "roster_status_changed"]
    assert sqlite_client.get(f"{path}?format=json", headers={**token, "Accept": "application/x-ndjson"}).json()[
        "entries"] == pages


def test_every_export_endpoint_streams_its_own_selection(sqlite_client: TestClient) -> None:
    admin, roster_id, _ = a_roster(sqlite_client)
    token = bearer(admin["token"])
    for path in ("/api/audit/events", "/api/employee/history"):
        lines = sqlite_client.get(f"{path}?format=ndjson", headers=token).text.splitlines()
        assert [json.loads(line) for line in lines] == paged(sqlite_client, admin, path)
        assert from_csv(sqlite_client.get(f"{path}?format=csv", headers=token).text) == paged(sqlite_client, admin, path)


def test_a_csv_cell_that_a_spreadsheet_would_run_as_a_formula_is_quoted_as_text() -> None:
    from application.history_views import Actor, HistoryEntry, Subject

    entry = HistoryEntry(sequence=1, occurred_at="2026-01-01T00:00:00.000Z", type="user_profile_updated",
                         actor=Actor(id=2, full_name="=HYPERLINK(\"http://x\")"), subject=Subject(kind="user", id=2),
                         summary="-1+2 renamed", changes={}, request_id=None)
    row = next(csv.reader(io.StringIO(b"".join(csv_body([entry])).decode().splitlines()[1])))
    assert row[4] == "'=HYPERLINK(\"http://x\")" and row[7] == "'-1+2 renamed"


def export_peak(container: Container, roster_id: int, body: Any) -> tuple[int, int, int]:
    """(bytes exported, lines, peak bytes traced) of streaming the roster's whole history through `body`."""
    tracemalloc.start()
    try:
        size = lines = 0
        for chunk in body(container.history.stream(HistoryScope(roster_id=roster_id), HistoryFilter())):
            size += len(chunk)
            lines += chunk.count(b"\n")
        return size, lines, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_export_streams_in_constant_memory_and_equals_the_pages(served: tuple[TestClient, Container]) -> None:
    client, container = served
    admin, roster_id, enterprise_id = a_roster(client)
    many_entries(container, roster_id, enterprise_id)
    path = f"/api/rosters/{roster_id}/history"
    exported = client.get(f"{path}?format=ndjson", headers=bearer(admin["token"])).text.splitlines()
    pages = paged(client, admin, path)
    assert len(pages) == MANY + 7 and [json.loads(line) for line in exported] == pages
    assert from_csv(client.get(f"{path}?format=csv", headers=bearer(admin["token"])).text) == pages
    before = {body: export_peak(container, roster_id, body) for body in (ndjson_body, csv_body)}
    many_entries(container, roster_id, enterprise_id, 2 * MANY)  # three times the export
    for body, (size, lines, peak) in before.items():
        bigger, more_lines, bigger_peak = export_peak(container, roster_id, body)
        assert more_lines > 2.9 * lines and bigger > 2.9 * size > 6_000_000
        # One chunk of entries at a time: the peak does not grow with the export, far below its size.
        assert bigger_peak < 1.5 * peak and bigger_peak < bigger / 5, (
            f"{body.__name__}: peak {peak:,} for {size:,} bytes, then {bigger_peak:,} for {bigger:,}")


def test_an_exported_entry_is_byte_for_byte_the_entry_a_page_shows(served: tuple[TestClient, Container]) -> None:
    """Exports hand `changes` on as stored, without decoding them: the bytes must still be the page's."""
    from application.views import Page
    from tests.audit_story import tell

    client, container = served
    story = tell(client)
    acme = story.world.acme
    ok(client.put(f"/api/users/{acme.employee['id']}", headers=bearer(acme.admin["token"]),
                  json={"full_name": "Zoë \"Ñandú\" \\ \u2028 \U0001f600"}))
    scope, criteria = HistoryScope(), HistoryFilter()
    page = container.history.page(scope, criteria, Page(number=1, size=500))
    streamed = list(container.history.stream(scope, criteria))
    assert len(streamed) == page.total == len(page.items) > 40
    assert b"".join(ndjson_body(streamed)) == b"".join(ndjson_body(page.items))
    assert b"".join(csv_body(streamed)) == b"".join(csv_body(page.items))
    assert any("Ñandú" in line for line in b"".join(ndjson_body(streamed)).decode().splitlines())
