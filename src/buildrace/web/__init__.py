"""The web face of buildrace: an HTTP API on FastAPI and a dashboard.

:mod:`~buildrace.web.app` makes the application; :mod:`~buildrace.web.routes` holds the
typed routes, :mod:`~buildrace.web.schemas` their requests, answers and limits, and
:mod:`~buildrace.web.errors` the one JSON shape of every error;
:mod:`~buildrace.web.transport` bounds bodies and refuses non-finite JSON numbers;
:mod:`~buildrace.web.cache` shares identical computations. The answers come from
:mod:`~buildrace.web.catalog` (scenarios, levers, stages, economies, strings),
:mod:`~buildrace.web.runs` (race, compare, explain, CSV, backtest, over
:mod:`buildrace.api`) and :mod:`~buildrace.web.site`; :mod:`~buildrace.web.scenarios`
builds a request's scenario, :mod:`~buildrace.web.series` shapes the charts' series and
:mod:`~buildrace.web.controls` states the dashboard's controls in lever terms. The page
itself (``static/``) is plain HTML, CSS and JavaScript that loads nothing from the
network. Start it with ``buildrace serve``; importing this package starts nothing.
"""

from __future__ import annotations

__all__: list[str] = []
