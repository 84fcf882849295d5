"""Backtest: calibrate on the years up to a base year B, forecast the rest, score the forecast.

1. Calibrate (:func:`buildrace.calibration.fit.abc_rejection`) on the observed rows dated
   after the world's base year and at or before B; rows after B are dropped before the
   fit sees anything. When no row falls there (B is the world's own base year, which the
   world reproduces by construction) the draws are a sample of the priors that the rows
   up to B inform (:func:`buildrace.calibration.fit.prior_sample`). A calibration file
   (``buildrace calibrate --fit-until B``) may be given instead; it is refused if its fit
   could have read a row after B.
2. Run the base-year scenario of B (the built-in baseline whose world's base year is the
   latest at or before B: ``baseline_2018`` for B = 2018) with the accepted sets as its
   draws, to the scenario's own horizon (``end_year``), which does not depend on the file.
3. Score every observed series (series, stage, economy) with rows after B, per year, with
   the forecast's median, its 5-95% band and its whole ensemble:

   - ``error``: mean absolute percentage error of the median (shares: mean absolute
     error in percentage points); ``abs_error_median`` the median over the years;
   - ``coverage``: the share of observed points inside the 5-95% band;
   - ``crps``: mean continuous ranked probability score of the ensemble
     (:func:`buildrace.calibration.scores.crps_ensemble`), in the series' unit: it
     rewards a band that is both right and narrow;
   - two naive forecasts: ``naive_*`` holds the last value observed at or before B (a
     point forecast, whose CRPS is its absolute error); ``drift_*`` is the random walk
     with drift fitted to the observations up to B (Way et al. 2022; None with fewer
     than three), with its own error and CRPS.

   A series with no observation at or before B has no naive forecast and is unmatched,
   as are its rows. :func:`summarise` pools the series per class (``prices``,
   ``installations``, ``capacity_production``, ``shares``).

Rows after B are used for scoring alone, so the forecast is the same whether or not they
are in the file (``tests/unit/calibration`` holds this).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from buildrace.calibration.fit import (
    GROWTH_PREFIX,
    AbcSettings,
    CalibrationResult,
    abc_rejection,
    calibration_values,
    fitted_rows,
    horizon,
    prior_sample,
)
from buildrace.calibration.history import SHARE_SERIES, History, ObservedRow, series_path
from buildrace.calibration.scores import crps_ensemble, drift_forecast
from buildrace.dims import DRAW, YEAR
from buildrace.errors import InputError
from buildrace.model.scenario import Scenario
from buildrace.model.world import World

BAND = (5.0, 95.0)
"""Percentiles of the forecast band (a 90% interval)."""
CANDIDATES_PER_DRAW = 10
"""Candidates drawn per forecast draw: with acceptance 1/10, the accepted sets are the draws."""
SERIES_CLASSES = {
    "price": "prices", "cost": "prices", "share_capacity": "shares", "share_production": "shares",
    "capacity": "capacity_production", "production": "capacity_production",
}
"""Series classes of the summary; ``demand`` of a final use is ``installations``, of a stage
``capacity_production``."""
CLASSES = ("prices", "installations", "capacity_production", "shares")
"""The classes, in the order they are reported."""


@dataclass(frozen=True)
class Backtest:
    """A backtest's forecast and scores.

    Attributes
    ----------
    report : JSON-ready ``{"base_year", "fit", "series": [...], "classes": {...},
        "unmatched": [...]}``
    summary : the ``classes`` table (see :func:`summarise`)
    calibration : the fit on rows up to the base year (or the calibration file given)
    forecast : the forecast simulation (draw axis = the accepted sets)
    """

    report: dict
    summary: dict
    calibration: CalibrationResult
    forecast: xr.Dataset


def series_class(series: str, stage: str) -> str:
    """``prices``, ``shares``, ``installations`` or ``capacity_production``."""
    if series == "demand":
        return "installations" if stage.startswith("use.") else "capacity_production"
    return SERIES_CLASSES[series]


def fit_for_backtest(
    history: History, base_year: int, scenario: Scenario, world: World, draws: int, seed: int,
) -> CalibrationResult:
    """The accepted sets of a backtest from ``base_year``: ABC on the rows after the world's
    base year up to ``base_year``, or the informed priors when there are none."""
    rows = list(history.until(base_year))
    if not fitted_rows(rows, world.base_year):
        return prior_sample(rows, scenario, world, draws, seed, fit_until=base_year)
    settings = AbcSettings(candidates=CANDIDATES_PER_DRAW * draws, acceptance=1.0 / CANDIDATES_PER_DRAW, seed=seed)
    return abc_rejection(rows, scenario, world, settings, fit_until=base_year)


def check_no_leak(calibration: CalibrationResult, base_year: int, where: str = "calibration") -> None:
    """Refuse a calibration whose fit could have read rows after ``base_year``."""
    if calibration.last_year_seen > base_year:
        raise InputError(
            f"{where}: fitted on rows up to {calibration.last_year_seen}, after the backtest base year {base_year}; "
            f"refit with `buildrace calibrate --fit-until {base_year}`"
        )


def for_world(
    calibration: CalibrationResult, history: History, base_year: int, scenario: Scenario, world: World, draws: int,
    seed: int,
) -> CalibrationResult:
    """A calibration fitted on another base-year world, made fit for ``world``.

    Most fitted parameters transfer (learning-rate and elasticity multipliers apply to the
    world's own values; investment response, volatilities and the like are the model's),
    but a demand-growth multiplier scales the growth path of the world it was fitted on:
    ``world_2010``'s outlooks grew EV sales far more slowly than ``world_2018``'s, so its
    multiplier applied to the 2018 paths would forecast another market. Those columns are
    drawn again from ``world``'s own priors, informed by the rows up to ``base_year``
    (:func:`buildrace.calibration.fit.prior_sample`), draw by draw beside the calibration's
    sets (draw i takes accepted set i mod k, as :func:`calibration_values` does). The
    result holds ``draws`` sets and says what it re-drew (``redrawn``).
    """
    redraw = [j for j, n in enumerate(calibration.names) if n.startswith(GROWTH_PREFIX)]
    if calibration.world == world.name or not redraw:
        return calibration
    prior = prior_sample(list(history.until(base_year)), scenario, world, draws, seed, fit_until=base_year)
    sets = calibration.accepted[np.arange(draws) % len(calibration.accepted)].copy()
    for j in redraw:
        name = calibration.names[j]
        # a use this world's priors do not scale (no demand in it) keeps its own path
        sets[:, j] = prior.accepted[:, prior.names.index(name)] if name in prior.names else 1.0
    return replace(
        calibration, accepted=sets, scores=calibration.scores[np.arange(draws) % len(calibration.scores)],
        point=np.median(sets, axis=0), redrawn=tuple(calibration.names[j] for j in redraw),
    )


def forecast(
    history: History, base_year: int, scenario: Scenario, world: World, draws: int, seed: int,
    calibration: CalibrationResult | None = None,
) -> tuple[CalibrationResult, xr.Dataset]:
    """Calibrate on rows up to ``base_year`` (or take ``calibration``) and simulate the
    accepted sets to the scenario's horizon.

    Only ``history.until(base_year)`` is read: later rows cannot change the forecast.
    """
    if calibration is None:
        cal = fit_for_backtest(history, base_year, scenario, world, draws, seed)
    else:
        check_no_leak(calibration, base_year)
        cal = for_world(calibration, history, base_year, scenario, world, draws, seed)
    sc = horizon(scenario, scenario.end_year, world.base_year)
    from buildrace.simulation import simulate

    ds = simulate(sc, draws=draws, seed=seed, world=world, parameter_values=calibration_values(cal, world, draws))
    return cal, ds


def _abs_errors(pred: np.ndarray, obs: np.ndarray, share: bool) -> np.ndarray:
    """Absolute errors per point: in points for shares, else percent of the observed
    value (points observed at zero are left out)."""
    if share:
        return np.abs(pred - obs)
    ok = obs > 0
    return 100.0 * np.abs(pred[ok] - obs[ok]) / obs[ok]


def _mean(a: np.ndarray) -> float | None:
    a = a[np.isfinite(a)]
    return float(np.mean(a)) if a.size else None


def score_series(ds: xr.Dataset, history: History, base_year: int, world: World) -> tuple[list[dict], list[dict]]:
    """Score each observed series after ``base_year`` against the forecast ``ds``."""
    years = {int(y) for y in ds[YEAR].values}
    by_key: dict[tuple[str, str, str], list[ObservedRow]] = {}
    for r in history.rows:
        by_key.setdefault(r.key, []).append(r)
    series, unmatched = [], []
    for key, rows in by_key.items():
        after = sorted((r for r in rows if r.year > base_year), key=lambda r: r.year)
        if not after:
            continue
        before = [r for r in rows if r.year <= base_year]
        late = [r for r in after if r.year not in years]
        unmatched += [{"line": r.line, "reason": f"year {r.year} is after the forecast horizon {max(years)}", "row": _text(r)} for r in late]
        after = [r for r in after if r.year in years]
        if not before:
            unmatched += [
                {"line": r.line, "reason": f"no observation of {'/'.join(key)} at or before {base_year} for the naive forecast", "row": _text(r)}
                for r in after
            ]
            continue
        if not after:
            continue
        series.append(_score_one(key, before, after, series_path(ds, *key, world).transpose(DRAW, YEAR)))
    return series, unmatched


def _score_one(key: tuple[str, str, str], before: list[ObservedRow], after: list[ObservedRow], path: xr.DataArray) -> dict:
    share = key[0] in SHARE_SERIES
    yrs = np.array([r.year for r in after])
    ens = path.sel({YEAR: list(yrs)}).values
    with np.errstate(invalid="ignore"):
        p05, p50, p95 = np.nanpercentile(ens, [BAND[0], 50.0, BAND[1]], axis=0)
    obs = np.array([r.value for r in after])
    naive = np.full(obs.shape, max(before, key=lambda r: r.year).value)
    drift = drift_forecast([(r.year, r.value) for r in before], log=not share)
    err = _abs_errors(p50, obs, share)
    crps = crps_ensemble(ens, obs)
    return {
        "series": key[0], "stage": key[1], "economy": key[2], "class": series_class(key[0], key[1]),
        "years": [int(y) for y in yrs],
        "forecast_p50": _round(p50), "forecast_p05": _round(p05), "forecast_p95": _round(p95),
        "observed": [float(v) for v in obs],
        "naive_forecast": float(naive[0]),
        "drift_p50": None if drift is None else _round(drift.median(yrs)),
        "error": _maybe(_mean(err)),
        "abs_error_median": _maybe(float(np.median(err)) if err.size else None),
        "naive_error": _maybe(_mean(_abs_errors(naive, obs, share))),
        "drift_error": None if drift is None else _maybe(_mean(_abs_errors(drift.median(yrs), obs, share))),
        "coverage": float(np.mean((obs >= p05) & (obs <= p95))),
        "crps": _sig(_mean(crps)),
        "naive_crps": _sig(float(np.mean(np.abs(naive - obs)))),
        "drift_crps": None if drift is None else _sig(_mean(drift.crps(yrs, obs))),
    }


def _round(a: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else float(f"{v:.6g}") for v in a]


def _maybe(v: float | None) -> float | None:
    """A percentage or points figure to 4 decimals; None when missing or not finite."""
    return None if v is None or not np.isfinite(v) else round(v, 4)


def _sig(v: float | None) -> float | None:
    """A score in the series' own unit to 6 significant digits (units range from USD/W to
    vehicles, so fixed decimals would lose small ones)."""
    return None if v is None or not np.isfinite(v) else float(f"{v:.6g}")


def _text(r: ObservedRow) -> str:
    return f"{r.series},{r.stage},{r.economy},{r.year},{r.value:g},{r.unit}"


def _share(flags: list[bool]) -> float | None:
    return float(np.mean(flags)) if flags else None


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def summarise(series: list[dict]) -> dict:
    """The ``classes`` table: per class (:data:`CLASSES`) the number of series and points;
    the median over series of the error, the naive and drift errors; the median absolute
    error over all the class's points (recomputed from each series' median and observed
    values); the pooled coverage of the 5-95% band; the share of series beating each naive
    forecast on error and on CRPS, and on CRPS both at once; and the median over series
    of the CRPS relative to each naive forecast (below 1: better).

    ``abs_error_median`` and its ``naive_`` and ``drift_`` twins pool the points of the
    class (the drift twin over the series that have a drift forecast); ``error_median``
    and its twins are medians over series of each series' mean error. A series with no
    drift forecast (fewer than three observations up to B) counts in ``beats_both_crps``
    when it beats the no-change forecast."""
    out = {}
    for cls in CLASSES:
        rows = [s for s in series if s["class"] == cls]
        if not rows:
            continue
        points = sum(len(s["years"]) for s in rows)
        err = [s for s in rows if s["error"] is not None and s["naive_error"] is not None]
        d_err = [s for s in err if s["drift_error"] is not None]
        share = cls == "shares"
        pooled = _pooled(rows, lambda s: np.array([np.nan if v is None else v for v in s["forecast_p50"]]), share)
        pooled_naive = _pooled(rows, lambda s: np.full(len(s["years"]), s["naive_forecast"]), share)
        pooled_drift = _pooled(
            [s for s in rows if s["drift_p50"] is not None],
            lambda s: np.array([np.nan if v is None else v for v in s["drift_p50"]]), share,
        )
        crps = [s for s in rows if s["crps"] is not None and s["naive_crps"] is not None]
        d_crps = [s for s in crps if s["drift_crps"] is not None]
        out[cls] = {
            "series": len(rows),
            "points": points,
            "unit": "points" if cls == "shares" else "MAPE %",
            "error_median": _median([s["error"] for s in err]),
            "naive_error_median": _median([s["naive_error"] for s in err]),
            "drift_error_median": _median([s["drift_error"] for s in d_err]),
            "abs_error_median": _median(pooled),
            "naive_abs_error_median": _median(pooled_naive),
            "drift_abs_error_median": _median(pooled_drift),
            "beats_naive": _share([s["error"] < s["naive_error"] for s in err]),
            "beats_drift": _share([s["error"] < s["drift_error"] for s in d_err]),
            "coverage": sum(s["coverage"] * len(s["years"]) for s in rows) / points,
            "crps_vs_naive_median": _median([_ratio(s["crps"], s["naive_crps"]) for s in crps]),
            "crps_vs_drift_median": _median([_ratio(s["crps"], s["drift_crps"]) for s in d_crps]),
            "beats_naive_crps": _share([s["crps"] < s["naive_crps"] for s in crps]),
            "beats_drift_crps": _share([s["crps"] < s["drift_crps"] for s in d_crps]),
            "beats_both_crps": _share([
                s["crps"] < s["naive_crps"] and (s["drift_crps"] is None or s["crps"] < s["drift_crps"]) for s in crps
            ]),
            "drift_series": len(d_crps),
        }
    return out


def _pooled(rows: list[dict], predict, share: bool) -> list[float]:
    """Absolute errors of ``predict(series)`` at every point of ``rows``, pooled."""
    if not rows:
        return []
    a = np.concatenate([_abs_errors(predict(s), np.array(s["observed"]), share) for s in rows])
    return [float(v) for v in a[np.isfinite(a)]]


def _ratio(a: float, b: float) -> float:
    """``a / b`` with a perfect naive forecast (b = 0) counted as ``inf`` unless a = 0 too."""
    if b > 0:
        return a / b
    return 1.0 if a == 0 else float("inf")


def run_backtest(
    history: History, base_year: int, scenario: Scenario, world: World, draws: int, seed: int,
    calibration: CalibrationResult | None = None,
) -> Backtest:
    """Calibrate up to ``base_year`` (or take ``calibration``), forecast, score (see the
    module docstring)."""
    last = max((r.year for r in history.rows), default=None)
    if last is None or last <= base_year:
        # nothing after B to score: an empty table would read as a forecast that cannot miss
        raise InputError(
            f"--base-year {base_year}: no observed row after {base_year} to score in {history.source} "
            f"(its last year is {last}); give a base year before {last}"
        )
    cal, ds = forecast(history, base_year, scenario, world, draws, seed, calibration)
    series, late = score_series(ds, history, base_year, world)
    unmatched = [u.to_dict() for u in history.unmatched] + late
    classes = summarise(series)
    report = {
        "base_year": int(base_year),
        "fit": {
            "method": cal.method, "world": cal.world, "rows_fitted": cal.rows_fitted,
            "last_year_seen": cal.last_year_seen, "draws": int(draws),
            # a calibration from another base-year world: what was drawn again for this one
            **({"forecast_world": world.name, "redrawn": list(cal.redrawn)} if cal.redrawn else {}),
        },
        "series": series,
        "classes": classes,
        "unmatched": sorted(unmatched, key=lambda u: u["line"]),
    }
    return Backtest(report=report, summary=classes, calibration=cal, forecast=ds)


__all__ = [
    "BAND",
    "CLASSES",
    "Backtest",
    "check_no_leak",
    "fit_for_backtest",
    "forecast",
    "run_backtest",
    "score_series",
    "series_class",
    "summarise",
]
