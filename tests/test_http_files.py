"""POST /files and GET /files/{id} (000's surface): round trip, limits, sniffing, dedup, access."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from interfaces.container import Container, build_container
from interfaces.http.app import create_app
from tests.conftest import settings_for
from tests.support import World, bearer, ok, seed_world

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(64)
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def upload(client: TestClient, who: dict[str, Any], content: bytes, name: str = "note.txt",
           claimed: str = "text/plain", field: str = "file") -> Any:
    return client.post("/files", files={field: (name, content, claimed)}, headers=bearer(who["token"]))


@pytest.fixture
def small_limits(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[TestClient, Container]]:
    """SQLite, with a 1 KiB file limit and a 3 KiB quota."""
    settings = settings_for("sqlite", tmp_path, request, max_file_bytes=1024, file_quota_bytes=3 * 1024)
    container = build_container(settings)
    with TestClient(create_app(settings, container)) as client:
        yield client, container
    container.close()


def test_an_uploaded_file_is_downloaded_with_its_bytes_type_and_headers(client: TestClient) -> None:
    world = seed_world(client)
    employee = world.acme.employee
    body = ok(upload(client, employee, PNG, name="chart.png", claimed="image/png"), 201)
    assert body["id"] == str(int(body["id"])) and body["url"] == f"/files/{body['id']}"
    got = client.get(body["url"], headers=bearer(employee["token"]))
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-length"] == str(len(PNG))
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["etag"] == f'"{hashlib.sha256(PNG).hexdigest()}"'
    assert got.headers["content-disposition"] == "inline; filename=\"chart.png\"; filename*=UTF-8''chart.png"


@pytest.mark.postgres
def test_a_multi_mebibyte_file_streams_through_postgresql_and_back(tmp_path: Path,
                                                                   request: pytest.FixtureRequest) -> None:
    settings = settings_for("postgres", tmp_path, request)
    container = build_container(settings)
    content = os.urandom(3 * 1024 * 1024 + 12345)  # not a multiple of the chunk size
    try:
        with TestClient(create_app(settings, container)) as client:
            world = seed_world(client)
            employee = world.acme.employee
            body = ok(upload(client, employee, content, name="big.bin"), 201)
            with client.stream("GET", body["url"], headers=bearer(employee["token"])) as got:
                parts = list(got.iter_bytes())
                assert got.status_code == 200
            assert b"".join(parts) == content
            assert body["sha256"] == hashlib.sha256(content).hexdigest()
            # The test client gathers the response; the store is what hands it out in chunks.
            chunks = [len(c) for c in container.files._blobs.open(body["sha256"])]  # type: ignore[attr-defined]
            assert sum(chunks) == len(content) and len(chunks) == 13 and max(chunks) == 256 * 1024
            assert container.files._blobs.count() == 1  # type: ignore[attr-defined]
    finally:
        container.close()


def test_a_png_claimed_as_text_is_served_as_a_png(sqlite_client: TestClient) -> None:
    world = seed_world(sqlite_client)
    body = ok(upload(sqlite_client, world.acme.employee, PNG, name="x.txt", claimed="text/plain"), 201)
    assert body["content_type"] == "image/png"
    got = sqlite_client.get(body["url"], headers=bearer(world.acme.employee["token"]))
    assert got.headers["content-type"] == "image/png"


def test_html_is_served_as_plain_text_so_that_its_script_never_runs(sqlite_client: TestClient) -> None:
    # Stored XSS: served as text/html on our origin, the script would run for whoever opens the link.
    world = seed_world(sqlite_client)
    body = ok(upload(sqlite_client, world.acme.employee, HTML, name="page.html", claimed="text/html"), 201)
    got = sqlite_client.get(body["url"], headers=bearer(world.acme.employee["token"]))
    assert got.headers["content-type"].startswith("text/plain")
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in got.headers["content-security-policy"]


def test_two_uploads_of_the_same_bytes_are_two_files_over_one_blob(client: TestClient,
                                                                   container: Container) -> None:
    world = seed_world(client)
    first = ok(upload(client, world.acme.employee, b"same bytes"), 201)
    second = ok(upload(client, world.globex.employee, b"same bytes"), 201)
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    assert container.files._blobs.count() == 1  # type: ignore[attr-defined]


def test_a_file_over_the_limit_is_refused_with_413_and_nothing_is_stored(
        small_limits: tuple[TestClient, Container]) -> None:
    client, container = small_limits
    world = seed_world(client)
    answer = upload(client, world.acme.employee, os.urandom(1025))
    assert answer.status_code == 413
    body = answer.json()
    assert "1024 bytes" in body["message"] and body["detail"]["errors"][0]["field"] == "file"
    assert container.files._blobs.count() == 0  # type: ignore[attr-defined]
    assert container.files._queries.bytes_used(world.acme.employee["id"]) == 0  # type: ignore[attr-defined]
    assert ok(upload(client, world.acme.employee, os.urandom(1024)), 201)["size"] == 1024


def test_the_quota_counts_every_upload_and_names_itself_when_exceeded(
        small_limits: tuple[TestClient, Container]) -> None:
    client, _ = small_limits
    world = seed_world(client)
    same = os.urandom(1000)
    for _ in range(3):  # the same bytes thrice: one blob, but 3000 bytes of the quota
        ok(upload(client, world.acme.employee, same), 201)
    answer = upload(client, world.acme.employee, os.urandom(100))
    assert answer.status_code == 413
    assert "quota of 3072 bytes" in answer.json()["message"]
    assert answer.json()["details"]["used_bytes"] == 3000
    ok(upload(client, world.acme.colleague, os.urandom(100)), 201)  # another user's quota is their own


def test_only_the_uploader_sees_a_file_others_get_404(sqlite_client: TestClient) -> None:
    world: World = seed_world(sqlite_client)
    url = ok(upload(sqlite_client, world.acme.employee, b"private"), 201)["url"]
    for other in (world.acme.colleague, world.acme.manager, world.acme.admin, world.globex.admin):
        answer = sqlite_client.get(url, headers=bearer(other["token"]))
        assert answer.status_code == 404 and answer.json()["message"] == "File not found"
    missing = sqlite_client.get("/files/999999", headers=bearer(world.acme.employee["token"]))
    assert missing.status_code == 404 and missing.json()["message"] == "File not found"


def test_the_attachment_check_answers_the_uploaders_files_only(sqlite_client: TestClient) -> None:
    from application.principal import Principal
    from domain.errors import NotFound
    from domain.roles import Role

    world = seed_world(sqlite_client)
    employee = world.acme.employee
    file_id = int(ok(upload(sqlite_client, employee, b"for an event"), 201)["id"])
    files = sqlite_client.app.state.container.files
    mine = Principal(employee["id"], Role.EMPLOYEE, world.acme.enterprise_id, world.acme.department_id)
    assert files.attachable_file(mine, file_id).id == file_id
    stranger = Principal(world.globex.employee["id"], Role.EMPLOYEE, world.globex.enterprise_id, None)
    with pytest.raises(NotFound):
        files.attachable_file(stranger, file_id)


def test_uploading_and_downloading_need_a_bearer_token(sqlite_client: TestClient) -> None:
    world = seed_world(sqlite_client)
    url = ok(upload(sqlite_client, world.acme.employee, b"x"), 201)["url"]
    assert sqlite_client.post("/files", files={"file": ("a", b"x", "text/plain")}).status_code == 401
    assert sqlite_client.get(url).status_code == 401


def test_an_upload_without_a_file_part_names_the_missing_field(sqlite_client: TestClient) -> None:
    world = seed_world(sqlite_client)
    answer = upload(sqlite_client, world.acme.employee, b"x", field="document")
    assert answer.status_code == 400
    assert answer.json()["detail"]["errors"] == [{"field": "file", "message": "Missing required field: file"}]
    as_json = sqlite_client.post("/files", json={"file": "x"}, headers=bearer(world.acme.employee["token"]))
    assert as_json.status_code == 400 and as_json.json()["detail"]["errors"][0]["field"] == "file"


def test_a_download_answers_304_when_if_none_match_names_its_etag(sqlite_client: TestClient) -> None:
    world = seed_world(sqlite_client)
    auth = bearer(world.acme.employee["token"])
    url = ok(upload(sqlite_client, world.acme.employee, b"cache me"), 201)["url"]
    etag = sqlite_client.get(url, headers=auth).headers["etag"]
    again = sqlite_client.get(url, headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    changed = sqlite_client.get(url, headers={**auth, "If-None-Match": '"something-else"'})
    assert changed.status_code == 200 and changed.content == b"cache me"


def test_a_file_name_with_a_path_and_non_ascii_is_kept_safely(sqlite_client: TestClient) -> None:
    world = seed_world(sqlite_client)
    body = ok(upload(sqlite_client, world.acme.employee, b"x", name='../../etc/Pl\u00e4ne "2026".txt'), 201)
    assert body["name"] == 'Pl\u00e4ne "2026".txt'
    got = sqlite_client.get(body["url"], headers=bearer(world.acme.employee["token"]))
    assert got.headers["content-disposition"] == (
        "attachment; filename=\"Pl_ne _2026_.txt\"; filename*=UTF-8''Pl%C3%A4ne%20%222026%22.txt")


def test_an_upload_announced_over_the_limit_is_refused_before_its_body_is_read(
        small_limits: tuple[TestClient, Container]) -> None:
    client, container = small_limits
    world = seed_world(client)
    answer = client.post("/files", content=b"x" * 10, headers={
        **bearer(world.acme.employee["token"]), "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(1024 + 64 * 1024 + 1)})
    assert answer.status_code == 413 and "1024 bytes" in answer.json()["message"]


def test_an_upload_with_an_idempotency_key_is_stored_without_buffering_it_for_a_fingerprint(
        sqlite_client: TestClient) -> None:
    world = seed_world(sqlite_client)
    headers = {**bearer(world.acme.employee["token"]), "Idempotency-Key": "upload-1"}
    first = ok(sqlite_client.post("/files", files={"file": ("a.txt", b"once", "text/plain")}, headers=headers), 201)
    again = ok(sqlite_client.post("/files", files={"file": ("a.txt", b"once", "text/plain")}, headers=headers), 201)
    assert first["sha256"] == again["sha256"] and first["id"] != again["id"]  # documented: keys are not checked


def test_a_chunked_upload_over_the_limit_is_stopped_while_it_streams_in(
        small_limits: tuple[TestClient, Container]) -> None:
    client, container = small_limits
    world = seed_world(client)

    def body() -> Iterator[bytes]:  # no Content-Length: only reading finds the size
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
        for _ in range(100):
            yield os.urandom(1024)
        yield b"\r\n--x--\r\n"

    answer = client.post("/files", content=body(), headers={
        **bearer(world.acme.employee["token"]), "Content-Type": "multipart/form-data; boundary=x"})
    assert answer.status_code == 413 and answer.json()["details"]["max_file_bytes"] == 1024
    assert container.files._blobs.count() == 0  # type: ignore[attr-defined]
    assert not list((container.settings.data_dir / "blobs").glob(".upload-*"))  # no temporary file left


def test_a_truncated_multipart_body_is_a_400_and_stores_nothing(
        small_limits: tuple[TestClient, Container]) -> None:
    client, container = small_limits
    world = seed_world(client)
    answer = client.post("/files", content=b'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nhalf', headers={
        **bearer(world.acme.employee["token"]), "Content-Type": "multipart/form-data; boundary=x"})
    assert answer.status_code == 400 and answer.json()["message"].startswith("Malformed multipart body")
    assert container.files._blobs.count() == 0  # type: ignore[attr-defined]
