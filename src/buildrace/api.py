"""The public verbs of buildrace.

Every face of the package (CLI, web, notebooks) calls these; they compose the model,
the engine, the metrics and the writers, and never print.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from buildrace.errors import InputError
from buildrace.io.scenario_file import load_scenario
from buildrace.model.scenario import Scenario
from buildrace.model.world import World
from buildrace.simulation import (  # the verbs every layer below the faces uses
    CHUNK_DRAWS,
    DEFAULT_REFERENCE,
    MAX_DRAWS,
    Progress,
    RaceResult,
    race,
    race_metrics,
    reference_scenario,
    simulate,
)


def write_results(race_result: RaceResult, out_dir: str | Path, report: bool = True, lang: str = "en") -> dict[str, Path]:
    """Write results (NetCDF and tidy Parquet), the summary (JSON) and ``report.html``.

    Files are written to a temporary name and renamed, so an interrupted run never
    leaves a half-written file in place of a good one.
    """
    from buildrace.io.results_store import REPORT_HTML, write_all

    paths = write_all(race_result, Path(out_dir))
    if report:
        from buildrace.reports import build_report

        paths["report"] = build_report(race_result, Path(out_dir) / REPORT_HTML, lang=lang)
    return paths


def query(store: str | Path, sql: str, frame: bool = True):
    """SQL (DuckDB) over an ensemble store's ``draws`` and ``chunks`` views.

    Parameters
    ----------
    store : a folder written by ``buildrace ensemble`` (:func:`buildrace.store.run_ensemble`)
    sql : a query, e.g. ``'select avg("us_first:li_ion_battery") from draws'``
    frame : return a pandas DataFrame (default), or the lazy DuckDB relation

    Examples
    --------
    >>> api.query("runs/race", 'select quantile_cont("substitution_years:US:li_ion_battery.cell_lfp", 0.5) from draws')  # doctest: +SKIP
    """
    import duckdb

    from buildrace.store.chunks import connect

    con = connect(store)
    try:
        rel = con.sql(sql)
        return rel.df() if frame else rel
    except duckdb.Error as exc:
        raise InputError(f"SQL error: {str(exc).splitlines()[0]}") from None


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
    "CHUNK_DRAWS",
    "DEFAULT_REFERENCE",
    "MAX_DRAWS",
    "Progress",
    "RaceResult",
    "reference_scenario",
    "levers",
    "load_scenario",
    "query",
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
    apply to the scenario's own world; demand-growth multipliers fitted on another world
    are left out, since they scale that world's growth paths (the scenario's world keeps
    its own)."""
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
