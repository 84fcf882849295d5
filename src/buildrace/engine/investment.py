"""Investment kernel (MODEL.md step 4).

Producers of economy e at stage s plan capacity for the sales they expect at the end of
the lead time L: this year's sales plus the share of unmet demand they could win, grown
at the stage's demand growth, at the target utilisation. They announce a share
``invest_response`` of the gap between that and their capacity plus pipeline, scaled
by a logistic response to the expected margin over their hurdle rate:

``z = u * (P_netback + credit - C + itc * capex * crf / u) / capex - (hurdle - reference_hurdle)``

(unit costs include a capital charge at the reference hurdle, ``capex * crf / u``; an
investment credit refunds that share of it, so it always raises the signal). A sovereign fund adds
projects at its own hurdle in its targets, within its budget. New capacity goes to the
economy's sites by ``exp(-beta * C_site / mean C) * (1 + attractiveness)``.
"""

from __future__ import annotations

import numpy as np

from buildrace.engine.groups import power


def margin_signal(netback, cost_eff, capex_eff, utilisation, hurdle_gap):
    """Expected return above hurdle, z (N, E, S)."""
    return utilisation * (netback - cost_eff) / np.maximum(capex_eff, 1e-9) - hurdle_gap


def capital_recovery(rate, lifetime):
    """Capital recovery factor: the annuity per unit of capex at ``rate`` over ``lifetime`` years."""
    rate = np.maximum(rate, 1e-9)
    return rate / (1.0 - power(1.0 + rate, -np.maximum(lifetime, 1.0)))


def logistic(z, beta):
    return 1.0 / (1.0 + np.exp(-np.clip(beta * z, -60.0, 60.0)))


def capacity_gap(expected_sales, growth, lead_years, utilisation, capacity, pipeline):
    """Capacity to add (N, E, S): expected sales at the end of the lead time over target
    utilisation, less capacity and pipeline, floored at zero."""
    needed = expected_sales * power(1.0 + growth, lead_years) / utilisation
    return np.maximum(needed - capacity - pipeline, 0.0)
