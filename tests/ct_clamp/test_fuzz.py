"""The webhook fuzzed through Home Assistant's HTTP server: any body, never a 500.

Random JSON-ish bodies (near-valid posts with odd values, arbitrary JSON,
mangled posts) and raw bytes: each is answered 200 or 400, never logs a
traceback nor the webhook id, and a refused post stores nothing.
"""

from datetime import timedelta
import json
import logging
import math
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.energy_hub.ct_clamp.model import CHANNEL_ID

from .conftest import START, T0, WEBHOOK_ID, Board, BoardFactory, full_post

NUMBERS = st.one_of(
    st.sampled_from([10**400, -(10**400), 1e308, 5e-324, -0.0, 429496729.5]),
    st.integers(min_value=-(10**450), max_value=10**450),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=120),
)
KEYS = st.one_of(
    st.sampled_from(["line_A", "line_B", "line_C"]),
    st.sampled_from(["line_A\n", " line_A", "line_Z", "current_amps", "é"]),
    st.text(max_size=8),
)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=16,
)
READING = st.one_of(
    NUMBERS,
    st.fixed_dictionaries(
        {"current_amps": NUMBERS}, optional={"voltage_mv": NUMBERS, "watts": JSON}
    ),
    JSON,
)
POSTS = st.fixed_dictionaries(
    {"channels": st.dictionaries(KEYS, READING, min_size=1, max_size=4)},
    optional={
        "timestamp": st.one_of(
            st.floats(min_value=T0 - 7200, max_value=T0 + 7200), NUMBERS, JSON
        ),
        "total_amps": NUMBERS,
        "estimated_power_watts": NUMBERS,
        "method": st.sampled_from(["ct_clamp", "ocr"]) | JSON,
        "wifi_rssi": NUMBERS,
        "uptime_s": NUMBERS,
        "extra": JSON,
    },
)


def _encode(body: Any) -> bytes:
    # Python writes NaN/Infinity and integers of any length, as a broken
    # board might.
    return json.dumps(body).encode()


def _mangled(data: tuple[bytes, int, bytes]) -> bytes:
    body, at, junk = data
    at %= len(body) + 1
    return body[:at] + junk + body[at + len(junk) :]


BODIES = st.one_of(
    POSTS.map(_encode),
    POSTS.map(_encode),
    JSON.map(_encode),
    st.binary(max_size=600),
    st.tuples(POSTS.map(_encode), st.integers(min_value=0), st.binary(max_size=8)).map(
        _mangled
    ),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


def _safe_field(field: str) -> bool:
    return all(
        part == "body" or CHANNEL_ID.fullmatch(part) for part in field.split(".")
    )


@pytest.fixture
async def board(setup_board: BoardFactory, frozen: FrozenDateTimeFactory) -> Board:
    """A board with some energy already integrated."""
    board = await setup_board()
    await board.post(full_post(T0 - 60, line_A=10.0, line_B=4.0, line_C=2.0))
    await board.post(full_post(T0, line_A=10.0, line_B=4.0, line_C=2.0))
    return board


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(raw=BODIES)
async def test_any_body_is_answered_200_or_400_and_a_refusal_stores_nothing(
    board: Board,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    raw: bytes,
) -> None:
    board_state = board.entry.runtime_data.coordinator.data
    frozen.tick(timedelta(seconds=7))
    before = board_state.stored()
    posts = board_state.posts
    seen = len(caplog.records)
    caplog.set_level(logging.DEBUG, "custom_components.energy_hub")

    status, answer = await board.post(None, raw=raw)

    new = caplog.records[seen:]
    assert status in (200, 400), raw
    assert isinstance(answer, dict)
    assert not [
        record
        for record in new
        if record.name.startswith(("custom_components", "homeassistant"))
        and (record.exc_info or "Error processing webhook" in record.getMessage())
    ], raw
    assert not [
        record
        for record in new
        if record.name.startswith("custom_components")
        and WEBHOOK_ID in record.getMessage()
    ]
    after = board_state.stored()
    if status == 400:
        assert answer["error"] == "invalid_post"
        assert _safe_field(answer["field"]), answer
        assert after == before
        assert board_state.posts == posts
    else:
        assert answer["status"] in ("ok", "duplicate")
    for kind in ("channel_energy_kwh", "role_energy_kwh"):
        for key, kwh in after[kind].items():
            assert math.isfinite(kwh), key
            assert kwh >= before[kind][key], key
    assert board_state.last_time is None or board_state.last_time <= (
        START.timestamp() + 10**7
    )
