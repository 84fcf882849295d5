"""The simulation routes' answers: race, compare, explain, the CSV of a run, backtest.

Each function makes the calls of :mod:`buildrace.api` for one request and shapes the
JSON-ready answer; none reimplements the model. They run in the application's bounded
pool (:mod:`buildrace.web.cache`), never on the event loop.
"""

from __future__ import annotations

import math
from typing import Any

from buildrace import api
from buildrace.errors import InputError
from buildrace.web.errors import ApiError, field_of
from buildrace.web.scenarios import Built, build, need_shock, request_message
from buildrace.web.schemas import (
    BacktestQuery,
    CompareRequest,
    ExplainRequest,
    RaceRequest,
    ReportRequest,
    ScenarioSpec,
)


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def _run(fn, built: Built, spec: ScenarioSpec, prefix: str = ""):
    """Call ``fn()``; an engine message about a policy names the request's field."""
    try:
        return fn()
    except InputError as exc:
        message = request_message(str(exc), built, spec, prefix)
        raise ApiError(422, message, field_of(message)) from None


def _race(req: RaceRequest) -> tuple[Built, api.RaceResult]:
    built = build(req)
    need_shock(built, req)
    result = _run(lambda: api.race(built.scenario, draws=req.draws, seed=req.seed, reference=built.reference), built, req)
    return built, result


def race(req: RaceRequest) -> dict:
    """The race beside its reference path: the summary and the charts' series."""
    from buildrace.web.series import economy_table, race_series, stage_table

    built, result = _race(req)
    summary = result.summary
    importer = next(iter(summary["substitution_years"]))
    exporter = next(iter(summary["redirection_years"]))
    stages = stage_table(built.scenario.world)
    return {
        "request": req.model_dump(mode="json"),
        "policies_removed": built.removed,
        "policies_added": len(req.policies),
        "importer": importer,
        "exporter": exporter,
        "summary": finite(summary),
        "series": race_series(result.results, result.reference, importer, exporter, stages),
        "stage_info": stages,
        "economy_info": economy_table(built.scenario.world),
    }


def race_csv(req: RaceRequest) -> bytes:
    """The run's economy- and market-level results as one long CSV table
    (``variable, draw, year, economy, market, stage, value``, as the Parquet file)."""
    from buildrace.io.results_store import tidy

    _, result = _race(req)
    return tidy(result.results).to_csv(index=False, float_format="%.6g").encode("utf-8")


def report_html(req: ReportRequest) -> bytes:
    """The run's HTML report (the page ``buildrace run --report`` writes), in ``req.lang``."""
    from buildrace.reports.page import render_report

    race_req = RaceRequest.model_validate(req.model_dump(exclude={"lang"}))
    built, result = _race(race_req)
    return _run(lambda: render_report(result, lang=req.lang), built, race_req).encode("utf-8")


def compare(req: CompareRequest) -> dict:
    """Two scenarios on A's reference path (B - A), or A against that reference."""
    a = build(req.a, "a.")
    need_shock(a, req.a, "a.")
    if req.b is None:
        b_scenario = a.reference
        b = None
    else:
        b = build(req.b, "b.")
        b_scenario = b.scenario
        if b.scenario.world != a.scenario.world or b.scenario.end_year != a.scenario.end_year:
            raise ApiError(422, f"b: runs on {b.scenario.world} to {b.scenario.end_year}, A on {a.scenario.world} to"
                                f" {a.scenario.end_year}; compare scenarios on one world and horizon", "b")
    try:
        result = api.compare(a.scenario, b_scenario, draws=req.draws, seed=req.seed, reference=a.reference)
    except InputError as exc:
        message = request_message(str(exc), a, req.a, "a.")
        if b is not None and message == str(exc):
            message = request_message(str(exc), b, req.b, "b.")  # type: ignore[arg-type]
        raise ApiError(422, message, field_of(message)) from None
    return finite(result.summary)


def explain(req: ExplainRequest) -> dict:
    """Each difference from the reference path's Shapley share of the race metrics."""
    built = build(req)
    need_shock(built, req)
    result = _run(lambda: api.explain(built.scenario, draws=req.draws, seed=req.seed, max_players=req.max_players,
                                      reference=built.reference), built, req)
    return finite(result.summary)


def backtest(req: BacktestQuery) -> dict:
    """Calibrate up to ``base_year``, forecast the later years, score each class of series."""
    bt = api.backtest(None, req.base_year, draws=req.draws, seed=req.seed)
    report = bt.report
    return finite({
        "base_year": req.base_year,
        "draws": req.draws,
        "seed": req.seed,
        "fit": report.get("fit", {}),
        "classes": bt.summary,
        "series": len(report.get("series", [])),
        "unmatched": len(report.get("unmatched", [])),
    })


__all__ = ["backtest", "compare", "explain", "finite", "race", "race_csv", "report_html"]
