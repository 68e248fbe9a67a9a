"""Response bodies of the roster diff (as-of answers the live GETs' own bodies)."""

from __future__ import annotations

import msgspec

from application.roster_diff import RosterDiff


class RosterDiffResponse(msgspec.Struct, kw_only=True):
    message: str
    diff: RosterDiff
