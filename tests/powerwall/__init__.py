"""Tests of the Tesla Powerwall source."""
