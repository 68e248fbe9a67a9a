"""What changed in a roster between two instants, from its two as-of views.

Computed from the two `RosterDetail`s the as-of GETs answer (so it cannot disagree with
them), and, for the status moves in between, from the roster's own status events. Only a
shift's own fields count as its changes; its staffing shows as assignments made, removed,
answered or handed over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from application.rostering_views import AssignmentView, EmployeeRef, RosterDetail, ShiftView

ROSTER_FIELDS = ("name", "description", "start_date", "end_date", "status", "timezone")
SHIFT_FIELDS = ("date", "start_time", "end_time", "title", "description", "required_staff", "location", "timezone")
ANSWER_FIELDS = ("status", "notes")


class Change(msgspec.Struct, kw_only=True):
    """One field's value at the first instant and at the second."""

    from_: Any = msgspec.field(name="from")
    to: Any


class StatusMove(msgspec.Struct, kw_only=True):
    from_: str = msgspec.field(name="from")
    to: str
    at: str
    """When the move was recorded."""
    by: int
    """Who moved it (a user id)."""


class ShiftChange(msgspec.Struct, kw_only=True):
    id: int
    date: str
    title: str
    """The shift's date and title at the second instant."""
    changes: dict[str, Change]


class AssignmentChange(msgspec.Struct, kw_only=True):
    id: int
    shift_id: int
    employee_id: int
    employee: EmployeeRef | None
    """Who holds it at the second instant, named as they were then."""
    changes: dict[str, Change]


class ShiftDiff(msgspec.Struct, kw_only=True):
    added: list[ShiftView]
    removed: list[ShiftView]
    """As they were at the first instant."""
    changed: list[ShiftChange]


class AssignmentDiff(msgspec.Struct, kw_only=True):
    made: list[AssignmentView]
    removed: list[AssignmentView]
    """As they were at the first instant (removed, or gone with their shift or roster)."""
    answered: list[AssignmentChange]
    """Status or notes moved (confirmed, declined), the same employee holding it."""
    handed_over: list[AssignmentChange]
    """A swap gave it to someone else."""


class RosterDiff(msgspec.Struct, kw_only=True):
    roster_id: int
    from_: str = msgspec.field(name="from")
    to: str
    from_version: int | None
    """The roster's version (ETag) at the first instant; null where it did not exist yet."""
    to_version: int | None
    """Its version at the second; null once it was deleted."""
    created: bool
    deleted: bool
    roster: dict[str, Change]
    """Its own fields (name, description, dates, status) that differ."""
    settings: dict[str, Change]
    status_moves: list[StatusMove]
    """Every status move recorded between the two instants, in order."""
    shifts: ShiftDiff
    assignments: AssignmentDiff


def changes_of(before: Any, after: Any, fields: Sequence[str]) -> dict[str, Change]:
    return {
        name: Change(from_=getattr(before, name), to=getattr(after, name))
        for name in fields if getattr(before, name) != getattr(after, name)
    }


def settings_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Change]:
    return {
        key: Change(from_=before.get(key), to=after.get(key))
        for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)
    }


def diff_rosters(
    roster_id: int, since: str, until: str, before: RosterDetail | None, after: RosterDetail | None,
    status_moves: list[StatusMove],
) -> RosterDiff:
    """The difference between the roster at `since` (`before`, None where it did not exist)
    and at `until` (`after`)."""
    old_shifts = {s.id: s for s in before.shifts} if before else {}
    new_shifts = {s.id: s for s in after.shifts} if after else {}
    old = {a.id: a for s in old_shifts.values() for a in s.assignments}
    new = {a.id: a for s in new_shifts.values() for a in s.assignments}
    answered, handed_over = [], []
    for assignment_id in sorted(old.keys() & new.keys()):
        was, now = old[assignment_id], new[assignment_id]
        moved = AssignmentChange(id=now.id, shift_id=now.shift_id, employee_id=now.employee_id,
                                 employee=now.employee, changes=changes_of(was, now, ("employee_id", *ANSWER_FIELDS)))
        if was.employee_id != now.employee_id:
            handed_over.append(moved)
        elif moved.changes:
            answered.append(moved)
    changed = []
    for shift in new_shifts.values():
        if shift.id in old_shifts and (fields := changes_of(old_shifts[shift.id], shift, SHIFT_FIELDS)):
            changed.append(ShiftChange(id=shift.id, date=shift.date, title=shift.title, changes=fields))
    both = before is not None and after is not None
    return RosterDiff(
        roster_id=roster_id, from_=since, to=until,
        from_version=before.version if before else None, to_version=after.version if after else None,
        created=before is None, deleted=after is None,
        roster=changes_of(before, after, ROSTER_FIELDS) if both else {},
        settings=settings_changes(before.settings, after.settings) if both else {},  # type: ignore[union-attr]
        status_moves=status_moves,
        shifts=ShiftDiff(
            added=[s for s in new_shifts.values() if s.id not in old_shifts],
            removed=[s for s in old_shifts.values() if s.id not in new_shifts],
            changed=changed,
        ),
        assignments=AssignmentDiff(
            made=[new[i] for i in sorted(new.keys() - old.keys())],
            removed=[old[i] for i in sorted(old.keys() - new.keys())],
            answered=answered, handed_over=handed_over,
        ),
    )
