"""Compiled phases of the year step around the market (numba): economy costs, credits,
demand, stocks and accounts.

Each public function has the semantics of the NumPy statements it replaces, which stay
the reference path (``BUILDRACE_ENGINE=numpy``):

- :func:`economy_phase`: each economy's available capacity and its within-logit-weighted
  unit cost (:func:`buildrace.engine.calibrate.economy_cost` and the group sum of
  :func:`buildrace.engine.run.step`, MODEL.md step 3);
- :func:`credit_phase`: the compliant share of output under a credit's content rule
  (:func:`buildrace.engine.origin.compliant_share`), the production credit per unit
  (:func:`~buildrace.engine.calibrate.credit_per_unit`), the cost net of credits
  (:func:`~buildrace.engine.calibrate.effective_cost`) and the investment credit in force;
- :func:`compliant_share`, the elementwise twin of
  :func:`buildrace.engine.origin.compliant_share` on any broadcastable shapes;
- :func:`demand_phase`: the world cost trend, final demand
  (:func:`buildrace.engine.demand.final_use_demand`), stage demand
  (:func:`~buildrace.engine.demand.stage_demand`) and the stockpile purchases (MODEL.md
  step 1);
- :func:`cost_demand_phase`: each pair's available capacity and the first three in one
  call (the year step's path);
- :func:`implied_arrivals`: the loop of :func:`buildrace.engine.run.implied_pipeline`
  (projects in flight in the base year);
- :func:`price_phase`: unmet shares, the glut factor, prices (index and anchor, or last
  year's price; scarcity markup; commodity shock) and home shares after clearing
  (:func:`buildrace.engine.prices.price_phase`);
- :func:`accounts_phase`: the stock account (surplus inputs, reserves, draws) and the
  year's accounts: tariff revenue, production credits paid, jobs, electricity, the cost
  of carrying stocks (MODEL.md step 6).

Why: at one draw these phases were some sixty NumPy calls a year on arrays of a few
hundred elements, each costing more in call overhead than in arithmetic; here each is
one call, and each draw one pass over its cells. Every loop computes a draw with the
same operations in the same order whatever the batch, so a draw's bits do not depend on
the other draws. ``tests/unit/engine/test_compiled_year.py`` holds each phase to the
reference at 1e-9 relative.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from buildrace.engine.compiled import _as, _over_draws
from buildrace.engine.contract import SATURATION_SHARPNESS, UNMET_CEILING


def _i64(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.int64)


def _lead(a, N: int, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` with a leading draw axis of 1 or N (kept at 1 when it has one), C-contiguous float64."""
    a = np.asarray(a, dtype=float)
    if a.ndim == len(shape):
        a = a[None]
    return _as(a, ((1 if a.shape[0] == 1 else N),) + shape)


def _per_draw(a, N: int) -> np.ndarray:
    """A per-draw parameter (N, 1, ...) or a scalar as a flat (N,) array."""
    if type(a) is np.ndarray and a.size == N and a.dtype == np.float64 and a.flags.c_contiguous:
        return a.reshape(N)  # a model parameter's (N, 1, ...) view: the common case, without the copy checks
    return _as(np.reshape(a, (-1,)) if np.ndim(a) else a, (N,))


# --------------------------------------------------------------------------- economy costs


@njit(cache=True, nogil=True)
def _economy_draws(n0, n1, cost_pair, avail_pair, theta_pair, starts, E, S, avail, cost_e):  # pragma: no cover - compiled
    P = cost_pair.shape[1]
    G = E * S
    for n in range(n0, n1):
        tn = n if theta_pair.shape[0] > 1 else 0
        for g in range(G):
            end = starts[g + 1] if g + 1 < G else P
            a_sum, wc, ws = 0.0, 0.0, 0.0
            for p in range(starts[g], end):
                a = avail_pair[n, p]
                w = a * theta_pair[tn, p] + 1e-12
                a_sum += a
                wc += w * cost_pair[n, p]
                ws += w
            e, s = g // S, g % S
            avail[n, e, s] = a_sum
            cost_e[n, e, s] = wc / ws if ws > 0.0 else 1.0


def economy_phase(cost_pair, avail_pair, theta_pair, starts, E: int, S: int):
    """Available capacity and unit cost (each (N, E, S)) of every economy.

    Twin of ``group_sum(avail_pair)`` and :func:`buildrace.engine.calibrate.economy_cost`
    (weights ``avail * theta + 1e-12``, fill 1).
    """
    cost_pair = _as(cost_pair, np.shape(cost_pair))
    N, P = cost_pair.shape
    avail, cost_e = np.empty((N, E, S)), np.empty((N, E, S))
    _over_draws(
        _economy_draws, N, cost_pair, _as(avail_pair, (N, P)), _lead(theta_pair, N, (P,)), _i64(starts), int(E), int(S), avail, cost_e,
    )
    return avail, cost_e


# --------------------------------------------------------------------------- content rules and credits


@njit(cache=True, nogil=True, inline="always")
def _compliant(c, x, seg, spread):  # pragma: no cover - compiled
    room = 1.0 - x
    if not room > 0.0:
        return 1.0
    perfect = min(max((1.0 - c) / room, 0.0), 1.0)
    lines = min(max((x - c) / spread + 0.5, 0.0), 1.0)
    return seg * perfect + (1.0 - seg) * lines


@njit(cache=True, nogil=True)
def _compliant_flat(content, x, seg, spread, out):  # pragma: no cover - compiled
    for i in range(out.shape[0]):
        out[i] = _compliant(content[i], x[i], seg[i], spread[i])


def compliant_share(content, max_content, segregation=1.0, spread=0.1) -> np.ndarray:
    """Compiled :func:`buildrace.engine.origin.compliant_share` (same arguments, same result shape)."""
    c, x, seg, sp = (np.ascontiguousarray(a).reshape(-1) for a in np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (content, max_content, segregation, spread))))
    shape = np.broadcast_shapes(np.shape(content), np.shape(max_content), np.shape(segregation), np.shape(spread))
    out = np.empty(shape)
    _compliant_flat(c, x, seg, sp, out.reshape(-1))
    return out


@njit(cache=True, nogil=True)
def _credit_draws(n0, n1, content, x, seg, spread, credit, credit_share, itc, cost_e, credit_unit, cost_eff, itc_t):  # pragma: no cover - compiled
    E, S = cost_e.shape[1], cost_e.shape[2]
    for n in range(n0, n1):
        cn = n if content.shape[0] > 1 else 0
        sg, sp = seg[n], spread[n]
        for e in range(E):
            for s in range(S):
                ok = _compliant(content[cn, e, s], x[e, s], sg, sp)
                c_t, cs_t = credit[e, s] * ok, credit_share[e, s] * ok
                ce = cost_e[n, e, s]
                credit_unit[n, e, s] = c_t + cs_t * ce
                cost_eff[n, e, s] = max(ce * (1.0 - cs_t) - c_t, 0.0)
                itc_t[n, e, s] = itc[e, s] * ok


def credit_phase(content_cn, credit_feoc, segregation, spread, credit, credit_share, itc, cost_e):
    """Credits paid on compliant output: ``(credit_unit, cost_eff, itc_t)``, each (N, E, S).

    ``content_cn`` (N or 1, E, S) is the foreign entity's share of each economy's value
    added, ``credit_feoc`` (E, S) the content threshold (1 = no rule), ``credit``,
    ``credit_share`` and ``itc`` (E, S) the year's credits before the rule.
    """
    cost_e = _as(cost_e, np.shape(cost_e))
    N, E, S = cost_e.shape
    out = tuple(np.empty((N, E, S)) for _ in range(3))
    _over_draws(
        _credit_draws, N, _lead(content_cn, N, (E, S)), _as(credit_feoc, (E, S)), _per_draw(segregation, N),
        _per_draw(spread, N), _as(credit, (E, S)), _as(credit_share, (E, S)), _as(itc, (E, S)), cost_e, *out,
    )
    return out


# --------------------------------------------------------------------------- demand


@njit(cache=True, nogil=True)
def _demand_draws(n0, n1, avail, cost_e, world_cost0, cost_shock, shocked, price, price0, ups, demand0, growth_t,
                  elasticity, coupling, use_intensity, other0, other_mult, stock_months, stock, market0, market_scale,
                  market_mult, final, d_final, purchase):  # pragma: no cover - compiled
    N, E, S = cost_e.shape
    M, U = demand0.shape
    trend = np.empty(S)
    base = np.empty((M, U))
    above = np.empty((M, U))
    for n in range(n0, n1):
        gn = n if growth_t.shape[0] > 1 else 0
        en = n if elasticity.shape[0] > 1 else 0
        kn = n if coupling.shape[0] > 1 else 0
        for s in range(S):
            num, den = 0.0, 0.0
            for e in range(E):
                w = avail[n, e, s] + 1e-12
                num += w * cost_e[n, e, s]
                den += w
            tr = (num / den) / world_cost0[n, s]
            if shocked:  # cost shocks are news to consumers: the trend they expect excludes them
                tr = tr / cost_shock[n, s]
            trend[s] = tr
        for m in range(M):
            for u in range(U):
                s = ups[u]
                p0 = price0[n, m, s] * trend[s]
                ratio = price[n, m, s] / p0 if p0 > 0.0 else 1.0
                path = demand0[m, u] * growth_t[gn, m, u]
                b = path * ratio ** (-elasticity[en, u])
                base[m, u] = b
                above[m, u] = max(b - path, 0.0)
            for j in range(U):
                extra = 0.0
                for u in range(U):
                    extra += above[m, u] * coupling[kn, u, j]
                f = max(base[m, j] + extra, 0.0)
                mk = market0[m, j] * market_mult[n]
                if mk > 0.0:  # held under the use's market (demand.market_ceiling)
                    sh = f / mk
                    f = mk * sh / (1.0 + sh**SATURATION_SHARPNESS) ** (1.0 / SATURATION_SHARPNESS) * market_scale[m, j]
                final[n, m, j] = f
            om = other_mult[n]
            for s in range(S):
                d = 0.0
                for u in range(U):
                    d += final[n, m, u] * use_intensity[u, s]
                d = d + other0[m, s] * om
                buy = max(stock_months[m, s] / 12.0 * d - stock[n, m, s], 0.0) * 0.25
                purchase[n, m, s] = buy
                d_final[n, m, s] = d + buy


def demand_phase(avail, cost_e, world_cost0, cost_shock, price, price0, use_price_stage, demand0, growth_t, elasticity,
                 coupling, use_intensity, other0, other_mult, stock_months, stock, market0=None, market_scale=None,
                 market_mult=None):
    """Final demand (N, M, U), stage demand with stockpile purchases (N, M, S) and the purchases (N, M, S).

    Twin of step 1 of :func:`buildrace.engine.run.step`: the world cost trend
    (availability-weighted economy costs over the base year's, less any cost shock),
    :func:`buildrace.engine.demand.final_use_demand` floored at zero,
    :func:`~buildrace.engine.demand.stage_demand` with other uses scaled by
    ``other_mult`` (N,), and a quarter of the gap to each market's stock target.
    ``cost_shock`` (N, S) or None.
    """
    cost_e = _as(cost_e, np.shape(cost_e))
    N, E, S = cost_e.shape
    demand0 = _as(demand0, np.shape(demand0))
    M, U = demand0.shape
    shocked = cost_shock is not None
    final, d_final, purchase = np.empty((N, M, U)), np.empty((N, M, S)), np.empty((N, M, S))
    _over_draws(
        _demand_draws, N, _as(avail, (N, E, S)), cost_e, _as(world_cost0, (N, S)),
        _as(cost_shock if shocked else 1.0, (N, S)), shocked, _as(price, (N, M, S)), _as(price0, (N, M, S)),
        _i64(np.maximum(use_price_stage, 0)), demand0, _lead(growth_t, N, (M, U)), _lead(elasticity, N, (U,)),
        _lead(coupling, N, (U, U)), _as(use_intensity, (U, S)), _as(other0, (M, S)), _per_draw(other_mult, N),
        _as(stock_months, (M, S)), _as(stock, (N, M, S)), *_market_args(market0, market_scale, market_mult, N, M, U),
        final, d_final, purchase,
    )
    return final, d_final, purchase


def _market_args(market0, market_scale, market_mult, N: int, M: int, U: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The market ceiling's kernel arguments: no market (zeros) where none is given."""
    if market0 is None:
        return np.zeros((M, U)), np.ones((M, U)), np.ones(N)
    return _as(market0, (M, U)), _as(market_scale, (M, U)), _per_draw(market_mult, N)


# --------------------------------------------------------------------------- base-year pipeline


@njit(cache=True, nogil=True)
def _implied_draws(n0, n1, capacity0, g, n_lead, replace_rate, out):  # pragma: no cover - compiled
    P, K = out.shape[1], out.shape[2]
    for n in range(n0, n1):
        gn = n if g.shape[0] > 1 else 0
        ln = n if n_lead.shape[0] > 1 else 0
        rn = n if replace_rate.shape[0] > 1 else 0
        for p in range(P):
            gp, lead, rr = g[gn, p], n_lead[ln, p], replace_rate[rn, p]
            level = 1.0  # (1 + g) ** (h - 1), by repeated products as in the reference
            out[n, p, 0] = 0.0
            for h in range(1, K):
                out[n, p, h] = capacity0[p] * gp * level + rr if h <= lead else 0.0
                level = level * (1.0 + gp)


def implied_arrivals(capacity0, g, n_lead, replace_rate, N: int, K: int) -> np.ndarray:
    """Compiled loop of :func:`buildrace.engine.run.implied_pipeline`: arrivals (N, P, K)
    ``capacity0 * g * (1 + g) ** (h - 1) + replace_rate`` for ``1 <= h <= n_lead``, else 0."""
    capacity0 = _as(capacity0, np.shape(capacity0))
    P = capacity0.shape[0]
    out = np.empty((N, P, K))
    _over_draws(_implied_draws, N, capacity0, _lead(g, N, (P,)), _lead(n_lead, N, (P,)), _lead(replace_rate, N, (P,)), out)
    return out


# --------------------------------------------------------------------------- costs to demand, fused


@njit(cache=True, nogil=True)
def _avail_draws(n0, n1, capacity, ramping, util, mask0, base_year, avail_pair):  # pragma: no cover - compiled
    P = capacity.shape[1]
    for n in range(n0, n1):
        un = n if util.shape[0] > 1 else 0
        for p in range(P):
            if base_year:  # base-year capacity still commissioning is in the data's output
                a = util[un, p] * capacity[n, p] * mask0[p]
            else:
                a = util[un, p] * (capacity[n, p] - 0.5 * ramping[n, p])
            avail_pair[n, p] = a if not a < 0.0 else 0.0


@njit(cache=True, nogil=True)
def _cost_demand_draws(n0, n1, capacity, ramping, util, mask0, base_year, cost_pair, avail_pair, theta_pair, starts, E,
                       S, content, x, seg, spread, credit, credit_share, itc, world_cost0, cost_shock, shocked, price,
                       price0, ups, demand0, growth_t, elasticity, coupling, use_intensity, other0, other_mult,
                       stock_months, stock, market0, market_scale, market_mult, avail, cost_e, credit_unit, cost_eff,
                       itc_t, final, d_final, purchase):  # pragma: no cover - compiled
    _avail_draws(n0, n1, capacity, ramping, util, mask0, base_year, avail_pair)
    _economy_draws(n0, n1, cost_pair, avail_pair, theta_pair, starts, E, S, avail, cost_e)
    _credit_draws(n0, n1, content, x, seg, spread, credit, credit_share, itc, cost_e, credit_unit, cost_eff, itc_t)
    _demand_draws(n0, n1, avail, cost_e, world_cost0, cost_shock, shocked, price, price0, ups, demand0, growth_t,
                  elasticity, coupling, use_intensity, other0, other_mult, stock_months, stock, market0, market_scale,
                  market_mult, final, d_final, purchase)


def cost_demand_constants(utilisation, avail_mask0, theta_pair, starts, segregation, spread, world_cost0, price0,
                          use_price_stage, demand0, elasticity, coupling, use_intensity, other0, N: int, P: int,
                          market0=None, market_scale=None):
    """The run's constant arguments of :func:`cost_demand_phase`, converted once (a tuple to pass back)."""
    demand0 = _as(demand0, np.shape(demand0))
    M, U = demand0.shape
    S = np.shape(use_intensity)[1]
    return (
        _lead(utilisation, N, (P,)), _as(avail_mask0, (P,)), _lead(theta_pair, N, (P,)), _i64(starts), _per_draw(segregation, N), _per_draw(spread, N),
        _as(world_cost0, (N, S)), _as(price0, (N, M, S)), _i64(np.maximum(use_price_stage, 0)), demand0,
        _lead(elasticity, N, (U,)), _lead(coupling, N, (U, U)), _as(use_intensity, (U, S)), _as(other0, (M, S)),
        *_market_args(market0, market_scale, None, N, M, U)[:2],
    )


def cost_demand_arrays(N: int, P: int, M: int, E: int, S: int, U: int) -> tuple:
    """The empty results of the cost-demand kernel: ``avail_pair`` (N, P); ``avail, cost_e,
    credit_unit, cost_eff, itc_t`` (N, E, S); ``final`` (N, M, U); ``d_final, purchase`` (N, M, S)."""
    nes, nms = (N, E, S), (N, M, S)
    return (np.empty((N, P)), np.empty(nes), np.empty(nes), np.empty(nes), np.empty(nes), np.empty(nes),
            np.empty((N, M, U)), np.empty(nms), np.empty(nms))


def cost_demand_phase(constants, capacity, ramping, base_year: bool, cost_pair, E: int, S: int, content_cn, credit_feoc,
                      credit, credit_share, itc, cost_shock, price, growth_t, other_mult, stock_months, stock,
                      market_mult=None):
    """Each pair's available capacity, then :func:`economy_phase`, :func:`credit_phase` and
    :func:`demand_phase`, in one call.

    They follow one another in the year step and share their arrays: one call a year
    instead of four saves the argument handling that dominates at one draw. Available
    capacity (N, P) is :func:`buildrace.engine.pipeline.available_capacity` floored at 0,
    or in the base year (``base_year``) ``utilisation * capacity * avail_mask0``.
    ``constants`` is :func:`cost_demand_constants`. Returns ``avail_pair, avail, cost_e,
    credit_unit, cost_eff, itc_t, final, d_final, purchase``.
    """
    (util, mask0, theta, starts, seg, spread, world_cost0, price0, ups, demand0, elasticity, coupling, use_intensity,
     other0, market0, market_scale) = constants
    cost_pair = _as(cost_pair, np.shape(cost_pair))
    N, P = cost_pair.shape
    M, U = demand0.shape
    nms = (N, M, S)
    avail_pair, avail, cost_e, credit_unit, cost_eff, itc_t, final, d_final, purchase = cost_demand_arrays(N, P, M, E, S, U)
    shocked = cost_shock is not None
    _over_draws(
        _cost_demand_draws, N, _as(capacity, (N, P)), _as(ramping, (N, P)), util, mask0, bool(base_year), cost_pair,
        avail_pair, theta, starts, int(E), int(S),
        _lead(content_cn, N, (E, S)), _as(credit_feoc, (E, S)), seg, spread, _as(credit, (E, S)),
        _as(credit_share, (E, S)), _as(itc, (E, S)), world_cost0,
        _as(cost_shock, (N, S)) if shocked else world_cost0, shocked,  # (unread without shocks: any (N, S) array)
        _as(price, nms), price0, ups, demand0, _lead(growth_t, N, (M, U)), elasticity, coupling, use_intensity, other0,
        _per_draw(other_mult, N), _as(stock_months, (M, S)), _as(stock, nms), market0, market_scale,
        _per_draw(1.0 if market_mult is None else market_mult, N),
        avail, cost_e, credit_unit, cost_eff, itc_t, final, d_final, purchase,
    )
    return avail_pair, avail, cost_e, credit_unit, cost_eff, itc_t, final, d_final, purchase


# --------------------------------------------------------------------------- stocks and accounts


@njit(cache=True, nogil=True)
def _accounts_draws(n0, n1, output, intensity, fill, derived, stock_prev, purchase, stock_draw, flows, cost_eff, tariff,
                    credit_unit, jobs_per_unit, elec_per_unit, capacity_e, price_prev, carry,
                    used, received, to_stock, stock, tariff_rev, subsidies, jobs, electricity, carrying):  # pragma: no cover - compiled
    N, M, E, S = flows.shape
    for n in range(n0, n1):
        an = n if intensity.shape[0] > 1 else 0
        tn = n if tariff.shape[0] > 1 else 0
        jn = n if jobs_per_unit.shape[0] > 1 else 0
        xn = n if elec_per_unit.shape[0] > 1 else 0
        cy = carry[n]
        # stocks: surplus inputs stay in stock; purchases fill reserves; draws empty them
        for e in range(E):
            for u in range(S):
                used[n, e, u] = 0.0
            for s in range(S):  # rows of the intensity matrix in memory order
                q = output[n, e, s]
                for u in range(S):
                    used[n, e, u] += q * intensity[an, s, u]
            for u in range(S):
                tot = used[n, e, u]
                r = fill[n, e, u] * derived[n, e, u]
                received[n, e, u] = r
                ts = max(r - tot, 0.0)
                to_stock[n, e, u] = ts
                k = max(stock_prev[n, e, u] + ts + fill[n, e, u] * purchase[n, e, u] - stock_draw[n, e, u], 0.0)
                stock[n, e, u] = k
                carrying[n, e, u] = k * price_prev[n, e, u] * cy
        for m in range(M):
            for s in range(S):
                tariff_rev[n, m, s] = 0.0
            for e in range(E):  # suppliers in order, stages innermost (memory order)
                for s in range(S):
                    tariff_rev[n, m, s] += flows[n, m, e, s] * cost_eff[n, e, s] * tariff[tn, m, e, s]
        for e in range(E):
            for s in range(S):
                q = output[n, e, s]
                subsidies[n, e, s] = credit_unit[n, e, s] * q
                jobs[n, e, s] = jobs_per_unit[jn, s] * capacity_e[n, e, s]
                electricity[n, e, s] = elec_per_unit[xn, s] * q


def accounts_phase(output, intensity, fill, derived, stock_prev, purchase, stock_draw, flows, cost_eff, tariff,
                   credit_unit, jobs_per_unit, elec_per_unit, capacity_e, price_prev, carry):
    """The stock account and the year's accounts.

    Returns ``used, received, to_stock, stock, tariff_revenue, subsidies, jobs,
    electricity, carrying_cost``: inputs consumed (``output @ intensity``), inputs
    received (``fill * derived``), the surplus put in stock, the new stock
    (``max(stock + to_stock + fill * purchase - draw, 0)``), tariff revenue
    ``sum_e flows * cost_eff * tariff``, credits ``credit_unit * output`` (investment
    credits are added by the caller), ``jobs_per_unit * capacity``,
    ``electricity_per_unit * output`` and ``stock * last year's price * carry``.
    """
    flows = _as(flows, np.shape(flows))
    N, M, E, S = flows.shape
    nes = (N, E, S)
    out = tuple(np.empty(nes) for _ in range(4)) + (np.empty((N, M, S)),) + tuple(np.empty(nes) for _ in range(4))
    _over_draws(
        _accounts_draws, N, _as(output, nes), _lead(intensity, N, (S, S)), _as(fill, (N, M, S)), _as(derived, (N, M, S)),
        _as(stock_prev, nes), _as(purchase, (N, M, S)), _as(stock_draw, (N, M, S)), flows, _as(cost_eff, nes),
        _lead(tariff, N, (M, E, S)), _as(credit_unit, nes), _lead(jobs_per_unit, N, (S,)), _lead(elec_per_unit, N, (S,)),
        _as(capacity_e, nes), _as(price_prev, (N, M, S)), _per_draw(carry, N), *out,
    )
    return out


# --------------------------------------------------------------------------- prices


@njit(cache=True, nogil=True)
def _price_draws(n0, n1, unmet, demand, served, flows, output, capacity, starts, index, anchor, price_prev, glut_prev,
                 unmet_share_prev, target_u, discount, markup, elasticity, cap, commodity, price_shock, shocked,
                 own_share_prev, ceiling, unmet_share, capacity_e, glut, price, own_share):  # pragma: no cover - compiled
    N, M, S = unmet.shape
    E = output.shape[1]
    P = capacity.shape[1]
    G = E * S
    world_out = np.empty(S)
    world_cap = np.empty(S)
    for n in range(n0, n1):
        for m in range(M):
            for s in range(S):
                d = demand[n, m, s]
                unmet_share[n, m, s] = unmet[n, m, s] / d if d > 0.0 else 0.0
        for g in range(G):
            end = starts[g + 1] if g + 1 < G else P
            k = 0.0
            for p in range(starts[g], end):
                k += capacity[n, p]
            capacity_e[n, g // S, g % S] = k
        # sums over economies in their order, as NumPy reduces a middle axis
        for s in range(S):
            world_out[s] = output[n, 0, s]
            world_cap[s] = capacity_e[n, 0, s]
        for e in range(1, E):
            for s in range(S):
                world_out[s] += output[n, e, s]
                world_cap[s] += capacity_e[n, e, s]
        tu, disc = target_u[n], discount[n]
        for s in range(S):
            util = world_out[s] / world_cap[s] if world_cap[s] > 0.0 else 1.0
            slack = min(max(1.0 - util / tu, 0.0), 1.0)
            glut[n, s] = 1.0 - disc * slack
        mk, el, log_cap = markup[n], elasticity[n], math.log(cap[n])
        for m in range(M):
            for s in range(S):
                x = index[n, m, s]
                gp = glut_prev[n, s]
                level = x * anchor[n, m, s] if math.isfinite(x) else price_prev[n, m, s] / gp
                u = min(max(unmet_share_prev[n, m, s], 0.0), ceiling)
                if commodity[s]:  # in logs, so that a full shortage meets the cap rather than an overflow
                    scarcity = math.exp(min(-math.log1p(-u) / el, log_cap))
                else:
                    scarcity = 1.0 + mk * u
                v = level * scarcity * gp
                if shocked:
                    v = v * math.exp(price_shock[n, s])
                price[n, m, s] = v
                sv = served[n, m, s]
                own_share[n, m, s] = flows[n, m, m, s] / sv if sv > 0.0 else own_share_prev[n, m, s]


def _price_arrays(flows, capacity, glut_prev):
    """The price phase's inputs as the kernel reads them and its empty results
    (``unmet_share, capacity_e, glut, price, own_share``), shared by its two entry points."""
    flows = _as(flows, np.shape(flows))
    N, M, E, S = flows.shape
    nms, nes = (N, M, S), (N, E, S)
    results = (np.empty(nms), np.empty(nes), np.empty((N, S)), np.empty(nms), np.empty(nes))
    return flows, _as(capacity, np.shape(capacity)), _as(glut_prev, (N, S)), results


def price_phase(unmet, demand, served, flows, output, capacity, starts, index, anchor, price_prev, glut_prev,
                unmet_share_prev, target_utilisation, glut_discount, markup, elasticity, cap, commodity, price_shock,
                own_share_prev):
    """Compiled :func:`buildrace.engine.prices.price_phase` (same arguments and results).

    Returns ``unmet_share, capacity_e, glut, price, own_share``.
    """

    flows, capacity, glut_prev, (unmet_share, capacity_e, glut, price, own_share) = _price_arrays(flows, capacity, glut_prev)
    N, M, E, S = flows.shape
    nms, nes = (N, M, S), (N, E, S)
    shocked = price_shock is not None
    _over_draws(
        _price_draws, N, _as(unmet, nms), _as(demand, nms), _as(served, nms), flows, _as(output, nes), capacity,
        _i64(starts), _as(index, nms), _as(anchor, nms), _as(price_prev, nms), glut_prev,
        _as(unmet_share_prev, nms), _per_draw(target_utilisation, N), _per_draw(glut_discount, N), _per_draw(markup, N),
        _per_draw(elasticity, N), _per_draw(cap, N), np.ascontiguousarray(commodity, dtype=np.bool_),
        _as(price_shock, (N, S)) if shocked else glut_prev, shocked,  # (unread without shocks: any (N, S) array)
        _as(own_share_prev, nes), UNMET_CEILING,
        unmet_share, capacity_e, glut, price, own_share,
    )
    return unmet_share, capacity_e, glut, price, own_share


# --------------------------------------------------------------------------- prices and accounts in one call


@njit(cache=True, nogil=True)
def _price_accounts_draws(n0, n1, unmet, demand, served, flows, output, capacity, starts, index, anchor, price_prev,
                          glut_prev, unmet_share_prev, target_u, discount, markup, elasticity, cap, commodity, price_shock,
                          shocked, own_share_prev, ceiling, intensity, fill, derived, stock_prev, purchase, stock_draw,
                          cost_eff, tariff, credit_unit, jobs_per_unit, elec_per_unit, carry, unmet_share, capacity_e,
                          glut, price, own_share, used, received, to_stock, stock, tariff_rev, subsidies, jobs,
                          electricity, carrying):  # pragma: no cover - compiled
    _price_draws(n0, n1, unmet, demand, served, flows, output, capacity, starts, index, anchor, price_prev, glut_prev,
                 unmet_share_prev, target_u, discount, markup, elasticity, cap, commodity, price_shock, shocked,
                 own_share_prev, ceiling, unmet_share, capacity_e, glut, price, own_share)
    _accounts_draws(n0, n1, output, intensity, fill, derived, stock_prev, purchase, stock_draw, flows, cost_eff, tariff,
                    credit_unit, jobs_per_unit, elec_per_unit, capacity_e, price_prev, carry, used, received, to_stock,
                    stock, tariff_rev, subsidies, jobs, electricity, carrying)


def price_accounts_constants(starts, target_utilisation, glut_discount, markup, elasticity, cap, commodity,
                             jobs_per_unit, elec_per_unit, carry, N: int, S: int) -> tuple:
    """The run's constant arguments of :func:`price_accounts_phase`, converted once (as
    :func:`price_phase` and :func:`accounts_phase` convert them; a tuple to pass back)."""
    return (
        _i64(starts), _per_draw(target_utilisation, N), _per_draw(glut_discount, N), _per_draw(markup, N),
        _per_draw(elasticity, N), _per_draw(cap, N), np.ascontiguousarray(commodity, dtype=np.bool_),
        _lead(jobs_per_unit, N, (S,)), _lead(elec_per_unit, N, (S,)), _per_draw(carry, N),
    )


def price_accounts_phase(constants, unmet, demand, served, flows, output, capacity, index, anchor, price_prev, glut_prev,
                         unmet_share_prev, price_shock, own_share_prev, intensity, fill, derived, stock_prev, purchase,
                         stock_draw, cost_eff, tariff, credit_unit):
    """:func:`price_phase`, then :func:`accounts_phase` on its capacities, in one call.

    They follow one another in the year step (the accounts read the capacities the
    price phase sums), and at one draw their argument handling cost more than their
    arithmetic. ``constants`` is :func:`price_accounts_constants`; the accounts' last
    year's price is the price phase's. Returns ``unmet_share, capacity_e, glut, price,
    own_share`` and then the nine results of :func:`accounts_phase`; the same bits as the
    two calls.
    """
    starts, target_u, discount, markup, elasticity, cap, commodity, jobs_per_unit, elec_per_unit, carry = constants
    flows, capacity, glut_prev, (unmet_share, capacity_e, glut, price, own_share) = _price_arrays(flows, capacity, glut_prev)
    N, M, E, S = flows.shape
    nms, nes = (N, M, S), (N, E, S)
    shocked = price_shock is not None
    accounts = (np.empty(nes), np.empty(nes), np.empty(nes), np.empty(nes), np.empty(nms), np.empty(nes), np.empty(nes),
                np.empty(nes), np.empty(nes))
    _over_draws(
        _price_accounts_draws, N, _as(unmet, nms), _as(demand, nms), _as(served, nms), flows, _as(output, nes), capacity,
        starts, _as(index, nms), _as(anchor, nms), _as(price_prev, nms), glut_prev, _as(unmet_share_prev, nms), target_u,
        discount, markup, elasticity, cap, commodity,
        _as(price_shock, (N, S)) if shocked else glut_prev, shocked,  # (unread without shocks: any (N, S) array)
        _as(own_share_prev, nes), UNMET_CEILING,
        _lead(intensity, N, (S, S)), _as(fill, nms), _as(derived, nms), _as(stock_prev, nes), _as(purchase, nms),
        _as(stock_draw, nms), _as(cost_eff, nes), _lead(tariff, N, (M, E, S)), _as(credit_unit, nes), jobs_per_unit,
        elec_per_unit, carry, unmet_share, capacity_e, glut, price, own_share, *accounts,
    )
    return (unmet_share, capacity_e, glut, price, own_share) + accounts


__all__ = [
    "accounts_phase", "price_phase", "compliant_share", "implied_arrivals", "cost_demand_constants", "cost_demand_phase", "credit_phase", "demand_phase",
    "economy_phase", "price_accounts_constants", "price_accounts_phase",
]
