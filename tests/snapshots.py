"""Snapshot helpers every source's `test_snapshots.py` uses (syrupy, as core does).

A source's snapshot test sets up its entry on its simulator, then calls
`assert_entry_snapshot` (entity registry entries, states with attributes and
device registry entries of the entry) and `assert_diagnostics_snapshot`.
Simulator ports change from run to run: they are replaced by `<port>`.
"""

import re
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.types import PropertyPath, SerializableData

_LOOPBACK_PORT = re.compile(r"(127\.0\.0\.1|localhost)([:_])\d{2,5}")


def loopback_matcher(data: SerializableData, path: PropertyPath) -> SerializableData:
    """Replace the simulators' ports in any string with `<port>`."""
    if isinstance(data, str):
        return _LOOPBACK_PORT.sub(r"\1\2<port>", data)
    return data


def assert_entry_snapshot(
    hass: HomeAssistant,
    entry: ConfigEntry,
    snapshot: SnapshotAssertion,
    *,
    exclude_attributes: frozenset[str] = frozenset(),
) -> None:
    """Snapshot the entry's devices, entity registry entries and states.

    `exclude_attributes` names state attributes that carry wall-clock times
    or other values that change from run to run; they are snapshotted as
    `<excluded>` so their presence still counts.
    """
    devices = sorted(
        dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id),
        key=lambda device: sorted(device.identifiers),
    )
    assert devices, "the entry created no device"
    for device in devices:
        name = "-".join(sorted(str(i[1]) for i in device.identifiers))
        assert device == snapshot(name=f"device-{name}", matcher=loopback_matcher)
    entities = sorted(
        er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id),
        key=lambda entity: entity.entity_id,
    )
    assert entities, "the entry created no entity"
    for entity in entities:
        assert entity == snapshot(name=f"{entity.entity_id}-entry")
        state = hass.states.get(entity.entity_id)
        if entity.disabled_by is not None:
            assert state is None
            continue
        assert state is not None, f"no state for {entity.entity_id}"
        attributes: dict[str, Any] = {
            key: "<excluded>" if key in exclude_attributes else value
            for key, value in state.attributes.items()
        }
        assert {"state": state.state, "attributes": attributes} == snapshot(
            name=f"{entity.entity_id}-state", matcher=loopback_matcher
        )


async def assert_diagnostics_snapshot(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    entry: ConfigEntry,
    snapshot: SnapshotAssertion,
    *,
    exclude: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Snapshot the entry's diagnostics download; return it for more checks.

    `exclude` names keys (anywhere in the tree) whose values change from run
    to run (times, counters); they are snapshotted as `<excluded>`.
    """
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: "<excluded>" if key in exclude else scrub(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    assert scrub(diagnostics) == snapshot(name="diagnostics", matcher=loopback_matcher)
    return dict(diagnostics)
