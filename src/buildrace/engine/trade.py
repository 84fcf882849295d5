"""Trade kernel (MODEL.md step 2): capacity-weighted logit on delivered cost, with spill.

Each market m buys stage s from economies e by a nested logit:

``w(e | m, s) = Kavail(e, s) * theta(e, s) * factor(m, e, s) * exp(-lambda_s * delivered / mean_delivered)``

with ``delivered = Ceff(e, s) * (1 + tariff(m <- e, s) + premium(m, e)) + transport_s * [m != e]``.
Demand an economy cannot serve (its capacity is shared by all markets) spills to the
next suppliers in further rounds; what nobody can serve is unmet demand. Within an
economy, its output goes to its sites by a second logit on unit cost (see
:func:`split_to_sites`). The nest replaces MODEL.md's site-level logit: sites of one
economy face the same tariffs and freight, so this is the same choice, at a fraction of
the arithmetic (markets x economies instead of markets x sites). A *local-content*
share of a market's demand is allocated first among local suppliers only.

References: McFadden (1974) for the logit; Anderson, de Palma & Thisse (1992), *Discrete
Choice Theory of Product Differentiation*, for the capacity-weighted form.
"""

from __future__ import annotations

import numpy as np

from buildrace.engine import backend
from buildrace.engine.contract import SETTLED, SPILL_ROUNDS
from buildrace.engine.groups import group_sum, power, safe_divide, to_pairs


def delivered_cost(cost_eff, tariff, premium, transport, offdiag):
    """(N, E, S) cost, (M, E, S) or (N, M, E, S) tariff, (M, E) premium, (N, S) transport,
    (M, E) 1 if m != e -> (N, M, E, S) delivered cost."""
    tariff = tariff if tariff.ndim == 4 else tariff[None]  # (N, M, E, S) under traced content
    return (
        cost_eff[:, None, :, :] * (1.0 + tariff + premium[None, :, :, None])
        + transport[:, None, None, :] * offdiag[None, :, :, None]
    )


def logit_preference(delivered, avail, lam, factor, theta):
    """Capacity-independent part of the weights: theta * factor * exp(-lambda d / mean d).

    The mean is capacity-weighted over the suppliers a market may buy from; where none
    has capacity, the plain mean over allowed suppliers is used.
    """
    allowed = factor[None] > 0
    cap = avail[:, None, :, :] * allowed
    capsum = cap.sum(axis=2, keepdims=True)
    plain = np.where(allowed, delivered, 0.0).sum(axis=2, keepdims=True) / np.maximum(
        allowed.sum(axis=2, keepdims=True), 1
    )
    mean = np.where(capsum > 0, (cap * delivered).sum(axis=2, keepdims=True) / np.where(capsum > 0, capsum, 1.0), plain)
    mean = np.where(mean > 0, mean, 1.0)
    return theta[:, None, :, :] * factor[None] * np.exp(-lam[:, None, None, :] * delivered / mean)


def capacity_weight(avail, alpha):
    """Factor (N, E, S) that turns the logit's capacity weight ``K`` into ``K ** alpha``.

    The allocation weighs suppliers by ``preference x headroom``; multiplying the
    preference by ``K ** (alpha - 1)`` makes round one weigh them by ``K ** alpha``. With
    alpha below one a supplier's reach grows less than in proportion to its capacity
    (buyers keep second sources), which damps the winner-take-all feedback between
    share and investment.
    """
    return np.where(avail > 0, power(np.maximum(avail, 1e-300), np.asarray(alpha) - 1.0), 1.0)


def price_index(delivered, avail, theta, factor, lam):
    """Logit price index of each market (N, M, S): the inclusive value of its suppliers.

    ``P = -(m / lambda) * ln( sum_e w_e f_e exp(-lambda d_e / m) / sum_e w_e )`` with
    ``w = theta x capacity`` the weights of every potential supplier (theta (N, E, S), or
    (N, M, E, S) with bilateral preferences), ``f`` the trade
    factor (0 where banned) and ``m`` the weighted mean delivered cost of all of them.
    It is the expected cost of the best offer in the logit's random-utility model
    (Small & Rosen 1981; Anderson, de Palma & Thisse 1992, ch. 2): removing or taxing a
    supplier can only raise it, unlike the average price paid, which falls when an
    expensive supplier is removed. Where nobody allowed has capacity it is NaN.
    """
    theta = theta if theta.ndim == 4 else theta[:, None]  # (N, M, E, S) with bilateral preferences
    w = theta * avail[:, None]  # (N, M, E, S)
    wsum = w.sum(axis=2)
    m = safe_divide((w * delivered).sum(axis=2), wsum, 0.0)  # (N, M, S)
    m_safe = np.where(m > 0, m, 1.0)
    x = -lam[:, None, None, :] * delivered / m_safe[:, :, None, :]
    xmax = np.where(factor[None] > 0, x, -np.inf).max(axis=2, keepdims=True)
    xmax = np.where(np.isfinite(xmax), xmax, 0.0)
    # banned suppliers (factor 0) are left out of the exponent: one far cheaper than every
    # allowed one would overflow exp, and inf x 0 would make the index NaN
    inclusive = (w * factor[None] * np.exp(np.where(factor[None] > 0, x - xmax, -np.inf))).sum(axis=2)
    ok = (inclusive > 0) & (wsum > 0)
    ratio = np.where(ok, safe_divide(inclusive, wsum, 1.0), 1.0)
    index = -(m_safe / lam[:, None, :]) * (np.log(ratio) + xmax[:, :, 0, :])
    return np.where(ok, index, np.nan)


def offers(cost_eff, tariff, premium, transport, offdiag, avail, lam, factor, theta, alpha, bilateral):
    """What every supplier offers every market this year (MODEL.md step 2, before clearing).

    Parameters
    ----------
    cost_eff : (N, E, S) producer cost net of credits
    tariff : (M, E, S) or (N, M, E, S) tariffs (the second under traced content)
    premium, offdiag : (M, E) the pool's cost premium; 1 where m != e
    transport, lam : (N, S) freight per unit and the trade logit's lambda
    avail : (N, E, S) capacity available; factor : (M, E, S) trade factor (0 where banned)
    theta : (N, E, S) fitted supplier preference; alpha : (N, 1, 1) capacity-weight exponent
    bilateral : (N, M, E, S) fitted bilateral preference

    Returns
    -------
    delivered (N, M, E, S), capacity weight (N, E, S), allocation preference (N, M, E, S)
    and the logit price index (N, M, S) (:func:`price_index`, weights theta x K ** alpha).
    """
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_step.py)
        from buildrace.engine.compiled_step import offers as compiled_offers

        return compiled_offers(cost_eff, tariff, premium, transport, offdiag, avail, lam, factor, theta, alpha, bilateral)
    dlv = delivered_cost(cost_eff, tariff, premium, transport, offdiag)
    cap_w = capacity_weight(avail, alpha)
    pref = logit_preference(dlv, avail, lam, factor, theta) * cap_w[:, None] * bilateral
    theta_w = (theta * cap_w)[:, None] * bilateral  # capacity enters as K ** alpha, as in the allocation
    return dlv, cap_w, pref, price_index(dlv, avail, theta_w, factor, lam)


def allocate(demand, headroom, preference, rounds: int = SPILL_ROUNDS, cap=None):
    """Allocate demand (N, M, S) over supplier headroom (N, E, S) by preference (N, M, E, S).

    Round one shares each market's demand by ``preference x headroom``; a supplier whose
    total load over all markets exceeds its headroom is scaled back to it (pro rata over
    markets) and drops out; what it could not take spills to the suppliers still free, in
    proportion to their original weights. Returns flows (N, M, E, S), the unserved demand
    (N, M, S) and the headroom left. Capacity binds exactly: an economy's load over all
    markets never exceeds its headroom.

    ``cap`` (N, M, E, S), optional, bounds each bilateral flow over the whole allocation
    (export licences, rules-of-origin compliance): an allocation beyond it is cut to it,
    and the pair drops out of later rounds once its cap is used up.
    """
    if (k := backend.kernels()) is not None:  # the compiled twin (engine/compiled.py)
        return k.allocate(demand, headroom, preference, rounds, cap)
    flows = np.zeros_like(preference)
    remaining = demand.copy()
    headroom0 = headroom
    headroom = headroom.copy()
    weight0 = preference * headroom[:, None, :, :]
    cap_left = None if cap is None else cap.copy()
    cols = np.arange(demand.shape[-1])  # stages still being allocated
    w = weight0
    for r in range(rounds):
        if r:
            # later rounds only for the stages where some market still has demand that
            # can reach a supplier with headroom (others would add exact zeros)
            cand = np.flatnonzero((remaining > 0).any(axis=(0, 1)))
            if not cand.size:
                break
            w_c = weight0[..., cand] * (headroom[..., cand] > 0)[:, None, :, :]
            if cap_left is not None:
                w_c = w_c * (cap_left[..., cand] > 0)
            live = ((remaining[..., cand] > 0) & (w_c.sum(axis=2) > 0)).any(axis=(0, 1))
            if not live.any():
                break
            cols = cand[live]
            w = w_c[..., live]
        rem, head, dem = remaining[..., cols], headroom[..., cols], demand[..., cols]
        total = w.sum(axis=2, keepdims=True)
        alloc = rem[:, :, None, :] * (w / np.where(total > 0, total, 1.0))
        if cap_left is not None:
            alloc = np.minimum(alloc, cap_left[..., cols])
        load = alloc.sum(axis=1)
        over = load > head
        if over.any():  # scale back only where capacity binds (never divides by a tiny load)
            scale = np.ones_like(load)
            np.divide(head, load, out=scale, where=over)
            alloc *= scale[:, None, :, :]
            load = alloc.sum(axis=1)
        flows[..., cols] += alloc
        if cap_left is not None:
            left = np.maximum(cap_left[..., cols] - alloc, 0.0)
            # only a finite cap is used up (an uncapped pair keeps taking spilled demand)
            left[(left <= SETTLED * np.maximum(cap[..., cols], 0.0)) & np.isfinite(cap[..., cols])] = 0.0
            cap_left[..., cols] = left
        rem = np.maximum(rem - alloc.sum(axis=2), 0.0)
        # settle residues exactly, element by element: later rounds then add exact zeros,
        # so each draw's bits do not depend on the other draws in the batch
        rem[rem <= SETTLED * dem] = 0.0
        remaining[..., cols] = rem
        head = np.maximum(head - load, 0.0)
        head[head <= SETTLED * headroom0[..., cols]] = 0.0
        headroom[..., cols] = head
    return flows, remaining, headroom


def allocate_with_local_content(demand, headroom, preference, local_share, local_members, cap=None):
    """:func:`allocate` with a local-content reservation.

    ``local_share`` (M, S) of each market's demand is first offered to local suppliers
    (``local_members`` (M, E)); what they cannot serve joins the open part. ``cap``
    bounds bilateral flows over both parts.
    """
    if (k := backend.kernels()) is not None:  # the compiled twin (engine/compiled.py)
        return k.allocate_with_local_content(demand, headroom, preference, local_share, local_members, cap)
    if not local_share.any():
        return allocate(demand, headroom, preference, cap=cap)
    reserved = demand * local_share[None]
    local_pref = preference * local_members[None, :, :, None]
    f_local, left, headroom = allocate(reserved, headroom, local_pref, cap=cap)
    cap_open = None if cap is None else np.maximum(cap - f_local, 0.0)
    f_open, unmet, headroom = allocate(demand - reserved + left, headroom, preference, cap=cap_open)
    return f_local + f_open, unmet, headroom


def split_to_sites(q_group, avail_pair, cost_pair, theta_pair, lam_within, ix, rounds: int = 3):
    """Split each economy's output (N, E, S) over its sites (pairs) by a logit on unit cost.

    Returns (N, P) production, never above ``avail_pair``.
    """
    if (k := backend.kernels()) is not None:  # the compiled twin (engine/compiled.py)
        return k.split_to_sites(q_group, avail_pair, cost_pair, theta_pair, lam_within, ix, rounds)
    E, S = len(ix.economies), len(ix.stages)
    starts, pg = ix.group_start, ix.pair_group
    mean_cost = to_pairs(safe_divide(group_sum(avail_pair * cost_pair, starts, E, S), group_sum(avail_pair, starts, E, S), 1.0), pg)
    pref = theta_pair * np.exp(-lam_within * safe_divide(cost_pair, mean_cost, 1.0))
    q = np.zeros_like(avail_pair)
    remaining = q_group
    head = avail_pair.copy()
    for _ in range(rounds):
        w = pref * head
        share = safe_divide(w, to_pairs(group_sum(w, starts, E, S), pg))
        alloc = np.minimum(to_pairs(remaining, pg) * share, head)
        q += alloc
        head -= alloc
        remaining = np.maximum(remaining - group_sum(alloc, starts, E, S), 0.0)
        remaining[remaining <= SETTLED * q_group] = 0.0
        if not remaining.any():
            break
    # rounding residue (capacity binds exactly): give it where headroom remains, pro rata
    share = safe_divide(head, to_pairs(group_sum(head, starts, E, S), pg))
    q += np.minimum(to_pairs(remaining, pg) * share, head)
    return q
