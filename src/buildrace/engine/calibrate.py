"""Base-year calibration: the first simulated year reproduces the base-year data.

1. Demand from uses outside the modelled chains is the residual between each stage's
   world production and what final uses and modelled consumers need. Where the data
   say consumers need more than was produced, the intensities into that stage are scaled
   down to match (the factor is recorded in the results' attrs).
2. Factor cost F is what remains of the base-year unit cost after inputs (at base-year
   prices) and energy, floored at 15% of the unit cost.
3. Supplier preferences theta (per economy and stage, then per site within an economy)
   are fitted by a multiplicative fixed point (as in iterative proportional fitting) so
   that the trade and site logits reproduce base-year production exactly, and observed
   bilateral shares where the record gives them (:mod:`buildrace.engine.preference_fit`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from buildrace.engine import backend
from buildrace.engine import cost as costk
from buildrace.engine.groups import group_sum, safe_divide, to_pairs
from buildrace.engine.origin import compliant_share
from buildrace.engine.preference_fit import FIT_TOLERANCE, fit_preferences
from buildrace.engine.structure import Structure, cluster_mass
from buildrace.engine.trade import (
    allocate_with_local_content,
    capacity_weight,
    delivered_cost,
    logit_preference,
    split_to_sites,
)
from buildrace.model.compile import Compiled

FIT_ITERATIONS = 200
FACTOR_COST_FLOOR = 0.15


@dataclass(frozen=True)
class Calibration:
    intensity: np.ndarray  # (S, S) calibrated
    use_intensity: np.ndarray  # (U, S) calibrated
    intensity_scale: np.ndarray  # (S,) factor applied to inputs into each stage
    other_demand0: np.ndarray  # (M, S)
    factor_cost: np.ndarray  # (N, P)
    theta_econ: np.ndarray  # (N, E, S)
    theta_pair: np.ndarray  # (N, P)
    utilisation: np.ndarray  # (N, P)
    avail_mask0: np.ndarray  # (P,) 1 where base-year capacity produces
    price0: np.ndarray  # (N, M, S)
    import_share0: np.ndarray  # (N, M, E, S) base-year share of supplier e in market m's purchases
    bilateral: np.ndarray  # (N, M, E, S) fitted bilateral preference (home bias, non-tariff barriers)
    glut0: np.ndarray  # (N, S) base-year glut factor of prices
    own_share0: np.ndarray  # (N, E, S)
    xeff0: np.ndarray  # (N, P)
    learning_exponent: np.ndarray  # (N, E, S) Wright exponent of factor costs (value added)
    world_capacity0: np.ndarray  # (S,)
    fit_error: float  # max relative error of the production fit


def input_cost(price, intensity, pair_economy, pair_stage):
    """(N, M, S) prices -> (N, P) input bill per unit at each pair."""
    bill = price @ np.swapaxes(intensity, -1, -2)  # (N, E, S): sum_u a(s, u) * P(e, u)
    return bill[:, pair_economy, pair_stage]


def local_input_share(price, intensity, own_share):
    """Share of each (economy, stage)'s input bill bought at home (1 where no inputs)."""
    at = np.swapaxes(intensity, -1, -2)
    bill = price @ at
    home = (price * own_share) @ at
    return np.where(bill > 0, safe_divide(home, bill, 1.0), 1.0)


def pair_cost(c: Compiled, st: Structure, intensity, world_capacity0, factor, learn, capacity, price, own_share, t):
    """Unit cost (N, P) of every pair at year index t, and the A x V multiplier."""
    ix, pol = c.index, c.policy
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_step.py)
        from buildrace.engine.compiled_step import pair_cost_arrays

        return pair_cost_arrays(
            capacity, world_capacity0, ix.pair_stage, ix.pair_economy, st.sc_order, st.sc_starts, st.sc_of_pair,
            c.mp("cluster_mass_ref"), c.mp("agglomeration_alpha"), price, intensity, own_share, c.mp("kappa"),
            pol.kappa_mult[t], factor, learn, pol.cost_mult[t], c.stage["electricity_mwh_per_unit"], c.elec_price,
        )
    mass = cluster_mass(capacity, world_capacity0, ix.pair_stage, st)
    agglo = costk.agglomeration(mass, c.mp("cluster_mass_ref", 2), c.mp("agglomeration_alpha", 2))
    lis = local_input_share(price, intensity, own_share)[:, ix.pair_economy, ix.pair_stage]
    integ = costk.integration(lis, c.mp("kappa", 2) * pol.kappa_mult[t][None])
    inputs = input_cost(price, intensity, ix.pair_economy, ix.pair_stage)
    energy = c.stage["electricity_mwh_per_unit"][:, ix.pair_stage] * c.elec_price[ix.pair_economy]
    return costk.unit_cost(factor, learn, agglo, integ, pol.cost_mult[t][None], inputs, energy), agglo * integ


def world_capacity0(c: Compiled) -> np.ndarray:
    """World base-year capacity per stage (1 where none, to normalise cluster mass)."""
    w = np.bincount(c.index.pair_stage, weights=c.capacity0, minlength=len(c.index.stages))
    return np.where(w > 0, w, 1.0)


def glut_factor(world_output, world_capacity, target_utilisation, discount):
    """Price multiplier (N, S) in a glut: ``1 - discount * slack``, with slack the share by
    which world utilisation falls short of the utilisation producers plan for.

    With capacity idle, producers compete for orders and price toward their cash costs
    rather than full costs (the 2023-24 module, polysilicon and cell price collapses);
    at or above the planned utilisation the factor is 1.
    """
    utilisation = safe_divide(world_output, world_capacity, 1.0)
    slack = np.clip(1.0 - utilisation / target_utilisation, 0.0, 1.0)
    return 1.0 - discount * slack


MAX_VALUE_ADDED_LEARNING_RATE = 0.5


def value_added_learning(learning_rate, price0, intensity, unit_cost0, factor0):
    """Wright exponent of each (economy, stage)'s factor cost (N, E, S).

    Learning rates in the literature are measured on a stage's whole unit cost, inputs
    included (Ziegler & Trancik 2021 on cells and packs; Way et al. 2022). The engine
    applies learning to the factor cost only, while inputs follow their own stages. So
    that a stage's unit cost falls at the literature rate when its inputs fall at theirs,
    the factor-cost exponent is the stage's exponent less the input-weighted exponents
    of its inputs, divided by the factor-cost share:
    ``b_F = (b_s - sum_u w_u b_u) / f_s``, capped at a 50% learning rate.
    """
    b = -np.log2(1.0 - np.clip(learning_rate, 0.0, 0.95))  # (N, S)
    input_b = ((price0 * b[:, None, :]) @ intensity.T) / np.where(unit_cost0 > 0, unit_cost0, 1.0)
    share = factor0 / np.where(unit_cost0 > 0, unit_cost0, 1.0)
    b_max = -np.log2(1.0 - MAX_VALUE_ADDED_LEARNING_RATE)
    return np.clip((b[:, None, :] - input_b) / np.maximum(share, 1e-9), 0.0, b_max)


def economy_cost(cost_pair, avail_pair, theta_pair, lam_within, ix, st):
    """Within-logit-weighted mean cost (N, E, S) of each economy's sites; plain mean where
    the economy has no capacity at the stage (what a first plant would face)."""
    E, S = st.E, st.S
    w = avail_pair * theta_pair + 1e-12
    return safe_divide(group_sum(w * cost_pair, ix.group_start, E, S), group_sum(w, ix.group_start, E, S), 1.0)


def effective_cost(cost_econ, credit, credit_share):
    """Producer cost net of production credits, floored at zero.

    The floor is the only one: a credit larger than the cost cannot make a good cost
    less than nothing at the factory gate (the trade logit needs a non-negative delivered
    cost). Investors see the unfloored margin (:func:`credit_per_unit`), so a credit
    beyond cost still raises the incentive to build.
    """
    return np.maximum(cost_econ * (1.0 - credit_share) - credit, 0.0)


def credit_per_unit(cost_econ, credit, credit_share):
    """Production credit per unit of output (N, E, S), unfloored."""
    return credit + credit_share * cost_econ


def credit_phase(content_cn, credit_feoc, segregation, spread, credit, credit_share, itc, cost_e):
    """Credits paid on compliant output only: ``(credit_unit, cost_eff, itc_t)``, each (N, E, S).

    The share of each economy's output that meets a credit's foreign-entity content
    limit ``credit_feoc`` (E, S) (:func:`buildrace.engine.origin.compliant_share` of the
    foreign entity's share of value ``content_cn``, (N or 1, E, S)) earns the production
    credits ``credit`` and ``credit_share`` (E, S) and the investment credit ``itc``
    (E, S): the credit per unit (:func:`credit_per_unit`), the cost net of credits
    (:func:`effective_cost`) and the investment credit in force.
    """
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_year.py)
        from buildrace.engine.compiled_year import credit_phase as compiled

        return compiled(content_cn, credit_feoc, segregation, spread, credit, credit_share, itc, cost_e)
    feoc = compliant_share(content_cn, credit_feoc[None], segregation, spread)
    credit_t, credit_share_t = credit[None] * feoc, credit_share[None] * feoc
    return credit_per_unit(cost_e, credit_t, credit_share_t), effective_cost(cost_e, credit_t, credit_share_t), itc[None] * feoc


def calibrate(c: Compiled, st: Structure) -> Calibration:
    ix, pol, N = c.index, c.policy, c.draws
    E, S = st.E, st.S
    starts, pg = ix.group_start, ix.pair_group
    q0_pair = np.repeat(c.production0[None], N, axis=0)
    k0_pair = c.capacity0
    q0 = group_sum(q0_pair, starts, E, S)  # (N, E, S)

    # 1. residual demand and intensity scaling
    intensity, use_int = c.intensity.copy(), c.use_intensity.copy()
    need = (q0[0] @ intensity).sum(axis=0) + (c.demand0 @ use_int).sum(axis=0)
    prod = q0[0].sum(axis=0)
    scale = np.where(need > prod * (1 + 1e-9), safe_divide(prod, need, 1.0), 1.0)
    intensity *= scale[None, :]
    use_int *= scale[None, :]
    residual = np.maximum(prod - (q0[0] @ intensity).sum(axis=0) - (c.demand0 @ use_int).sum(axis=0), 0.0)
    where = safe_divide(q0[0], prod[None, :])  # other uses sit where the stage is produced
    other0 = residual[None, :] * where
    d_final = (c.demand0 @ use_int + other0)[None].repeat(N, axis=0)
    demand = d_final + q0 @ intensity

    # availability: base-year capacity that produced nothing is commissioning (ramping)
    util_s = c.stage["utilisation_max"][:, ix.pair_stage]
    ratio = safe_divide(c.production0, k0_pair)
    util = np.maximum(util_s, ratio[None])
    mask0 = (c.production0 > 0).astype(float)
    avail_pair = util * k0_pair[None] * mask0[None]
    avail = group_sum(avail_pair, starts, E, S)

    lam = c.stage["trade_lambda"]
    transport = c.stage["transport_usd_per_unit"]
    credit, credit_share = pol.credit[0][None], pol.credit_share[0][None]

    target = c.trade_target  # (M, E, S) observed shares, NaN where unobserved
    bilateral = np.ones((N, E, E, S))

    def fit_theta(cost_econ, theta0=None):
        nonlocal bilateral
        dlv = delivered_cost(effective_cost(cost_econ, credit, credit_share), pol.tariff[0], pol.pool_premium[0], transport, st.offdiag)
        pref = logit_preference(dlv, avail, lam, pol.trade_factor[0], np.ones((N, E, S))) * capacity_weight(avail, c.mp("capacity_weight_exponent", 3))[:, None]
        # the bilateral fit converges more slowly: it gets more rounds
        rounds = FIT_ITERATIONS if target is None else 5 * FIT_ITERATIONS
        theta, bilateral, err = fit_preferences(demand, avail, pref, q0, target, pol.local_share[0], pol.local_members[0], rounds, theta0, bilateral)
        producing = q0 > 0
        # normalise: producers' output-weighted mean theta is 1; entrants get 1
        mean = safe_divide((theta * q0).sum(axis=1, keepdims=True), q0.sum(axis=1, keepdims=True), 1.0)
        theta = np.where(producing, safe_divide(theta, mean, 1.0), 1.0)
        flows, _, _ = allocate_with_local_content(demand, avail, pref * theta[:, None] * bilateral, pol.local_share[0], pol.local_members[0])
        return theta, flows, dlv, err

    # 2. prices from the data's unit costs, then factor costs
    uc0 = c.unit_cost0
    theta, flows, dlv, _ = fit_theta(uc0)
    served = flows.sum(axis=2)
    price0 = safe_divide((flows * dlv).sum(axis=2), served, 0.0)
    price0 = np.where(served > 0, price0, uc0.mean(axis=1, keepdims=True).repeat(E, axis=1))
    capacity_world0 = np.bincount(ix.pair_stage, weights=c.capacity0, minlength=S)[None]
    glut0 = glut_factor(q0.sum(axis=1), capacity_world0, c.mp("target_utilisation", 2), c.mp("glut_discount", 2))
    price0 = price0 * glut0[:, None, :]
    own0 = safe_divide(np.diagonal(flows, axis1=1, axis2=2).transpose(0, 2, 1), served, 1.0)
    inputs_e = price0 @ intensity.T
    energy_e = c.stage["electricity_mwh_per_unit"][:, None, :] * c.elec_price[None, :, None]
    factor_e = np.maximum(uc0 - inputs_e - energy_e, FACTOR_COST_FLOOR * uc0)
    value_added_b = value_added_learning(c.stage["learning_rate"], price0, intensity, uc0, factor_e)

    wc0 = world_capacity0(c)
    mass = cluster_mass(np.repeat(k0_pair[None], N, axis=0), wc0, ix.pair_stage, st)
    agglo = costk.agglomeration(mass, c.mp("cluster_mass_ref", 2), c.mp("agglomeration_alpha", 2))
    lis = local_input_share(price0, intensity, own0)[:, ix.pair_economy, ix.pair_stage]
    integ = costk.integration(lis, c.mp("kappa", 2) * pol.kappa_mult[0][None])
    av_w = k0_pair[None] + 1e-12
    mean_av = safe_divide(group_sum(av_w * agglo * integ, starts, E, S), group_sum(av_w + 0 * agglo, starts, E, S), 1.0)
    factor_pair = to_pairs(factor_e, pg) / to_pairs(mean_av, pg)

    # 3. engine's own base-year costs -> theta per economy, then per site
    x0 = c.mp("experience_years", 2) * q0_pair
    xeff0 = effective_experience(c, st, x0)
    cost0, _ = pair_cost(c, st, intensity, wc0, factor_pair, np.ones((N, st.P)), np.repeat(k0_pair[None], N, axis=0), price0, own0, 0)
    theta_pair = np.ones((N, st.P))
    lam_w = c.mp("within_economy_lambda", 2)
    active = np.ones(N, dtype=bool)
    for _ in range(FIT_ITERATIONS):
        q = split_to_sites(q0, avail_pair, cost0, theta_pair, lam_w, ix)
        adj = np.where((q > 0) & (q0_pair > 0), safe_divide(q0_pair, q, 1.0), 1.0)
        active &= np.abs(adj - 1.0).max(axis=1) >= FIT_TOLERANCE
        if not active.any():
            break
        theta_pair = np.where(active[:, None], theta_pair * adj, theta_pair)
    mean_tp = safe_divide(group_sum(theta_pair * q0_pair, starts, E, S), q0, 1.0)
    theta_pair = np.where(q0_pair > 0, theta_pair / to_pairs(mean_tp, pg), 1.0)
    cost_e = economy_cost(cost0, avail_pair, theta_pair, lam_w, ix, st)
    theta, flows, _, err = fit_theta(cost_e, theta)  # warm start: the costs moved little
    import_share0 = safe_divide(flows, flows.sum(axis=2, keepdims=True))
    q = split_to_sites(flows.sum(axis=1), avail_pair, cost0, theta_pair, lam_w, ix)
    fit_error = float(np.max(np.abs(q - q0_pair) / np.maximum(q0_pair, 1e-9 * q0_pair.max())))
    return Calibration(
        intensity=intensity, use_intensity=use_int, intensity_scale=scale, other_demand0=other0,
        factor_cost=factor_pair, theta_econ=theta, theta_pair=theta_pair, utilisation=util,
        avail_mask0=mask0, price0=price0, import_share0=import_share0, bilateral=bilateral, glut0=glut0, own_share0=own0, xeff0=xeff0, world_capacity0=wc0,
        learning_exponent=value_added_b,
        fit_error=fit_error,
    )


def learning(c: Compiled, st: Structure, x_pair, xeff0, b_pair):
    """Learning factor (N, P) of every pair: ``(Xeff / Xeff0) ** (-b)`` from cumulative
    production (:func:`effective_experience`, :func:`buildrace.engine.cost.learning_factor`)."""
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_step.py)
        from buildrace.engine.compiled_step import learning_arrays

        ix = c.index
        return learning_arrays(x_pair, ix.group_start, st.E, st.S, ix.pair_stage, c.mp("spillover_economy"),
                               c.mp("spillover_world"), xeff0, b_pair)
    return costk.learning_factor(effective_experience(c, st, x_pair), xeff0, b_pair)


def effective_experience(c: Compiled, st: Structure, x_pair):
    """Xeff (N, P) of every pair from cumulative production, floored just above zero
    (see :func:`buildrace.engine.cost.experience`)."""
    ix = c.index
    x_econ = to_pairs(group_sum(x_pair, ix.group_start, st.E, st.S), ix.pair_group)
    x_world = group_sum(x_pair, ix.group_start, st.E, st.S).sum(axis=1)[:, ix.pair_stage]
    xe = costk.experience(x_pair, x_econ, x_world, c.mp("spillover_economy", 2), c.mp("spillover_world", 2))
    floor = 1e-6 * np.maximum(x_world, 1.0)
    return np.maximum(xe, floor)
