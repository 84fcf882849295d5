"""The dashboard's HTTP server: routing, limits, JSON errors and a small response cache.

Standard library only (:class:`http.server.ThreadingHTTPServer`). Routes:

=======  =================  ====================================================
GET      ``/``              the dashboard page
GET      ``/static/NAME``   the page's script and style sheet
GET      ``/api/scenarios`` built-in scenarios, their policies and control values
GET      ``/api/levers``    every lever's parameters and the dashboard's controls
GET      ``/api/strings``   the page's strings in every language
POST     ``/api/race``      run a scenario with changes: summary and chart series
GET      ``/api/site``      siting ranks and the state map of a chain
=======  =================  ====================================================

Every error is ``{"error": "..."}`` with a 4xx or 5xx status and never a traceback.
Runs are deterministic, so identical requests are answered from an in-memory LRU cache
(``X-Cache: hit``). Nothing is logged unless the server was made with ``log=True``
(``buildrace serve`` does, to stderr).
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from buildrace.errors import BuildraceError
from buildrace.web import handlers
from buildrace.web.handlers import HttpError

MAX_BODY_BYTES = 64 * 1024
"""Largest request body accepted (413 above)."""
DRAIN_BYTES = 1024 * 1024
"""Oversized bodies up to this size are read and dropped so the client sees the 413."""
CACHE_SIZE = 64
MAX_CONCURRENT_RUNS = 2
"""Simulations running at once; further requests wait their turn."""

_STATIC = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}


class ResponseCache:
    """A thread-safe LRU of rendered responses, keyed by route and request."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, str]) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: tuple[str, str], body: bytes) -> None:
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class Route:
    """``parse`` checks the query or body; ``run`` makes the call; ``key`` names the
    request for the cache; ``heavy`` routes wait for a simulation slot."""

    parse: Callable[[Any], Any]
    run: Callable[[Any], dict]
    key: Callable[[Any], str]
    heavy: bool = False


def _no_query(query: dict) -> None:
    handlers.check_query(query, ())


GET_ROUTES: dict[str, Route] = {
    "/api/scenarios": Route(_no_query, lambda _: handlers.run_scenarios(), lambda _: ""),
    "/api/levers": Route(_no_query, lambda _: handlers.run_levers(), lambda _: ""),
    "/api/strings": Route(_no_query, lambda _: handlers.run_strings(), lambda _: ""),
    "/api/site": Route(handlers.parse_site, handlers.run_site, lambda r: r.key, heavy=True),
}
POST_ROUTES: dict[str, Route] = {
    "/api/race": Route(handlers.parse_race, handlers.run_race, lambda r: r.key, heavy=True),
}


@cache
def _static(name: str) -> bytes:
    return resources.files("buildrace.web").joinpath("static", name).read_bytes()


class DashboardServer(ThreadingHTTPServer):
    """The HTTP server; ``cache`` and ``log`` are shared by its request threads."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], log: bool = False, cache_size: int = CACHE_SIZE):
        self.log = log
        self.cache = ResponseCache(cache_size)
        self.runs = threading.BoundedSemaphore(MAX_CONCURRENT_RUNS)
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-answer (an aborted fetch) is routine, not an error.
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError)) or not self.log:
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}" if isinstance(host, str) else f"http://{host.decode()}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: DashboardServer
    server_version = "buildrace"
    timeout = 30  # seconds a client may take to send its request

    # --- responses -----------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store" if self.path.startswith("/api/") else "no-cache")
        for k, v in {**_SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict, extra: dict[str, str] | None = None) -> None:
        body = json.dumps(payload, allow_nan=False, separators=(",", ":")).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", extra)

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own errors (bad request line, unsupported method) as JSON too.
        self.close_connection = True
        try:
            self._error(code, message or self.responses.get(code, ("error",))[0])
        except OSError:  # pragma: no cover - the client has gone
            pass

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    # --- dispatch --------------------------------------------------------------------

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/":
            self._send(200, _static("dashboard.html"), "text/html; charset=utf-8")
            return
        if parts.path.startswith("/static/"):
            name = parts.path.removeprefix("/static/")
            if name not in _STATIC:
                self._error(404, f"no static file {name!r}; the page uses: {', '.join(sorted(_STATIC))}")
                return
            self._send(200, _static(name), _STATIC[name])
            return
        route = GET_ROUTES.get(parts.path)
        if route is None:
            if parts.path in POST_ROUTES:
                self._error(405, f"{parts.path} takes POST with a JSON body, not GET")
            else:
                self._not_found(parts.path)
            return
        try:
            query = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query)))
        except ValueError:
            self._error(400, "malformed query string; use ?name=value&name=value")
            return
        self._dispatch(parts.path, route, query)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        route = POST_ROUTES.get(path)
        if route is None:
            if path in GET_ROUTES or path == "/":
                self._error(405, f"{path} takes GET, not POST")
            else:
                self._not_found(path)
            return
        body = self._read_body()
        if body is None:
            return
        try:
            data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            detail = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            self._error(400, f"the body is not valid JSON{detail}; send a JSON object such as"
                             ' {"scenario": "race", "policies": [], "draws": 1}')
            return
        self._dispatch(path, route, data)

    def _not_found(self, path: str) -> None:
        routes = ["GET /", *(f"GET {p}" for p in GET_ROUTES), *(f"POST {p}" for p in POST_ROUTES)]
        self._error(404, f"no route {path!r}; routes: {', '.join(routes)}")

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            self._error(411, "chunked bodies are not accepted; send Content-Length")
            return None
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.strip().isdigit():
            self.close_connection = True
            self._error(411, "missing or malformed Content-Length header")
            return None
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            if length <= DRAIN_BYTES:
                self.rfile.read(length)
            self.close_connection = True
            self._error(413, f"request body of {length:,} bytes is over the limit of {MAX_BODY_BYTES:,} bytes;"
                             " send fewer or shorter policies")
            return None
        return self.rfile.read(length)

    def _dispatch(self, path: str, route: Route, data: Any) -> None:
        try:
            request = route.parse(data)
            key = (path, route.key(request))
            cached = self.server.cache.get(key)
            if cached is not None:
                self._send(200, cached, "application/json; charset=utf-8", {"X-Cache": "hit"})
                return
            if route.heavy:
                with self.server.runs:
                    payload = route.run(request)
            else:
                payload = route.run(request)
            body = json.dumps(payload, allow_nan=False, separators=(",", ":")).encode("utf-8")
        except HttpError as exc:
            self._error(exc.status, exc.message)
            return
        except BuildraceError as exc:
            self._error(422, str(exc))
            return
        except Exception:
            if self.server.log:
                traceback.print_exc(file=sys.stderr)
            self._error(500, f"internal error while answering {path}; the server log has the details")
            return
        self.server.cache.put(key, body)
        self._send(200, body, "application/json; charset=utf-8", {"X-Cache": "miss"})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def make_server(host: str = "127.0.0.1", port: int = 8765, log: bool = False) -> DashboardServer:
    """A server bound to ``host:port`` (port 0: any free port), not yet serving.

    Call ``serve_forever()`` on it (in a thread for tests) and ``shutdown()`` /
    ``server_close()`` when done.
    """
    return DashboardServer((host, port), log=log)


__all__ = ["CACHE_SIZE", "MAX_BODY_BYTES", "DashboardServer", "ResponseCache", "make_server"]
