"""Default priors: distributions for the uncertain parameters, each with its source.

``parameters: {priors: default}`` in a scenario switches them on; explicit entries in
the scenario take precedence. Stage-level priors are centred on the world's own values.
Documented in ``docs/parameters.md``.
"""

from __future__ import annotations

from buildrace.model.distributions import LogNormal, Normal, Triangular, Uniform
from buildrace.model.parameters import ParameterOverrides
from buildrace.model.world import FINAL_USES, World

MODEL_PRIORS = {
    # Irwin & Klenow 1994 (doi 10.1086/261863): national spillovers exceed international ones
    "spillover_economy": Uniform(dist="uniform", low=0.3, high=0.8),
    "spillover_world": Uniform(dist="uniform", low=0.02, high=0.25),
    # Rosenthal & Strange 2004 (doi 10.1016/S1574-0080(04)80006-3): elasticity 0.02-0.08
    "agglomeration_alpha": Uniform(dist="uniform", low=0.02, high=0.08),
    # investment response: assumptions, wide
    "invest_response": Uniform(dist="uniform", low=0.6, high=1.0),
    "invest_beta": LogNormal(dist="lognormal", median=15.0, gsd=1.6),
    "kappa": Uniform(dist="uniform", low=0.03, high=0.15),
    "scarcity_markup": Uniform(dist="uniform", low=0.5, high=2.0),
    # cumulative production before the base year is rarely known; for industries that
    # grew 20-60% a year it is 2-8 years of base-year output (assumption)
    "experience_years": Uniform(dist="uniform", low=2.0, high=8.0),
    # how far prices fall below full cost in a glut (assumption; PV modules and LFP cells
    # sold 20-40% below full cost in 2023-24)
    "glut_discount": Uniform(dist="uniform", low=0.2, high=0.9),
    # how much spare capacity producers plan for: PV and battery makers ran at 50-85% in
    # 2018-2024 (IEA S19/S20), so planning utilisation is itself uncertain (assumption)
    "target_utilisation": Uniform(dist="uniform", low=0.5, high=0.9),
    # market-share planning: the utilisation share-seeking producers plan for (China's PV and
    # battery makers ran at 40-60% in 2023-24, IEA S19/S20) and how strongly they plan for
    # share at all (assumptions)
    "share_planning_utilisation": Uniform(dist="uniform", low=0.4, high=0.7),
    "share_planning_strength": Uniform(dist="uniform", low=0.5, high=1.0),
    # substitution between cell chemistries in packs (assumption)
    "chemistry_elasticity": Uniform(dist="uniform", low=0.0, high=3.0),
    # stochastic shocks (buildrace.model.shocks). Demand: annual EV and PV sales growth
    # scattered by 10-30 points around trend in 2012-2018 (history/observed.csv; assumption)
    "demand_volatility": Uniform(dist="uniform", low=0.05, high=0.25),
    # unit-cost noise around learning: Farmer & Lafond 2016 (doi 10.1016/j.respol.2015.11.001)
    # find annual noise of ~0.1-0.2 in the log cost of whole products; a stage's own share
    # is smaller because a product sums many stages (assumption)
    "cost_volatility": Uniform(dist="uniform", low=0.03, high=0.10),
    # raw-material prices: NdPr oxide and lithium carbonate moved 30-60% a year in
    # 2011-2018 (history/observed.csv; assumption)
    "commodity_price_volatility": Uniform(dist="uniform", low=0.10, high=0.40),
    # investment campaigns: China's cell capacity grew 25-90% a year in 2016-2020 (assumption)
    "investment_volatility": Uniform(dist="uniform", low=0.10, high=0.50),
    # raw-material scarcity pricing: short-run demand elasticities of commodities of about
    # 0.1-0.5 (Kilian & Murphy 2014, doi 10.1002/jae.2322: crude oil -0.26 in use); the cap
    # spans the 2022 lithium (about 4-5x) and the 2010-11 rare-earth spikes (assumption)
    "commodity_demand_elasticity": Uniform(dist="uniform", low=0.15, high=0.6),
    "commodity_price_cap": Uniform(dist="uniform", low=3.0, high=10.0),
}
"""Model-wide priors with their sources (see ``docs/parameters.md``)."""

LEARNING_RATE_SD = 0.03
"""Absolute standard deviation of stage learning rates: Way et al. 2022 (Joule,
doi 10.1016/j.joule.2022.08.009) report learning-rate errors of ~2-5 points for PV and
batteries; Ziegler & Trancik 2021 (doi 10.1039/D0EE02681F) find 19-24% for Li-ion cells."""


def default_priors(world: World) -> ParameterOverrides:
    """The default prior set for ``world`` (stage priors centred on its values)."""
    sp = world.stage_parameters
    stages = {
        "learning_rate": {
            s: Normal(dist="normal", mean=float(v), sd=LEARNING_RATE_SD, low=0.0, high=0.45)
            for s, v in sp["learning_rate"].items()
        },
        # trade elasticities: Helveston et al. 2022 (doi 10.1038/s41586-022-04862-9) and the
        # gravity literature give a wide range; median at the world's value, x/÷ 1.5
        "trade_lambda": {s: LogNormal(dist="lognormal", median=float(v), gsd=1.5) for s, v in sp["trade_lambda"].items()},
        "cancel_prob_permit": {
            s: Uniform(dist="uniform", low=0.5 * float(v), high=min(0.9, 1.5 * float(v)) + 1e-9)
            for s, v in sp["cancel_prob_permit"].items()
        },
    }
    if "price_elasticity" in sp:
        stages["price_elasticity"] = {
            s: Uniform(dist="uniform", low=0.5 * float(v), high=1.5 * float(v))
            for s, v in sp["price_elasticity"].dropna().items() if v > 0
        }
    lead = Triangular(dist="triangular", low=0.75, mode=1.0, high=1.5)
    economy_stages = {
        "permit_years": {e: {"ALL": lead} for e in world.economy_codes},
        "build_years": {e: {"ALL": Triangular(dist="triangular", low=0.85, mode=1.0, high=1.3)} for e in world.economy_codes},
    }
    # demand growth: outlooks have erred by a factor of two either way (IEA and BNEF EV and
    # PV outlooks of 2015-2018 under-forecast 2024 by 2-4x); multiplier of growth rates
    final_uses = {"growth_scale": {u: LogNormal(dist="lognormal", median=1.0, gsd=1.5) for u in FINAL_USES}}
    return ParameterOverrides(model=dict(MODEL_PRIORS), stages=stages, economy_stages=economy_stages, final_uses=final_uses)


def with_priors(params: ParameterOverrides, world: World) -> ParameterOverrides:
    """``params`` with the default priors filled in where ``priors: default`` asks for them."""
    if params.priors != "default":
        return params
    base = default_priors(world)
    stages = {k: dict(v) for k, v in base.stages.items()}
    for k, v in params.stages.items():
        stages.setdefault(k, {}).update(v)
    econ = {k: {e: dict(t) for e, t in per_econ.items()} for k, per_econ in base.economy_stages.items()}
    for k, per_econ in params.economy_stages.items():
        for e, targets in per_econ.items():
            econ.setdefault(k, {}).setdefault(e, {}).update(targets)
    uses = {k: dict(v) for k, v in base.final_uses.items()}
    for k, v in params.final_uses.items():
        uses.setdefault(k, {}).update(v)
    return ParameterOverrides(priors="default", model={**base.model, **params.model}, stages=stages, economy_stages=econ,
                              economies=params.economies, final_uses=uses)


__all__ = ["LEARNING_RATE_SD", "MODEL_PRIORS", "default_priors", "with_priors"]
