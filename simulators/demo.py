"""What the demo makes of the simulators' `DemoEntry` roles; Home-Assistant-free.

Shared by `scripts/develop` (over REST) and the tests (through the flow
manager), so the Energy dashboard the demo fills is the one the tests validate.
"""

from __future__ import annotations

from typing import Any


def energy_preferences(
    registry: list[dict[str, Any]], entry_roles: list[tuple[str, dict[str, str]]]
) -> dict[str, Any]:
    """Energy-dashboard preferences from each entry's role → translation key map.

    One source per type (the first simulator that offers it: the billing P1
    meter for the grid), as in a real home where the other meters see the
    same energy and would count it twice.
    """
    sources: list[dict[str, Any]] = []
    for entry_id, roles in entry_roles:
        by_key: dict[str, str] = {}
        for item in registry:
            if item["config_entry_id"] == entry_id and item["translation_key"]:
                # The first one is the main device's (battery packs come later).
                by_key.setdefault(item["translation_key"], item["entity_id"])
        found = {role: by_key[key] for role, key in roles.items() if key in by_key}
        if "grid_import" in found:
            grid: dict[str, Any] = {
                "type": "grid",
                "stat_energy_from": found["grid_import"],
                "stat_energy_to": found.get("grid_export"),
                "stat_cost": None,
                "entity_energy_price": None,
                "number_energy_price": None,
                "stat_compensation": None,
                "entity_energy_price_export": None,
                "number_energy_price_export": None,
                "cost_adjustment_day": 0.0,
            }
            if "grid_power" in found:
                grid["power_config"] = {"stat_rate": found["grid_power"]}
            sources.append(grid)
        if "solar" in found:
            solar: dict[str, Any] = {
                "type": "solar",
                "stat_energy_from": found["solar"],
                "config_entry_solar_forecast": None,
            }
            if "solar_power" in found:
                solar["stat_rate"] = found["solar_power"]
            sources.append(solar)
        if "battery_in" in found and "battery_out" in found:
            battery: dict[str, Any] = {
                "type": "battery",
                "stat_energy_from": found["battery_out"],
                "stat_energy_to": found["battery_in"],
            }
            if "battery_power" in found:
                battery["power_config"] = {"stat_rate": found["battery_power"]}
            if "battery_soc" in found:
                battery["stat_soc"] = found["battery_soc"]
            sources.append(battery)
        if "gas" in found:
            sources.append(
                {
                    "type": "gas",
                    "stat_energy_from": found["gas"],
                    "stat_cost": None,
                    "entity_energy_price": None,
                    "number_energy_price": None,
                }
            )
    first_of_type = {source["type"]: source for source in reversed(sources)}
    return {"energy_sources": [s for s in sources if first_of_type[s["type"]] is s]}
