"""The rules of joining an enterprise: a user's join request, and invitations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from eventsourcing.application import Application

from domain.errors import Conflict, RuleViolation
from domain.identity import JoinRequestPending, NoPendingJoinRequest, User
from domain.invitation import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    Invitation,
    InvitationNotValid,
)
from domain.roles import Role

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CODE = "a-long-random-secret-code-0123456789"


def applicant(**fields: Any) -> User:
    user = User.register(
        user_id=7, full_name="Ann Applicant", email="ann@x.test", password_hash="h",
        role=Role.EMPLOYEE, gender=None, enterprise_id=None, department_id=None, is_active=True,
        by=None,
    )
    user.request_to_join(**{"enterprise_id": 1, "department_id": 3, **fields})
    return user


def issued(**fields: Any) -> Invitation:
    return Invitation.issue(**{
        "code": CODE, "invitation_id": 5, "enterprise_id": 1, "department_id": 3,
        "role": Role.EMPLOYEE, "expires_at": None, "max_uses": 1, "now": NOW, "by": 2, **fields})


# -- join requests -------------------------------------------------------------------


def test_a_join_request_leaves_the_user_outside_the_enterprise_until_approved() -> None:
    user = applicant()
    assert (user.enterprise_id, user.department_id) == (None, None)
    assert (user.join_enterprise_id, user.join_department_id, user.join_status) == (1, 3, "pending")
    user.approve_join(by=2)
    assert (user.role, user.enterprise_id, user.department_id, user.join_status) == (
        "employee", 1, 3, "approved")
    # Placed by the same Placed event every other read model already follows.
    names = [type(e).__name__ for e in user.collect_events()]
    assert names == ["Registered", "JoinRequested", "JoinApproved", "Placed"]


def test_a_rejected_request_places_nobody_and_cannot_be_approved_afterwards() -> None:
    user = applicant()
    user.reject_join(by=2)
    assert (user.enterprise_id, user.join_status) == (None, "rejected")
    with pytest.raises(NoPendingJoinRequest):
        user.approve_join(by=2)
    with pytest.raises(NoPendingJoinRequest):
        user.reject_join(by=2)


def test_a_request_is_decided_once() -> None:
    user = applicant()
    user.approve_join(by=2)
    with pytest.raises(NoPendingJoinRequest):
        user.approve_join(by=2)


def test_a_request_names_an_enterprise_and_its_department_belongs_to_one() -> None:
    with pytest.raises(RuleViolation):
        applicant(enterprise_id=None, department_id=3)
    with pytest.raises(RuleViolation):
        applicant(enterprise_id=None, department_id=None)


def test_only_an_unplaced_employee_without_a_pending_request_asks_to_join() -> None:
    user = applicant()
    with pytest.raises(Conflict):
        user.request_to_join(enterprise_id=2, department_id=None)
    user.approve_join(by=2)
    with pytest.raises(Conflict):
        user.request_to_join(enterprise_id=2, department_id=None)


def test_a_user_with_a_pending_request_is_not_placed_behind_its_back() -> None:
    user = applicant()
    with pytest.raises(JoinRequestPending):
        user.place(role=Role.EMPLOYEE, enterprise_id=2, department_id=None, by=1)
    user.place(role=Role.EMPLOYEE, enterprise_id=None, department_id=None, by=1)  # no change: fine
    assert user.join_status == "pending"


def test_a_user_replayed_from_its_events_keeps_its_join_request() -> None:
    app = Application[Any](env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    user = applicant()
    app.save(user)
    again = app.repository.get(user.id)
    assert (again.join_enterprise_id, again.join_department_id, again.join_status) == (1, 3, "pending")


# -- invitations ---------------------------------------------------------------------


def test_an_invitation_lasts_seven_days_by_default_and_is_found_by_its_code() -> None:
    invitation = issued()
    assert invitation.expires_at == NOW + DEFAULT_LIFETIME
    assert invitation.id == Invitation.id_for(CODE) != Invitation.id_for(CODE + "x")
    assert (invitation.uses, invitation.revoked, invitation.status(NOW)) == (0, False, "active")
    # The code is the key: it is stored in no event.
    (event,) = invitation.collect_events()
    assert CODE not in repr(event.__dict__)


def test_an_invitation_is_used_as_often_as_it_allows_and_no_more() -> None:
    invitation = issued(max_uses=2)
    invitation.use(user_id=10, now=NOW)
    invitation.use(user_id=11, now=NOW)
    assert (invitation.uses, invitation.status(NOW)) == (2, "used_up")
    with pytest.raises(InvitationNotValid):
        invitation.use(user_id=12, now=NOW)


@pytest.mark.parametrize("spoil", ["expire", "revoke", "use_up"])
def test_an_expired_revoked_or_used_up_invitation_is_refused_with_one_error(spoil: str) -> None:
    invitation = issued(expires_at=NOW + timedelta(hours=1))
    later = NOW
    if spoil == "expire":
        later = NOW + timedelta(hours=1)
    elif spoil == "revoke":
        invitation.revoke(by=2)
    else:
        invitation.use(user_id=10, now=NOW)
    with pytest.raises(InvitationNotValid) as raised:
        invitation.use(user_id=11, now=later)
    assert raised.value.message == InvitationNotValid().message
    assert raised.value.details == {"field": "invitation_code"}


@pytest.mark.parametrize("fields", [
    {"expires_at": NOW},
    {"expires_at": NOW - timedelta(seconds=1)},
    {"expires_at": NOW + MAX_LIFETIME + timedelta(seconds=1)},
    {"expires_at": datetime(2026, 3, 5, 9, 0)},  # no time zone
    {"max_uses": 0},
    {"max_uses": 1001},
    {"role": Role.SYSTEM_ADMIN, "department_id": None},
    {"role": Role.ENTERPRISE_ADMIN},  # an enterprise admin belongs to no department
    {"code": "short"},
])
def test_an_invitation_outside_its_bounds_is_not_issued(fields: dict[str, Any]) -> None:
    with pytest.raises(RuleViolation):
        issued(**fields)


def test_an_invitation_takes_its_expiry_in_any_time_zone_and_keeps_it_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    invitation = issued(expires_at=datetime(2026, 3, 3, 10, 0, tzinfo=paris), max_uses=1000)
    assert invitation.expires_at == datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc)
    assert invitation.expires_at.tzinfo is timezone.utc


def test_revoking_twice_records_one_event() -> None:
    invitation = issued()
    invitation.collect_events()
    invitation.revoke(by=2)
    invitation.revoke(by=2)
    assert [type(e).__name__ for e in invitation.collect_events()] == ["Revoked"]
