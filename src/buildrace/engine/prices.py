"""Scarcity pricing: how far last year's unmet demand lifts a stage's price.

Manufactured stages ration by order books and lead times, so their price rises in
proportion to the unmet share (``1 + scarcity_markup * u``). Raw materials clear by
price: buyers cannot wait for a mine, their demand is inelastic in the short run, so the
price rises along the inverse of a constant-elasticity demand curve until the unmet share
is given up, ``(1 - u) ** (-1 / epsilon)``, up to a ceiling at which buyers draw stocks,
substitute or stop (Kilian & Murphy 2014, *J. Applied Econometrics* 29(3), doi
10.1002/jae.2322, for short-run commodity demand elasticities; Jacks & Stuermer 2020,
*Energy Economics* 85, on demand-driven commodity booms). With mine and refinery lead
times of five to ten years, a demand surge then gives a spike, the spike's margins draw
investment, and the capacity that arrives after the surge gives the glut and the
collapse: the commodity cycle comes from the model rather than from noise alone.
"""

from __future__ import annotations

import numpy as np

from buildrace.engine import backend
from buildrace.engine.calibrate import glut_factor
from buildrace.engine.contract import UNMET_CEILING
from buildrace.engine.groups import group_sum, safe_divide


def scarcity_factor(unmet_share, markup, elasticity, cap, commodity):
    """Price multiplier (N, M, S) from last year's unmet share of demand.

    Parameters
    ----------
    unmet_share : ndarray (N, M, S)
        Last year's unmet share of each market's demand, in [0, 1].
    markup : ndarray broadcasting to (N, M, S)
        ``scarcity_markup``: the linear mark-up of manufactured stages.
    elasticity, cap : ndarray broadcasting to (N, M, S)
        ``commodity_demand_elasticity`` and ``commodity_price_cap`` of raw materials.
    commodity : ndarray (S,) of bool
        The raw-material stages (:func:`buildrace.model.shocks.commodity_stages`).

    Returns
    -------
    ndarray (N, M, S)
        1 where nothing went unmet; rising with the unmet share, on raw materials along
        ``min((1 - u) ** (-1 / elasticity), cap)``.
    """
    u = np.clip(unmet_share, 0.0, UNMET_CEILING)
    linear = 1.0 + markup * u
    # in logs, so that a full shortage meets the cap rather than an overflow
    inverse = np.exp(np.minimum(-np.log1p(-u) / elasticity, np.log(cap)))
    return np.where(commodity, inverse, linear)


def price_phase(unmet, demand, served, flows, output, capacity, starts, index, anchor, price_prev, glut_prev,
                unmet_share_prev, target_utilisation, glut_discount, markup, elasticity, cap, commodity, price_shock,
                own_share_prev):
    """The year's prices and home shares after clearing (MODEL.md step 2, prices).

    The logit price index of the suppliers a market may buy from (``index``, NaN where
    nobody allowed has capacity: last year's price before its glut discount stands),
    anchored so the base year reproduces the data's prices, marked up by last year's
    scarcity (:func:`scarcity_factor`), discounted by last year's glut (order books are
    set before the year's output is known; so is the markup, on last year's shortages)
    and moved by the commodity price shock (zero outside raw-material stages). This
    year's glut (:func:`buildrace.engine.calibrate.glut_factor`) and unmet shares are
    next year's signals.

    Parameters
    ----------
    unmet, demand, served : ndarray (N, M, S)
        The cleared markets' unmet demand, demand and purchases served.
    flows : ndarray (N, M, E, S)
        Purchases of market m from supplier e (m and e index the same economies).
    output : ndarray (N, E, S)
        Each economy's output.
    capacity : ndarray (N, P)
        Operating capacity of every pair at the start of the year.
    starts : ndarray (E * S,)
        First pair of each (economy, stage) group.
    index, anchor : ndarray (N, M, S)
        The price index and the base-year anchor (base-year price over free-trade index).
    price_prev, unmet_share_prev : ndarray (N, M, S); glut_prev : ndarray (N, S)
        Last year's prices, unmet shares and glut factor.
    target_utilisation, glut_discount : ndarray (N, 1)
    markup, elasticity, cap : ndarray (N, 1, 1)
        The scarcity markup's parameters (:func:`scarcity_factor`).
    commodity : ndarray (S,) of bool
    price_shock : ndarray (N, S) or None
        The year's log commodity price shock.
    own_share_prev : ndarray (N, E, S)
        Last year's share of each economy's purchases bought at home.

    Returns
    -------
    unmet_share : (N, M, S); capacity_e : (N, E, S); glut : (N, S); price : (N, M, S); own_share : (N, E, S)
    """
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_year.py)
        from buildrace.engine.compiled_year import price_phase as compiled

        return compiled(unmet, demand, served, flows, output, capacity, starts, index, anchor, price_prev, glut_prev,
                        unmet_share_prev, target_utilisation, glut_discount, markup, elasticity, cap, commodity,
                        price_shock, own_share_prev)
    E, S = output.shape[1], output.shape[2]
    unmet_share = safe_divide(unmet, demand)
    capacity_e = group_sum(capacity, starts, E, S)
    glut = glut_factor(output.sum(axis=1), capacity_e.sum(axis=1), target_utilisation, glut_discount)
    level = np.where(np.isfinite(index), index * anchor, price_prev / glut_prev[:, None, :])
    scarcity = scarcity_factor(unmet_share_prev, markup, elasticity, cap, commodity)
    price = level * scarcity * glut_prev[:, None, :]
    if price_shock is not None:  # commodity price cycles (zero outside raw-material stages)
        price = price * np.exp(price_shock)[:, None, :]
    own = np.diagonal(flows, axis1=1, axis2=2).transpose(0, 2, 1)
    own_share = np.where(served > 0, safe_divide(own, served, 1.0), own_share_prev)
    return unmet_share, capacity_e, glut, price, own_share
