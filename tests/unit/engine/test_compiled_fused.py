"""Fused compiled calls give the bits of the calls they replace."""

from dataclasses import fields

import numpy as np
import pytest

from buildrace.engine import backend
from buildrace.engine import run as engine_run
from buildrace.io.scenario_file import load_scenario
from buildrace.model.compile import compile_scenario

pytest.importorskip("numba")


@pytest.fixture(scope="module")
def race_years():
    """The race's context and its state after three years (compiled engine)."""
    c = compile_scenario(load_scenario("race"))
    with backend.pinned():
        if backend.kernels() is None:
            pytest.skip("the compiled engine is not selected")
        ctx = engine_run.prepare(c)
        state = engine_run.initial_state(ctx)
        for t in range(3):
            state, _ = engine_run.step(state, t, ctx)
    return ctx, state


def _step_arguments(module, name, ctx, state, monkeypatch, copy=False):
    """The arguments the year step passes to ``module.name`` in year 3, and the real
    function (a spy records them; ``copy``: arrays copied, for a call that writes in place)."""
    seen = []
    fused_call = getattr(module, name)

    def spy(*args):
        seen.append([a.copy() if isinstance(a, np.ndarray) else a for a in args] if copy else args)
        return fused_call(*args)

    monkeypatch.setattr(module, name, spy)
    with backend.pinned():
        engine_run.step(state, 3, ctx)
    return seen[0], fused_call


def test_cost_phase_gives_the_bits_of_mix_learning_and_pair_cost(race_years):
    from buildrace.engine.compiled_step import (
        cost_phase,
        input_mix_arrays,
        learning_arrays,
        pair_cost_arrays,
    )

    ctx, state = race_years
    c, st, cal, t = ctx.c, ctx.st, ctx.cal, 3
    ix, pol = c.index, c.policy
    fixed_now = engine_run.fixed_inputs(ctx, t)
    mix = input_mix_arrays(cal.intensity, c.substitutes, state.price, ctx.world_price0, c.mp("chemistry_elasticity"), state.mix,
                           c.mp("mix_adjustment"), fixed_now, ctx.fixed_base)
    learn = learning_arrays(state.experience, ix.group_start, st.E, st.S, ix.pair_stage, c.mp("spillover_economy"),
                            c.mp("spillover_world"), cal.xeff0, ctx.b_pair)
    cost, multiplier = pair_cost_arrays(
        state.capacity, cal.world_capacity0, ix.pair_stage, ix.pair_economy, st.sc_order, st.sc_starts, st.sc_of_pair,
        c.mp("cluster_mass_ref"), c.mp("agglomeration_alpha"), state.price, mix, state.own_share, c.mp("kappa"),
        pol.kappa_mult[t], cal.factor_cost, learn, pol.cost_mult[t], c.stage["electricity_mwh_per_unit"], c.elec_price,
    )
    with backend.pinned():
        constants = engine_run._cost_constants(ctx)
    assert constants is not None  # the race has substitute inputs (cell chemistries)
    fused = cost_phase(constants, state.experience, state.price, state.mix, fixed_now, state.capacity, state.own_share,
                       pol.kappa_mult[t], pol.cost_mult[t])
    for name, a, b in zip(("mix", "learn", "cost", "multiplier"), fused, (mix, learn, cost, multiplier), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), name  # the same bits, signed zeros too


def test_price_accounts_phase_gives_the_bits_of_prices_then_accounts(race_years, monkeypatch):
    from buildrace.engine import compiled_year

    ctx, state = race_years
    args, fused_call = _step_arguments(compiled_year, "price_accounts_phase", ctx, state, monkeypatch)
    (_, unmet, demand, served, flows, output, capacity, index, anchor, price_prev, glut_prev, unmet_share_prev, price_shock,
     own_share_prev, intensity, fill, derived, stock_prev, purchase, stock_draw, cost_eff, tariff, credit_unit) = args
    c = ctx.c
    prices = compiled_year.price_phase(
        unmet, demand, served, flows, output, capacity, c.index.group_start, index, anchor, price_prev, glut_prev,
        unmet_share_prev, c.mp("target_utilisation", 2), c.mp("glut_discount", 2), c.mp("scarcity_markup", 3),
        c.mp("commodity_demand_elasticity", 3), c.mp("commodity_price_cap", 3), ctx.commodity, price_shock, own_share_prev,
    )
    accounts = compiled_year.accounts_phase(
        output, intensity, fill, derived, stock_prev, purchase, stock_draw, flows, cost_eff, tariff, credit_unit,
        c.stage["jobs_per_unit"], c.stage["electricity_mwh_per_unit"], prices[1], price_prev, c.mp("stock_carrying_cost", 3),
    )
    fused = fused_call(*args)
    assert len(fused) == len(prices) + len(accounts) == 14
    for i, (a, b) in enumerate(zip(fused, prices + accounts, strict=True)):
        assert np.array_equal(np.ascontiguousarray(a).view(np.uint64), np.ascontiguousarray(b).view(np.uint64)), i


def test_site_progress_phase_gives_the_bits_of_sites_then_pipeline(race_years, monkeypatch):
    from buildrace.engine import compiled_step

    ctx, state = race_years
    args, fused_call = _step_arguments(compiled_step, "site_progress_phase", ctx, state, monkeypatch, copy=True)
    (constants, cost_pair, private, fund_extra, survive, attract, fund_target, arrivals, t, lead, capacity, ramping, pipeline,
     utilisation, production, ramp_years) = args
    c, st = ctx.c, ctx.st
    announce, fund_pair = compiled_step.site_projects(cost_pair, private, fund_extra, survive, c.mp("siting_beta", 2), attract,
                                                      fund_target, c.index.group_start, c.index.pair_group, st.pair_count)
    buffer = arrivals.copy()
    progress = compiled_step.pipeline_progress(buffer, t, lead, announce * survive, capacity, ramping, pipeline, utilisation,
                                               production, engine_run._life_pair(ctx), ramp_years, c.mp("exit_utilisation", 2),
                                               c.mp("exit_rate", 2))
    fused_buffer = arrivals.copy()
    fused = fused_call(constants, cost_pair, private, fund_extra, survive, attract, fund_target, fused_buffer, t, lead, capacity,
                       ramping, pipeline, utilisation, production, ramp_years)
    assert len(fused) == 7
    for i, (a, b) in enumerate(zip(fused + (fused_buffer,), (announce, fund_pair) + progress + (buffer,), strict=True)):
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), i


def test_trade_phase_gives_the_bits_of_offers_clearing_and_sites(race_years, monkeypatch):
    from buildrace.engine import compiled, compiled_step

    ctx, state = race_years
    args, fused_call = _step_arguments(compiled_step, "trade_phase", ctx, state, monkeypatch)
    (cost_eff, tariff, premium, transport, offdiag, avail, lam, factor, theta, alpha, bilateral, final_demand, intensity,
     levels, local_share, local_members, stock, substitutes, licence, base_share, compliant_cap, avail_pair, cost_pair,
     theta_pair, lam_within, group_start) = args
    offered = compiled_step.offers(cost_eff, tariff, premium, transport, offdiag, avail, lam, factor, theta, alpha, bilateral)
    cl = compiled.clear_markets(final_demand, avail, offered[2], intensity, levels, local_share, local_members, stock,
                                substitutes, licence, base_share, compliant_cap)
    q = compiled.split_to_sites(cl.output, avail_pair, cost_pair, theta_pair, lam_within, ctx.c.index)
    dlv, cap_w, pref, index, fused_cl, fused_q = fused_call(*args)
    parts = [f.name for f in fields(cl)]
    fused = (dlv, cap_w, pref, index, *(getattr(fused_cl, p) for p in parts), fused_q)
    alone = (*offered, *(getattr(cl, p) for p in parts), q)
    for i, (a, b) in enumerate(zip(fused, alone, strict=True)):
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), i


def test_open_year_phase_gives_the_bits_of_costs_then_cost_demand(race_years, monkeypatch):
    from buildrace.engine import compiled_step, compiled_year

    ctx, state = race_years
    args, fused_call = _step_arguments(compiled_step, "open_year_phase", ctx, state, monkeypatch)
    (cost_constants, demand_constants, x_pair, price, current, fixed_now, capacity, own_share, kappa_mult, cost_mult, ramping,
     base_year, content_cn, credit_feoc, credit, credit_share, itc, growth_t, other_mult, stock_months, stock,
     market_mult) = args
    costs = compiled_step.cost_phase(cost_constants, x_pair, price, current, fixed_now, capacity, own_share, kappa_mult, cost_mult)
    demand = compiled_year.cost_demand_phase(
        demand_constants, capacity, ramping, base_year, costs[2], ctx.st.E, ctx.st.S, content_cn, credit_feoc, credit,
        credit_share, itc, None, price, growth_t, other_mult, stock_months, stock, market_mult,
    )
    fused = fused_call(*args)
    assert len(fused) == len(costs) + len(demand) == 13
    for i, (a, b) in enumerate(zip(fused, costs + demand, strict=True)):
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), i


def test_the_steps_fixed_inputs_are_fixed_inputs(race_years):
    ctx, _ = race_years
    assert ctx.c.fixed_chemistry  # the race holds storage packs to a fixed chemistry
    for t in range(ctx.st.T):
        a, b = engine_run._fixed_now(ctx, t), engine_run.fixed_inputs(ctx, t)
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), t
