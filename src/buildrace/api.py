"""The public verbs of buildrace.

Every face of the package (CLI, web, notebooks) calls these; they compose the model,
the engine, the metrics and the writers, and never print.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
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
    meta = compile_scenario(sc, draws=tasks[0].draws, world=world, seed=seed, draw_offset=first_draw,
                            parameter_values=tasks[0].parameter_values)
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


def _version() -> str:
    from buildrace import __version__

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
) -> RaceResult:
    """Run a scenario and its reference path (same draws, same seed) and compute the race metrics.

    Parameters
    ----------
    scenario : a Scenario, a built-in name or a scenario file
    draws, seed, progress, world, executor, workers, first_draw : as in :func:`simulate`
    reference : the reference path (see :func:`reference_scenario`); the scenario's own
        no-shock counterfactual is run as well when it differs, for the second view

    A scenario without a shock is reported too: its paths, shares, cost gaps and
    self-sufficiency against the reference; the race metrics that need a shock are null.
    """
    sc = load_scenario(scenario, world=world) if isinstance(scenario, str) else scenario
    ref_sc = reference_scenario(sc, reference, world)
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
    summary = race_metrics(res, ref, sc, policy_world=own if sc.shocks else None, reference_name=ref_sc.name)
    return RaceResult(scenario=sc, results=res, reference=ref, reference_name=ref_sc.name, summary=summary, policy_world=own)


def _race_view(res: xr.Dataset, ref: xr.Dataset, t0: int, theta: float, importers: list[str], exporters: list[str]) -> dict:
    """Substitution and redirection years, relapses and the verdict against one yardstick."""
    stages = [str(s) for s in res[STAGE].values]
    sub = metrics.substitution(res, ref, t0, theta)
    red = metrics.redirection(res, ref, t0, theta, importers)
    exp_have = [e for e in exporters if e in set(red[metrics.EXPORTER].values)]

    def per_stage(da, key, labels):
        """key -> stage -> median years, read from one array (no per-cell selection)."""
        vals = da.transpose(key, STAGE, DRAW).values
        med = np.median(np.where(np.isnan(vals), np.inf, vals), axis=-1)  # NaN: never reached
        pos = {str(v): i for i, v in enumerate(da[key].values)}
        return {e: {s: metrics.finite_or_none(med[pos[e], j]) for j, s in enumerate(stages)} for e in labels}

    red_years = red["years"]
    return {
        "substitution_years": per_stage(sub["years"], MARKET, importers),
        "redirection_years": per_stage(red_years, metrics.EXPORTER, exp_have),
        "relapses": {
            "substitution": metrics.relapses(sub.sel({MARKET: importers}), MARKET),
            "redirection": metrics.relapses(red.sel({metrics.EXPORTER: exp_have}), metrics.EXPORTER),
        },
        "verdict": (
            metrics.verdict(sub["years"].sel({MARKET: importers[0]}), red_years.sel({metrics.EXPORTER: exp_have[0]}), res, importers[0], exp_have[0])
            if exp_have else {}
        ),
    }


def race_metrics(
    res: xr.Dataset,
    ref: xr.Dataset,
    scenario: Scenario | None = None,
    policy_world: xr.Dataset | None = None,
    reference_name: str | None = None,
) -> dict:
    """The race summary as plain JSON-ready data (medians over draws).

    Keys: scenario, reference (the yardstick's name), seed, draws, shock_year (None
    without a shock), threshold, substitution_years (economy -> stage -> years or None),
    redirection_years (same), relapses (stages that recover and fall back, with the years
    short), verdict (chain -> ..., upstream-aware), relative_to_policy_world (the same
    race metrics against the scenario's own no-shock counterfactual), cost_gap (stage ->
    year -> US/CN), reference_cost_gap (the same on the reference), self_sufficiency
    (economy -> stage -> {last year: value, reference}), unmet_demand (economy -> stage ->
    total units over the horizon), unmet_share, shares (economy -> stage -> {base year,
    last year}).
    """
    t0 = int(res.attrs["shock_year"])
    theta = float(res.attrs.get("threshold", 0.95))
    importers, exporters = scenario.parties() if scenario else (list(res.attrs.get("importers", ["US"])), ["CN"])
    stages = [str(s) for s in res[STAGE].values]
    base, last = int(res[YEAR].values[0]), int(res[YEAR].values[-1])
    gap_years = list(dict.fromkeys(y for y in (base, 2030, 2040, 2050, last) if base <= y <= last))
    gap = metrics.cost_gap(res).median(DRAW)
    ref_gap = metrics.cost_gap(ref).median(DRAW)
    unmet = res["unmet"].sum(YEAR).median(DRAW)
    demand_total = res["demand"].sum(YEAR).median(DRAW)
    unmet_share = unmet / demand_total.where(demand_total > 0)
    share = metrics.shares(res).median(DRAW)
    ss = metrics.self_sufficiency(res).sel({YEAR: last}).median(DRAW)
    ref_ss = metrics.self_sufficiency(ref).sel({YEAR: last}).median(DRAW)
    parties = list(dict.fromkeys(importers + exporters))
    summary: dict = {
        "scenario": res.attrs["scenario"],
        "reference": reference_name or ref.attrs.get("scenario"),
        "seed": int(res.attrs["seed"]),
        "draws": int(res.attrs["draws"]),
        "base_year": base,
        "end_year": last,
        "shock_year": t0 if t0 >= 0 else None,
        "threshold": theta,
    }
    if t0 >= 0:
        summary.update(_race_view(res, ref, t0, theta, importers, exporters))
        if policy_world is not None:
            view = _race_view(res, policy_world, t0, theta, importers, exporters)
            view["reference"] = str(policy_world.attrs.get("scenario"))
            view["meaning"] = "recovery relative to the policy world: the scenario's own policies without the shock"
            summary["relative_to_policy_world"] = view
    else:
        summary.update({"substitution_years": {e: dict.fromkeys(stages) for e in importers},
                        "redirection_years": {e: dict.fromkeys(stages) for e in exporters},
                        "relapses": {"substitution": {}, "redirection": {}}, "verdict": {},
                        "note": "no shock: the race metrics that need one are null; paths, shares, costs and self-sufficiency are reported"})
    gap_at, ref_gap_at, ss_at, ref_ss_at = _reader(gap), _reader(ref_gap), _reader(ss), _reader(ref_ss)
    unmet_at, unmet_share_at, share_at = _reader(unmet), _reader(unmet_share), _reader(share)
    summary.update({
        "cost_gap": {s: {str(y): gap_at({STAGE: s, YEAR: y}) for y in gap_years} for s in stages},
        "reference_cost_gap": {s: {str(y): ref_gap_at({STAGE: s, YEAR: y}) for y in gap_years} for s in stages},
        "self_sufficiency": {
            str(e): {s: {str(last): ss_at({ECONOMY: e, STAGE: s}), "reference": ref_ss_at({ECONOMY: e, STAGE: s})} for s in stages}
            for e in parties
        },
        "unmet_demand": {str(e): {s: unmet_at({MARKET: e, STAGE: s}) for s in stages} for e in res[MARKET].values},
        "unmet_share": {str(e): {s: unmet_share_at({MARKET: e, STAGE: s}) for s in stages} for e in parties},
        "shares": {
            str(e): {s: {str(base): share_at({ECONOMY: e, STAGE: s, YEAR: base}),
                         str(last): share_at({ECONOMY: e, STAGE: s, YEAR: last})} for s in stages}
            for e in parties
        },
    })
    return summary


def _num(da) -> float | None:
    v = float(da)
    return None if not np.isfinite(v) else round(v, 6)


def _reader(da: xr.DataArray) -> Callable[[dict], float | None]:
    """A reader of one array's cells by label, as :func:`_num` of ``da.sel(labels)``.

    Reads the values once: selecting cell by cell with xarray costs a millisecond a
    cell, most of a race's summary time.
    """
    vals = np.asarray(da.values, dtype=float)
    pos = [{str(v): i for i, v in enumerate(da[d].values)} for d in da.dims]

    def at(labels: dict) -> float | None:
        return _num(vals[tuple(p[str(labels[d])] for p, d in zip(pos, da.dims, strict=True))])

    return at


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


def compare(
    a: Scenario | str,
    b: Scenario | str,
    draws: int = 1,
    seed: int | None = None,
    world: World | None = None,
    reference: Scenario | str | None = None,
) -> Comparison:
    """Run two scenarios with :func:`race` (same draws, same seed, one reference path)
    and line up every race metric.

    Parameters
    ----------
    a, b : Scenarios, built-in scenario names or scenario file paths; each needs a shock
    draws : scenario draws for each run
    seed : root seed for both (default: each scenario's own)
    world : a World to use instead of the scenarios' embedded one
    reference : the reference path both are measured against (default: A's reference, so
        that both scenarios are ranked on one bar)

    Returns
    -------
    Comparison, with differences B - A.
    """
    from buildrace.comparison import metric_rows

    sa = load_scenario(a, world=world) if isinstance(a, str) else a
    sb = load_scenario(b, world=world) if isinstance(b, str) else b
    ref = reference_scenario(sa, reference, world)
    ra = race(sa, draws=draws, seed=seed, world=world, reference=ref)
    rb = race(sb, draws=draws, seed=seed, world=world, reference=ref)
    rows = metric_rows(ra.summary, rb.summary)
    summary = {
        "a": ra.summary["scenario"],
        "b": rb.summary["scenario"],
        "seed": {"a": ra.summary["seed"], "b": rb.summary["seed"]},
        "draws": int(draws),
        "difference": "b - a",
        "reference": ra.summary["reference"],
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
    members : for each player, the positions of its levers in the list of differences
        from the reference (the levers added, then those dropped)
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
    reference: Scenario | str | None = None,
) -> Explanation:
    """Shapley contributions of a scenario's differences from its reference path to the
    race metrics, all measured against that reference (one yardstick).

    The players are the levers the scenario adds to the reference (its shock among
    them) and those of the reference it drops; every coalition of players (2**n) is run
    and measured against the reference, so the contributions sum to the scenario's
    difference from the reference. Players are grouped (by lever kind and economy, then
    by lever kind) when there are more than ``max_players``. Metrics: see
    :func:`buildrace.attribution.race_values`.
    """
    from buildrace import attribution

    sc = load_scenario(scenario, world=world) if isinstance(scenario, str) else scenario
    if not sc.shocks:
        raise InputError(f"scenario {sc.name!r} has no shock; contributions are to the race metrics, which need one")
    if not isinstance(max_players, int) or not 1 <= max_players <= 14:
        raise InputError(f"max_players must be an integer between 1 and 14 (got {max_players!r})")
    ref_sc = reference_scenario(sc, reference, world)
    added, dropped = attribution.differences(sc.policies, ref_sc.policies)
    # players are indexed over one list: the added levers, then the dropped ones
    pool: list[tuple[str, Any]] = [("+", p) for _, p in added] + [("-", p) for _, p in dropped]
    try:
        grouping, labels, members = attribution.players(list(enumerate(p for _, p in pool)), max_players)
    except ValueError as exc:
        raise InputError(f"scenario {sc.name!r}: {exc}; raise max_players") from None
    labels = [("drop " if all(pool[i][0] == "-" for i in mem) else "") + lab for lab, mem in zip(labels, members, strict=True)]
    importers, exporters = sc.parties()
    t0 = min(p.start for p in sc.shocks)
    theta = float(sc.threshold)
    ref = simulate(ref_sc, draws=draws, seed=seed, world=world)
    n = len(members)
    values: dict[int, dict[str, float]] = {}
    for mask in range(1 << n):
        chosen = {i for j in range(n) if mask >> j & 1 for i in members[j]}
        drop = [pool[i][1] for i in chosen if pool[i][0] == "-"]
        add = tuple(pool[i][1] for i in sorted(chosen) if pool[i][0] == "+")
        policies = tuple(p for p in ref_sc.policies if p not in drop) + add
        sub = ref_sc.model_copy(update={"policies": policies, "threshold": sc.threshold})
        res = ref if not chosen else simulate(sub, draws=draws, seed=seed, world=world)
        values[mask] = attribution.race_values(res, ref, importers[0], exporters[0], t0=t0, theta=theta)
    contributions = attribution.shapley(values, n)
    empty, full = values[0], values[(1 << n) - 1]
    reasons = []
    for mem, c in zip(members, contributions, strict=True):
        kinds = list(dict.fromkeys(pool[i][1].lever for i in mem))
        reasons.append({m: "; ".join(attribution.ADVERSE_REASONS.get(k, k) for k in kinds)
                        for m, v in c.items() if attribution.adverse(m, v)})
    summary = {
        "scenario": sc.name,
        "reference": ref_sc.name,
        "importer": importers[0],
        "exporter": exporters[0],
        "shock_year": int(t0),
        "end_year": int(sc.end_year),
        "draws": int(draws),
        "seed": int(sc.seed if seed is None else seed),
        "method": (f"exact Shapley values over the scenario's differences from the reference {ref_sc.name!r}"
                   " (levers added, the shock among them, and levers dropped); every run is measured"
                   " against the reference, so the contributions sum to the difference from it"),
        "grouping": grouping,
        "runs": 1 << n,
        "never_counts_as": f"{sc.end_year - t0} years (the horizon) in substitution_years",
        "metrics": list(empty),
        "no_policy": empty,
        "reference_values": empty,
        "full": full,
        "difference": {m: full[m] - empty[m] for m in empty},
        "players": [
            {"player": lab, "policies": mem, "contributions": c, "adverse_because": why}
            for lab, mem, c, why in zip(labels, members, contributions, reasons, strict=True)
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
    fit_until: int | None = None,
):
    """Fit the uncertain parameters to observed history by approximate Bayesian
    computation (rejection, vectorised over draws): see :mod:`buildrace.calibration.fit`.

    Parameters
    ----------
    observed : observed-history CSV (default: the embedded ``data/history/observed.csv``)
    base_year : the base year of the world the fit starts from (the built-in baseline of
        the latest embedded base year at or before it); rows after it are fitted, as
        ``buildrace calibrate --base-year`` does
    fit_until : last year of the rows the fit may read (default: all rows); rows after it
        never reach the fit (``--fit-until``)
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
    if fit_until is not None:
        from buildrace.calibration.runs import check_fit_until

        check_fit_until(history, fit_until, w)
    return abc_rejection(list(history.rows), sc, w, settings, fit_until=fit_until), history


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
