"""The API's routes: typed requests in, one call of :mod:`buildrace.web.catalog`,
:mod:`buildrace.web.runs` or :mod:`buildrace.web.site` out, through the cache.

Every answer is computed in the bounded pool and kept in the single-flight cache keyed
by the route and the validated request (defaults filled in, so a request spelled with
its defaults is the same request). ``X-Cache`` says how it was found: ``miss``,
``shared`` (an identical request was computing) or ``hit``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from buildrace.errors import BuildraceError
from buildrace.web import catalog, runs, schemas
from buildrace.web.cache import SingleFlightCache
from buildrace.web.errors import ApiError, internal_error
from buildrace.web.runs import finite
from buildrace.web.schemas import (
    BacktestQuery,
    CompareRequest,
    ExplainRequest,
    NoQuery,
    RaceRequest,
    ReportRequest,
    SiteQuery,
    WorldQuery,
)
from buildrace.web.site import site as site_answer
from buildrace.web.transport import StrictJSONRoute


class CSVResponse(Response):
    media_type = "text/csv"


class HTMLDownload(Response):
    media_type = "text/html"


def render(payload: Any) -> bytes:
    """Compact JSON; a NaN or infinity that reached a payload becomes null."""
    try:
        text = json.dumps(payload, allow_nan=False, separators=(",", ":"))
    except ValueError:
        text = json.dumps(finite(payload), allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8")


def _caches(request: Request) -> tuple[SingleFlightCache, SingleFlightCache]:
    return request.app.state.cache, request.app.state.file_cache


async def answer(request: Request, key: str, make: Callable[[], bytes], media_type: str = "application/json",
                 files: bool = False) -> Response:
    """The answer of ``make()`` for this route and ``key``, from the cache or the pool."""
    path = request.url.path
    cache = _caches(request)[1 if files else 0]
    future, how = cache.get_or_compute((path, key), make)
    try:
        # shielded: a client that goes away must not cancel a computation others share
        body = await asyncio.shield(asyncio.wrap_future(future))
    except (ApiError, BuildraceError):
        raise
    except Exception:
        return internal_error(path)
    return Response(body, media_type=media_type, headers={"X-Cache": how, "Cache-Control": "no-store"})


def _json(fn: Callable[[], dict]) -> Callable[[], bytes]:
    return lambda: render(fn())


router = APIRouter(prefix="/api", route_class=StrictJSONRoute)


@router.get("/scenarios", summary="Built-in scenarios", response_model=None,
            responses={200: {"model": schemas.ScenariosAnswer}})
async def scenarios(request: Request, q: Annotated[NoQuery, Query()]) -> Response:
    """The built-in scenarios, their policies and the dashboard controls' values."""
    return await answer(request, "", _json(catalog.scenarios))


@router.get("/levers", summary="Policy levers", response_model=None, responses={200: {"model": schemas.LeversAnswer}})
async def levers(request: Request, q: Annotated[NoQuery, Query()]) -> Response:
    """Every lever with its parameters, units, defaults and ranges; the dashboard's controls."""
    return await answer(request, "", _json(catalog.levers))


@router.get("/strings", summary="The page's strings per language", response_model=None,
            responses={200: {"model": schemas.StringsAnswer}})
async def strings(request: Request, q: Annotated[NoQuery, Query()]) -> Response:
    """Every user-facing string of the dashboard and the report, in every language."""
    return await answer(request, "", _json(catalog.strings))


@router.get("/stages", summary="Stages of a world", response_model=None, responses={200: {"model": schemas.StagesAnswer}})
async def stages(request: Request, q: Annotated[WorldQuery, Query()]) -> Response:
    """The stages: chain, names, units and inputs."""
    return await answer(request, q.world, _json(lambda: catalog.stages(q.world)))


@router.get("/economies", summary="Economies of a world", response_model=None,
            responses={200: {"model": schemas.EconomiesAnswer}})
async def economies(request: Request, q: Annotated[WorldQuery, Query()]) -> Response:
    """The economies and their sites."""
    return await answer(request, q.world, _json(lambda: catalog.economies(q.world)))


@router.post("/race", summary="Race metrics and chart series", response_model=None,
             responses={200: {"model": schemas.RaceAnswer}})
async def race(request: Request, body: RaceRequest) -> Response:
    """Run a scenario with changes beside its reference path: the race summary (as
    ``buildrace.api.race``) and the charts' series."""
    return await answer(request, body.model_dump_json(), _json(lambda: runs.race(body)))


@router.post("/race.csv", summary="A race's results as CSV", response_class=CSVResponse,
             responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                              "description": "variable, draw, year, economy, market, stage, value"}})
async def race_csv(request: Request, body: RaceRequest) -> Response:
    """The economy- and market-level results of the run, one row per value (a download)."""
    response = await answer(request, body.model_dump_json(), lambda: runs.race_csv(body), "text/csv", files=True)
    if response.status_code == 200:
        response.headers["Content-Disposition"] = f'attachment; filename="buildrace-{body.scenario}.csv"'
    return response


@router.post("/report.html", summary="A race's HTML report", response_class=HTMLDownload,
             responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                              "description": "the self-contained report page (a download)"}})
async def report_html(request: Request, body: ReportRequest) -> Response:
    """The report ``buildrace run --report`` writes for this run: verdict, tables and
    figures in one HTML file that opens offline."""
    response = await answer(request, body.model_dump_json(), lambda: runs.report_html(body), "text/html; charset=utf-8",
                            files=True)
    if response.status_code == 200:
        response.headers["Content-Disposition"] = f'attachment; filename="buildrace-{body.scenario}-{body.lang}.html"'
    return response


@router.post("/compare", summary="Two scenarios, or one against its reference", response_model=None,
             responses={200: {"model": schemas.CompareAnswer}})
async def compare(request: Request, body: CompareRequest) -> Response:
    """Every race metric of A and B (default: A's reference path) side by side, B - A."""
    return await answer(request, body.model_dump_json(), _json(lambda: runs.compare(body)))


@router.post("/explain", summary="Each policy's share of the race metrics", response_model=None,
             responses={200: {"model": schemas.ExplainAnswer}})
async def explain(request: Request, body: ExplainRequest) -> Response:
    """Shapley contributions of the scenario's differences from its reference path."""
    return await answer(request, body.model_dump_json(), _json(lambda: runs.explain(body)))


@router.get("/site", summary="Site clusters for a chain", response_model=None,
            responses={200: {"model": schemas.SiteAnswer}})
async def site(request: Request, q: Annotated[SiteQuery, Query()]) -> Response:
    """Rank the states for a chain, choose designations (a MILP) and draw the state map."""
    return await answer(request, q.model_dump_json(), _json(lambda: site_answer(q)))


@router.get("/backtest", summary="Backtest summary", response_model=None,
            responses={200: {"model": schemas.BacktestAnswer}})
async def backtest(request: Request, q: Annotated[BacktestQuery, Query()]) -> Response:
    """Calibrate on history up to ``base_year``, forecast the later years and score each
    class of series against naive forecasts (a few seconds: draws are bounded)."""
    return await answer(request, q.model_dump_json(), _json(lambda: runs.backtest(q)))


__all__ = ["CSVResponse", "HTMLDownload", "answer", "render", "router"]
