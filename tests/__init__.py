"""Tests of Energy Hub."""
