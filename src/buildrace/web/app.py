"""The dashboard's application on FastAPI: the page, its static files and the API.

:func:`create_app` wires the parts: :mod:`~buildrace.web.routes` (typed routes,
described at ``/openapi.json`` and ``/docs``), :mod:`~buildrace.web.errors` (one JSON
shape for every error), :mod:`~buildrace.web.transport` (body limit, strict JSON,
response headers) and :mod:`~buildrace.web.cache` (the single-flight cache over a
bounded pool). Serve it with uvicorn (``buildrace serve``) or test it with FastAPI's
``TestClient``. Making an application starts no thread until it serves a request.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response

from buildrace.web import errors
from buildrace.web.cache import CACHE_SIZE, SingleFlightCache
from buildrace.web.errors import ErrorBody, error_response
from buildrace.web.routes import router
from buildrace.web.transport import MAX_BODY_BYTES, BodyLimit, HeadAsGet, SecurityHeaders

MAX_CONCURRENT_RUNS = 2
"""Computations running at once; further requests queue in the pool."""
FILE_CACHE_SIZE = 4
"""CSV downloads kept (each is megabytes)."""

STATIC = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
"""The only files served under ``/static/`` (a fixed list: no path is ever joined)."""

OPTIONAL_ROUTES = {"/api/site"}
"""Routes that need an optional extra (503 without it)."""

_ERRORS = {
    400: {"model": ErrorBody, "description": "the body is not JSON"},
    413: {"model": ErrorBody, "description": "the body is over the size limit"},
    422: {"model": ErrorBody, "description": "a field is wrong: the message names it and says how to fix it"},
    503: {"model": ErrorBody, "description": "the route's optional packages are not installed"},
}


def _static(name: str) -> bytes:
    return resources.files("buildrace.web").joinpath("static", name).read_bytes()


def create_app(cache_size: int = CACHE_SIZE, runs: int = MAX_CONCURRENT_RUNS) -> FastAPI:
    """The dashboard application.

    Parameters
    ----------
    cache_size : answers kept in the cache
    runs : computations running at once (the pool's size)
    """
    # The pool lives as long as the application (no shutdown at the end of a lifespan:
    # a test client or a server may start the same application again); its threads
    # start with the first computation and idle ones end with the interpreter.
    pool = ThreadPoolExecutor(max_workers=runs, thread_name_prefix="buildrace-run")

    app = FastAPI(
        title="buildrace",
        description=(
            "Strategic supply-chain race simulator. Every error is JSON "
            '`{"error": message, "status": code, "field": path}`; bodies are limited to '
            f"{MAX_BODY_BYTES:,} bytes. The dashboard is at `/`."
        ),
        version=_version(),
        responses=_ERRORS,  # type: ignore[arg-type]
        strict_content_type=False,  # a body sent without a Content-Type is read as JSON
    )
    app.state.cache = SingleFlightCache(pool, cache_size)
    app.state.file_cache = SingleFlightCache(pool, FILE_CACHE_SIZE)
    errors.install(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    app.include_router(router)

    def openapi() -> dict:
        # Errors are JSON on every route, the CSV download's included (FastAPI would
        # describe them in the route's own media type).
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
            for path, methods in spec.get("paths", {}).items():
                for method, op in methods.items():
                    responses = op.get("responses", {})
                    if method == "get":
                        responses.pop("400", None)  # no body to be malformed
                    if path not in OPTIONAL_ROUTES:
                        responses.pop("503", None)
                    for code, response in responses.items():
                        if code[0] in "45":
                            response["content"] = error
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return Response(_static("dashboard.html"), media_type="text/html; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC:
            return error_response(404, f"no static file {name!r}; the page uses: {', '.join(sorted(STATIC))}")
        return Response(_static(name), media_type=STATIC[name])

    return app


def _version() -> str:
    from buildrace import __version__

    return __version__


__all__ = ["MAX_BODY_BYTES", "MAX_CONCURRENT_RUNS", "STATIC", "create_app"]
