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

UNMET_CEILING = 1.0 - 1e-12
"""Unmet shares are clipped below 1 so that the inverse demand curve stays finite (the
price cap binds long before)."""


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
