"""`LifetimeTotal`: what a lifetime energy sensor publishes never goes backwards."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.energy_hub.lifetime_total import LifetimeTotal


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the shared fixture: no Home Assistant needed here."""


readings = st.lists(
    st.one_of(
        st.none(),
        st.just(0.0),
        st.just(float("nan")),
        st.floats(min_value=-1e6, max_value=1e9, allow_nan=False),
    ),
    max_size=60,
)


@given(readings)
def test_published_values_never_decrease_nor_drop_to_zero(
    values: list[float | None],
) -> None:
    total = LifetimeTotal()
    published = [total.accept(value, float(t)) for t, value in enumerate(values)]
    good = [value for value in published if value is not None]
    assert all(value > 0 for value in good)
    assert good == sorted(good)
    # Once a good value is published, the sensor always has one.
    if good:
        first = published.index(good[0])
        assert None not in published[first:]


def test_glitches_keep_the_last_good_value() -> None:
    total = LifetimeTotal()
    assert total.accept(1234.5, 0) == 1234.5
    assert total.accept(0.0, 1) == 1234.5  # a zero read
    assert total.accept(None, 2) == 1234.5  # a missing meter
    assert total.accept(12.0, 3) == 1234.5  # a drop (wrong register, reset glitch)
    assert total.accept(1234.7, 4) == 1234.7


def test_an_implausible_jump_is_withheld() -> None:
    total = LifetimeTotal(max_rate=30.0)  # at most 30 kWh per hour
    assert total.accept(1000.0, 0) == 1000.0
    assert total.accept(1000.1, 60) == 1000.1  # 6 kW over a minute
    assert total.accept(5000.0, 120) == 1000.1  # 4 MWh in a minute: a glitch
    assert total.accept(1000.3, 180) == 1000.3


def test_a_restored_value_guards_the_first_read_after_a_restart() -> None:
    total = LifetimeTotal()
    total.restore(4321.0)
    assert total.accept(0.0, 0) == 4321.0
    assert total.accept(4322.0, 1) == 4322.0
