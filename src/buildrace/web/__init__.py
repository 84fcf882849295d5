"""The web face of buildrace: an HTTP API on FastAPI and a dashboard.

:mod:`~buildrace.web.app` makes the application; :mod:`~buildrace.web.routes` holds the
typed routes, :mod:`~buildrace.web.schemas` their requests, answers and limits, and
:mod:`~buildrace.web.errors` the one JSON shape of every error;
:mod:`~buildrace.web.transport` bounds bodies and refuses non-finite JSON numbers;
:mod:`~buildrace.web.cache` shares identical computations. The answers come from
:mod:`~buildrace.web.catalog` (scenarios, levers, stages, economies, strings),
:mod:`~buildrace.web.runs` (race, compare, explain, CSV, report, backtest, over
:mod:`buildrace.api`) and :mod:`~buildrace.web.site`; :mod:`~buildrace.web.scenarios`
builds a request's scenario, :mod:`~buildrace.web.series` shapes the charts' series,
:mod:`~buildrace.web.controls` states the dashboard's controls in lever terms and
:mod:`~buildrace.web.assumptions` its uncertain parameters. The page itself
(``static/``) is plain HTML, CSS and JavaScript that loads nothing from the network.
Start it with ``buildrace serve`` or ``uvicorn.run(buildrace.web.create_app())``;
importing this package starts nothing and imports no web framework.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # create_app on first use only: FastAPI is an optional extra, and the other modules
    # of this package must import without it
    if name == "create_app":
        from buildrace.web.app import create_app

        return create_app
    raise AttributeError(f"module 'buildrace.web' has no attribute {name!r}")


__all__ = ["create_app"]
