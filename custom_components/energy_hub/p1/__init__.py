"""HomeWizard P1 meter source: billing-grade grid data and the capacity tariff."""
