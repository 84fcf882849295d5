"""The ONE place a Scenario becomes arrays.

:func:`compile_scenario` turns a :class:`~buildrace.model.world.World` and a
:class:`~buildrace.model.scenario.Scenario` into a :class:`Compiled` bundle of NumPy
arrays whose axis order is fixed here and documented field by field. The engine reads
only this bundle.

Pairs
-----
Capacity stands at *pairs* (site, stage). A pair exists where the base year has capacity
or a project, where the site already holds capacity in the same chain (a cluster can
grow; mines only where a mine or mining project already stands, i.e. on a known
deposit), where a place-based lever names the site, or where the economy has a single
site. Every (economy, stage) has at least one
pair, so every economy can build every stage. Pairs are sorted by (economy, stage), so
that per-(economy, stage) sums are contiguous segments (``np.add.reduceat``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from buildrace.errors import InputError
from buildrace.model.index import Index, Policy, expand_stage_names
from buildrace.model.parameters import ModelParameters
from buildrace.model.scenario import Scenario
from buildrace.model.shocks import Shocks, commodity_stages, draw_shocks
from buildrace.model.world import (
    ECONOMY_PARAMETERS,
    FINAL_USES,
    GROWTH_PERIODS,
    OPTIONAL_STAGE_PARAMETERS,
    STAGE_PARAMETERS,
    World,
    load_world,
)

# Stage parameters the engine reads, as (N, S) arrays (the draw axis is for uncertainty).
ENGINE_STAGE_PARAMETERS = STAGE_PARAMETERS + OPTIONAL_STAGE_PARAMETERS
SUBSTITUTE_INPUTS = {
    "li_ion_battery.pack": ("li_ion_battery.cell_lfp", "li_ion_battery.cell_nmc811"),
}
"""Inputs that substitute for each other in a consumer (a pack is made of LFP or of
nickel-based cells): a shortage of one is made up by the other, in proportion."""
FIXED_CHEMISTRY = {
    "use.storage_installations": ("li_ion_battery.pack", "li_ion_battery.cell_lfp", "storage_lfp_share"),
}
"""Final uses whose packs are built of one chemistry whatever the relative prices: use ->
(consumer stage, input, the consumer's stage parameter giving the share of the use's
packs built of that input). Stationary storage takes LFP cells (IEA: about 90% of
battery storage deployed in 2024, well under half five years earlier)."""
PHASE_SURVIVAL = {"announced": 0.5, "permitting": 0.7, "construction": 0.9, "ramping": 1.0}
"""Probability a base-year pipeline project is completed, by phase (ASM; cancellations
of announced US battery plants in 2024-25 ran at roughly a third to a half, S38/S39)."""


@dataclass(frozen=True)
class Compiled:
    """Everything the engine needs, as arrays. Axis letters: N draws, T years, E economies
    (= M markets), R sites, S stages, U final uses, P pairs."""

    scenario: Scenario
    world_name: str
    index: Index
    model: ModelParameters  # point values (the policy compilers use these)
    model_draws: dict[str, np.ndarray]  # name -> (N,) value of every model parameter per draw
    stage: dict[str, np.ndarray]  # name -> (N, S)
    unit_cost0: np.ndarray  # (N, E, S) base-year unit cost, USD per unit
    capex: np.ndarray  # (N, E, S) USD per unit of annual capacity
    permit_years: np.ndarray  # (N, E, S)
    build_years: np.ndarray  # (N, E, S)
    hurdle: np.ndarray  # (E,)
    elec_price: np.ndarray  # (E,) USD/MWh
    share_planning: np.ndarray  # (N, E) weight of market-share planning in investment (0: plan for own sales)
    intensity: np.ndarray  # (S, S) units of input (col) per unit of consumer (row)
    use_intensity: np.ndarray  # (U, S) units of stage per unit of final use
    substitutes: np.ndarray  # (S, S) bool: inputs (col) of a consumer (row) that substitute
    use_price_stage: np.ndarray  # (U,) stage whose price a final use responds to (-1: none)
    demand0: np.ndarray  # (M, U) base-year final demand
    growth: np.ndarray  # (N, T, M, U) cumulative growth factor from the base year
    capacity0: np.ndarray  # (P,)
    production0: np.ndarray  # (P,)
    pipeline: np.ndarray  # (P, H) expected capacity arriving h years after the base year
    policy: Policy
    draws: int
    seed: int = 0
    draw_offset: int = 0
    shocks: Shocks | None = None  # log shock paths (buildrace.model.shocks); None: no shocks
    notes: tuple[str, ...] = field(default_factory=tuple)
    trade_target: np.ndarray | None = None  # (M, E, S) observed base-year share of e in m's purchases (NaN: not observed)
    fixed_chemistry: tuple[tuple[int, int, int, str], ...] = ()  # (use, consumer, input, share parameter), FIXED_CHEMISTRY
    market0: np.ndarray | None = None  # (M, U) base-year market a use saturates (0: none), final_demand.csv market_size
    market_scale: np.ndarray | None = None  # (M, U) s0 / h(s0): keeps the base year under the market ceiling (1: none)

    def mp(self, name: str, ndim: int = 1) -> np.ndarray:
        """Model parameter ``name`` per draw, shaped (N, 1, ...) to broadcast over ``ndim`` axes."""
        return self.model_draws[name].reshape((-1,) + (1,) * (ndim - 1))


def _depths(stages: tuple[str, ...], inputs: pd.DataFrame) -> np.ndarray:
    """Longest path from a final use to each stage (0 = consumed by final uses only)."""
    pos = {s: i for i, s in enumerate(stages)}
    depth = np.zeros(len(stages), dtype=int)
    links = [(pos[c], pos[i]) for c, i in zip(inputs["consumer"], inputs["input"], strict=True) if c in pos]
    for _ in range(len(stages) + 1):
        changed = False
        for c, i in links:
            if depth[i] < depth[c] + 1:
                depth[i] = depth[c] + 1
                changed = True
        if not changed:
            return depth
    raise InputError("inputs.csv: the stages form a cycle; a stage cannot be its own input")


def _policy_sites(scenario: Scenario, world: World) -> set[tuple[str, str]]:
    """(site, chain) pairs that place-based levers name: a designated cluster, a fund's
    target, a green lane or a task force makes its sites eligible for the chain's stages."""
    out: set[tuple[str, str]] = set()
    for lever in scenario.policies:
        sites = getattr(lever, "sites", None) or ()
        if not sites:
            continue
        if hasattr(lever, "chains"):
            chains = lever.chains or world.chains
        elif hasattr(lever, "chain"):
            chains = [lever.chain]
        elif getattr(lever, "stages", None):
            named: list[str] = getattr(lever, "stages", None) or []
            sectors = {world.stages.loc[s, "sector"] if s in world.stages.index else s for s in named}
            chains = [c for c in sectors if c in world.chains] or world.chains
        else:
            chains = world.chains
        out |= {(site, chain) for site in sites for chain in chains}
    return out


def _pairs(world: World, economies, sites, stages, chain_of_stage, extra=frozenset()):
    site_econ = world.sites["economy"].to_dict()
    cap = world.capacity
    present = set(zip(cap["site"], cap["stage"], strict=True)) | set(
        zip(world.pipeline["site"], world.pipeline["stage"], strict=True)
    )
    chain_sites: dict[str, set[str]] = {}
    for site, stage in present:
        chain_sites.setdefault(chain_of_stage[stage], set()).add(site)
    for site, chain in extra:
        chain_sites.setdefault(chain, set()).add(site)
    sites_by_econ: dict[str, list[str]] = {e: [] for e in economies}
    for s in sites:
        sites_by_econ[site_econ[s]].append(s)
    mass = cap.groupby("site")["capacity"].count()
    pairs: list[tuple[str, str]] = []
    for e in economies:
        esites = sites_by_econ[e]
        for st in stages:
            # a cluster can grow along its chain, but a mine only stands on a deposit
            mining = st.split(".", 1)[1].startswith("mine_")
            chosen = [
                r for r in esites
                if len(esites) == 1 or (r, st) in present or (r, chain_of_stage[st]) in extra
                or (not mining and r in chain_sites.get(chain_of_stage[st], ()))
            ]
            if not chosen:
                # no site of e has anything in this chain: the busiest site may start it
                chosen = [max(esites, key=lambda r: (mass.get(r, 0), r))] if esites else []
            if not chosen:
                raise InputError(f"sites.csv: economy {e!r} has no site")
            pairs.extend((r, st) for r in sorted(chosen))
    return pairs


def _growth_path(world: World, economies, uses, years, scale: np.ndarray) -> np.ndarray:
    """Cumulative growth factor (N, T, E, U) of final demand from the base year.

    ``scale`` (N, U) multiplies each use's annual growth rates (1: the world's path).
    """
    fd = world.final_demand
    cols = [c for c, _ in GROWTH_PERIODS]
    rates = fd[cols].reindex(pd.MultiIndex.from_product([list(economies), list(uses)])).to_numpy(float)
    rates = np.nan_to_num(rates).reshape(len(economies), len(uses), len(cols))
    period = np.array([next(i for i, (_, last) in enumerate(GROWTH_PERIODS) if y <= last) for y in years])
    step = 1.0 + rates[None, :, :, period].transpose(0, 3, 1, 2) * scale[:, None, None, :]  # (N, T, E, U)
    step[:, 0] = 1.0
    return np.cumprod(np.maximum(step, 0.0), axis=1)


def _markets(world: World, economies, uses) -> tuple[np.ndarray, np.ndarray]:
    """Each (economy, use)'s base-year market (M, U; 0 where the world gives none) and the
    factor ``s0 / h(s0)`` that keeps the base year's demand under the engine's smooth
    ceiling (:data:`buildrace.engine.contract.SATURATION_SHARPNESS`; 1 where there is no
    market or no base-year demand)."""
    from buildrace.engine.contract import SATURATION_SHARPNESS as k

    shape = (len(economies), len(uses))
    fd = world.final_demand
    if "market_size" not in fd.columns:
        return np.zeros(shape), np.ones(shape)
    index = pd.MultiIndex.from_product([list(economies), list(uses)])
    market0 = np.nan_to_num(fd["market_size"].reindex(index).to_numpy(float).reshape(shape))
    demand0 = np.nan_to_num(fd["value"].reindex(index).to_numpy(float).reshape(shape))
    s0 = np.where(market0 > 0, demand0 / np.where(market0 > 0, market0, 1.0), 0.0)
    scale = np.where(s0 > 0, (1.0 + s0**k) ** (1.0 / k), 1.0)  # s0 / h(s0)
    return market0, scale


def compile_scenario(
    scenario: Scenario,
    draws: int = 1,
    world: World | None = None,
    seed: int | None = None,
    draw_offset: int = 0,
    parameter_values: dict[tuple[str, ...], np.ndarray] | None = None,
) -> Compiled:
    """Compile a scenario into engine arrays for draws ``draw_offset .. draw_offset + draws - 1``.

    Uncertain parameters are drawn from per-draw streams of ``seed`` (default: the
    scenario's), so a draw's values do not depend on the chunk it is compiled in.
    ``parameter_values`` sets given parameters explicitly, one value per draw of this
    chunk (keys are paths as in :func:`buildrace.ensemble.samplers.leaves`:
    ``("model", name)``, ``("stages", parameter, stage_or_chain)``,
    ``("economy_stages", parameter, economy_or_ALL, stage_or_chain)``); used by
    calibration and sensitivity analysis, which choose the points themselves.
    """
    from buildrace.ensemble.samplers import sample_leaves
    from buildrace.model.checks import check_scenario
    from buildrace.model.priors import with_priors
    from buildrace.policies import apply_policies

    world = world or load_world(scenario.world)
    check_scenario(scenario, world)
    if draws < 1:
        raise InputError(f"draws must be >= 1 (got {draws})")
    economies, sites, stages = world.economy_codes, world.site_codes, world.stage_codes
    uses = FINAL_USES
    chains = world.chains
    if scenario.end_year <= world.base_year:
        raise InputError(
            f"end_year {scenario.end_year} must be after the base year {world.base_year} of {world.name}"
        )
    years = np.arange(world.base_year, scenario.end_year + 1)
    chain_of_stage = world.stages["sector"].to_dict()
    pairs = _pairs(world, economies, sites, stages, chain_of_stage, _policy_sites(scenario, world))
    site_pos = {s: i for i, s in enumerate(sites)}
    stage_pos = {s: i for i, s in enumerate(stages)}
    econ_pos = {e: i for i, e in enumerate(economies)}
    site_economy = np.array([econ_pos[world.sites.loc[s, "economy"]] for s in sites])
    pair_site = np.array([site_pos[r] for r, _ in pairs])
    pair_stage = np.array([stage_pos[s] for _, s in pairs])
    pair_economy = site_economy[pair_site]
    group = pair_economy * len(stages) + pair_stage
    assert np.all(np.diff(group) >= 0)
    group_start = np.searchsorted(group, np.arange(len(economies) * len(stages)))
    index = Index(
        economies=economies, sites=sites, stages=stages, uses=uses, chains=chains, years=years,
        site_economy=site_economy,
        stage_chain=np.array([chains.index(chain_of_stage[s]) for s in stages]),
        pair_site=pair_site, pair_stage=pair_stage, pair_economy=pair_economy,
        group_start=group_start, depth=_depths(stages, world.inputs),
    )

    seed = scenario.seed if seed is None else seed
    params = with_priors(scenario.parameters, world)
    values = sample_leaves(params, seed, draw_offset, draws)
    for path, v in (parameter_values or {}).items():
        arr = np.asarray(v, dtype=float)
        if arr.shape != (draws,):
            raise InputError(f"parameter_values[{path}]: expected {draws} values (one per draw), got shape {arr.shape}")
        _check_path(path, world)
        values[tuple(path)] = arr
    model_draws = {k: np.full(draws, float(v)) for k, v in ModelParameters().model_dump().items()}
    for path, v in values.items():
        if path[0] == "model":
            model_draws[path[1]] = _clip_to_field(path[1], v)
    from buildrace.model.distributions import point

    model = ModelParameters(**{k: point(v) for k, v in {**ModelParameters().model_dump(), **params.model}.items()})
    sp = world.stage_parameters.copy()
    for optional in OPTIONAL_STAGE_PARAMETERS:
        if optional not in sp.columns:
            sp[optional] = 0.0
        sp[optional] = sp[optional].fillna(0.0)
    stage = {p: np.repeat(sp[p].to_numpy(float)[None, :], draws, axis=0) for p in ENGINE_STAGE_PARAMETERS}
    mult = {p: np.ones((draws, len(economies), len(stages))) for p in ("unit_cost", "capex", "permit_years", "build_years")}
    use_scale = np.ones((draws, len(uses)))
    for path, v in values.items():
        if path[0] == "stages":
            cols = [stage_pos[st] for st in expand_stage_names(world, [path[2]], f"parameters.stages.{path[1]}")]
            stage[path[1]][:, cols] = np.maximum(v, 0.0)[:, None]
        elif path[0] == "final_uses":
            cols = list(range(len(uses))) if path[2] in ("ALL", "all") else [uses.index(path[2])]
            use_scale[:, cols] = np.maximum(v, 0.0)[:, None]
        elif path[0] == "economy_stages":
            cols = [stage_pos[st] for st in expand_stage_names(world, [path[3]], f"parameters.economy_stages.{path[1]}")]
            rows = list(range(len(economies))) if path[2] in ("ALL", "all") else [econ_pos[path[2]]]
            mult[path[1]][np.ix_(np.arange(draws), np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp))] = np.maximum(v, 0.0)[:, None, None]
    stage["learning_rate"] = np.clip(stage["learning_rate"], 0.0, 0.9)

    esp = world.economy_stage_parameters

    def es(p):
        base = esp[p].unstack().reindex(index=list(economies), columns=list(stages)).to_numpy(float)
        return base[None] * mult[p]

    inten = np.zeros((len(stages), len(stages)))
    use_int = np.zeros((len(uses), len(stages)))
    for c, i, a in world.inputs[["consumer", "input", "intensity"]].itertuples(index=False):
        if c in stage_pos:
            inten[stage_pos[c], stage_pos[i]] += a
        else:
            use_int[uses.index(c), stage_pos[i]] += a
    substitutes = np.zeros((len(stages), len(stages)), dtype=bool)
    for consumer, subs in SUBSTITUTE_INPUTS.items():
        if consumer in stage_pos:
            for u in subs:
                if u in stage_pos:
                    substitutes[stage_pos[consumer], stage_pos[u]] = True
    use_price_stage = np.array([int(np.argmax(use_int[u])) if use_int[u].any() else -1 for u in range(len(uses))])

    fd = world.final_demand
    demand0 = np.zeros((len(economies), len(uses)))
    for (e, u), v in fd["value"].items():
        if e in econ_pos and u in uses:
            demand0[econ_pos[e], uses.index(u)] = v

    cap = world.capacity.set_index(["site", "stage"])
    key = pd.MultiIndex.from_tuples(pairs)
    capacity0 = cap["capacity"].reindex(key).fillna(0.0).to_numpy(float)
    production0 = cap["production"].reindex(key).fillna(0.0).to_numpy(float)

    horizon = len(years) + 40
    pipeline = np.zeros((len(pairs), horizon))
    pair_pos = {p: i for i, p in enumerate(pairs)}
    for row in world.pipeline.itertuples(index=False):
        h = int(row.online_year) - world.base_year
        if 0 < h < horizon and (row.site, row.stage) in pair_pos:
            pipeline[pair_pos[(row.site, row.stage)], h] += float(row.capacity) * PHASE_SURVIVAL.get(row.phase, 0.5)

    policy = apply_policies(scenario, world, index, model)
    shocks = draw_shocks(
        model_draws, seed, draw_offset, draws, len(years), len(economies), len(uses), len(stages),
        index.stage_chain, commodity_stages(stages),
    )
    growth = _growth_path(world, economies, uses, years, use_scale)
    market0, market_scale = _markets(world, economies, uses)
    if shocks is not None:
        growth = growth * np.exp(shocks.demand)
    return Compiled(
        scenario=scenario, world_name=world.name, index=index, model=model, stage=stage,
        unit_cost0=es("unit_cost"), capex=es("capex"), permit_years=es("permit_years"),
        build_years=es("build_years"),
        hurdle=world.economies["hurdle_rate"].reindex(list(economies)).to_numpy(float),
        elec_price=world.economies["electricity_price_usd_per_mwh"].reindex(list(economies)).to_numpy(float),
        share_planning=_share_planning(world, economies, values, draws),
        intensity=inten, use_intensity=use_int, substitutes=substitutes, use_price_stage=use_price_stage,
        demand0=demand0, growth=growth, shocks=shocks,
        capacity0=capacity0, production0=production0, pipeline=pipeline,
        policy=policy, draws=draws, seed=seed, draw_offset=draw_offset, model_draws=model_draws,
        trade_target=_trade_target(world, economies, stages),
        market0=market0, market_scale=market_scale,
        fixed_chemistry=tuple(
            (uses.index(u), stage_pos[cons], stage_pos[inp], param) for u, (cons, inp, param) in FIXED_CHEMISTRY.items()
            if u in uses and cons in stage_pos and inp in stage_pos and substitutes[stage_pos[cons], stage_pos[inp]]
        ),
    )


def _share_planning(world: World, economies, values, draws: int) -> np.ndarray:
    """Each economy's weight of market-share planning (N, E): the optional economies.csv
    column ``market_share_planning`` (0 where the column or the entry is absent), replaced
    per economy by the scenario's ``parameters.economies.market_share_planning``."""
    base = np.zeros(len(economies))
    if "market_share_planning" in world.economies.columns:
        base = world.economies["market_share_planning"].reindex(list(economies)).fillna(0.0).to_numpy(float)
    out = np.repeat(base[None], draws, axis=0)
    for path, v in values.items():
        if path[:2] == ("economies", "market_share_planning"):
            cols = list(range(len(economies))) if path[2] in ("ALL", "all") else [list(economies).index(path[2])]
            out[:, cols] = np.clip(v, 0.0, 1.0)[:, None]
    return out


def _trade_target(world: World, economies, stages) -> np.ndarray | None:
    """Observed base-year bilateral shares (M, E, S), NaN where the record is silent."""
    if world.trade.empty:
        return None
    e_pos = {e: i for i, e in enumerate(economies)}
    s_pos = {s: i for i, s in enumerate(stages)}
    out = np.full((len(economies), len(economies), len(stages)), np.nan)
    for r in world.trade.itertuples(index=False):
        if r.market in e_pos and r.supplier in e_pos and r.stage in s_pos:
            out[e_pos[r.market], e_pos[r.supplier], s_pos[r.stage]] = float(r.share)
    return out


def _check_path(path, world: World) -> None:
    from buildrace.model.checks import check_economy, check_stages

    kind = path[0] if path else None
    if kind == "model" and len(path) == 2 and path[1] in ModelParameters.model_fields:
        return
    if kind == "stages" and len(path) == 3 and path[1] in ENGINE_STAGE_PARAMETERS:
        check_stages(world, [path[2]], "parameter_values")
        return
    if kind == "final_uses" and len(path) == 3 and path[1] == "growth_scale":
        if path[2] not in FINAL_USES + ("ALL", "all"):
            raise InputError(f"parameter_values: unknown final use {path[2]!r}; valid: {', '.join(FINAL_USES)}, ALL")
        return
    if kind == "economies" and len(path) == 3 and path[1] in ECONOMY_PARAMETERS:
        check_economy(world, path[2], "parameter_values", allow_all=True)
        return
    if kind == "economy_stages" and len(path) == 4 and path[1] in ("unit_cost", "capex", "permit_years", "build_years"):
        check_economy(world, path[2], "parameter_values", allow_all=True)
        check_stages(world, [path[3]], "parameter_values")
        return
    raise InputError(
        f"parameter_values: unknown parameter path {path!r}; use ('model', name), "
        "('stages', parameter, stage), ('economy_stages', parameter, economy, stage), ('economies', parameter, economy) "
        "or ('final_uses', 'growth_scale', use)"
    )


def _clip_to_field(name: str, values: np.ndarray) -> np.ndarray:
    """Clip sampled values of a model parameter to the field's valid range."""
    lo, hi = -np.inf, np.inf
    for meta in ModelParameters.model_fields[name].metadata:
        ge, gt, le = getattr(meta, "ge", None), getattr(meta, "gt", None), getattr(meta, "le", None)
        if ge is not None:
            lo = max(lo, float(ge))
        if gt is not None:
            lo = max(lo, float(gt) + 1e-12)
        if le is not None:
            hi = min(hi, float(le))
    return np.clip(np.asarray(values, dtype=float), lo, hi)


__all__ = ["Compiled", "Index", "Policy", "compile_scenario"]
