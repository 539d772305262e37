"""Octopus Agile: half-hourly prices, forecasts and an exact battery plan.

The HA-free parts: `client.py` (the Octopus public API and the price model),
`planner.py` (dynamic programming over the battery's state of charge),
`forecast.py` (household load and PV from the home's own history). Facts about
the API and the household model are in `docs/agile.md`.
"""
