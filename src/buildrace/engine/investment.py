"""Investment kernel (MODEL.md step 4).

Producers of economy e at stage s plan capacity for the sales they expect at the end of
the lead time L: this year's sales plus the share of unmet demand they could win, grown
at the stage's demand growth, at the target utilisation. They announce a share
``invest_response`` of the gap between that and their capacity plus pipeline, scaled
by a logistic response to the expected margin over their hurdle rate:

``z = u * (P_netback + credit - C + itc * capex * crf / u) / capex - (hurdle - reference_hurdle)``

(unit costs include a capital charge at the reference hurdle, ``capex * crf / u``; an
investment credit refunds that share of it, so it always raises the signal). Producers of
an economy that plans for market share (weight ``w``, economies.csv
``market_share_planning`` times ``share_planning_strength``) expect at least their
base-year share of world capacity times the potential demand of the markets open to them,
size capacity at the utilisation ``u + w * (share_planning_utilisation - u)``, and hold
back only ``1 - w`` of their share of the world's idle supply. A sovereign fund adds
projects at its own hurdle in its targets, within its budget. New capacity goes to the
economy's sites by ``exp(-beta * C_site / mean C) * (1 + attractiveness)``.
"""

from __future__ import annotations

import numpy as np

from buildrace.engine import backend
from buildrace.engine.contract import ENTRY_SEED, EXPECTED_GROWTH_CAP
from buildrace.engine.groups import group_sum, power, safe_divide, to_pairs


def margin_signal(netback, cost_eff, capex_eff, utilisation, hurdle_gap):
    """Expected return above hurdle, z (N, E, S)."""
    return utilisation * (netback - cost_eff) / np.maximum(capex_eff, 1e-9) - hurdle_gap


def capital_recovery(rate, lifetime):
    """Capital recovery factor: the annuity per unit of capex at ``rate`` over ``lifetime`` years."""
    rate = np.maximum(rate, 1e-9)
    return rate / (1.0 - power(1.0 + rate, -np.maximum(lifetime, 1.0)))


def logistic(z, beta):
    return 1.0 / (1.0 + np.exp(-np.clip(beta * z, -60.0, 60.0)))


def ramp_availability(growth, ramp_years):
    """Share of nameplate capacity an industry growing at ``growth`` can run, for ramp-up.

    New plants run at half rate while they ramp up (:func:`buildrace.engine.pipeline.available_capacity`)
    and mature at ``1 / ramp_years`` a year, so an industry that adds capacity at rate g
    carries a ramping share ``g R / (1 + g R)`` of its nameplate in steady growth, which
    runs at half rate: ``1 - 0.5 g R / (1 + g R)``. Producers who plan output at a target
    utilisation size nameplate for it (1 without growth or ramp-up).
    """
    gr = np.maximum(growth, 0.0) * np.maximum(ramp_years, 0.0)
    return 1.0 - 0.5 * gr / (1.0 + gr)


def capacity_gap(expected_sales, growth, lead_years, utilisation, capacity, pipeline):
    """Capacity to add (N, E, S): expected sales at the end of the lead time over target
    utilisation, less capacity and pipeline, floored at zero."""
    needed = expected_sales * power(1.0 + growth, lead_years) / utilisation
    return np.maximum(needed - capacity - pipeline, 0.0)



def plan_investment(
    d_final, leontief, world_demand, growth_prev, demand, output, unmet, flows, allowed, avail, pipeline_e,
    allies, pooling_share, lam, pool_premium, preference, horizon_e, capacity_e, life_e, u_target, price,
    transport, offdiag, tariff, cost_e, credit_unit, itc, capex, hurdle_gap, reference_hurdle, beta, response,
    invest_mult, fund_gap, fund_on, fund_equity, fund_budget, share_weight, base_share, u_share, ramp_e,
    compiled_constants=None,
):
    """Capacity each economy's private investors and its sovereign fund plan this year (MODEL.md step 4).

    Parameters (N draws, M markets, E economies, S stages; a leading 1 broadcasts)
    ----------
    d_final : (N, M, S) final-stage demand; leontief (S, S) total requirements
    world_demand, growth_prev : (N, S) last year's potential demand and smoothed growth (NaN at the start)
    demand, unmet : (N, M, S) this year's demand and unmet demand; output (N, E, S); flows (N, M, E, S)
    allowed : (M, E, S) 1 where trade is allowed; avail, pipeline_e, capacity_e : (N, E, S)
    allies, pool_premium : (M, E) pool members (off the diagonal) and the pool's premium
    pooling_share : (N, 1, 1, 1); lam, transport : (N, S); preference : (N, M, E, S) trade weights
    horizon_e : (N, E, S) lead time plus half the ramp; life_e : (N, 1, S); u_target, reference_hurdle,
        beta, response : (N, 1, 1)
    price : (N, M, S); offdiag (M, E); tariff (N or 1, M, E, S)
    cost_e, credit_unit, itc : (N, E, S) unit cost, credit per unit, investment credit share
    capex : (N, E, S); hurdle_gap : (1, E, 1) hurdle over the reference hurdle
    invest_mult : (N, E, S) investment shocks (ones without); fund_gap : (1, E, 1) private over fund hurdle;
    fund_on : (E, S) 1 where the fund targets the stage; fund_equity, fund_budget : (E,)
    share_weight : (N or 1, E) weight of market-share planning; base_share : (E, S) each economy's
        base-year share of world capacity; u_share : (N, 1, 1) the utilisation share-seekers plan for
    ramp_e : (N, 1, S) ramp-up years: nameplate is sized for the share of it a growing industry
        can run (:func:`ramp_availability`)
    compiled_constants : optional, for the compiled twin only: its run-constant arguments,
        converted, and powers (:func:`buildrace.engine.compiled_step.plan_constants` of the
        same arguments) kept by the caller over a run

    Returns
    -------
    potential, growth (N, S); netback, z, surviving, private, fund_extra (N, E, S)
    """
    args = (d_final, leontief, world_demand, growth_prev, demand, output, unmet, flows, allowed, avail, pipeline_e,
            allies, pooling_share, lam, pool_premium, preference, horizon_e, capacity_e, life_e, u_target, price,
            transport, offdiag, tariff, cost_e, credit_unit, itc, capex, hurdle_gap, reference_hurdle, beta, response,
            invest_mult, fund_gap, fund_on, fund_equity, fund_budget, share_weight, base_share, u_share, ramp_e)
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_step.py)
        from buildrace.engine.compiled_step import plan_investment as compiled_plan

        return compiled_plan(*args, constants=compiled_constants)
    # potential demand: what final demand would need of each stage if the whole chain
    # delivered (Leontief inverse); a shortage downstream hides demand upstream, and
    # investors look through it
    potential = (d_final @ leontief).sum(axis=1)  # (N, S)
    growth_now = np.clip(safe_divide(potential, world_demand, 1.0) - 1.0, -0.05, EXPECTED_GROWTH_CAP)
    # investors extrapolate a smoothed growth (about three years' memory), so one year's
    # jump in potential demand is not compounded over a mine's decade of lead time
    growth = np.where(np.isnan(growth_prev), growth_now, growth_prev + (growth_now - growth_prev) / 3.0)
    latent = np.maximum(potential - demand.sum(axis=1), 0.0)
    output_share = safe_divide(output, output.sum(axis=1, keepdims=True))
    # unmet demand is won in proportion to preference and presence (capacity and pipeline),
    # with a seed so an economy without capacity can still enter; allies in a pool plan
    # for each other's gaps, at the pool's cost premium
    presence = avail + pipeline_e
    presence = presence + ENTRY_SEED * presence.mean(axis=1, keepdims=True)
    pooled = 1.0 + pooling_share * allies[None, :, :, None] * np.exp(-lam[:, None, None, :] * pool_premium[None, :, :, None])
    entry = preference * presence[:, None] * pooled
    entry_share = safe_divide(entry, entry.sum(axis=2, keepdims=True))
    won = (unmet[:, :, None, :] * entry_share).sum(axis=1)
    expected = output + won + output_share * latent[:, None, :]
    # producers that plan for market share (weight w) size capacity for their base-year share
    # of the potential demand of the markets open to them, at a lower planning utilisation,
    # and (below) do not hold back for the world's idle capacity: China's 2019-2024 build-out
    # (IEA S19/S20: about half of PV and battery capacity idle in 2023-24)
    w = share_weight[:, :, None]
    reach = ((d_final @ leontief)[:, :, None, :] * allowed[None]).sum(axis=1)  # (N, E, S)
    expected = expected + w * np.maximum(base_share[None] * reach - expected, 0.0)
    # in a growing industry part of the nameplate is always ramping up at half rate: output
    # planned at a utilisation needs that much more nameplate (else growth means shortage)
    ramp_run = ramp_availability(growth[:, None, :], ramp_e)
    u_plan = (u_target + w * (u_share - u_target)) * ramp_run
    u_run = u_target * ramp_run
    surviving = capacity_e * power(1.0 - 1.0 / life_e, horizon_e)
    gap = capacity_gap(expected, growth[:, None, :], horizon_e, u_plan, surviving, pipeline_e)
    netback_m = (price[:, :, None, :] - transport[:, None, None, :] * offdiag[None, :, :, None]) / (1.0 + tariff)
    # producers value capacity at the prices of the markets they expect to sell in:
    # today's flows plus the unmet demand they could win
    w_m = (flows + unmet[:, :, None, :] * entry_share) * allowed[None]
    fallback_w = demand[:, :, None, :] * allowed[None]
    w_m = np.where(w_m.sum(axis=1, keepdims=True) > 0, w_m, fallback_w)
    netback = safe_divide((w_m * netback_m).sum(axis=1), w_m.sum(axis=1), 0.0)
    netback = np.where(w_m.sum(axis=1) > 0, netback, cost_e)
    # an investment credit refunds part of the capital charge inside unit costs
    capital_charge = capex * capital_recovery(reference_hurdle, life_e) / u_target
    cost_inv = cost_e - credit_unit - itc * capital_charge  # the unfloored credit: beyond cost it still pays
    z = margin_signal(netback, cost_inv, capex, u_target, hurdle_gap)
    # investors see the world's idle capacity and competitors' pipelines: capacity that
    # will be offered beyond what the world needs over the lead time is spread over
    # economies by their share of that supply, and taken off each one's plan
    # (the need is this year's demand, shortages included, grown over the lead time:
    # the potential demand investors otherwise plan for can run ahead of it)
    world_need = (demand.sum(axis=1)[:, None, :] * power(1.0 + growth[:, None, :], horizon_e) / u_run).max(axis=1)
    world_supply = (surviving + pipeline_e).sum(axis=1)
    excess = np.maximum(world_supply - world_need, 0.0)
    supply_share = safe_divide(surviving + pipeline_e, world_supply[:, None, :])
    # the part of the plan that serves unmet demand won from markets idle capacity cannot
    # reach (a ban, a licence) is kept: idle Chinese plants do not supply a market closed to them
    gap_won = np.maximum(gap - capacity_gap(expected - won, growth[:, None, :], horizon_e, u_plan, surviving, pipeline_e), 0.0)
    gap = np.maximum(np.maximum(gap - (1.0 - w) * supply_share * excess[:, None, :], 0.0), gap_won)
    private = response * gap * logistic(z, beta) * invest_mult
    # a sovereign fund builds beyond the private gap: it plans its targets for the home
    # market's own demand (self-sufficiency) on top of what private investors plan, takes
    # the projects that clear its own (lower) hurdle, and spends up to its budget
    home_need = capacity_gap(demand, growth[:, None, :], horizon_e, u_run, surviving, pipeline_e + private)
    fund_extra = response * home_need * logistic(z + fund_gap, beta) * fund_on[None]
    fund_cost = (fund_extra * capex * fund_equity[None, :, None]).sum(axis=2)
    fund_scale = np.minimum(1.0, safe_divide(fund_budget[None], fund_cost, 0.0))
    return potential, growth, netback, z, surviving, private, fund_extra * fund_scale[:, :, None]


def site_projects(cost_pair, private, fund_extra, survive, siting_beta, attract, fund_target, starts, pair_group, pair_count):
    """Projects announced at each site (N, P), and the sovereign fund's part of them.

    An economy's private and fund projects (N, E, S) go to its sites by
    ``exp(-siting_beta * C_site / mean C) * (1 + attractiveness)`` (the fund's only to the
    sites it targets), and producers announce enough that, after the cancellations they
    expect (``survive`` (N, P), floored at 5%), the gap closes.

    ``siting_beta`` (N, 1); ``attract``, ``fund_target`` (P,); ``starts``, ``pair_group``
    the (economy, stage) groups of pairs; ``pair_count`` (E, S) pairs per group.
    """
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_step.py)
        from buildrace.engine.compiled_step import site_projects as compiled_site_projects

        return compiled_site_projects(cost_pair, private, fund_extra, survive, siting_beta, attract, fund_target, starts,
                                      pair_group, pair_count)
    E, S = pair_count.shape
    mean_cost = to_pairs(safe_divide(group_sum(cost_pair, starts, E, S), pair_count[None].astype(float), 1.0), pair_group)
    w_site = np.exp(-siting_beta * safe_divide(cost_pair, mean_cost, 1.0)) * (1.0 + attract[None])
    share_site = safe_divide(w_site, to_pairs(group_sum(w_site, starts, E, S), pair_group))
    w_fund = w_site * fund_target[None]
    share_fund = safe_divide(w_fund, to_pairs(group_sum(w_fund, starts, E, S), pair_group))
    fund_pair = to_pairs(fund_extra, pair_group) * share_fund
    floor = np.maximum(survive, 0.05)
    return (to_pairs(private, pair_group) * share_site + fund_pair) / floor, fund_pair / floor
