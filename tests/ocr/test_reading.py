"""Votes over a burst and the composition of readings (no photos, no model)."""

from collections.abc import Sequence
import math

import numpy as np
import pytest

from custom_components.energy_hub.lifetime_total import LifetimeTotal
from custom_components.energy_hub.ocr.reading import (
    BETWEEN,
    MIN_CONFIDENCE,
    Composer,
    publish,
    vote,
)
from custom_components.energy_hub.ocr.result import Reading, Rejection, RejectReason
from simulators.meter_photos import drum_positions


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant here: these are plain functions."""


def sure(digit: int, confidence: float = 0.98) -> np.ndarray:
    """A classifier row that is sure of one class."""
    row = np.full(11, (1 - confidence) / 10, np.float32)
    row[digit] = confidence
    return row


def between(lower: int, share: float = 0.5) -> np.ndarray:
    """A drum between `lower` and the next number: mostly class 10."""
    row = np.full(11, 0.01, np.float32)
    row[BETWEEN] = 0.6
    row[lower] = 0.39 * (1 - share)
    row[(lower + 1) % 10] = 0.39 * share
    return row / row.sum()


def frames(*rows_per_frame: Sequence[np.ndarray]) -> np.ndarray:
    return np.array([list(rows) for rows in rows_per_frame], np.float32)


def burst(text: str, count: int = 3) -> np.ndarray:
    """Frames that all read `text` (digits; `a/` is a drum between a and a+1)."""
    rows: list[np.ndarray] = []
    index = 0
    while index < len(text):
        digit = int(text[index])
        if index + 1 < len(text) and text[index + 1] == "/":
            rows.append(between(digit))
            index += 2
        else:
            rows.append(sure(digit))
            index += 1
    return frames(*([rows] * count))


def test_unanimous_vote_keeps_the_classifier_confidence() -> None:
    votes, mean = vote(burst("123"))
    assert [v.value for v in votes] == [1, 2, 3]
    assert all(v.confidence == pytest.approx(0.98, abs=1e-6) for v in votes)
    assert mean.shape == (3, 11)


def test_two_of_three_win_with_a_lower_confidence() -> None:
    probabilities = frames([sure(4)], [sure(4)], [sure(9)])
    (digit,), _ = vote(probabilities)
    assert digit.value == 4
    assert digit.confidence == pytest.approx((0.98 * 2 + 0.002) / 3, abs=1e-3)
    assert digit.confidence < MIN_CONFIDENCE * 1.2


def test_vote_needs_frames_by_digits_by_eleven() -> None:
    with pytest.raises(ValueError, match="11"):
        vote(np.zeros((3, 4, 10), np.float32))


def test_plain_reading_with_decimals() -> None:
    composer = Composer(digits=6, decimals=1)
    reading = composer.compose(burst("012345"))
    assert isinstance(reading, Reading)
    assert reading.display == 1234.5
    assert reading.value == 1234.5
    assert reading.text == "01234.5"
    assert reading.raw == "01234.5"
    assert reading.digits == (0, 1, 2, 3, 4, 5)


def test_last_drum_between_takes_the_lower_number() -> None:
    reading = Composer(digits=5, decimals=0).compose(burst("01234/"))
    assert isinstance(reading, Reading)
    assert reading.display == 1234
    assert reading.raw == "0123?"
    assert reading.digits[-1] is None


def test_last_drum_between_never_goes_back_from_the_previous_reading() -> None:
    composer = Composer(digits=5, previous=1235)
    reading = composer.compose(burst("01234/"))
    assert isinstance(reading, Reading)
    assert reading.display == 1235


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The tens drum is half-way from 3 to 4 while the units go 9 -> 0.
        ("0123/9", 1239),  # the units still on 9: the tens have not arrived
        ("0123/0", 1240),  # the units on 0: they have
        ("012/9/9/", 1299),  # two drums rolling over a last one between 9 and 0
        ("019/9/9/", 1999),
    ],
)
def test_higher_drum_between_follows_the_drum_below(text: str, expected: int) -> None:
    reading = Composer(digits=len(text.replace("/", ""))).compose(burst(text))
    assert isinstance(reading, Reading)
    assert reading.display == expected


def test_between_with_a_previous_reading_across_a_carry() -> None:
    # 1299 read before; now every drum is half-way: 1299 -> 1300 under way.
    composer = Composer(digits=4, previous=1299)
    reading = composer.compose(burst("12/9/9/"))
    assert isinstance(reading, Reading)
    assert reading.display == 1299


def test_unsure_digit_without_neighbours_is_unreadable() -> None:
    row = np.full(11, 0.02, np.float32)
    row[BETWEEN] = 0.5
    row[2], row[7] = 0.15, 0.15
    result = Composer(digits=2).compose(frames([sure(1), row / row.sum()]))
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.UNREADABLE
    assert "digit 2 of 2" in result.detail


def test_seven_segment_digits_never_stand_between() -> None:
    result = Composer(digits=3, rolling=False).compose(burst("12/3"))
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.UNREADABLE


def test_a_dark_cell_never_reads_as_a_digit() -> None:
    # What a black cell gives: "not a digit", numbers spread thin.
    dark = np.full(11, 0.03, np.float32)
    dark[BETWEEN] = 0.7
    result = Composer(digits=5, decimals=2).compose(frames([dark / dark.sum()] * 5))
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.UNREADABLE


def classifier_view(reading: float, digits: int, decimals: int) -> list[np.ndarray]:
    """What a good classifier says of each drum at `reading`."""
    rows = []
    for position in drum_positions(reading, digits, decimals):
        digit = math.floor(position) % 10
        fraction = position - math.floor(position)
        if fraction < 0.25:
            rows.append(sure(digit))
        elif fraction > 0.75:
            rows.append(sure((digit + 1) % 10))
        else:
            rows.append(between(digit, fraction))
    return rows


def test_rolling_sequence_reads_forward_without_gaps() -> None:
    composer = Composer(digits=6, decimals=1)
    values = []
    for step in range(0, 400):
        truth = 9989.0 + step * 0.05  # through 9999.9 -> 10000.0 and beyond
        result = composer.compose(frames(*[classifier_view(truth, 6, 1)] * 3))
        assert isinstance(result, Reading), (truth, result)
        # Never ahead of the meter by more than a drum caught nearly there.
        assert truth - 0.1 - 1e-6 <= result.display <= truth + 0.025 + 1e-6
        values.append(result.value)
    assert values == sorted(values)
    assert values[-1] == pytest.approx(10008.9, abs=0.1)


def test_rollover_is_accepted_when_the_next_reading_agrees() -> None:
    composer = Composer(digits=6, decimals=1, counter_maximum=99999.9)
    first = composer.compose(burst("999998"))
    assert isinstance(first, Reading)
    assert first.value == 99999.8
    wrapped = composer.compose(burst("000001"))
    assert isinstance(wrapped, Rejection)
    assert wrapped.reason is RejectReason.UNCONFIRMED
    assert "rollover" in wrapped.detail
    confirmed = composer.compose(burst("000002"))
    assert isinstance(confirmed, Reading)
    assert confirmed.display == 0.2
    assert confirmed.value == 100000.2
    assert composer.wraps == 1
    later = composer.compose(burst("000105"))
    assert isinstance(later, Reading)
    assert later.value == 100010.5


def test_a_single_wrapped_misread_is_dropped() -> None:
    composer = Composer(digits=6, decimals=1, counter_maximum=99999.9)
    assert isinstance(composer.compose(burst("999998")), Reading)
    assert isinstance(composer.compose(burst("000001")), Rejection)
    back = composer.compose(burst("999999"))
    assert isinstance(back, Reading)
    assert back.value == 99999.9
    assert composer.wraps == 0


def test_counter_maximum_below_all_nines() -> None:
    # A counter that shows at most 79999: 79999 -> 00000 is one turn of 80000.
    composer = Composer(digits=5, counter_maximum=79999)
    assert composer.modulus == 80000
    assert isinstance(composer.compose(burst("79998")), Reading)
    assert isinstance(composer.compose(burst("00001")), Rejection)
    reading = composer.compose(burst("00003"))
    assert isinstance(reading, Reading)
    assert reading.value == 80003


def test_drop_needs_confirmation_and_is_not_a_rollover() -> None:
    composer = Composer(digits=5)
    assert isinstance(composer.compose(burst("05000")), Reading)
    first = composer.compose(burst("00100"))
    assert isinstance(first, Rejection)
    assert "change" in first.detail
    second = composer.compose(burst("00101"))
    assert isinstance(second, Reading)
    assert second.value == 101
    assert composer.wraps == 0


def test_jump_beyond_the_rate_bound_needs_confirmation() -> None:
    composer = Composer(digits=6, decimals=1, max_rate=10.0)
    assert isinstance(composer.compose(burst("001000"), now=0.0), Reading)
    # 0.5 kWh in 15 minutes at most 10 kWh/h: 2.5 allowed.
    assert isinstance(composer.compose(burst("001005"), now=900.0), Reading)
    # A misread top digit: 700 kWh more in 15 minutes.
    jump = composer.compose(burst("071005"), now=1800.0)
    assert isinstance(jump, Rejection)
    assert jump.reason is RejectReason.UNCONFIRMED
    steady = composer.compose(burst("001010"), now=2700.0)
    assert isinstance(steady, Reading)
    assert steady.value == 101.0


def test_publish_runs_the_lifetime_total_guard() -> None:
    composer = Composer(digits=6, decimals=1)
    guard = LifetimeTotal(max_rate=10.0)
    first = composer.compose(burst("001000"))
    assert isinstance(first, Reading)
    assert publish(guard, first, 0.0).published == 100.0
    second = composer.compose(burst("001020"))
    assert isinstance(second, Reading)
    # 2 kWh in 60 s is beyond 10 kWh/h: the guard withholds it.
    assert publish(guard, second, 60.0).published == 100.0
    third = composer.compose(burst("001021"))
    assert isinstance(third, Reading)
    assert publish(guard, third, 3600.0).published == 102.1


def test_wrong_digit_count_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 4 digits"):
        Composer(digits=4).compose(burst("123"))


def blank_between() -> np.ndarray:
    """A drum between numbers that the classifier cannot place: crumbs elsewhere."""
    row = np.full(11, 0.001, np.float32)
    row[3] = 0.004  # crumbs in no useful order
    row[BETWEEN] = 0.985
    return row / row.sum()


def test_between_above_a_still_drum_is_unreadable() -> None:
    # The tens cannot turn while the units stand on 4.
    result = Composer(digits=4).compose(burst("012/4"))
    assert isinstance(result, Rejection)
    assert result.reason is RejectReason.UNREADABLE
    assert "digit 3 of 4" in result.detail


def test_unplaced_drums_between_are_picked_by_the_previous_reading() -> None:
    rows = [sure(1), sure(2), blank_between(), blank_between()]
    assert isinstance(Composer(digits=4).compose(frames(rows)), Rejection)
    composer = Composer(digits=4, previous=1289)
    reading = composer.compose(frames(rows, rows, rows))
    assert isinstance(reading, Reading)
    # 1289 -> 1290 under way: the least value the drums allow from 1289.
    assert reading.display == 1289
    assert reading.raw == "12??"
