"""Tampering with the event store, straight through the database (issue 19, "Correctness"): one
byte of one stored event changed, one event deleted, one inserted. Each is reported at its
position by `POST /api/audit/verify` (with the digest taken before) and by
`schedulax audit verify --digest`, on SQLite and on PostgreSQL; undone, the log verifies again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from interfaces import cli
from tests.chain_support import (
    Audited, audited, digest, documented_chain, event_table, execute, insert_row, raw_rows, verify,
)
from tests.support import bearer, ok

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def store_audited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Audited]:
    yield from audited(request.param, tmp_path, request)


def audit_verify(a: Audited, kept: dict[str, object], monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`schedulax audit verify --digest N:HASH` in the test's environment: exit status, stdout."""
    capsys.readouterr()
    monkeypatch.setenv("SCHEDULAX_DATA_DIR", str(a.settings.data_dir))
    monkeypatch.setenv("SCHEDULAX_DATABASE_URL", a.settings.database_url)
    monkeypatch.setenv("SCHEDULAX_DATABASE_SCHEMA", a.settings.database_schema)
    status = cli.main(["audit", "verify", "--digest", f"{kept['sequence']}:{kept['hash']}"])
    return status, capsys.readouterr().out


def one_byte_changed(state: bytes) -> bytes:
    changed = bytearray(state)
    changed[len(state) // 2] ^= 0x01
    return bytes(changed)


def assert_reported(a: Audited, kept: dict[str, object], position: int, kind: str,
                    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    answer = verify(a.client, a.root, int(kept["sequence"]), str(kept["hash"]))  # type: ignore[call-overload]
    assert (answer["valid"], answer["first_mismatch"], answer["first_mismatch_kind"]) == (False, position, kind)
    assert answer["computed"] != kept["hash"]
    status, out = audit_verify(a, kept, monkeypatch, capsys)
    assert status == 1, out
    assert f"the chain BREAKS at position {position}: {kind}" in out
    assert f"digest {kept['sequence']}:{kept['hash']} does NOT match" in out


def assert_holds(a: Audited, kept: dict[str, object], monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
    answer = verify(a.client, a.root, int(kept["sequence"]), str(kept["hash"]))  # type: ignore[call-overload]
    assert (answer["valid"], answer["first_mismatch"]) == (True, None)
    status, out = audit_verify(a, kept, monkeypatch, capsys)
    assert status == 0, out
    assert "the chain holds" in out and "matches" in out


def test_one_byte_changed_in_one_stored_event_is_reported_at_its_position(
    store_audited: Audited, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    a = store_audited
    kept = digest(a.client, a.root)
    position, _, _, _, state = raw_rows(a.settings)[kept["sequence"] // 2]
    execute(a.settings, "UPDATE {table} SET state = ? WHERE {id} = ?", (one_byte_changed(state), position))
    assert_reported(a, kept, position, "altered", monkeypatch, capsys)
    execute(a.settings, "UPDATE {table} SET state = ? WHERE {id} = ?", (state, position))
    assert_holds(a, kept, monkeypatch, capsys)


def test_one_deleted_event_is_reported_at_its_position(
    store_audited: Audited, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    a = store_audited
    kept = digest(a.client, a.root)
    rows = raw_rows(a.settings)
    for removed in (rows[kept["sequence"] // 2], rows[-1]):  # one in the middle, then the newest
        execute(a.settings, "DELETE FROM {table} WHERE {id} = ?", (removed[0],))
        assert_reported(a, kept, removed[0], "removed", monkeypatch, capsys)
        insert_row(a.settings, *removed)
        assert_holds(a, kept, monkeypatch, capsys)


def test_one_inserted_event_is_reported_at_its_position(
    store_audited: Audited, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A row needs an id the store never handed out: SQLite hands out every id from 1 on, so
    it goes before the first (0: read by no projection, yet loaded with its aggregate);
    PostgreSQL's id sequence leaves gaps (a save that rolled back consumed its ids), and it
    goes into one."""
    a = store_audited
    free = 0
    if a.settings.backend == "postgres":
        with event_table(a.settings) as (conn, table, _):
            free = conn.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'notification_id'))"
                                ).fetchone()[0]
        ok(a.client.post("/api/enterprises", json={"name": "After the gap"}, headers=bearer(a.root)), 201)
        a.caught_up()
    kept = digest(a.client, a.root)
    assert 0 <= free < kept["sequence"] and free not in documented_chain(raw_rows(a.settings))
    _, _, _, topic, state = raw_rows(a.settings)[-1]
    insert_row(a.settings, free, uuid4(), 1, topic, state)
    assert_reported(a, kept, free, "inserted", monkeypatch, capsys)
    execute(a.settings, "DELETE FROM {table} WHERE {id} = ?", (free,))
    assert_holds(a, kept, monkeypatch, capsys)


def test_events_and_chain_rewritten_together_pass_the_chain_but_not_a_kept_digest(
    store_audited: Audited, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    a = store_audited
    kept = digest(a.client, a.root)
    position, _, _, _, state = raw_rows(a.settings)[kept["sequence"] // 2]
    execute(a.settings, "UPDATE {table} SET state = ? WHERE {id} = ?", (one_byte_changed(state), position))
    with a.container.store.write() as cur:  # the attacker relinks the chain from the altered event on
        for at, link in documented_chain(raw_rows(a.settings)).items():
            cur.execute("UPDATE audit_chain SET hash = ? WHERE position = ?", (link, at))
    answer = verify(a.client, a.root, kept["sequence"], kept["hash"])
    assert (answer["valid"], answer["first_mismatch"]) == (False, None)
    status, out = audit_verify(a, kept, monkeypatch, capsys)
    assert status == 1 and "the chain holds" in out and "does NOT match" in out, out
    # Without the kept digest, nothing shows it.
    capsys.readouterr()
    assert cli.main(["audit", "verify"]) == 0
