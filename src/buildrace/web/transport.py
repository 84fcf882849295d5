"""What arrives over the wire: a bounded body, and JSON without NaN or Infinity.

:class:`BodyLimit` reads at most :data:`MAX_BODY_BYTES` of a request body before the
application sees it (a ``Content-Length`` over the limit is refused at once; a chunked
body is counted as it arrives), so no route ever holds a large body in memory.
:class:`StrictJSONRoute` parses bodies with the standard library's parser, refusing the
``NaN``, ``Infinity`` and ``-Infinity`` constants that Python accepts but JSON does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from buildrace.web.errors import error_response

MAX_BODY_BYTES = 64 * 1024
"""Largest request body accepted (413 above)."""


def _too_large(size: int | None) -> Response:
    got = f"of {size:,} bytes " if size is not None else ""
    return error_response(413, f"request body {got}is over the limit of {MAX_BODY_BYTES:,} bytes;"
                               " send fewer or shorter policies")


class BodyLimit:
    """ASGI middleware: refuse bodies over ``limit`` bytes with 413, replay the rest."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"").decode("latin-1").strip()
        if length.isdigit() and int(length) > self.limit:
            await _too_large(int(length))(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _too_large(None)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


REFUSED = "refused: "
"""Marks a body that parses but is refused here (the error handler words it apart)."""
MAX_DEPTH = 32
"""Deepest nesting of arrays and objects in a body (a scenario file's limit too)."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _check_tree(value: Any) -> str | None:
    """Why ``value`` cannot be taken (nested too deep, a lone surrogate), or None.

    Iterative, so a deep body never reaches Python's recursion limit here."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "a string holds a lone UTF-16 surrogate (such as \\ud800); send the character itself"
            continue
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                return f"the body nests deeper than {MAX_DEPTH} levels; no field of the API needs more than a few"
            children = list(item.items()) if isinstance(item, dict) else [(None, v) for v in item]
            for key, child in children:
                if key is not None:
                    stack.append((key, depth))
                stack.append((child, depth + 1))
    return None


class _StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            text = (await self.body()).decode("utf-8", errors="replace")
            try:
                data = json.loads(text, parse_constant=_refuse_constant)
            except json.JSONDecodeError:
                raise
            except ValueError as exc:  # NaN, Infinity, -Infinity
                pos = max(text.find(str(exc)), 0)
                message = f"{REFUSED}{exc} at character {pos} is not a JSON number; send a finite number or null"
                raise json.JSONDecodeError(message, text, pos) from None
            except RecursionError:
                raise json.JSONDecodeError(f"{REFUSED}the body nests deeper than {MAX_DEPTH} levels", text, 0) from None
            problem = _check_tree(data)
            if problem:
                raise json.JSONDecodeError(REFUSED + problem, text, 0)
            self._json = data
        return self._json


class StrictJSONRoute(APIRoute):
    """A route whose JSON bodies refuse NaN and the infinities (FastAPI's custom route
    class pattern: the request is wrapped before the usual handling)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictJSONRequest(request.scope, request.receive))

        return strict





class HeadAsGet:
    """ASGI middleware: ``HEAD`` answered as ``GET`` without the body (HTTP/1.1 asks
    every resource that takes GET to take HEAD; the routes are declared for GET only)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", (
        b"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )),
]
"""On every answer: the page loads nothing from elsewhere and runs no inline script.
(``/docs`` loads FastAPI's Swagger UI from a CDN, so its answer goes without the policy.)"""


class SecurityHeaders:
    """ASGI middleware: the headers of :data:`SECURITY_HEADERS` on every answer."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path", "").startswith(("/docs", "/redoc"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS
                            if k not in names and not (docs and k == b"content-security-policy")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)

__all__ = ["MAX_BODY_BYTES", "MAX_DEPTH", "SECURITY_HEADERS", "BodyLimit", "HeadAsGet", "SecurityHeaders", "StrictJSONRoute"]
