"""Tests of the demo region, which tests/demo/conftest.py loads once for the package."""

from datetime import date

TODAY = date(2026, 11, 22)  # the day the demo region is loaded as of
