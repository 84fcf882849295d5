"""One year's market clearing along the chain: demand down the chain, supply up it.

Top-down (most downstream stages first): each stage's demand is its final demand plus
what the planned output of its consumers needs; the trade kernel allocates it.
Bottom-up (mining first): a producer's output is limited by the inputs that reach it
(Leontief: the scarcest input binds), drawing on stocks; the cut propagates to the
markets it supplies, and so down the chain. An export ban on an upstream stage therefore
shows up as shortages downstream.
"""

from __future__ import annotations

import numpy as np

from buildrace.engine import backend
from buildrace.engine.contract import SETTLED, Clearing
from buildrace.engine.groups import safe_divide
from buildrace.engine.trade import allocate_with_local_content


def _input_lists(intensity, substitutes):
    """Per consumer stage, its complementary inputs and its substitute inputs, as index
    lists padded with S (a column of ones) and the substitutes' intensity weights."""
    S = intensity.shape[0]
    has = intensity > 0
    sub = substitutes & has if substitutes is not None else np.zeros_like(has)
    comp = has & ~sub
    k_comp = max(1, int(comp.sum(axis=1).max()))
    k_sub = max(1, int(sub.sum(axis=1).max()))
    comp_idx = np.full((S, k_comp), S)
    sub_idx = np.full((S, k_sub), S)
    sub_w = np.zeros((S, k_sub))
    for s in np.flatnonzero(has.any(axis=1)):  # static structure (once per call, S rows)
        c = np.flatnonzero(comp[s])
        comp_idx[s, : len(c)] = c
        u = np.flatnonzero(sub[s])
        sub_idx[s, : len(u)] = u
        sub_w[s, : len(u)] = intensity[s, u]
    return comp_idx, sub_idx, sub_w


def bilateral_cap(demand, licence, base_share, compliant_cap):
    """Upper bound (N, M, E, Sl) on each flow at one level, or None where nothing binds.

    ``licence`` (M, E, Sl): the share of the supplier's base-year share of the market an
    export licence allows (inf where no control); ``base_share`` (N, M, E, Sl); the
    licensed quantity follows the market's demand this year. ``compliant_cap``
    (N, M, E, Sl) or None: what a supplier can ship under rules of origin.
    """
    cap = None
    if licence is not None and np.isfinite(licence).any():
        quota = np.where(np.isfinite(licence)[None], np.nan_to_num(licence, posinf=0.0)[None] * base_share * demand[:, :, None, :], np.inf)
        cap = quota
    if compliant_cap is not None:
        cap = compliant_cap if cap is None else np.minimum(cap, compliant_cap)
    return cap


def clear_markets(
    final_demand, avail, preference, intensity, levels, local_share, local_members, stock, substitutes=None,
    licence=None, base_share=None, compliant_cap=None,
) -> Clearing:
    """Clear all stages for one year.

    Parameters
    ----------
    final_demand : (N, M, S) demand from final uses, other uses and stock purchases
    avail : (N, E, S) output capacity of each economy
    preference : (N, M, E, S) logit preference of market m for supplier e
    intensity : (S, S), or (N, S, S) when the input mix varies by draw, input (column)
        per unit of consumer (row)
    levels : stage indices by depth, most downstream first
    local_share, local_members : local-content rules at t, (M, S) and (M, E)
    stock : (N, E, S) stocks that can be drawn in a shortage
    substitutes : (S, S) bool, inputs of a consumer that substitute for each other
        (LFP and NMC cells in a pack): their fills count as one input, weighted by
        intensity, instead of each binding on its own
    licence, base_share, compliant_cap : quantity caps on bilateral flows (see
        :func:`bilateral_cap`): export licences and rules-of-origin compliance
    """
    if (k := backend.kernels()) is not None:  # the compiled twin (engine/compiled.py)
        return k.clear_markets(final_demand, avail, preference, intensity, levels, local_share, local_members, stock,
                               substitutes, licence, base_share, compliant_cap)
    N, M, E, S = preference.shape
    planned = np.zeros((N, E, S))
    flows = np.zeros((N, M, E, S))
    demand = np.zeros((N, M, S))
    derived = np.zeros((N, M, S))
    for lvl in levels:  # chain depth (a handful of levels), not stages
        der = planned @ intensity[..., lvl]
        d = final_demand[..., lvl] + der
        cap = bilateral_cap(
            d,
            None if licence is None else licence[..., lvl],
            None if base_share is None else base_share[..., lvl],
            None if compliant_cap is None else compliant_cap[..., lvl],
        )
        f, _, _ = allocate_with_local_content(d, avail[..., lvl], preference[..., lvl], local_share[:, lvl], local_members, cap=cap)
        flows[..., lvl] = f
        demand[..., lvl] = d
        derived[..., lvl] = der
        planned[..., lvl] = f.sum(axis=1)
    # fill rates with one extra column of ones, so padded input lists gather a 1
    fill_ext = np.ones((N, M, S + 1))
    fill = fill_ext[..., :S]
    stock_draw = np.zeros((N, M, S))
    output = planned.copy()
    pattern = intensity if intensity.ndim == 2 else intensity[0]
    comp_idx, sub_idx, sub_w = _input_lists(pattern, substitutes)
    # intensities padded with a zero column, so padded substitute lists weigh nothing
    int_ext = np.concatenate([intensity, np.zeros(intensity.shape[:-1] + (1,))], axis=-1)
    for lvl in reversed(levels):
        if (comp_idx[lvl] < S).any() or (sub_w[lvl] > 0).any():
            g = fill_ext[:, :, comp_idx[lvl]].min(axis=-1)  # (N, E, Sl): the scarcest complement
            if (sub_w[lvl] > 0).any():
                # intensity weights of substitutes: (Sl, K), or (N, 1, Sl, K) by draw
                w = int_ext[..., lvl[:, None], sub_idx[lvl]]
                w = w if w.ndim == 2 else w[:, None]
                total = w.sum(-1)
                avg = (fill_ext[:, :, sub_idx[lvl]] * w).sum(-1) / np.where(total > 0, total, 1.0)
                g = np.minimum(g, np.where(total > 0, avg, 1.0))
            output[..., lvl] *= g
            flows[..., lvl] *= g[:, None, :, :]
        served = flows[..., lvl].sum(axis=2)
        need = demand[..., lvl]
        draw = np.minimum(np.maximum(need - served, 0.0), stock[..., lvl])
        stock_draw[..., lvl] = draw
        fill[..., lvl] = np.where(need > 0, safe_divide(served + draw, need, 1.0), 1.0)
    served = flows.sum(axis=2)
    unmet = np.maximum(demand - served - stock_draw, 0.0)
    # rounding dust is no shortage: investors react to any unmet demand, so a 1e-17
    # residue of demand - served would switch their price weights (the spill settles alike)
    unmet[unmet <= SETTLED * demand] = 0.0
    return Clearing(demand, derived, flows, served, stock_draw, unmet, planned, output, fill)
