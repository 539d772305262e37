"""Tests of the OCR meter pipeline (Home-Assistant-free)."""
