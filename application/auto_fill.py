"""Rosters that fill themselves: `settings.auto_assign: true`.

A draft roster whose settings ask for it is filled by the roster's `assignment_strategy`
whenever it gains shifts: when it is created with generated shifts, copied, given a new
shift, or switched on. The filling is the background job of `POST /api/rosters/:id/auto-assign`
(`AssignmentService.run_auto_assign_job`), with the same rules; its progress is the roster's
`metadata.auto_assign`: queued, running, completed (with counts and the reasons for unfilled
places) or failed. Once the roster is published, or the setting is switched off, new shifts
wait for a manager.

The command that gave the roster its shifts has been saved when this runs, so nothing here
may fail it: a queue that is away is recorded on the roster as `failed` (a manager fills it
with the auto-assign endpoint once the queue is back), never answered as an error.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import uuid4

from domain.roster import Roster, RosterStatus

from application.events import ConcurrentWrite, SchedulaX
from application.ports import JobQueue, JobQueueUnavailable, ProjectionSync

log = logging.getLogger("schedulax.auto_fill")
RECORD_ATTEMPTS = 5


def wants_filling(roster: Roster) -> bool:
    """The roster asks to be filled: auto_assign is on and it is still a draft."""
    return (
        not roster.is_deleted and roster.status == RosterStatus.DRAFT.value
        and bool(roster.settings.get("auto_assign"))
    )


class AutoFill:
    def __init__(self, events: SchedulaX, sync: ProjectionSync, jobs: JobQueue) -> None:
        self._events = events
        self._sync = sync
        self._jobs = jobs

    def request(self, roster_id: int, by: int, trigger: str) -> dict[str, Any] | None:
        """Queue the auto-assign job for the roster if it asks to be filled, on behalf of `by`
        (who changed it, and may fill it); the report recorded, or None when nothing was asked.

        A job still queued (not started) is not queued twice: it fills every open place it
        finds when it starts, this one's too. A running job may have read the shifts already,
        so another is queued; it supersedes the running one's report (see run_auto_assign_job).
        """
        job_id = uuid4().hex
        report: dict[str, Any] | None = None
        for _ in range(RECORD_ATTEMPTS):
            roster = self._events.find(Roster.create_id(roster_id), Roster)
            if roster is None or not wants_filling(roster):
                return None
            if (roster.auto_assign or {}).get("status") == "queued":
                return roster.auto_assign
            report = report or self._send(roster, by, job_id, trigger)
            roster.record_auto_assign(report, by=by)
            try:
                position = self._events.commit(roster)
            except ConcurrentWrite:
                continue  # the roster changed meanwhile (a job recording its progress): look again
            self._sync.wait_for(position)
            return report
        # Never recorded: the job that was sent finds no report naming it and does nothing, so
        # one without an id (which runs whatever the report says) is sent in its place.
        log.warning("auto-assign of roster %s (%s) could not be recorded; the roster changed %d times",
                    roster_id, trigger, RECORD_ATTEMPTS)
        if report is not None and report["status"] == "queued":
            try:
                self._jobs.enqueue_auto_assign(roster_id, by, report["strategy"], None)
            except JobQueueUnavailable:
                log.warning("auto-assign of roster %s (%s) could not be queued either", roster_id, trigger)
        return None

    def _send(self, roster: Roster, by: int, job_id: str, trigger: str) -> dict[str, Any]:
        """Sent first, recorded after, as the auto-assign endpoint does: the roster never says
        "queued" for a job nobody has."""
        strategy = roster.settings.get("assignment_strategy")
        base = {"strategy": strategy, "requested_by": by, "trigger": trigger}
        try:
            self._jobs.check_available()
            self._jobs.enqueue_auto_assign(roster.roster_id, by, strategy, job_id)
        except JobQueueUnavailable as error:
            return {**base, "status": "failed",
                    "error": f"The roster was saved, but {error}; fill it with POST /api/rosters/"
                             f"{roster.roster_id}/auto-assign"}
        return {**base, "status": "queued", "job_id": job_id}
