"""Query parameters naming an instant in the past: as-of reads and diffs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar.params import Parameter, QueryParameter

INSTANT = ("RFC 3339 with a time zone, e.g. 2026-01-31T18:00:00Z (encode `+` as %2B);"
           " not in the future, from 1970 to 2199. Times count to the millisecond.")

AsOf = Annotated[datetime | None, Parameter(
    description=f"Answer as this request would have been answered at this instant. {INSTANT}"
)]
Since = Annotated[datetime | None, QueryParameter(
    name="from", description=f"The first instant (default: 1970, before the roster existed). {INSTANT}"
)]
Until = Annotated[datetime | None, QueryParameter(
    name="to", description=f"The second instant (default: now). {INSTANT}"
)]
