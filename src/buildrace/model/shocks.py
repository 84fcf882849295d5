"""Stochastic shocks: the year-to-year noise around the model's mechanisms.

Parameter uncertainty alone gives forecast bands that are too narrow: the history of
technology costs, commodity prices and deployment is noisy around any smooth law. Four
shock processes, each switched off by a zero volatility (the default, so a single run is
the deterministic central path) and drawn per draw, per year:

* **demand**: a geometric random walk in every final use's demand, a world component
  per use plus an economy component (each half the variance),
  ``log D_t = log D*_t + sum_{tau<=t} sigma_d * eps_tau``;
* **cost**: a geometric random walk in every stage's unit cost, a chain component plus
  a stage component (each half the variance): Moore's and Wright's laws as correlated
  random walks with drift, Farmer & Lafond 2016 (Research Policy 45(3), doi
  10.1016/j.respol.2015.11.001) and Way et al. 2022 (Joule, doi
  10.1016/j.joule.2022.08.009);
* **commodity price**: an AR(1) process in the log price of raw-material stages (mining,
  refining, separation, polysilicon), ``x_t = rho * x_{t-1} + sigma_p * eps_t``;
  commodity price shocks are large and persistent (Cashin, Liang & McDermott 2000, IMF
  Staff Papers 47(2));
* **investment**: an AR(1) process in the log of every economy's capacity announcements
  per chain (credit cycles, local-government campaigns, investor sentiment).

The medians of the shocks are zero, so the median path of many draws stays close to the
deterministic path. Innovations come from their own stream per draw,
``SeedSequence(seed, spawn_key=(draw, SHOCK_STREAM))``, apart from the stream of the
parameters, so a draw's shocks do not depend on the chunk it runs in, and adding a shock
does not change the parameters a draw samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHOCK_STREAM = 1
"""Second element of the per-draw spawn key of the shock stream (parameters use ``(draw,)``)."""
COMMON_SHARE = 0.5
"""Share of a shock's variance common to a use across economies (demand) or to a chain's
stages (cost) (ASM)."""
COMMODITY_TOKENS = ("mine_", "refine_", "separation_", "process_", "polysilicon")
"""Stage-name fragments of raw-material stages, whose prices carry commodity shocks."""
VOLATILITIES = ("demand_volatility", "cost_volatility", "commodity_price_volatility", "investment_volatility")
"""Model parameters that switch the shocks on."""


@dataclass(frozen=True)
class Shocks:
    """Log shock paths, zero in the base year (index 0).

    Attributes
    ----------
    demand : (N, T, E, U) log multiplier of final demand
    cost : (N, T, S) log multiplier of unit cost
    price : (N, T, S) log multiplier of market prices (zero outside raw-material stages)
    invest : (N, T, E, C) log multiplier of capacity announcements per chain
    """

    demand: np.ndarray
    cost: np.ndarray
    price: np.ndarray
    invest: np.ndarray


def is_commodity(stage: str) -> bool:
    """Whether ``stage`` is a raw-material stage (see :data:`COMMODITY_TOKENS`)."""
    return any(tok in stage for tok in COMMODITY_TOKENS)


def commodity_stages(stages: tuple[str, ...]) -> np.ndarray:
    """(S,) bool: the raw-material stages."""
    return np.array([is_commodity(s) for s in stages], dtype=bool)


def _ar1(eps: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """AR(1) paths along axis 1 from innovations ``eps`` (N, T, ...), x_0 = 0."""
    out = np.zeros_like(eps)
    rho = rho.reshape((-1,) + (1,) * (eps.ndim - 2))
    for t in range(1, eps.shape[1]):  # years (a few dozen), not draws
        out[:, t] = rho * out[:, t - 1] + eps[:, t]
    return out


def draw_shocks(
    model_draws: dict[str, np.ndarray], seed: int, offset: int, n: int,
    T: int, E: int, U: int, S: int, stage_chain: np.ndarray, commodity: np.ndarray,
) -> Shocks | None:
    """Shock paths for draws ``offset .. offset + n - 1``, or None when every volatility is zero.

    Parameters
    ----------
    model_draws : name -> (n,) model parameter values (the volatilities and persistences)
    seed, offset, n : root seed, first draw, number of draws
    T, E, U, S : years, economies, final uses, stages
    stage_chain : (S,) chain index of each stage
    commodity : (S,) bool, raw-material stages
    """
    sig = {k: np.asarray(model_draws[k], dtype=float) for k in VOLATILITIES}
    if not any(np.any(v > 0) for v in sig.values()):
        return None
    C = int(stage_chain.max()) + 1 if len(stage_chain) else 0
    sizes = (U, E * U, C, S, S, E * C)
    z = np.empty((n, T, sum(sizes)))
    for j in range(n):  # one stream per draw (setup, not the engine's hot path)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(offset + j, SHOCK_STREAM)))
        z[j] = rng.standard_normal((T, sum(sizes)))
    z[:, 0] = 0.0  # the base year is observed, not forecast
    parts = np.split(z, np.cumsum(sizes)[:-1], axis=2)
    d_world, d_econ, c_chain, c_stage, p_stage, i_econ = parts
    a, b = np.sqrt(COMMON_SHARE), np.sqrt(1.0 - COMMON_SHARE)

    eps_d = sig["demand_volatility"][:, None, None, None] * (a * d_world[:, :, None, :] + b * d_econ.reshape(n, T, E, U))
    eps_c = sig["cost_volatility"][:, None, None] * (a * c_chain[:, :, stage_chain] + b * c_stage)
    eps_p = sig["commodity_price_volatility"][:, None, None] * p_stage * commodity[None, None, :]
    eps_i = sig["investment_volatility"][:, None, None, None] * i_econ.reshape(n, T, E, C)
    return Shocks(
        demand=np.cumsum(eps_d, axis=1),
        cost=np.cumsum(eps_c, axis=1),
        price=_ar1(eps_p, np.asarray(model_draws["commodity_price_persistence"], dtype=float)),
        invest=_ar1(eps_i, np.asarray(model_draws["investment_persistence"], dtype=float)),
    )


__all__ = ["COMMODITY_TOKENS", "SHOCK_STREAM", "VOLATILITIES", "Shocks", "commodity_stages", "draw_shocks", "is_commodity"]
