"""Votes over a burst and the composition of a reading; Home-Assistant-free.

Input: the classifier's probabilities, one row of 11 per digit cell (0-9,
and 10 = not a digit / a drum between two numbers) for each frame of a
burst. Output: a `Reading` or a `Rejection`.

- **Vote**: each frame votes for its most probable class per digit; the most
  votes win (ties by summed probability). The digit's confidence is the
  vote's: the winner's summed probability over all frames, divided by the
  number of frames (three frames agreeing at 0.99 give 0.99, two of three
  give at most 0.67).
- **Drums between two numbers**: a digit whose vote is "between" or less
  confident than `MIN_CONFIDENCE` stands between two neighbouring numbers
  (9 and 0 too): the two most probable numbers (averaged over the frames)
  when they are neighbours holding most of its number probability, else any
  pair, which the previous reading picks (without one it is unreadable).
  A higher drum turns only while the one below goes from 9 to 0 (so one
  between above a drum reading anything else is unreadable, and one above
  another drum between makes that one between 9 and 0); the digit below
  decides: below 5 it has arrived (the higher number), from 5 it has not
  (the lower). The last drum has nothing below: it takes the lower number
  (what a person reads). With a previous reading the least value that is
  not below it wins (the meter only goes forward). Seven-segment displays
  do not roll (`rolling=False`): an unsure digit there is unreadable.
- **Rollover and jumps**: a reading below the previous one, or above it by
  more than the rate bound allows, is withheld until the next reading
  confirms it (at or above it, within the bound). A confirmed drop that
  looks like the counter wrapping (from its top tenth to its bottom tenth)
  adds one turn of the counter to `value`, so the total keeps rising.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
import itertools
import math

import numpy as np

from ..lifetime_total import MAX_ELAPSED_S, LifetimeTotal
from .result import Reading, Rejection, RejectReason

BETWEEN = 10
CLASSES = 11
# A vote less confident than this is treated as a drum between two numbers.
MIN_CONFIDENCE = 0.6
# The two neighbouring numbers must hold this share of a digit's number
# probability (without "between") to be believed.
MIN_NEIGHBOUR_SHARE = 0.6
# ... and together at least this probability: a "between" the classifier is
# sure of leaves crumbs to the numbers, whose order means nothing.
MIN_NEIGHBOUR_PROBABILITY = 0.1
# Drums between numbers whose pairs the previous reading has to pick: at
# most this many combinations are tried.
MAX_COMBINATIONS = 2000
# A wrap goes from the counter's top tenth to its bottom tenth.
WRAP_BAND = 0.1


@dataclass(frozen=True, slots=True)
class Vote:
    """One digit's vote: the winning class (BETWEEN for none) and its confidence."""

    value: int
    confidence: float


def vote(probabilities: np.ndarray) -> tuple[list[Vote], np.ndarray]:
    """Vote per digit over frames (frames x digits x 11); also the mean probabilities."""
    if probabilities.ndim != 3 or probabilities.shape[2] != CLASSES:
        raise ValueError("probabilities must be frames x digits x 11")
    frames = probabilities.shape[0]
    winners = probabilities.argmax(axis=2)
    votes: list[Vote] = []
    for digit in range(probabilities.shape[1]):
        column = winners[:, digit]
        counts = np.bincount(column, minlength=CLASSES)
        summed = probabilities[:, digit, :].sum(axis=0)
        # Most votes first, then the larger summed probability.
        best = int(np.lexsort((summed, counts))[-1])
        votes.append(Vote(best, float(summed[best]) / frames))
    return votes, probabilities.mean(axis=0)


def _neighbours(mean: np.ndarray) -> int | None:
    """The lower of two neighbouring numbers that hold most of a digit's number probability."""
    numbers = mean[:BETWEEN]
    total = float(numbers.sum())
    if total <= 0:
        return None
    first, second = (int(index) for index in np.argsort(numbers)[::-1][:2])
    if (first - second) % 10 not in (1, 9):
        return None
    pair = float(numbers[first] + numbers[second])
    if pair < MIN_NEIGHBOUR_SHARE * total or pair < MIN_NEIGHBOUR_PROBABILITY:
        return None
    return second if (first - second) % 10 == 1 else first


def _place_value(digits: Sequence[int], decimals: int) -> float:
    units = 0
    for digit in digits:
        units = units * 10 + digit
    return units / 10.0**decimals


def resolve(
    votes: Sequence[Vote],
    mean: np.ndarray,
    *,
    decimals: int,
    previous: float | None,
    rolling: bool = True,
) -> list[int] | Rejection:
    """Every digit a number: the drums between two take the one the rules say."""
    count = len(votes)
    last = count - 1
    fixed = [vote.value for vote in votes]
    options: dict[int, Sequence[int]] = {}
    for index, digit in enumerate(votes):
        if digit.value != BETWEEN and digit.confidence >= MIN_CONFIDENCE:
            continue
        lower = _neighbours(mean[index]) if rolling else None
        if lower is not None:
            options[index] = (lower,)
        elif rolling and previous is not None:
            # The classifier saw a drum between numbers but not which: any
            # pair, the previous reading picks below.
            options[index] = range(10)
        else:
            return _unreadable(index, count)
    for index in sorted(options):
        # The odometer: a higher drum turns only while the one below goes
        # from 9 to 0.
        if index == last:
            continue
        if index + 1 in options:
            if 9 not in options[index + 1]:
                return _unreadable(index, count)
            options[index + 1] = (9,)
        elif fixed[index + 1] not in (9, 0):
            return _unreadable(index, count)
    if not options:
        return fixed
    unsure = sorted(options)
    combinations = math.prod(len(options[index]) for index in unsure)
    if combinations > MAX_COMBINATIONS:
        return _unreadable(unsure[0], count)

    def settle(lowers: Sequence[int], last_higher: bool) -> list[int]:
        # From the last drum up: each higher drum looks at the one below.
        digits = list(fixed)
        for index, lower in reversed(list(zip(unsure, lowers, strict=True))):
            if index == last:
                digits[index] = (lower + 1) % 10 if last_higher else lower
            else:
                digits[index] = lower if digits[index + 1] >= 5 else (lower + 1) % 10
        return digits

    choices = (False, True) if last in options else (False,)
    candidates = [
        settle(lowers, last_higher)
        for lowers in itertools.product(*(options[index] for index in unsure))
        for last_higher in choices
    ]
    if previous is None:
        return candidates[0]
    # The meter only goes forward: the least value not below the previous
    # reading (the drums show at least that much).
    tolerance = 10.0**-decimals / 2
    ahead = [
        (_place_value(digits, decimals), digits)
        for digits in candidates
        if _place_value(digits, decimals) >= previous - tolerance
    ]
    if ahead:
        return min(ahead)[1]
    return candidates[0]


def _unreadable(index: int, count: int) -> Rejection:
    return Rejection(
        RejectReason.UNREADABLE, f"digit {index + 1} of {count} is unreadable"
    )


def _text(digits: Sequence[int | None], decimals: int) -> str:
    text = "".join("?" if digit is None else str(digit) for digit in digits)
    if decimals:
        return f"{text[: len(text) - decimals]}.{text[len(text) - decimals :]}"
    return text


@dataclass(slots=True)
class Composer:
    """Turns votes into readings, remembering the previous reading and the wraps.

    `modulus` is one turn of the counter in its unit (99999.9 + 0.1 =
    100000 for a counter whose maximum is 99999.9); `max_rate` (unit per
    hour) bounds the rise between readings when their times are given.
    """

    digits: int
    decimals: int = 0
    counter_maximum: float | None = None
    max_rate: float | None = None
    rolling: bool = True
    previous: float | None = None
    previous_at: float | None = None
    wraps: int = 0
    # A reading withheld until the next one confirms it: display value and time.
    _pending: tuple[float, float | None] | None = field(default=None, repr=False)

    @property
    def step(self) -> float:
        """The counter's smallest step (0.1 with one decimal)."""
        return 10.0**-self.decimals

    @property
    def modulus(self) -> float:
        """One full turn of the counter."""
        if self.counter_maximum is not None:
            return self.counter_maximum + self.step
        return 10.0 ** (self.digits - self.decimals)

    def compose(
        self, probabilities: np.ndarray, now: float | None = None
    ) -> Reading | Rejection:
        """A reading from a burst's probabilities (frames x digits x 11)."""
        if probabilities.shape[1] != self.digits:
            raise ValueError(
                f"expected {self.digits} digits, got {probabilities.shape[1]}"
            )
        votes, mean = vote(probabilities)
        resolved = resolve(
            votes,
            mean,
            decimals=self.decimals,
            previous=self.previous,
            rolling=self.rolling,
        )
        if isinstance(resolved, Rejection):
            return resolved
        display = round(_place_value(resolved, self.decimals), self.decimals)
        raw = _text(
            [
                None if v.value == BETWEEN or v.confidence < MIN_CONFIDENCE else v.value
                for v in votes
            ],
            self.decimals,
        )
        outcome = self._advance(display, now)
        if isinstance(outcome, Rejection):
            return outcome
        return Reading(
            value=round(display + self.wraps * self.modulus, self.decimals),
            display=display,
            text=_text(resolved, self.decimals),
            raw=raw,
            digits=tuple(
                None if v.value == BETWEEN or v.confidence < MIN_CONFIDENCE else v.value
                for v in votes
            ),
            confidences=tuple(round(v.confidence, 4) for v in votes),
        )

    def _allowed_rise(self, since: float | None, now: float | None) -> float:
        if self.max_rate is None or since is None or now is None:
            return math.inf
        elapsed = min(max(now - since, 1.0), MAX_ELAPSED_S)
        return self.max_rate * elapsed / 3600.0 + self.step

    def _advance(self, display: float, now: float | None) -> Rejection | None:
        """Accept `display` as the new previous reading, or withhold it."""
        previous = self.previous
        tolerance = self.step / 2
        if previous is None or (
            previous - tolerance
            <= display
            <= previous + self._allowed_rise(self.previous_at, now)
        ):
            self._accept(display, now)
            return None
        pending = self._pending
        if pending is not None:
            first, first_at = pending
            if (
                first - tolerance
                <= display
                <= first + self._allowed_rise(first_at, now)
            ):
                if self._wrapped(previous, first):
                    self.wraps += 1
                self._accept(display, now)
                return None
        self._pending = (display, now)
        kind = "rollover" if self._wrapped(previous, display) else "change"
        return Rejection(
            RejectReason.UNCONFIRMED,
            f"{kind} from {previous} to {display} waits for the next reading",
        )

    def _wrapped(self, before: float, after: float) -> bool:
        band = WRAP_BAND * self.modulus
        return before >= self.modulus - band and after < band

    def _accept(self, display: float, now: float | None) -> None:
        self.previous = display
        self.previous_at = now
        self._pending = None


def publish(guard: LifetimeTotal, reading: Reading, now: float) -> Reading:
    """Run a reading through the lifetime-total guard; `published` is what it shows."""
    guard.accept(reading.value, now)
    return replace(reading, published=guard.published)
