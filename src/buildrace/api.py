"""The public verbs of buildrace.

Every face of the package (CLI, web, notebooks) calls these; they compose the model,
the engine, the metrics and the writers, and never print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from buildrace import metrics
from buildrace.dims import ECONOMY, MARKET, STAGE, YEAR
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
) -> xr.Dataset:
    """Simulate a scenario over its horizon.

    Parameters
    ----------
    scenario : a Scenario, a built-in scenario name or a scenario file path
    draws : number of scenario draws, simulated in one vectorised pass per chunk
    seed : root seed (default: the scenario's); recorded in the results
    progress : optional callback ``progress(done, total)`` in simulated draw-years
    world : a World to use instead of the scenario's embedded one (tests, custom data)

    Returns
    -------
    xarray.Dataset with the draw axis first (see :mod:`buildrace.results`).
    """
    from buildrace.engine.run import run
    from buildrace.results import kept_outputs, to_dataset

    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    if not isinstance(draws, int) or draws < 1 or draws > MAX_DRAWS:
        raise InputError(f"draws must be an integer between 1 and {MAX_DRAWS:,} (got {draws!r})")
    seed = sc.seed if seed is None else seed
    if seed < 0:
        raise InputError(f"seed must be >= 0 (got {seed})")
    chunks = [min(CHUNK_DRAWS, draws - i) for i in range(0, draws, CHUNK_DRAWS)]
    keep = kept_outputs(draws)
    parts = []
    done = 0
    for i, n in enumerate(chunks):
        c = compile_scenario(sc, draws=n, world=world, seed=seed, draw_offset=i * CHUNK_DRAWS)
        total = len(c.index.years) * draws

        def tick(t, T, _done=done, _n=n):
            if progress is not None:
                progress(_done + t * _n, total)

        out, ctx = run(c, keep=keep, progress=tick)
        done += n * len(c.index.years)
        parts.append((out, ctx))
    out0, ctx0 = parts[0]
    if len(parts) > 1:
        out0 = {k: np.concatenate([p[0][k] for p in parts], axis=0) for k in out0}
    from buildrace.engine.run import prepare  # noqa: F401  (documented entry point)

    shock_years = [p.start for p in sc.shocks]
    attrs = {
        "scenario": sc.name,
        "scenario_yaml": scenario_to_yaml(sc),
        "world": ctx0.c.world_name,
        "seed": int(seed),
        "draws": int(draws),
        "base_year": int(ctx0.c.index.years[0]),
        "end_year": int(ctx0.c.index.years[-1]),
        "shock_year": int(min(shock_years)) if shock_years else -1,
        "threshold": float(sc.threshold),
        "calibration_fit_error": float(max(p[1].cal.fit_error for p in parts)),
        "buildrace_version": _version(),
    }
    ds = to_dataset(out0, _with_draws(ctx0, draws), attrs)
    ds["intensity_calibration"] = ((STAGE,), ctx0.cal.intensity_scale)
    return ds


def _version() -> str:
    from buildrace import __version__

    return __version__


def _with_draws(ctx, draws):
    from dataclasses import replace

    return replace(ctx, c=replace(ctx.c, draws=draws))


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
) -> RaceResult:
    """Run a scenario and its counterfactual and compute the race metrics."""
    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    if not sc.shocks:
        raise InputError(
            f"scenario {sc.name!r} has no shock (a decoupling, or an export control with shock: true);"
            " the race metrics compare a shock with its counterfactual"
        )
    half = (lambda d, t: progress(d, 2 * t)) if progress else None
    second = (lambda d, t: progress(t + d, 2 * t)) if progress else None
    res = simulate(sc, draws=draws, seed=seed, progress=half, world=world)
    cf = simulate(sc.without_shocks(), draws=draws, seed=seed, progress=second, world=world)
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
    gap = metrics.cost_gap(res).median("draw")
    unmet = res["unmet"].sum(YEAR).median("draw")
    share = metrics.shares(res).median("draw")

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


__all__ = [
    "RaceResult",
    "load_scenario",
    "race",
    "race_metrics",
    "simulate",
    "write_results",
]
