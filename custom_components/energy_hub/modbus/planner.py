"""Batch a register map into as few block reads as the device allows."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from .registers import Register, Table

# The inverter's LAN port and most meters serve 100-register reads; a
# WiNet-S dongle served 87-88, so Sungrow through it stays at 80.
DEFAULT_MAX_BLOCK = 100
# Reading a few undocumented registers in a gap costs less than a request.
DEFAULT_MAX_GAP = 16


@dataclass(frozen=True, slots=True)
class Block:
    """One read request: `count` registers of `table` from `start`."""

    table: Table
    start: int
    count: int
    registers: tuple[Register, ...]

    @property
    def end(self) -> int:
        """First address after the block."""
        return self.start + self.count


def plan_blocks(
    registers: Iterable[Register],
    *,
    max_block: int = DEFAULT_MAX_BLOCK,
    max_gap: int = DEFAULT_MAX_GAP,
    refused: Collection[tuple[Table, int]] = (),
) -> list[Block]:
    """Group `registers` into block reads.

    Values are merged into one block while the block stays within
    `max_block` registers and the hole before the next value is at most
    `max_gap` registers. A block never spans an address in `refused` (the
    device answers illegal-address for it), and refused values are left out.
    """
    refused_set = set(refused)
    blocks: list[Block] = []
    by_table: dict[Table, list[Register]] = {}
    for register in registers:
        if register.count > max_block:
            raise ValueError(f"{register.key} is longer than a block")
        by_table.setdefault(register.table, []).append(register)
    for table in sorted(by_table):
        current: list[Register] = []
        start = end = 0
        for register in sorted(by_table[table], key=lambda r: (r.address, r.end)):
            addresses = range(register.address, register.end)
            if any((table, a) in refused_set for a in addresses):
                continue
            if current:
                gap_addresses = range(end, register.address)
                new_end = max(end, register.end)
                if (
                    register.address - end <= max_gap
                    and new_end - start <= max_block
                    and not any((table, a) in refused_set for a in gap_addresses)
                ):
                    current.append(register)
                    end = new_end
                    continue
                blocks.append(Block(table, start, end - start, tuple(current)))
            current = [register]
            start, end = register.address, register.end
        if current:
            blocks.append(Block(table, start, end - start, tuple(current)))
    return blocks
