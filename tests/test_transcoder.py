"""Stored events and times: the msgspec decoder reads events exactly as eventsourcing's
JSONTranscoder does, and event times are written the same way whatever their zone."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError
from hypothesis import given
from hypothesis import strategies as st

from application.events import SchedulaX
from application.transcoder import MsgspecJSONTranscoder
from domain.timeslots import iso


APP = SchedulaX(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def _registered(transcoder: JSONTranscoder) -> JSONTranscoder:
    APP.register_transcodings(transcoder)
    return transcoder


STOCK = _registered(JSONTranscoder())
FAST = _registered(MsgspecJSONTranscoder())

scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text()
    | st.uuids() | st.dates() | st.times()
    | st.datetimes(timezones=st.just(timezone.utc)) | st.decimals(allow_nan=False, allow_infinity=False)
)
# Keys that look like the transcoder's own, so that plain dicts shaped like a tagged value occur.
keys = st.sampled_from(["_type_", "_data_", "name", "day"]) | st.text(max_size=8)
states = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=10), states, max_size=6))
def test_any_event_state_decodes_as_the_stock_transcoder_decodes_it(state: dict) -> None:
    stored = STOCK.encode(state)
    assert _outcome(FAST, stored) == _outcome(STOCK, stored)


def _outcome(transcoder: JSONTranscoder, stored: bytes) -> object:
    """The decoded value, or the type of the error (a plain dict tagged with a name that is
    not a registered type fails in both)."""
    try:
        return transcoder.decode(stored)
    except Exception as error:  # noqa: BLE001 - compared, not swallowed
        return type(error)


def test_the_tagged_values_of_an_event_come_back_as_their_types() -> None:
    state = {
        "timestamp": datetime(2026, 11, 21, 9, 30, tzinfo=timezone.utc),
        "id": UUID(int=7), "day": date(2026, 11, 23), "start": time(6), "rate": Decimal("1.50"),
        "shifts": [{"start_time": time(22), "days": [date(2026, 1, 1)]}],
    }
    decoded = FAST.decode(STOCK.encode(state))
    assert decoded == state
    assert type(decoded["shifts"][0]["start_time"]) is time


def test_a_float_that_only_the_json_module_reads_still_decodes() -> None:
    stored = STOCK.encode({"x": float("nan"), "y": float("inf")})
    decoded = FAST.decode(stored)
    assert math.isnan(decoded["x"]) and decoded["y"] == float("inf")


def test_an_unknown_tag_fails_as_it_does_in_the_stock_transcoder() -> None:
    stored = b'{"a":{"_type_":"no_such_type","_data_":"x"}}'
    with pytest.raises(TranscodingNotRegisteredError):
        STOCK.decode(stored)
    with pytest.raises(TranscodingNotRegisteredError):
        FAST.decode(stored)


def test_the_application_decodes_with_msgspec() -> None:
    assert isinstance(APP.mapper.transcoder, MsgspecJSONTranscoder)


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30),
                    timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=2)),
                                               timezone(timedelta(hours=-9, minutes=-30))])))
def test_a_stored_time_is_written_in_utc_with_milliseconds_whatever_its_zone(moment: datetime) -> None:
    # iso() has a shortcut for times already in UTC; every zone must give the same text.
    expected = moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    assert iso(moment) == expected
