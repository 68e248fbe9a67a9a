"""The calendar event aggregate: its field rules and who may do what to it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar_event import CalendarEvent, EventRole
from domain.errors import NotFound, PermissionDenied, RuleViolation

UTC = timezone.utc
START = datetime(2024, 3, 20, 10, tzinfo=UTC)
OWNER, EDITOR, VIEWER, STRANGER = 1, 2, 3, 4


def planned(**overrides: object) -> CalendarEvent:
    fields: dict[str, object] = dict(event_id=7, title="Team Meeting", start=START, end=START + timedelta(hours=1),
                                     owner_id=OWNER, enterprise_id=None)
    fields.update(overrides)
    return CalendarEvent.plan(**fields)  # type: ignore[arg-type]


def shared() -> CalendarEvent:
    event = planned()
    event.share(user_id=EDITOR, role=EventRole.EDITOR, by=OWNER)
    event.share(user_id=VIEWER, role=EventRole.VIEWER, by=OWNER)
    return event


def replayed(event: CalendarEvent) -> CalendarEvent:
    """The aggregate rebuilt from its own events, as the repository would."""
    events = event.collect_events()
    copy = None
    for e in events:
        copy = e.mutate(copy)
    assert copy is not None
    return copy


def test_the_creator_owns_a_new_event_and_its_times_are_kept_in_utc() -> None:
    event = planned(start=datetime(2024, 3, 20, 12, tzinfo=timezone(timedelta(hours=2))),
                    end=datetime(2024, 3, 20, 13, tzinfo=timezone(timedelta(hours=2))))
    assert event.permissions == {OWNER: "OWNER"} and event.created_by == OWNER
    assert event.start == START and event.start.tzinfo == UTC


@pytest.mark.parametrize("end", [START, START - timedelta(minutes=1)])
def test_an_event_must_end_after_it_starts(end: datetime) -> None:
    with pytest.raises(RuleViolation) as refused:
        planned(end=end)
    assert refused.value.details["field"] == "end_time"


@pytest.mark.parametrize("title", ["", "   ", "\t\n"])
def test_an_event_needs_a_title_that_is_not_blank(title: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        planned(title=title)
    assert refused.value.details["field"] == "title"


def test_times_without_a_zone_or_outside_the_calendar_window_are_refused() -> None:
    with pytest.raises(RuleViolation):
        planned(start=datetime(2024, 3, 20, 10), end=datetime(2024, 3, 20, 11))
    with pytest.raises(RuleViolation) as refused:
        planned(start=datetime(1969, 12, 31, tzinfo=UTC), end=START)
    assert refused.value.details["field"] == "start_time"
    with pytest.raises(RuleViolation) as refused:
        planned(end=datetime(2200, 1, 1, 0, 1, tzinfo=UTC))
    assert refused.value.details["field"] == "end_time"


def test_an_editor_changes_the_event_and_a_viewer_may_not() -> None:
    event = shared()
    assert event.change(by=EDITOR, title="Renamed") is True
    assert event.title == "Renamed"
    with pytest.raises(PermissionDenied):
        event.change(by=VIEWER, title="Mine now")


def test_a_change_that_changes_nothing_records_nothing() -> None:
    event = planned()
    event.collect_events()
    assert event.change(by=OWNER, title="Team Meeting") is False
    assert event.collect_events() == []


def test_a_change_keeps_end_after_start_whichever_of_them_it_moves() -> None:
    event = planned()
    with pytest.raises(RuleViolation):
        event.change(by=OWNER, start=START + timedelta(hours=2))
    event.change(by=OWNER, start=START + timedelta(hours=2), end=START + timedelta(hours=3))
    assert event.end - event.start == timedelta(hours=1)


def test_whoever_holds_no_role_does_not_see_the_event_at_all() -> None:
    event = shared()
    for command in (lambda: event.change(by=STRANGER, title="x"), lambda: event.delete(by=STRANGER),
                    lambda: event.share(user_id=5, role=EventRole.VIEWER, by=STRANGER),
                    lambda: event.require_visible(STRANGER)):
        with pytest.raises(NotFound):
            command()


def test_only_the_owner_deletes() -> None:
    event = shared()
    for who in (EDITOR, VIEWER):
        with pytest.raises(PermissionDenied):
            event.delete(by=who)
    event.delete(by=OWNER)
    assert event.is_deleted and event.role_of(OWNER) is None
    with pytest.raises(NotFound):
        event.require_visible(OWNER)


def test_an_editor_shares_as_viewer_but_only_the_owner_grants_editor() -> None:
    event = shared()
    event.share(user_id=5, role=EventRole.VIEWER, by=EDITOR)
    assert event.role_of(5) is EventRole.VIEWER
    with pytest.raises(PermissionDenied):
        event.share(user_id=6, role=EventRole.EDITOR, by=EDITOR)
    with pytest.raises(PermissionDenied):
        event.share(user_id=5, role=EventRole.EDITOR, by=EDITOR)
    with pytest.raises(PermissionDenied):
        event.share(user_id=6, role=EventRole.VIEWER, by=VIEWER)


def test_an_editor_cannot_demote_another_editor() -> None:
    event = shared()
    event.share(user_id=5, role=EventRole.EDITOR, by=OWNER)
    with pytest.raises(PermissionDenied):
        event.share(user_id=5, role=EventRole.VIEWER, by=EDITOR)
    with pytest.raises(PermissionDenied):
        event.unshare(user_id=5, by=EDITOR)


def test_sharing_again_changes_the_role_and_the_same_role_records_nothing() -> None:
    event = shared()
    event.collect_events()
    assert event.share(user_id=VIEWER, role=EventRole.EDITOR, by=OWNER) is True
    assert event.role_of(VIEWER) is EventRole.EDITOR
    assert event.share(user_id=VIEWER, role=EventRole.EDITOR, by=OWNER) is False
    assert len(event.collect_events()) == 1


def test_nobody_shares_with_themselves_or_with_the_owner_or_hands_out_ownership() -> None:
    event = shared()
    for user_id, role, by in ((OWNER, EventRole.VIEWER, OWNER), (EDITOR, EventRole.VIEWER, EDITOR),
                              (OWNER, EventRole.VIEWER, EDITOR), (5, EventRole.OWNER, OWNER)):
        with pytest.raises(RuleViolation):
            event.share(user_id=user_id, role=role, by=by)
    assert event.permissions == {OWNER: "OWNER", EDITOR: "EDITOR", VIEWER: "VIEWER"}


def test_unsharing_the_owner_from_anyone_a_viewer_by_an_editor_and_anyone_themselves() -> None:
    event = shared()
    event.share(user_id=5, role=EventRole.VIEWER, by=OWNER)
    with pytest.raises(RuleViolation):
        event.unshare(user_id=OWNER, by=OWNER)
    with pytest.raises(PermissionDenied):
        event.unshare(user_id=5, by=VIEWER)
    event.unshare(user_id=5, by=EDITOR)
    event.unshare(user_id=VIEWER, by=VIEWER)
    event.unshare(user_id=EDITOR, by=OWNER)
    assert event.permissions == {OWNER: "OWNER"}


def test_every_event_names_its_actor_and_a_replay_rebuilds_the_same_state() -> None:
    event = shared()
    event.change(by=EDITOR, location="Room 4")
    event.unshare(user_id=VIEWER, by=OWNER)
    pending = list(event.pending_events)
    assert all(isinstance(getattr(e, "by", None), int) for e in pending)
    copy = replayed(event)
    assert (copy.permissions, copy.location, copy.title) == (event.permissions, "Room 4", "Team Meeting")


# -- any sequence of commands keeps the permission rules ------------------------------------

USERS = st.integers(min_value=1, max_value=5)
EVENTS = st.integers(min_value=0, max_value=3)
COMMANDS = st.lists(st.one_of(
    st.tuples(st.just("create"), USERS),
    st.tuples(st.just("update"), USERS, EVENTS, st.text(max_size=5)),
    st.tuples(st.just("share"), USERS, EVENTS, USERS, st.sampled_from(list(EventRole))),
    st.tuples(st.just("unshare"), USERS, EVENTS, USERS),
    st.tuples(st.just("delete"), USERS, EVENTS),
), max_size=40)


def expected_outcome(held: dict[int, str], command: tuple, deleted: bool) -> str:
    """What the rules say `command` meets, from the roles before it: `ok`, `404`, `403` or `400`."""
    actor = command[1]
    mine = None if deleted else held.get(actor)
    if mine is None:
        return "404"
    if command[0] == "update":
        return "403" if mine == "VIEWER" else ("400" if not command[3].strip() else "ok")
    if command[0] == "delete":
        return "ok" if mine == "OWNER" else "403"
    target = command[3]
    if command[0] == "share":
        role = command[4]
        if mine == "VIEWER":
            return "403"
        if role is EventRole.OWNER or target == actor or held.get(target) == "OWNER":
            return "400"
        if mine == "EDITOR" and (role is EventRole.EDITOR or held.get(target) == "EDITOR"):
            return "403"
        return "ok"
    if held.get(target) == "OWNER":
        return "400"
    if target != actor and (mine == "VIEWER" or (mine == "EDITOR" and held.get(target) == "EDITOR")):
        return "403"
    return "ok" if target in held else "404"


def run(event: CalendarEvent, command: tuple) -> str:
    kind, actor = command[0], command[1]
    try:
        if kind == "update":
            event.change(by=actor, title=command[3])
        elif kind == "share":
            event.share(user_id=command[3], role=command[4], by=actor)
        elif kind == "unshare":
            event.unshare(user_id=command[3], by=actor)
        else:
            event.delete(by=actor)
    except NotFound:
        return "404"
    except PermissionDenied:
        return "403"
    except RuleViolation:
        return "400"
    return "ok"


@settings(max_examples=300, deadline=None)
@given(COMMANDS)
def test_any_sequence_of_create_update_share_unshare_and_delete_keeps_the_permission_rules(
        commands: list[tuple]) -> None:
    events: list[CalendarEvent] = []
    for command in commands:
        if command[0] == "create":
            events.append(planned(event_id=len(events) + 1, owner_id=command[1]))
            continue
        if not events:
            continue
        event = events[command[2] % len(events)]
        before, deleted = dict(event.permissions), event.is_deleted
        outcome = run(event, command)
        assert outcome == expected_outcome(before, command, deleted), (command, before)
        if outcome != "ok":
            assert event.permissions == before and event.is_deleted == deleted  # a refusal changes nothing
        elif command[0] == "delete":  # the roles stay: whoever held it is told it left (calendar_announce)
            assert event.permissions == before and event.is_deleted
    for event in events:
        # The invariants: exactly one owner, its creator; only the three roles; nobody sees a deleted one.
        assert [u for u, r in event.permissions.items() if r == "OWNER"] == [event.created_by]
        assert set(event.permissions.values()) <= {"OWNER", "EDITOR", "VIEWER"}
        assert not event.is_deleted or all(event.role_of(u) is None for u in range(1, 6))
        copy = replayed(event)
        assert (copy.permissions, copy.is_deleted, copy.title) == (event.permissions, event.is_deleted, event.title)
