"""Demand kernel (MODEL.md step 1).

Final demand by market m and use u:
``D = D0 * growth(m, u, t) * (P / P0(t)) ** (-elasticity)``, where P is the price of the
stage the use buys (module for PV, pack for storage, vehicle for EVs) and P0(t) the
base-year price moved along the world's unit-cost trend: the growth paths already assume
that costs fall, so demand responds to departures from that trend (tariffs, scarcity,
cost gaps between markets), not to the trend a second time. Electrification couples
sectors: EV sales above their path add electricity demand, a share of which new solar
(with storage) serves. Stage demand is the final demand times use intensities, plus
demand from uses outside the modelled chains (calibrated in the base year, growing at
``other_demand_growth``).
"""

from __future__ import annotations

import numpy as np

from buildrace.engine.groups import power


def final_use_demand(
    demand0: np.ndarray,
    growth_t: np.ndarray,
    use_price: np.ndarray,
    use_price0: np.ndarray,
    elasticity: np.ndarray,
    coupling: np.ndarray,
) -> np.ndarray:
    """Final demand (N, M, U).

    Parameters
    ----------
    demand0 : (M, U) base-year final demand
    growth_t : (N, M, U) growth factor from the base year to t
    use_price, use_price0 : (N, M, U) price of each use now and in the base year
    elasticity : (N, U) own-price elasticity (>= 0)
    coupling : (N, U, U) extra units of use j per unit of use i above its path
    """
    ratio = np.where(use_price0 > 0, use_price / np.where(use_price0 > 0, use_price0, 1.0), 1.0)
    path = demand0[None] * growth_t
    base = path * power(ratio, -elasticity[:, None, :])
    extra = np.maximum(base - path, 0.0) @ coupling  # batched over draws
    return base + extra


def stage_demand(final: np.ndarray, use_intensity: np.ndarray, other: np.ndarray) -> np.ndarray:
    """(N, M, U) final demand -> (N, M, S) demand met directly by each stage."""
    return final @ use_intensity + other
