"""What the NumPy reference path and its compiled twin share.

The allocation and market clearing exist twice: in NumPy (:mod:`buildrace.engine.trade`,
:mod:`buildrace.engine.market`) and compiled with numba (:mod:`buildrace.engine.compiled`),
and :mod:`buildrace.engine.backend` picks one. The constants and the result type both
read live here, below all three, so that the twin does not import the modules that
dispatch to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SETTLED = 1e-12
"""Relative residue of demand treated as served (floating-point dust)."""
SPILL_ROUNDS = 10
"""Upper bound on spill rounds; each round saturates at least one supplier or serves all."""


@dataclass
class Clearing:
    demand: np.ndarray  # (N, M, S) total demand per market
    derived: np.ndarray  # (N, M, S) part of demand from modelled consumers' planned output
    flows: np.ndarray  # (N, M, E, S) delivered flows after supply constraints
    served: np.ndarray  # (N, M, S)
    stock_draw: np.ndarray  # (N, M, S)
    unmet: np.ndarray  # (N, M, S)
    planned: np.ndarray  # (N, E, S) output before input constraints
    output: np.ndarray  # (N, E, S)
    fill: np.ndarray  # (N, M, S) share of demand met (incl. stock draws)


__all__ = ["SETTLED", "SPILL_ROUNDS", "Clearing"]

ENTRY_SEED = 0.05
"""Share of the average economy's presence credited to every economy when unmet demand
is divided among would-be suppliers (lets an economy with no capacity plan an entry)."""
EXPECTED_GROWTH_CAP = 0.6
"""Cap on the demand growth investors extrapolate over the lead time: above the fastest
sustained growth of 2018-2024 (EV sales, ~50% a year), so one year's jump is not
extrapolated; chosen on the 2018 backtest (docs/calibration.md)."""
UNMET_CEILING = 1.0 - 1e-12
"""Unmet shares are clipped below 1 so that the raw materials' inverse demand curve stays
finite (the price cap binds long before; engine/prices.py and its compiled twin)."""
SATURATION_SHARPNESS = 4.0
"""Exponent k of the smooth ceiling ``h(s) = s / (1 + s ** k) ** (1 / k)`` on a final use's
share s of its market (final_demand.csv ``market_size``: new cars for EV sales): within
2% of s below half the market, 16% under it at the market, never above it (assumption:
adoption curves bend well before they fill the market)."""
