"""Exports of history: the whole selection as NDJSON or CSV, streamed a chunk at a time.

A client asks with `?format=ndjson|csv` or `Accept: application/x-ndjson | text/csv`. The
body is fed from a keyset-paginated read of the selection (`AuditLog.stream`), so memory
holds one chunk of entries whatever the export's size. Content negotiation passes these
bodies through untouched: it converts only JSON answers to MessagePack.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

import msgspec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, Schema
from litestar.response import Stream

from application.history_views import Entry

NDJSON = "application/x-ndjson"
CSV = "text/csv"
Format = Literal["json", "ndjson", "csv"]
ENTRIES_PER_CHUNK = 250
"""Entries per chunk of the body: one write to the client, about 100 kB."""
CSV_COLUMNS = ("sequence", "occurred_at", "type", "actor_id", "actor_full_name", "subject_kind", "subject_id",
               "summary", "changes", "request_id")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet runs a cell starting with these as a formula: such text cells get a leading `'`."""

_json = msgspec.json.Encoder()


def export_format(accept: str, chosen: str | None) -> str:
    """`format` wins; else the Accept header; else JSON (a page)."""
    if chosen:
        return chosen
    accept = accept.lower()
    if NDJSON in accept or "application/ndjson" in accept:
        return "ndjson"
    if CSV in accept:
        return "csv"
    return "json"


def _chunks(entries: Iterable[Entry]) -> Iterator[list[Entry]]:
    iterator = iter(entries)
    while chunk := list(islice(iterator, ENTRIES_PER_CHUNK)):
        yield chunk


def ndjson_body(entries: Iterable[Entry]) -> Iterator[bytes]:
    """One JSON entry per line, exactly as a page of the JSON answer shows it."""
    for chunk in _chunks(entries):
        yield _json.encode_lines(chunk)  # each entry encoded, then a newline: in one call


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_row(entry: Entry) -> list[Any]:
    actor = entry.actor
    return [_cell(v) for v in (
        entry.sequence, entry.occurred_at, entry.type, actor.id if actor else None,
        actor.full_name if actor else None, entry.subject.kind, entry.subject.id, entry.summary,
        _json.encode(entry.changes).decode(), entry.request_id,
    )]


class _Lines(list):  # type: ignore[type-arg]
    """Where the csv writer puts its lines, joined once per chunk (lighter than a StringIO)."""

    write = list.append


def csv_body(entries: Iterable[Entry]) -> Iterator[bytes]:
    """A header row, then one row per entry (`changes` as JSON text), RFC 4180 quoting."""
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for chunk in _chunks(entries):
        writer.writerows(csv_row(e) for e in chunk)
        yield "".join(lines).encode()
        lines.clear()
    if lines:  # nothing selected: the header alone
        yield "".join(lines).encode()


def export_response(entries: Iterable[Entry], fmt: str, name: str) -> Stream:
    """The streamed answer; `name` becomes the suggested file name."""
    if fmt == "csv":
        body, media, extension = csv_body(entries), CSV, "csv"  # Litestar adds the charset
    else:
        body, media, extension = ndjson_body(entries), NDJSON, "ndjson"
    return Stream(body, media_type=media,
                  headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'})


@dataclass
class ExportableOperation(Operation):
    """An operation whose 200 may also be an NDJSON or CSV export: documented beside the JSON."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        content = getattr(ok, "content", None)
        if content is not None:
            content[NDJSON] = OpenAPIMediaType(schema=Schema(
                type=OpenAPIType.STRING, description="One entry (as in `entries`) per line"))
            content[CSV] = OpenAPIMediaType(schema=Schema(
                type=OpenAPIType.STRING, description=f"A header row ({', '.join(CSV_COLUMNS)}), then one row"
                " per entry; `changes` as JSON text"))
