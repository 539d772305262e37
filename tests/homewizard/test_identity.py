"""API v2: only the meter's own certificate is accepted (`appliance/p1dongle/<serial>`).

Every simulator's CA is trusted as HomeWizard's here, so these devices differ
from the real meter only in the name their certificate carries: another
HomeWizard device that takes the meter's address must be refused before any
request (and its token) leaves.
"""

import asyncio
from collections.abc import Iterator
from ipaddress import ip_address
import ssl
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from homeassistant.config_entries import (
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.homewizard.client import (
    ApiVersion,
    HomeWizardClient,
    WrongMeterError,
)
from simulators.p1 import certificate_name

from .conftest import MakeMeter, p1_entry, setup_entry

TOKEN = "A1B2C3D4E5F60718293A4B5C6D7E8F90"


@pytest.fixture(autouse=True)
def refused_handshakes_are_the_point(hass: HomeAssistant) -> Iterator[None]:
    """The simulator runs in Home Assistant's loop, which runs in debug mode.

    There asyncio reports a TLS handshake the client aborted as an error of
    the loop (the server's side of the refusal these tests make happen); a
    real meter just sees the client's alert. Anything else still fails.
    """
    loop = hass.loop
    previous = loop.get_exception_handler()
    assert previous is not None

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") == (
            "Error on transport creation for incoming connection"
        ) and isinstance(context.get("exception"), (ConnectionError, ssl.SSLError)):
            return
        previous(loop, context)

    loop.set_exception_handler(handler)
    yield
    loop.set_exception_handler(previous)


SERIAL = "3c39e7aabbcc"
OTHER_SERIAL = "5c2faf001122"


async def test_simulator_certificate_names_the_meter(make_meter: MakeMeter) -> None:
    meter = await make_meter(api="v2")
    assert meter.certificate is not None
    cert = x509.load_pem_x509_certificate(meter.certificate.cert_pem.read_bytes())
    [common_name] = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert common_name.value == certificate_name(SERIAL)
    assert common_name.value == f"appliance/p1dongle/{SERIAL}"


async def test_client_bound_to_the_meter_refuses_another_meters_certificate(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter(api="v2")
    meter.tokens[TOKEN] = "local/energy-hub#abcdef"
    session = async_get_clientsession(hass)
    right = HomeWizardClient(
        meter.address,
        session,
        ApiVersion.V2,
        TOKEN,
        product_type="HWE-P1",
        serial=SERIAL,
    )
    assert (await right.device()).serial == SERIAL
    wrong = HomeWizardClient(
        meter.address,
        session,
        ApiVersion.V2,
        TOKEN,
        product_type="HWE-P1",
        serial=OTHER_SERIAL,
    )
    with pytest.raises(WrongMeterError, match="certificate"):
        await wrong.device()


async def test_entry_refuses_a_device_with_another_meters_certificate(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    """Same serial in its answers, same CA: only the certificate's name differs."""
    impostor = await make_meter(api="v2", certificate_serial=OTHER_SERIAL)
    impostor.tokens[TOKEN] = "local/energy-hub#abcdef"
    entry = await setup_entry(hass, p1_entry(impostor, token=TOKEN))
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "certificate" in entry.reason
    assert impostor.requests == []  # the token never left
    assert hass.states.get("sensor.p1_meter_power") is None


async def test_pairing_by_address_checks_the_certificate_names_the_serial(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    impostor = await make_meter(api="v2", certificate_serial=OTHER_SERIAL)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "homewizard"}
    )
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"host": impostor.address}
    )
    assert result["step_id"] == "homewizard_pair"
    impostor.press_button()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "homewizard_wrong_device"}
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_reconfigure_refuses_a_device_with_another_meters_certificate(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    meter = await make_meter(api="v2")
    meter.tokens[TOKEN] = "local/energy-hub#abcdef"
    impostor = await make_meter(api="v2", certificate_serial=OTHER_SERIAL)
    impostor.tokens[TOKEN] = "local/energy-hub#abcdef"
    moved = await make_meter(api="v2")  # the same meter on a new address
    moved.tokens[TOKEN] = "local/energy-hub#abcdef"
    entry = await setup_entry(hass, p1_entry(meter, token=TOKEN))
    assert entry.state is ConfigEntryState.LOADED

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": impostor.address}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "homewizard_wrong_device"}
    assert entry.data["host"] == meter.address

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": moved.address}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["host"] == moved.address


async def test_zeroconf_pairing_refuses_another_meters_certificate(
    hass: HomeAssistant, make_meter: MakeMeter
) -> None:
    """The announcement names the meter: the token is asked of that meter only."""
    impostor = await make_meter(api="v2", certificate_serial=OTHER_SERIAL)
    impostor.press_button()
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=ZeroconfServiceInfo(
            ip_address=ip_address(impostor.host),
            ip_addresses=[ip_address(impostor.host)],
            hostname="p1meter-aabbcc.local.",
            name="p1meter-aabbcc._homewizard._tcp.local.",
            port=impostor.port,
            type="_homewizard._tcp.local.",
            properties={"product_type": "HWE-P1", "serial": SERIAL},
        ),
    )
    assert result["step_id"] == "homewizard_discovery_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "homewizard_pair"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "homewizard_wrong_device"}
    assert impostor.tokens == {}  # no token was asked of it
