"""Unit tests of shift claims and drops in the domain: each rule on its own. No I/O."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from domain.assignment import AlreadyOffered, Assignment, AssignmentClosed, AssignmentStatus, NotOffered
from domain.claim import (
    ClaimClosed,
    ClaimsNotAllowed,
    ClaimStatus,
    OwnOffer,
    RosterNotOpen,
    ShiftClaim,
    ShiftStarted,
    check_open_for_claims,
    check_upcoming,
)
from domain.errors import PermissionDenied, RuleViolation
from domain.roster import DEFAULT_SETTINGS, check_settings

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


def made(claim_id: int | None = None) -> Assignment:
    return Assignment(assignment_id=1, shift_id=2, roster_id=3, employee_id=4, by=9, claim_id=claim_id)


def filed(**overrides: Any) -> ShiftClaim:
    fields: dict[str, Any] = dict(claim_id=5, shift_id=2, roster_id=3, enterprise_id=1, department_id=1,
                                  employee_id=7, assignment_id=None, dropper_id=None, needs_approval=True,
                                  note=None, by=7)
    return ShiftClaim.file(**{**fields, **overrides})


def pending_events(aggregate: Any) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


# -- settings -----------------------------------------------------------------------


def test_claims_are_off_by_default_and_need_approval_by_default() -> None:
    assert (DEFAULT_SETTINGS["allow_shift_claims"], DEFAULT_SETTINGS["require_claim_approval"]) == (False, True)
    merged = check_settings({"allow_shift_claims": True})
    assert (merged["allow_shift_claims"], merged["require_claim_approval"]) == (True, True)


@pytest.mark.parametrize("flag", ["allow_shift_claims", "require_claim_approval"])
def test_the_claim_settings_are_true_or_false(flag: str) -> None:
    with pytest.raises(RuleViolation, match=flag):
        check_settings({flag: "yes"})


# -- which rosters and shifts are open ------------------------------------------------


@pytest.mark.parametrize("status", ["published", "approved"])
def test_a_published_roster_that_allows_claims_is_open_for_them(status: str) -> None:
    check_open_for_claims({"allow_shift_claims": True}, status, False)


@pytest.mark.parametrize(("status", "deleted"), [("draft", False), ("archived", False), ("published", True)])
def test_drafts_archived_and_deleted_rosters_are_not_open_for_claims(status: str, deleted: bool) -> None:
    with pytest.raises(RosterNotOpen):
        check_open_for_claims({"allow_shift_claims": True}, status, deleted)


def test_a_roster_that_does_not_allow_claims_refuses_them_naming_the_setting() -> None:
    for settings in ({}, {"allow_shift_claims": False}):
        with pytest.raises(ClaimsNotAllowed) as refused:
            check_open_for_claims(settings, "published", False)
        assert refused.value.details == {"setting": "allow_shift_claims"}


def test_a_shift_changes_hands_only_before_it_starts_wall_clock_or_instant() -> None:
    check_upcoming(datetime(2026, 12, 2, 12, 1), NOW)
    check_upcoming(NOW + timedelta(minutes=1), NOW)
    for started in (datetime(2026, 12, 2, 12, 0), datetime(2026, 12, 2, 11, 0), NOW, NOW - timedelta(hours=1)):
        with pytest.raises(ShiftStarted):
            check_upcoming(started, NOW)


# -- drops on an assignment -----------------------------------------------------------


def test_an_assignment_is_offered_up_once_withdrawn_and_offered_again() -> None:
    assignment = made()
    assignment.offer_up(by=4)
    assert assignment.is_offered and assignment.employee_id == 4
    with pytest.raises(AlreadyOffered):
        assignment.offer_up(by=4)
    assignment.withdraw_offer(by=4)
    assert not assignment.is_offered
    with pytest.raises(NotOffered):
        assignment.withdraw_offer(by=4)
    assignment.offer_up(by=4)
    assert pending_events(assignment)[-3:] == ["OfferedUp", "OfferWithdrawn", "OfferedUp"]


def test_a_declined_or_removed_assignment_can_neither_be_offered_nor_stay_offered() -> None:
    declined = made()
    declined.offer_up(by=4)
    declined.answer(AssignmentStatus.DECLINED, None, by=4)
    assert not declined.is_offered
    with pytest.raises(AssignmentClosed):
        declined.offer_up(by=4)
    with pytest.raises(NotOffered):
        declined.take_over(8, claim_id=5, by=8)
    removed = made()
    removed.remove(by=9)
    with pytest.raises(AssignmentClosed):
        removed.offer_up(by=4)


def test_a_claim_takes_over_only_an_offered_assignment_and_the_claimant_holds_it_confirmed() -> None:
    assignment = made()
    with pytest.raises(NotOffered):
        assignment.take_over(8, claim_id=5, by=8)
    assignment.offer_up(by=4)
    assignment.take_over(8, claim_id=5, by=8)
    assert (assignment.employee_id, assignment.status, assignment.is_offered) == (8, "confirmed", False)


def test_a_swap_of_an_offered_assignment_ends_the_offer() -> None:
    assignment = made()
    assignment.offer_up(by=4)
    assignment.hand_over(8, by=9)
    assert (assignment.employee_id, assignment.status, assignment.is_offered) == (8, "pending", False)


def test_an_assignment_a_claim_makes_is_confirmed_and_an_older_event_without_a_claim_replays_as_pending() -> None:
    assert (made(claim_id=5).status, made(claim_id=5).claim_id) == ("confirmed", 5)
    old = made()
    [event] = old.collect_events()
    del event.__dict__["claim_id"]  # as stored before claims existed
    replayed = event.mutate(None)
    assert (replayed.status, replayed.claim_id, replayed.offered) == ("pending", None, False)


# -- claims ----------------------------------------------------------------------------


def test_a_claim_needing_approval_is_pending_and_one_without_is_approved_at_once() -> None:
    pending = filed()
    assert (pending.status, pending.kind, pending.assignment_id) == ("pending", "open_place", None)
    immediate = filed(needs_approval=False, assignment_id=11)
    assert (immediate.status, immediate.assignment_id) == ("approved", 11)
    drop = filed(dropper_id=4, assignment_id=1)
    assert (drop.kind, drop.is_drop, drop.dropper_id) == ("drop", True, 4)


def test_nobody_claims_the_place_they_offered_up_themselves() -> None:
    with pytest.raises(OwnOffer):
        filed(dropper_id=7, assignment_id=1)


def test_a_claim_of_an_offered_place_names_its_assignment_and_a_note_is_bounded() -> None:
    with pytest.raises(RuleViolation):
        filed(dropper_id=4)
    with pytest.raises(RuleViolation, match="note"):
        filed(note="x" * 2001)


def test_a_pending_claim_is_approved_rejected_or_withdrawn_once() -> None:
    approved, rejected, cancelled = filed(), filed(), filed()
    approved.approve(12, by=9, note="ok")
    assert (approved.status, approved.assignment_id) == (ClaimStatus.APPROVED.value, 12)
    rejected.reject(by=9, note="no")
    cancelled.cancel(by=7)
    assert (rejected.status, cancelled.status) == ("rejected", "cancelled")
    for closed in (approved, rejected, cancelled):
        with pytest.raises(ClaimClosed):
            closed.approve(13, by=9)
        with pytest.raises(ClaimClosed):
            closed.reject(by=9)
    with pytest.raises(ClaimClosed):
        filed(needs_approval=False, assignment_id=11).reject(by=9)


def test_only_the_claimant_withdraws_a_claim() -> None:
    claim = filed()
    with pytest.raises(PermissionDenied):
        claim.cancel(by=9)
    assert claim.is_pending
