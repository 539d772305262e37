"""The CT clamp steps of the config flow and the options flow."""

from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.energy_hub.const import DOMAIN

STEP_ONE = {
    "name": "Garage board",
    "channels": "line_A: Mains (30 A)\nline_B: Solar inverter (30A), line_C",
    "voltage": 240,
    "power_factor": 0.9,
    "allow_external": False,
}


async def _start(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert "ct_clamp" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ct_clamp"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ct_clamp"
    return result


async def test_flow_creates_entry_with_webhook(hass: HomeAssistant) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], STEP_ONE)
    assert result["step_id"] == "ct_clamp_roles"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"grid_channels": ["line_A"], "solar_channels": ["line_B"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Garage board"
    data = result["data"]
    assert data["source"] == "ct_clamp"
    # Each channel keeps its clamp's rating; none given is an SCT-013-000's 100 A.
    assert data["channels"] == [
        {"id": "line_A", "name": "Mains", "role": "grid", "max_current": 30},
        {"id": "line_B", "name": "Solar inverter", "role": "solar", "max_current": 30},
        {"id": "line_C", "name": "line_C", "role": "load", "max_current": 100},
    ]
    webhook_id = data["webhook_id"]
    assert len(webhook_id) == 64
    assert data["allow_external"] is False
    assert result["options"] == {
        "voltage": 240.0,
        "power_factor": 0.9,
        "stale_timeout": 300,
        "max_gap": 300,
    }
    placeholders = result["description_placeholders"]
    assert placeholders["webhook_path"] == f"/api/webhook/{webhook_id}"
    assert placeholders["webhook_url"].endswith(placeholders["webhook_path"])
    assert '{"channels": {"line_A": 5.2}}' in placeholders["example"]
    assert placeholders["webhook_url"] in placeholders["example"]
    assert result["description"] == "ct_clamp"


async def test_flow_shows_full_url_when_home_assistant_has_one(
    hass: HomeAssistant,
) -> None:
    await hass.config.async_update(internal_url="http://192.168.1.20:8123")
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], STEP_ONE)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    url = result["description_placeholders"]["webhook_url"]
    assert url == f"http://192.168.1.20:8123/api/webhook/{result['data']['webhook_id']}"
    # Every channel is a load when none is chosen.
    assert {channel["role"] for channel in result["data"]["channels"]} == {"load"}


@pytest.mark.parametrize(
    ("channels", "error"),
    [
        ("", "ct_clamp_no_channels"),
        ("line A", "ct_clamp_invalid_channel_id"),
        ("line_A, line_A: again", "ct_clamp_duplicate_channel"),
        (",".join(f"c{i}" for i in range(17)), "ct_clamp_too_many_channels"),
        ("line_A: Mains (0 A)", "ct_clamp_invalid_max_current"),
        ("line_A: Mains (501 A)", "ct_clamp_invalid_max_current"),
    ],
)
async def test_bad_channel_list_is_explained(
    hass: HomeAssistant, channels: str, error: str
) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**STEP_ONE, "channels": channels}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"channels": error}
    # The user can correct it in the same flow.
    result = await hass.config_entries.flow.async_configure(result["flow_id"], STEP_ONE)
    assert result["step_id"] == "ct_clamp_roles"


async def test_channel_cannot_have_two_roles(hass: HomeAssistant) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], STEP_ONE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"grid_channels": ["line_A"], "solar_channels": ["line_A"]}
    )
    assert result["errors"] == {"base": "ct_clamp_channel_in_two_roles"}


async def test_taken_board_name_is_a_field_error(hass: HomeAssistant) -> None:
    """The name is what makes a board: a taken one is corrected in the same form."""
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], STEP_ONE)
    await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], STEP_ONE)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ct_clamp"
    assert result["errors"] == {"name": "ct_clamp_name_taken"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**STEP_ONE, "name": "Shed board"}
    )
    assert result["step_id"] == "ct_clamp_roles"


async def test_voltage_sensor_option_can_be_set_and_cleared(
    hass: HomeAssistant,
) -> None:
    hass.states.async_set(
        "sensor.p1_voltage",
        "231",
        {"device_class": "voltage", "unit_of_measurement": "V"},
    )
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**STEP_ONE, "voltage_entity": "sensor.p1_voltage"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    entry = hass.config_entries.async_get_entry(result["result"].entry_id)
    assert entry.options["voltage_entity"] == "sensor.p1_voltage"

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"voltage": 240, "power_factor": 0.95, "stale_timeout": 300, "max_gap": 300},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "voltage_entity" not in entry.options
