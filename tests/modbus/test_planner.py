"""Block planning: few requests, never too long, never across refused registers."""

from hypothesis import given, strategies as st
import pytest

from custom_components.energy_hub.modbus.planner import plan_blocks
from custom_components.energy_hub.modbus.registers import DataType, Register, Table
from custom_components.energy_hub.sungrow.registers import (
    SETTINGS,
    TELEMETRY,
    Series,
    telemetry_for,
)


def _reg(
    key: str,
    address: int,
    data_type: DataType = DataType.U16,
    table: Table = Table.INPUT,
) -> Register:
    return Register(key, table, address, data_type)


def test_small_gaps_merge_and_large_gaps_split() -> None:
    blocks = plan_blocks(
        [_reg("a", 100), _reg("b", 102, DataType.U32), _reg("c", 110), _reg("d", 200)],
        max_gap=8,
    )
    assert [(b.start, b.count) for b in blocks] == [(100, 11), (200, 1)]


def test_tables_are_never_mixed() -> None:
    blocks = plan_blocks([_reg("a", 10), _reg("b", 11, table=Table.HOLDING)])
    assert {(b.table, b.start) for b in blocks} == {
        (Table.INPUT, 10),
        (Table.HOLDING, 11),
    }


def test_refused_registers_are_left_out_and_split_blocks() -> None:
    blocks = plan_blocks(
        [_reg("a", 10), _reg("b", 12), _reg("c", 14)],
        refused={(Table.INPUT, 12)},
    )
    assert [(b.start, b.count) for b in blocks] == [(10, 1), (14, 1)]


def test_full_sungrow_telemetry_is_at_most_six_requests() -> None:
    telemetry = plan_blocks(TELEMETRY, max_block=80)
    assert len(telemetry) <= 6
    assert all(block.count <= 80 for block in telemetry)
    assert len(plan_blocks(SETTINGS)) == 3


@pytest.mark.parametrize("series", [*Series, None])
@pytest.mark.parametrize(("max_block", "budget"), [(100, 8), (80, 10)])
def test_every_series_polls_within_budget(
    series: Series | None, max_block: int, budget: int
) -> None:
    """Every register of the series (all entities enabled): LAN <= 8, WiNet-S <= 10."""
    blocks = plan_blocks(telemetry_for(series), max_block=max_block)
    assert len(blocks) <= budget
    assert all(block.count <= max_block for block in blocks)


_registers = st.lists(
    st.builds(
        lambda address, data_type, table: (address, data_type, table),
        st.integers(0, 2000),
        st.sampled_from([DataType.U16, DataType.S32, DataType.U64, DataType.FLOAT32]),
        st.sampled_from(list(Table)),
    ),
    max_size=60,
)


@given(
    _registers,
    st.integers(4, 125),
    st.integers(0, 30),
    st.sets(st.integers(0, 2000), max_size=20),
)
def test_plans_cover_every_allowed_register_once(
    specs: list[tuple[int, DataType, Table]],
    max_block: int,
    max_gap: int,
    refused_addresses: set[int],
) -> None:
    registers = [_reg(f"r{i}", a, t, table) for i, (a, t, table) in enumerate(specs)]
    refused = {(Table.INPUT, a) for a in refused_addresses}
    blocks = plan_blocks(
        registers, max_block=max_block, max_gap=max_gap, refused=refused
    )
    planned = [r.key for b in blocks for r in b.registers]
    allowed = [
        r.key
        for r in registers
        if not any((r.table, a) in refused for a in range(r.address, r.end))
    ]
    assert sorted(planned) == sorted(allowed)
    for block in blocks:
        assert block.count <= max_block
        assert not any(
            (block.table, a) in refused for a in range(block.start, block.end)
        )
        for register in block.registers:
            assert register.table is block.table
            assert block.start <= register.address and register.end <= block.end
