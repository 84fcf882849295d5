"""Close the loop: simulate chosen designations and rank them against random ones.

The chosen ``designate_cluster`` levers are added to a scenario (``race`` by
default), simulated with :mod:`buildrace.api`, and compared with the same scenario
without them and with ``n_random`` random designations that spend up to the same
budget. The outcome is the gain in US capacity of the chain's stages in the last
simulated year (mean over draws) over the scenario without designations; the
chosen plan's rank among all plans (1 = best) says whether the scores point the
right way in the simulator too.

The simulator is imported only here and only when verification is asked for, so
scoring and optimisation work without it.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict

from buildrace import dims
from buildrace.errors import InputError
from buildrace.siting.levers import ClusterLever
from buildrace.siting.optimise import DesignationProblem, DesignationRequest


class VerificationResult(BaseModel):
    """Simulated outcome of the chosen plan and of random plans of the same budget."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: str
    metric: str
    year: int
    draws: int
    seed: int
    baseline: float
    chosen: float
    random: tuple[float, ...]
    rank: int
    n_plans: int


def _simulation():
    try:
        from buildrace import simulation
    except ImportError as exc:
        raise InputError(
            "verification needs the simulator (buildrace.simulation), which this installation lacks; "
            "drop --verify-random"
        ) from exc
    return simulation


def chain_capacity(result, chain: str, year: int = 2035) -> tuple[float, int]:
    """US share of world capacity across a chain's stages in ``year`` (or the last year
    simulated, if earlier), averaged over the stages and the draws.

    A unit-free measure: stages are counted in different units (t, GWh, GW, vehicles),
    so their capacities are compared to the world's rather than added.

    Parameters
    ----------
    result
        Results Dataset with ``capacity(draw, year, economy, stage)``.
    chain
        Chain identifier; stages are those named ``chain.*``.

    Returns
    -------
    (value, year)
    """
    cap = result["capacity"]
    stages = [s for s in cap[dims.STAGE].values.tolist() if str(s).startswith(f"{chain}.")]
    years = cap[dims.YEAR].values
    at = int(min(year, int(years[-1])))
    sel = cap.sel({dims.STAGE: stages, dims.YEAR: at})
    world = sel.sum(dims.ECONOMY)
    share = (sel.sel({dims.ECONOMY: "US"}) / world.where(world > 0)).fillna(0.0)
    return float(share.mean([dims.STAGE, dims.DRAW])), at


def simulated_effect(
    levers: tuple[ClusterLever, ...], chain: str, scenario: str = "race", draws: int = 1, seed: int = 0, year: int = 2035
) -> dict:
    """What the designations buy in the simulator: the scenario with and without them.

    Reports, for the chain, the US substitution years (the stage that closes last), the
    US/CN unit-cost ratio and US capacity per stage in ``year`` (stage units), each with
    and without the designations, from :func:`buildrace.api.race` (same draws and seed).
    """
    sim = _simulation()
    base = sim.load_scenario(scenario)
    runs = {"without": base, "with": base.with_policies([lv.to_policy() for lv in levers]) if levers else base}
    out: dict = {"scenario": scenario, "year": year, "draws": draws, "seed": seed}
    for label, sc in runs.items():
        race = sim.race(sc, draws=draws, seed=seed)
        res = race.results
        at = int(min(year, int(res[dims.YEAR].values[-1])))
        stages = [s for s in res[dims.STAGE].values.tolist() if str(s).startswith(f"{chain}.")]
        uc = res["unit_cost"].sel({dims.YEAR: at, dims.STAGE: stages}).median(dims.DRAW)
        cap = res["capacity"].sel({dims.YEAR: at, dims.STAGE: stages, dims.ECONOMY: "US"}).median(dims.DRAW)
        verdict = race.summary["verdict"].get(chain, {})
        out[label] = {
            "us_substitution_years": verdict.get("US_substitution_years"),
            "cn_redirection_years": verdict.get("CN_redirection_years"),
            "cost_gap": {s: round(float(uc.sel({dims.STAGE: s, dims.ECONOMY: "US"}) / uc.sel({dims.STAGE: s, dims.ECONOMY: "CN"})), 4) for s in stages},
            "us_capacity": {s: round(float(cap.sel({dims.STAGE: s})), 3) for s in stages},
        }
    return out


def random_plans(
    problem: DesignationProblem, request: DesignationRequest, n: int, seed: int
) -> list[tuple[ClusterLever, ...]]:
    """``n`` random designations for the problem's (first) chain, spending up to the budget.

    Each plan starts from a random manufacturing role (a chain needs one) and adds
    random (site, role) pairs while the budget and K allow; co-location is not
    imposed, so the comparison also shows what the constraint is worth.
    """
    rng = np.random.default_rng(seed)
    chain = problem.chains[0]
    cost = problem.cost_musd[:, 0, :]
    n_sites = len(problem.sites)
    plans: list[tuple[ClusterLever, ...]] = []
    for _ in range(n):
        spent, chosen = 0.0, set()
        sites: set[int] = set()
        first = int(rng.integers(n_sites))
        order = [
            (first, 1),
            *[
                (int(s), int(r))
                for s, r in zip(
                    *np.unravel_index(rng.permutation(n_sites * 2), (n_sites, 2)), strict=True
                )
            ],
        ]
        for s, r in order:
            if (s, r) in chosen or spent + cost[s, r] > request.budget_musd:
                continue
            if s not in sites and len(sites) >= request.k:
                continue
            chosen.add((s, r))
            sites.add(s)
            spent += cost[s, r]
        if chosen:
            plans.append(
                (
                    ClusterLever(
                        sites=tuple(sorted(problem.sites[s] for s in sites)),
                        chains=(chain,),
                        infrastructure_musd=float(spent),
                    ),
                )
            )
    return plans


def verify_designations(
    levers: tuple[ClusterLever, ...],
    problem: DesignationProblem,
    request: DesignationRequest,
    n_random: int,
    seed: int = 0,
    scenario: str = "race",
    draws: int = 1,
) -> VerificationResult:
    """Simulate the chosen levers and ``n_random`` random plans; rank the chosen one.

    Parameters
    ----------
    levers
        Chosen ``designate_cluster`` levers (from :func:`buildrace.siting.levers.levers_from`).
    problem, request
        The designation problem and request (costs, budget and K of the random plans).
    n_random
        Number of random plans.
    seed
        Seed of the random plans and the simulations.
    scenario
        Scenario the levers are added to.
    draws
        Draws per simulation.

    Raises
    ------
    buildrace.errors.InputError
        When the simulator is not installed, or ``n_random`` < 0.
    """
    if n_random < 0:
        raise InputError(f"--verify-random is {n_random}; use 0 or more")
    sim = _simulation()
    chain = problem.chains[0]
    base = sim.load_scenario(scenario)

    def outcome(plan: tuple[ClusterLever, ...]) -> tuple[float, int]:
        sc = base.with_policies([lv.to_policy() for lv in plan]) if plan else base
        return chain_capacity(sim.simulate(sc, draws=draws, seed=seed), chain)

    baseline, year = outcome(())
    chosen, _ = outcome(levers)
    others = [outcome(p)[0] for p in random_plans(problem, request, n_random, seed)]
    gains = [v - baseline for v in others]
    gain = chosen - baseline
    return VerificationResult(
        scenario=scenario,
        metric=f"gain in the US share of world {chain} capacity in {year} (mean over stages and draws)",
        year=year,
        draws=draws,
        seed=seed,
        baseline=baseline,
        chosen=gain,
        random=tuple(gains),
        rank=1 + sum(g > gain for g in gains),
        n_plans=1 + len(gains),
    )


__all__ = ["VerificationResult", "chain_capacity", "random_plans", "verify_designations"]
