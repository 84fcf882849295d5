"""Compiled base-year preference fit (numba): one loop nest per (draw, stage) column.

The twin of the reference loop in :func:`buildrace.engine.preference_fit.fit_preferences`
(same steps, same stopping rule, same round budget): each column (one stage in one
draw: its markets and suppliers) runs its own rounds of the spill allocation
(:func:`buildrace.engine.compiled._column`), the production step on ``theta``, and the
bilateral step on the column's observed market shares, until its deviation is below
:data:`~buildrace.engine.preference_fit.FIT_TOLERANCE`. Columns are independent (a
stage's allocation reads only that stage's multipliers), so each is fitted in
registers and L1 with no per-round array traffic, and a draw's bits do not depend on
the batch it is in.

Import this module only through :mod:`buildrace.engine.backend` (numba is imported
lazily). ``tests/unit/engine/test_compiled_agreement.py`` holds it to the reference at
1e-9 relative.

References: Deming and Stephan (1940), "On a least squares adjustment of a sampled
frequency table when the expected marginal totals are known", *Ann. Math. Stat.* 11;
Bishop, Fienberg and Holland (1975), *Discrete Multivariate Analysis*, ch. 3.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from buildrace.engine.compiled import _as, _column, _over_draws
from buildrace.engine.contract import SPILL_ROUNDS


@njit(cache=True, nogil=True)
def _fit_draws(n0, n1, demand, avail, preference, q0, theta, bilateral, local_share, members, local,
               k_start, k_market, observed, rounds, tol, trade_scale, err):  # pragma: no cover - compiled
    N, M, E, S = preference.shape
    K = k_market.shape[0]
    w, f = np.empty((M, E)), np.empty((M, E))
    rem, head = np.empty(M), np.empty(E)
    ws, ws_e, ws_m = np.empty((6, M, E)), np.empty((2, E)), np.empty((3, M))
    d, h0, sh = np.empty(M), np.empty(E), np.empty(M)
    no_cap = np.zeros((M, E))
    q, adj, pinned = np.empty(E), np.empty(E), np.empty(E)
    share, tgt, b_adj = np.empty(E), np.empty(E), np.empty(E)
    has = np.empty(E, dtype=np.bool_)
    pinned_flow = np.zeros((max(K, 1), E), dtype=np.bool_)
    for n in range(n0, n1):
        for s in range(S):
            for m in range(M):
                d[m] = demand[n, m, s]
                sh[m] = local_share[m, s]
            for e in range(E):
                h0[e] = avail[n, e, s]
            ka, kb = k_start[s], k_start[s + 1]
            for _r in range(rounds):
                for m in range(M):
                    for e in range(E):
                        w[m, e] = (preference[n, m, e, s] * theta[n, e, s]) * bilateral[n, m, e, s]
                _column(d, h0, w, sh, members, local, SPILL_ROUNDS, False, no_cap, f, rem, head, ws, ws_e, ws_m)
                dev = 0.0
                for e in range(E):
                    tot = 0.0
                    for m in range(M):
                        tot += f[m, e]
                    q[e] = tot
                    a = q0[n, e, s] / tot if (tot > 0.0 and q0[n, e, s] > 0.0) else 1.0
                    adj[e] = a
                    dev = max(dev, abs(a - 1.0))
                    pinned[e] = 0.0
                # the bilateral step on this column's observed market shares
                for k in range(ka, kb):
                    m = k_market[k]
                    served = 0.0
                    for e in range(E):
                        served += f[m, e]
                    rest_target, rest_now, market_has = 1.0, 0.0, False
                    for e in range(E):
                        sh_e = f[m, e] / served if served > 0.0 else 0.0
                        share[e] = sh_e
                        h = np.isfinite(observed[k, e]) and sh_e > 0.0
                        has[e] = h
                        tgt[e] = observed[k, e] if h else 0.0
                        b_adj[e] = (tgt[e] / sh_e if sh_e > 0.0 else 1.0) if h else 1.0
                        rest_target -= tgt[e]
                        if not h:
                            rest_now += sh_e
                        market_has = market_has or h
                    fill = 1.0
                    if rest_now > 0.0:
                        fill = max(rest_target, 0.0) / rest_now
                    b_dev = 0.0
                    for e in range(E):
                        if has[e]:
                            b_dev = max(b_dev, abs(share[e] - tgt[e]))
                        else:
                            b_adj[e] = fill if market_has else 1.0
                        bilateral[n, m, e, s] *= np.sqrt(min(max(b_adj[e], 1e-3), 1e3))
                        pf = np.isfinite(observed[k, e]) and f[m, e] > 0.0
                        pinned_flow[k - ka, e] = pf
                        if pf:
                            pinned[e] += f[m, e]
                    dev = max(dev, b_dev * trade_scale)
                if K > 0:
                    # the production step scales the unpinned sales only
                    for e in range(E):
                        free = q[e] - pinned[e]
                        if free > 0.0 and q0[n, e, s] > pinned[e]:
                            adj[e] = (q0[n, e, s] - pinned[e]) / free
                err[n, s] = dev
                if dev < tol:
                    break
                for e in range(E):
                    theta[n, e, s] *= adj[e]
                for k in range(ka, kb):
                    m = k_market[k]
                    for e in range(E):
                        if pinned_flow[k - ka, e]:
                            bilateral[n, m, e, s] *= 1.0 / adj[e]


def fit_columns(demand, avail, preference, q0, target, local_share, local_members, rounds: int,
                theta: np.ndarray, bilateral: np.ndarray, tolerance: float, trade_tolerance: float) -> np.ndarray:
    """Fit ``theta`` (N, E, S) and ``bilateral`` (N, M, E, S) in place, column by column.

    Arguments as :func:`buildrace.engine.preference_fit.fit_preferences`; ``theta`` and
    ``bilateral`` are the starting multipliers (C-contiguous float64, overwritten);
    ``tolerance`` and ``trade_tolerance`` are the fit's (production and share) tolerances.
    Returns each column's deviation in its last round (N, S).
    """
    pref = _as(preference, np.shape(preference))
    N, M, E, S = pref.shape
    if target is None:
        k_market = np.zeros(0, dtype=np.int64)
        k_start = np.zeros(S + 1, dtype=np.int64)
        observed = np.zeros((0, E))
    else:
        # the observed market-stages, grouped by stage (CSR), each with its suppliers' shares
        sk, mk = np.nonzero(np.isfinite(target).any(axis=1).T)
        k_market = mk.astype(np.int64)
        k_start = np.searchsorted(sk, np.arange(S + 1)).astype(np.int64)
        observed = np.ascontiguousarray(target[mk, :, sk], dtype=float)  # (K, E)
    share = _as(local_share, (M, S))
    err = np.zeros((N, S))
    _over_draws(
        _fit_draws, N, _as(demand, (N, M, S)), _as(avail, (N, E, S)), pref, _as(q0, (N, E, S)), theta, bilateral,
        share, _as(local_members, (M, E)), bool(share.any()), k_start, k_market, observed, int(rounds),
        float(tolerance), float(tolerance) / float(trade_tolerance), err,
    )
    return err
