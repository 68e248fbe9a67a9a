"""A file's content type, told by its first bytes rather than by what the client claimed.

A claimed type is the uploader's word, and a download answers with the type stored here:
trusting it would let anyone upload HTML or SVG with a script and have it run, on our
origin, in the browser of whoever opens the link (stored XSS). So only a short list of
formats recognised by their magic numbers keeps its own type; text (UTF-8 without control
characters) is `text/plain`, whatever markup it holds; everything else is
`application/octet-stream`, which browsers download instead of rendering.

No library: the few signatures below are all we serve, and none of the small ones
(`filetype`, `puremagic`) tells plain text from binary, which is the distinction that matters.
"""

from __future__ import annotations

SNIFF_BYTES = 4096
"""How much of the start of a file the sniffing reads."""

TEXT = "text/plain; charset=utf-8"
BINARY = "application/octet-stream"

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"\x1f\x8b", "application/gzip"),
)
_OFFICE = ((b"word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
           (b"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
           (b"ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"))
_TEXT_CONTROLS = frozenset(b"\t\n\r\f")


def sniff(head: bytes) -> str:
    """The content type of a file whose first bytes (up to SNIFF_BYTES) are `head`."""
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(head)
    return TEXT if _is_text(head) else BINARY


def _zip_kind(head: bytes) -> str:
    """An Office Open XML document is a zip whose first entries name its part folders."""
    for folder, kind in _OFFICE:
        if folder in head:
            return kind
    return "application/zip"


def _is_text(head: bytes) -> bool:
    if any(b < 0x20 and b not in _TEXT_CONTROLS or b == 0x7F for b in head):
        return False
    head = head.removeprefix(b"\xef\xbb\xbf")
    for cut in range(4):  # the sample may end inside a multi-byte character
        try:
            head[: len(head) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False
