"""The dashboard's HTTP API on FastAPI: routes, limits, JSON errors, a single-flight cache.

The routes call the transport-independent parsers and runners of
:mod:`buildrace.web.handlers`, so the checks and messages are those of the scenario files.
FastAPI (https://fastapi.tiangolo.com) publishes ``/openapi.json`` and ``/docs``.

Runs are deterministic, so identical requests share one answer: a finished answer comes
from an LRU cache, and a request identical to one still computing waits for that
computation instead of starting another ("single flight", as in Go's
``golang.org/x/sync/singleflight``). Simulations run in a bounded thread pool so a long
run never blocks the event loop or the light routes.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from buildrace.errors import BuildraceError
from buildrace.web import handlers
from buildrace.web.handlers import HttpError

MAX_BODY_BYTES = 64 * 1024
"""Largest request body accepted (413 above)."""
CACHE_SIZE = 64
MAX_CONCURRENT_RUNS = 2
"""Simulations running at once; further requests queue in the pool."""

_STATIC = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
_EXAMPLE_BODY = '{"scenario": "race", "policies": [], "draws": 1}'


class SingleFlightCache:
    """An LRU of rendered answers in which identical in-flight computations are shared.

    ``get_or_compute(key, fn)`` returns a future: the cached body, the future of an
    identical computation already running, or a new computation submitted to ``pool``.
    Failed computations are not cached, so a later request retries.
    """

    def __init__(self, pool: ThreadPoolExecutor, size: int = CACHE_SIZE):
        self.size = size
        self.pool = pool
        self._done: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._flying: dict[tuple[str, str], Future[bytes]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.shared = 0
        self.computed = 0

    def get_or_compute(self, key: tuple[str, str], fn: Callable[[], bytes]) -> tuple[Future[bytes], str]:
        """The future answer for ``key`` and how it was found: hit, shared or miss."""
        with self._lock:
            body = self._done.get(key)
            if body is not None:
                self._done.move_to_end(key)
                self.hits += 1
                done: Future[bytes] = Future()
                done.set_result(body)
                return done, "hit"
            flying = self._flying.get(key)
            if flying is not None:
                self.shared += 1
                return flying, "shared"
            self.computed += 1
            future = self.pool.submit(fn)
            self._flying[key] = future
        future.add_done_callback(lambda f: self._finish(key, f))
        return future, "miss"

    def _finish(self, key: tuple[str, str], future: Future[bytes]) -> None:
        with self._lock:
            self._flying.pop(key, None)
            if future.exception() is None:
                self._done[key] = future.result()
                self._done.move_to_end(key)
                while len(self._done) > self.size:
                    self._done.popitem(last=False)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


def _render(payload: dict) -> bytes:
    return json.dumps(payload, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def create_app(cache_size: int = CACHE_SIZE, runs: int = MAX_CONCURRENT_RUNS) -> FastAPI:
    """The dashboard application; serve it with uvicorn or test it with ``TestClient``."""
    app = FastAPI(title="buildrace", description="Strategic supply-chain race simulator API.")
    pool = ThreadPoolExecutor(max_workers=runs, thread_name_prefix="buildrace-run")
    cache = SingleFlightCache(pool, cache_size)
    app.state.cache = cache

    async def answer(path: str, parse: Callable[[Any], Any], run: Callable[[Any], dict],
                     key: Callable[[Any], str], data: Any) -> Response:
        try:
            request = parse(data)
            future, how = cache.get_or_compute((path, key(request)), lambda: _render(run(request)))
            body = await asyncio.wrap_future(future)
        except HttpError as exc:
            return _error(exc.status, exc.message)
        except BuildraceError as exc:
            return _error(422, str(exc))
        except Exception:
            return _error(500, f"internal error while answering {path}; the server log has the details")
        return Response(body, media_type="application/json", headers={"X-Cache": how})

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return _error(413, f"request body of {int(length):,} bytes is over the limit of "
                               f"{MAX_BODY_BYTES:,} bytes; send fewer or shorter policies")
        response: Response = await call_next(request)
        if response.status_code == 405:
            return _error(405, f"{request.url.path} does not take {request.method}; see /docs")
        return response

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        html = resources.files("buildrace.web").joinpath("static", "dashboard.html").read_bytes()
        return Response(html, media_type="text/html")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in _STATIC:
            return _error(404, f"no static file {name!r}; the page uses: {', '.join(sorted(_STATIC))}")
        body = resources.files("buildrace.web").joinpath("static", name).read_bytes()
        return Response(body, media_type=_STATIC[name])

    @app.get("/api/scenarios", summary="Bundled scenarios")
    async def scenarios() -> Response:
        return await answer("/api/scenarios", lambda _: None, lambda _: handlers.run_scenarios(),
                            lambda _: "", None)

    @app.get("/api/levers", summary="Policy levers")
    async def levers() -> Response:
        return await answer("/api/levers", lambda _: None, lambda _: handlers.run_levers(),
                            lambda _: "", None)

    @app.get("/api/strings", summary="Dashboard strings per locale")
    async def strings() -> Response:
        return await answer("/api/strings", lambda _: None, lambda _: handlers.run_strings(),
                            lambda _: "", None)

    @app.get("/api/site", summary="Site clusters for a stage")
    async def site(request: Request) -> Response:
        return await answer("/api/site", handlers.parse_site, handlers.run_site, lambda r: r.key,
                            dict(request.query_params))

    @app.post("/api/race", summary="Race metrics and series for a scenario with policies")
    async def race(request: Request) -> Response:
        raw = await request.body()
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError):
            return _error(400, f"the body is not valid JSON; send a JSON object such as {_EXAMPLE_BODY}")
        return await answer("/api/race", handlers.parse_race, handlers.run_race, lambda r: r.key, data)

    return app


__all__ = ["CACHE_SIZE", "MAX_BODY_BYTES", "SingleFlightCache", "create_app"]
