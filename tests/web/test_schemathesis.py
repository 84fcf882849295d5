"""schemathesis against the application's own ``/openapi.json``: every route, a few
hundred generated requests (valid and invalid), no server error and every answer as
the description says (status code, content type, body schema).

The limits in the description are tightened for the run (fewer draws, a shorter
horizon, fewer policies and players) so the heavy routes stay a second or less per
request; the application's own limits are checked by ``test_api.py``.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="needs the test extra (schemathesis)")
pytest.importorskip("fastapi")

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from buildrace.web.app import create_app  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
TIGHT = {
    ("RaceRequest", "draws"): {"maximum": 2},
    ("ReportRequest", "draws"): {"maximum": 1},
    ("ExplainRequest", "draws"): {"maximum": 1},
    ("ExplainRequest", "max_players"): {"maximum": 2},
    ("CompareRequest", "draws"): {"maximum": 1},
}
"""(model, field) -> the bounds used in this run instead of the application's."""
TIGHT_LISTS = 2
"""Policies and remove patterns per request in this run."""
TIGHT_QUERY = {("/api/backtest", "draws"): {"maximum": 2}, ("/api/backtest", "base_year"): {"maximum": 2018},
               ("/api/site", "k"): {"maximum": 2}}
END_YEAR_MAX = 2030


def _tighten(raw: dict) -> None:
    models = raw.get("components", {}).get("schemas", {})
    for (model, field), bounds in TIGHT.items():
        models[model]["properties"][field].update(bounds)
    for name in ("ScenarioSpec", "RaceRequest", "ReportRequest", "ExplainRequest"):
        props = models[name]["properties"]
        props["policies"]["maxItems"] = TIGHT_LISTS
        props["remove"]["maxItems"] = TIGHT_LISTS
        for option in props["end_year"].get("anyOf", []):
            if option.get("type") == "integer":
                option["maximum"] = END_YEAR_MAX
    for (path, name), bounds in TIGHT_QUERY.items():
        for param in raw["paths"][path]["get"]["parameters"]:
            if param["name"] == name:
                param["schema"].update(bounds)


@schemathesis.hook
def before_load_schema(context, raw_schema):
    _tighten(raw_schema)


APP = create_app()
CALLS: list[str] = []
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
COMMON = dict(deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))


def _conform(routes: dict, examples: int, boundaries: bool = True):
    """A test of the operations ``routes`` selects: ``examples`` generated requests each
    and, with ``boundaries``, schemathesis' coverage phase (every boundary and wrong type
    of every field: hundreds of requests, nearly all answered 422 at once)."""
    phases = [Phase.explicit, Phase.generate] if boundaries else [Phase.generate]

    @schema.include(**routes).parametrize()
    @settings(max_examples=examples, phases=phases, **COMMON)
    def test(case):
        CALLS.append(case.operation.label)
        case.call_and_validate(checks=CHECKS)

    return test


# examples per route: many for the light ones, fewer where each valid request simulates
test_catalog_routes = _conform({"path_regex": r"^/api/(scenarios|levers|strings|stages|economies)$"}, 40)
test_race = _conform({"path": "/api/race"}, 16)
# the other simulation routes share the race's request models: generated requests only
test_race_csv = _conform({"path": "/api/race.csv"}, 10, boundaries=False)
# a report takes seconds (its figures are drawn by matplotlib): a few requests
test_report = _conform({"path": "/api/report.html"}, 3, boundaries=False)
test_compare = _conform({"path": "/api/compare"}, 20, boundaries=False)
test_explain = _conform({"path": "/api/explain"}, 20, boundaries=False)
test_site = _conform({"path": "/api/site"}, 10)
test_backtest = _conform({"path": "/api/backtest"}, 8)


def test_zz_examples_ran():
    """The run above made a few hundred requests over every route (this test runs last)."""
    import collections

    counts = collections.Counter(CALLS)
    if len(counts) < 12:
        pytest.skip("counts the requests of the whole module; run it whole")
    assert len(counts) == 12 and sum(counts.values()) >= 200
