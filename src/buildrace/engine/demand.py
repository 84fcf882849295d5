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

from buildrace.engine import backend
from buildrace.engine.contract import SATURATION_SHARPNESS
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


def market_ceiling(final, market0, market_scale, market_mult):
    """Final demand (N, M, U) held under each use's market, smoothly.

    ``market0`` (M, U) is the base-year market a use saturates (0: none; EV sales: the
    new cars sold), grown by ``market_mult`` (N,); a use's demand d becomes
    ``M h(d / M) * market_scale`` with ``h(s) = s / (1 + s ** k) ** (1 / k)``
    (:data:`buildrace.engine.contract.SATURATION_SHARPNESS`) and ``market_scale`` = s0 / h(s0)
    (so the base year is reproduced). Applied after the price response, so neither a
    growth prior nor a glut price sells more electric cars than cars are sold.
    """
    k = SATURATION_SHARPNESS
    mk = market0[None] * np.reshape(market_mult, (-1, 1, 1))
    share = np.where(mk > 0, final / np.where(mk > 0, mk, 1.0), 0.0)
    capped = mk * share / (1.0 + share**k) ** (1.0 / k) * market_scale[None]
    return np.where(mk > 0, capped, final)


def demand_phase(avail, cost_e, world_cost0, cost_shock, price, price0, use_price_stage, demand0, growth_t, elasticity,
                 coupling, use_intensity, other0, other_mult, stock_months, stock, market0=None, market_scale=None,
                 market_mult=None):
    """Step 1 of the year: final demand (N, M, U), stage demand (N, M, S) and stockpile purchases (N, M, S).

    Consumers respond to prices that depart from the world's cost trend (the growth
    paths already assume costs fall): the base-year use prices ``price0`` move with the
    availability-weighted world cost over the base year's ``world_cost0`` (N, S), less any
    cost shock (N, S; None without shocks: shocks are news to consumers). Final demand
    (:func:`final_use_demand`, floored at zero) becomes stage demand
    (:func:`stage_demand`) with other uses ``other0`` (M, S) times ``other_mult`` (N,);
    strategic stockpiles buy a quarter of the gap to their target, ``stock_months``
    (M, S) of the year's demand, each year. With ``market0`` (M, U), ``market_scale``
    (M, U) and ``market_mult`` (N,), final demand is held under each use's market
    (:func:`market_ceiling`).
    """
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_year.py)
        from buildrace.engine.compiled_year import demand_phase as compiled

        return compiled(avail, cost_e, world_cost0, cost_shock, price, price0, use_price_stage, demand0, growth_t,
                        elasticity, coupling, use_intensity, other0, other_mult, stock_months, stock, market0, market_scale,
                        market_mult)
    ups = np.maximum(use_price_stage, 0)
    avail_w = avail + 1e-12
    world_cost = (avail_w * cost_e).sum(axis=1) / avail_w.sum(axis=1)  # (N, S)
    trend = world_cost / world_cost0
    if cost_shock is not None:
        trend = trend / cost_shock
    use_price = price[:, :, ups]
    use_price0 = price0[:, :, ups] * trend[:, None, ups]
    final = np.maximum(final_use_demand(demand0, growth_t, use_price, use_price0, elasticity, coupling), 0.0)
    if market0 is not None:
        final = market_ceiling(final, market0, market_scale, market_mult)
    other = other0[None] * np.reshape(other_mult, (-1, 1, 1))
    d_final = stage_demand(final, use_intensity, other)
    target = stock_months[None] / 12.0 * d_final
    purchase = np.maximum(target - stock, 0.0) * 0.25
    return final, d_final + purchase, purchase
