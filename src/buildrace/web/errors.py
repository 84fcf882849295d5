"""Every error of the HTTP API as one JSON shape: ``{"error", "status", "field"}``.

``error`` says what is wrong and how to fix it, ``field`` is the path of the request
field at fault (``policies[0].rate``; null where no one field is), ``status`` repeats the
HTTP status. FastAPI's own errors (validation, unknown route, wrong method) are rewritten
into this shape here, so a client reads one format and never a traceback.

Status codes: 400 for a body that is not JSON; 404 for an unknown path; 405 for a known
path with a method it does not take; 413 for a body over the limit; 422 for a request
that is well formed JSON but that the API or the model rejects (a wrong type, a value out
of range, an unknown scenario, lever, stage or economy); 503 for a route whose optional
packages are missing; 500 only for a bug, with the details in the server log.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from buildrace.errors import BuildraceError

log = logging.getLogger("buildrace.web")

EXAMPLE_BODY = '{"scenario": "race", "policies": [], "draws": 1}'


class ErrorBody(BaseModel):
    """What every error answer holds."""

    error: str
    status: int
    field: str | None = None


class ApiError(Exception):
    """An error answered with ``status``, ``message`` and the ``field`` at fault."""

    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def error_response(status: int, message: str, field: str | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The JSON answer of one error."""
    return JSONResponse({"error": message, "status": status, "field": field}, status_code=status,
                        headers=dict(headers) if headers else None)


# An engine or scenario message starts with the path of the field at fault, optionally
# followed by the lever kind in brackets: "policies[1] (tariff).stages[0]: unknown stage".
_FIELD = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\])*(?:\.\w+(?:\[\d+\])*)*)(?: \((\w+)\))?((?:\.\w+(?:\[\d+\])*)*):")


def field_of(message: str) -> str | None:
    """The field path a message starts with (``policies[1].stages[0]``), or None."""
    m = _FIELD.match(message)
    return m.group(1) + m.group(3) if m else None


def _path(loc: tuple[Any, ...]) -> tuple[str, str | None]:
    """A pydantic location as a field path, and the lever kind named on the way (the tag
    pydantic adds after a policy's index)."""
    from buildrace.model.levers import LEVER_MODELS

    out = ""
    lever = None
    prev: Any = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(prev, int) and part in LEVER_MODELS and lever is None:
            lever = str(part)
        else:
            out += ("." if out else "") + str(part)
        prev = part
    return out, lever


def _model_fields(model: Any, names: list[str]) -> list[str] | None:
    """The fields of the model found by walking ``names`` down from ``model``."""
    for name in names:
        fields = getattr(model, "model_fields", None)
        if fields is None or name not in fields:
            return None
        model = fields[name].annotation
        for arg in getattr(model, "__args__", ()):  # Optional[Model]
            if hasattr(arg, "model_fields"):
                model = arg
    fields = getattr(model, "model_fields", None)
    return sorted(fields) if fields is not None else None


def _valid_fields(request: Request, where: str, parents: list[str]) -> list[str] | None:
    route = request.scope.get("route")
    if where == "query":
        params = list(getattr(getattr(route, "dependant", None), "query_params", []))
        models = [getattr(p.field_info, "annotation", None) for p in params]
        if len(models) == 1 and hasattr(models[0], "model_fields"):  # a query model
            return sorted(models[0].model_fields)  # type: ignore[union-attr]
        return sorted(p.alias for p in params)
    body = getattr(route, "body_field", None)
    model = getattr(getattr(body, "field_info", None), "annotation", None)
    return _model_fields(model, parents) if model is not None else None


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_message(request: Request, err: dict[str, Any]) -> tuple[int, str, str | None]:
    """Status, message and field of pydantic's first error on a request."""
    from buildrace.model.levers import LEVER_MODELS

    loc = tuple(err.get("loc", ()))
    kind = str(err.get("type", ""))
    where = str(loc[0]) if loc else "body"
    if kind == "json_invalid":
        detail = (err.get("ctx") or {}).get("error", "")
        pos = loc[1] if len(loc) > 1 else "?"
        if str(detail).startswith("refused: "):
            return 400, str(detail).removeprefix("refused: "), None
        return 400, (f"the body is not valid JSON ({detail} at character {pos}); send a JSON object such as"
                     f" {EXAMPLE_BODY}"), None
    field, lever = _path(loc[1:])
    hint = "; see GET /api/levers for each lever's fields and ranges" if lever or field.startswith(("policies", "a.policies", "b.policies")) else "; see /docs"
    if not field:
        if kind == "missing" and where == "body":
            return 422, f"the body is missing; send a JSON object such as {EXAMPLE_BODY}", None
        if kind in ("model_attributes_type", "dict_type", "model_type"):
            return 422, f"the body must be a JSON object such as {EXAMPLE_BODY}", None
        return 422, f"{err.get('msg', 'invalid request')}{hint}", None
    label = f"{field} ({lever})" if lever else field
    if kind == "union_tag_invalid":
        tag = (err.get("ctx") or {}).get("tag", "")
        return 422, f"{field}.lever: unknown lever {tag!r}; valid levers: {', '.join(sorted(LEVER_MODELS))}", f"{field}.lever"
    if kind == "union_tag_not_found":
        return 422, f"{field}: each policy needs a 'lever' key naming its kind (see GET /api/levers)", field
    if kind == "missing":
        what = f"add ?{field}=..." if where == "query" else "add it"
        return 422, f"{label}: missing; {what}{hint}", field
    if kind == "extra_forbidden":
        name = str(loc[-1])
        if lever:
            valid = sorted(LEVER_MODELS[lever].model_fields)
            return 422, f"{field}: {lever} has no field {name!r}; valid fields: {', '.join(valid)}", field
        parents = [str(p) for p in loc[1:-1] if not isinstance(p, int)]
        known = _valid_fields(request, where, parents)
        thing = "query parameter" if where == "query" else "field"
        valid_text = f"; valid: {', '.join(known) if known else 'none'}" if known is not None else hint
        return 422, f"unknown {thing} {field!r}{valid_text}", field
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind == "value_error":
        return 422, f"{label}: {msg}", field
    return 422, f"{label}: {msg} (got {_show(err.get('input'))}){hint}", field


def install(app: FastAPI) -> None:
    """Register the handlers that answer every error in the one JSON shape."""

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        status, message, field = validation_message(request, errors[0] if errors else {})
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
        return error_response(status, message, field)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        path = request.url.path
        if exc.status_code == 404:
            message = exc.detail if exc.detail != "Not Found" else f"no route {path!r}; the routes are listed at /docs"
            return error_response(404, str(message))
        if exc.status_code == 405:
            allow = (exc.headers or {}).get("Allow", "")
            return error_response(405, f"{path} does not take {request.method}; it takes {allow or 'other methods'}",
                                  headers=exc.headers)
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(ApiError)
    async def on_api(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.field)

    @app.exception_handler(BuildraceError)
    async def on_buildrace(request: Request, exc: BuildraceError) -> JSONResponse:
        return error_response(422, str(exc), field_of(str(exc)))


def internal_error(path: str) -> JSONResponse:
    """The answer to a bug: a fixed message; the traceback goes to the server log only."""
    log.exception("internal error while answering %s", path)
    return error_response(500, f"internal error while answering {path}; the server log has the details")


__all__ = ["ApiError", "ErrorBody", "error_response", "field_of", "install", "internal_error", "validation_message"]
