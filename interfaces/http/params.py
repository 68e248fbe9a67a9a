"""Shared query parameters, pagination blocks and version headers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar

from litestar import Response
from litestar.exceptions import ClientException
from litestar.params import HeaderParameter, Parameter

from application.views import Page, Paged
from domain.calendar_window import check_day
from interfaces.http.dto import MAX_ID

T = TypeVar("T")

MAX_LIMIT = 100
MAX_PAGE = MAX_ID // MAX_LIMIT
"""The last page whose offset, (page - 1) * limit, the stores can still hold."""

# Path parameters declared `{x:int}` take their bounds from the handler's annotation: use PathId.
PathId = Annotated[int, Parameter(ge=1, le=MAX_ID, description="An id (1 to 2^63-1)")]
QueryId = Annotated[int | None, Parameter(ge=1, le=MAX_ID, description="An id (1 to 2^63-1)")]
PageNumber = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description=f"Page number (1 to {MAX_PAGE})")]
PageLimit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description=f"Items per page (1 to {MAX_LIMIT})")]
Search = Annotated[str | None, Parameter(max_length=200, description="Search text")]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        description="The ETag (version) the client last read; a stale one gets 412",
    ),
]


def page_of(page: int, limit: int) -> Page:
    return Page(number=page, size=limit)


def pagination(paged: Paged[Any]) -> dict[str, int]:
    return {
        "current_page": paged.page.number,
        "total_pages": paged.total_pages,
        "total_items": paged.total,
        "items_per_page": paged.page.size,
    }


def etag(version: int) -> str:
    return f'"{version}"'


def versioned(body: T, version: int, status_code: int = 200) -> Response[T]:
    """A single resource's response, with its event-stream version as the ETag."""
    return Response(body, status_code=status_code, headers={"ETag": etag(version)})


def expected_version(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
        raise ClientException("If-Match must be an ETag returned by the API", status_code=400)
    return int(value)


def day_filter(value: date | None, name: str) -> str | None:
    """A date query parameter as the read models compare it; outside the calendar window, a 400
    naming it (the same window as the dates commands accept)."""
    return check_day(value, name).isoformat() if value is not None else None
