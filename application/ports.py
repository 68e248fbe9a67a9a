"""Ports: what the use cases need from the outside, as small protocols."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol

from application.calendar_views import CalendarEventDetail, CalendarEventFilter, EventsPage
from application.claim_views import ClaimView, OpenShiftFilter, OpenShiftView
from application.dashboard_views import (
    Activity,
    DepartmentBreakdown,
    EmployeeStats,
    Moment,
    TeamMember,
)
from application.file_views import BlobWritten, FileRecord
from application.invitation_views import InvitationRecord, InvitationView
from application.principal import Principal
from application.inbox_views import InboxCounts, NotificationFilter, NotificationView
from application.rostering_views import (
    AssignmentView,
    AvailabilityView,
    RosterDetail,
    RosterFilter,
    RosterAccess,
    RosterSummary,
    ScheduleEntry,
    ShiftView,
    SwapView,
    TemplateView,
)
from application.views import (
    CallerView,
    DepartmentView,
    EnterpriseDetail,
    EnterpriseView,
    Page,
    Paged,
    UserFilter,
    UserView,
)


class Dashboards(Protocol):
    """Read model of the dashboard counters and activity feed."""

    def counters(self, scope: str) -> dict[str, int]: ...

    def recent_activity(self, enterprise_id: int | None, limit: int = 10) -> list[Activity]: ...

    def department_breakdown(self, enterprise_id: int) -> list[DepartmentBreakdown]: ...

    def team(self, department_id: int, at: Moment) -> tuple[list[TeamMember], int]: ...

    def employee(self, employee_id: int, at: Moment, unread_notifications: int) -> EmployeeStats: ...


class Inboxes(Protocol):
    """Read model of the users' notifications."""

    def notifications(self, user_id: int, criteria: NotificationFilter, page: Page) -> Paged[NotificationView]: ...

    def notification(self, user_id: int, notification_id: int) -> NotificationView | None: ...

    def counts(self, user_id: int, now: str) -> InboxCounts: ...

    def inbox(
        self, user_id: int, criteria: NotificationFilter, page: Page
    ) -> tuple[Paged[NotificationView], InboxCounts]:
        """`notifications` and `counts` in one read."""
        ...

    def muted_types(self, user_id: int) -> list[str]: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password: str, hashed: str) -> bool: ...


class IdAllocator(Protocol):
    def next_id(self, kind: str) -> int:
        """A new integer id for `kind`, never handed out before, by any process."""
        ...


class ReadModelsBehind(Exception):
    """The command was saved, but the read models did not reach it in time to answer from them."""

    def __init__(self, position: int, waited: float) -> None:
        super().__init__(f"read models did not reach event {position} within {waited:g} s")
        self.position = position
        self.waited = waited


class ProjectionSync(Protocol):
    def wait_for(self, position: int) -> None:
        """Return once the read models have processed the event at `position`.

        Raises ReadModelsBehind when they do not within the configured time.
        """
        ...


class Directory(Protocol):
    """Read model of users, enterprises and departments."""

    def user(self, user_id: int) -> UserView | None: ...

    def caller(self, user_id: int, session_id: str | None = None) -> CallerView | None:
        """The user's row, their department's name and what revocation needs of the session."""
        ...

    def users(self, criteria: UserFilter, page: Page) -> Paged[UserView]: ...

    def count_active_users(self, *, department_id: int) -> int: ...

    def enterprise(self, enterprise_id: int) -> EnterpriseDetail | None: ...

    def enterprises(self, search: str | None, page: Page) -> Paged[EnterpriseView]: ...

    def department(self, department_id: int) -> DepartmentView | None: ...

    def departments(
        self, enterprise_id: int, search: str | None, page: Page
    ) -> Paged[DepartmentView]: ...


class RosterQueries(Protocol):
    """Read model of rosters, shifts, assignments, swaps, templates and time off."""

    def roster_summary(self, roster_id: int) -> RosterSummary | None: ...

    def roster(self, roster_id: int) -> RosterDetail | None: ...

    def rosters(self, criteria: RosterFilter, page: Page) -> Paged[RosterSummary]: ...

    def shifts(
        self, roster_id: int, day: str | None, start_date: str | None, end_date: str | None
    ) -> list[ShiftView]: ...

    def roster_shifts(
        self, roster_id: int, day: str | None, start_date: str | None, end_date: str | None
    ) -> tuple[RosterAccess | None, list[ShiftView]]:
        """`shifts` with what decides who sees the roster (None: no such roster), in one read."""
        ...

    def shift(self, shift_id: int) -> ShiftView | None: ...

    def assignment(self, assignment_id: int) -> AssignmentView | None: ...

    def schedule(
        self, employee_id: int, start_date: str | None, end_date: str | None, status: str | None
    ) -> list[ScheduleEntry]: ...

    def swaps(self, employee_id: int | None, status: str | None, direction: str | None,
              department_id: int | None = None) -> list[SwapView]: ...

    def swap(self, swap_id: int) -> SwapView | None: ...

    def templates(self, department_id: int) -> list[TemplateView]: ...

    def template(self, template_id: int) -> TemplateView | None: ...

    def availability(self, employee_ids: list[int], kind: str | None) -> list[AvailabilityView]: ...

    def availability_entry(self, kind: str, entry_id: int) -> AvailabilityView | None: ...


class JobQueueUnavailable(Exception):
    """The job queue cannot take work now (its broker is unreachable): the request is not carried out."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the job queue is unreachable; retry in {retry_after} s")
        self.retry_after = retry_after
        """Whole seconds after which trying again makes sense."""


class JobQueue(Protocol):
    """Background work: at-least-once, retried, so every job must be safe to repeat."""

    def check_available(self) -> None:
        """Raise JobQueueUnavailable at once, without trying, while the queue is known to be down."""
        ...

    def enqueue_auto_assign(
        self, roster_id: int, user_id: int, strategy: str | None, job_id: str | None = None
    ) -> None:
        """Queue the job, or raise JobQueueUnavailable.

        A send that timed out may still reach a hung broker later: `job_id` lets the job tell
        whether it is still wanted.
        """
        ...


class InvitationQueries(Protocol):
    """Read model of invitations (kept by the directory projection); `now` decides their status."""

    def invitation(self, invitation_id: int, now: datetime) -> InvitationRecord | None: ...

    def invitations(
        self, enterprise_id: int, department_id: int | None, page: Page, now: datetime
    ) -> Paged[InvitationView]: ...


class ClaimQueries(Protocol):
    """Read model of open shifts and shift claims (kept by the rostering projection)."""

    def open_shifts(self, criteria: OpenShiftFilter, employee_id: int, page: Page) -> Paged[OpenShiftView]:
        """Upcoming shifts of claimable rosters with an open or offered-up place, in time order;
        `my_claim` is `employee_id`'s pending claim."""
        ...

    def claim(self, claim_id: int) -> ClaimView | None: ...

    def claims(self, employee_id: int | None, department_id: int | None, status: str | None) -> list[ClaimView]: ...

    def pending_claims(self, shift_id: int) -> list[ClaimView]: ...


class CalendarEventQueries(Protocol):
    """Read model of calendar events and who holds them (the calendar projection)."""

    def events(self, criteria: CalendarEventFilter, skip: int, limit: int) -> EventsPage:
        """The events `criteria.user_id` holds (any role), overlapping the window, in start order."""
        ...

    def event(self, event_id: int) -> CalendarEventDetail | None:
        """The event with everyone who holds it; None once deleted."""
        ...

    def holds_event_carrying(self, user_id: int, file_id: int) -> bool:
        """Whether the user holds (in any role) a live event that carries the file."""
        ...


class AttachmentCheck(Protocol):
    """Whether files may be attached to a calendar event by a user (`application.file_attachments`
    over the files read model). Without one, `NoAttachments` refuses every id."""

    def unknown(self, principal: Principal, file_ids: list[int]) -> list[int]:
        """The ids among `file_ids` that name no file `principal` may attach."""
        ...


class NoAttachments:
    """No file store is wired: every file id is unknown, so `attachments` must stay empty."""

    def unknown(self, principal: Principal, file_ids: list[int]) -> list[int]:
        return list(file_ids)


class BlobStore(Protocol):
    """Bytes kept by the SHA-256 of their content: the same bytes are stored once.

    Streamed both ways in chunks: no method holds a whole file in memory.
    """

    def put(self, chunks: Iterable[bytes], max_bytes: int, head_bytes: int) -> BlobWritten:
        """Store the concatenation of `chunks` and answer its hash, size and first
        `head_bytes` bytes. Past `max_bytes` it stops reading, stores nothing and raises
        BlobTooLarge; any other error from `chunks` also leaves nothing behind."""
        ...

    def open(self, sha256: str) -> Iterator[bytes]:
        """The blob's bytes, chunk by chunk; KeyError (at once, not on first iteration)
        when there is no such blob."""
        ...

    def exists(self, sha256: str) -> bool: ...


class BlobTooLarge(Exception):
    """A blob ran past the size it was allowed; nothing was stored."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"more than {max_bytes} bytes")
        self.max_bytes = max_bytes


class FileQueries(Protocol):
    """Read model of uploaded files (kept by the files projection)."""

    def file(self, file_id: int) -> FileRecord | None: ...

    def bytes_used(self, owner_id: int) -> int:
        """The sizes of all of the owner's files, summed: each upload counts, shared blob or not."""
        ...
