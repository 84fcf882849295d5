"""Cluster siting: where to designate industrial clusters for a chain, why, and what it buys.

:func:`site_clusters` is the one entry point: it scores every US state for the
chain (:mod:`~buildrace.siting.score`), chooses designations with a MILP
(:mod:`~buildrace.siting.optimise`), turns them into ``designate_cluster`` levers
(:mod:`~buildrace.siting.levers`) and, when asked, simulates them against random
designations of the same budget (:mod:`~buildrace.siting.verify`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from buildrace.siting.chains import CHAINS, Role, get_chain
from buildrace.siting.data import distance_matrix, load_tables
from buildrace.siting.levers import ClusterLever, levers_from, write_scenario
from buildrace.siting.optimise import (
    DesignationProblem,
    DesignationRequest,
    DesignationResult,
    DesignationStatus,
    solve_designation,
)
from buildrace.siting.score import (
    COMPONENTS,
    ROLE_COMPONENTS,
    ScoreWeights,
    parse_weights,
    score_chain,
)
from buildrace.siting.verify import VerificationResult


class CostModel(BaseModel):
    """Infrastructure a designation needs, million USD.

    ``cost = base * (1 + grid_premium * (1 - power))``: a site with less generation
    (a lower ``power`` component) needs more grid investment before energy-hungry
    plants can connect.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    upstream_musd: float = 300.0
    manufacturing_musd: float = 500.0
    grid_premium: float = 0.5


class SiteScore(BaseModel):
    """One state's ranking, scores and the components behind them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    site: str
    name: str
    rank: int
    composite: float
    score_upstream: float
    score_manufacturing: float
    components: dict[str, float]
    figures: dict[str, float]


class SitingResult(BaseModel):
    """Everything ``buildrace site`` reports."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chain: str
    weights: dict[str, float]
    k: int
    budget_musd: float
    within_miles: float
    costs: CostModel
    sites: tuple[SiteScore, ...]
    designation: DesignationResult
    levers: tuple[ClusterLever, ...]
    verification: VerificationResult | None = None
    effect: dict | None = None
    comparison: dict | None = None

    def to_json(self) -> dict:
        """A JSON-ready dict (the ``--json`` output)."""
        d = self.designation
        out = {
            "chain": self.chain,
            "weights": self.weights,
            "request": {
                "k": self.k,
                "budget_musd": self.budget_musd,
                "within_miles": self.within_miles,
            },
            "costs": self.costs.model_dump(),
            "status": d.status.value,
            "objective": round(d.objective, 6),
            "total_cost_musd": round(d.total_cost_musd, 1),
            "solve_seconds": round(d.solve_seconds, 4),
            "binding_constraints": list(d.binding_constraints),
            "chosen": [
                {
                    **x.model_dump(mode="json"),
                    "benefit": round(x.benefit, 6),
                    "cost_musd": round(x.cost_musd, 1),
                }
                for x in d.designations
            ],
            "designations": [lv.to_policy() for lv in self.levers],
            "sites": [_round(s.model_dump()) for s in self.sites],
        }
        if self.comparison is not None:
            out["china_comparison"] = self.comparison
        if self.effect is not None:
            out["simulated_effect"] = self.effect
        if self.verification is not None:
            out["verification"] = self.verification.model_dump(mode="json")
        return out


def _round(obj):
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


_FIGURES = (
    "lq_upstream",
    "lq_manufacturing",
    "eci",
    "deposits_in_reach",
    "capacity_gw",
    "low_carbon_share",
    "facilities_weighted_upstream",
    "facilities_weighted_manufacturing",
    "manufacturing_jobs",
)


def _component_columns() -> list[str]:
    cols = []
    for k in COMPONENTS:
        cols += [f"{k}_{r}" for r in Role] if k in ROLE_COMPONENTS else [k]
    return cols


def designation_problem(scores: pd.DataFrame, chain: str, costs: CostModel) -> DesignationProblem:
    """Benefits, costs and distances of one chain's MILP, from its score table."""
    dist = distance_matrix()
    sites = tuple(dist.index)
    s = scores.reindex(list(sites))
    benefit = np.stack([s["score_upstream"], s["score_manufacturing"]], axis=-1)[:, None, :]
    factor = 1.0 + costs.grid_premium * (1.0 - s["power"].to_numpy())
    cost = np.stack([costs.upstream_musd * factor, costs.manufacturing_musd * factor], axis=-1)[
        :, None, :
    ]
    return DesignationProblem(
        sites=sites,
        chains=(chain,),
        benefit=benefit.astype(float),
        cost_musd=cost.astype(float),
        distance_miles=dist.to_numpy(),
    )


def province_comparison(chain: str, top: int = 10) -> dict:
    """China's provinces beside US states on the capacity components the embedded world
    supports for both (see :mod:`buildrace.siting.provinces`): the top ``top`` of each."""
    from buildrace.siting.provinces import COMPONENTS, capacity_components

    df = capacity_components(chain)

    def rows(economy):
        sub = df[df["economy"] == economy].head(top)
        return [{"site": site, **{c: (None if pd.isna(r[c]) else round(float(r[c]), 4)) for c in (*COMPONENTS, "composite")}}
                for site, r in sub.iterrows()]

    return {
        "components": list(COMPONENTS),
        "measure": "share of world base-year capacity in the chain's mining, refining/processing "
        "and component/assembly stages (incumbency; the US scores above measure latent advantage)",
        "CN": rows("CN"),
        "US": rows("US"),
    }


def site_clusters(
    chain: str,
    k: int = 5,
    budget_musd: float = 3000.0,
    within_miles: float = 100.0,
    weights: ScoreWeights | None = None,
    costs: CostModel | None = None,
    verify_random: int = 0,
    seed: int = 0,
    simulate: bool = True,
) -> SitingResult:
    """Score the states for a chain, choose designations, simulate what they buy, and
    optionally rank them against random designations of the same budget.

    Parameters
    ----------
    chain
        ``li_ion_battery``, ``solar_pv``, ``ndfeb_magnet`` or ``ev``.
    simulate
        Run the chosen designations through the engine (``race`` with and without them).
    k
        Most sites to designate.
    budget_musd
        Infrastructure budget, million USD.
    within_miles
        Upstream and manufacturing sites must be this close (also the reach of the
        minerals component).
    weights
        Component weights of the scores.
    costs
        Infrastructure cost per role.
    verify_random
        When > 0, simulate the chosen designations and this many random designations
        of the same budget, and rank the chosen one (needs ``buildrace.api``).
    seed
        Seed of the random designations and the simulations.

    Raises
    ------
    buildrace.errors.InputError
        Unknown chain, K < 1, negative budget or distance, bad weights.
    buildrace.errors.InfeasibleError
        A budget below the cheapest designation, or no co-located plan.
    """
    get_chain(chain)
    weights = weights or ScoreWeights()
    costs = costs or CostModel()
    request = DesignationRequest(k=k, budget_musd=budget_musd, within_miles=within_miles)
    if within_miles < 0:
        # Checked here too so the message names the CLI flag before scoring uses it.
        from buildrace.errors import InputError

        raise InputError(f"--within is {within_miles}; give a distance of 0 or more miles")
    scores = score_chain(chain, weights, reach_miles=within_miles)
    problem = designation_problem(scores, chain, costs)
    result = solve_designation(problem, request)
    levers = levers_from(result)
    comp_cols = _component_columns()
    sites = tuple(
        SiteScore(
            site=str(site),
            name=str(row["name"]),
            rank=int(row["rank"]),
            composite=float(row["composite"]),
            score_upstream=float(row["score_upstream"]),
            score_manufacturing=float(row["score_manufacturing"]),
            components={c: float(row[c]) for c in comp_cols},
            figures={f: float(row[f]) for f in _FIGURES},
        )
        for site, row in scores.iterrows()
    )
    from buildrace.siting.verify import simulated_effect

    effect = simulated_effect(levers, chain, seed=seed) if simulate and levers else None
    comparison = province_comparison(chain)
    verification = None
    if verify_random > 0:
        from buildrace.siting.verify import verify_designations

        verification = verify_designations(
            levers, problem, request, n_random=verify_random, seed=seed
        )
    return SitingResult(
        chain=chain,
        weights=weights.as_dict(),
        k=k,
        budget_musd=budget_musd,
        within_miles=within_miles,
        costs=costs,
        sites=sites,
        designation=result,
        levers=levers,
        verification=verification,
        effect=effect,
        comparison=comparison,
    )


__all__ = [
    "CHAINS",
    "ClusterLever",
    "CostModel",
    "DesignationResult",
    "DesignationStatus",
    "ScoreWeights",
    "SiteScore",
    "SitingResult",
    "VerificationResult",
    "load_tables",
    "parse_weights",
    "site_clusters",
    "write_scenario",
]
