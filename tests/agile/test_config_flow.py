"""Adding Octopus Agile: from the public API (simulator) or an Octopus Energy integration.

Every flow runs in a real Home Assistant against the Octopus simulator on
127.0.0.1; the battery entries offered are Energy Hub Powerwall and Sungrow
entries in Home Assistant's entry registry.
"""

from collections.abc import AsyncGenerator
import datetime as dt
from typing import Any, override

from aiohttp import web
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.agile.client import UK, uk_day
from custom_components.energy_hub.agile.const import NO_BATTERY_UNIQUE_ID
from custom_components.energy_hub.const import DOMAIN
from simulators.http import HttpSimulator
from simulators.octopus import SLOT, OctopusSimulator

from ..helpers import add_demo_entry

API_KEY = "sk_live_simulated_key"
METER = "octopus_energy_electricity_21l1234567_1900000000001"
CURRENT_DAY = f"event.{METER}_current_day_rates"
NEXT_DAY = f"event.{METER}_next_day_rates"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """These tests run Home Assistant (the folder's conftest turns it off)."""


@pytest.fixture
async def octopus(loopback: None) -> AsyncGenerator[OctopusSimulator]:
    """Octopus's API on 127.0.0.1 with generated prices (no price files)."""
    simulator = OctopusSimulator(data_dir=None)
    simulator.api_keys.add(API_KEY)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def hub(hass: HomeAssistant) -> None:
    """Energy Hub loaded first: battery entries added later stay as they are."""
    assert await async_setup_component(hass, DOMAIN, {})


def api(simulator: HttpSimulator, **fields: Any) -> dict[str, Any]:
    """The API form's input, pointed at `simulator`."""
    return {**fields, "advanced": {"api_url": f"{simulator.url}/v1"}}


def battery_entry(hass: HomeAssistant, source: str, title: str) -> MockConfigEntry:
    """An Energy Hub battery entry (never loaded: the selector only lists it)."""
    data: dict[str, Any] = {"source": source, "host": "192.0.2.10"}
    if source == "sungrow":
        data |= {"port": 502, "unit_id": 1, "connection": "lan"}
    entry = MockConfigEntry(domain=DOMAIN, title=title, data=data, unique_id=title)
    entry.add_to_hass(hass)
    return entry


def octopus_energy_entities(hass: HomeAssistant) -> None:
    """The rate event entities an Octopus Energy integration registers."""
    registry = er.async_get(hass)
    for kind in ("previous_day_rates", "current_day_rates", "next_day_rates"):
        registry.async_get_or_create(
            "event",
            "octopus_energy",
            f"octopus_energy_electricity_1900000000001_{kind}",
            suggested_object_id=f"{METER}_{kind}",
        )


def schema_default(result: dict[str, Any], key: str) -> Any:
    """The default a form offers for `key`."""
    for marker in result["data_schema"].schema:
        if marker == key:
            return marker.default()
    raise AssertionError(f"{key} is not in the form")


def select_options(result: dict[str, Any], key: str) -> list[Any]:
    """The choices of a select field."""
    for marker, selector in result["data_schema"].schema.items():
        if marker == key:
            return [
                option["value"] if isinstance(option, dict) else option
                for option in selector.config["options"]
            ]
    raise AssertionError(f"{key} is not in the form")


async def start(hass: HomeAssistant) -> dict[str, Any]:
    """The menu, then Agile."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "agile" in result["menu_options"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "agile"}
    )


async def to_product(
    hass: HomeAssistant, simulator: HttpSimulator, **fields: Any
) -> dict[str, Any]:
    """Through the API form to the product form."""
    result = await start(hass)
    assert result["step_id"] == "agile_api"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(simulator, **fields)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "agile_product", result.get("errors")
    return result


async def test_region_letter_without_battery(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    result = await start(hass)
    # No Octopus Energy integration: straight to the API form.
    assert result["step_id"] == "agile_api"
    assert result["errors"] == {}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="C")
    )
    assert result["step_id"] == "agile_product"
    assert result["description_placeholders"] == {"region": "C"}
    # Only the products on sale now, the newest offered first.
    assert select_options(result, "product") == ["AGILE-24-10-01"]
    assert schema_default(result, "product") == "AGILE-24-10-01"
    assert select_options(result, "export_product") == ["AGILE-OUTGOING-BB-23-02-28"]
    assert schema_default(result, "export") == "none"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"product": "AGILE-24-10-01", "export": "none"}
    )
    assert result["step_id"] == "agile_battery"
    assert select_options(result, "battery_entry_id") == ["none"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"battery_entry_id": "none"}
    )
    assert result["step_id"] == "agile_battery_parameters"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "capacity_kwh": 9.5,
            "reserve_percent": 10,
            "max_charge_kw": 3.3,
            "max_discharge_kw": 3.6,
            "efficiency_percent": 92.5,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Octopus Agile (region C)"
    assert result["data"] == {
        "source": "agile",
        "price_source": "octopus_api",
        "api_url": f"{octopus.url}/v1",
        "region": "C",
        "product": "AGILE-24-10-01",
        "export": "none",
    }
    assert result["options"] == {
        "capacity_kwh": 9.5,
        "reserve_percent": 10.0,
        "max_charge_kw": 3.3,
        "max_discharge_kw": 3.6,
        "efficiency_percent": 92.5,
    }
    entry = result["result"]
    assert entry.unique_id == NO_BATTERY_UNIQUE_ID
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_battery_parameters_default(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    result = await to_product(hass, octopus, region="P")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"product": "AGILE-24-10-01", "export": "none"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"battery_entry_id": "none"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Octopus Agile (region P)"
    assert result["options"] == {
        "capacity_kwh": 13.5,
        "reserve_percent": 5.0,
        "max_charge_kw": 5.0,
        "max_discharge_kw": 5.0,
        "efficiency_percent": 95.0,
    }


async def test_postcode_key_and_agile_outgoing_for_a_powerwall(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    powerwall = battery_entry(hass, "powerwall", "Home Powerwall")
    octopus.require_key = True  # every request below must carry the key

    result = await to_product(hass, octopus, postcode=" sw1a 1aa ", api_key=API_KEY)
    assert result["description_placeholders"] == {"region": "C"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "product": "AGILE-24-10-01",
            "export": "agile_outgoing",
            "export_product": "AGILE-OUTGOING-BB-23-02-28",
        },
    )
    assert result["step_id"] == "agile_battery"
    assert select_options(result, "battery_entry_id") == [powerwall.entry_id, "none"]
    assert schema_default(result, "battery_entry_id") == powerwall.entry_id
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"battery_entry_id": powerwall.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Octopus Agile (region C)"
    assert result["data"] == {
        "source": "agile",
        "price_source": "octopus_api",
        "api_url": f"{octopus.url}/v1",
        "api_key": API_KEY,
        "postcode": "SW1A1AA",
        "region": "C",
        "product": "AGILE-24-10-01",
        "export": "agile_outgoing",
        "export_product": "AGILE-OUTGOING-BB-23-02-28",
        "battery_entry_id": powerwall.entry_id,
    }
    assert result["options"] == {}
    assert result["result"].unique_id == powerwall.entry_id


async def test_fixed_export_for_a_sungrow(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    battery_entry(hass, "powerwall", "Powerwall")
    sungrow = battery_entry(hass, "sungrow", "Sungrow SH10RT")
    # Entries of other sources are no batteries.
    MockConfigEntry(
        domain=DOMAIN, data={"source": "homewizard", "host": "192.0.2.3"}
    ).add_to_hass(hass)

    result = await to_product(hass, octopus, postcode="LS1 1UR")
    assert result["description_placeholders"] == {"region": "M"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"product": "AGILE-24-10-01", "export": "fixed", "export_price": 0.15},
    )
    assert len(select_options(result, "battery_entry_id")) == 3
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"battery_entry_id": sungrow.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Octopus Agile (region M)"
    assert result["data"]["export"] == "fixed"
    assert result["data"]["export_price"] == 0.15
    assert "export_product" not in result["data"]
    assert result["data"]["postcode"] == "LS11UR"
    assert result["data"]["battery_entry_id"] == sungrow.entry_id
    assert result["result"].unique_id == sungrow.entry_id


async def test_postcode_wins_over_region(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    result = await to_product(hass, octopus, postcode="CF10 1EP", region="A")
    assert result["description_placeholders"] == {"region": "K"}


async def test_octopus_energy_integration_rates(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    octopus_energy_entities(hass)
    await octopus.set_offline(True)  # Octopus's API is not needed on this path
    result = await start(hass)
    assert result["step_id"] == "agile"
    assert schema_default(result, "price_source") == "octopus_energy"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"price_source": "octopus_energy"}
    )
    assert result["step_id"] == "agile_rate_entities"
    assert select_options(result, "current_day_rates") == [CURRENT_DAY]
    assert select_options(result, "next_day_rates") == [NEXT_DAY]
    assert schema_default(result, "current_day_rates") == CURRENT_DAY
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"current_day_rates": CURRENT_DAY, "next_day_rates": NEXT_DAY},
    )
    assert result["step_id"] == "agile_battery"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"battery_entry_id": "none"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Octopus Agile (Octopus Energy)"
    assert result["data"] == {
        "source": "agile",
        "price_source": "octopus_energy",
        "rate_entities": [CURRENT_DAY, NEXT_DAY],
        "export": "none",
    }
    entry = result["result"]
    assert entry.unique_id == NO_BATTERY_UNIQUE_ID
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_octopus_energy_present_but_api_chosen(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    octopus_energy_entities(hass)
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"price_source": "octopus_api"}
    )
    assert result["step_id"] == "agile_api"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="B")
    )
    assert result["step_id"] == "agile_product"


async def test_rate_entities_of_other_integrations_are_not_offered(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    er.async_get(hass).async_get_or_create(
        "event", "template", "x", suggested_object_id=f"{METER}_current_day_rates"
    )
    result = await start(hass)
    assert result["step_id"] == "agile_api"


# Errors of the API form ----------------------------------------------------------


async def test_neither_postcode_nor_region(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, postcode="  ")
    )
    assert result["step_id"] == "agile_api"
    assert result["errors"] == {"base": "postcode_or_region"}


async def test_unknown_postcode_then_a_known_one(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, postcode="ZZ9 9ZZ")
    )
    assert result["step_id"] == "agile_api"
    assert result["errors"] == {"postcode": "invalid_postcode"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, postcode="B1 1BB")
    )
    assert result["step_id"] == "agile_product"
    assert result["description_placeholders"] == {"region": "E"}


@pytest.mark.parametrize("url", ["ftp://192.0.2.1/v1", "not a url", "http://[::1"])
async def test_invalid_api_url(hass: HomeAssistant, url: str) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"region": "C", "advanced": {"api_url": url}}
    )
    assert result["errors"] == {"advanced": "invalid_url"}


async def test_api_unreachable_then_back(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    await octopus.set_offline(True)
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="C")
    )
    assert result["errors"] == {"base": "cannot_connect"}
    await octopus.set_offline(False)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="C")
    )
    assert result["step_id"] == "agile_product"


@pytest.mark.parametrize("status", [500, 503])
async def test_api_server_error(
    hass: HomeAssistant, octopus: OctopusSimulator, status: int
) -> None:
    octopus.faults.http_status = status
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, postcode="SW1A 1AA")
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_api_not_json(hass: HomeAssistant, octopus: OctopusSimulator) -> None:
    octopus.faults.malformed = True
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="C")
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_wrong_api_key(hass: HomeAssistant, octopus: OctopusSimulator) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="C", api_key="sk_live_wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="C", api_key=API_KEY)
    )
    assert result["step_id"] == "agile_product"


async def test_rate_limited(hass: HomeAssistant, octopus: OctopusSimulator) -> None:
    octopus.faults.extra["rate_limited"] = 60
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="C")
    )
    assert result["errors"] == {"base": "rate_limited"}


async def test_no_agile_product_on_sale(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    octopus.products = [p for p in octopus.products if not p.agile]
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="C")
    )
    assert result["errors"] == {"base": "no_products"}


class BrokenPaginationApi(HttpSimulator):
    """An API whose products list links to a next page no URL parser reads."""

    name = "broken_pagination"

    @override
    def setup_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/v1/products/", self._products)

    async def _products(self, request: web.Request) -> web.Response:
        return web.json_response({"count": 2, "next": "http://[", "results": []})


async def test_unexpected_answer(hass: HomeAssistant, loopback: None) -> None:
    async with BrokenPaginationApi() as broken:
        result = await start(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], api(broken, region="C")
        )
    assert result["errors"] == {"base": "unknown"}


# Errors of the product form ------------------------------------------------------


async def test_no_prices_published_for_today(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    result = await to_product(hass, octopus, region="C")
    # The API's day is two days behind: nothing of today is published.
    octopus.set_time(dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"product": "AGILE-24-10-01", "export": "none"}
    )
    assert result["step_id"] == "agile_product"
    assert result["errors"] == {"base": "no_prices"}
    octopus.clock = lambda: dt.datetime.now(dt.UTC)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"product": "AGILE-24-10-01", "export": "none"}
    )
    assert result["step_id"] == "agile_battery"


async def test_prices_of_today_all_null(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    start_, end = uk_day(dt.datetime.now(UK).date())
    octopus.faults.extra["null_prices"] = {
        start_ + index * SLOT for index in range(int((end - start_) / SLOT))
    }
    result = await to_product(hass, octopus, region="C")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"product": "AGILE-24-10-01", "export": "none"}
    )
    assert result["errors"] == {"base": "no_prices"}


async def test_agile_outgoing_without_prices(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    result = await to_product(hass, octopus, region="C")
    # The export product is withdrawn after the form was shown: Octopus 404s its tariff.
    octopus.products = [p for p in octopus.products if not p.export]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "product": "AGILE-24-10-01",
            "export": "agile_outgoing",
            "export_product": "AGILE-OUTGOING-BB-23-02-28",
        },
    )
    assert result["errors"] == {"base": "no_prices"}


async def test_agile_outgoing_when_none_on_sale(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    octopus.products = [p for p in octopus.products if not p.export]
    result = await to_product(hass, octopus, region="C")
    assert "export_product" not in result["data_schema"].schema
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"product": "AGILE-24-10-01", "export": "agile_outgoing"}
    )
    assert result["errors"] == {"export": "no_export_product"}


async def test_product_form_errors_of_the_api(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    result = await to_product(hass, octopus, region="C")
    choice = {"product": "AGILE-24-10-01", "export": "none"}
    octopus.faults.extra["rate_limited"] = 30
    result = await hass.config_entries.flow.async_configure(result["flow_id"], choice)
    assert result["errors"] == {"base": "rate_limited"}
    del octopus.faults.extra["rate_limited"]
    await octopus.set_offline(True)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], choice)
    assert result["errors"] == {"base": "cannot_connect"}
    await octopus.set_offline(False)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], choice)
    assert result["step_id"] == "agile_battery"


# One entry per battery -----------------------------------------------------------


async def test_battery_already_planned_for(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    powerwall = battery_entry(hass, "powerwall", "Powerwall")
    MockConfigEntry(
        domain=DOMAIN,
        data={"source": "agile", "battery_entry_id": powerwall.entry_id},
        unique_id=powerwall.entry_id,
    ).add_to_hass(hass)
    result = await to_product(hass, octopus, region="C")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"product": "AGILE-24-10-01", "export": "none"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"battery_entry_id": powerwall.entry_id}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_second_entry_without_battery(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    MockConfigEntry(
        domain=DOMAIN, data={"source": "agile"}, unique_id=NO_BATTERY_UNIQUE_ID
    ).add_to_hass(hass)
    result = await to_product(hass, octopus, region="C")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"product": "AGILE-24-10-01", "export": "none"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"battery_entry_id": "none"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


# Reconfigure and reauth ----------------------------------------------------------


async def _api_entry(
    hass: HomeAssistant, octopus: OctopusSimulator, **data: Any
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Octopus Agile (region C)",
        data={
            "source": "agile",
            "price_source": "octopus_api",
            "api_url": f"{octopus.url}/v1",
            "region": "C",
            "product": "AGILE-24-10-01",
            "export": "agile_outgoing",
            "export_product": "AGILE-OUTGOING-BB-23-02-28",
            **data,
        },
        unique_id=NO_BATTERY_UNIQUE_ID,
    )
    entry.add_to_hass(hass)
    return entry


async def test_reconfigure_region_product_and_export(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    entry = await _api_entry(hass, octopus, api_key=API_KEY, postcode="SW1A1AA")
    octopus.require_key = True  # the stored key goes on being sent
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "agile_reconfigure"
    assert "api_key" not in result["data_schema"].schema
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, postcode="ZZ1 1ZZ")
    )
    assert result["errors"] == {"postcode": "invalid_postcode"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="K")
    )
    assert result["step_id"] == "agile_reconfigure_product"
    assert schema_default(result, "export") == "agile_outgoing"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"product": "AGILE-24-10-01", "export": "fixed", "export_price": 0.041},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "Octopus Agile (region K)"
    assert entry.unique_id == NO_BATTERY_UNIQUE_ID
    assert dict(entry.data) == {
        "source": "agile",
        "price_source": "octopus_api",
        "api_url": f"{octopus.url}/v1",
        "api_key": API_KEY,
        "region": "K",
        "product": "AGILE-24-10-01",
        "export": "fixed",
        "export_price": 0.041,
    }
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_checks_todays_prices(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    entry = await _api_entry(hass, octopus)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], api(octopus, region="C")
    )
    octopus.set_time(dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"product": "AGILE-24-10-01", "export": "none"}
    )
    assert result["errors"] == {"base": "no_prices"}
    assert entry.data["export"] == "agile_outgoing"


async def test_reconfigure_octopus_energy_entities(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    octopus_energy_entities(hass)
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "source": "agile",
            "price_source": "octopus_energy",
            "rate_entities": [CURRENT_DAY, NEXT_DAY],
            "export": "none",
        },
        unique_id=NO_BATTERY_UNIQUE_ID,
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "agile_reconfigure_rate_entities"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"current_day_rates": CURRENT_DAY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["rate_entities"] == [CURRENT_DAY]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_when_the_rate_entities_are_gone(
    hass: HomeAssistant,
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            "source": "agile",
            "price_source": "octopus_energy",
            "rate_entities": [CURRENT_DAY],
            "export": "none",
        },
        unique_id=NO_BATTERY_UNIQUE_ID,
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "agile_no_rate_entities"


async def test_reauth_with_a_new_key(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    entry = await _api_entry(hass, octopus, api_key="sk_live_revoked")
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "agile_reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": "sk_live_still_wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": API_KEY}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["api_key"] == API_KEY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_without_a_key(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    entry = await _api_entry(hass, octopus, api_key="sk_live_revoked")
    result = await entry.start_reauth_flow(hass)
    octopus.require_key = True
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "invalid_auth"}
    octopus.require_key = False
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "reauth_successful"
    assert "api_key" not in entry.data
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_revoked_key_starts_reauth(
    hass: HomeAssistant, octopus: OctopusSimulator
) -> None:
    """A 401 while the entry sets up asks for a new key through this flow."""
    entry = await _api_entry(hass, octopus, api_key="sk_live_revoked")
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["step_id"] == "agile_reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"api_key": API_KEY}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_demo_entry_walks_the_flow(
    hass: HomeAssistant, octopus: OctopusSimulator, hub: None
) -> None:
    """The demo's inputs (`scripts/develop`) are this flow's fields."""
    (demo,) = octopus.demo_entries()
    entry, result = await add_demo_entry(hass, demo)
    assert result["title"] == "Octopus Agile (region C)"
    assert entry.data["export"] == "agile_outgoing"
    assert entry.data["export_product"] == "AGILE-OUTGOING-BB-23-02-28"
    assert entry.state is ConfigEntryState.LOADED
