"""The public verbs of buildrace.

Every face of the package (CLI, web, notebooks) calls these; they compose the model,
the engine, the metrics and the writers, and never print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

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

    Returns
    -------
    xarray.Dataset with the draw axis first (see :mod:`buildrace.results`).
    """
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
    keep = kept_outputs(draws)
    tasks = []
    for lo in range(0, draws, CHUNK_DRAWS):
        n = min(CHUNK_DRAWS, draws - lo)
        values = {k: np.asarray(v)[lo : lo + n] for k, v in (parameter_values or {}).items()}
        tasks.append(ChunkTask(scenario=sc, world=world, seed=seed, offset=lo, draws=n, parameter_values=values, keep=keep))
    # the first chunk's compilation checks the scenario and gives the identifiers; a
    # serial run reuses it rather than compiling twice
    meta = compile_scenario(sc, draws=tasks[0].draws, world=world, seed=seed, parameter_values=tasks[0].parameter_values)
    if executor == "serial":
        tasks[0] = replace(tasks[0], compiled=meta)
    parts = run_chunks(tasks, executor=executor, workers=workers, progress=(lambda d: progress(d, draws)) if progress else None)
    out = parts[0].outputs
    if len(parts) > 1:
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
        "buildrace_version": _version(),
    }
    ds = to_dataset(out, meta.index, draws, attrs)
    ds["intensity_calibration"] = ((STAGE,), parts[0].intensity_scale)
    return ds


def _version() -> str:
    from buildrace import __version__

    return __version__


@dataclass(frozen=True)
class RaceResult:
    """A scenario run beside its counterfactual (same draws, same seed, no shock)."""

    scenario: Scenario
    results: xr.Dataset
    counterfactual: xr.Dataset
    summary: dict


def race(
    scenario: Scenario | str,
    draws: int = 1,
    seed: int | None = None,
    progress: Progress | None = None,
    world: World | None = None,
    executor: str = "serial",
    workers: int = 1,
) -> RaceResult:
    """Run a scenario and its counterfactual (same draws, same seed) and compute the race metrics."""
    sc = load_scenario(scenario, world=world) if isinstance(scenario, str) else scenario
    if not sc.shocks:
        raise InputError(
            f"scenario {sc.name!r} has no shock (a decoupling, or an export control with shock: true);"
            " the race metrics compare a shock with its counterfactual"
        )
    half = (lambda d, t: progress(d, 2 * t)) if progress else None
    second = (lambda d, t: progress(t + d, 2 * t)) if progress else None
    res = simulate(sc, draws=draws, seed=seed, progress=half, world=world, executor=executor, workers=workers)
    cf = simulate(sc.without_shocks(), draws=draws, seed=seed, progress=second, world=world, executor=executor, workers=workers)
    return RaceResult(scenario=sc, results=res, counterfactual=cf, summary=race_metrics(res, cf, sc))


def _shock_parties(sc: Scenario) -> tuple[list[str], list[str]]:
    importers, exporters = [], []
    for p in sc.shocks:
        if p.lever == "decoupling":
            importers.append(p.importer)
            exporters.append(p.exporter)
        elif p.lever == "export_control":
            exporters.append(p.exporter)
            importers.extend(t for t in p.targets if t not in ("ALL", "all"))
    return list(dict.fromkeys(importers)) or ["US"], list(dict.fromkeys(exporters)) or ["CN"]


def race_metrics(res: xr.Dataset, cf: xr.Dataset, scenario: Scenario | None = None) -> dict:
    """The race summary as plain JSON-ready data (medians over draws).

    Keys: scenario, seed, draws, shock_year, threshold, substitution_years
    (economy -> stage -> years or None), redirection_years (same), cost_gap (stage ->
    year -> US/CN), unmet_demand (economy -> stage -> total units over the horizon),
    shares (economy -> stage -> {base year, last year}), verdict (chain -> ...).
    """
    t0 = int(res.attrs["shock_year"])
    theta = float(res.attrs.get("threshold", 0.95))
    sc = scenario
    importers, exporters = _shock_parties(sc) if sc else (["US"], ["CN"])
    sub = metrics.substitution_years(res, cf, t0, theta)
    red = metrics.redirection_years(res, cf, t0, theta)
    stages = [str(s) for s in res[STAGE].values]
    base, last = int(res[YEAR].values[0]), int(res[YEAR].values[-1])
    gap_years = [y for y in (base, 2030, 2040, 2050, last) if base <= y <= last]
    gap = metrics.cost_gap(res).median(DRAW)
    unmet = res["unmet"].sum(YEAR).median(DRAW)
    demand_total = res["demand"].sum(YEAR).median(DRAW)
    unmet_share = unmet / demand_total.where(demand_total > 0)
    share = metrics.shares(res).median(DRAW)

    def per_stage(da):
        return {s: metrics.median_or_none(da.sel({STAGE: s})) for s in stages}

    summary = {
        "scenario": res.attrs["scenario"],
        "seed": int(res.attrs["seed"]),
        "draws": int(res.attrs["draws"]),
        "base_year": base,
        "end_year": last,
        "shock_year": t0,
        "threshold": theta,
        "substitution_years": {e: per_stage(sub.sel({MARKET: e})) for e in importers},
        "redirection_years": {e: per_stage(red.sel({ECONOMY: e})) for e in exporters},
        "cost_gap": {s: {str(y): _num(gap.sel({STAGE: s, YEAR: y})) for y in dict.fromkeys(gap_years)} for s in stages},
        "unmet_demand": {str(e): {s: _num(unmet.sel({MARKET: e, STAGE: s})) for s in stages} for e in res[MARKET].values},
        "unmet_share": {str(e): {s: _num(unmet_share.sel({MARKET: e, STAGE: s})) for s in stages} for e in dict.fromkeys(importers + exporters)},
        "shares": {
            str(e): {s: {str(base): _num(share.sel({ECONOMY: e, STAGE: s, YEAR: base})),
                         str(last): _num(share.sel({ECONOMY: e, STAGE: s, YEAR: last}))} for s in stages}
            for e in dict.fromkeys(importers + exporters)
        },
        "verdict": metrics.verdict(res, cf, t0, importers[0], exporters[0], theta),
    }
    return summary


def _num(da) -> float | None:
    v = float(da)
    return None if not np.isfinite(v) else round(v, 6)


def write_results(race_result: RaceResult, out_dir: str | Path, report: bool = True, lang: str = "en") -> dict[str, Path]:
    """Write results (NetCDF and tidy Parquet), the summary (JSON) and ``report.html``.

    Files are written to a temporary name and renamed, so an interrupted run never
    leaves a half-written file in place of a good one.
    """
    from buildrace.io.results_store import write_all

    return write_all(race_result, Path(out_dir), report=report, lang=lang)


def scenarios() -> list[dict]:
    """The built-in scenarios: name, description, number of policies and of shocks."""
    from buildrace.io.scenario_file import builtin_names

    out = []
    for name in builtin_names():
        sc = load_scenario(name)
        out.append({"name": name, "description": " ".join(sc.description.split()),
                    "policies": len(sc.policies), "shocks": len(sc.shocks), "world": sc.world})
    return out


def levers() -> list[dict]:
    """Every policy lever kind with its parameters, units, defaults and valid ranges."""
    from buildrace.model.levers import describe_levers

    return describe_levers()


def site_clusters(chain: str, **options):
    """Recommend cluster designations for ``chain`` (see :func:`buildrace.siting.site_clusters`:
    comparative advantage from regional data, a MILP with HiGHS, and what the designations
    buy in the simulator). Needs the ``siting`` extra."""
    try:
        from buildrace.siting import site_clusters as _site_clusters
    except ModuleNotFoundError as exc:
        raise InputError(f"siting needs the siting extra ({exc.name} is missing): pip install 'buildrace[siting]'") from None
    return _site_clusters(chain, **options)


__all__ = [
    "RaceResult",
    "levers",
    "load_scenario",
    "race",
    "race_metrics",
    "scenarios",
    "simulate",
    "site_clusters",
    "write_results",
]


@dataclass(frozen=True)
class Comparison:
    """Two scenarios' races side by side.

    Attributes
    ----------
    a, b : the two races (each beside its own counterfactual)
    rows : one dict per metric and key: ``metric``, ``key``, ``a``, ``b``, ``difference``
        (b - a; None where either side is never reached or is not a number)
    summary : JSON-ready: scenario names, seed, draws and ``rows``
    """

    a: RaceResult
    b: RaceResult
    rows: list[dict]
    summary: dict


def compare(a: Scenario | str, b: Scenario | str, draws: int = 1, seed: int | None = None, world: World | None = None) -> Comparison:
    """Run two scenarios with :func:`race` (same draws, same seed) and line up every race metric.

    Parameters
    ----------
    a, b : Scenarios, built-in scenario names or scenario file paths; each needs a shock
    draws : scenario draws for each run
    seed : root seed for both (default: each scenario's own)
    world : a World to use instead of the scenarios' embedded one

    Returns
    -------
    Comparison, with differences B - A.
    """
    from buildrace.comparison import metric_rows

    ra = race(a, draws=draws, seed=seed, world=world)
    rb = race(b, draws=draws, seed=seed, world=world)
    rows = metric_rows(ra.summary, rb.summary)
    summary = {
        "a": ra.summary["scenario"],
        "b": rb.summary["scenario"],
        "seed": {"a": ra.summary["seed"], "b": rb.summary["seed"]},
        "draws": int(draws),
        "difference": "b - a",
        "rows": rows,
    }
    return Comparison(a=ra, b=rb, rows=rows, summary=summary)


@dataclass(frozen=True)
class Explanation:
    """Each policy's Shapley contribution to a scenario's race metrics.

    Attributes
    ----------
    scenario : the scenario explained
    grouping : how players were formed: ``policy``, ``lever and economy`` or ``lever``
    players : one label per player
    members : for each player, the positions of its policies in ``scenario.policies``
    empty : metric -> value with the shock alone (no other policy)
    full : metric -> value of the full scenario
    contributions : one dict per player, metric -> Shapley value;
        ``empty[m] + sum(c[m] for c in contributions) == full[m]``
    summary : JSON-ready version of all the above
    """

    scenario: Scenario
    grouping: str
    players: list[str]
    members: list[list[int]]
    empty: dict[str, float]
    full: dict[str, float]
    contributions: list[dict[str, float]]
    summary: dict


def explain(
    scenario: Scenario | str,
    draws: int = 1,
    seed: int | None = None,
    max_players: int = 10,
    world: World | None = None,
) -> Explanation:
    """Shapley contributions of a scenario's non-shock policies to its race metrics.

    Every coalition of players (2**n of them) is run with the shock and against its own
    counterfactual; policies are grouped (by lever kind and economy, then by lever kind)
    when there are more than ``max_players``. Metrics: see
    :func:`buildrace.attribution.race_values`.
    """
    from buildrace import attribution

    sc = load_scenario(scenario, world=world) if isinstance(scenario, str) else scenario
    if not sc.shocks:
        raise InputError(f"scenario {sc.name!r} has no shock; contributions are to the race metrics, which need one")
    if not isinstance(max_players, int) or not 1 <= max_players <= 14:
        raise InputError(f"max_players must be an integer between 1 and 14 (got {max_players!r})")
    from buildrace.model.levers import is_shock

    free = [(i, p) for i, p in enumerate(sc.policies) if not is_shock(p)]
    try:
        grouping, labels, members = attribution.players(free, max_players)
    except ValueError as exc:
        raise InputError(f"scenario {sc.name!r}: {exc}; raise max_players") from None
    importers, exporters = _shock_parties(sc)
    n = len(members)
    values: dict[int, dict[str, float]] = {}
    for mask in range(1 << n):
        keep = {i for j in range(n) if mask >> j & 1 for i in members[j]}
        policies = tuple(p for i, p in enumerate(sc.policies) if is_shock(p) or i in keep)
        sub = sc.model_copy(update={"policies": policies})
        res = simulate(sub, draws=draws, seed=seed, world=world)
        cf = simulate(sub.without_shocks(), draws=draws, seed=seed, world=world)
        values[mask] = attribution.race_values(res, cf, importers[0], exporters[0])
    contributions = attribution.shapley(values, n)
    empty, full = values[0], values[(1 << n) - 1]
    t0 = min(p.start for p in sc.shocks)
    summary = {
        "scenario": sc.name,
        "importer": importers[0],
        "exporter": exporters[0],
        "shock_year": int(t0),
        "end_year": int(sc.end_year),
        "draws": int(draws),
        "seed": int(sc.seed if seed is None else seed),
        "method": "exact Shapley values over the non-shock policies; the shock is in every coalition",
        "grouping": grouping,
        "runs": 2 * (1 << n),
        "never_counts_as": f"{sc.end_year - t0} years (the horizon) in substitution_years",
        "metrics": list(empty),
        "no_policy": empty,
        "full": full,
        "players": [
            {"player": lab, "policies": mem, "contributions": c}
            for lab, mem, c in zip(labels, members, contributions, strict=True)
        ],
    }
    return Explanation(
        scenario=sc, grouping=grouping, players=labels, members=members, empty=empty, full=full,
        contributions=contributions, summary=summary,
    )


__all__ += ["Comparison", "Explanation", "compare", "explain"]  # noqa: PLE0605


# --- calibration, backtest and sensitivity -------------------------------------------


def _observed_history(observed: str | Path | None, world: World):
    from buildrace.calibration.history import default_observed_path, read_history

    return read_history(observed if observed is not None else default_observed_path(), world)


def calibrate(
    observed: str | Path | None = None,
    base_year: int | None = None,
    candidates: int = 400,
    acceptance: float = 0.1,
    refine: bool = False,
    seed: int = 0,
    scenario: Scenario | str | None = None,
    world: World | None = None,
):
    """Fit the uncertain parameters to observed history by approximate Bayesian
    computation (rejection, vectorised over draws): see :mod:`buildrace.calibration.fit`.

    Parameters
    ----------
    observed : observed-history CSV (default: the embedded ``data/history/observed.csv``)
    base_year : fit rows with ``year <= base_year`` (default: all rows)
    candidates, acceptance : M candidates drawn from the priors, the best share kept
    refine : one refinement round around the accepted sets
    seed : root seed
    scenario : base-year scenario to simulate (default: the built-in baseline of the
        latest embedded base year at or before ``base_year``, ``baseline_2018`` without one)
    world : a World to use instead of the scenario's embedded one

    Returns
    -------
    (CalibrationResult, History): the fit and the validated file (its ``unmatched`` rows).
    """
    from buildrace.calibration.fit import AbcSettings, abc_rejection, base_scenario
    from buildrace.model.world import load_world

    settings = AbcSettings(candidates=candidates, acceptance=acceptance, refine=refine, seed=seed)
    name = scenario if scenario is not None else base_scenario(base_year if base_year is not None else 2018)
    sc = load_scenario(name) if isinstance(name, str) else name
    w = world or load_world(sc.world)
    history = _observed_history(observed, w)
    rows = list(history.until(base_year)) if base_year is not None else list(history.rows)
    return abc_rejection(rows, sc, w, settings), history


def backtest(
    observed: str | Path | None,
    base_year: int,
    draws: int = 50,
    seed: int = 0,
    scenario: Scenario | str | None = None,
    world: World | None = None,
):
    """Calibrate on the rows up to ``base_year``, forecast the later years with the accepted
    sets and score each observed series against the naive forecast
    (:mod:`buildrace.calibration.backtest`).

    Returns
    -------
    Backtest, whose ``report`` is ``{"base_year", "series", "unmatched"}``.
    """
    from buildrace.calibration.backtest import run_backtest
    from buildrace.calibration.fit import base_scenario
    from buildrace.model.world import load_world

    if not isinstance(draws, int) or not 2 <= draws <= 10_000:
        raise InputError(f"draws must be an integer between 2 and 10,000 (got {draws!r})")
    sc = scenario if scenario is not None else base_scenario(base_year)
    sc = load_scenario(sc) if isinstance(sc, str) else sc
    w = world or load_world(sc.world)
    if base_year < w.base_year:
        raise InputError(f"base year {base_year} is before the base year {w.base_year} of {w.name}")
    return run_backtest(_observed_history(observed, w), base_year, sc, w, draws, seed)


def sensitivity(
    scenario: Scenario | str,
    metric: str,
    method: str = "sobol",
    n: int = 32,
    seed: int = 0,
    world: World | None = None,
):
    """Global sensitivity (Sobol or Morris) of a race metric to the scenario's uncertain
    parameters, or to the default priors if it has none
    (:mod:`buildrace.calibration.sensitivity`)."""
    from buildrace.calibration.sensitivity import sensitivity_indices
    from buildrace.model.world import load_world

    sc = load_scenario(scenario, world=world) if isinstance(scenario, str) else scenario
    return sensitivity_indices(sc, world or load_world(sc.world), metric, method=method, n=n, seed=seed)


def simulate_calibrated(
    scenario: Scenario | str,
    calibration: str | Path,
    draws: int | None = None,
    seed: int | None = None,
    world: World | None = None,
) -> xr.Dataset:
    """Simulate a scenario over a calibration file's accepted sets, jointly: draw ``i`` uses
    accepted set ``i mod k`` (default ``draws = k``, each set once). The sets' multipliers
    apply to the scenario's own world."""
    from buildrace.calibration.fit import calibration_values, read_calibration
    from buildrace.model.world import load_world

    sc = load_scenario(scenario, world=world) if isinstance(scenario, str) else scenario
    cal = read_calibration(calibration)
    w = world or load_world(sc.world)
    n = len(cal.accepted) if draws is None else draws
    return simulate(sc, draws=n, seed=seed, world=w, parameter_values=calibration_values(cal, w, n))


__all__ += ["backtest", "calibrate", "sensitivity", "simulate_calibrated"]  # noqa: PLE0605


def write_calibration(result, path: str | Path, world: World | None = None, observed: str = "") -> Path:
    """Write a calibration file (YAML: ``parameters:`` with the medians, ``calibration:``
    with the accepted sets), see :func:`buildrace.calibration.fit.write_calibration`."""
    from buildrace.calibration.fit import write_calibration as _write
    from buildrace.model.world import load_world

    return _write(result, path, world or load_world(result.world), observed=observed)


__all__ += ["write_calibration"]  # noqa: PLE0605


def build_report(race_result: RaceResult, path: str | Path, lang: str = "en") -> Path:
    """Write the self-contained HTML race report (``en`` or ``vi``). Needs the ``viz`` extra."""
    from buildrace.reports import build_report as _build_report

    return _build_report(race_result, Path(path), lang=lang)


__all__ += ["build_report"]  # noqa: PLE0605
