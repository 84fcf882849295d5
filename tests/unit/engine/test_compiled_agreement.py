"""The compiled kernels (numba) against the NumPy reference: random inputs and whole runs.

Agreement is to 1e-9 relative to each output's scale (``|a - b| <= 1e-9 (|a| + max|a|)``):
the two paths sum in different orders, so bits may differ, values may not.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrace.engine import backend, investment, market, pipeline, preference_fit, trade
from buildrace.testing.agreement import assert_agree

compiled = pytest.importorskip(
    "buildrace.engine.compiled", reason="numba is not installed: the compiled engine is not available"
)

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples").glob("*.yaml"))
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _market(rng, N, M, E, S, sparse=0.3):
    demand = rng.uniform(0.0, 10.0, (N, M, S)) * (rng.random((N, M, S)) > 0.1)
    headroom = rng.uniform(0.0, 6.0, (N, E, S)) * (rng.random((N, E, S)) > 0.2)
    pref = rng.uniform(0.0, 1.0, (N, M, E, S)) * (rng.random((N, M, E, S)) > sparse)
    return demand, headroom, pref


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans())
def test_allocate_agrees(reference, seed, with_cap):
    rng = np.random.default_rng(seed)
    N, M, E, S = rng.integers(1, 4), rng.integers(1, 7), rng.integers(1, 7), rng.integers(1, 6)
    d, h, p = _market(rng, N, M, E, S)
    cap = rng.uniform(0.0, 3.0, (N, M, E, S)) * (rng.random((N, M, E, S)) > 0.2) if with_cap else None
    rounds = int(rng.integers(1, trade.SPILL_ROUNDS + 1))
    for ref, new, name in zip(trade.allocate(d, h, p, rounds, cap), compiled.allocate(d, h, p, rounds, cap),
                              ("flows", "unmet", "headroom"), strict=True):
        assert_agree(ref, new, name)


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans(), st.booleans())
def test_allocate_with_local_content_agrees(reference, seed, with_cap, with_local):
    rng = np.random.default_rng(seed)
    N, M, E, S = rng.integers(1, 4), rng.integers(1, 7), rng.integers(1, 7), rng.integers(1, 6)
    d, h, p = _market(rng, N, M, E, S)
    share = rng.uniform(0.0, 0.8, (M, S)) * (rng.random((M, S)) > 0.4) * with_local
    members = (rng.random((M, E)) < 0.4).astype(float)
    cap = rng.uniform(0.0, 3.0, (N, M, E, S)) if with_cap else None
    ref = trade.allocate_with_local_content(d, h, p, share, members, cap=cap)
    new = compiled.allocate_with_local_content(d, h, p, share, members, cap=cap)
    for a, b, name in zip(ref, new, ("flows", "unmet", "headroom"), strict=True):
        assert_agree(a, b, name)


def _fit_world(rng, N, M, E, S):
    """A base year the fit can reach: production and observed shares from the allocation
    of another preference, some shares observed, some local-content reservations. The
    draws share the base year and differ in the preference the fit starts from."""
    d, h, p = _market(rng, 1, M, E, S, sparse=0.1)
    truth = p * rng.uniform(0.3, 3.0, (1, M, E, S))
    d, h, truth = (np.repeat(a, N, axis=0) for a in (d, h, truth))
    p = np.repeat(p, N, axis=0) * rng.uniform(0.5, 2.0, (N, M, E, S))
    share = rng.uniform(0.0, 0.5, (M, S)) * (rng.random((M, S)) > 0.6)
    members = (rng.random((M, E)) < 0.4).astype(float)
    flows, _, _ = trade.allocate_with_local_content(d, h, truth, share, members)
    q0 = flows.sum(axis=1)
    served = flows.sum(axis=2, keepdims=True)
    observed = np.where(served > 0, flows / np.where(served > 0, served, 1.0), np.nan)[0]
    target = np.where(rng.random((M, E, S)) < 0.3, observed, np.nan)
    return d, h, p, q0, target, share, members


@settings(max_examples=30, deadline=None)
@given(seeds, st.booleans())
def test_preference_fit_agrees(reference, seed, with_target):
    from buildrace.engine import compiled_fit

    rng = np.random.default_rng(seed)
    N, M, E, S = rng.integers(1, 4), rng.integers(1, 6), rng.integers(1, 6), rng.integers(1, 5)
    d, h, p, q0, target, share, members = _fit_world(rng, N, M, E, S)
    target = target if with_target else None
    rounds = int(rng.integers(1, 120))
    theta_ref, bilateral_ref, err_ref = preference_fit.fit_preferences(d, h, p, q0, target, share, members, rounds)
    theta, bilateral = np.ones((N, E, S)), np.ones((N, M, E, S))
    err = compiled_fit.fit_columns(d, h, p, q0, target, share, members, rounds, theta, bilateral,
                                   preference_fit.FIT_TOLERANCE, preference_fit.TRADE_FIT_TOLERANCE)
    assert_agree(theta_ref, theta, "theta")
    assert_agree(bilateral_ref, bilateral, "bilateral")
    # residuals agree to 1e-9 relative; below 1e-12 (far inside the fit's tolerance) a few ulps apart is agreement
    assert abs(float(err.max()) - err_ref) <= max(1e-9 * err_ref, 1e-12)


def test_compiled_fit_same_bits_alone_or_on_threads():
    """Enough draws for the threaded draw loop: every draw keeps the bits it has alone."""
    from buildrace.engine import compiled_fit

    rng = np.random.default_rng(7)
    N = compiled.PARALLEL_MIN_DRAWS + 6
    d, h, p, q0, target, share, members = _fit_world(rng, N, 4, 4, 3)
    theta, bilateral = np.ones((N, 4, 3)), np.ones((N, 4, 4, 3))
    args = preference_fit.FIT_TOLERANCE, preference_fit.TRADE_FIT_TOLERANCE
    compiled_fit.fit_columns(d, h, p, q0, target, share, members, 80, theta, bilateral, *args)
    for n in (0, N // 2, N - 1):
        one_t, one_b = np.ones((1, 4, 3)), np.ones((1, 4, 4, 3))
        cut = slice(n, n + 1)
        compiled_fit.fit_columns(d[cut], h[cut], p[cut], q0[cut], target, share, members, 80, one_t, one_b, *args)
        assert np.array_equal(theta[cut], one_t) and np.array_equal(bilateral[cut], one_b)


def _plan_inputs(rng, N, E, S, growth_known):
    """Random inputs of the investment plan: markets are the economies (M = E)."""
    u = lambda lo, hi, shape: rng.uniform(lo, hi, shape)  # noqa: E731
    sparse = lambda a, p=0.2: a * (rng.random(a.shape) > p)  # noqa: E731
    nms, nes = (N, E, S), (N, E, S)
    offdiag = 1.0 - np.eye(E)
    growth_prev = u(-0.05, 0.3, (N, S)) if growth_known else np.full((N, S), np.nan)
    return (
        sparse(u(0, 10, nms)), np.eye(S) + np.triu(u(0, 0.5, (S, S)), 1), sparse(u(1, 50, (N, S))), growth_prev,
        sparse(u(0, 10, nms)), sparse(u(0, 10, nes)), sparse(u(0, 3, nms), 0.5), sparse(u(0, 5, (N, E, E, S))),
        (rng.random((E, E, S)) > 0.1).astype(float), sparse(u(0, 12, nes)), sparse(u(0, 4, nes), 0.5),
        offdiag * (rng.random((E, E)) > 0.6), u(0, 1, (N, 1, 1, 1)), u(0.5, 8, (N, S)), sparse(u(0, 0.3, (E, E)), 0.5),
        sparse(u(0, 2, (N, E, E, S))), u(1, 12, nes), sparse(u(0, 15, nes)), u(1, 40, (N, 1, S)), u(0.6, 0.95, (N, 1, 1)),
        u(50, 150, nms), u(0, 10, (N, S)), offdiag, sparse(u(0, 0.5, (1, E, E, S)), 0.5),
        u(40, 160, nes), sparse(u(0, 30, nes), 0.6), sparse(u(0, 0.3, nes), 0.7), u(50, 500, nes),
        u(-0.05, 0.05, (N, E, 1)), u(0.03, 0.12, (N, 1, 1)), u(1, 20, (N, 1, 1)), u(0.1, 1, (N, 1, 1)),
        np.exp(u(-0.3, 0.3, nes)), u(0, 0.06, (1, E, 1)), (rng.random((E, S)) > 0.7).astype(float),
        u(0, 1, E), sparse(u(0, 1e4, E), 0.5),
        # market-share planning: weights (some economies off), base shares, planning utilisation
        sparse(u(0, 1, (int(rng.choice([1, N])), E)), 0.4), u(0, 1, (E, S)), u(0.3, 0.9, (N, 1, 1)),
        # ramp-up years (some stages without a ramp)
        sparse(u(0.5, 4, (N, 1, S)), 0.3),
    )


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans())
def test_plan_investment_agrees(reference, seed, growth_known):
    from buildrace.engine import compiled_step

    rng = np.random.default_rng(seed)
    N, E, S = rng.integers(1, 4), rng.integers(1, 6), rng.integers(1, 6)
    args = _plan_inputs(rng, N, E, S, growth_known)
    names = ("potential", "growth", "netback", "z", "surviving", "private", "fund_extra")
    for ref, new, name in zip(investment.plan_investment(*args), compiled_step.plan_investment(*args), names, strict=True):
        assert_agree(ref, new, name)


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans())
def test_offers_agree(reference, seed, traced):
    from buildrace.engine import compiled_step

    rng = np.random.default_rng(seed)
    N, E, S = rng.integers(1, 4), rng.integers(1, 6), rng.integers(1, 6)
    tariff = rng.uniform(0.0, 0.6, (N if traced else 1, E, E, S)) * (rng.random((1, E, E, S)) > 0.5)
    args = (
        rng.uniform(0.0, 120.0, (N, E, S)), tariff if traced else tariff[0], rng.uniform(0.0, 0.2, (E, E)),
        rng.uniform(0.0, 9.0, (N, S)), 1.0 - np.eye(E), rng.uniform(0.0, 8.0, (N, E, S)) * (rng.random((N, E, S)) > 0.3),
        rng.uniform(0.5, 9.0, (N, S)), (rng.random((E, E, S)) > 0.25).astype(float), rng.uniform(0.2, 3.0, (N, E, S)),
        rng.uniform(0.1, 1.0, (N, 1, 1)), rng.uniform(0.2, 3.0, (N, E, E, S)),
    )
    names = ("delivered", "capacity weight", "preference", "price index")
    ref_offers = trade.offers(*args)  # no overflow even where a banned supplier is far the cheapest
    for ref, new, name in zip(ref_offers, compiled_step.offers(*args), names, strict=True):
        assert_agree(np.nan_to_num(ref, nan=-1.0), np.nan_to_num(new, nan=-1.0), name)
        assert np.array_equal(np.isnan(ref), np.isnan(new)), name


def _sites(rng, E, S):
    """An index with 1-4 sites per (economy, stage) group, pairs sorted by group."""
    counts = rng.integers(1, 5, E * S)
    pair_group = np.repeat(np.arange(E * S), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return SimpleNamespace(economies=list(range(E)), stages=list(range(S)), group_start=starts, pair_group=pair_group)


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_split_to_sites_agrees(reference, seed):
    rng = np.random.default_rng(seed)
    N, E, S = rng.integers(1, 4), rng.integers(1, 5), rng.integers(1, 5)
    ix = _sites(rng, E, S)
    P = len(ix.pair_group)
    avail = rng.uniform(0.0, 5.0, (N, P)) * (rng.random((N, P)) > 0.2)
    cost = rng.uniform(50.0, 150.0, (N, P))
    theta = rng.uniform(0.2, 2.0, (1, P))
    lam = rng.uniform(0.5, 8.0, (N, 1))
    # output up to (and a little above) what the sites can make: the residue step runs
    group_avail = np.add.reduceat(avail, ix.group_start, axis=1).reshape(N, E, S)
    q = group_avail * rng.uniform(0.0, 1.05, (N, E, S))
    rounds = int(rng.integers(1, 5))
    assert_agree(trade.split_to_sites(q, avail, cost, theta, lam, ix, rounds),
                 compiled.split_to_sites(q, avail, cost, theta, lam, ix, rounds), "site production")


def _cost_world(rng, N, E, S):
    """Pairs in (economy, stage) groups, (site, chain) segments over them, and a compiled
    scenario's per-draw parameters, for the cost phase."""
    from buildrace.engine.structure import Structure

    ix = _sites(rng, E, S)
    P = len(ix.pair_group)
    ix.pair_economy, ix.pair_stage = ix.pair_group // S, ix.pair_group % S
    order = rng.permutation(P)
    cuts = np.sort(rng.choice(np.arange(1, P), size=min(P - 1, int(rng.integers(0, P))), replace=False)) if P > 1 else np.zeros(0, int)
    starts = np.concatenate([[0], cuts]).astype(int)
    sc_of_pair = np.empty(P, dtype=int)
    sc_of_pair[order] = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, P]))
    st_ = Structure(N=N, E=E, S=S, P=P, U=1, T=1, levels=(), offdiag=1.0 - np.eye(E), sc_order=order, sc_starts=starts,
                    sc_of_pair=sc_of_pair, pair_count=None, coupling=None, use_elasticity=None)
    draws = {k: rng.uniform(lo, hi, N) for k, lo, hi in [
        ("cluster_mass_ref", 0.05, 2.0), ("agglomeration_alpha", 0.0, 0.3), ("kappa", 0.0, 0.4),
        ("spillover_economy", 0.0, 0.8), ("spillover_world", 0.0, 0.5)]}
    pol = SimpleNamespace(kappa_mult=rng.uniform(0.5, 1.5, (1, P)), cost_mult=rng.uniform(0.8, 1.2, (1, P)))
    c = SimpleNamespace(index=ix, policy=pol, mp=lambda name, ndim=1: draws[name].reshape((-1,) + (1,) * (ndim - 1)),
                        stage={"electricity_mwh_per_unit": rng.uniform(0.0, 2.0, (N, S))}, elec_price=rng.uniform(20, 90, E))
    return c, st_


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans())
def test_pair_cost_and_learning_agree(seed, per_draw_mix):
    from buildrace.engine import calibrate

    rng = np.random.default_rng(seed)
    N, E, S = rng.integers(1, 4), rng.integers(1, 5), rng.integers(1, 5)
    c, st_ = _cost_world(rng, N, E, S)
    P = st_.P
    capacity = rng.uniform(0.0, 9.0, (N, P)) * (rng.random((N, P)) > 0.2)
    intensity = rng.uniform(0.0, 1.5, (N, S, S) if per_draw_mix else (S, S)) * (rng.random((S, S)) > 0.5)
    args = (intensity, rng.uniform(1.0, 30.0, S), rng.uniform(5.0, 90.0, (N, P)), rng.uniform(0.3, 1.0, (N, P)),
            capacity, rng.uniform(0.0, 200.0, (N, E, S)), rng.uniform(0.0, 1.0, (N, E, S)), 0)
    x = rng.uniform(0.0, 50.0, (N, P)) * (rng.random((N, P)) > 0.2)
    xeff0, b = rng.uniform(0.5, 20.0, (N, P)), rng.uniform(0.0, 0.5, (1, P))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(backend.ENV, "numpy")
        ref_cost = calibrate.pair_cost(c, st_, *args)
        ref_learn = calibrate.learning(c, st_, x, xeff0, b)
    for a, b_, name in zip(ref_cost, calibrate.pair_cost(c, st_, *args), ("unit cost", "A x V"), strict=True):
        assert_agree(a, b_, name)
    assert_agree(ref_learn, calibrate.learning(c, st_, x, xeff0, b), "learning factor")


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_site_projects_agree(reference, seed):
    from buildrace.engine import compiled_step

    rng = np.random.default_rng(seed)
    N, E, S = rng.integers(1, 4), rng.integers(1, 5), rng.integers(1, 5)
    ix = _sites(rng, E, S)
    P = len(ix.pair_group)
    counts = np.bincount(ix.pair_group, minlength=E * S).reshape(E, S)
    args = (
        rng.uniform(10.0, 200.0, (N, P)), rng.uniform(0.0, 5.0, (N, E, S)) * (rng.random((N, E, S)) > 0.3),
        rng.uniform(0.0, 3.0, (N, E, S)) * (rng.random((N, E, S)) > 0.6), rng.uniform(0.0, 1.0, (N, P)),
        rng.uniform(0.0, 6.0, (N, 1)), rng.uniform(0.0, 0.5, P) * (rng.random(P) > 0.5),
        (rng.random(P) > 0.6).astype(float), ix.group_start, ix.pair_group, counts,
    )
    for ref, new, name in zip(investment.site_projects(*args), compiled_step.site_projects(*args), ("announced", "fund"), strict=True):
        assert_agree(ref, new, name)


@settings(max_examples=30, deadline=None)
@given(seeds)
def test_pipeline_schedule_and_advance_agree(reference, seed):
    rng = np.random.default_rng(seed)
    N, P, H = rng.integers(1, 4), rng.integers(1, 20), rng.integers(2, 12)
    t = int(rng.integers(0, H))
    lead = rng.uniform(0.0, H + 2.0, (N, P))
    amount = rng.uniform(0.0, 5.0, (N, P)) * (rng.random((N, P)) > 0.4)
    n_idx, p_idx = np.indices((N, P))
    buf_ref = rng.uniform(0.0, 1.0, (H, N, P))  # (years, draws, pairs)
    buf_new = buf_ref.copy()
    pipeline.schedule(buf_ref, t, lead, amount, n_idx, p_idx)
    compiled.schedule(buf_new, t, lead, amount, n_idx, p_idx)
    assert_agree(buf_ref, buf_new, "arrivals")
    capacity = rng.uniform(0.0, 10.0, (N, P))
    ramping = capacity * rng.uniform(0.0, 1.0, (N, P))
    arriving = rng.uniform(0.0, 2.0, (N, P))
    life, ramp = rng.uniform(0.5, 30.0, (1, P)), rng.uniform(0.0, 4.0, (N, P))
    for a, b in zip(pipeline.advance(capacity, ramping, arriving, life, ramp),
                    compiled.advance(capacity, ramping, arriving, life, ramp), strict=True):
        assert_agree(a, b, "capacity/ramping")


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_pipeline_progress_agrees(reference, seed):
    from buildrace.engine import compiled_step

    rng = np.random.default_rng(seed)
    N, P, H = rng.integers(1, 4), rng.integers(1, 20), rng.integers(2, 12)
    t = int(rng.integers(0, H))
    capacity = rng.uniform(0.0, 10.0, (N, P)) * (rng.random((N, P)) > 0.2)
    args = (
        rng.uniform(0.0, H + 2.0, (N, P)), rng.uniform(0.0, 5.0, (N, P)) * (rng.random((N, P)) > 0.4), capacity,
        capacity * rng.uniform(0.0, 1.0, (N, P)), rng.uniform(0.0, 4.0, (N, P)), rng.uniform(0.0, 1.2, (N, P)),
        capacity * rng.uniform(0.0, 1.0, (N, P)), rng.uniform(0.5, 30.0, (N, P)), rng.uniform(0.0, 4.0, (1, P)),
        rng.uniform(0.3, 0.9, (N, 1)), rng.uniform(0.0, 0.3, (N, 1)),
    )
    buf_ref = rng.uniform(0.0, 1.0, (H, N, P))  # (years, draws, pairs)
    buf_new = buf_ref.copy()
    names = ("capacity", "ramping", "pipeline", "effective life", "utilisation")
    ref = pipeline.progress(buf_ref, t, *args)
    new = compiled_step.pipeline_progress(buf_new, t, *args)
    assert_agree(buf_ref, buf_new, "arrivals")
    for a, b, name in zip(ref, new, names, strict=True):
        assert_agree(a, b, name)


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_input_mix_agrees(seed):
    from buildrace.engine import run as engine_run

    rng = np.random.default_rng(seed)
    N, M, S = rng.integers(1, 4), rng.integers(1, 5), rng.integers(2, 7)
    substitutes = np.zeros((S, S), dtype=bool)
    consumer = int(rng.integers(0, S))
    substitutes[consumer] = rng.random(S) < 0.6
    substitutes[consumer, consumer] = False
    substitutes[consumer, int(rng.integers(0, S))] |= consumer != 0
    draws = {"chemistry_elasticity": rng.uniform(0.0, 6.0, N), "mix_adjustment": rng.uniform(0.0, 1.0, N)}
    c = SimpleNamespace(substitutes=substitutes, mp=lambda name, ndim=1: draws[name].reshape((-1,) + (1,) * (ndim - 1)))
    intensity = rng.uniform(0.0, 2.0, (S, S)) * (rng.random((S, S)) > 0.3)
    intensity[substitutes] = rng.uniform(0.1, 1.0, int(substitutes.sum()))  # substitutes are inputs in use
    # a fixed-chemistry entry on one of the consumer's substitutes (storage packs' LFP), or none
    fixed_input = int(rng.choice(np.flatnonzero(substitutes[consumer]))) if substitutes[consumer].any() else -1
    c.fixed_chemistry = ((0, consumer, fixed_input, "share"),) if fixed_input >= 0 and rng.random() < 0.7 else ()
    T = 3
    fixed_share = rng.uniform(0.0, 1.0, (N, T, len(c.fixed_chemistry))) * (rng.random((N, T, len(c.fixed_chemistry))) > 0.2)
    ctx = SimpleNamespace(c=c, cal=SimpleNamespace(intensity=intensity), fixed_share=fixed_share,
                          world_price0=rng.uniform(0.0, 100.0, (N, S)) * (rng.random((N, S)) > 0.1))
    price = rng.uniform(1.0, 200.0, (N, M, S))
    current = np.repeat(intensity[None], N, axis=0) * rng.uniform(0.8, 1.2, (N, S, S))
    ctx.fixed_base = engine_run.fixed_inputs(ctx, 0)
    t = int(rng.integers(0, T))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(backend.ENV, "numpy")
        ref = engine_run.input_mix(ctx, price, current, t)
    assert_agree(ref, engine_run.input_mix(ctx, price, current, t), "input mix")


def _chain(rng, S):
    """A random chain: stages in depth levels, inputs only from deeper levels, and one
    consumer whose inputs substitute for each other."""
    n_levels = int(rng.integers(1, min(S, 4) + 1))
    depth = np.sort(rng.integers(0, n_levels, S))
    depth[:n_levels] = np.arange(n_levels)  # every level non-empty
    depth = np.sort(depth)
    levels = tuple(np.flatnonzero(depth == k) for k in range(n_levels))
    intensity = rng.uniform(0.2, 2.0, (S, S)) * (depth[None, :] > depth[:, None]) * (rng.random((S, S)) > 0.3)
    substitutes = np.zeros((S, S), dtype=bool)
    consumers = np.flatnonzero((intensity > 0).sum(axis=1) >= 2)
    if consumers.size:
        c = consumers[0]
        substitutes[c, np.flatnonzero(intensity[c] > 0)[:2]] = True
    return levels, intensity, substitutes


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans(), st.booleans(), st.booleans())
def test_clear_markets_agrees(reference, seed, per_draw_mix, with_licence, with_compliance):
    rng = np.random.default_rng(seed)
    N, E, S = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 7))
    levels, intensity, substitutes = _chain(rng, S)
    if per_draw_mix:
        intensity = intensity[None] * rng.uniform(0.5, 1.5, (N, 1, 1))
    final, avail, pref = _market(rng, N, E, E, S, sparse=0.2)
    share = rng.uniform(0.0, 0.5, (E, S)) * (rng.random((E, S)) > 0.6)
    members = (rng.random((E, E)) < 0.5).astype(float)
    stock = rng.uniform(0.0, 2.0, (N, E, S)) * (rng.random((N, E, S)) > 0.5)
    licence = np.where(rng.random((E, E, S)) < 0.3, rng.uniform(0.0, 1.0, (E, E, S)), np.inf) if with_licence else None
    base_share = rng.uniform(0.0, 1.0, (N, E, E, S)) if with_licence else None
    compliant = rng.uniform(0.0, 4.0, (N, E, E, S)) if with_compliance else None
    args = (final, avail, pref, intensity, levels, share, members, stock, substitutes, licence, base_share, compliant)
    ref, new = market.clear_markets(*args), compiled.clear_markets(*args)
    for field in ("demand", "derived", "flows", "served", "stock_draw", "unmet", "planned", "output", "fill"):
        assert_agree(getattr(ref, field), getattr(new, field), field)


def test_clear_markets_same_bits_serial_or_batched():
    """A draw's results do not depend on the batch (the threaded kernel runs from
    ``PARALLEL_MIN_DRAWS`` draws): one batch of many draws equals each draw alone."""
    rng = np.random.default_rng(7)
    N, E, S = compiled.PARALLEL_MIN_DRAWS + 3, 4, 6
    levels, intensity, substitutes = _chain(rng, S)
    final, avail, pref = _market(rng, N, E, E, S, sparse=0.2)
    share = np.zeros((E, S))
    share[0, 0] = 0.4
    members = np.eye(E)
    stock = rng.uniform(0.0, 1.0, (N, E, S))
    batch = compiled.clear_markets(final, avail, pref, intensity, levels, share, members, stock, substitutes)
    for n in (0, N // 2, N - 1):
        one = compiled.clear_markets(final[n:n + 1], avail[n:n + 1], pref[n:n + 1], intensity, levels, share,
                                     members, stock[n:n + 1], substitutes)
        assert np.array_equal(one.flows[0], batch.flows[n]) and np.array_equal(one.fill[0], batch.fill[n])
    ix = _sites(rng, E, S)
    P = len(ix.pair_group)
    avail = rng.uniform(0.0, 5.0, (N, P))
    cost, theta, lam = rng.uniform(50.0, 150.0, (N, P)), rng.uniform(0.2, 2.0, (1, P)), np.full((N, 1), 3.0)
    q = np.add.reduceat(avail, ix.group_start, axis=1).reshape(N, E, S) * 0.7
    sites = compiled.split_to_sites(q, avail, cost, theta, lam, ix)
    for n in (0, N - 1):
        alone = compiled.split_to_sites(q[n:n + 1], avail[n:n + 1], cost[n:n + 1], theta, lam[n:n + 1], ix)
        assert np.array_equal(alone[0], sites[n])


def test_backend_selects_and_rejects(monkeypatch):
    from buildrace.errors import InputError

    monkeypatch.setenv(backend.ENV, "numpy")
    assert backend.name() == "numpy" and backend.kernels() is None
    monkeypatch.setenv(backend.ENV, "numba")
    assert backend.name() == "numba" and backend.kernels() is compiled
    monkeypatch.setenv(backend.ENV, "fortran")
    with pytest.raises(InputError, match="BUILDRACE_ENGINE"):
        backend.compiled()


def _run(scenario, engine, monkeypatch, calls):
    from buildrace.engine.run import run
    from buildrace.io.scenario_file import load_scenario
    from buildrace.model.compile import compile_scenario

    monkeypatch.setenv(backend.ENV, engine)
    out, _ = run(compile_scenario(load_scenario(scenario)))
    return out


def _scenarios() -> list[str]:
    from buildrace.io.scenario_file import builtin_names

    return [*builtin_names(), *[str(p) for p in EXAMPLES]]


@pytest.mark.parametrize("scenario", _scenarios(), ids=lambda s: Path(s).stem)
def test_whole_run_agrees(scenario, monkeypatch):
    from buildrace.engine import compiled_step

    calls = []

    def spying(module, name):
        real = getattr(module, name)

        def spy(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)

    spying(compiled, "clear_markets")  # the clearing alone (engine/market.py's dispatch)
    spying(compiled_step, "trade_phase")  # offers, clearing and sites in one call (the year step's)
    ref = _run(scenario, "numpy", monkeypatch, calls)
    assert not calls, "the reference path called a compiled kernel"
    new = _run(scenario, "numba", monkeypatch, calls)
    assert calls, "BUILDRACE_ENGINE=numba did not reach the compiled market clearing (engine/market.py, engine/run.py)"
    assert set(ref) == set(new)
    for name in ref:
        assert_agree(ref[name], new[name], f"{Path(scenario).stem}: {name}")


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans())
def test_value_added_origin_agrees(seed, per_draw_mix):
    from buildrace.engine import origin

    rng = np.random.default_rng(seed)
    N, E, S = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 7))
    levels, intensity, _ = _chain(rng, S)
    if per_draw_mix:
        intensity = intensity[None] * rng.uniform(0.5, 1.5, (N, 1, 1))
    flows = rng.uniform(0.0, 5.0, (N, E, E, S)) * (rng.random((N, E, E, S)) > 0.3)
    served = flows.sum(axis=2)
    price = rng.uniform(0.5, 3.0, (N, E, S))
    # unit costs below the input bill in places: shares are then renormalised to one
    unit_cost = rng.uniform(0.5, 6.0, (N, E, S)) * (rng.random((N, E, S)) > 0.1)
    ref = origin.value_added_origin(flows, served, price, unit_cost, intensity, levels)
    assert_agree(ref, compiled.value_added_origin(flows, served, price, unit_cost, intensity, levels), "origin")
