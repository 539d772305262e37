"""Adding a P1 meter: by address (v1, v2 pairing), discovery, DHCP, reauth, reconfigure."""

from ipaddress import ip_address

from homeassistant.config_entries import (
    SOURCE_DHCP,
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import DOMAIN
from simulators.p1 import P1MeterSimulator

from .conftest import MakeMeter, p1_entry, setup_entry


async def _start_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "homewizard"}
    )
    assert result["step_id"] == "homewizard"
    return result["flow_id"]


async def test_v1_meter_added_by_address(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    flow_id = await _start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": f"http://{meter.address}/"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "P1 meter"
    assert result["data"] == {
        "source": "homewizard",
        "host": meter.address,
        "api_version": "v1",
    }
    entry = result["result"]
    assert entry.unique_id == "HWE-P1_3c39e7aabbcc"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.p1_meter_energy_import").state == "13779.338"

    # The same meter again is refused.
    flow_id = await _start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": meter.address}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_v1_local_api_disabled_then_enabled(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    meter.api_enabled = False
    flow_id = await _start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": meter.address}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "homewizard_api_disabled"}
    meter.api_enabled = True
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": meter.address}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unreachable_address(hass: HomeAssistant, make_meter: MakeMeter) -> None:
    meter = await make_meter()
    await meter.set_offline(True)
    flow_id = await _start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": meter.address}
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_products_energy_hub_does_not_read_are_refused(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    """A plug-in battery or display answers like a P1 meter but is not one we read."""
    battery = await make_meter(product_type="HWE-BAT", product_name="Plug-In Battery")
    flow_id = await _start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": battery.address}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "homewizard_unsupported_product"
    assert result["description_placeholders"] == {"product": "HWE-BAT"}


async def test_v2_pairing_button_not_pressed_then_pressed(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter(api="v2")
    flow_id = await _start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": meter.address}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "homewizard_pair"
    assert result["errors"] == {}

    # Submitted without pressing: the meter answers 403 creation-not-enabled.
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["step_id"] == "homewizard_pair"
    assert result["errors"] == {"base": "homewizard_button_not_pressed"}
    assert meter.tokens == {}

    meter.press_button()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    token = result["data"]["token"]
    assert meter.tokens[token].startswith("local/energy-hub#")
    assert result["data"]["api_version"] == "v2"
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.p1_meter_power").state == "910.0"
    assert hass.states.get("sensor.p1_meter_wi_fi_strength").state == "76"


async def test_v2_reauth_when_the_token_is_revoked(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter(api="v2")
    meter.tokens["OLDTOKEN"] = "local/energy-hub#abcdef"
    entry = await setup_entry(hass, p1_entry(meter, token="OLDTOKEN"))
    assert entry.state is ConfigEntryState.LOADED

    meter.revoke_tokens()
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.p1_meter_power").state == "unavailable"
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    assert flows[0]["step_id"] == "homewizard_reauth_pair"

    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["errors"] == {"base": "homewizard_button_not_pressed"}
    meter.press_button()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["token"] in meter.tokens
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.p1_meter_power").state == "910.0"


async def test_v1_reauth_when_the_local_api_is_disabled(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    entry = await setup_entry(hass, p1_entry(meter))
    meter.api_enabled = False
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert flows[0]["step_id"] == "homewizard_reauth_enable_api"
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {})
    assert result["errors"] == {"base": "homewizard_api_disabled"}
    meter.api_enabled = True
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {})
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert hass.states.get("sensor.p1_meter_power").state == "910.0"


def _zeroconf(
    meter: P1MeterSimulator, service: str, **properties: str
) -> ZeroconfServiceInfo:
    return ZeroconfServiceInfo(
        ip_address=ip_address(meter.host),
        ip_addresses=[ip_address(meter.host)],
        hostname="p1meter-aabbcc.local.",
        name=f"p1meter-aabbcc.{service}",
        port=meter.port,
        type=service,
        properties={
            "product_type": meter.product_type,
            "product_name": meter.product_name,
            "serial": meter.serial,
        }
        | properties,
    )


async def test_zeroconf_discovery_with_confirm(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_zeroconf(meter, "_hwenergy._tcp.local.", api_enabled="1", path="/api/v1"),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "homewizard_discovery_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["host"] == meter.address

    # Announced again (now over the v2 service type): already known.
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_zeroconf(meter, "_homewizard._tcp.local.", api_version="2.0.0"),
    )
    assert result["reason"] == "already_configured"


async def test_zeroconf_v2_meter_goes_on_to_pairing(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter(api="v2")
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_zeroconf(meter, "_homewizard._tcp.local.", api_version="2.0.0"),
    )
    assert result["step_id"] == "homewizard_discovery_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "homewizard_pair"
    meter.press_button()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["token"] in meter.tokens


async def test_zeroconf_skips_meters_core_homewizard_has(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    MockConfigEntry(
        domain="homewizard",
        unique_id=f"HWE-P1_{meter.serial}",
        data={"ip_address": meter.host},
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_zeroconf(meter, "_hwenergy._tcp.local."),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "homewizard_in_core"


async def test_zeroconf_products_energy_hub_does_not_read_abort(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_zeroconf(meter, "_hwenergy._tcp.local.", product_type="HWE-DSP"),
    )
    assert result["reason"] == "homewizard_unsupported_product"


async def test_zeroconf_announcements_of_other_services_are_not_supported(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_zeroconf(meter, "_http._tcp.local."),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_supported"


async def test_zeroconf_announcement_without_serial_is_invalid(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_zeroconf(meter, "_hwenergy._tcp.local.", serial=""),
    )
    assert result["reason"] == "homewizard_invalid_discovery"


async def test_dhcp_updates_the_address_of_a_known_meter(
    hass: HomeAssistant, meter: P1MeterSimulator
) -> None:
    entry = p1_entry(meter)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "host": f"192.0.2.10:{meter.port}"}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(
            ip="127.0.0.1", hostname="p1meter-aabbcc", macaddress="3c39e7aabbcc"
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == meter.address

    # A device that is not one of our meters is not offered.
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(
            ip="127.0.0.1", hostname="other", macaddress="001122334455"
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_supported"


async def test_reconfigure_moves_to_a_new_address_of_the_same_meter(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter()
    other = await make_meter(serial="5c2faf001122")
    moved = await make_meter()  # the same meter on a new address
    entry = await setup_entry(hass, p1_entry(meter))

    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "homewizard_reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": other.address}
    )
    assert result["reason"] == "unique_id_mismatch"

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": moved.address}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["host"] == moved.address
    assert entry.state is ConfigEntryState.LOADED
