"""The Sungrow config, reconfigure and options flows against the simulator."""

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.energy_hub.const import DOMAIN
from simulators.modbus import (
    MeterSimulator,
    SungrowSimulator,
)

from .conftest import add_entry, form


async def test_flow_creates_entry_identified_by_serial(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow, "winet")
    assert entry.unique_id == SungrowSimulator.serial
    assert entry.title == "Sungrow SH10RT"
    assert entry.data == {
        "source": "sungrow",
        "host": sungrow.host,
        "port": sungrow.port,
        "unit_id": 1,
        "connection": "winet",
    }
    assert entry.state is ConfigEntryState.LOADED
    # The same inverter again is refused.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "sungrow"}
    )
    # Refused before connecting: the running entry holds the only WiNet-S session.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(sungrow)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_flow_errors(
    hass: HomeAssistant, sungrow: SungrowSimulator, meters: MeterSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "sungrow"}
    )
    await sungrow.set_offline(True)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(sungrow)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    # A Modbus device that is not a Sungrow (an ABB meter) answers 02 to 4999.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(meters)
    )
    assert result["errors"] == {"base": "sungrow_not_recognised"}
    await sungrow.set_offline(False)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(sungrow)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reconfigure_and_options(
    hass: HomeAssistant, sungrow: SungrowSimulator
) -> None:
    entry = await add_entry(hass, sungrow, "winet")
    # The WiNet-S serves one session: reconfigure must work while the entry holds it.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["step_id"] == "sungrow_reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form(sungrow, "lan")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["connection"] == "lan"
    assert entry.state is ConfigEntryState.LOADED
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "sungrow_options"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"poll_interval": 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.runtime_data.coordinator.update_interval.total_seconds() == 30
