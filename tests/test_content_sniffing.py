"""Content types come from a file's first bytes, never from its name or the client's claim."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from application.content_sniffing import BINARY, SNIFF_BYTES, TEXT, sniff
from domain.stored_file import clean_name


@pytest.mark.parametrize(("head", "kind"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"GIF89a\x01\x00", "image/gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "application/pdf"),
    (b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml...word/document.xml",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"PK\x03\x04\x14\x00\x00\x00notes/readme.txt", "application/zip"),
    (b"Dienstplan f\xc3\xbcr M\xc3\xa4rz\r\n\tFr\xc3\xbchschicht", TEXT),
    (b"", TEXT),
    (b"\x00\x01\x02binary", BINARY),
    (b"\xff\xfe\x00\x00 not utf-8", BINARY),
])
def test_a_file_is_typed_by_its_magic_number_or_as_text_or_as_octets(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


@pytest.mark.parametrize("markup", [
    b"<!DOCTYPE html><html><body onload=alert(1)>",
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"<script>alert(1)</script>",
])
def test_markup_that_a_browser_would_run_is_only_ever_plain_text(markup: bytes) -> None:
    assert sniff(markup) == TEXT


def test_text_cut_inside_a_character_at_the_end_of_the_sample_is_still_text() -> None:
    text = ("\u00e4" * SNIFF_BYTES).encode()[: SNIFF_BYTES - 1]  # ends on half of a two-byte character
    assert sniff(text) == TEXT


SERVED = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "application/gzip",
          "application/zip", TEXT, BINARY}


@given(st.binary(max_size=SNIFF_BYTES) | st.text(max_size=SNIFF_BYTES // 4).map(str.encode))
def test_any_bytes_get_one_of_the_few_served_types_never_one_a_browser_runs(head: bytes) -> None:
    kind = sniff(head)
    assert kind in SERVED or kind.startswith("application/vnd.openxmlformats-officedocument.")


@pytest.mark.parametrize(("given_name", "kept"), [
    ("C:\\Users\\me\\rota.pdf", "rota.pdf"),
    ("../../etc/passwd", "passwd"),
    ("a\x00b\r\nc.txt", "abc.txt"),
    ("", "file"),
    ("..", "file"),
    (None, "file"),
    ("x" * 300, "x" * 255),
])
def test_a_file_name_keeps_its_last_component_without_control_characters(given_name: str | None,
                                                                          kept: str) -> None:
    assert clean_name(given_name) == kept
