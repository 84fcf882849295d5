"""Backtest: calibrate on the years up to a base year B, forecast the rest, score the forecast.

1. Calibrate (:func:`buildrace.calibration.fit.abc_rejection`) on the observed rows with
   ``year <= B`` only.
2. Run the base-year scenario of B (the built-in baseline whose world's base year is the
   latest at or before B: ``baseline_2018`` for B = 2018) with the accepted sets as its
   draws, to the scenario's own horizon (``end_year``), which does not depend on the file.
3. Score every observed series (series, stage, economy) with rows after B: per year the
   forecast's median and 5-95% band, the observed value; ``error`` is the mean absolute
   percentage error of the median (for shares, the mean absolute error in percentage
   points); ``naive_error`` the same for the naive forecast, which holds the last value
   observed at or before B constant; ``coverage`` the share of observed points inside the
   5-95% band. A series with no observation at or before B has no naive forecast and is
   unmatched, as are its rows.

Rows after B are used for scoring alone, so the forecast is the same whether or not they
are in the file (``tests/unit/calibration`` holds this).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from buildrace.calibration.fit import (
    AbcSettings,
    CalibrationResult,
    abc_rejection,
    calibration_values,
    horizon,
)
from buildrace.calibration.history import SHARE_SERIES, History, ObservedRow, series_path
from buildrace.dims import DRAW, YEAR
from buildrace.model.scenario import Scenario
from buildrace.model.world import World

BAND = (5.0, 95.0)
"""Percentiles of the forecast band (a 90% interval)."""
CANDIDATES_PER_DRAW = 10
"""Candidates drawn per forecast draw: with acceptance 1/10, the accepted sets are the draws."""
SERIES_CLASSES = {
    "price": "prices", "cost": "prices", "share_capacity": "shares", "share_production": "shares",
    "capacity": "quantities", "production": "quantities",
}
"""Series classes of the summary; ``demand`` of a final use is ``installations``, of a stage ``quantities``."""


@dataclass(frozen=True)
class Backtest:
    """A backtest's forecast and scores.

    Attributes
    ----------
    report : JSON-ready ``{"base_year", "series": [...], "unmatched": [...]}``
    summary : per series class: series, points, median error and naive error, share of
        series beating the naive forecast, coverage of all points
    calibration : the fit on rows up to the base year
    forecast : the forecast simulation (draw axis = the accepted sets)
    """

    report: dict
    summary: dict
    calibration: CalibrationResult
    forecast: xr.Dataset


def series_class(series: str, stage: str) -> str:
    """``prices``, ``shares``, ``installations`` or ``quantities``."""
    if series == "demand":
        return "installations" if stage.startswith("use.") else "quantities"
    return SERIES_CLASSES[series]


def forecast(
    history: History, base_year: int, scenario: Scenario, world: World, draws: int, seed: int,
) -> tuple[CalibrationResult, xr.Dataset]:
    """Calibrate on rows up to ``base_year`` and simulate the accepted sets to the horizon.

    Only ``history.until(base_year)`` is read: later rows cannot change the forecast.
    """
    settings = AbcSettings(candidates=CANDIDATES_PER_DRAW * draws, acceptance=1.0 / CANDIDATES_PER_DRAW, seed=seed)
    cal = abc_rejection(list(history.until(base_year)), scenario, world, settings)
    sc = horizon(scenario, scenario.end_year, world.base_year)
    from buildrace import api

    ds = api.simulate(sc, draws=draws, seed=seed, world=world, parameter_values=calibration_values(cal, world, draws))
    return cal, ds


def _error(pred: np.ndarray, obs: np.ndarray, share: bool) -> float | None:
    if share:
        return float(np.mean(np.abs(pred - obs)))
    ok = obs > 0
    return float(100.0 * np.mean(np.abs(pred[ok] - obs[ok]) / obs[ok])) if ok.any() else None


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
        naive = max(before, key=lambda r: r.year).value
        path = series_path(ds, *key, world).transpose(DRAW, YEAR)
        sel = path.sel({YEAR: [r.year for r in after]}).values
        p05, p50, p95 = np.nanpercentile(sel, [BAND[0], 50.0, BAND[1]], axis=0)
        obs = np.array([r.value for r in after])
        share = key[0] in SHARE_SERIES
        series.append({
            "series": key[0], "stage": key[1], "economy": key[2],
            "years": [r.year for r in after],
            "forecast_p50": _round(p50), "forecast_p05": _round(p05), "forecast_p95": _round(p95),
            "observed": [float(v) for v in obs],
            "error": _maybe(_error(p50, obs, share)),
            "naive_error": _maybe(_error(np.full(obs.shape, naive), obs, share)),
            "coverage": float(np.mean((obs >= p05) & (obs <= p95))),
        })
    return series, unmatched


def _round(a: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else float(f"{v:.6g}") for v in a]


def _maybe(v: float | None) -> float | None:
    return None if v is None or not np.isfinite(v) else round(v, 4)


def _text(r: ObservedRow) -> str:
    return f"{r.series},{r.stage},{r.economy},{r.year},{r.value:g},{r.unit}"


def summarise(series: list[dict]) -> dict:
    """Per series class: medians of error and naive error, wins, pooled coverage."""
    out = {}
    for cls in ("prices", "shares", "installations", "quantities"):
        rows = [s for s in series if series_class(s["series"], s["stage"]) == cls]
        if not rows:
            continue
        both = [s for s in rows if s["error"] is not None and s["naive_error"] is not None]
        points = sum(len(s["years"]) for s in rows)
        out[cls] = {
            "series": len(rows),
            "points": points,
            "unit": "points" if cls == "shares" else "MAPE %",
            "error_median": float(np.median([s["error"] for s in both])) if both else None,
            "naive_error_median": float(np.median([s["naive_error"] for s in both])) if both else None,
            "beats_naive": float(np.mean([s["error"] < s["naive_error"] for s in both])) if both else None,
            "coverage": sum(s["coverage"] * len(s["years"]) for s in rows) / points,
        }
    return out


def run_backtest(
    history: History, base_year: int, scenario: Scenario, world: World, draws: int, seed: int,
) -> Backtest:
    """Calibrate up to ``base_year``, forecast, score (see the module docstring)."""
    cal, ds = forecast(history, base_year, scenario, world, draws, seed)
    series, late = score_series(ds, history, base_year, world)
    unmatched = [u.to_dict() for u in history.unmatched] + late
    report = {"base_year": int(base_year), "series": series, "unmatched": sorted(unmatched, key=lambda u: u["line"])}
    return Backtest(report=report, summary=summarise(series), calibration=cal, forecast=ds)


__all__ = ["BAND", "Backtest", "forecast", "run_backtest", "score_series", "series_class", "summarise"]
