"""One year's market clearing along the chain: demand down the chain, supply up it.

Top-down (most downstream stages first): each stage's demand is its final demand plus
what the planned output of its consumers needs; the trade kernel allocates it.
Bottom-up (mining first): a producer's output is limited by the inputs that reach it
(Leontief: the scarcest input binds), drawing on stocks; the cut propagates to the
markets it supplies, and so down the chain. An export ban on an upstream stage therefore
shows up as shortages downstream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from buildrace.engine.groups import safe_divide
from buildrace.engine.trade import allocate_with_local_content


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


def clear_markets(final_demand, avail, preference, intensity, levels, local_share, local_members, stock, substitutes=None) -> Clearing:
    """Clear all stages for one year.

    Parameters
    ----------
    final_demand : (N, M, S) demand from final uses, other uses and stock purchases
    avail : (N, E, S) output capacity of each economy
    preference : (N, M, E, S) logit preference of market m for supplier e
    intensity : (S, S) input (column) per unit of consumer (row)
    levels : stage indices by depth, most downstream first
    local_share, local_members : local-content rules at t, (M, S) and (M, E)
    stock : (N, E, S) stocks that can be drawn in a shortage
    substitutes : (S, S) bool, inputs of a consumer that substitute for each other
        (LFP and NMC cells in a pack): their fills count as one input, weighted by
        intensity, instead of each binding on its own
    """
    N, M, E, S = preference.shape
    planned = np.zeros((N, E, S))
    flows = np.zeros((N, M, E, S))
    demand = np.zeros((N, M, S))
    derived = np.zeros((N, M, S))
    for lvl in levels:  # chain depth (a handful of levels), not stages
        der = (planned @ intensity[:, lvl])
        d = final_demand[..., lvl] + der
        f, _, _ = allocate_with_local_content(d, avail[..., lvl], preference[..., lvl], local_share[:, lvl], local_members)
        flows[..., lvl] = f
        demand[..., lvl] = d
        derived[..., lvl] = der
        planned[..., lvl] = f.sum(axis=1)
    fill = np.ones((N, M, S))
    stock_draw = np.zeros((N, M, S))
    output = planned.copy()
    has_input = intensity > 0
    for lvl in reversed(levels):
        mask = has_input[lvl]  # (Sl, S)
        if mask.any():
            sub = substitutes[lvl] if substitutes is not None else np.zeros_like(mask)
            comp = mask & ~sub
            g = np.where(comp[None, None], fill[:, :, None, :], 1.0).min(axis=-1)  # (N, E, Sl)
            if sub.any():
                w = np.where(sub, intensity[lvl], 0.0)  # (Sl, S)
                avg = safe_divide((fill[:, :, None, :] * w[None, None]).sum(-1), w.sum(-1)[None, None], 1.0)
                g = np.minimum(g, np.where(sub.any(-1)[None, None], avg, 1.0))
            output[..., lvl] *= g
            flows[..., lvl] *= g[:, None, :, :]
        served = flows[..., lvl].sum(axis=2)
        need = demand[..., lvl]
        draw = np.minimum(np.maximum(need - served, 0.0), stock[..., lvl])
        stock_draw[..., lvl] = draw
        fill[..., lvl] = np.where(need > 0, safe_divide(served + draw, need, 1.0), 1.0)
    served = flows.sum(axis=2)
    unmet = np.maximum(demand - served - stock_draw, 0.0)
    return Clearing(demand, derived, flows, served, stock_draw, unmet, planned, output, fill)
