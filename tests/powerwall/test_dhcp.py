"""DHCP moves an entry only to its own gateway: same DIN and same certificate.

Anything on the network can ask for an address under the gateway's DHCP name
(its DIN). The entry follows only when the new address answers with the
gateway's DIN and the TLS certificate recorded for it; the configured port
is kept. The same DIN with another certificate is a repair issue that leads
to reconfigure. Tests run on loopback only, so the discovered address is
always 127.0.0.1 and the entry's "old" address is a documentation address
with the port of the simulator under test.
"""

from homeassistant import config_entries
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.components.repairs.const import FlowType
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.const import DOMAIN
from simulators.powerwall import GATEWAY_DIN, PASSWORD, PowerwallGatewaySimulator
from simulators.powerwall_tedapi import PowerwallTedapiSimulator

from .conftest import entry_for, setup_entry, tedapi_entry_for

OLD_ADDRESS = "192.0.2.10"  # where the gateway used to be (TEST-NET-1)


async def announce(hass: HomeAssistant, din: str = GATEWAY_DIN) -> dict[str, object]:
    """The gateway's DHCP name asks for an address: 127.0.0.1."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_DHCP},
        data=DhcpServiceInfo(
            ip="127.0.0.1", hostname=din.lower(), macaddress="98ed5c123456"
        ),
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    return dict(result)


def pretend_moved(hass: HomeAssistant, entry: MockConfigEntry, port: int) -> None:
    """Make the entry's stored address an old one, with `port` (no reload)."""
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "host": f"{OLD_ADDRESS}:{port}"}
    )


async def test_the_fingerprint_is_recorded_at_the_next_good_connection(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    """Entries from before the fingerprint was kept get it when they connect."""
    entry = entry_for(gateway)
    assert "certificate_sha256" not in entry.data
    await setup_entry(hass, entry)
    assert entry.data["certificate_sha256"] == gateway.certificate_sha256
    await hass.config_entries.async_unload(entry.entry_id)


async def test_dhcp_follows_the_gateway_keeping_the_port(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    entry = await setup_entry(hass, entry_for(gateway))
    pretend_moved(hass, entry, gateway.port)

    result = await announce(hass)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    # The address changed; the configured port stayed.
    assert entry.data["host"] == f"127.0.0.1:{gateway.port}"
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)


async def test_dhcp_ignores_another_device_claiming_the_name(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    entry = await setup_entry(hass, entry_for(gateway))
    impostor = PowerwallGatewaySimulator()
    impostor.din = "1232100-10-J--TG999999999XYZ"
    async with impostor:
        pretend_moved(hass, entry, impostor.port)
        result = await announce(hass)
        assert result["reason"] == "already_configured"
        assert entry.data["host"] == f"{OLD_ADDRESS}:{impostor.port}"
        assert impostor.logins == 0  # no password went there
    assert not ir.async_get(hass).issues
    await hass.config_entries.async_unload(entry.entry_id)


async def test_dhcp_same_din_other_certificate_is_a_repair_to_reconfigure(
    hass: HomeAssistant, gateway: PowerwallGatewaySimulator
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    entry = await setup_entry(hass, entry_for(gateway))
    lookalike = PowerwallGatewaySimulator()  # same DIN, a certificate of its own
    assert lookalike.certificate_sha256 != gateway.certificate_sha256
    async with lookalike:
        pretend_moved(hass, entry, lookalike.port)
        result = await announce(hass)
        assert result["reason"] == "powerwall_certificate_changed"
        assert entry.data["host"] == f"{OLD_ADDRESS}:{lookalike.port}"
        assert entry.data["certificate_sha256"] == gateway.certificate_sha256
        assert lookalike.logins == 0

        issue_id = f"powerwall_certificate_changed_{entry.entry_id}"
        issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        assert issue.is_fixable
        assert issue.translation_placeholders is not None
        assert issue.translation_placeholders["host"] == f"127.0.0.1:{lookalike.port}"

        # The fix: a confirmation, then the entry's reconfigure step with the
        # new address filled in; the owner enters the password.
        manager = repairs_flow_manager(hass)
        assert manager is not None
        result = dict(await manager.async_init(DOMAIN, context={"issue_id": issue_id}))
        assert result["step_id"] == "confirm"
        result = dict(await manager.async_configure(str(result["flow_id"]), {}))
        assert result["type"] is FlowResultType.CREATE_ENTRY
        flow_type, flow_id = result["next_flow"]  # type: ignore[misc]
        assert flow_type is FlowType.CONFIG_FLOW
        [flow] = [
            f
            for f in hass.config_entries.flow.async_progress()
            if f["flow_id"] == flow_id
        ]
        assert flow["step_id"] == "powerwall_reconfigure"
        assert flow["context"]["source"] == config_entries.SOURCE_RECONFIGURE
        # The form as the frontend fetches it (the repair is closed by now).
        form = await hass.config_entries.flow.async_configure(flow_id)
        host_key = next(k for k in form["data_schema"].schema if k == "host")
        assert host_key.description == {
            "suggested_value": f"127.0.0.1:{lookalike.port}"
        }

        result = dict(
            await hass.config_entries.flow.async_configure(
                flow_id, {"host": f"127.0.0.1:{lookalike.port}", "password": PASSWORD}
            )
        )
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.data["host"] == f"127.0.0.1:{lookalike.port}"
        assert entry.data["certificate_sha256"] == lookalike.certificate_sha256
        assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
        await hass.config_entries.async_unload(entry.entry_id)


async def test_dhcp_never_moves_a_tedapi_entry(
    hass: HomeAssistant, tedapi_gateway: PowerwallTedapiSimulator
) -> None:
    """TEDAPI answers only on the gateway's own Wi-Fi address."""
    din = "1232100-10-J--TG1234567890AB"  # a DIN the DHCP matchers know
    tedapi_gateway.din = din
    tedapi = tedapi_entry_for(tedapi_gateway)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=tedapi.title,
        unique_id=din,
        data=dict(tedapi.data),
        options=dict(tedapi.options),
    )
    await setup_entry(hass, entry)
    pretend_moved(hass, entry, tedapi_gateway.port)
    result = await announce(hass, din)
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == f"{OLD_ADDRESS}:{tedapi_gateway.port}"
    await hass.config_entries.async_unload(entry.entry_id)
