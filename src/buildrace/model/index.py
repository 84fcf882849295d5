"""The identifiers of a compiled scenario and its policy arrays.

:class:`Index` maps identifiers (economies, sites, stages, pairs) to integer positions,
:class:`Policy` holds every lever's arrays; :func:`buildrace.model.compile.compile_scenario`
builds both, and the lever compilers in :mod:`buildrace.policies` fill the policy
arrays from an Index. They live here, below both, so that neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from buildrace.errors import InputError
from buildrace.model.world import World


@dataclass(frozen=True)
class Index:
    """Identifiers and the integer maps between them."""

    economies: tuple[str, ...]
    sites: tuple[str, ...]
    stages: tuple[str, ...]
    uses: tuple[str, ...]
    chains: tuple[str, ...]
    years: np.ndarray  # (T,) calendar years, base year first
    site_economy: np.ndarray  # (R,) economy index of each site
    stage_chain: np.ndarray  # (S,) chain index of each stage
    pair_site: np.ndarray  # (P,)
    pair_stage: np.ndarray  # (P,)
    pair_economy: np.ndarray  # (P,)
    group_start: np.ndarray  # (E*S,) first pair of each (economy, stage) group
    depth: np.ndarray  # (S,) longest path from a final use (0 = most downstream)

    @property
    def pair_group(self) -> np.ndarray:
        return self.pair_economy * len(self.stages) + self.pair_stage

    def economy(self, code: str) -> int:
        return self.economies.index(code)

    def stage(self, code: str) -> int:
        return self.stages.index(code)


@dataclass(frozen=True)
class Policy:
    """Policy arrays, all with a leading year axis T. Defaults mean 'no policy'."""

    tariff: np.ndarray  # (T, M, E, S) ad valorem, importer m from exporter e
    trade_factor: np.ndarray  # (T, M, E, S) 1 = free, 0 = banned, in between = export cap
    credit: np.ndarray  # (T, E, S) production credit, USD per unit
    credit_share: np.ndarray  # (T, E, S) production credit as share of unit cost
    itc: np.ndarray  # (T, E, S) investment credit, share of capex
    local_share: np.ndarray  # (T, M, S) share of market demand reserved for local sites
    local_members: np.ndarray  # (T, M, E) 1 if economy e counts as local for market m
    permit_mult: np.ndarray  # (T, P) multiplier on permit years (<= 1)
    build_mult: np.ndarray  # (T, P) multiplier on build years (<= 1)
    cost_mult: np.ndarray  # (T, P) cluster infrastructure effect on factor cost (<= 1)
    attract: np.ndarray  # (T, P) extra investment-siting weight (>= 0)
    ramp_mult: np.ndarray  # (T, P) multiplier on ramp-up years (<= 1)
    kappa_mult: np.ndarray  # (T, P) multiplier on the integration penalty (<= 1)
    fund_budget: np.ndarray  # (T, E) sovereign-fund budget, USD per year
    fund_target: np.ndarray  # (T, P) 1 where the fund may invest
    fund_hurdle: np.ndarray  # (E,) fund hurdle rate
    fund_equity: np.ndarray  # (E,) fund's equity share
    pool_member: np.ndarray  # (T, E, E) 1 if e2's capacity counts for e1's bloc
    pool_premium: np.ndarray  # (T, M, E) cost premium on pooled flows
    stock_months: np.ndarray  # (T, E, S) strategic stock target, months of demand
    licence: np.ndarray  # (T, M, E, S) export licence: share of the base-year bilateral share allowed (inf = no control)
    roo_max: np.ndarray  # (T, M, S) rules of origin: max foreign-entity content of a good (1 = no rule)
    roo_foreign: np.ndarray  # (T, M, E) 1 where e's content counts as foreign-entity content for m's rules
    roo_rate: np.ndarray  # (T, M, S) tariff on goods over the threshold (nan: the foreign entity's own rules)
    credit_feoc: np.ndarray  # (T, E, S) max foreign-entity content for production and investment credits (1 = none)


def expand_stage_names(world: World, names: list[str], where: str) -> list[str]:
    """Stage ids and chain names -> stage ids (chain names expand to all their stages)."""
    out: list[str] = []
    for n in names:
        if n in world.stages.index:
            out.append(n)
        elif n in world.chains:
            out.extend(world.stages_of(n))
        elif n in ("ALL", "all"):
            out.extend(world.stage_codes)
        else:
            raise InputError(
                f"{where}: unknown stage or chain {n!r}; chains: {', '.join(world.chains)};"
                " stages: see `buildrace stages`"
            )
    return list(dict.fromkeys(out))


__all__ = ["Index", "Policy", "expand_stage_names"]
