"""The reduced case, and buildrace's path for it (the engine's kernels, vectorised over draws).

Two economies (US, CN) produce two stages of the battery chain (LFP cells and packs)
and sell to their two markets. Each year (index t, base year t = 0):

1. learning (Wright): ``C_cell = c0 (X / X0) ** -b``; a pack costs its conversion cost,
   learned the same way, plus ``a`` cells at the economy's own cell cost;
2. output capacity ``u (K - R / 2)`` (ramping capacity at half rate);
3. logit trade (MODEL.md step 2): delivered cost ``C (1 + tariff) + freight`` off the
   diagonal, preference ``exp(-lambda d / d_mean)`` with the capacity-weighted mean,
   spill allocation of packs (demand ``D0 (1 + g) ** t``), then of the cells the packs
   need (``a`` per pack, in the packer's market);
4. experience ``X += q``;
5. investment: orders close ``resp`` of the gap between what current output plus won
   unmet demand needs at the end of the lead time, ``(q + won) (1 + g) ** L / u``, and
   the capacity that survives plus the pipeline;
6. lead-time pipeline (MODEL.md step 5): orders arrive ``L`` years later (integer
   years, at least 2), ramp up over ``ramp_years`` and retire at ``1 / lifetime``.

:func:`run_buildrace` computes it with :mod:`buildrace.engine` kernels (learning factor,
delivered cost, logit preference, spill allocation, pipeline schedule and advance) on a
draw axis; the peers compute the same equations their own way. Inputs (capacity,
production, unit cost, learning exponent, lead time, lifetime, ramp-up, trade lambda
and freight) are the embedded world's base year (:func:`case_from_world`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

ECONOMIES = ("US", "CN")
STAGES = ("cell", "pack")
WORLD_STAGES = {"cell": "li_ion_battery.cell_lfp", "pack": "li_ion_battery.pack"}
SETTLED = 1e-12  # the spill's dust threshold (buildrace.engine.trade.SETTLED)
SPILL_ROUNDS = 10


@dataclass(frozen=True)
class Case:
    """Inputs of the reduced case; arrays are (E,) per economy, (E, S) per economy and stage."""

    years: int
    k0: np.ndarray  # (E, S) base-year capacity
    x0: np.ndarray  # (E, S) base-year experience (cumulative output)
    b: np.ndarray  # (E, S) learning exponent
    c0_cell: np.ndarray  # (E,) base-year cell unit cost
    conv0: np.ndarray  # (E,) base-year pack conversion cost (pack cost less its cells)
    lead: np.ndarray  # (E, S) integer lead time, years (>= 2)
    d0: np.ndarray  # (M,) base-year pack demand per market
    tariff: np.ndarray  # (M, E, S) ad valorem tariff of market m on supplier e
    lam: np.ndarray  # (S,) trade logit lambda
    transport: np.ndarray  # (S,) freight per unit off the diagonal
    life: np.ndarray  # (S,) lifetime, years
    ramp: np.ndarray  # (S,) ramp-up, years
    u: float = 0.9  # utilisation ceiling
    g: float = 0.15  # pack demand growth per year
    a: float = 1.0  # cells per pack
    resp: float = 0.5  # share of the capacity gap ordered each year
    b_scale: np.ndarray = field(default_factory=lambda: np.ones(1))  # (N,) per-draw learning multiplier

    @property
    def draws(self) -> int:
        return len(self.b_scale)

    def with_draws(self, n: int, seed: int = 0) -> Case:
        """``n`` draws: learning exponents scaled by a lognormal factor (draw 0 central)."""
        scale = np.exp(np.random.default_rng(seed).normal(0.0, 0.1, n))
        scale[0] = 1.0
        return replace(self, b_scale=scale)


def case_from_world(years: int = 27, tariff: float = 0.25) -> Case:
    """The reduced case with base-year inputs from the embedded world (the ``race`` scenario).

    Pack demand in each market starts at that economy's base-year pack production; the
    US taxes Chinese cells and packs at ``tariff``.
    """
    from buildrace.engine.groups import group_sum
    from buildrace.engine.run import prepare
    from buildrace.io.scenario_file import load_scenario
    from buildrace.model.compile import compile_scenario

    c = compile_scenario(load_scenario("race"))
    ctx = prepare(c)
    ix, st, cal = c.index, ctx.st, ctx.cal
    e_ix = [ix.economy(e) for e in ECONOMIES]
    s_ix = [ix.stages.index(WORLD_STAGES[s]) for s in STAGES]
    k0 = group_sum(c.capacity0[None], ix.group_start, st.E, st.S)[0][np.ix_(e_ix, s_ix)]
    q0 = group_sum(c.production0[None], ix.group_start, st.E, st.S)[0][np.ix_(e_ix, s_ix)]
    price0 = cal.price0[0][np.ix_(e_ix, s_ix)]
    lead = (c.permit_years + c.build_years)[0][np.ix_(e_ix, s_ix)]
    stage = {k: np.asarray(v)[0][s_ix] for k, v in c.stage.items()}
    a = 1.0
    tar = np.zeros((2, 2, 2))
    tar[0, 1, :] = tariff
    return Case(
        years=years, k0=k0, x0=np.maximum(2.0 * q0, 1e-6), b=cal.learning_exponent[0][np.ix_(e_ix, s_ix)],
        c0_cell=price0[:, 0], conv0=np.maximum(price0[:, 1] - a * price0[:, 0], 0.05 * price0[:, 1]),
        lead=np.maximum(np.round(lead), 2.0), d0=q0[:, 1].copy(), tariff=tar,
        lam=stage["trade_lambda"], transport=stage["transport_usd_per_unit"], life=stage["lifetime_years"],
        ramp=stage["ramp_years"], u=float(np.mean(stage["utilisation_max"])), a=a,
    )


def run_buildrace(case: Case) -> dict[str, np.ndarray]:
    """The reduced case on buildrace's kernels; returns (N, T, E, S) production, capacity, cost."""
    from buildrace.engine import pipeline
    from buildrace.engine.cost import learning_factor
    from buildrace.engine.trade import allocate, delivered_cost, logit_preference

    N, T, E, S = case.draws, case.years, 2, 2
    b = case.b[None] * case.b_scale[:, None, None]
    K = np.repeat(case.k0[None], N, axis=0)
    R = np.zeros((N, E, S))
    X = np.repeat(case.x0[None], N, axis=0)
    P = np.zeros((N, E, S))
    buffer = np.zeros((T + 1, N, E * S))  # the engine's layout: years first
    n_idx, p_idx = np.indices((N, E * S))
    lead = np.repeat(case.lead.reshape(1, E * S), N, axis=0)
    transport = np.repeat(case.transport[None], N, axis=0)
    lam = np.repeat(case.lam[None], N, axis=0)
    factor, theta = np.ones((E, E, S)), np.ones((N, E, S))
    offdiag = 1.0 - np.eye(E)
    life = np.broadcast_to(case.life[None, None], (N, E, S)).reshape(N, E * S)
    ramp = np.broadcast_to(case.ramp[None, None], (N, E, S)).reshape(N, E * S)
    growth_l = (1.0 + case.g) ** case.lead  # (E, S)
    survive = (1.0 - 1.0 / case.life[None]) ** case.lead
    out = {k: np.zeros((N, T, E, S)) for k in ("production", "capacity", "unit_cost")}
    for t in range(T):
        learn = learning_factor(X, case.x0[None], b)
        cost = np.empty((N, E, S))
        cost[..., 0] = case.c0_cell[None] * learn[..., 0]
        cost[..., 1] = case.conv0[None] * learn[..., 1] + case.a * cost[..., 0]
        avail = np.maximum(pipeline.available_capacity(K.reshape(N, -1), R.reshape(N, -1), case.u), 0.0).reshape(N, E, S)
        dlv = delivered_cost(cost, case.tariff, np.zeros((E, E)), transport, offdiag)
        pref = logit_preference(dlv, avail, lam, factor, theta)
        demand_pack = np.broadcast_to((case.d0 * (1.0 + case.g) ** t)[None, :, None], (N, E, 1)).copy()
        f_pack, unmet_pack, _ = allocate(demand_pack, avail[..., 1:], pref[..., 1:])
        q_pack = f_pack.sum(axis=1)  # (N, E, 1)
        f_cell, unmet_cell, _ = allocate(case.a * q_pack, avail[..., :1], pref[..., :1])
        q = np.concatenate([f_cell.sum(axis=1), q_pack], axis=2)
        unmet = np.concatenate([unmet_cell, unmet_pack], axis=2)  # (N, M, S)
        out["production"][:, t], out["capacity"][:, t], out["unit_cost"][:, t] = q, K, cost
        X = X + q
        ww = pref * (avail[:, None] + 1.0)
        tot = ww.sum(axis=2, keepdims=True)
        won = (unmet[:, :, None, :] * np.divide(ww, tot, out=np.zeros_like(ww), where=tot > 0)).sum(axis=1)
        orders = case.resp * np.maximum((q + won) * growth_l / case.u - K * survive - P, 0.0)
        flat = orders.reshape(N, E * S)
        pipeline.schedule(buffer, t, lead, flat, n_idx, p_idx)
        arriving = buffer[t + 1]
        k_new, r_new = pipeline.advance(K.reshape(N, -1), R.reshape(N, -1), arriving, life, ramp)
        P = P + orders - arriving.reshape(N, E, S)
        K, R = k_new.reshape(N, E, S), r_new.reshape(N, E, S)
    return out


def agreement(ref: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> float:
    """Largest difference between two results, relative to each output's scale."""
    worst = 0.0
    for k, a in ref.items():
        b = np.asarray(other[k], dtype=float)
        a = np.asarray(a, dtype=float)
        scale = float(np.max(np.abs(a))) or 1.0
        worst = max(worst, float(np.max(np.abs(a - b) / (np.abs(a) + scale))))
    return worst
