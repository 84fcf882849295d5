"""Compiled engine kernels (numba): the same functions as the NumPy reference, fused loops.

Every public function here has the signature and the semantics of its NumPy twin
(:func:`buildrace.engine.trade.allocate`, :func:`~buildrace.engine.trade.allocate_with_local_content`,
:func:`~buildrace.engine.trade.split_to_sites`, :func:`buildrace.engine.pipeline.schedule`,
:func:`~buildrace.engine.pipeline.advance`, :func:`buildrace.engine.market.clear_markets`);
``tests/unit/engine/test_compiled_agreement.py`` holds them to the reference at 1e-9
relative. Why compiled: one year of the reference path is a few thousand NumPy calls on
arrays of a few hundred elements, so its run time is call overhead, not arithmetic
(README, "Speed"). Here the spill allocation runs as one loop nest per (draw, stage)
column with its (markets x suppliers) scratch in registers and L1.

Every loop nest is independent across draws and computes each draw with the same
operations in the same order whatever the batch holds, so a draw's bits do not depend
on the other draws (serial or chunked ensembles agree exactly).

Import this module only through :mod:`buildrace.engine.backend`, which imports numba
lazily and falls back to the NumPy path when numba is absent. Kernels are compiled on
first use and cached on disk (``@njit(cache=True)``).

References: Lam, Pitrou & Seibert (2015), "Numba: a LLVM-based Python JIT compiler",
*LLVM-HPC*; the kernels' equations are those of MODEL.md steps 2 and 5 (see the
reference modules' docstrings).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from buildrace.engine.contract import SETTLED, SPILL_ROUNDS, Clearing

PARALLEL_MIN_DRAWS = 64
"""Draws from which the draw loops run on threads: below it a thread hand-off costs more
than it saves (one run has a single draw)."""
THREADS_ENV = "BUILDRACE_THREADS"
"""Environment variable capping the threads a kernel's draw loop uses (default: the
CPUs this process may run on); set 1 when several worker processes share the cores."""

_pool: ThreadPoolExecutor | None = None


def _threads() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    value = os.environ.get(THREADS_ENV, "").strip()
    return max(1, min(int(value), cpus) if value.isdigit() else cpus)


def _over_draws(kernel, N: int, *args) -> None:
    """Run ``kernel(n0, n1, *args)`` over draws ``0 .. N - 1``, in slices on threads.

    The kernels release the GIL (``nogil``) and write disjoint draws, and each draw is
    computed by the same code whatever its slice, so results have the same bits on any
    number of threads. Threads rather than numba's ``parallel=True``: the serial kernel
    is the only one compiled (a parallel twin would double the first-run compile time).
    """
    global _pool
    threads = _threads() if N >= PARALLEL_MIN_DRAWS else 1
    if threads == 1:
        kernel(0, N, *args)
        return
    if _pool is None or _pool._max_workers < threads:
        _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="buildrace-kernel")
    edges = np.linspace(0, N, threads + 1).astype(np.int64)
    futures = [_pool.submit(kernel, int(a), int(b), *args) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    for f in futures:
        f.result()

_F8 = np.float64
_F8_DTYPE = np.dtype(np.float64)  # the native float64 dtype, shared by the arrays NumPy makes


def _f(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=_F8)


def _as(a, shape) -> np.ndarray:
    """``a`` as a C-contiguous float64 array of ``shape`` (no copy when it already is one).

    Asked a few thousand times a run: the dtype is checked by identity before equality
    (arrays unpickled from another process carry a float64 dtype that is another object)."""
    if type(a) is np.ndarray and (a.dtype is _F8_DTYPE or a.dtype == _F8) and a.shape == shape and a.flags.c_contiguous:
        return a
    return np.ascontiguousarray(np.broadcast_to(a, shape), dtype=_F8)


# --------------------------------------------------------------------------- trade


@njit(cache=True, nogil=True, inline="always")  # inlined into _column (see there)
def _spill(dem, head0, w0, rounds, has_cap, cap, flows, rem, head, cl, w, alloc, load):  # pragma: no cover - compiled
    """One (draw, stage) column of the spill allocation (see ``trade.allocate``).

    ``dem`` (M,), ``head0`` (E,), ``w0`` (M, E) = preference x headroom, ``cap`` (M, E)
    when ``has_cap``. Writes ``flows`` (M, E), ``rem`` (M,), ``head`` (E,); ``cl``, ``w``,
    ``alloc``, ``load`` are scratch. Same operations, in the same order, as the
    reference, so rounds that the reference runs on settled columns (exact zeros) can
    be skipped here without changing a bit.
    """
    M, E = w0.shape
    for m in range(M):
        rem[m] = dem[m]
        for e in range(E):
            flows[m, e] = 0.0
            if has_cap:
                cl[m, e] = cap[m, e]
    for e in range(E):
        head[e] = head0[e]
    for r in range(rounds):
        if r == 0:
            for m in range(M):
                for e in range(E):
                    w[m, e] = w0[m, e]
        else:
            any_rem = False
            for m in range(M):
                if rem[m] > 0.0:
                    any_rem = True
            if not any_rem:
                break
            live = False
            for m in range(M):
                tot = 0.0
                for e in range(E):
                    v = w0[m, e] * (1.0 if head[e] > 0.0 else 0.0)
                    if has_cap:
                        v = v * (1.0 if cl[m, e] > 0.0 else 0.0)
                    w[m, e] = v
                    tot += v
                if rem[m] > 0.0 and tot > 0.0:
                    live = True
            if not live:
                break
        for m in range(M):
            total = 0.0
            for e in range(E):
                total += w[m, e]
            div = total if total > 0.0 else 1.0
            for e in range(E):
                a = rem[m] * (w[m, e] / div)
                if has_cap and cl[m, e] < a:
                    a = cl[m, e]
                alloc[m, e] = a
        for e in range(E):
            s = 0.0
            for m in range(M):
                s += alloc[m, e]
            if s > head[e]:  # scale back only where capacity binds
                scale = head[e] / s
                s = 0.0
                for m in range(M):
                    alloc[m, e] *= scale
                    s += alloc[m, e]
            load[e] = s
        for m in range(M):
            served = 0.0
            for e in range(E):
                a = alloc[m, e]
                flows[m, e] += a
                served += a
                if has_cap:
                    left = cl[m, e] - a
                    if left < 0.0:
                        left = 0.0
                    c0 = cap[m, e] if cap[m, e] > 0.0 else 0.0
                    if left <= SETTLED * c0 and np.isfinite(c0):
                        left = 0.0
                    cl[m, e] = left
            v = rem[m] - served
            if v < 0.0:
                v = 0.0
            if v <= SETTLED * dem[m]:
                v = 0.0
            rem[m] = v
        for e in range(E):
            v = head[e] - load[e]
            if v < 0.0:
                v = 0.0
            if v <= SETTLED * head0[e]:
                v = 0.0
            head[e] = v


# inlined into its callers (numba's IR, not LLVM's choice), and _spill into it: a call
# into another cached library is not optimised across the call when loaded from the
# cache (the clearing ran 18% slower from the cache than freshly compiled)
@njit(cache=True, nogil=True, inline="always")
def _column(dem, head0, pref, share, members, local, rounds, has_cap, cap, flows, rem, head, ws, ws_e, ws_m):  # pragma: no cover - compiled
    """One column of ``allocate_with_local_content`` (``local``: the reservation applies).

    ``pref`` (M, E); ``share`` (M,) local-content share; ``members`` (M, E); ``ws``,
    ``ws_e``, ``ws_m``: scratch ((6, M, E), (2, E), (3, M)), allocated once by the caller.
    """
    M, E = pref.shape
    cl, w, alloc, w0, f_local, cap_open = ws[0], ws[1], ws[2], ws[3], ws[4], ws[5]
    load, head1 = ws_e[0], ws_e[1]
    reserved, left, open_d = ws_m[0], ws_m[1], ws_m[2]
    # the spill runs once, or twice under a reservation (the reserved share among its
    # members, then the rest in the open market), from one call site: inlined once
    for phase in range(2 if local else 1):
        if not local:
            for m in range(M):
                for e in range(E):
                    w0[m, e] = pref[m, e] * head0[e]
            d_in, h_in, c_in, f_out, r_out, h_out = dem, head0, cap, flows, rem, head
        elif phase == 0:
            for m in range(M):
                reserved[m] = dem[m] * share[m]
                for e in range(E):
                    w0[m, e] = (pref[m, e] * members[m, e]) * head0[e]
            d_in, h_in, c_in, f_out, r_out, h_out = reserved, head0, cap, f_local, left, head1
        else:
            if has_cap:
                for m in range(M):
                    for e in range(E):
                        v = cap[m, e] - f_local[m, e]
                        cap_open[m, e] = v if v > 0.0 else 0.0
            for m in range(M):
                open_d[m] = (dem[m] - reserved[m]) + left[m]
                for e in range(E):
                    w0[m, e] = pref[m, e] * head1[e]
            d_in, h_in, c_in, f_out, r_out, h_out = open_d, head1, cap_open, flows, rem, head
        _spill(d_in, h_in, w0, rounds, has_cap, c_in, f_out, r_out, h_out, cl, w, alloc, load)
    if local:
        for m in range(M):
            for e in range(E):
                flows[m, e] = f_local[m, e] + flows[m, e]


@njit(cache=True, nogil=True)
def _allocate(demand, headroom, preference, share, members, local, rounds, has_cap, cap):  # pragma: no cover - compiled
    N, M, E, S = preference.shape
    flows = np.zeros((N, M, E, S))
    remaining = np.empty((N, M, S))
    left = np.empty((N, E, S))
    pref = np.empty((M, E))
    cap_ns = np.zeros((M, E))
    f = np.empty((M, E))
    rem = np.empty(M)
    head = np.empty(E)
    ws, ws_e, ws_m = np.empty((6, M, E)), np.empty((2, E)), np.empty((3, M))
    d, h0, sh = np.empty(M), np.empty(E), np.empty(M)
    for n in range(N):
        for s in range(S):
            for m in range(M):
                d[m] = demand[n, m, s]
                sh[m] = share[m, s]
                for e in range(E):
                    pref[m, e] = preference[n, m, e, s]
                    if has_cap:
                        cap_ns[m, e] = cap[n, m, e, s]
            for e in range(E):
                h0[e] = headroom[n, e, s]
            # contiguous scratch in, so the column kernel compiles for one signature
            _column(d, h0, pref, sh, members, local, rounds, has_cap, cap_ns, f, rem, head, ws, ws_e, ws_m)
            for m in range(M):
                remaining[n, m, s] = rem[m]
                for e in range(E):
                    flows[n, m, e, s] = f[m, e]
            for e in range(E):
                left[n, e, s] = head[e]
    return flows, remaining, left


def _cap_arg(cap, shape):
    if cap is None:
        return False, np.zeros((1, 1, 1, 1))
    return True, _as(cap, shape)


def allocate(demand, headroom, preference, rounds: int = SPILL_ROUNDS, cap=None):
    """Compiled :func:`buildrace.engine.trade.allocate` (same arguments and results)."""
    pref = _f(preference)
    N, M, E, S = pref.shape
    has_cap, cap_a = _cap_arg(cap, pref.shape)
    return _allocate(
        _as(demand, (N, M, S)), _as(headroom, (N, E, S)), pref,
        np.zeros((M, S)), np.zeros((M, E)), False, int(rounds), has_cap, cap_a,
    )


def allocate_with_local_content(demand, headroom, preference, local_share, local_members, cap=None):
    """Compiled :func:`buildrace.engine.trade.allocate_with_local_content`."""
    pref = _f(preference)
    N, M, E, S = pref.shape
    has_cap, cap_a = _cap_arg(cap, pref.shape)
    share = _as(local_share, (M, S))
    return _allocate(
        _as(demand, (N, M, S)), _as(headroom, (N, E, S)), pref,
        share, _as(local_members, (M, E)), bool(share.any()), SPILL_ROUNDS, has_cap, cap_a,
    )


def _as2(a, N: int, P: int) -> np.ndarray:
    """``a`` as a float64 (N or 1, P or 1) array: kernels broadcast a length-1 axis by
    indexing it at 0, so per-pair constants are not copied out to (N, P) every year."""
    a = np.asarray(a, dtype=_F8)
    a = a.reshape(1, -1) if a.ndim < 2 else a
    if a.ndim != 2 or a.shape[0] not in (1, N) or a.shape[1] not in (1, P):
        return _as(a, (N, P))
    return a  # strided views (a year's column of the pipeline buffer) are read in place


@njit(cache=True, nogil=True, inline="always")
def _at(a, n, p):  # pragma: no cover - compiled
    """``a[n, p]`` with numpy broadcasting of length-1 axes."""
    return a[n if a.shape[0] > 1 else 0, p if a.shape[1] > 1 else 0]


@njit(cache=True, nogil=True)
def _split_draw(n, q_group, avail, cost, theta, lam, starts, rounds, q):  # pragma: no cover - compiled
    """One draw of the site split (see ``trade.split_to_sites``); writes ``q[n]``."""
    P = avail.shape[1]
    G = starts.shape[0]
    # scratch for one group's sites, allocated once a draw rather than once a group
    # (a few hundred groups a draw, each allocation costing more than its group's arithmetic)
    pref = np.empty(P)
    head = np.empty(P)
    for g in range(G):
        a0 = starts[g]
        a1 = starts[g + 1] if g + 1 < G else P
        num = 0.0
        den = 0.0
        for p in range(a0, a1):
            num += avail[n, p] * _at(cost, n, p)
            den += avail[n, p]
        mean = num / den if den > 0.0 else 1.0
        k = a1 - a0
        for i in range(k):
            p = a0 + i
            rel = _at(cost, n, p) / mean if mean > 0.0 else 1.0
            pref[i] = _at(theta, n, p) * np.exp(-_at(lam, n, p) * rel)
            head[i] = avail[n, p]
        q0 = q_group[n, g]
        remaining = q0
        for _ in range(rounds):
            wsum = 0.0
            for i in range(k):
                wsum += pref[i] * head[i]
            taken = 0.0
            for i in range(k):
                w = pref[i] * head[i]
                share = w / wsum if wsum > 0.0 else 0.0
                a = remaining * share
                if head[i] < a:
                    a = head[i]
                q[n, a0 + i] += a
                head[i] -= a
                taken += a
            remaining = remaining - taken
            if remaining < 0.0:
                remaining = 0.0
            if remaining <= SETTLED * q0:
                remaining = 0.0
            if remaining == 0.0:
                break  # later rounds add exact zeros
        # rounding residue (capacity binds exactly): where headroom remains, pro rata
        hsum = 0.0
        for i in range(k):
            hsum += head[i]
        for i in range(k):
            share = head[i] / hsum if hsum > 0.0 else 0.0
            a = remaining * share
            if head[i] < a:
                a = head[i]
            q[n, a0 + i] += a


@njit(cache=True, nogil=True)
def _split_draws(n0, n1, q_group, avail, cost, theta, lam, starts, rounds, q):  # pragma: no cover - compiled
    for n in range(n0, n1):
        _split_draw(n, q_group, avail, cost, theta, lam, starts, rounds, q)


def split_to_sites(q_group, avail_pair, cost_pair, theta_pair, lam_within, ix, rounds: int = 3):
    """Compiled :func:`buildrace.engine.trade.split_to_sites`."""
    avail = _f(avail_pair)
    N, P = avail.shape
    E, S = len(ix.economies), len(ix.stages)
    q = np.zeros((N, P))
    _over_draws(
        _split_draws, N, _f(np.asarray(q_group).reshape(N, E * S)), avail, _as2(cost_pair, N, P), _as2(theta_pair, N, P),
        _as2(lam_within, N, P), np.ascontiguousarray(ix.group_start, dtype=np.int64), int(rounds), q,
    )
    return q


# ------------------------------------------------------------------------ pipeline


@njit(cache=True, nogil=True, inline="always")
def _schedule_pair(flat, cell, block, t, h, a, lead):  # pragma: no cover - compiled
    """Add ``a`` to one pair's arrivals ``flat[cell + i * block]`` (year i of h) at t + lead
    (fractional split, lead floored at 1): the buffer is (years, draws, pairs)."""
    ld = lead if lead > 1.0 else 1.0
    lo = np.floor(ld)
    f = ld - lo
    i_lo = min(t + np.int64(lo), h - 1)
    i_hi = min(i_lo + 1, h - 1)
    flat[i_lo * block + cell] += a * (1.0 - f)
    flat[i_hi * block + cell] += a * f


@njit(cache=True, nogil=True)
def _schedule_idx(flat, t, lead, amount, n_idx, p_idx, P, block, h):  # pragma: no cover - compiled
    N, Q = amount.shape
    for n in range(N):
        for q in range(Q):
            a = amount[n, q]
            if a != 0.0:
                _schedule_pair(flat, n_idx[n, q] * P + p_idx[n, q], block, t, h, a, lead[n, q])


def schedule(buffer, t, lead, amount, n_idx, p_idx):
    """Compiled :func:`buildrace.engine.pipeline.schedule` (updates ``buffer`` (T+H, N, P) in place)."""
    if not buffer.flags.c_contiguous:
        raise ValueError("the pipeline buffer must be C-contiguous (it is updated in place)")
    amount = _f(amount)
    shape = amount.shape
    if buffer.ndim != 3 or buffer.shape[1:] != shape:
        # the kernel writes by flat index: a buffer of another layout would be written out of bounds
        raise ValueError(f"the pipeline buffer must be (T + H, N, P) = (years, {shape[0]}, {shape[1]}), not {buffer.shape}")
    _schedule_idx(
        buffer.reshape(-1), int(t), _as(lead, shape), amount,
        np.ascontiguousarray(np.broadcast_to(n_idx, shape), dtype=np.int64),
        np.ascontiguousarray(np.broadcast_to(p_idx, shape), dtype=np.int64), buffer.shape[2],
        buffer.shape[1] * buffer.shape[2], buffer.shape[0],
    )


@njit(cache=True, nogil=True, inline="always")
def _advance_pair(k, r, arr, lt, rt):  # pragma: no cover - compiled
    """One pair's (capacity, ramping) after retirement, maturing and arrivals (see ``pipeline.advance``)."""
    retire = k / (lt if lt > 1.0 else 1.0)
    matured = r / (rt if rt > 1.0 else 1.0)
    r_new = r - matured - (retire if retire < r else r)
    r_new = (r_new if r_new > 0.0 else 0.0) + arr
    k_new = k - retire
    k_new = (k_new if k_new > 0.0 else 0.0) + arr
    return k_new, (r_new if r_new < k_new else k_new)


@njit(cache=True, nogil=True)
def _advance(capacity, ramping, arriving, lifetime, ramp_years):  # pragma: no cover - compiled
    N, P = capacity.shape
    cap_out = np.empty((N, P))
    ramp_out = np.empty((N, P))
    for n in range(N):
        for p in range(P):
            cap_out[n, p], ramp_out[n, p] = _advance_pair(
                capacity[n, p], ramping[n, p], _at(arriving, n, p), _at(lifetime, n, p), _at(ramp_years, n, p))
    return cap_out, ramp_out


def advance(capacity, ramping, arriving, lifetime, ramp_years):
    """Compiled :func:`buildrace.engine.pipeline.advance`."""
    shape = np.broadcast_shapes(np.shape(capacity), np.shape(ramping), np.shape(arriving),
                                np.shape(lifetime), np.shape(ramp_years))
    if len(shape) != 2:  # the engine's (N, P); any other shape runs flattened
        b = [_as(x, shape).reshape(1, -1) for x in (capacity, ramping, arriving, lifetime, ramp_years)]
        cap_out, ramp_out = _advance(*b)
        return cap_out.reshape(shape), ramp_out.reshape(shape)
    N, P = shape
    return _advance(_as(capacity, shape), _as(ramping, shape), _as2(arriving, N, P), _as2(lifetime, N, P),
                    _as2(ramp_years, N, P))


# -------------------------------------------------------------------------- market


def _input_lists(pattern, substitutes):
    """Complement and substitute input lists per consumer stage, padded with S.

    The same padding as the reference clearing, whose scarcest-input minimum includes a
    padded 1 when a stage has fewer complements than the widest stage.
    """
    S = pattern.shape[0]
    has = pattern > 0
    sub = substitutes & has if substitutes is not None else np.zeros_like(has)
    comp = has & ~sub
    k_comp = max(1, int(comp.sum(axis=1).max()))
    k_sub = max(1, int(sub.sum(axis=1).max()))
    comp_idx = np.full((S, k_comp), S, dtype=np.int64)
    sub_idx = np.full((S, k_sub), S, dtype=np.int64)
    sub_w = np.zeros((S, k_sub))
    for s in np.flatnonzero(has.any(axis=1)):  # static structure, S rows
        c = np.flatnonzero(comp[s])
        comp_idx[s, : len(c)] = c
        u = np.flatnonzero(sub[s])
        sub_idx[s, : len(u)] = u
        sub_w[s, : len(u)] = pattern[s, u]
    return comp_idx, sub_idx, sub_w


def _clear_draw_impl(
    n, final_demand, avail, preference, intensity, lv_stage, lv_start, share, members, lv_local,
    stock, comp_idx, sub_idx, lv_comp, lv_sub, has_lic, licence, lv_lic, base_share, has_cc, compliant,
    demand, derived, flows, stock_draw, planned, output, fill,
):  # pragma: no cover - compiled (the body of one draw, shared by the serial and threaded kernels)
    N, M, E, S = preference.shape
    L = lv_start.shape[0] - 1
    ni = n if intensity.shape[0] > 1 else 0
    pref = np.empty((M, E))
    cap = np.zeros((M, E))
    f = np.empty((M, E))
    rem = np.empty(M)
    head = np.empty(E)
    d = np.empty(M)
    h0, sh = np.empty(E), np.empty(M)
    ws, ws_e, ws_m = np.empty((6, M, E)), np.empty((2, E)), np.empty((3, M))
    for lv in range(L):
        i0, i1 = lv_start[lv], lv_start[lv + 1]
        # derived demand first for the whole level (the reference's matrix product)
        for i in range(i0, i1):
            s = lv_stage[i]
            for m in range(M):
                der = 0.0
                for k in range(S):
                    der += planned[n, m, k] * intensity[ni, k, s]
                derived[n, m, s] = der
                demand[n, m, s] = final_demand[n, m, s] + der
        has_cap = (has_lic and lv_lic[lv]) or has_cc
        for i in range(i0, i1):
            s = lv_stage[i]
            for m in range(M):
                d[m] = demand[n, m, s]
                for e in range(E):
                    pref[m, e] = preference[n, m, e, s]
                    if has_cap:
                        c = np.inf
                        if has_lic and lv_lic[lv]:
                            lic = licence[m, e, s]
                            if np.isfinite(lic):
                                c = (lic * base_share[n, m, e, s]) * d[m]
                        if has_cc:
                            cc = compliant[n, m, e, s]
                            if cc < c:
                                c = cc
                        cap[m, e] = c
            for e in range(E):
                h0[e] = avail[n, e, s]
            for m in range(M):
                sh[m] = share[m, s]
            _column(d, h0, pref, sh, members, lv_local[lv], SPILL_ROUNDS, has_cap, cap, f, rem, head, ws, ws_e, ws_m)
            for e in range(E):
                tot = 0.0
                for m in range(M):
                    flows[n, m, e, s] = f[m, e]
                    tot += f[m, e]
                planned[n, e, s] = tot
    # bottom-up: inputs that reach a producer cap its output (Leontief)
    fill_ext = np.ones((M, S + 1))
    for e in range(E):
        for s in range(S):
            output[n, e, s] = planned[n, e, s]
    g = np.empty((E, S))
    for lv in range(L - 1, -1, -1):
        i0, i1 = lv_start[lv], lv_start[lv + 1]
        if lv_comp[lv]:
            for i in range(i0, i1):
                s = lv_stage[i]
                for e in range(E):
                    gv = np.inf
                    for k in range(comp_idx.shape[1]):
                        v = fill_ext[e, comp_idx[s, k]]
                        if v < gv:
                            gv = v
                    if lv_sub[lv]:
                        total = 0.0
                        acc = 0.0
                        for k in range(sub_idx.shape[1]):
                            u = sub_idx[s, k]
                            w = intensity[ni, s, u] if u < S else 0.0
                            total += w
                            acc += fill_ext[e, u] * w
                        avg = acc / total if total > 0.0 else 1.0
                        if avg < gv:
                            gv = avg
                    g[e, s] = gv
            for i in range(i0, i1):
                s = lv_stage[i]
                for e in range(E):
                    output[n, e, s] *= g[e, s]
                    for m in range(M):
                        flows[n, m, e, s] *= g[e, s]
        for i in range(i0, i1):
            s = lv_stage[i]
            for m in range(M):
                served = 0.0
                for e in range(E):
                    served += flows[n, m, e, s]
                need = demand[n, m, s]
                gap = need - served
                if gap < 0.0:
                    gap = 0.0
                dr = stock[n, m, s] if stock[n, m, s] < gap else gap
                stock_draw[n, m, s] = dr
                fv = (served + dr) / need if need > 0.0 else 1.0
                fill[n, m, s] = fv
                fill_ext[m, s] = fv


_clear_draw = njit(cache=True, nogil=True, inline="always")(_clear_draw_impl)  # inlined: see _column


@njit(cache=True, nogil=True)
def _clear_draws(
    n0, n1, final_demand, avail, preference, intensity, lv_stage, lv_start, share, members, lv_local,
    stock, comp_idx, sub_idx, lv_comp, lv_sub, has_lic, licence, lv_lic, base_share, has_cc, compliant,
    demand, derived, flows, stock_draw, planned, output, fill, served, unmet,
):  # pragma: no cover - compiled
    M, E, S = flows.shape[1], flows.shape[2], flows.shape[3]
    for n in range(n0, n1):
        _clear_draw(
            n, final_demand, avail, preference, intensity, lv_stage, lv_start, share, members, lv_local,
            stock, comp_idx, sub_idx, lv_comp, lv_sub, has_lic, licence, lv_lic, base_share, has_cc,
            compliant, demand, derived, flows, stock_draw, planned, output, fill,
        )
        # served (sum over suppliers in their order, as NumPy reduces a middle axis) and
        # unmet demand, rounding dust cleared (as the reference)
        for m in range(M):
            for s in range(S):
                served[n, m, s] = flows[n, m, 0, s]
            for e in range(1, E):
                for s in range(S):
                    served[n, m, s] += flows[n, m, e, s]
            for s in range(S):
                d = demand[n, m, s]
                v = d - served[n, m, s] - stock_draw[n, m, s]
                if v < 0.0:  # np.maximum(v, 0): NaN and -0.0 pass through
                    v = 0.0
                if v <= SETTLED * d:
                    v = 0.0
                unmet[n, m, s] = v


_STRUCTURES: dict[bytes, tuple] = {}
"""Static chain structure per (intensity pattern, substitutes, levels): a scenario has one."""


_LAST_STRUCTURE: list = [None]
"""The last call's (levels, substitutes' bytes, used inputs' bytes, structure): a run asks
every year with the same level tables, and building the cache key costs more than the check."""


def _structure(pattern, substitutes, levels):
    """Input lists and level tables, computed once per chain structure (cached by content)."""
    subs = np.zeros(pattern.shape, np.bool_) if substitutes is None else np.asarray(substitutes, np.bool_)
    used, subs_bytes = (pattern > 0).tobytes(), subs.tobytes()
    last = _LAST_STRUCTURE[0]
    if last is not None and last[0] is levels and last[1] == subs_bytes and last[2] == used:
        return last[3]
    lv_stage = np.concatenate([np.asarray(lv, dtype=np.int64) for lv in levels]) if len(levels) else np.zeros(0, np.int64)
    lv_start = np.concatenate([[0], np.cumsum([len(lv) for lv in levels])]).astype(np.int64)
    # the lists depend on which inputs are used, not on how much of each: a chemistry mix
    # that moves every year keeps its structure (and its cache entry)
    key = used + subs_bytes + lv_stage.tobytes() + lv_start.tobytes()
    hit = _STRUCTURES.get(key)
    if hit is None:
        S = pattern.shape[0]
        comp_idx, sub_idx, sub_w = _input_lists(pattern, substitutes)
        lvs = [lv_stage[a:b] for a, b in zip(lv_start[:-1], lv_start[1:], strict=True)]
        lv_comp = np.array([bool((comp_idx[lv] < S).any() or (sub_w[lv] > 0).any()) for lv in lvs], dtype=np.bool_)
        lv_sub = np.array([bool((sub_w[lv] > 0).any()) for lv in lvs], dtype=np.bool_)
        if len(_STRUCTURES) > 64:  # a long session with many worlds: keep the cache small
            _STRUCTURES.clear()
        hit = _STRUCTURES[key] = (comp_idx, sub_idx, lv_stage, lv_start, lv_comp, lv_sub)
    _LAST_STRUCTURE[0] = (levels, subs_bytes, used, hit)
    return hit


@njit(cache=True, nogil=True)
def _level_any(table, lv_stage, lv_start, finite):  # pragma: no cover - compiled
    """Per level: any non-zero (``finite``: any finite) entry of ``table`` (R, S) in its stages."""
    L = lv_start.shape[0] - 1
    out = np.zeros(L, np.bool_)
    for lv in range(L):
        for i in range(lv_start[lv], lv_start[lv + 1]):
            s = lv_stage[i]
            for r in range(table.shape[0]):
                v = table[r, s]
                if (np.isfinite(v) if finite else v != 0.0):
                    out[lv] = True
    return out


def clear_markets(
    final_demand, avail, preference, intensity, levels, local_share, local_members, stock, substitutes=None,
    licence=None, base_share=None, compliant_cap=None,
):
    """Compiled :func:`buildrace.engine.market.clear_markets` (same arguments, a ``Clearing``)."""

    pref = _f(preference)
    N, M, E, S = pref.shape
    intensity = np.asarray(intensity, dtype=_F8)
    pattern = intensity if intensity.ndim == 2 else intensity[0]
    int3 = _f(intensity[None] if intensity.ndim == 2 else intensity)
    comp_idx, sub_idx, lv_stage, lv_start, lv_comp, lv_sub = _structure(pattern, substitutes, levels)
    share = _as(local_share, (M, S))
    lv_local = _level_any(share, lv_stage, lv_start, False)
    has_lic = licence is not None
    lic = _as(licence, (M, E, S)) if has_lic else np.zeros((1, 1, 1))
    lv_lic = _level_any(lic.reshape(M * E, S), lv_stage, lv_start, True) if has_lic else np.zeros(len(levels), np.bool_)
    has_lic = bool(lv_lic.any())
    bs = _as(base_share, pref.shape) if has_lic else np.zeros((1, 1, 1, 1))
    has_cc = compliant_cap is not None
    cc = _as(compliant_cap, pref.shape) if has_cc else np.zeros((1, 1, 1, 1))
    demand = np.zeros((N, M, S))
    derived = np.zeros((N, M, S))
    flows = np.zeros((N, M, E, S))
    stock_draw = np.zeros((N, M, S))
    planned = np.zeros((N, E, S))
    output = np.zeros((N, E, S))
    fill = np.ones((N, M, S))
    served, unmet = np.empty((N, M, S)), np.empty((N, M, S))  # written by the kernel after each draw's clearing
    _over_draws(
        _clear_draws, N, _as(final_demand, (N, M, S)), _as(avail, (N, E, S)), pref, int3,
        lv_stage, lv_start, share, _as(local_members, (M, E)), lv_local,
        _as(stock, (N, E, S)), comp_idx, sub_idx, lv_comp, lv_sub,
        has_lic, lic, lv_lic, bs, has_cc, cc,
        demand, derived, flows, stock_draw, planned, output, fill, served, unmet,
    )
    return Clearing(demand, derived, flows, served, stock_draw, unmet, planned, output, fill)


# -------------------------------------------------------------------------- origin


@njit(cache=True, nogil=True)
def _origin_draw(n, flows, served, price, unit_cost, intensity, lv_stage, lv_start, lv_in, lv_in_start, origin):  # pragma: no cover - compiled
    """One draw of ``origin.value_added_origin``; writes ``origin[n]`` (E, S, E).

    ``lv_in[lv_in_start[l]:lv_in_start[l + 1]]`` lists the inputs used by level l's
    stages: other inputs have zero value share, so skipping them adds exact zeros.
    """
    N, M, E, S = flows.shape
    ni = n if intensity.shape[0] > 1 else 0
    v = np.zeros((E, S, S))  # v[e, u, s]: value share of input u in a unit of s made in e
    own = np.empty((E, S))
    for e in range(E):
        for s in range(S):
            c = unit_cost[n, e, s]
            total = 0.0
            for u in range(S):
                x = (price[n, e, u] * intensity[ni, s, u]) / c if c > 0.0 else 0.0
                v[e, u, s] = x
                total += x
            if total > 1.0:  # inputs never exceed the unit value
                total2 = 0.0
                for u in range(S):
                    v[e, u, s] = v[e, u, s] / total
                    total2 += v[e, u, s]
                total = total2
            o = 1.0 - total
            own[e, s] = o if o > 0.0 else 0.0
    for e in range(E):
        for s in range(S):
            for o in range(E):
                origin[n, e, s, o] = 0.0
    bought = np.empty((E, S, E))
    L = lv_start.shape[0] - 1
    for lv in range(L - 1, -1, -1):  # upstream levels first
        # origin mix of each input as bought by e, from the origins known before this level
        for e in range(E):
            for j in range(lv_in_start[lv], lv_in_start[lv + 1]):
                u = lv_in[j]
                sv = served[n, e, u]
                for o in range(E):
                    acc = 0.0
                    if sv > 0.0:
                        for k in range(E):
                            acc += (flows[n, e, k, u] / sv) * origin[n, k, u, o]
                    bought[e, u, o] = acc
        for i in range(lv_start[lv], lv_start[lv + 1]):
            s = lv_stage[i]
            for e in range(E):
                for o in range(E):
                    acc = 0.0
                    for j in range(lv_in_start[lv], lv_in_start[lv + 1]):
                        u = lv_in[j]
                        acc += v[e, u, s] * bought[e, u, o]
                    origin[n, e, s, o] = (own[e, s] if e == o else 0.0) + acc


@njit(cache=True, nogil=True)
def _origin_draws(n0, n1, flows, served, price, unit_cost, intensity, lv_stage, lv_start, lv_in, lv_in_start, origin):  # pragma: no cover - compiled
    for n in range(n0, n1):
        _origin_draw(n, flows, served, price, unit_cost, intensity, lv_stage, lv_start, lv_in, lv_in_start, origin)


def value_added_origin(flows, served, price, unit_cost, intensity, levels) -> np.ndarray:
    """Compiled :func:`buildrace.engine.origin.value_added_origin` (same arguments and result)."""
    fl = _f(flows)
    N, M, E, S = fl.shape
    intensity = np.asarray(intensity, dtype=_F8)
    int3 = _f(intensity[None] if intensity.ndim == 2 else intensity)
    lv_stage = np.concatenate([np.asarray(lv, dtype=np.int64) for lv in levels]) if len(levels) else np.zeros(0, np.int64)
    lv_start = np.concatenate([[0], np.cumsum([len(lv) for lv in levels])]).astype(np.int64)
    uses = np.asarray((int3 > 0).any(axis=0))  # (S, S): consumer row uses input column in some draw
    ins = [np.flatnonzero(uses[lv_stage[a:b]].any(axis=0)) for a, b in zip(lv_start[:-1], lv_start[1:], strict=True)]
    lv_in = np.concatenate(ins).astype(np.int64) if ins else np.zeros(0, np.int64)
    lv_in_start = np.concatenate([[0], np.cumsum([len(x) for x in ins])]).astype(np.int64)
    origin = np.zeros((N, E, S, E))
    _over_draws(_origin_draws, N, fl, _as(served, (N, M, S)), _as(price, (N, M, S)), _as(unit_cost, (N, E, S)), int3, lv_stage, lv_start, lv_in, lv_in_start, origin)
    return origin
