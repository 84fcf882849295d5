"""The compiled year phases around the market (engine/compiled_year.py) against the NumPy reference.

Economy costs, credits under content rules, demand, stocks and accounts: random inputs
(hypothesis) here, and whole runs of every example scenario in
``test_compiled_agreement.py::test_whole_run_agrees``. Agreement is to 1e-9 relative to
each output's scale, as there.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrace.engine import accounts, backend, calibrate, demand, origin, pipeline, prices
from buildrace.engine.groups import group_sum
from buildrace.testing.agreement import assert_agree

compiled_year = pytest.importorskip(
    "buildrace.engine.compiled_year", reason="numba is not installed: the compiled engine is not available"
)

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _u(rng, lo, hi, shape, sparse=0.0):
    return rng.uniform(lo, hi, shape) * (rng.random(shape) >= sparse)


def _sites(rng, E, S):
    counts = rng.integers(1, 5, E * S)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return starts, int(counts.sum())


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans())
def test_economy_phase_agrees(reference, seed, per_draw_theta):
    rng = np.random.default_rng(seed)
    N, E, S = int(rng.integers(1, 4)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    starts, P = _sites(rng, E, S)
    cost = _u(rng, 1.0, 100.0, (N, P))
    avail = _u(rng, 0.0, 10.0, (N, P), 0.3)
    theta = _u(rng, 0.0, 3.0, (N if per_draw_theta else 1, P), 0.1)
    ix, structure = SimpleNamespace(group_start=starts), SimpleNamespace(E=E, S=S)
    ref_avail = group_sum(avail, starts, E, S)
    ref_cost = calibrate.economy_cost(cost, avail, theta, None, ix, structure)
    new_avail, new_cost = compiled_year.economy_phase(cost, avail, theta, starts, E, S)
    assert_agree(ref_avail, new_avail, "avail")
    assert_agree(ref_cost, new_cost, "economy cost")


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_compliant_share_agrees(reference, seed):
    rng = np.random.default_rng(seed)
    N, M, E, S = (int(rng.integers(1, 5)) for _ in range(4))
    content = _u(rng, 0.0, 1.0, (N, M, E, S), 0.2)
    # thresholds at 1 (no rule) in places, and a few above 1
    limit = np.where(rng.random((1, M, 1, S)) < 0.3, 1.0, rng.uniform(0.0, 1.1, (1, M, 1, S)))
    seg, spread = rng.uniform(0.0, 1.0, (N, 1, 1, 1)), rng.uniform(0.01, 0.5, (N, 1, 1, 1))
    ref = origin.compliant_share(content, limit, seg, spread)
    assert_agree(ref, compiled_year.compliant_share(content, limit, seg, spread), "compliant share")


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans())
def test_credit_phase_agrees(reference, seed, one_content):
    rng = np.random.default_rng(seed)
    N, E, S = int(rng.integers(1, 4)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    content = _u(rng, 0.0, 1.0, (1 if one_content else N, E, S), 0.3)
    limit = np.where(rng.random((E, S)) < 0.4, 1.0, rng.uniform(0.0, 1.0, (E, S)))
    seg, spread = rng.uniform(0.0, 1.0, (N, 1, 1)), rng.uniform(0.01, 0.5, (N, 1, 1))
    credit, share, itc = _u(rng, 0.0, 50.0, (E, S), 0.5), _u(rng, 0.0, 0.4, (E, S), 0.5), _u(rng, 0.0, 0.3, (E, S), 0.5)
    cost_e = _u(rng, 1.0, 120.0, (N, E, S))  # credits beyond cost in places: the floor binds
    args = (content, limit, seg, spread, credit, share, itc, cost_e)
    for ref, new, name in zip(calibrate.credit_phase(*args), compiled_year.credit_phase(*args),
                              ("credit per unit", "effective cost", "investment credit"), strict=True):
        assert_agree(np.broadcast_to(ref, (N, E, S)), new, name)


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans(), st.booleans())
def test_demand_phase_agrees(reference, seed, shocked, per_draw_growth):
    rng = np.random.default_rng(seed)
    N, M, E, S, U = (int(rng.integers(1, 5)) for _ in range(5))
    ups = rng.integers(-1, S, U)  # -1: a use without a price stage reads stage 0
    args = (
        _u(rng, 0.0, 10.0, (N, E, S), 0.3), _u(rng, 1.0, 100.0, (N, E, S)), rng.uniform(1.0, 100.0, (N, S)),
        np.exp(rng.uniform(-0.2, 0.2, (N, S))) if shocked else None, rng.uniform(1.0, 150.0, (N, M, S)),
        _u(rng, 1.0, 150.0, (N, M, S), 0.1), ups, _u(rng, 0.0, 20.0, (M, U), 0.2),  # no base-year price in places
        rng.uniform(0.5, 3.0, (N if per_draw_growth else 1, M, U)), rng.uniform(0.0, 2.0, (N, U)),
        _u(rng, 0.0, 0.5, (N, U, U), 0.5), _u(rng, 0.0, 2.0, (U, S), 0.4), _u(rng, 0.0, 5.0, (M, S), 0.5),
        rng.uniform(0.8, 2.0, N), _u(rng, 0.0, 6.0, (M, S), 0.6), _u(rng, 0.0, 4.0, (N, M, S), 0.5),
        # markets a use saturates (0: none), from below the demand to far above it
        _u(rng, 1.0, 60.0, (M, U), 0.4), rng.uniform(1.0, 1.1, (M, U)), rng.uniform(0.8, 1.5, N),
    )
    for ref, new, name in zip(demand.demand_phase(*args), compiled_year.demand_phase(*args),
                              ("final demand", "stage demand", "purchase"), strict=True):
        assert_agree(ref, new, name)


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans(), st.booleans())
def test_stocks_and_accounts_agree(reference, seed, per_draw_tariff, per_draw_mix):
    rng = np.random.default_rng(seed)
    N, E, S = int(rng.integers(1, 4)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    nes = (N, E, S)
    intensity = _u(rng, 0.0, 1.5, (S, S), 0.5)
    if per_draw_mix:
        intensity = intensity[None] * rng.uniform(0.5, 1.5, (N, 1, 1))
    tariff = _u(rng, 0.0, 1.0, (N, E, E, S) if per_draw_tariff else (E, E, S), 0.5)
    args = (
        _u(rng, 0.0, 10.0, nes, 0.2), intensity, rng.uniform(0.0, 1.0, nes), _u(rng, 0.0, 10.0, nes, 0.3),
        _u(rng, 0.0, 5.0, nes, 0.5), _u(rng, 0.0, 2.0, nes, 0.6), _u(rng, 0.0, 3.0, nes, 0.6),
        _u(rng, 0.0, 5.0, (N, E, E, S), 0.3), _u(rng, 1.0, 100.0, nes), tariff, _u(rng, 0.0, 20.0, nes, 0.5),
        rng.uniform(0.0, 3.0, (1, S)), rng.uniform(0.0, 50.0, (N, S)), _u(rng, 0.0, 12.0, nes),
        _u(rng, 1.0, 100.0, nes), rng.uniform(0.0, 0.2, (N, 1, 1)),
    )
    names = ("used", "received", "to_stock", "stock", "tariff revenue", "subsidies", "jobs", "electricity", "carrying")
    for ref, new, name in zip(accounts.stocks_and_accounts(*args), compiled_year.accounts_phase(*args), names, strict=True):
        assert_agree(ref, new, name)


@settings(max_examples=30, deadline=None)
@given(seeds, st.booleans(), st.booleans())
def test_cost_demand_phase_agrees(reference, seed, shocked, base_year):
    """The fused call (the year step's compiled path) against available capacity and the
    three reference phases in turn."""
    rng = np.random.default_rng(seed)
    N, E, S, U = (int(rng.integers(1, 5)) for _ in range(4))
    starts, P = _sites(rng, E, S)
    capacity = _u(rng, 0.0, 10.0, (N, P), 0.3)
    ramping = capacity * rng.uniform(0.0, 1.0, (N, P)) * (rng.random((N, P)) < 0.5) + _u(rng, 0.0, 5.0, (N, P), 0.8)
    util, mask0 = rng.uniform(0.5, 1.0, (N, P)), (rng.random(P) < 0.8).astype(float)
    if base_year:
        avail_pair = np.maximum(util * capacity * mask0[None], 0.0)
    else:
        avail_pair = np.maximum(pipeline.available_capacity(capacity, ramping, util), 0.0)
    cost, theta = _u(rng, 1.0, 100.0, (N, P)), _u(rng, 0.0, 3.0, (N, P), 0.1)
    content = _u(rng, 0.0, 1.0, (N, E, S), 0.3)
    limit = np.where(rng.random((E, S)) < 0.4, 1.0, rng.uniform(0.0, 1.0, (E, S)))
    seg, spread = rng.uniform(0.0, 1.0, N), rng.uniform(0.01, 0.5, N)
    credit, share, itc = _u(rng, 0.0, 50.0, (E, S), 0.5), _u(rng, 0.0, 0.4, (E, S), 0.5), _u(rng, 0.0, 0.3, (E, S), 0.5)
    world_cost0, shock = rng.uniform(1.0, 100.0, (N, S)), np.exp(rng.uniform(-0.2, 0.2, (N, S))) if shocked else None
    price, price0 = rng.uniform(1.0, 150.0, (N, E, S)), _u(rng, 1.0, 150.0, (N, E, S), 0.1)
    ups, demand0 = rng.integers(-1, S, U), _u(rng, 0.0, 20.0, (E, U), 0.2)
    growth, elasticity, coupling = rng.uniform(0.5, 3.0, (1, E, U)), rng.uniform(0.0, 2.0, (1, U)), _u(rng, 0.0, 0.5, (1, U, U), 0.5)
    use_int, other0, other_mult = _u(rng, 0.0, 2.0, (U, S), 0.4), _u(rng, 0.0, 5.0, (E, S), 0.5), rng.uniform(0.8, 2.0, N)
    months, stock = _u(rng, 0.0, 6.0, (E, S), 0.6), _u(rng, 0.0, 4.0, (N, E, S), 0.5)

    avail = group_sum(avail_pair, starts, E, S)
    cost_e = calibrate.economy_cost(cost, avail_pair, theta, None, SimpleNamespace(group_start=starts), SimpleNamespace(E=E, S=S))
    credits = calibrate.credit_phase(content, limit, seg[:, None, None], spread[:, None, None], credit, share, itc, cost_e)
    market0, market_scale, market_mult = _u(rng, 1.0, 60.0, (E, U), 0.4), rng.uniform(1.0, 1.1, (E, U)), rng.uniform(0.8, 1.5, N)
    demands = demand.demand_phase(avail, cost_e, world_cost0, shock, price, price0, ups, demand0, growth, elasticity,
                                  coupling, use_int, other0, other_mult, months, stock, market0, market_scale, market_mult)
    constants = compiled_year.cost_demand_constants(util, mask0, theta, starts, seg, spread, world_cost0, price0, ups,
                                                    demand0, elasticity, coupling, use_int, other0, N, P, market0, market_scale)
    new = compiled_year.cost_demand_phase(constants, capacity, ramping, base_year, cost, E, S, content, limit, credit,
                                          share, itc, shock, price, growth, other_mult, months, stock, market_mult)
    names = ("available capacity", "avail", "economy cost", "credit per unit", "effective cost", "investment credit", "final demand",
             "stage demand", "purchase")
    for ref, got, name in zip((avail_pair, avail, cost_e, *credits, *demands), new, names, strict=True):
        assert_agree(np.broadcast_to(ref, got.shape), got, name)


def _price_inputs(rng, shocked):
    """Random inputs of :func:`buildrace.engine.prices.price_phase`: unmet shares of exactly 0
    and 1 among the rest, commodity and manufactured stages, markets without a price index
    (NaN) or without purchases."""
    N, E, S = int(rng.integers(1, 4)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    starts, P = _sites(rng, E, S)
    nes = (N, E, S)
    demand_ = _u(rng, 0.0, 20.0, nes, 0.2)
    unmet = demand_ * rng.choice([0.0, 1.0, 0.5], nes) * rng.uniform(0.0, 1.0, nes) ** rng.integers(0, 2, nes)
    flows = _u(rng, 0.0, 5.0, (N, E, E, S), 0.3)
    served = flows.sum(axis=2) * (rng.random(nes) >= 0.1)
    index = np.where(rng.random(nes) < 0.2, np.nan, rng.uniform(1.0, 100.0, nes))
    unmet_prev = rng.choice([0.0, 1.0, 0.3, 0.9], nes) * rng.uniform(0.0, 1.0, nes) ** rng.integers(0, 2, nes)
    return (
        unmet, demand_, served, flows, _u(rng, 0.0, 10.0, nes, 0.3), _u(rng, 0.0, 10.0, (N, P), 0.3), starts, index,
        rng.uniform(0.5, 2.0, nes), rng.uniform(1.0, 150.0, nes), rng.uniform(0.3, 1.0, (N, S)), unmet_prev,
        rng.uniform(0.7, 0.95, (N, 1)), rng.uniform(0.2, 0.9, (N, 1)), rng.uniform(0.5, 2.0, (N, 1, 1)),
        rng.uniform(0.15, 0.6, (N, 1, 1)), rng.uniform(3.0, 10.0, (N, 1, 1)), rng.random(S) < 0.5,
        rng.normal(0.0, 0.3, (N, S)) if shocked else None, rng.uniform(0.0, 1.0, nes),
    )


PRICE_OUTPUTS = ("unmet share", "capacity", "glut", "price", "own share")


@settings(max_examples=60, deadline=None)
@given(seeds, st.booleans())
def test_price_phase_agrees(reference, seed, shocked):
    args = _price_inputs(np.random.default_rng(seed), shocked)
    for ref, new, name in zip(prices.price_phase(*args), compiled_year.price_phase(*args), PRICE_OUTPUTS, strict=True):
        assert_agree(ref, new, name)


def test_price_phase_inputs_tell_the_scarcity_curves_apart(reference):
    """The agreement check fails where the twin prices a stage on the other scarcity curve
    (raw materials on the linear markup, or the reverse): the random inputs reach both."""
    args = list(_price_inputs(np.random.default_rng(7), False))
    args[11] = np.full_like(args[11], 0.5)  # every market half unmet last year
    ref = prices.price_phase(*args)[3]
    args[17] = ~args[17]
    with pytest.raises(AssertionError, match="price"):
        assert_agree(ref, compiled_year.price_phase(*args)[3], "price")


@settings(max_examples=40, deadline=None)
@given(seeds, st.booleans())
def test_implied_arrivals_agree(reference, seed, per_draw):
    from buildrace.engine import run as engine_run

    rng = np.random.default_rng(seed)
    N, P, K = int(rng.integers(1, 4)), int(rng.integers(1, 30)), int(rng.integers(1, 12))
    rows = N if per_draw else 1
    capacity0 = _u(rng, 0.0, 50.0, P, 0.2)
    g, lead = rng.uniform(0.0, 0.25, (rows, P)), np.ceil(rng.uniform(0.0, K + 2.0, (rows, P)))
    replace_rate = capacity0[None] / rng.uniform(5.0, 30.0, (1, P))
    ref = engine_run.implied_arrivals(capacity0, g, lead, replace_rate, N, K)
    assert_agree(ref, compiled_year.implied_arrivals(capacity0, g, lead, replace_rate, N, K), "implied arrivals")


def test_pinned_choice_holds_within_a_run_and_thread(monkeypatch):
    import threading

    from buildrace.engine import compiled

    monkeypatch.setenv(backend.ENV, "numba")
    with backend.pinned():
        monkeypatch.setenv(backend.ENV, "numpy")
        assert backend.kernels() is compiled  # the choice made on entering
        seen = []
        worker = threading.Thread(target=lambda: seen.append(backend.kernels()))
        worker.start()
        worker.join()
        assert seen == [None]  # another thread reads the environment
    assert backend.kernels() is None
