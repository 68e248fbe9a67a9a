"""The vocabulary of history: what happened, in the product's words (snake_case, past tense).

Every event of the domain that an auditor may ask about becomes one entry of one of these
types. The same names are what webhooks will carry. A type is *shown* (history, the audit
log, exports) or *hidden*: a hidden entry repeats a fact a shown one already tells (the
roster noting a shift it gained, a shift counting a place an assignment took), and is kept
only so that a roster's entries list every event of its aggregates, which as-of replays.
"""

from __future__ import annotations

SUBJECT_KINDS = (
    "roster", "shift", "assignment", "swap_request", "user", "department", "enterprise", "time_off",
    "availability", "template", "invitation", "shift_claim", "calendar_event",
    "availability", "template", "invitation", "shift_claim", "file", "webhook",
)

TYPES: dict[str, tuple[str, str]] = {
    # type: (subject kind, what it says)
    "roster_created": ("roster", "A roster was planned for a department and a date range"),
    "roster_revised": ("roster", "A roster's name, description, dates, settings or time zone changed"),
    "roster_status_changed": ("roster", "A roster moved along draft, published, approved, archived"),
    "roster_deleted": ("roster", "A roster was deleted, with its shifts and assignments"),
    "auto_assign_recorded": ("roster", "Auto-assign was queued, started, completed, failed or withdrawn"),
    "shift_added": ("shift", "A shift was added to a roster (by hand, generated or copied)"),
    "shift_changed": ("shift", "A shift's title, description, staffing or location changed"),
    "shift_moved": ("shift", "A shift moved to another date, time or time zone (nothing else changed)"),
    "shift_removed": ("shift", "A shift was deleted"),
    "employee_assigned": ("assignment", "Someone was assigned to a shift"),
    "assignment_confirmed": ("assignment", "An assignment was confirmed (or its notes changed)"),
    "assignment_declined": ("assignment", "An assignment was declined; its place is free again"),
    "assignment_removed": ("assignment", "Someone was taken off a shift"),
    "assignment_handed_over": ("assignment", "A swap gave an assignment to another employee"),
    "swap_requested": ("swap_request", "An employee offered a shift to a colleague"),
    "swap_accepted": ("swap_request", "The colleague accepted; a manager approves next"),
    "swap_approved": ("swap_request", "The swap was carried out"),
    "swap_rejected": ("swap_request", "The colleague or a manager rejected the swap"),
    "swap_cancelled": ("swap_request", "The requester withdrew the swap request"),
    "assignment_dropped": ("assignment", "An employee offered up their assignment for a colleague to claim"),
    "drop_withdrawn": ("assignment", "The employee took back the offer of their assignment"),
    "assignment_taken_over": ("assignment", "A claim gave an offered-up assignment to the claimant"),
    "shift_claimed": ("shift_claim", "An employee claimed an open or offered-up place (at once, or pending approval)"),
    "claim_approved": ("shift_claim", "A manager approved a claim; the claimant took the place"),
    "claim_rejected": ("shift_claim", "A manager rejected a claim, or it closed when its place went to"
                                      " another claim or the offer was withdrawn"),
    "claim_cancelled": ("shift_claim", "The claimant withdrew their claim"),
    "template_created": ("template", "A department's shift template was defined"),
    "template_revised": ("template", "A shift template changed"),
    "template_deleted": ("template", "A shift template was deleted"),
    "time_off_requested": ("time_off", "An employee asked for time off"),
    "time_off_approved": ("time_off", "Time off was approved"),
    "time_off_rejected": ("time_off", "Time off was rejected"),
    "time_off_cancelled": ("time_off", "Time off was withdrawn"),
    "unavailability_marked": ("availability", "An employee marked a period unavailable"),
    "unavailability_cleared": ("availability", "An unavailability mark was removed"),
    "user_registered": ("user", "A user was created, or registered themselves"),
    "user_profile_updated": ("user", "A user's full name or gender changed"),
    "user_placed": ("user", "A user's role, enterprise or department changed"),
    "user_email_changed": ("user", "A user's email address changed"),
    "user_activated": ("user", "A user was allowed to sign in again"),
    "user_deactivated": ("user", "A user may no longer sign in"),
    "user_password_changed": ("user", "A user's password was changed or reset"),
    "user_sessions_revoked": ("user", "Every token of a user was revoked: they signed out everywhere,"
                                      " their password changed or they were deactivated"),
    "notifications_muted": ("user", "A user chose which notification types to mute"),
    "join_requested": ("user", "A self-registered user asked to join an enterprise"),
    "join_approved": ("user", "A request to join an enterprise was approved"),
    "join_rejected": ("user", "A request to join an enterprise was rejected"),
    "enterprise_created": ("enterprise", "An enterprise (tenant) was founded"),
    "enterprise_updated": ("enterprise", "An enterprise's name, description or time zone changed"),
    "department_created": ("department", "A department was opened"),
    "department_updated": ("department", "A department's name, description, manager or time zone changed"),
    "department_deleted": ("department", "A department was deleted"),
    "invitation_issued": ("invitation", "An invitation code to join an enterprise was issued"),
    "invitation_used": ("invitation", "Someone registered with an invitation"),
    "invitation_revoked": ("invitation", "An invitation was revoked"),
    "calendar_event_created": ("calendar_event", "Someone created a calendar event (they own it)"),
    "calendar_event_changed": ("calendar_event", "A calendar event's title, times, place or attachments changed"),
    "calendar_event_shared": ("calendar_event", "A calendar event was shared with a user, or their role changed"),
    "calendar_event_unshared": ("calendar_event", "A user's role on a calendar event was taken back, or they left it"),
    "calendar_event_deleted": ("calendar_event", "A calendar event was deleted by its owner"),
    "file_uploaded": ("file", "A user uploaded a file (its name, size, sniffed type and hash; never its bytes)"),
    "calendar_feed_issued": ("user", "A user was given secret calendar feed URLs (first, or rotated: the old"
                                     " ones stopped working)"),
    "calendar_feed_revoked": ("user", "A user's secret calendar feed URLs were revoked"),
    "webhook_created": ("webhook", "An enterprise admin subscribed a URL to event types (never its secret)"),
    "webhook_updated": ("webhook", "A webhook's URL, event types, description or active flag changed"),
    "webhook_secret_rotated": ("webhook", "A webhook's signing secret was replaced; the previous one signs for 24 hours"),
    "webhook_disabled": ("webhook", "A webhook was switched off after failed deliveries in a row"),
    "webhook_deleted": ("webhook", "A webhook subscription was deleted"),
}
"""The shown types."""

HIDDEN_TYPES: dict[str, tuple[str, str]] = {
    "roster_shift_added": ("shift", "The roster noted a new shift's date (told by shift_added)"),
    "roster_shift_moved": ("shift", "The roster noted a shift's new date (told by shift_moved or shift_changed)"),
    "roster_shift_removed": ("shift", "The roster forgot a deleted shift (told by shift_removed)"),
    "shift_place_taken": ("shift", "A shift counted a filled place (told by employee_assigned)"),
    "shift_place_freed": ("shift", "A shift counted a freed place (told by assignment_removed or _declined)"),
    "shift_place_handed_over": ("shift", "A shift's place changed hands (told by assignment_handed_over)"),
}
"""Kept in the index for as-of, never listed."""

SKIPPED_EVENTS = (
    "SignIn.Recorded", "SignOut.Recorded", "IdempotencyKey.Taken", "EmailClaim.*", "SystemAdminSeat.Taken",
    "DepartmentCalendar.*", "EmployeeSchedule.Opened", "EmployeeSchedule.Booked", "EmployeeSchedule.Released",
    "Inbox.Opened", "Inbox.Read", "Inbox.AllRead", "Inbox.Dismissed", "CalendarFeed.Opened",
)
"""Bookkeeping that gets no entry: sign-ins and single sign-outs, idempotency keys and the uniqueness registries
(emails, the first system admin, a department's roster dates, which Roster events already
tell), opening an empty schedule or inbox, an employee's schedule booking and releasing
assignments (its copy of what the assignments' own entries tell), and which notifications a
user has read, and opening a person's calendar feed record (its first key's entry tells it)."""
