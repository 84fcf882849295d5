"""The base-year fit of supplier preferences: production by economy and bilateral shares.

The trade logit gives each market's purchases of a stage to suppliers in proportion to
``preference * theta * bilateral``. Calibration looks for the multipliers under which the
first simulated year reproduces the record:

- ``theta`` (N, E, S), one per supplier and stage, so that each economy's production is
  its base-year production;
- ``bilateral`` (N, M, E, S), one per market, supplier and stage where the record gives
  the supplier's share of the market's purchases (home bias and non-tariff barriers),
  so that those shares are the observed ones.

Both are fitted by multiplicative fixed-point steps, as in iterative proportional
fitting (Deming and Stephan 1940; Bishop, Fienberg and Holland 1975, ch. 3). Two things
make the joint fit fast where a plain alternation is slow:

1. **Pinned flows keep their level.** A supplier whose sales in some market are held by
   an observed share cannot reach its production target through that market: raising
   its theta there is undone by the bilateral step. The production step therefore
   scales only its unpinned ("free") sales, ``theta *= (q0 - pinned) / free``, and
   divides the pinned multipliers by the same factor. A producer that sells almost all
   its output under a pinned share (Korean solar cells in the US) converged at 1.5% a
   round before, and now converges like any other.
2. **Each column stops on its own.** A stage's allocation in one draw (a column: its
   markets and suppliers) depends on that column's multipliers only, so the fit
   decomposes into independent columns, and each (draw, stage) column stops when it has
   converged: the few slow stages no longer hold back the rest. Rounds run on the draws
   with a column still moving, and draws with identical inputs (an ensemble whose
   priors are off) are fitted once. Every column's arithmetic is the same as when its
   draw is fitted alone, so the bits do not depend on the batch it came in.

The compiled engine runs the same column fit as one loop nest per column
(:func:`buildrace.engine.compiled_fit.fit_columns`), held to this reference at 1e-9
relative by ``tests/unit/engine/test_compiled_agreement.py``.
"""

from __future__ import annotations

import numpy as np

from buildrace.engine import backend
from buildrace.engine.groups import safe_divide
from buildrace.engine.trade import allocate_with_local_content

FIT_TOLERANCE = 1e-10
"""Largest relative production error (and scaled share error) a converged draw keeps."""
TRADE_FIT_TOLERANCE = 2e-3
"""Bilateral shares are fitted to this absolute deviation (the record is far coarser)."""


def bilateral_step(flows, target):
    """One multiplicative step of the bilateral fit (iterative proportional fitting).

    ``flows`` (N, K, E) are the purchases of the K observed market-stages from each
    supplier, ``target`` (K, E) the observed shares (NaN where unobserved). Each observed
    share moves toward its target; the unobserved suppliers of the same market share what
    is left, in their current proportions. Returns the multipliers (N, K, E) and each
    market-stage's largest deviation from its targets (N, K), scaled so that
    ``TRADE_FIT_TOLERANCE`` reads as the fit tolerance. Suppliers that sell nothing there cannot be moved and are
    left out.
    """
    served = flows.sum(axis=2, keepdims=True)
    share = safe_divide(flows, served)
    has = np.isfinite(target)[None] & (share > 0)
    tgt = np.where(has, np.nan_to_num(target)[None], 0.0)
    adj = np.where(has, safe_divide(tgt, share, 1.0), 1.0)
    rest_target = 1.0 - tgt.sum(axis=2, keepdims=True)
    rest_now = np.where(has, 0.0, share).sum(axis=2, keepdims=True)
    fill = np.where(rest_now > 0, safe_divide(np.maximum(rest_target, 0.0), rest_now, 1.0), 1.0)
    market_has = has.any(axis=2, keepdims=True)
    adj = np.where(has, adj, np.where(market_has, fill, 1.0))
    dev = np.where(has, np.abs(share - tgt), 0.0).max(axis=2, initial=0.0)
    return np.sqrt(np.clip(adj, 1e-3, 1e3)), dev * (FIT_TOLERANCE / TRADE_FIT_TOLERANCE)


def distinct_draws(*arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draws whose rows are identical, bit for bit, in every array (float arrays, draw axis first).

    Returns ``first`` (the index of one representative per distinct draw, ascending)
    and ``inverse`` (N,), so that ``x[first][inverse]`` rebuilds any per-draw array. Each
    draw's row is compared as one opaque byte string (``np.unique`` over a void view).
    """
    n = arrays[0].shape[0]
    rows = np.concatenate([np.ascontiguousarray(a, dtype=float).reshape(n, -1) for a in arrays], axis=1)
    keys = np.ascontiguousarray(rows).view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))[:, 0]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)  # groups numbered by their first draw
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order].astype(np.intp), rank[inverse.ravel()].astype(np.intp)


def fit_preferences(demand, avail, preference, q0, target, local_share, local_members, rounds: int,
                    theta0=None, bilateral0=None):
    """Fit ``theta`` (and ``bilateral`` where ``target`` is given) to base-year production.

    Parameters
    ----------
    demand : (N, M, S) purchases to allocate
    avail : (N, E, S) capacity available to produce
    preference : (N, M, E, S) trade-logit weights before the fitted multipliers
    q0 : (N, E, S) base-year production to reproduce
    target : (M, E, S) observed shares of supplier e in market m's purchases (NaN where
        unobserved), or None to fit production only
    local_share, local_members : the base year's local-content rule
    rounds : most rounds a draw may take
    theta0, bilateral0 : starting multipliers (a warm start from an earlier fit); ones
        by default

    Returns
    -------
    theta (N, E, S), bilateral (N, M, E, S), and the largest deviation left in any draw.
    """
    N, E, S = q0.shape
    theta = np.ones((N, E, S)) if theta0 is None else np.array(theta0, dtype=float)
    bilateral = np.ones((N, demand.shape[1], E, S)) if bilateral0 is None else np.array(bilateral0, dtype=float)
    first, inverse = distinct_draws(demand, avail, preference, q0, theta, bilateral)
    if len(first) < N:
        theta, bilateral, err = fit_preferences(
            demand[first], avail[first], preference[first], q0[first], target, local_share, local_members,
            rounds, theta[first], bilateral[first])
        return theta[inverse], bilateral[inverse], err
    if backend.kernels() is not None:  # the compiled column fit (engine/compiled_fit.py)
        from buildrace.engine.compiled_fit import fit_columns

        err_col = fit_columns(demand, avail, preference, q0, target, local_share, local_members, rounds, theta, bilateral,
                              FIT_TOLERANCE, TRADE_FIT_TOLERANCE)
        return theta, bilateral, float(err_col.max()) if err_col.size else 0.0
    if target is not None:
        # the bilateral fit touches only the market-stages the record observes (a few
        # dozen of M x S): suppliers last, so that (N, K, E) slices are contiguous
        mk, sk = np.nonzero(np.isfinite(target).any(axis=1))
        observed_k = target[mk, :, sk]  # (K, E)
        pinned_k = np.isfinite(observed_k)[None]
        to_stage = np.zeros((len(mk), S))
        to_stage[np.arange(len(mk)), sk] = 1.0
        by_stage = bilateral.transpose(0, 1, 3, 2)  # (N, M, S, E), a view
    err = np.zeros((N, S))  # each column's deviation in the last round it ran
    active = np.ones((N, S), dtype=bool)  # columns (draw, stage) still fitting
    moving = np.arange(N)  # draws with a column still fitting
    for _ in range(rounds):
        act = active[moving]  # (n, S)
        w = preference[moving] * theta[moving][:, None] * bilateral[moving]
        flows, _, _ = allocate_with_local_content(demand[moving], avail[moving], w, local_share, local_members)
        q, q_target = flows.sum(axis=1), q0[moving]
        adj = np.where((q > 0) & (q_target > 0), safe_divide(q_target, q, 1.0), 1.0)
        dev = np.abs(adj - 1.0).max(axis=1)  # (n, S)
        if target is not None:
            flows_k = flows.transpose(0, 1, 3, 2)[:, mk, sk]  # (n, K, E)
            b_adj, b_dev = bilateral_step(flows_k, observed_k)
            act_k = act[:, sk]  # (n, K): the market-stage's column is fitting
            np.maximum.at(dev.T, sk, b_dev.T)  # a market-stage's share deviation counts for its stage's column
            cells = (moving[:, None], mk[None], sk[None])
            by_stage[cells] *= np.where(act_k[:, :, None], b_adj, 1.0)
            pinned_flow = pinned_k & (flows_k > 0)
            pinned = np.einsum("nke,ks->nes", np.where(pinned_flow, flows_k, 0.0), to_stage)
            free = q - pinned
            # the production step scales the unpinned sales only (module docstring, 1.)
            adj = np.where((free > 0) & (q_target > pinned), safe_divide(q_target - pinned, free, 1.0), adj)
        err[moving] = np.where(act, dev, err[moving])
        still = act & (dev >= FIT_TOLERANCE)
        active[moving] = still
        going = still.any(axis=1)
        if not going.any():
            break
        moving, adj, still = moving[going], adj[going], still[going]
        theta[moving] *= np.where(still[:, None, :], adj, 1.0)
        if target is not None:
            adj_k = adj[:, :, sk].transpose(0, 2, 1)  # (n, K, E)
            undo = pinned_flow[going] & still[:, sk][:, :, None]
            by_stage[(moving[:, None], mk[None], sk[None])] *= np.where(undo, 1.0 / adj_k, 1.0)
    return theta, bilateral, float(err.max()) if err.size else 0.0
