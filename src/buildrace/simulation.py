"""Simulation: a scenario's runs over its horizon, and the race beside its reference path.

:func:`simulate` compiles a scenario and runs its draws in vectorised chunks;
:func:`race` runs the scenario beside its reference path (and its own no-shock world)
and computes the race metrics (:func:`race_metrics`). Everything below the package's
faces (calibration, sensitivity, siting verification, the ensemble store) calls these;
:mod:`buildrace.api` re-exports them for users.
"""

from __future__ import annotations

import copy
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import xarray as xr

from buildrace import metrics
from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, YEAR
from buildrace.errors import InputError
from buildrace.io.scenario_file import load_scenario, scenario_to_yaml
from buildrace.model.compile import compile_scenario
from buildrace.model.scenario import Scenario
from buildrace.model.world import World

MAX_DRAWS = 1_000_000
CHUNK_DRAWS = 250
"""Draws simulated per vectorised pass; larger ensembles run in chunks of this size."""

Progress = Callable[[int, int], None]


def simulate(
    scenario: Scenario | str,
    draws: int = 1,
    seed: int | None = None,
    progress: Progress | None = None,
    world: World | None = None,
    parameter_values: dict[tuple[str, ...], np.ndarray] | None = None,
    executor: str = "serial",
    workers: int = 1,
    first_draw: int = 0,
) -> xr.Dataset:
    """Simulate a scenario over its horizon.

    Parameters
    ----------
    scenario : a Scenario, a built-in scenario name or a scenario file path
    draws : number of scenario draws, simulated in vectorised passes of up to
        :data:`CHUNK_DRAWS` draws
    seed : root seed (default: the scenario's); recorded in the results
    progress : optional callback ``progress(done, total)`` in draws
    world : a World to use instead of the scenario's embedded one (tests, custom data)
    parameter_values : parameter path -> (draws,) values set explicitly per draw (see
        :func:`buildrace.model.compile.compile_scenario`); calibration and sensitivity use it
    executor, workers : where chunks run: ``serial`` (default), ``processes`` (a local
        pool of ``workers``) or ``dask`` (a Dask cluster); results are bit-identical
    first_draw : index of the first draw in the seed's stream: the run simulates draws
        ``first_draw .. first_draw + draws - 1``, each with the bits it has in any other
        run of the same seed (an ensemble store runs its chunks this way)

    Returns
    -------
    xarray.Dataset with the draw axis first (see :mod:`buildrace.results`).
    """
    from buildrace.engine.run import race_exporters
    from buildrace.ensemble.executors import ChunkTask, run_chunks
    from buildrace.results import kept_outputs, to_dataset

    sc = load_scenario(scenario, world=world) if isinstance(scenario, str) else scenario
    if not isinstance(draws, int) or draws < 1 or draws > MAX_DRAWS:
        raise InputError(f"draws must be an integer between 1 and {MAX_DRAWS:,} (got {draws!r})")
    seed = sc.seed if seed is None else seed
    if not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be an integer >= 0 (got {seed!r})")
    if not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be an integer >= 1 (got {workers!r})")
    if not isinstance(first_draw, int) or first_draw < 0:
        raise InputError(f"first_draw must be an integer >= 0 (got {first_draw!r})")
    keep = kept_outputs(draws)
    tasks = []
    for lo in range(0, draws, CHUNK_DRAWS):
        n = min(CHUNK_DRAWS, draws - lo)
        values = {k: np.asarray(v)[lo : lo + n] for k, v in (parameter_values or {}).items()}
        tasks.append(ChunkTask(scenario=sc, world=world, seed=seed, offset=first_draw + lo, draws=n, parameter_values=values, keep=keep))
    # the first chunk's compilation checks the scenario and gives the identifiers; a
    # serial run reuses it rather than compiling twice
    meta = _compile(sc, tasks[0].draws, world, seed, first_draw, tasks[0].parameter_values)
    whole: dict[str, np.ndarray] = {}  # serial chunks write into slices of whole-ensemble arrays
    if executor == "serial":
        tasks[0] = replace(tasks[0], compiled=meta)
        if len(tasks) > 1:
            tasks = [replace(task, into=_slices_of(whole, draws, task.offset - first_draw)) for task in tasks]
    parts = run_chunks(tasks, executor=executor, workers=workers, progress=(lambda d: progress(d, draws)) if progress else None)
    out = parts[0].outputs
    if whole:
        out = whole
    elif len(parts) > 1:
        out = {k: np.concatenate([p.outputs[k] for p in parts], axis=0) for k in out}
    shock_years = [p.start for p in sc.shocks]
    attrs = {
        "scenario": sc.name,
        "scenario_yaml": scenario_to_yaml(sc),
        "world": meta.world_name,
        "seed": int(seed),
        "draws": int(draws),
        "base_year": int(meta.index.years[0]),
        "end_year": int(meta.index.years[-1]),
        "shock_year": int(min(shock_years)) if shock_years else -1,
        "threshold": float(sc.threshold),
        "calibration_fit_error": float(max(p.fit_error for p in parts)),
        "importers": sc.parties()[0],
        "exporters": [meta.index.economies[e] for e in race_exporters(meta)],
        "inputs": (meta.intensity > 0).astype(np.int8),
        "buildrace_version": _version(),
    }
    ds = to_dataset(out, meta.index, draws, attrs)
    if first_draw:
        ds = ds.assign_coords({DRAW: ds[DRAW].values + first_draw})
    ds["intensity_calibration"] = ((STAGE,), parts[0].intensity_scale)
    return ds


def _slices_of(whole: dict[str, np.ndarray], draws: int, lo: int):
    """A run's ``into`` (:func:`buildrace.engine.run.run`): each output of draws ``lo ..``
    written to its slice of an array over all ``draws`` (made on the first chunk's
    request), so the chunks need no concatenation (a copy of every output into fresh
    memory) after the run."""

    def into(name: str, shape: tuple, dtype) -> np.ndarray:
        if name not in whole:
            whole[name] = np.empty((draws,) + shape[1:], dtype)
        return whole[name][lo : lo + shape[0]]

    return into


COMPILE_MEMO = 8
"""Compiled scenarios kept (a scenario and its reference path, for a few slider moves)."""
_compiled: OrderedDict[tuple, Any] = OrderedDict()


def _compile(sc: Scenario, draws: int, world: World | None, seed: int, first_draw: int, values: dict):
    """:func:`~buildrace.model.compile.compile_scenario`, memoised for the embedded worlds.

    A reference path is compiled again for every race and every slider move; compiling
    costs ~50 ms, a copy ~3 ms. The key is the scenario's full description and the draw
    range (everything compilation reads besides the embedded world). A hit hands back a
    deep copy, so no caller can change a stored bundle. Custom worlds and explicit
    parameter values are compiled afresh.
    """
    if world is not None or values:
        return compile_scenario(sc, draws=draws, world=world, seed=seed, draw_offset=first_draw, parameter_values=values)
    key = (repr(sc), draws, seed, first_draw)
    hit = _compiled.get(key)
    if hit is None:
        hit = compile_scenario(sc, draws=draws, seed=seed, draw_offset=first_draw)
        _compiled[key] = hit
        while len(_compiled) > COMPILE_MEMO:
            _compiled.popitem(last=False)
    else:
        _compiled.move_to_end(key)
    return copy.deepcopy(hit)


def _version() -> str:
    from buildrace._version import __version__

    return __version__


@dataclass(frozen=True)
class RaceResult:
    """A scenario run beside its reference path (same draws, same seed).

    Attributes
    ----------
    scenario : the scenario run
    results : its results
    reference : the reference path's results (the common yardstick: by default the
        world's ``baseline``, the policies in force and no shock)
    reference_name : the reference scenario's name
    summary : the race metrics (:func:`race_metrics`), JSON-ready
    policy_world : the scenario's own no-shock counterfactual (its policies without the
        shock), the second, labelled view "recovery relative to the policy world"; the
        same object as ``results`` when the scenario has no shock
    """

    scenario: Scenario
    results: xr.Dataset
    reference: xr.Dataset
    reference_name: str
    summary: dict
    policy_world: xr.Dataset

    @property
    def counterfactual(self) -> xr.Dataset:
        """The yardstick the metrics use (the reference path); kept for older callers."""
        return self.reference


DEFAULT_REFERENCE = "baseline"


def reference_scenario(sc: Scenario, reference: str | Scenario | None = None, world: World | None = None) -> Scenario:
    """The reference path of ``sc``: ``reference`` if given, else the scenario's own
    ``reference:`` key, else the built-in baseline of the scenario's world.

    A reference with a shock is refused: the yardstick is a world without the race.
    """
    from buildrace.io.scenario_file import builtin_names

    if isinstance(reference, Scenario):
        ref = reference
    else:
        name = reference or sc.reference
        if name is None:
            candidates = [n for n in builtin_names() if n.startswith(DEFAULT_REFERENCE)]
            for n in candidates:
                cand = load_scenario(n, world=world)
                if cand.world == sc.world and not cand.shocks:
                    name = n
                    break
            else:
                return sc.without_shocks()
        try:
            ref = load_scenario(name, world=world)
        except InputError as exc:
            raise InputError(f"scenario {sc.name!r}: reference {name!r} cannot be loaded: {exc}") from None
    if ref.shocks:
        raise InputError(
            f"scenario {sc.name!r}: reference {ref.name!r} has a shock; the reference path is a world"
            " without the race (name a scenario with no decoupling or shock lever)"
        )
    if ref.world != sc.world or ref.end_year != sc.end_year:
        raise InputError(
            f"scenario {sc.name!r} ({sc.world}, to {sc.end_year}): reference {ref.name!r} runs on"
            f" {ref.world} to {ref.end_year}; name a reference on the same world and horizon"
        )
    return ref


PRIOR_SETS = ("none", "default")
"""Values of ``parameters.priors`` (:class:`buildrace.model.parameters.ParameterOverrides`)."""


def with_priors_unless_set(sc: Scenario, priors: str) -> Scenario:
    """``sc`` with ``parameters.priors = priors``, unless its file (or the code that built
    it) sets ``parameters.priors`` itself: an explicit ``priors: none`` stays a
    deterministic run, an explicit ``priors: default`` stays uncertain.

    Whether the field was set is pydantic's record of the fields given at validation
    (``model_fields_set``), which ``extends`` keeps: a parent's ``priors:`` counts.
    """
    if priors not in PRIOR_SETS:
        raise InputError(f"priors must be one of {', '.join(PRIOR_SETS)} (got {priors!r})")
    if "priors" in sc.parameters.model_fields_set:
        return sc
    return sc.model_copy(update={"parameters": sc.parameters.model_copy(update={"priors": priors})})


def _same_run(a: Scenario, b: Scenario) -> bool:
    """True if two scenarios simulate the same thing (names and texts aside)."""
    keys = ("world", "end_year", "policies", "parameters")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def race(
    scenario: Scenario | str,
    draws: int = 1,
    seed: int | None = None,
    progress: Progress | None = None,
    world: World | None = None,
    executor: str = "serial",
    workers: int = 1,
    reference: Scenario | str | None = None,
    first_draw: int = 0,
    summarise: bool = True,
    priors: str | None = None,
) -> RaceResult:
    """Run a scenario and its reference path (same draws, same seed) and compute the race metrics.

    Parameters
    ----------
    scenario : a Scenario, a built-in name or a scenario file
    draws, seed, progress, world, executor, workers, first_draw : as in :func:`simulate`
    reference : the reference path (see :func:`reference_scenario`); the scenario's own
        no-shock counterfactual is run as well when it differs, for the second view
    summarise : compute the median summary (:func:`race_metrics`); ``False`` leaves
        ``summary`` empty, for callers that read the draws themselves (the ensemble
        store's per-draw table), saving its cost
    priors : ``"default"`` switches the project's default priors
        (:func:`buildrace.model.priors.default_priors`) on for the scenario *and* its
        reference path wherever their files do not set ``parameters.priors``
        themselves (:func:`with_priors_unless_set`), so that every draw measures the
        scenario against a reference with the same parameter draws; ``"none"`` switches
        them off the same way; a scenario whose file sets ``parameters.priors`` passes
        its own setting on to a reference whose file does not; None (the default) leaves
        each scenario as it is.
        ``buildrace run`` passes ``"default"`` when it runs more than one draw.

    A scenario without a shock is reported too: its paths, shares, cost gaps and
    self-sufficiency against the reference; the race metrics that need a shock are null.
    """
    sc = load_scenario(scenario, world=world) if isinstance(scenario, str) else scenario
    ref_sc = reference_scenario(sc, reference, world)
    if priors is not None:
        # the reference follows the scenario's own setting where its file sets one: a file
        # that asks for the central path (priors: none) is measured against the central
        # reference, not against draws of an uncertain one
        sc = with_priors_unless_set(sc, priors)
        ref_sc = with_priors_unless_set(ref_sc, sc.parameters.priors)
    own_sc = sc.without_shocks()
    runs: list[Scenario] = [sc]
    if not _same_run(ref_sc, sc):
        runs.append(ref_sc)
    if sc.shocks and not _same_run(own_sc, ref_sc):
        runs.append(own_sc)
    done: dict[int, xr.Dataset] = {}
    # every run keeps CN's sales by destination (and its own exporters'), so redirection
    # of the usual exporter can be measured against any reference
    for k, run_sc in enumerate(runs):
        tick = (lambda d, t, k=k: progress(k * t + d, len(runs) * t)) if progress else None
        done[k] = simulate(run_sc, draws=draws, seed=seed, progress=tick, world=world, executor=executor, workers=workers,
                           first_draw=first_draw)
    res = done[0]
    ref = done[runs.index(ref_sc)] if ref_sc in runs else res
    if own_sc in runs:
        own = done[runs.index(own_sc)]
    elif sc.shocks:
        own = ref
    else:
        own = res
    summary = race_metrics(res, ref, sc, policy_world=own if sc.shocks else None, reference_name=ref_sc.name) if summarise else {}
    return RaceResult(scenario=sc, results=res, reference=ref, reference_name=ref_sc.name, summary=summary, policy_world=own)


def _race_view(res: xr.Dataset, ref: xr.Dataset, t0: int, theta: float, importers: list[str], exporters: list[str],
               up: np.ndarray, chain_of_stage: np.ndarray) -> dict:
    """Substitution and redirection years, relapses and the verdict against one yardstick.

    Computed on the arrays (:func:`buildrace.metrics.recovery_values` and its kin) with
    the labels looked up once: the same numbers as the labelled metrics, without
    xarray's alignment and selection, which cost most of a race's summary time.
    ``up`` and ``chain_of_stage`` are :func:`~buildrace.metrics.upstream` and
    :func:`~buildrace.metrics.stage_chains` of ``res``.
    """
    stages = metrics.labels(res, STAGE)
    years = res.variables[YEAR].values
    served = metrics.ordered_values(res, "served", (DRAW, YEAR, MARKET, STAGE))
    ratio = metrics.served_ratio_values(served, metrics.ordered_values(ref, "served", (DRAW, YEAR, MARKET, STAGE)))
    red_ratio, red_exporters = metrics.redirected_values(res, ref, importers)
    mk_pos = {m: i for i, m in enumerate(metrics.labels(res, MARKET))}
    ex_pos = {e: i for i, e in enumerate(red_exporters)}
    exp_have = [e for e in exporters if e in ex_pos]
    # (draw, importer, stage) and (draw, exporter, stage): the parties' rows only
    sub = {k: v[:, [mk_pos[e] for e in importers]] for k, v in metrics.recovery_values(ratio, years, theta, t0, 1).items()}
    red = {k: v[:, [ex_pos[e] for e in exp_have]] for k, v in metrics.recovery_values(red_ratio, years, theta, t0, 1).items()}

    def per_stage(rec: dict[str, np.ndarray], keys: list[str]) -> dict:
        """key -> stage -> median years over draws (NaN: never reached)."""
        med = np.median(np.where(np.isnan(rec["years"]), np.inf, rec["years"]), axis=0)
        return {e: {s: metrics.finite_or_none(med[i, j]) for j, s in enumerate(stages)} for i, e in enumerate(keys)}

    verdict: dict = {}
    if exp_have:
        s, chains = metrics.chain_values(metrics.closing_values(sub["years"][:, 0], up), chain_of_stage)
        r, _ = metrics.chain_values(metrics.closing_values(red["years"][:, 0], up), chain_of_stage)
        verdict = metrics.verdict_values(s, r, chains, importers[0], exp_have[0])
    return {
        "substitution_years": per_stage(sub, importers),
        "redirection_years": per_stage(red, exp_have),
        "relapses": {
            "substitution": metrics.relapses_values(sub, importers, stages),
            "redirection": metrics.relapses_values(red, exp_have, stages),
        },
        "verdict": verdict,
    }


def race_metrics(
    res: xr.Dataset,
    ref: xr.Dataset,
    scenario: Scenario | None = None,
    policy_world: xr.Dataset | None = None,
    reference_name: str | None = None,
) -> dict:
    """The race summary as plain JSON-ready data (medians over draws).

    Keys: scenario, reference (the yardstick's name), seed, draws, priors (the scenario's
    ``parameters.priors``; None without a scenario), shock_year (None
    without a shock), threshold, substitution_years (economy -> stage -> years or None),
    redirection_years (same), relapses (stages that recover and fall back, with the years
    short), verdict (chain -> ..., upstream-aware), relative_to_policy_world (the same
    race metrics against the scenario's own no-shock counterfactual), cost_gap (stage ->
    year -> US/CN), reference_cost_gap (the same on the reference), self_sufficiency
    (economy -> stage -> {last year: value, reference}), unmet_demand (economy -> stage ->
    total units over the horizon), unmet_share, shares (economy -> stage -> {base year,
    last year}).

    Every figure is that of the labelled metrics (:func:`buildrace.metrics.cost_gap`,
    :func:`~buildrace.metrics.shares`, :func:`~buildrace.metrics.self_sufficiency`, the
    sums and medians over draws), computed with the same NumPy operations on the arrays
    and read at the cells the summary shows.
    """
    t0 = int(res.attrs["shock_year"])
    theta = float(res.attrs.get("threshold", 0.95))
    importers, exporters = scenario.parties() if scenario else (list(res.attrs.get("importers", ["US"])), ["CN"])
    stages = metrics.labels(res, STAGE)
    markets = metrics.labels(res, MARKET)
    years = [int(y) for y in res.variables[YEAR].values]
    base, last = years[0], years[-1]
    gap_years = list(dict.fromkeys(y for y in (base, 2030, 2040, 2050, last) if base <= y <= last))
    parties = list(dict.fromkeys(importers + exporters))
    summary: dict = {
        "scenario": res.attrs["scenario"],
        "reference": reference_name or ref.attrs.get("scenario"),
        "seed": int(res.attrs["seed"]),
        "draws": int(res.attrs["draws"]),
        # the prior set switched on ("none": only the distributions the file names, if any)
        "priors": scenario.parameters.priors if scenario else None,
        "base_year": base,
        "end_year": last,
        "shock_year": t0 if t0 >= 0 else None,
        "threshold": theta,
    }
    if t0 >= 0:
        up, chain_of_stage = metrics.upstream(res), metrics.stage_chains(res)
        summary.update(_race_view(res, ref, t0, theta, importers, exporters, up, chain_of_stage))
        if policy_world is not None:
            view = _race_view(res, policy_world, t0, theta, importers, exporters, up, chain_of_stage)
            view["reference"] = str(policy_world.attrs.get("scenario"))
            view["meaning"] = "recovery relative to the policy world: the scenario's own policies without the shock"
            summary["relative_to_policy_world"] = view
    else:
        summary.update({"substitution_years": {e: dict.fromkeys(stages) for e in importers},
                        "redirection_years": {e: dict.fromkeys(stages) for e in exporters},
                        "relapses": {"substitution": {}, "redirection": {}}, "verdict": {},
                        "note": "no shock: the race metrics that need one are null; paths, shares, costs and self-sufficiency are reported"})
    gap, ref_gap = _cost_gap_medians(res, gap_years), _cost_gap_medians(ref, gap_years)
    ss, ref_ss = _self_sufficiency_medians(res, last, parties), _self_sufficiency_medians(ref, last, parties)
    unmet = _median_over_draws(_sum_skipna(metrics.ordered_values(res, "unmet", (DRAW, YEAR, MARKET, STAGE)), 1))
    demand = _median_over_draws(_sum_skipna(metrics.ordered_values(res, "demand", (DRAW, YEAR, MARKET, STAGE)), 1))
    with np.errstate(all="ignore"):  # as in xarray's arithmetic
        unmet_share = unmet / np.where(demand > 0, demand, np.nan)
    share = _share_medians(res, [base, last], parties)
    st = {s: j for j, s in enumerate(stages)}
    mk = {m: i for i, m in enumerate(markets)}
    summary.update({
        "cost_gap": {s: {str(y): _num(gap[y][st[s]]) for y in gap_years} for s in stages},
        "reference_cost_gap": {s: {str(y): _num(ref_gap[y][st[s]]) for y in gap_years} for s in stages},
        "self_sufficiency": {
            str(e): {s: {str(last): _num(ss[e][st[s]]), "reference": _num(ref_ss[e][st[s]])} for s in stages}
            for e in parties
        },
        "unmet_demand": {e: {s: _num(unmet[mk[e], st[s]]) for s in stages} for e in markets},
        "unmet_share": {str(e): {s: _num(unmet_share[mk[e], st[s]]) for s in stages} for e in parties},
        "shares": {
            str(e): {s: {str(base): _num(share[e][0, st[s]]), str(last): _num(share[e][1, st[s]])} for s in stages}
            for e in parties
        },
    })
    return summary


def _num(v) -> float | None:
    v = float(v)
    return None if not np.isfinite(v) else round(v, 6)


def _median_over_draws(vals: np.ndarray) -> np.ndarray:
    """Median over the draw axis (the first), NaN skipped: xarray's ``.median(DRAW)``."""
    if vals.shape[0] == 1:
        return vals[0]  # the median of one value is that value (NaN included)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a cell NaN in every draw stays NaN
        return np.nanmedian(vals, axis=0)


def _sum_skipna(vals: np.ndarray, axis: int) -> np.ndarray:
    """Sum along ``axis``, NaN counting as 0: xarray's ``.sum(dim)``, the same operations
    on the whole array (so the same rounding)."""
    return np.sum(np.where(np.isnan(vals), np.zeros_like(vals), vals), axis=axis)


def _positions(ds: xr.Dataset, dim: str, wanted: list) -> list[int]:
    """Positions of the labels ``wanted`` along ``dim`` (a KeyError names a missing one)."""
    pos = {lab: i for i, lab in enumerate(metrics.labels(ds, dim))}
    return [pos[str(w)] for w in wanted]


def _cost_gap_medians(ds: xr.Dataset, years: list[int]) -> dict[int, np.ndarray]:
    """Year -> (stage,) median over draws of :func:`buildrace.metrics.cost_gap` (US/CN)."""
    uc = metrics.ordered_values(ds, "unit_cost", (DRAW, YEAR, ECONOMY, STAGE))
    us, cn = _positions(ds, ECONOMY, ["US", "CN"])
    yi = _positions(ds, YEAR, years)
    with np.errstate(all="ignore"):
        gap = uc[:, yi, us] / uc[:, yi, cn]
    return dict(zip(years, _median_over_draws(gap), strict=True))


def _self_sufficiency_medians(ds: xr.Dataset, year: int, economies: list[str]) -> dict[str, np.ndarray]:
    """Economy -> (stage,) median over draws of :func:`buildrace.metrics.self_sufficiency` in ``year``."""
    (yi,) = _positions(ds, YEAR, [year])
    ei = _positions(ds, ECONOMY, economies)
    prod = metrics.ordered_values(ds, "production", (DRAW, YEAR, ECONOMY, STAGE))[:, yi, ei]
    # demand by market, read at the economy's position as self_sufficiency does (same labels)
    dem = metrics.ordered_values(ds, "demand", (DRAW, YEAR, MARKET, STAGE))[:, yi, ei]
    with np.errstate(all="ignore"):
        ratio = prod / np.where(dem > 0, dem, np.nan)
    return dict(zip(economies, _median_over_draws(ratio), strict=True))


def _share_medians(ds: xr.Dataset, years: list[int], economies: list[str]) -> dict[str, np.ndarray]:
    """Economy -> (year, stage) median over draws of :func:`buildrace.metrics.shares`."""
    prod = metrics.ordered_values(ds, "production", (DRAW, YEAR, ECONOMY, STAGE))
    total = _sum_skipna(prod, 2)  # world output, summed over the whole array as shares() does
    yi = _positions(ds, YEAR, years)
    ei = _positions(ds, ECONOMY, economies)
    with np.errstate(all="ignore"):
        share = prod[:, yi][:, :, ei] / np.where(total > 0, total, np.nan)[:, yi, None, :]
    share = _median_over_draws(np.where(np.isnan(share), 0.0, share))
    return {e: share[:, k] for k, e in enumerate(economies)}


__all__ = [
    "CHUNK_DRAWS", "DEFAULT_REFERENCE", "MAX_DRAWS", "PRIOR_SETS", "Progress", "RaceResult", "race", "race_metrics",
    "reference_scenario", "simulate", "with_priors_unless_set",
]
