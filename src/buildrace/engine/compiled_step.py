"""Compiled phases of the year step (numba): one loop nest per draw, no temporaries.

Each public function has the signature and the semantics of its NumPy twin, which
stays the reference path:

- :func:`learning_arrays` and :func:`pair_cost_arrays`, twins of
  :func:`buildrace.engine.calibrate.learning` and :func:`~buildrace.engine.calibrate.pair_cost`
  (MODEL.md step 3: experience with spillovers, Wright's law, agglomeration,
  integration, inputs and energy);
- :func:`input_mix_arrays`, twin of :func:`buildrace.engine.run.input_mix` (the
  chemistry mix of substitute inputs following relative prices);
- :func:`offers`, twin of :func:`buildrace.engine.trade.offers` (MODEL.md step 2:
  delivered costs, the capacity-weighted logit preference and the logit price index);
- :func:`plan_investment`, twin of :func:`buildrace.engine.investment.plan_investment`
  (MODEL.md step 4: the capacity each economy's investors and its sovereign fund plan);
- :func:`site_projects`, twin of :func:`buildrace.engine.investment.site_projects`
  (the plan spread over each economy's sites, grossed up for cancellations);
- :func:`pipeline_progress`, twin of :func:`buildrace.engine.pipeline.progress`
  (MODEL.md step 5: scheduling, early exit, retirement, ramp-up, utilisation);
- the year step's fused calls, each the phases it names one after another in one
  compiled call, with the same bits: :func:`cost_phase` (mix, learning, pair costs),
  :func:`open_year_phase` (those, then capacity, credits and demand, in a year without
  cost shocks), :func:`trade_phase` (offers, clearing, sites) and
  :func:`site_progress_phase` (site projects, the pipeline); prices and accounts are
  :func:`buildrace.engine.compiled_year.price_accounts_phase`.

Why: at one draw the reference spends its time in NumPy call overhead (a phase is a
hundred calls on arrays of a few hundred elements); at hundreds of draws, in the
(draws x markets x suppliers x stages) temporaries it writes and reads back. Here
each draw is one pass over its cells, in registers and L1. Draws are independent and
computed by the same code whatever the batch, so a draw's bits do not depend on the
other draws. ``tests/unit/engine/test_compiled_agreement.py`` holds every phase to the
reference at 1e-9 relative, on random inputs and on whole runs of every example.

Economy costs, credits, demand, prices after clearing (glut and scarcity factors,
own shares), stocks and the accounts are compiled in
:mod:`buildrace.engine.compiled_year`. Still NumPy in the step: the base-year price
anchor (once a run), rules of origin where in force, and the fund's books (a few
statements a year). What bounds the compiled phases at
hundreds of draws is their exponentials and powers (logit weights, price index,
learning, agglomeration), computed one at a time: pip's llvmlite has no vector maths
library. At one draw each phase call also costs microseconds of argument handling
(checks, conversions, numba's dispatch on each argument), hence the fused calls and the
run-constant arguments converted once a run (``*_constants``).

The reference functions import this module lazily, when
:mod:`buildrace.engine.backend` selects the compiled engine (numba is never imported
otherwise).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from buildrace.engine.compiled import (
    _F8,
    _advance_pair,
    _as,
    _as2,
    _clear_draws,
    _f,
    _level_any,
    _over_draws,
    _schedule_pair,
    _split_draws,
    _structure,
)
from buildrace.engine.compiled_year import _cost_demand_draws, _lead, cost_demand_arrays
from buildrace.engine.compiled_year import _per_draw as _year_per_draw
from buildrace.engine.contract import ENTRY_SEED, EXPECTED_GROWTH_CAP, Clearing


@njit(cache=True, nogil=True, inline="always")
def _logistic(z, beta):  # pragma: no cover - compiled
    x = beta * z
    x = min(max(x, -60.0), 60.0)
    return 1.0 / (1.0 + np.exp(-x))


@njit(cache=True, nogil=True)
def _plan_draws(
    n0, n1, d_final, leontief, world_demand, growth_prev, demand, output, unmet, flows, allowed, avail, pipeline_e,
    allies, pooling_share, lam, pool_premium, preference, horizon_e, capacity_e, life_e, u_target, price,
    transport, offdiag, tariff, cost_e, credit_unit, itc, capex, hurdle_gap, reference_hurdle, beta, response,
    invest_mult, fund_gap, fund_on, fund_equity, fund_budget, share_weight, base_share, u_share, ramp_e,
    retained, crf_s, potential, growth, netback, z, surviving, private, fund_extra,
):  # pragma: no cover - compiled
    N, M, E, S = flows.shape
    entry = np.empty((M, E))
    entry_sum = np.empty(M)
    share_e = np.empty(E)
    expected = np.empty((E, S))
    won = np.empty((E, S))
    gap = np.empty((E, S))
    u_plan = np.empty(E)  # planning utilisation of each economy (lower where it plans for share)
    pot_m = np.empty(M)  # potential demand of each market at the stage
    presence = np.empty(E)
    growth_h = np.empty(E)  # (1 + growth) ** horizon of each economy at the stage
    fund_cost = np.empty(E)
    for n in range(n0, n1):
        tn = n if tariff.shape[0] > 1 else 0
        nw = n if share_weight.shape[0] > 1 else 0
        u, ps, rsp, bt = u_target[n], pooling_share[n], response[n], beta[n]
        for s in range(S):
            pot = 0.0
            for m in range(M):
                row = 0.0
                for v in range(S):
                    row += d_final[n, m, v] * leontief[v, s]
                pot_m[m] = row
                pot += row
            potential[n, s] = pot
            wd = world_demand[n, s]
            g_now = (pot / wd if wd > 0.0 else 1.0) - 1.0
            g_now = min(max(g_now, -0.05), EXPECTED_GROWTH_CAP)
            gp = growth_prev[n, s]
            g = g_now if np.isnan(gp) else gp + (g_now - gp) / 3.0
            growth[n, s] = g
            # the share of nameplate a growing industry can run for ramp-up (ramp_availability)
            gr = max(g, 0.0) * max(ramp_e[n, s], 0.0)
            ramp_run = 1.0 - 0.5 * gr / (1.0 + gr)
            u_run = u * ramp_run
            dem_tot = 0.0
            for m in range(M):
                dem_tot += demand[n, m, s]
            latent = max(pot - dem_tot, 0.0)
            out_tot = 0.0
            pres_tot = 0.0
            for e in range(E):
                out_tot += output[n, e, s]
                presence[e] = avail[n, e, s] + pipeline_e[n, e, s]
                pres_tot += presence[e]
            seed = ENTRY_SEED * (pres_tot / E)
            for e in range(E):
                presence[e] = presence[e] + seed
            # unmet demand is won by preference, presence and the pool's reach
            for m in range(M):
                tot = 0.0
                for e in range(E):
                    # outside a pool the term is an exact zero: skip its exponential
                    pooled = 1.0 + ps * allies[m, e] * np.exp(-lam[n, s] * pool_premium[m, e]) if allies[m, e] != 0.0 else 1.0
                    w = preference[n, m, e, s] * presence[e] * pooled
                    entry[m, e] = w
                    tot += w
                entry_sum[m] = tot
            for m in range(M):
                for e in range(E):
                    entry[m, e] = entry[m, e] / entry_sum[m] if entry_sum[m] > 0.0 else 0.0
            world_need = -np.inf
            world_supply = 0.0
            crf = crf_s[n, s]  # the capital recovery factor is the stage's, the same for every economy
            for e in range(E):
                w_won = 0.0
                for m in range(M):
                    w_won += unmet[n, m, s] * entry[m, e]
                won[e, s] = w_won
                share_e[e] = output[n, e, s] / out_tot if out_tot > 0.0 else 0.0
                exp_e = output[n, e, s] + w_won + share_e[e] * latent
                # market-share planning: at least the base-year share of the reachable potential demand
                wn = share_weight[nw, e]
                if wn != 0.0:
                    reach = 0.0
                    for m in range(M):
                        reach += pot_m[m] * allowed[m, e, s]
                    exp_e = exp_e + wn * max(base_share[e, s] * reach - exp_e, 0.0)
                expected[e, s] = exp_e
                u_plan[e] = (u + wn * (u_share[n] - u)) * ramp_run
                h = horizon_e[n, e, s]
                surv = capacity_e[n, e, s] * retained[n, e, s]
                surviving[n, e, s] = surv
                grow = (1.0 + g) ** h
                growth_h[e] = grow
                gap[e, s] = max(expected[e, s] * grow / u_plan[e] - surv - pipeline_e[n, e, s], 0.0)
                world_need = max(world_need, dem_tot * grow / u_run)
                world_supply += surv + pipeline_e[n, e, s]
                # producers value capacity at the netback of the markets they expect to sell in
                wsum = 0.0
                for m in range(M):
                    wsum += (flows[n, m, e, s] + unmet[n, m, s] * entry[m, e]) * allowed[m, e, s]
                num, den = 0.0, 0.0
                for m in range(M):
                    if wsum > 0.0:
                        w = (flows[n, m, e, s] + unmet[n, m, s] * entry[m, e]) * allowed[m, e, s]
                    else:
                        w = demand[n, m, s] * allowed[m, e, s]
                    nb = (price[n, m, s] - transport[n, s] * offdiag[m, e]) / (1.0 + tariff[tn, m, e, s])
                    num += w * nb
                    den += w
                nbk = num / den if den > 0.0 else cost_e[n, e, s]
                netback[n, e, s] = nbk
                charge = capex[n, e, s] * crf / u
                cost_inv = cost_e[n, e, s] - credit_unit[n, e, s] - itc[n, e, s] * charge
                z[n, e, s] = u * (nbk - cost_inv) / max(capex[n, e, s], 1e-9) - hurdle_gap[n, e]
            excess = max(world_supply - world_need, 0.0)
            for e in range(E):
                grow = growth_h[e]
                surv, pipe = surviving[n, e, s], pipeline_e[n, e, s]
                supply_share = (surv + pipe) / world_supply if world_supply > 0.0 else 0.0
                # the part of the plan that serves demand won from markets idle capacity cannot reach is kept
                gap_rest = max((expected[e, s] - won[e, s]) * grow / u_plan[e] - surv - pipe, 0.0)
                gap_won = max(gap[e, s] - gap_rest, 0.0)
                gap_e = max(max(gap[e, s] - (1.0 - share_weight[nw, e]) * supply_share * excess, 0.0), gap_won)
                zz = z[n, e, s]
                prv = rsp * gap_e * _logistic(zz, bt) * invest_mult[n, e, s]
                private[n, e, s] = prv
                home = max(demand[n, e, s] * grow / u_run - surv - (pipe + prv), 0.0)
                fund_extra[n, e, s] = rsp * home * _logistic(zz + fund_gap[n, e], bt) * fund_on[e, s]
        # a sovereign fund spends up to its budget
        for e in range(E):
            tot = 0.0
            for s in range(S):
                tot += fund_extra[n, e, s] * capex[n, e, s] * fund_equity[e]
            fund_cost[e] = tot
        for e in range(E):
            scale = min(1.0, fund_budget[e] / fund_cost[e] if fund_cost[e] > 0.0 else 0.0)
            for s in range(S):
                fund_extra[n, e, s] = fund_extra[n, e, s] * scale


def _per_economy(a, N: int, E: int) -> np.ndarray:
    """A (N or 1, E, 1) per-economy term as a C-contiguous (N, E) array."""
    if type(a) is np.ndarray and a.shape == (N, E, 1) and a.dtype == np.float64 and a.flags.c_contiguous:
        return a.reshape(N, E)
    return _as(np.broadcast_to(a, (N, E, 1))[..., 0], (N, E))


def _per_draw(a, N: int) -> np.ndarray:
    """A per-draw model parameter shaped (N, 1, ...) or a scalar, as a flat (N,) array."""
    if type(a) is np.ndarray and a.size == N and a.dtype == np.float64 and a.flags.c_contiguous:
        return a.reshape(N)  # a model parameter's (N, 1, ...) view: the common case, without the copy checks
    return _as(np.reshape(a, (-1,)) if np.ndim(a) else a, (N,))


@njit(cache=True, nogil=True)
def _plan_constant_draws(n0, n1, horizon_e, life_e, reference_hurdle, retained, crf):  # pragma: no cover - compiled
    N, E, S = horizon_e.shape
    for n in range(n0, n1):
        rate = max(reference_hurdle[n], 1e-9)
        for s in range(S):
            life = life_e[n, s]
            crf[n, s] = rate / (1.0 - (1.0 + rate) ** (-max(life, 1.0)))
            for e in range(E):
                retained[n, e, s] = (1.0 - 1.0 / life) ** horizon_e[n, e, s]


def plan_constants(leontief, pooling_share, lam, horizon_e, life_e, u_target, transport, offdiag, capex, hurdle_gap,
                   reference_hurdle, beta, response, fund_gap, fund_equity, share_weight, base_share, u_share, ramp_e,
                   N: int, M: int, E: int, S: int) -> dict[str, np.ndarray]:
    """The investment plan's arguments that stay put over a run, converted once, and its
    run-constant powers (:func:`plan_investment`'s ``constants``; same names as its arguments).

    The powers: the share of today's capacity still operating at the end of each
    economy's horizon, ``(1 - 1 / life) ** horizon`` (N, E, S, ``retained``), and each
    stage's capital recovery factor at the reference hurdle (N, S, ``crf``)
    (:func:`buildrace.engine.investment.plan_investment`). Lifetimes, horizons and the
    hurdle are draws' parameters, so a run takes these (E + 1) x S powers a draw once
    rather than once a year (the same powers, the same bits). The conversions are the
    ones :func:`plan_investment` makes of them every call without ``constants``: at one
    draw, checking some twenty arrays a year cost about as much as the plan's arithmetic.
    """
    nes = (N, E, S)
    out = {
        "leontief": _as(leontief, (S, S)), "pooling_share": _per_draw(pooling_share, N), "lam": _as(lam, (N, S)),
        "horizon_e": _as(horizon_e, nes), "life_e": _as(np.reshape(life_e, (-1, S)), (N, S)),
        "u_target": _per_draw(u_target, N), "transport": _as(transport, (N, S)), "offdiag": _as(offdiag, (M, E)),
        "capex": _as(capex, nes), "hurdle_gap": _per_economy(hurdle_gap, N, E),
        "reference_hurdle": _per_draw(reference_hurdle, N), "beta": _per_draw(beta, N), "response": _per_draw(response, N),
        "fund_gap": _per_economy(fund_gap, N, E), "fund_equity": _as(fund_equity, (E,)),
        "share_weight": _as(share_weight, np.shape(share_weight)), "base_share": _as(base_share, (E, S)),
        "u_share": _per_draw(u_share, N), "ramp_e": _as(np.reshape(ramp_e, (-1, S)), (N, S)),
        "retained": np.empty(nes), "crf": np.empty((N, S)),
    }
    _over_draws(_plan_constant_draws, N, out["horizon_e"], out["life_e"], out["reference_hurdle"], out["retained"], out["crf"])
    return out


def plan_investment(
    d_final, leontief, world_demand, growth_prev, demand, output, unmet, flows, allowed, avail, pipeline_e,
    allies, pooling_share, lam, pool_premium, preference, horizon_e, capacity_e, life_e, u_target, price,
    transport, offdiag, tariff, cost_e, credit_unit, itc, capex, hurdle_gap, reference_hurdle, beta, response,
    invest_mult, fund_gap, fund_on, fund_equity, fund_budget, share_weight, base_share, u_share, ramp_e,
    constants=None,
):
    """Compiled :func:`buildrace.engine.investment.plan_investment` (same arguments and results);
    ``constants``: :func:`plan_constants` of the same run-constant arguments, when the
    caller keeps them over a run (those arguments are then read from it; converted here
    otherwise)."""
    flows = _as(flows, np.shape(flows))
    N, M, E, S = flows.shape
    k = constants if constants is not None else plan_constants(
        leontief, pooling_share, lam, horizon_e, life_e, u_target, transport, offdiag, capex, hurdle_gap, reference_hurdle,
        beta, response, fund_gap, fund_equity, share_weight, base_share, u_share, ramp_e, N, M, E, S,
    )
    tariff = np.asarray(tariff, dtype=float)
    tariff = _as(tariff if tariff.ndim == 4 else tariff[None], tariff.shape if tariff.ndim == 4 else (1, M, E, S))
    nes = (N, E, S)
    potential, growth = np.empty((N, S)), np.empty((N, S))
    netback, z, surviving, private, fund_extra = np.empty(nes), np.empty(nes), np.empty(nes), np.empty(nes), np.empty(nes)
    _over_draws(
        _plan_draws, N, _as(d_final, (N, M, S)), k["leontief"], _as(world_demand, (N, S)),
        _as(growth_prev, (N, S)), _as(demand, (N, M, S)), _as(output, nes), _as(unmet, (N, M, S)), flows,
        _as(allowed, (M, E, S)), _as(avail, nes), _as(pipeline_e, nes), _as(allies, (M, E)),
        k["pooling_share"], k["lam"], _as(pool_premium, (M, E)), _as(preference, (N, M, E, S)),
        k["horizon_e"], _as(capacity_e, nes), k["life_e"], k["u_target"],
        _as(price, (N, M, S)), k["transport"], k["offdiag"], tariff, _as(cost_e, nes),
        _as(credit_unit, nes), _as(itc, nes), k["capex"], k["hurdle_gap"],
        k["reference_hurdle"], k["beta"], k["response"], _as(invest_mult, nes),
        k["fund_gap"], _as(fund_on, (E, S)),
        k["fund_equity"], _as(fund_budget, (E,)), k["share_weight"], k["base_share"],
        k["u_share"], k["ramp_e"], k["retained"], k["crf"], potential, growth, netback,
        z, surviving, private, fund_extra,
    )
    return potential, growth, netback, z, surviving, private, fund_extra


@njit(cache=True, nogil=True)
def _offer_draws(n0, n1, cost_eff, tariff, premium, transport, offdiag, avail, lam, factor, theta, alpha, bilateral,
                 dlv, cap_w, pref, index):  # pragma: no cover - compiled
    N, M, E, S = dlv.shape
    d = np.empty(E)
    for n in range(n0, n1):
        tn = n if tariff.shape[0] > 1 else 0
        a1 = alpha[n] - 1.0
        for e in range(E):
            for s in range(S):
                k = avail[n, e, s]
                cap_w[n, e, s] = max(k, 1e-300) ** a1 if k > 0.0 else 1.0
        for m in range(M):
            for s in range(S):
                lm = lam[n, s]
                # the logit's reference cost: capacity-weighted mean over allowed suppliers
                capsum, capdot, plain, n_allowed = 0.0, 0.0, 0.0, 0
                for e in range(E):
                    v = cost_eff[n, e, s] * (1.0 + tariff[tn, m, e, s] + premium[m, e]) + transport[n, s] * offdiag[m, e]
                    d[e] = v
                    dlv[n, m, e, s] = v
                    if factor[m, e, s] > 0.0:
                        capsum += avail[n, e, s]
                        capdot += avail[n, e, s] * v
                        plain += v
                        n_allowed += 1
                mean = capdot / capsum if capsum > 0.0 else plain / max(n_allowed, 1)
                if not mean > 0.0:
                    mean = 1.0
                # the price index: inclusive value over the same weights as the allocation
                wsum, wdot = 0.0, 0.0
                for e in range(E):
                    cw = cap_w[n, e, s]
                    b = bilateral[n, m, e, s]
                    pref[n, m, e, s] = theta[n, e, s] * factor[m, e, s] * np.exp(-lm * d[e] / mean) * cw * b
                    w = (theta[n, e, s] * cw) * b * avail[n, e, s]
                    wsum += w
                    wdot += w * d[e]
                mm = wdot / wsum if wsum > 0.0 else 0.0
                m_safe = mm if mm > 0.0 else 1.0
                xmax = -np.inf
                for e in range(E):
                    if factor[m, e, s] > 0.0:
                        xmax = max(xmax, -lm * d[e] / m_safe)
                if not np.isfinite(xmax):
                    xmax = 0.0
                inclusive = 0.0
                for e in range(E):
                    if factor[m, e, s] > 0.0:  # a banned supplier adds nothing (and must not overflow exp)
                        w = (theta[n, e, s] * cap_w[n, e, s]) * bilateral[n, m, e, s] * avail[n, e, s]
                        x = -lm * d[e] / m_safe - xmax
                        # a supplier without capacity adds an exact zero where the exponent is at
                        # most 0 (as xmax makes it, NaN aside): skip its exponential
                        if w != 0.0 or not x <= 0.0:
                            inclusive += w * factor[m, e, s] * np.exp(x)
                if inclusive > 0.0 and wsum > 0.0:
                    index[n, m, s] = -(m_safe / lm) * (np.log(inclusive / wsum) + xmax)
                else:
                    index[n, m, s] = np.nan


def offers(cost_eff, tariff, premium, transport, offdiag, avail, lam, factor, theta, alpha, bilateral):
    """Compiled :func:`buildrace.engine.trade.offers` (same arguments and results)."""
    bilateral = _as(bilateral, np.shape(bilateral))
    N, M, E, S = bilateral.shape
    tariff = np.asarray(tariff, dtype=float)
    tariff = _as(tariff if tariff.ndim == 4 else tariff[None], tariff.shape if tariff.ndim == 4 else (1, M, E, S))
    dlv, pref = np.empty((N, M, E, S)), np.empty((N, M, E, S))
    cap_w, index = np.empty((N, E, S)), np.empty((N, M, S))
    _over_draws(
        _offer_draws, N, _as(cost_eff, (N, E, S)), tariff, _as(premium, (M, E)), _as(transport, (N, S)),
        _as(offdiag, (M, E)), _as(avail, (N, E, S)), _as(lam, (N, S)), _as(factor, (M, E, S)), _as(theta, (N, E, S)),
        _per_draw(alpha, N), bilateral, dlv, cap_w, pref, index,
    )
    return dlv, cap_w, pref, index


@njit(cache=True, nogil=True)
def _learning_draws(n0, n1, x, starts, E, S, pair_stage, phi_econ, phi_world, xeff0, b_pair, learn):  # pragma: no cover - compiled
    N, P = x.shape
    G = E * S
    x_econ, x_world = np.empty(G), np.empty(S)
    for n in range(n0, n1):
        for g in range(G):
            end = starts[g + 1] if g + 1 < G else P
            tot = 0.0
            for p in range(starts[g], end):
                tot += x[n, p]
            x_econ[g] = tot
        for s in range(S):
            tot = 0.0
            for e in range(E):
                tot += x_econ[e * S + s]
            x_world[s] = tot
        pe, pw = phi_econ[n], phi_world[n]
        bn = n if b_pair.shape[0] > 1 else 0
        xn = n if xeff0.shape[0] > 1 else 0
        for g in range(G):
            end = starts[g + 1] if g + 1 < G else P
            xe_g = x_econ[g]
            for p in range(starts[g], end):
                xw = x_world[pair_stage[p]]
                xp = x[n, p]
                xe = xp + pe * (xe_g - xp) + pw * (xw - xe_g)
                xe = max(xe, 1e-6 * max(xw, 1.0))
                x0 = xeff0[xn, p]
                learn[n, p] = (max(xe, x0) / x0) ** (-b_pair[bn, p])


def learning_arrays(x_pair, starts, E: int, S: int, pair_stage, phi_econ, phi_world, xeff0, b_pair):
    """Compiled :func:`buildrace.engine.calibrate.learning` on arrays: cumulative production
    ``x_pair`` (N, P), pairs grouped by (economy, stage) from ``starts``, per-draw
    spillovers, base-year effective experience ``xeff0`` and exponents ``b_pair`` (N or 1, P)."""
    x = _as(x_pair, np.shape(x_pair))
    N, P = x.shape
    learn = np.empty((N, P))
    _over_draws(
        _learning_draws, N, x, np.ascontiguousarray(starts, dtype=np.int64), int(E), int(S),
        np.ascontiguousarray(pair_stage, dtype=np.int64), _per_draw(phi_econ, N), _per_draw(phi_world, N),
        _rows(xeff0, N, P), _rows(b_pair, N, P), learn,
    )
    return learn


@njit(cache=True, nogil=True)
def _pair_cost_draws(n0, n1, capacity, wc0, pair_stage, pair_economy, sc_order, sc_starts, sc_of_pair, mass_ref, alpha,
                     price, intensity, own_share, kappa, kappa_mult, factor, learn, cost_mult, electricity, elec_price,
                     cost, multiplier):  # pragma: no cover - compiled
    N, P = capacity.shape
    E, S = own_share.shape[1], own_share.shape[2]
    K = sc_starts.shape[0]
    bill, home, seg, agglo_k = np.empty((E, S)), np.empty((E, S)), np.empty(K), np.empty(K)
    for n in range(n0, n1):
        a_n = n if intensity.shape[0] > 1 else 0
        fn = n if factor.shape[0] > 1 else 0
        ln = n if learn.shape[0] > 1 else 0
        for e in range(E):
            for s in range(S):
                b, h = 0.0, 0.0
                for u in range(S):
                    a = intensity[a_n, s, u]
                    b += price[n, e, u] * a
                    h += (price[n, e, u] * own_share[n, e, u]) * a
                bill[e, s], home[e, s] = b, h
        # cluster mass: the site's capacity across the chain, as shares of the world's base year
        for k in range(K):
            end = sc_starts[k + 1] if k + 1 < K else P
            tot = 0.0
            for i in range(sc_starts[k], end):
                q = sc_order[i]
                tot += capacity[n, q] / wc0[pair_stage[q]]
            seg[k] = tot
        mr, al, kp = mass_ref[n], alpha[n], kappa[n]
        # one power per site cluster, not per pair: the pairs of a site share their cluster's mass
        for k in range(K):
            agglo_k[k] = (1.0 + seg[k] / mr) ** (-al)
        for p in range(P):
            e, s = pair_economy[p], pair_stage[p]
            agglo = agglo_k[sc_of_pair[p]]
            lis = home[e, s] / bill[e, s] if bill[e, s] > 0.0 else 1.0
            integ = 1.0 + (kp * kappa_mult[p]) * (1.0 - lis)
            energy = electricity[n, s] * elec_price[e]
            cost[n, p] = factor[fn, p] * learn[ln, p] * agglo * integ * cost_mult[p] + bill[e, s] + energy
            multiplier[n, p] = agglo * integ


def _rows(a, N: int, P: int) -> np.ndarray:
    """``a`` as a C-contiguous (N or 1, P) float64 array (a per-pair constant is not copied out to N rows)."""
    a = np.asarray(a, dtype=float)
    a = a.reshape(1, -1) if a.ndim < 2 else a
    return _as(a, (a.shape[0] if a.shape[0] in (1, N) else N, P))


def pair_cost_arrays(capacity, world_capacity0, pair_stage, pair_economy, sc_order, sc_starts, sc_of_pair, mass_ref,
                     alpha, price, intensity, own_share, kappa, kappa_mult, factor, learn, cost_mult, electricity,
                     elec_price):
    """Compiled :func:`buildrace.engine.calibrate.pair_cost` on arrays: unit cost (N, P) and the A x V multiplier."""
    cap = _as(capacity, np.shape(capacity))
    N, P = cap.shape
    own = _as(own_share, np.shape(own_share))
    S = own.shape[2]
    a = np.asarray(intensity, dtype=float)
    a = _as(a, a.shape if a.ndim == 3 else (1, S, S))
    cost, multiplier = np.empty((N, P)), np.empty((N, P))
    i64 = lambda v: np.ascontiguousarray(v, dtype=np.int64)  # noqa: E731
    _over_draws(
        _pair_cost_draws, N, cap, _as(world_capacity0, (S,)), i64(pair_stage), i64(pair_economy), i64(sc_order),
        i64(sc_starts), i64(sc_of_pair), _per_draw(mass_ref, N), _per_draw(alpha, N), _as(price, own.shape), a, own,
        _per_draw(kappa, N), _as(kappa_mult, (P,)), _rows(factor, N, P), _rows(learn, N, P), _as(cost_mult, (P,)),
        _as(electricity, (N, S)), _as(elec_price, (own.shape[1],)), cost, multiplier,
    )
    return cost, multiplier


@njit(cache=True, nogil=True)
def _site_draws(n0, n1, cost_pair, private, fund_extra, survive, beta, attract, fund_target, starts, pair_count,
                announce, fund_pair):  # pragma: no cover - compiled
    N, P = cost_pair.shape
    G = starts.shape[0]
    S = pair_count.shape[1]
    w = np.empty(P)
    for n in range(n0, n1):
        sn = n if survive.shape[0] > 1 else 0
        for g in range(G):
            e, s = g // S, g % S
            a, b = starts[g], starts[g + 1] if g + 1 < G else P
            pv, fx = private[n, e, s], fund_extra[n, e, s]
            if pv == 0.0 and fx == 0.0:
                # nothing to site (most groups most years): the same zeros, signs included (the
                # shares below are finite and not negative), without the group's exponentials
                for p in range(a, b):
                    floor = max(survive[sn, p], 0.05)
                    fp = fx * 0.0
                    announce[n, p] = (pv * 0.0 + fp) / floor
                    fund_pair[n, p] = fp / floor
                continue
            tot = 0.0
            for p in range(a, b):
                tot += cost_pair[n, p]
            cnt = float(pair_count[e, s])
            mean = tot / cnt if cnt > 0.0 else 1.0
            w_sum, f_sum = 0.0, 0.0
            for p in range(a, b):
                rel = cost_pair[n, p] / mean if mean > 0.0 else 1.0
                w[p] = np.exp(-beta[n] * rel) * (1.0 + attract[p])
                w_sum += w[p]
                f_sum += w[p] * fund_target[p]
            for p in range(a, b):
                share = w[p] / w_sum if w_sum > 0.0 else 0.0
                wf = w[p] * fund_target[p]
                fp = fund_extra[n, e, s] * (wf / f_sum if f_sum > 0.0 else 0.0)
                floor = max(survive[sn, p], 0.05)
                announce[n, p] = (private[n, e, s] * share + fp) / floor
                fund_pair[n, p] = fp / floor


def site_projects(cost_pair, private, fund_extra, survive, siting_beta, attract, fund_target, starts, pair_group, pair_count):
    """Compiled :func:`buildrace.engine.investment.site_projects` (same arguments and results)."""
    cost = _as(cost_pair, np.shape(cost_pair))
    N, P = cost.shape
    E, S = np.shape(pair_count)
    announce, fund_pair = np.empty((N, P)), np.empty((N, P))
    _over_draws(
        _site_draws, N, cost, _as(private, (N, E, S)), _as(fund_extra, (N, E, S)), _rows(survive, N, P),
        _per_draw(siting_beta, N), _as(attract, (P,)), _as(fund_target, (P,)), np.ascontiguousarray(starts, dtype=np.int64),
        np.ascontiguousarray(pair_count, dtype=np.int64), announce, fund_pair,
    )
    return announce, fund_pair


@njit(cache=True, nogil=True)
def _progress_draws(n0, n1, flat, t, H, lead, amount, capacity, ramping, pipeline, utilisation, production, lifetime,
                    ramp_years, exit_u, exit_rate, cap_out, ramp_out, pipe_out, life_out, util_out):  # pragma: no cover - compiled
    N, P = amount.shape
    block = N * P  # one year of the (years, draws, pairs) buffer
    nxt = (t + 1) * block
    for n in range(n0, n1):
        ln = n if lifetime.shape[0] > 1 else 0
        rn = n if ramp_years.shape[0] > 1 else 0
        for p in range(P):
            cell = n * P + p
            a = amount[n, p]
            if a != 0.0:  # the schedule: a fractional lead splits the project over two years
                _schedule_pair(flat, cell, block, t, H, a, lead[n, p])
            arr = flat[nxt + cell] if t + 1 < H else 0.0
            u = utilisation[n, p]
            short = min(max(1.0 - u / exit_u[n], 0.0), 1.0)
            life = 1.0 / (1.0 / max(lifetime[ln, p], 1.0) + exit_rate[n] * short)
            life_out[n, p] = life
            k = capacity[n, p]
            cap_out[n, p], ramp_out[n, p] = _advance_pair(k, ramping[n, p], arr, life, ramp_years[rn, p])
            pipe_out[n, p] = max(pipeline[n, p] + a - arr, 0.0)
            ratio = production[n, p] / k if k > 0.0 else 1.0
            util_out[n, p] = u + (ratio - u) / 3.0


def pipeline_progress(arrivals, t, lead, expected_new, capacity, ramping, pipeline, utilisation, production, lifetime,
                      ramp_years, exit_utilisation, exit_rate):
    """Compiled :func:`buildrace.engine.pipeline.progress` (``arrivals`` (T+H, N, P) updated in place)."""
    if not arrivals.flags.c_contiguous or arrivals.dtype != np.float64:
        raise ValueError("the pipeline buffer must be a C-contiguous float64 array (it is updated in place)")
    amount = _as(expected_new, np.shape(expected_new))
    N, P = amount.shape
    if arrivals.shape[1:] != (N, P):
        raise ValueError(f"the pipeline buffer is (years, draws, pairs) = (H, {N}, {P}), got {arrivals.shape}")
    outs = tuple(np.empty((N, P)) for _ in range(5))
    _over_draws(
        _progress_draws, N, arrivals.reshape(-1), int(t), arrivals.shape[0], _as(lead, (N, P)), amount,
        _as(capacity, (N, P)), _as(ramping, (N, P)), _as(pipeline, (N, P)), _as(utilisation, (N, P)),
        _as(production, (N, P)), _rows(lifetime, N, P), _rows(ramp_years, N, P), _per_draw(exit_utilisation, N),
        _per_draw(exit_rate, N), *outs,
    )
    return outs


@njit(cache=True, nogil=True)
def _mix_draws(n0, n1, intensity, substitutes, price, world_price0, sigma, current, k, fixed_now, fixed_base, out):  # pragma: no cover - compiled
    N, M, S = price.shape
    rel = np.empty(S)
    w = np.empty(S)
    for n in range(n0, n1):
        for s in range(S):
            tot = 0.0
            for m in range(M):
                tot += price[n, m, s]
            wp = world_price0[n, s]
            rel[s] = (tot / M) / (wp if wp > 0.0 else 1.0)
        for i in range(S):
            for j in range(S):
                out[n, i, j] = intensity[i, j]
        for consumer in range(S):
            base_sum, w_sum, fixed_sum, any_sub = 0.0, 0.0, 0.0, False
            for u in range(S):
                if substitutes[consumer, u]:
                    any_sub = True
                    base = intensity[consumer, u]
                    base_sum += base
                    fixed_sum += fixed_now[n, consumer, u]
                    w[u] = max(base - fixed_base[n, consumer, u], 0.0) * max(rel[u], 1e-6) ** (-sigma[n])
                    w_sum += w[u]
            if any_sub:
                free = base_sum - fixed_sum  # the requirement whose mix follows prices
                for u in range(S):
                    if substitutes[consumer, u]:
                        if w_sum > 0.0:
                            out[n, consumer, u] = free * w[u] / w_sum + fixed_now[n, consumer, u]
                        else:
                            out[n, consumer, u] = free * intensity[consumer, u] / base_sum + fixed_now[n, consumer, u]
        # designs and contracts turn over in a few years: close a share of the gap
        for i in range(S):
            for j in range(S):
                cur = current[n, i, j]
                out[n, i, j] = cur + k[n] * (out[n, i, j] - cur)


def input_mix_arrays(intensity, substitutes, price, world_price0, sigma, current, mix_adjustment, fixed_now, fixed_base):
    """Compiled :func:`buildrace.engine.run.input_mix` with the mix in force ``current`` (N, S, S)
    and the intensities held to a fixed chemistry now and in the base year (N, S, S)."""
    p = _as(price, np.shape(price))
    N, _, S = p.shape
    out = np.empty((N, S, S))
    _over_draws(
        _mix_draws, N, _as(intensity, (S, S)), np.ascontiguousarray(substitutes, dtype=np.bool_), p,
        _as(world_price0, (N, S)), _per_draw(sigma, N), _as(current, (N, S, S)), _per_draw(mix_adjustment, N),
        _as(fixed_now, (N, S, S)), _as(fixed_base, (N, S, S)), out,
    )
    return out


# --------------------------------------------------------------------------- the year's costs in one call


@njit(cache=True, nogil=True)
def _cost_draws(n0, n1, base_intensity, substitutes, price, world_price0, sigma, current, k, fixed_now, fixed_base,
                x, starts, E, S, pair_stage, phi_econ, phi_world, xeff0, b_pair, capacity, wc0, pair_economy, sc_order,
                sc_starts, sc_of_pair, mass_ref, alpha, own_share, kappa, kappa_mult, factor, cost_mult, electricity,
                elec_price, mix, learn, cost, multiplier):  # pragma: no cover - compiled
    _mix_draws(n0, n1, base_intensity, substitutes, price, world_price0, sigma, current, k, fixed_now, fixed_base, mix)
    _learning_draws(n0, n1, x, starts, E, S, pair_stage, phi_econ, phi_world, xeff0, b_pair, learn)
    _pair_cost_draws(n0, n1, capacity, wc0, pair_stage, pair_economy, sc_order, sc_starts, sc_of_pair, mass_ref, alpha,
                     price, mix, own_share, kappa, kappa_mult, factor, learn, cost_mult, electricity, elec_price, cost,
                     multiplier)


def cost_constants(intensity, substitutes, world_price0, sigma, mix_adjustment, fixed_base, starts, pair_stage,
                   phi_econ, phi_world, xeff0, b_pair, world_capacity0, pair_economy, sc_order, sc_starts, sc_of_pair,
                   mass_ref, alpha, kappa, factor, electricity, elec_price, N: int, E: int, S: int, P: int) -> tuple:
    """The run's constant arguments of :func:`cost_phase`, converted once (a tuple to pass back):
    those of :func:`input_mix_arrays`, :func:`learning_arrays` and :func:`pair_cost_arrays`
    that do not change from year to year, converted as those functions convert them."""
    i64 = lambda v: np.ascontiguousarray(v, dtype=np.int64)  # noqa: E731
    return (
        _as(intensity, (S, S)), np.ascontiguousarray(substitutes, dtype=np.bool_), _as(world_price0, (N, S)),
        _per_draw(sigma, N), _per_draw(mix_adjustment, N), _as(fixed_base, (N, S, S)),
        i64(starts), int(E), int(S), i64(pair_stage), _per_draw(phi_econ, N), _per_draw(phi_world, N),
        _rows(xeff0, N, P), _rows(b_pair, N, P),
        _as(world_capacity0, (S,)), i64(pair_economy), i64(sc_order), i64(sc_starts), i64(sc_of_pair),
        _per_draw(mass_ref, N), _per_draw(alpha, N), _per_draw(kappa, N), _rows(factor, N, P), _as(electricity, (N, S)),
        _as(elec_price, (E,)),
    )


def cost_phase(constants, x_pair, price, current, fixed_now, capacity, own_share, kappa_mult, cost_mult):
    """:func:`input_mix_arrays`, :func:`learning_arrays` and :func:`pair_cost_arrays` of one
    year, in one call: the chemistry mix (N, S, S) that moves with last year's prices, the
    learning factor (N, P) from cumulative production ``x_pair``, and each pair's unit cost
    and A x V multiplier (N, P) with that mix and learning.

    They open the year step one after another, and at one draw their argument handling
    cost more than their arithmetic. ``constants`` is :func:`cost_constants`. Returns
    ``mix, learn, cost, multiplier``; the same bits as the three calls.
    """
    (base_intensity, substitutes, world_price0, sigma, k, fixed_base, starts, E, S, pair_stage, phi_econ, phi_world,
     xeff0, b_pair, wc0, pair_economy, sc_order, sc_starts, sc_of_pair, mass_ref, alpha, kappa, factor, electricity,
     elec_price) = constants
    x = _as(x_pair, np.shape(x_pair))
    N, P = x.shape
    mix, learn, cost, multiplier = np.empty((N, S, S)), np.empty((N, P)), np.empty((N, P)), np.empty((N, P))
    _over_draws(
        _cost_draws, N, base_intensity, substitutes, _as(price, (N, E, S)), world_price0, sigma, _as(current, (N, S, S)),
        k, _as(fixed_now, (N, S, S)), fixed_base, x, starts, E, S, pair_stage, phi_econ, phi_world, xeff0, b_pair,
        _as(capacity, (N, P)), wc0, pair_economy, sc_order, sc_starts, sc_of_pair, mass_ref, alpha,
        _as(own_share, (N, E, S)), kappa, _as(kappa_mult, (P,)), factor, _as(cost_mult, (P,)), electricity, elec_price,
        mix, learn, cost, multiplier,
    )
    return mix, learn, cost, multiplier


# --------------------------------------------------------------------------- site projects and the pipeline in one call


@njit(cache=True, nogil=True)
def _site_progress_draws(n0, n1, cost, private, fund_extra, survive, beta, attract, fund_target, starts, pair_count, flat,
                         t, H, lead, capacity, ramping, pipeline, utilisation, production, lifetime, ramp_years, exit_u,
                         exit_rate, announce, fund_pair, expected_new, cap_out, ramp_out, pipe_out, life_out,
                         util_out):  # pragma: no cover - compiled
    _site_draws(n0, n1, cost, private, fund_extra, survive, beta, attract, fund_target, starts, pair_count, announce,
                fund_pair)
    P = announce.shape[1]
    for n in range(n0, n1):  # the expected capacity of the year's announcements (announce * survive)
        sn = n if survive.shape[0] > 1 else 0
        for p in range(P):
            expected_new[n, p] = announce[n, p] * survive[sn, p]
    _progress_draws(n0, n1, flat, t, H, lead, expected_new, capacity, ramping, pipeline, utilisation, production,
                    lifetime, ramp_years, exit_u, exit_rate, cap_out, ramp_out, pipe_out, life_out, util_out)


def site_progress_constants(siting_beta, starts, pair_count, lifetime, exit_utilisation, exit_rate, N: int, P: int) -> tuple:
    """The run's constant arguments of :func:`site_progress_phase`, converted once (as
    :func:`site_projects` and :func:`pipeline_progress` convert them; a tuple to pass back)."""
    return (
        _per_draw(siting_beta, N), np.ascontiguousarray(starts, dtype=np.int64), np.ascontiguousarray(pair_count, dtype=np.int64),
        _rows(lifetime, N, P), _per_draw(exit_utilisation, N), _per_draw(exit_rate, N),
    )


def site_progress_phase(constants, cost_pair, private, fund_extra, survive, attract, fund_target, arrivals, t, lead,
                        capacity, ramping, pipeline, utilisation, production, ramp_years):
    """:func:`site_projects`, then :func:`pipeline_progress` of their expected capacity
    (``announce * survive``), in one call (``arrivals`` (T+H, N, P) updated in place).

    They follow one another in the year step, and at one draw their argument handling
    cost more than their arithmetic. ``constants`` is :func:`site_progress_constants`.
    Returns ``announce, fund_pair`` and then the five results of :func:`pipeline_progress`;
    the same bits as the two calls.
    """
    beta, starts, pair_count, lifetime, exit_u, exit_rate = constants
    cost = _as(cost_pair, np.shape(cost_pair))
    N, P = cost.shape
    E, S = pair_count.shape
    if not arrivals.flags.c_contiguous or arrivals.dtype != np.float64:
        raise ValueError("the pipeline buffer must be a C-contiguous float64 array (it is updated in place)")
    if arrivals.shape[1:] != (N, P):
        raise ValueError(f"the pipeline buffer is (years, draws, pairs) = (H, {N}, {P}), got {arrivals.shape}")
    announce, fund_pair, expected_new = np.empty((N, P)), np.empty((N, P)), np.empty((N, P))
    outs = (np.empty((N, P)), np.empty((N, P)), np.empty((N, P)), np.empty((N, P)), np.empty((N, P)))
    _over_draws(
        _site_progress_draws, N, cost, _as(private, (N, E, S)), _as(fund_extra, (N, E, S)), _rows(survive, N, P), beta,
        _as(attract, (P,)), _as(fund_target, (P,)), starts, pair_count, arrivals.reshape(-1), int(t), arrivals.shape[0],
        _as(lead, (N, P)), _as(capacity, (N, P)), _as(ramping, (N, P)), _as(pipeline, (N, P)), _as(utilisation, (N, P)),
        _as(production, (N, P)), lifetime, _rows(ramp_years, N, P), exit_u, exit_rate, announce, fund_pair, expected_new,
        *outs,
    )
    return (announce, fund_pair) + outs


# --------------------------------------------------------------------------- offers, clearing and sites in one call


@njit(cache=True, nogil=True)
def _trade_draws(n0, n1, cost_eff, tariff, premium, transport, offdiag, avail, lam, factor, theta, alpha, bilateral,
                 final_demand, intensity, lv_stage, lv_start, share, members, lv_local, stock, comp_idx, sub_idx, lv_comp,
                 lv_sub, has_lic, licence, lv_lic, base_share, has_cc, compliant, avail_pair, cost_pair, theta_pair,
                 lam_within, group_start, rounds, dlv, cap_w, pref, index, demand, derived, flows, stock_draw, planned,
                 output, fill, served, unmet, q):  # pragma: no cover - compiled
    _offer_draws(n0, n1, cost_eff, tariff, premium, transport, offdiag, avail, lam, factor, theta, alpha, bilateral, dlv,
                 cap_w, pref, index)
    _clear_draws(n0, n1, final_demand, avail, pref, intensity, lv_stage, lv_start, share, members, lv_local, stock,
                 comp_idx, sub_idx, lv_comp, lv_sub, has_lic, licence, lv_lic, base_share, has_cc, compliant, demand,
                 derived, flows, stock_draw, planned, output, fill, served, unmet)
    N, E, S = output.shape
    _split_draws(n0, n1, output.reshape((N, E * S)), avail_pair, cost_pair, theta_pair, lam_within, group_start, rounds, q)


@njit(cache=True, nogil=True)
def _level_tables(share, licence, has_lic, lv_stage, lv_start):  # pragma: no cover - compiled
    """The clearing's per-level flags in one call: local content reserved at some stage of
    the level, and a licence binding there (``has_lic``: a licence table is given); and
    whether any level has one (``compiled.clear_markets`` asks the same in three calls)."""
    lv_local = _level_any(share, lv_stage, lv_start, False)
    lv_lic = _level_any(licence, lv_stage, lv_start, True) if has_lic else np.zeros(lv_start.shape[0] - 1, np.bool_)
    return lv_local, lv_lic, lv_lic.any()


def trade_phase(cost_eff, tariff, premium, transport, offdiag, avail, lam, factor, theta, alpha, bilateral, final_demand,
                intensity, levels, local_share, local_members, stock, substitutes, licence, base_share, compliant_cap,
                avail_pair, cost_pair, theta_pair, lam_within, group_start, rounds: int = 3):
    """:func:`offers`, then :func:`buildrace.engine.compiled.clear_markets` with their
    preferences, then :func:`buildrace.engine.compiled.split_to_sites` of the cleared
    output, in one call.

    They follow one another in the year step, and at one draw their argument handling
    cost more than much of their arithmetic. The arguments are those of the three calls
    (less the preference and the output that pass from one to the next), converted as
    they convert them. Returns ``dlv, cap_w, pref, index`` (as :func:`offers`), the
    :class:`~buildrace.engine.contract.Clearing` and each pair's production (N, P); the
    same bits as the three calls.
    """
    bilateral = _as(bilateral, np.shape(bilateral))
    N, M, E, S = bilateral.shape
    tariff = np.asarray(tariff, dtype=float)
    tariff = _as(tariff if tariff.ndim == 4 else tariff[None], tariff.shape if tariff.ndim == 4 else (1, M, E, S))
    avail = _as(avail, (N, E, S))
    dlv, pref = np.empty((N, M, E, S)), np.empty((N, M, E, S))
    cap_w, index = np.empty((N, E, S)), np.empty((N, M, S))
    # the clearing's tables (compiled.clear_markets)
    intensity = np.asarray(intensity, dtype=_F8)
    pattern = intensity if intensity.ndim == 2 else intensity[0]
    int3 = _f(intensity[None] if intensity.ndim == 2 else intensity)
    comp_idx, sub_idx, lv_stage, lv_start, lv_comp, lv_sub = _structure(pattern, substitutes, levels)
    share = _as(local_share, (M, S))
    has_lic = licence is not None
    lic = _as(licence, (M, E, S)) if has_lic else np.zeros((1, 1, 1))
    lv_local, lv_lic, has_lic = _level_tables(share, lic.reshape(M * E, S) if has_lic else np.zeros((1, 1)), has_lic,
                                              lv_stage, lv_start)
    bs = _as(base_share, pref.shape) if has_lic else np.zeros((1, 1, 1, 1))
    has_cc = compliant_cap is not None
    cc = _as(compliant_cap, pref.shape) if has_cc else np.zeros((1, 1, 1, 1))
    demand, derived, flows = np.zeros((N, M, S)), np.zeros((N, M, S)), np.zeros((N, M, E, S))
    stock_draw, planned, output, fill = np.zeros((N, M, S)), np.zeros((N, E, S)), np.zeros((N, E, S)), np.ones((N, M, S))
    served, unmet = np.empty((N, M, S)), np.empty((N, M, S))
    # the split to sites (compiled.split_to_sites)
    avail_pair = _f(avail_pair)
    P = avail_pair.shape[1]
    q = np.zeros((N, P))
    _over_draws(
        _trade_draws, N, _as(cost_eff, (N, E, S)), tariff, _as(premium, (M, E)), _as(transport, (N, S)),
        _as(offdiag, (M, E)), avail, _as(lam, (N, S)), _as(factor, (M, E, S)), _as(theta, (N, E, S)),
        _per_draw(alpha, N), bilateral, _as(final_demand, (N, M, S)), int3, lv_stage, lv_start, share,
        _as(local_members, (M, E)), lv_local, _as(stock, (N, E, S)), comp_idx, sub_idx, lv_comp, lv_sub, has_lic, lic,
        lv_lic, bs, has_cc, cc, avail_pair, _as2(cost_pair, N, P), _as2(theta_pair, N, P), _as2(lam_within, N, P),
        np.ascontiguousarray(group_start, dtype=np.int64), int(rounds), dlv, cap_w, pref, index, demand, derived, flows,
        stock_draw, planned, output, fill, served, unmet, q,
    )
    clearing = Clearing(demand, derived, flows, served, stock_draw, unmet, planned, output, fill)
    return dlv, cap_w, pref, index, clearing, q


# --------------------------------------------------------------------------- the year's opening in one call


@njit(cache=True, nogil=True)
def _open_year_draws(n0, n1, base_intensity, substitutes, price, world_price0, sigma, current, k, fixed_now, fixed_base,
                     x, starts, E, S, pair_stage, phi_econ, phi_world, xeff0, b_pair, capacity, wc0, pair_economy,
                     sc_order, sc_starts, sc_of_pair, mass_ref, alpha, own_share, kappa, kappa_mult, factor, cost_mult,
                     electricity, elec_price, mix, learn, cost, multiplier, ramping, util, mask0, base_year, theta_pair,
                     group_start, content, credit_x, seg, spread, credit, credit_share, itc, world_cost0, price0, ups,
                     demand0, growth_t, elasticity, coupling, use_intensity, other0, other_mult, stock_months, stock,
                     market0, market_scale, market_mult, avail_pair, avail, cost_e, credit_unit, cost_eff, itc_t, final,
                     d_final, purchase):  # pragma: no cover - compiled
    _cost_draws(n0, n1, base_intensity, substitutes, price, world_price0, sigma, current, k, fixed_now, fixed_base, x,
                starts, E, S, pair_stage, phi_econ, phi_world, xeff0, b_pair, capacity, wc0, pair_economy, sc_order,
                sc_starts, sc_of_pair, mass_ref, alpha, own_share, kappa, kappa_mult, factor, cost_mult, electricity,
                elec_price, mix, learn, cost, multiplier)
    _cost_demand_draws(n0, n1, capacity, ramping, util, mask0, base_year, cost, avail_pair, theta_pair, group_start, E, S,
                       content, credit_x, seg, spread, credit, credit_share, itc, world_cost0, world_cost0, False, price,
                       price0, ups, demand0, growth_t, elasticity, coupling, use_intensity, other0, other_mult,
                       stock_months, stock, market0, market_scale, market_mult, avail, cost_e, credit_unit, cost_eff, itc_t,
                       final, d_final, purchase)


def open_year_phase(cost_constants, demand_constants, x_pair, price, current, fixed_now, capacity, own_share, kappa_mult,
                    cost_mult, ramping, base_year: bool, content_cn, credit_feoc, credit, credit_share, itc, growth_t,
                    other_mult, stock_months, stock, market_mult):
    """:func:`cost_phase`, then :func:`buildrace.engine.compiled_year.cost_demand_phase` on
    its pair costs, in one call, for a year without cost shocks (the shocks scale the
    pair costs between the two: the year step calls them one by one where shocks are drawn).

    ``cost_constants`` is :func:`cost_constants`, ``demand_constants``
    :func:`buildrace.engine.compiled_year.cost_demand_constants`; the other arguments are
    those of the two calls (last year's ``price`` serves both). Returns ``mix, learn, cost,
    multiplier`` and then the nine results of ``cost_demand_phase``; the same bits as the
    two calls.
    """
    (base_intensity, substitutes, world_price0, sigma, k, fixed_base, starts, E, S, pair_stage, phi_econ, phi_world,
     xeff0, b_pair, wc0, pair_economy, sc_order, sc_starts, sc_of_pair, mass_ref, alpha, kappa, factor, electricity,
     elec_price) = cost_constants
    (util, mask0, theta, group_start, seg, spread, world_cost0, price0, ups, demand0, elasticity, coupling, use_intensity,
     other0, market0, market_scale) = demand_constants
    x = _as(x_pair, np.shape(x_pair))
    N, P = x.shape
    M, U = demand0.shape
    nms = (N, M, S)
    mix, learn, cost, multiplier = np.empty((N, S, S)), np.empty((N, P)), np.empty((N, P)), np.empty((N, P))
    avail_pair, avail, cost_e, credit_unit, cost_eff, itc_t, final, d_final, purchase = cost_demand_arrays(N, P, M, E, S, U)
    price = _as(price, nms)
    capacity = _as(capacity, (N, P))
    _over_draws(
        _open_year_draws, N, base_intensity, substitutes, price, world_price0, sigma, _as(current, (N, S, S)), k,
        _as(fixed_now, (N, S, S)), fixed_base, x, starts, E, S, pair_stage, phi_econ, phi_world, xeff0, b_pair, capacity, wc0,
        pair_economy, sc_order, sc_starts, sc_of_pair, mass_ref, alpha, _as(own_share, (N, E, S)), kappa,
        _as(kappa_mult, (P,)), factor, _as(cost_mult, (P,)), electricity, elec_price, mix, learn, cost, multiplier,
        _as(ramping, (N, P)), util, mask0, bool(base_year), theta, group_start, _lead(content_cn, N, (E, S)),
        _as(credit_feoc, (E, S)), seg, spread, _as(credit, (E, S)), _as(credit_share, (E, S)), _as(itc, (E, S)),
        world_cost0, price0, ups, demand0, _lead(growth_t, N, (M, U)), elasticity, coupling, use_intensity, other0,
        _year_per_draw(other_mult, N), _as(stock_months, (M, S)), _as(stock, nms), market0, market_scale,
        _year_per_draw(1.0 if market_mult is None else market_mult, N),
        avail_pair, avail, cost_e, credit_unit, cost_eff, itc_t, final, d_final, purchase,
    )
    return mix, learn, cost, multiplier, avail_pair, avail, cost_e, credit_unit, cost_eff, itc_t, final, d_final, purchase
