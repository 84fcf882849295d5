"""Axis names and their order: the one place axis strings are spelled.

Every labelled array in buildrace (inputs compiled from a scenario, results,
metrics) uses these names, and the engine's raw NumPy arrays keep the order
documented beside each state variable in :mod:`buildrace.engine.state`.
"""

from __future__ import annotations

DRAW = "draw"
"""Scenario draw (ensemble member); always present, length 1 for a single run."""
YEAR = "year"
"""Calendar year."""
SITE = "site"
"""Where capacity stands: ``ECONOMY:CODE`` (``US:MI``) or a bare economy code."""
ECONOMY = "economy"
"""An economy (``US``, ``CN``, ...), as a producer."""
MARKET = "market"
"""An economy as a buyer: where demand is."""
STAGE = "stage"
"""A supply-chain stage ``sector.stage`` (``li_ion_battery.cell_lfp``)."""
USE = "use"
"""A final use (demand sink): ``use.ev_sales`` ..."""
CHAIN = "chain"
"""A sector / value chain: ``li_ion_battery``, ``solar_pv``, ``ndfeb_magnet``, ``ev``."""
EXPORTER = "exporter"
"""An economy whose sales by destination are kept (the race's exporters)."""
INPUT_STAGE = "input_stage"
"""A stage as an input of another (second stage axis of the input structure)."""
QUANTILE = "quantile"
"""Quantile of a metric over draws."""

SITE_STAGE = (SITE, STAGE)
MARKET_STAGE = (MARKET, STAGE)

__all__ = [
    "CHAIN",
    "DRAW",
    "ECONOMY",
    "MARKET",
    "MARKET_STAGE",
    "QUANTILE",
    "SITE",
    "SITE_STAGE",
    "STAGE",
    "USE",
    "YEAR",
]
