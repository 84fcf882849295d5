"""The web face of buildrace: an HTTP API and a dashboard, on the standard library only.

:mod:`~buildrace.web.server` routes requests and holds the limits, the JSON errors and
the response cache; :mod:`~buildrace.web.handlers` parses each route and calls one
buildrace function; :mod:`~buildrace.web.series` shapes results into the charts' series;
:mod:`~buildrace.web.controls` states the dashboard's controls in lever terms. The page
itself (``static/``) is plain HTML, CSS and JavaScript that loads nothing from the
network. Start it with ``buildrace serve`` or :func:`buildrace.web.server.make_server`.
Importing this package starts nothing.
"""

from __future__ import annotations

__all__: list[str] = []
