"""The year loop: ``step(state, t) -> state`` for every year of the horizon.

All arrays carry the draw axis N first; nothing loops over draws, sites or stages (the
only Python loops are over years and over the handful of chain depth levels).
The pipeline buffer is updated in place: a private fast path, since copying a
(years x draws x pairs) buffer every year would dominate the run time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace

import numpy as np

from buildrace.engine import backend
from buildrace.engine import investment as inv
from buildrace.engine import pipeline as pipe
from buildrace.engine.accounts import stocks_and_accounts
from buildrace.engine.calibrate import (
    Calibration,
    credit_phase,
    economy_cost,
    learning,
    pair_cost,
)
from buildrace.engine.calibration_cache import cached_calibrate
from buildrace.engine.demand import demand_phase
from buildrace.engine.groups import group_sum, power, safe_divide, to_pairs
from buildrace.engine.market import clear_markets
from buildrace.engine.origin import compliant_share, value_added_origin
from buildrace.engine.prices import price_phase
from buildrace.engine.structure import Structure, build_structure
from buildrace.engine.trade import offers, price_index, split_to_sites
from buildrace.model.compile import Compiled
from buildrace.model.shocks import commodity_stages

LEAD_HORIZON = 1
"""Pipeline buffer years beyond the horizon: projects arriving after the last year
land in one sink year (they are still counted in ``pipeline``)."""
INIT_BLOCK = 64
"""Draws whose base-year pipeline is laid out at a time when the run starts."""
STACK_INTO_MIN_DRAWS = 8
"""Draws from which a run copies each year's outputs into whole-run buffers as it goes
(below it, a list of the years' arrays stacked at the end costs fewer calls)."""


@dataclass(frozen=True)
class State:
    """Engine state at the start of a year (all arrays lead with the draw axis but the
    pipeline's arrivals, which lead with the year: the step reads one year of them, and
    writes a year's announcements into the few years their lead times reach)."""

    capacity: np.ndarray  # (N, P) operating capacity
    ramping: np.ndarray  # (N, P) part of capacity still ramping up
    experience: np.ndarray  # (N, P) cumulative production
    price: np.ndarray  # (N, M, S) last year's market price
    own_share: np.ndarray  # (N, E, S) share of e's purchases of s bought at home
    stock: np.ndarray  # (N, E, S) stocks (inventories and strategic reserves)
    pipeline: np.ndarray  # (N, P) capacity announced, not yet operating (expected)
    arrivals: np.ndarray  # (T + H, N, P) expected arrivals by calendar-year index (years first)
    fund_capacity: np.ndarray  # (N, P) capacity financed by a sovereign fund
    fund_capital: np.ndarray  # (N, E) public capital deployed (cumulative, USD)
    world_demand: np.ndarray  # (N, S) last year's world demand per stage
    content: np.ndarray  # (N, E, S, E) value-added origin of each economy's output (last year)
    glut: np.ndarray  # (N, S) last year's glut factor of prices
    price_anchor: np.ndarray  # (N, M, S) base-year price over the base-year price index
    utilisation: np.ndarray  # (N, P) smoothed utilisation of each pair's capacity
    mix: np.ndarray  # (N, S, S) input intensities with the chemistry mix in force
    growth: np.ndarray  # (N, S) smoothed growth of potential demand investors extrapolate
    unmet_share: np.ndarray  # (N, M, S) last year's unmet share of demand (the scarcity markup's signal)


@dataclass(frozen=True)
class Context:
    c: Compiled
    st: Structure
    cal: Calibration
    b_pair: np.ndarray  # (N, P) learning exponents
    leontief: np.ndarray  # (S, S) total (direct + indirect) input per unit of final demand
    n_idx: np.ndarray
    p_idx: np.ndarray
    world_cost0: np.ndarray  # (N, S) base-year world unit cost (the trend's origin)
    world_price0: np.ndarray  # (N, S) base-year world-average price (the input mix's origin)
    exporters: np.ndarray  # (X,) economies whose bilateral sales are kept (the race's exporters)
    cn: int  # index of CN, the foreign entity of the credits' content rules (-1 if absent)
    traces: bool  # a rule of origin or a credit content limit is in force at some year
    horizon: np.ndarray  # (N, E, S) usual lead time plus half the ramp-up (policy does not move it)
    base_share: np.ndarray  # (E, S) each economy's base-year share of world capacity (share-seekers' target)
    share_weight: np.ndarray  # (N, E) weight of market-share planning in each economy's investment
    fixed_share: np.ndarray  # (N, T, K) share of each fixed-chemistry entry's consumer bought for its use
    fixed_base: np.ndarray  # (N, S, S) base-year intensities held to a fixed chemistry (fixed_inputs at t = 0)
    commodity: np.ndarray  # (S,) raw-material stages, priced by scarcity along an inverse demand curve
    memo: dict = field(default_factory=dict)  # arrays reused across years while their inputs stay put


def initial_state(ctx: Context) -> State:
    c, st, cal = ctx.c, ctx.st, ctx.cal
    N, P = st.N, st.P
    k0 = np.repeat(c.capacity0[None], N, axis=0)
    ramping0 = k0 * (1.0 - cal.avail_mask0)[None]
    H = st.T + LEAD_HORIZON
    arrivals = np.zeros((H, N, P))  # years first: a year's arrivals are one contiguous block
    pipeline0 = np.empty((N, P))
    h = min(H, c.pipeline.shape[1])
    implied = implied_pipeline(ctx)  # its columns beyond the longest lead time are zeros: not stored
    k = min(h, implied.shape[2])
    scratch = np.zeros((min(INIT_BLOCK, N), P, H))  # draws in blocks: one small scratch, not a second whole buffer
    for lo in range(0, N, INIT_BLOCK):
        hi = min(lo + INIT_BLOCK, N)
        rows = scratch[: hi - lo]  # its columns from h on stay zero
        rows[:, :, :k] = np.maximum(c.pipeline[None, :, :k], implied[lo:hi, :, :k])
        rows[:, :, k:h] = np.maximum(c.pipeline[None, :, k:h], 0.0)
        # each pair's years summed in memory order, as in a draws-first buffer (the same bits)
        pipeline0[lo:hi] = rows[:, :, 1:].sum(axis=2)
        arrivals[:, lo:hi] = rows.transpose(2, 0, 1)
    q0 = np.repeat(c.production0[None], N, axis=0)
    wd = ((cal.other_demand0 + c.demand0 @ cal.use_intensity) @ ctx.leontief).sum(axis=0)
    # the origin trace is only needed where a rule reads it (it is a sizeable share of a year)
    if ctx.traces:
        served0 = cal.import_share0.sum(axis=2)
        origin0 = value_added_origin(cal.import_share0, served0, cal.price0, np.broadcast_to(c.unit_cost0, (N, st.E, st.S)), cal.intensity, st.levels)
    else:
        origin0 = np.zeros((N, st.E, st.S, st.E))
    return State(
        capacity=k0, ramping=ramping0, experience=c.mp("experience_years", 2) * q0,
        price=cal.price0.copy(), own_share=cal.own_share0.copy(), stock=np.zeros((N, st.E, st.S)),
        pipeline=pipeline0, arrivals=arrivals,
        fund_capacity=np.zeros((N, P)), fund_capital=np.zeros((N, st.E)),
        world_demand=np.repeat(wd[None], N, axis=0),
        content=origin0, glut=cal.glut0.copy(), price_anchor=np.ones((N, st.E, st.S)),
        utilisation=np.ones((N, P)), mix=np.repeat(cal.intensity[None], N, axis=0),
        growth=np.full((N, st.S), np.nan), unmet_share=np.zeros((N, st.E, st.S)),
    )


def implied_pipeline(ctx: Context) -> np.ndarray:
    """Projects already in flight in the base year, implied by base-year growth.

    Producers at the base year have been building for the growth they saw: capacity
    arriving h years later (h up to the pair's lead time) is what keeps base capacity
    growing at the base-year growth of potential demand, plus replacement of
    retirements. Named projects in ``pipeline.csv`` count where they are larger.

    Returns (N, P, K): arrivals h = 0 .. K - 1 years after the base year, with K the
    longest lead time plus one (at most the horizon's buffer); later columns are zero.
    """
    c, st, cal = ctx.c, ctx.st, ctx.cal
    ix = c.index
    d0 = cal.other_demand0 + c.demand0 @ cal.use_intensity
    growth1 = c.growth[:, 1] if c.shocks is None else c.growth[:, 1] * np.exp(-c.shocks.demand[:, 1])  # no foresight of shocks
    d1 = cal.other_demand0[None] * (1.0 + c.mp("other_demand_growth", 3)) + ((c.demand0[None] * growth1) @ cal.use_intensity)
    pot0, pot1 = (d0 @ ctx.leontief).sum(axis=0), (d1 @ ctx.leontief).sum(axis=1)
    g = np.clip(safe_divide(pot1, pot0[None], 1.0) - 1.0, 0.0, 0.25)[:, ix.pair_stage]  # (N, P)
    lead = c.permit_years[:, ix.pair_economy, ix.pair_stage] + c.build_years[:, ix.pair_economy, ix.pair_stage]
    life = c.stage["lifetime_years"][:, ix.pair_stage]  # (N, P)
    H = st.T + LEAD_HORIZON
    n_lead = np.ceil(lead)
    K = min(H, int(n_lead.max()) + 1) if n_lead.size else 1
    return implied_arrivals(c.capacity0, g, n_lead, c.capacity0[None, :] / life, st.N, K)


def implied_arrivals(capacity0, g, n_lead, replace_rate, N: int, K: int) -> np.ndarray:
    """Arrivals (N, P, K) h years ahead: ``capacity0 * g * (1 + g) ** (h - 1) + replace_rate``
    for ``1 <= h <= n_lead``, else 0 (``g``, ``n_lead``, ``replace_rate``: (N or 1, P))."""
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_year.py)
        from buildrace.engine.compiled_year import implied_arrivals as compiled

        return compiled(capacity0, g, n_lead, replace_rate, N, K)
    out = np.zeros((N, capacity0.shape[0], K))
    level = np.ones_like(g)  # (1 + g) ** (h - 1)
    for h in range(1, K):  # years ahead (a handful), not draws or pairs
        out[:, :, h] = np.where(h <= n_lead, capacity0[None, :] * g * level + replace_rate, 0.0)
        level = level * (1.0 + g)
    return out


def input_mix(ctx: Context, price: np.ndarray, current: np.ndarray | None = None, t: int = 0) -> np.ndarray:
    """Input intensities (N, S, S) with the mix of substitutes following relative prices.

    A consumer whose inputs substitute (a pack of LFP or nickel-based cells) splits its
    total requirement between them by ``share_u ~ a0_u * (P_u / P0_u) ** (-sigma)``, with
    last year's world-average prices relative to the base year's (so the base-year mix is
    reproduced) and sigma the chemistry elasticity: a cell chemistry that gets cheaper,
    or scarce and dear, gains or loses share of new packs. The part of the requirement
    held to a fixed chemistry (stationary storage's LFP packs, :func:`fixed_inputs` at
    year index ``t``) is set aside first, from the base-year mix as well, so that it grows
    with its use rather than with relative prices. With ``current`` (the mix in
    force), the mix closes a share ``mix_adjustment`` of the gap each year: designs and
    supply contracts turn over in a few years, and an instant switch would chase last
    year's price and zigzag.
    """
    c, cal = ctx.c, ctx.cal
    if not c.substitutes.any():
        return cal.intensity
    fixed_now, fixed_base = fixed_inputs(ctx, t), ctx.fixed_base
    if backend.kernels() is not None and current is not None:  # the compiled twin (engine/compiled_step.py)
        from buildrace.engine.compiled_step import input_mix_arrays

        return input_mix_arrays(cal.intensity, c.substitutes, price, ctx.world_price0, c.mp("chemistry_elasticity"), current,
                                c.mp("mix_adjustment"), fixed_now, fixed_base)
    out = np.repeat(cal.intensity[None], price.shape[0], axis=0)
    rel = price.mean(axis=1) / np.where(ctx.world_price0 > 0, ctx.world_price0, 1.0)  # (N, S)
    sigma = c.mp("chemistry_elasticity", 2)
    for consumer in np.flatnonzero(c.substitutes.any(axis=1)):  # substitute groups (one: packs)
        inputs = np.flatnonzero(c.substitutes[consumer])
        base = cal.intensity[consumer, inputs]  # (K,)
        now, then = fixed_now[:, consumer, inputs], fixed_base[:, consumer, inputs]  # (N, K)
        w = np.maximum(base[None] - then, 0.0) * power(np.maximum(rel[:, inputs], 1e-6), -sigma)
        w_sum = w.sum(axis=1, keepdims=True)
        free = base.sum() - now.sum(axis=1, keepdims=True)  # the requirement whose mix follows prices
        out[:, consumer, inputs] = np.where(
            w_sum > 0, free * w / np.where(w_sum > 0, w_sum, 1.0), free * base[None] / base.sum()
        ) + now
    if current is not None:
        k = c.mp("mix_adjustment", 3)
        out = current + k * (out - current)
    return out


_COMPILED: dict[str, object] = {}


def _compiled(name: str):
    """The compiled module ``buildrace.engine.<name>``, imported on its first use (the
    NumPy path never loads numba). The year step reads its phases as the module's
    attributes: an import statement costs half a microsecond each time it runs, even
    once the module is loaded, and the step ran four a year."""
    module = _COMPILED.get(name)
    if module is None:
        module = _COMPILED[name] = importlib.import_module(f"buildrace.engine.{name}")
    return module


def step(state: State, t: int, ctx: Context) -> tuple[State, dict[str, np.ndarray]]:
    """Advance one year (index t). Returns the next state and the year's outputs."""
    c, st, cal = ctx.c, ctx.st, ctx.cal
    ix, pol = c.index, c.policy
    E, S = st.E, st.S
    starts, pg = ix.group_start, _per_year(ctx, "pair_group", lambda: ix.pair_group)  # (a property: an array op each read)

    # --- 3. cost (inputs at last year's prices) ---
    shocks = c.shocks
    lam_w = c.mp("within_economy_lambda", 2)
    # traced content: the foreign-entity (CN) share of each economy's output, last year
    if not ctx.traces:  # the origin trace stays at its base-year zeros: its CN share too, converted once
        content_cn = _per_year(ctx, "content_cn", lambda: np.ascontiguousarray(state.content[..., ctx.cn]) if ctx.cn >= 0 else np.zeros((1, E, S)))
    else:
        content_cn = state.content[..., ctx.cn] if ctx.cn >= 0 else ctx.memo.setdefault("no_content", np.zeros((1, E, S)))
    other_mult, market_mult = _per_year(ctx, "growth_mult", lambda: [  # each year's, as (1 + g) ** t
        ((1.0 + c.mp("other_demand_growth")) ** y, (1.0 + c.mp("market_growth")) ** y) for y in range(st.T)])[t]
    fused = _cost_constants(ctx)
    if fused is not None and shocks is None:  # costs, capacity, credits and demand in one compiled call (engine/compiled_step.py)
        (intensity, _, cost_pair, _, avail_pair, avail, cost_e, credit_unit, cost_eff, itc_t, final, d_final,
         purchase) = _compiled("compiled_step").open_year_phase(
            fused, _cost_demand_constants(ctx), state.experience, state.price, state.mix, _fixed_now(ctx, t),
            state.capacity, state.own_share, pol.kappa_mult[t], pol.cost_mult[t], state.ramping, t == 0, content_cn,
            pol.credit_feoc[t], pol.credit[t], pol.credit_share[t], pol.itc[t], c.growth[:, t], other_mult,
            pol.stock_months[t], state.stock, market_mult,
        )
    else:
        if fused is not None:  # the chemistry mix, learning and pair costs in one compiled call (engine/compiled_step.py)
            from buildrace.engine.compiled_step import cost_phase

            intensity, _, cost_pair, _ = cost_phase(fused, state.experience, state.price, state.mix, _fixed_now(ctx, t),
                                                    state.capacity, state.own_share, pol.kappa_mult[t], pol.cost_mult[t])
        else:
            learn = learning(c, st, state.experience, cal.xeff0, ctx.b_pair)
            intensity = input_mix(ctx, state.price, state.mix, t)
            cost_pair, _ = pair_cost(c, st, intensity, cal.world_capacity0, cal.factor_cost, learn, state.capacity, state.price, state.own_share, t)
        if shocks is not None:  # cost noise around learning (a random walk per stage)
            cost_shock = np.exp(shocks.cost[:, t])  # (N, S)
            cost_pair = cost_pair * cost_shock[:, ix.pair_stage]
        shock_t = cost_shock if shocks is not None else None
        if backend.kernels() is not None:  # capacity, economy costs, credits and demand in one compiled call (engine/compiled_year.py)
            from buildrace.engine.compiled_year import cost_demand_phase

            avail_pair, avail, cost_e, credit_unit, cost_eff, itc_t, final, d_final, purchase = cost_demand_phase(
                _cost_demand_constants(ctx), state.capacity, state.ramping, t == 0, cost_pair, E, S, content_cn, pol.credit_feoc[t],
                pol.credit[t], pol.credit_share[t], pol.itc[t], shock_t, state.price, c.growth[:, t], other_mult, pol.stock_months[t],
                state.stock, market_mult,
            )
        else:
            util = cal.utilisation
            avail_pair = pipe.available_capacity(state.capacity, state.ramping, util)
            if t == 0:
                avail_pair = util * state.capacity * cal.avail_mask0[None]
            avail_pair = np.maximum(avail_pair, 0.0)
            avail = group_sum(avail_pair, starts, E, S)
            cost_e = economy_cost(cost_pair, avail_pair, cal.theta_pair, lam_w, ix, st)
            credit_unit, cost_eff, itc_t = credit_phase(  # credits paid on compliant output only
                content_cn, pol.credit_feoc[t], c.mp("origin_segregation", 3), c.mp("origin_spread", 3), pol.credit[t],
                pol.credit_share[t], pol.itc[t], cost_e,
            )

            # --- 1. demand ---
            # demand growth paths already assume costs fall; consumers respond to prices that
            # depart from the world's cost trend (tariffs, scarcity, cost gaps), not to the trend
            # (cost shocks are news to consumers: the trend they expect excludes them);
            # strategic stockpiles buy a quarter of the gap to the target each year
            final, d_final, purchase = demand_phase(
                avail, cost_e, ctx.world_cost0, shock_t, state.price, cal.price0, c.use_price_stage, c.demand0,
                c.growth[:, t], st.use_elasticity, st.coupling, cal.use_intensity, cal.other_demand0, other_mult,
                pol.stock_months[t], state.stock, c.market0, c.market_scale, market_mult,
            )

    # --- 2. trade and production ---
    lam, transport = c.stage["trade_lambda"], c.stage["transport_usd_per_unit"]
    tariff_t, compliant_cap = rules_of_origin(ctx, t, state.content, avail)
    licence = _per_year(ctx, "licence", lambda: licence_in_force(pol.licence, slice(None)))[t]
    if backend.kernels() is not None:  # offers, clearing and the split to sites in one compiled call (engine/compiled_step.py)
        dlv, cap_w, pref, index, cl, q_pair = _compiled("compiled_step").trade_phase(
            cost_eff, tariff_t, pol.pool_premium[t], transport, st.offdiag, avail, lam, pol.trade_factor[t], cal.theta_econ,
            c.mp("capacity_weight_exponent", 3), cal.bilateral, d_final, intensity, st.levels, pol.local_share[t],
            pol.local_members[t], state.stock, c.substitutes, licence, cal.import_share0, compliant_cap, avail_pair, cost_pair,
            cal.theta_pair, lam_w, ix.group_start,
        )
    else:
        dlv, cap_w, pref, index = offers(
            cost_eff, tariff_t, pol.pool_premium[t], transport, st.offdiag, avail, lam, pol.trade_factor[t], cal.theta_econ,
            c.mp("capacity_weight_exponent", 3), cal.bilateral,
        )
        cl = clear_markets(
            d_final, avail, pref, intensity, st.levels, pol.local_share[t], pol.local_members[t], state.stock, c.substitutes,
            licence=licence, base_share=cal.import_share0, compliant_cap=compliant_cap,
        )
        q_pair = split_to_sites(cl.output, avail_pair, cost_pair, cal.theta_pair, lam_w, ix)

    # prices: the logit price index of the suppliers a market may buy from (removing or
    # taxing a supplier can only raise it), anchored so the base year reproduces the
    # data's prices, marked up by scarcity (raw materials along an inverse demand curve,
    # engine/prices.py) and discounted in a glut (last year's slack:
    # order books are set before the year's output is known; so is the scarcity markup,
    # on last year's shortages)
    served = cl.served
    anchor = state.price_anchor
    if t == 0:
        theta_w = (cal.theta_econ * cap_w)[:, None] * cal.bilateral  # capacity enters as K ** alpha, as in the allocation
        free = price_index(dlv, avail, theta_w, np.ones_like(pol.trade_factor[t]), lam)
        anchor = np.where(np.isfinite(free) & (free > 0), safe_divide(cal.price0 / cal.glut0[:, None, :], free, 1.0), 1.0)
    price_shock = shocks.price[:, t] if shocks is not None else None
    fused = _price_accounts_constants(ctx)
    if fused is not None:  # prices, stocks and accounts in one compiled call (engine/compiled_year.py)
        (unmet_share, capacity_e, glut, price, own_share, used, received, to_stock, stock, tariff_rev, subsidies, jobs,
         electricity, carrying) = _compiled("compiled_year").price_accounts_phase(
            fused, cl.unmet, cl.demand, served, cl.flows, cl.output, state.capacity, index, anchor, state.price, state.glut,
            state.unmet_share, price_shock, state.own_share, intensity, cl.fill, cl.derived, state.stock, purchase,
            cl.stock_draw, cost_eff, tariff_t, credit_unit,
        )
    else:
        unmet_share, capacity_e, glut, price, own_share = price_phase(
            cl.unmet, cl.demand, served, cl.flows, cl.output, state.capacity, starts, index, anchor, state.price, state.glut,
            state.unmet_share, c.mp("target_utilisation", 2), c.mp("glut_discount", 2), c.mp("scarcity_markup", 3),
            c.mp("commodity_demand_elasticity", 3), c.mp("commodity_price_cap", 3), ctx.commodity, price_shock,
            state.own_share,
        )

        # stocks: surplus inputs stay in stock; purchases fill reserves; draws empty them
        # --- 6. accounts ---
        used, received, to_stock, stock, tariff_rev, subsidies, jobs, electricity, carrying = stocks_and_accounts(
            cl.output, intensity, cl.fill, cl.derived, state.stock, purchase, cl.stock_draw, cl.flows, cost_eff, tariff_t,
            credit_unit, c.stage["jobs_per_unit"], c.stage["electricity_mwh_per_unit"], capacity_e, state.price,
            c.mp("stock_carrying_cost", 3),
        )
    tariff_n = tariff_t if tariff_t.ndim == 4 else tariff_t[None]

    # --- 4. investment ---
    allowed = _per_year(ctx, "allowed", lambda: (pol.trade_factor > 0).astype(float))[t]
    # projects are sized for demand over the usual lead time: a green lane delivers the
    # same projects sooner rather than shrinking them
    # ... plus half the ramp-up, when new plants reach their average output (ctx.horizon)
    pipeline_e = group_sum(state.pipeline, starts, E, S)
    # (take: a C-ordered result, which the compiled plan reads without a copy)
    invest_mult = np.exp(np.take(shocks.invest[:, t], ix.stage_chain, axis=2)) if shocks is not None else \
        _per_year(ctx, "no_invest_shock", lambda: np.ones((st.N, E, S)))
    fixed = _plan_fixed(ctx)
    potential, growth, netback, z, surviving, private, fund_extra = inv.plan_investment(
        d_final, fixed["leontief"], state.world_demand, state.growth, cl.demand, cl.output, cl.unmet, cl.flows, allowed,
        avail, pipeline_e, _per_year(ctx, "allies", lambda: pol.pool_member * st.offdiag)[t], fixed["pooling_share"], fixed["lam"],
        pol.pool_premium[t], pref, fixed["horizon_e"], capacity_e, fixed["life_e"], fixed["u_target"], price, fixed["transport"],
        fixed["offdiag"], tariff_n, cost_e, credit_unit, itc_t, fixed["capex"], fixed["hurdle_gap"], fixed["reference_hurdle"],
        fixed["beta"], fixed["response"], invest_mult, fixed["fund_gap"],
        _per_year(ctx, "fund_on", lambda: (group_sum(pol.fund_target, starts, E, S) > 0).astype(float))[t], fixed["fund_equity"],
        pol.fund_budget[t], fixed["share_weight"], fixed["base_share"], fixed["u_share"], fixed["ramp_e"],
        compiled_constants=_plan_constants(ctx),
    )

    permit, build, survive = lead_times(ctx, t)
    arrivals = state.arrivals
    ramp_pair = _per_year(ctx, "ramp_pair", lambda: np.ascontiguousarray(c.stage["ramp_years"][:, ix.pair_stage])) * pol.ramp_mult[t][None]
    fused = _site_progress_constants(ctx)
    if fused is not None:  # site projects and the pipeline in one compiled call (engine/compiled_step.py)
        announce, fund_pair, capacity, ramping, pipeline_pair, life_eff, utilisation = _compiled("compiled_step").site_progress_phase(
            fused, cost_pair, private, fund_extra, survive, pol.attract[t], pol.fund_target[t], arrivals, t, permit + build,
            state.capacity, state.ramping, state.pipeline, state.utilisation, q_pair, ramp_pair,
        )
    else:
        announce, fund_pair = inv.site_projects(
            cost_pair, private, fund_extra, survive, c.mp("siting_beta", 2), pol.attract[t], pol.fund_target[t], starts, pg,
            st.pair_count,
        )

        # --- 5. pipeline ---
        expected_new = announce * survive
        capacity, ramping, pipeline_pair, life_eff, utilisation = pipe.progress(
            arrivals, t, permit + build, expected_new, state.capacity, state.ramping, state.pipeline, state.utilisation, q_pair,
            _life_pair(ctx), ramp_pair, c.mp("exit_utilisation", 2), c.mp("exit_rate", 2),
        )
    announced = group_sum(announce, starts, E, S)
    itc_paid = itc_t * c.capex * announced

    if fund_pair.any() or state.fund_capacity.any():
        fund_capital = state.fund_capital + group_sum(fund_pair * c.capex[:, ix.pair_economy, ix.pair_stage], starts, E, S).sum(axis=2) * pol.fund_equity[None]
        fund_capacity = state.fund_capacity * (1.0 - 1.0 / life_eff) + fund_pair * survive
        fund_share = safe_divide(fund_capacity, state.capacity + 1e-12)
        margin_pair = to_pairs(netback - cost_eff, pg)
        fund_returns = group_sum(np.minimum(fund_share, 1.0) * q_pair * margin_pair, starts, E, S).sum(axis=2) * pol.fund_equity[None]
    else:  # no sovereign fund has built anything: its accounts stand still (the same values, without the arithmetic)
        fund_capital, fund_capacity, fund_returns = state.fund_capital, state.fund_capacity, np.zeros((st.N, E))

    out = {
        "site_capacity": state.capacity, "site_production": q_pair, "site_unit_cost": cost_pair,
        "site_pipeline": state.pipeline,
        "capacity": capacity_e, "production": cl.output, "unit_cost": cost_e, "effective_cost": cost_eff,
        "pipeline": pipeline_e,
        "demand": cl.demand, "final_stage_demand": d_final, "served": served, "unmet": cl.unmet,
        "stock_draw": cl.stock_draw, "price": price, "flows": cl.flows, "final_demand": final,
        "exports": cl.flows[:, :, ctx.exporters],
        "tariff_revenue": tariff_rev, "subsidies": subsidies + itc_paid, "jobs": jobs,
        "electricity_mwh": electricity, "announced": announced,
        "stock": stock, "stock_carrying_cost": carrying, "input_used": used, "input_received": received, "to_stock": to_stock,
        "public_capital": fund_capital, "public_returns": fund_returns,
        "public_budget": _per_year(ctx, "budget", lambda: np.broadcast_to(pol.fund_budget[:, None], (st.T, st.N, E)))[t],
        "margin_signal": z,
    }
    if t == 0:  # base-year capacity still commissioning is not idle
        utilisation = np.ones_like(utilisation)
    content = value_added_origin(cl.flows, served, price, cost_e, intensity, st.levels) if ctx.traces else state.content
    new_state = State(  # every field is new (a direct call: replace() re-reads the fields each year)
        capacity=capacity, ramping=ramping, experience=state.experience + q_pair,
        price=price, own_share=own_share, stock=stock, pipeline=pipeline_pair,
        arrivals=arrivals, fund_capacity=fund_capacity, fund_capital=fund_capital,
        world_demand=potential, growth=growth, unmet_share=unmet_share, content=content, glut=glut, price_anchor=anchor,
        utilisation=utilisation, mix=intensity if intensity.ndim == 3 else np.repeat(intensity[None], st.N, axis=0),
    )
    return new_state, out


def prepare(c: Compiled) -> Context:
    st = build_structure(c)
    cal = cached_calibrate(c, st)
    # C order: a fancy index over the last two axes is laid out pairs first, and every
    # compiled call would copy it back
    b_pair = np.ascontiguousarray(cal.learning_exponent[:, c.index.pair_economy, c.index.pair_stage])
    n_idx, p_idx = np.indices((st.N, st.P))
    leontief = np.linalg.inv(np.eye(st.S) - cal.intensity)
    ctx = Context(
        c=c, st=st, cal=cal, b_pair=b_pair, leontief=leontief, n_idx=n_idx, p_idx=p_idx,
        world_cost0=np.ones((st.N, st.S)), world_price0=cal.price0.mean(axis=1),
        exporters=race_exporters(c), cn=c.index.economies.index("CN") if "CN" in c.index.economies else -1,
        traces=bool((c.policy.roo_max < 1.0).any() or (c.policy.credit_feoc < 1.0).any()),
        horizon=c.permit_years + c.build_years + 0.5 * c.stage["ramp_years"][:, None, :],
        base_share=_base_share(c),
        share_weight=np.clip(c.mp("share_planning_strength", 2) * c.share_planning, 0.0, 1.0),
        commodity=commodity_stages(c.index.stages),
        fixed_share=np.zeros((st.N, len(c.index.years), 0)),
        fixed_base=np.zeros((st.N, st.S, st.S)),
    )
    ctx = replace(ctx, world_cost0=_world_cost(ctx), fixed_share=fixed_chemistry_shares(c, cal, leontief))
    return replace(ctx, fixed_base=fixed_inputs(ctx, 0))


def fixed_chemistry_shares(c: Compiled, cal, leontief: np.ndarray) -> np.ndarray:
    """Share of each fixed-chemistry consumer's output bought for its use, per draw and
    year (N, T, K), times the share of that use's units built of the fixed input
    (``buildrace.model.compile.FIXED_CHEMISTRY``: stationary storage's packs, LFP).

    Read off the demand paths before prices respond (final demand along its growth path,
    other demand along ``other_demand_growth``, through the Leontief inverse), so the
    shares are known for every year before the run. Simplification: a year in which
    prices move demand away from its path keeps the path's share.
    """
    N, T = c.growth.shape[:2]
    out = np.zeros((N, T, len(c.fixed_chemistry)))
    if not c.fixed_chemistry:
        return out
    final = (c.demand0[None, None] * c.growth).sum(axis=2)  # (N, T, U) world final demand along the paths
    other = cal.other_demand0.sum(axis=0)[None, None] * (1.0 + c.mp("other_demand_growth", 3)) ** np.arange(T)[None, :, None]
    total = (final @ cal.use_intensity + other) @ leontief  # (N, T, S) everything each stage's output is bought for
    for k, (use, consumer, _, param) in enumerate(c.fixed_chemistry):  # the entries (one: storage packs)
        bought = final[:, :, use] * cal.use_intensity[use, consumer]
        out[:, :, k] = c.stage[param][:, consumer][:, None] * safe_divide(bought, total[:, :, consumer])
    return np.clip(out, 0.0, 1.0)


def fixed_inputs(ctx: Context, t: int) -> np.ndarray:
    """Input intensities (N, S, S) held to a fixed chemistry at year index t: a
    fixed-chemistry entry's share of its consumer's total substitute input, on its one
    input (storage packs' LFP cells); zero elsewhere. The base year's (t = 0) is kept in
    ``Context.fixed_base``."""
    c, cal = ctx.c, ctx.cal
    N, S = ctx.fixed_share.shape[0], cal.intensity.shape[0]
    out = np.zeros((N, S, S))
    for k, (_, consumer, inp, _) in enumerate(c.fixed_chemistry):  # the entries (one: storage packs)
        out[:, consumer, inp] += ctx.fixed_share[:, t, k] * cal.intensity[consumer, c.substitutes[consumer]].sum()
    return out


def _fixed_now(ctx: Context, t: int) -> np.ndarray:
    """:func:`fixed_inputs` at year index t, its entries' shares times their consumers'
    substitute input taken once a run for every year (the same products, the same bits;
    the year step asks every year)."""
    def make():
        c, cal = ctx.c, ctx.cal
        return [(consumer, inp, ctx.fixed_share[:, :, k] * cal.intensity[consumer, c.substitutes[consumer]].sum())
                for k, (_, consumer, inp, _) in enumerate(c.fixed_chemistry)]

    N, S = ctx.fixed_share.shape[0], ctx.cal.intensity.shape[0]
    out = np.zeros((N, S, S))
    for consumer, inp, scaled in _per_year(ctx, "fixed_scaled", make):  # the entries (one: storage packs)
        out[:, consumer, inp] += scaled[:, t]
    return out


def _base_share(c: Compiled) -> np.ndarray:
    """Each economy's share of world capacity at each stage in the base year (E, S)."""
    ix = c.index
    E, S = len(ix.economies), len(ix.stages)
    capacity_e = group_sum(c.capacity0[None], ix.group_start, E, S)[0]
    return safe_divide(capacity_e, capacity_e.sum(axis=0, keepdims=True))


def lead_times(ctx: Context, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Permit and build years (N, P) of projects announced at t, and their survival odds.

    ``survive = (1 - cancel_permit) ** permit * (1 - cancel_build) ** build``. Green lanes
    and clusters change the years only where a policy starts or ends, so the previous
    year's arrays are reused while the year's multipliers equal the last year's (the same
    bits, without two powers over every draw and pair each year).
    """
    c, ix, pol = ctx.c, ctx.c.index, ctx.c.policy
    last = ctx.memo.get("lead_times")
    same = _per_year(ctx, "lead_unchanged", lambda: _unchanged(pol.permit_mult) & _unchanged(pol.build_mult))
    if last is not None and last[0] == t - 1 and same[t]:
        ctx.memo["lead_times"] = (t, *last[1:])
        return last[1], last[2], last[3]
    permit = np.ascontiguousarray(c.permit_years[:, ix.pair_economy, ix.pair_stage]) * pol.permit_mult[t][None]
    build = np.ascontiguousarray(c.build_years[:, ix.pair_economy, ix.pair_stage]) * pol.build_mult[t][None]
    cp, cb = c.stage["cancel_prob_permit"][:, ix.pair_stage], c.stage["cancel_prob_build"][:, ix.pair_stage]
    survive = power(1.0 - cp, permit) * power(1.0 - cb, build)
    ctx.memo["lead_times"] = (t, permit, build, survive)
    return permit, build, survive


def _cost_demand_constants(ctx: Context):
    """The compiled cost-demand phase's run-constant arguments (kept in the context's memo)."""
    def make():
        from buildrace.engine.compiled_year import cost_demand_constants

        c, st, cal = ctx.c, ctx.st, ctx.cal
        return cost_demand_constants(
            cal.utilisation, cal.avail_mask0, cal.theta_pair, c.index.group_start, c.mp("origin_segregation"), c.mp("origin_spread"),
            ctx.world_cost0, cal.price0, c.use_price_stage, c.demand0, st.use_elasticity, st.coupling, cal.use_intensity,
            cal.other_demand0, st.N, st.P, c.market0, c.market_scale,
        )

    return _per_year(ctx, "cost_demand", make)


def _cost_constants(ctx: Context):
    """The compiled cost phase's run-constant arguments (kept in the context's memo), or
    None where the step runs the three phases one by one: on the reference path, and
    where no consumer has substitute inputs (the mix is then the calibrated intensities,
    which :func:`input_mix` returns as they are)."""
    def make():
        c, st, cal = ctx.c, ctx.st, ctx.cal
        if not c.substitutes.any():
            return False  # (kept: None would ask again every year)
        from buildrace.engine.compiled_step import cost_constants

        ix = c.index
        return cost_constants(
            cal.intensity, c.substitutes, ctx.world_price0, c.mp("chemistry_elasticity"), c.mp("mix_adjustment"), ctx.fixed_base,
            ix.group_start, ix.pair_stage, c.mp("spillover_economy"), c.mp("spillover_world"), cal.xeff0, ctx.b_pair,
            cal.world_capacity0, ix.pair_economy, st.sc_order, st.sc_starts, st.sc_of_pair, c.mp("cluster_mass_ref"),
            c.mp("agglomeration_alpha"), c.mp("kappa"), cal.factor_cost, c.stage["electricity_mwh_per_unit"], c.elec_price,
            st.N, st.E, st.S, st.P,
        )

    value = _compiled_constants(ctx, "cost_constants", make)
    return value if value is not False else None


def _compiled_constants(ctx: Context, key: str, make):
    """A compiled phase's run-constant arguments, made once a run by ``make()`` and kept
    in the context's memo under ``key``, or None on the reference path."""
    return None if backend.kernels() is None else _per_year(ctx, key, make)


def _price_accounts_constants(ctx: Context):
    """The compiled price and accounts phase's run-constant arguments, or None on the
    reference path."""
    def make():
        from buildrace.engine.compiled_year import price_accounts_constants

        c, st = ctx.c, ctx.st
        return price_accounts_constants(
            c.index.group_start, c.mp("target_utilisation", 2), c.mp("glut_discount", 2), c.mp("scarcity_markup", 3),
            c.mp("commodity_demand_elasticity", 3), c.mp("commodity_price_cap", 3), ctx.commodity, c.stage["jobs_per_unit"],
            c.stage["electricity_mwh_per_unit"], c.mp("stock_carrying_cost", 3), st.N, st.S,
        )

    return _compiled_constants(ctx, "price_accounts_constants", make)


def _life_pair(ctx: Context) -> np.ndarray:
    """Each pair's stage lifetime (N, P), C-ordered (kept in the context's memo)."""
    return _per_year(ctx, "life_pair", lambda: np.ascontiguousarray(ctx.c.stage["lifetime_years"][:, ctx.c.index.pair_stage]))


def _site_progress_constants(ctx: Context):
    """The compiled site and pipeline phase's run-constant arguments, or None on the
    reference path."""
    def make():
        from buildrace.engine.compiled_step import site_progress_constants

        c, st = ctx.c, ctx.st
        return site_progress_constants(c.mp("siting_beta", 2), c.index.group_start, st.pair_count, _life_pair(ctx),
                                       c.mp("exit_utilisation", 2), c.mp("exit_rate", 2), st.N, st.P)

    return _compiled_constants(ctx, "site_progress_constants", make)


def _plan_fixed(ctx: Context) -> dict:
    """The investment plan's arguments that stay put over a run, by the names of
    :func:`buildrace.engine.investment.plan_investment` (kept in the context's memo)."""
    def make():
        c, st = ctx.c, ctx.st
        return {
            "leontief": ctx.leontief, "pooling_share": c.mp("pooling_investment_share", 4), "lam": c.stage["trade_lambda"],
            "horizon_e": ctx.horizon, "life_e": c.stage["lifetime_years"][:, None, :], "u_target": c.mp("target_utilisation", 3),
            "transport": c.stage["transport_usd_per_unit"], "offdiag": st.offdiag, "capex": c.capex,
            "hurdle_gap": c.hurdle[None, :, None] - c.mp("reference_hurdle", 3), "reference_hurdle": c.mp("reference_hurdle", 3),
            "beta": c.mp("invest_beta", 3), "response": c.mp("invest_response", 3),
            "fund_gap": (c.hurdle - c.policy.fund_hurdle)[None, :, None], "fund_equity": c.policy.fund_equity,
            "share_weight": ctx.share_weight, "base_share": ctx.base_share, "u_share": c.mp("share_planning_utilisation", 3),
            "ramp_e": c.stage["ramp_years"][:, None, :],
        }

    return _per_year(ctx, "plan_fixed", make)


def _plan_constants(ctx: Context):
    """The compiled investment plan's run-constant arguments, converted, and powers, or
    None on the reference path."""
    st = ctx.st

    def make():
        from buildrace.engine.compiled_step import plan_constants

        return plan_constants(**_plan_fixed(ctx), N=st.N, M=st.E, E=st.E, S=st.S)

    return _compiled_constants(ctx, "plan_constants", make)


def _unchanged(a: np.ndarray) -> np.ndarray:
    """(T, ...) -> (T,): True where year t's values all equal year t - 1's (False at t = 0)."""
    out = np.zeros(len(a), dtype=bool)
    if len(a) > 1:
        out[1:] = (a[1:] == a[:-1]).reshape(len(a) - 1, -1).all(axis=1)
    return out


def _per_year(ctx: Context, name: str, make):
    """``make()`` computed once a run and kept in the context's memo: arrays of policy
    inputs for every year at once (the same elementwise arithmetic as year by year)."""
    value = ctx.memo.get(name)
    if value is None:
        value = ctx.memo[name] = make()
    return value


def licence_in_force(licence: np.ndarray, t: int | slice) -> np.ndarray:
    """Licensed shares (M, E, S) at t (or (T', M, E, S) at a slice of years) relative to the base year's.

    A control already in force in the base year is in the base-year data (the observed
    flows are the licensed ones), so licences are measured against it: a constant
    control keeps the exporter at its base-year share of each market, a tightening one
    cuts below it.
    """
    base = licence[0]
    return np.where(np.isfinite(base), licence[t] / np.where(np.isfinite(base) & (base > 0), base, 1.0), licence[t])


def rules_of_origin(ctx: Context, t: int, content: np.ndarray, avail: np.ndarray):
    """Tariffs (M, E, S) or (N, M, E, S) and flow caps (N, M, E, S) or None under traced content.

    For a market whose rules trace content at a stage, a supplier's foreign-entity share
    of value (last year's origin matrix) decides the share of its output that complies
    (:func:`buildrace.engine.origin.compliant_share`). The rest is treated as the foreign
    entity's: where the entity is banned, the supplier may ship at most its compliant
    output; where it is tariffed (or the rule names a rate), the non-compliant part pays
    the higher tariff, on average over the supplier's shipments.
    """
    pol = ctx.c.policy
    tariff = pol.tariff[t]
    roo_max = pol.roo_max[t]  # (M, S)
    if not (roo_max < 1.0).any():
        return tariff, None
    foreign = pol.roo_foreign[t]  # (M, E)
    share = np.einsum("mo,neso->nmes", foreign, content)  # (N, M, E, S) foreign content
    ok = compliant_share(share, roo_max[None, :, None, :], ctx.c.mp("origin_segregation", 4), ctx.c.mp("origin_spread", 4))
    ok = np.where(foreign[None, :, :, None] > 0, 1.0, ok)  # the entity itself: its own rules apply
    ok = np.where((roo_max < 1.0)[None, :, None, :], ok, 1.0)
    is_foreign = foreign[:, :, None] > 0  # (M, E, 1)
    banned = np.where(is_foreign, pol.trade_factor[t], 1.0).min(axis=1) <= 0  # (M, S)
    entity_tariff = np.where(is_foreign, tariff, 0.0).max(axis=1)  # (M, S)
    rate = np.where(np.isnan(pol.roo_rate[t]), entity_tariff, pol.roo_rate[t])
    by_rate = ~np.isnan(pol.roo_rate[t])
    extra = (1.0 - ok) * np.maximum(rate[None, :, None, :] - tariff[None], 0.0)
    extra = np.where((banned & ~by_rate)[None, :, None, :], 0.0, extra)
    cap_on = (banned & ~by_rate)[None, :, None, :] & (ok < 1.0)
    cap = np.where(cap_on, ok * avail[:, None], np.inf) if cap_on.any() else None
    return tariff[None] + extra, cap


def race_exporters(c: Compiled) -> np.ndarray:
    """Indices of the economies whose sales by destination are kept: the race's
    exporters (CN always, so any reference path can be measured against any race)."""
    names = dict.fromkeys(["CN", *c.scenario.parties()[1]])
    return np.array([c.index.economy(e) for e in names if e in c.index.economies], dtype=int)


def _world_cost(ctx: Context) -> np.ndarray:
    """Capacity-weighted world unit cost per stage in the base year (N, S)."""
    c, st, cal = ctx.c, ctx.st, ctx.cal
    ix = c.index
    learn = np.ones((st.N, st.P))
    k0 = np.repeat(c.capacity0[None], st.N, axis=0)
    cost_pair, _ = pair_cost(c, st, cal.intensity, cal.world_capacity0, cal.factor_cost, learn, k0, cal.price0, cal.own_share0, 0)
    avail_pair = cal.utilisation * k0 * cal.avail_mask0[None]
    avail = group_sum(avail_pair, ix.group_start, st.E, st.S)
    cost_e = economy_cost(cost_pair, avail_pair, cal.theta_pair, c.mp("within_economy_lambda", 2), ix, st)
    w = avail + 1e-12
    return (w * cost_e).sum(axis=1) / w.sum(axis=1)


def run(c: Compiled, keep: frozenset[str] | None = None, progress=None, into=None) -> tuple[dict[str, np.ndarray], Context]:
    """Run the compiled scenario over its horizon.

    Parameters
    ----------
    c : the compiled scenario
    keep : names of outputs to keep (default: all); each is stacked as (N, T, ...)
    progress : optional callable ``progress(done_years, total_years)``
    into : optional callable ``into(name, shape, dtype)`` giving the writable (N, T, ...)
        array an output is written to, year by year (an ensemble's chunks write into
        slices of whole-ensemble arrays, rather than being concatenated after the run)

    Returns
    -------
    outputs, context
    """
    with backend.pinned():  # one engine choice for the whole run (read once, not at every phase)
        ctx = prepare(c)
        state = initial_state(ctx)
        T = ctx.st.T
        # one draw: each kept output's arrays kept year by year and stacked once at the end
        # (a copy into an (N, T, ...) buffer every year was some thirty small copies a
        # year); many draws: copied into (N, T, ...) buffers as the year ends, so each
        # year's arrays are freed and their memory reused (holding every year's arrays
        # until the end touched twice the memory, and fresh memory is slow to fault in)
        years: dict[str, list[np.ndarray]] = {}
        stacked: dict[str, np.ndarray] = {}
        for t in range(T):
            state, out = step(state, t, ctx)
            if t == 0:
                names = [name for name in out if keep is None or name in keep]
                if into is not None or ctx.st.N >= STACK_INTO_MIN_DRAWS:
                    make = into or (lambda name, shape, dtype: np.empty(shape, dtype))
                    stacked = {name: make(name, (out[name].shape[0], T) + out[name].shape[1:], out[name].dtype) for name in names}
                else:
                    years = {name: [] for name in names}
            for name, buffer in stacked.items():
                buffer[:, t] = out[name]
            for name, arrays in years.items():
                arrays.append(out[name])  # a year's outputs are never written to again
            del out
            if progress is not None:
                progress(t + 1, T)
        for name in list(years):  # each year's list freed as it is stacked
            arrays = years.pop(name)
            if arrays[0].shape[0] == 1:  # one draw: (T, 1, ...) is (1, T, ...) in memory, one C call
                stacked[name] = np.array(arrays).reshape((1, len(arrays)) + arrays[0].shape[1:])
            else:
                stacked[name] = np.stack(arrays, axis=1)
    return stacked, ctx

