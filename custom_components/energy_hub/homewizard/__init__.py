"""HomeWizard source: P1 meters (billing-grade grid data, gas, water and heat meters, the capacity tariff), kWh meters, sockets and the water meter."""
