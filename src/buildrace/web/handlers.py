"""The routes of the dashboard's HTTP API: parse, call one buildrace function, render JSON.

Each route is a pair: ``parse_*`` turns the query or body into a frozen request (or
raises :class:`HttpError` / :class:`buildrace.errors.InputError` with a message that
names the field and the fix) and ``run_*`` makes the one call and shapes the JSON. The
request's ``key`` lets the server cache identical requests, since runs are deterministic.

Status codes: 400 when the request itself is malformed (not JSON, a field of the wrong
type or out of the request's range, an unknown field); 422 when it is well formed but
the model rejects it (an unknown scenario, lever, stage or economy, a lever value out of
range, a scenario with no shock).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from buildrace.errors import InputError

MAX_DRAWS = 200
MAX_POLICIES = 64
MAX_SITES = 10
RACE_FIELDS = ("scenario", "policies", "remove", "draws", "seed")
LANGUAGES = ("en", "vi")


class HttpError(Exception):
    """An error answered as ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# --- small shared pieces -----------------------------------------------------------


@cache
def scenario_names() -> tuple[str, ...]:
    """The built-in scenarios (the web API never reads scenario files from disk)."""
    from buildrace.io.scenario_file import builtin_names

    return builtin_names()


@cache
def web_strings(lang: str) -> dict:
    """The dashboard's own strings (``web/locales/<lang>.yaml``)."""
    text = resources.files("buildrace.web").joinpath("locales", f"{lang}.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _lang(query: Mapping[str, str]) -> str:
    lang = query.get("lang", "en")
    if lang not in LANGUAGES:
        raise HttpError(400, f"lang: unknown language {lang!r}; use one of: {', '.join(LANGUAGES)}")
    return lang


def check_query(query: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    """Reject query parameters the route does not take."""
    extra = sorted(set(query) - set(allowed))
    if extra:
        valid = ", ".join(allowed) if allowed else "none"
        raise HttpError(400, f"unknown query parameter {extra[0]!r}; this route takes: {valid}")


# --- GET /api/scenarios, /api/levers, /api/strings ---------------------------------


def run_scenarios() -> dict:
    """The built-in scenarios, each with its policies and the dashboard controls' values."""
    from buildrace import api
    from buildrace.web.controls import control_defaults, lever_dict

    out = []
    for name in scenario_names():
        sc = api.load_scenario(name)
        out.append({
            "name": name,
            "description": " ".join(sc.description.split()),
            "world": sc.world,
            "end_year": sc.end_year,
            "shocks": len(sc.shocks),
            "policies": [lever_dict(p) for p in sc.policies],
            "controls": control_defaults(sc),
        })
    return {"default": "race", "scenarios": out}


def run_levers() -> dict:
    """Every policy lever with its parameters, and the dashboard's controls in lever terms."""
    from buildrace import api
    from buildrace.web.controls import controls

    return {"levers": api.levers(), "controls": controls(api.load_scenario("baseline"))}


def run_strings() -> dict:
    """Every user-facing string of the page in every language: ``report`` (the HTML
    report's locale) and ``ui`` (the dashboard's own)."""
    from buildrace.reports.i18n import load_locale

    return {
        "languages": list(LANGUAGES),
        **{lang: {"report": load_locale(lang).strings, "ui": web_strings(lang)} for lang in LANGUAGES},
    }


# --- POST /api/race -----------------------------------------------------------------


@dataclass(frozen=True)
class RaceRequest:
    scenario: str
    policies: tuple[Any, ...]
    remove: tuple[Any, ...]
    draws: int
    seed: int | None

    @property
    def key(self) -> str:
        return json.dumps(
            [self.scenario, list(self.policies), list(self.remove), self.draws, self.seed],
            sort_keys=True, separators=(",", ":"),
        )


def _int_field(body: Mapping, name: str, default: int | None, lo: int, hi: int, hint: str) -> int | None:
    value = body.get(name, default)
    if value is None and default is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise HttpError(400, f"{name}: must be a whole number from {lo} to {hi:,} (got {json.dumps(value)}){hint}")
    if not lo <= value <= hi:
        raise HttpError(400, f"{name}: {value} is out of range; give a whole number from {lo} to {hi:,}{hint}")
    return value


def parse_race(body: Any) -> RaceRequest:
    """Check the body of ``POST /api/race``."""
    if not isinstance(body, dict):
        raise HttpError(400, 'the body must be a JSON object such as {"scenario": "race", "policies": [], "draws": 1}')
    unknown = sorted(set(body) - set(RACE_FIELDS))
    if unknown:
        raise HttpError(400, f"unknown field {unknown[0]!r}; valid fields: {', '.join(RACE_FIELDS)}")
    scenario = body.get("scenario", "race")
    if not isinstance(scenario, str):
        raise HttpError(400, f"scenario: give a scenario name as a string, one of: {', '.join(scenario_names())}")
    if scenario not in scenario_names():
        raise HttpError(422, f"scenario: unknown scenario {scenario!r}; choose one of: {', '.join(scenario_names())} (GET /api/scenarios)")
    lists = {}
    for name in ("policies", "remove"):
        value = body.get(name, [])
        if not isinstance(value, list):
            raise HttpError(400, f"{name}: must be a list (got {type(value).__name__}); use [] for none")
        if len(value) > MAX_POLICIES:
            raise HttpError(400, f"{name}: {len(value)} entries; give at most {MAX_POLICIES}")
        lists[name] = tuple(value)
    for i, p in enumerate(lists["policies"]):
        if not isinstance(p, dict):
            raise HttpError(400, f'policies[{i}]: each policy must be an object such as {{"lever": "tariff", ...}} (see GET /api/levers)')
    draws = _int_field(body, "draws", 1, 1, MAX_DRAWS, "; more draws give the 5-95% band but take longer") or 1
    seed = _int_field(body, "seed", None, 0, 2**32 - 1, "")
    return RaceRequest(scenario=scenario, policies=lists["policies"], remove=lists["remove"], draws=draws, seed=seed)


def _validation_message(exc: ValidationError, where: str) -> str:
    from buildrace.model.levers import LEVER_MODELS

    err = exc.errors()[0]
    loc = [str(x) for x in err["loc"]]
    lever, path = (loc[0], loc[1:]) if loc else ("", [])
    field = where + "".join(f".{p}" for p in path)
    kind = err["type"]
    if kind == "union_tag_invalid":
        return f"{where}.lever: unknown lever {err['input'].get('lever')!r}; valid levers: {', '.join(sorted(LEVER_MODELS))}"
    if kind == "union_tag_not_found":
        return f"{where}: each policy needs a 'lever' key naming its kind (see GET /api/levers)"
    if kind == "extra_forbidden":
        fields = sorted(f for f in LEVER_MODELS[lever].model_fields) if lever in LEVER_MODELS else []
        return f"{field}: {lever} has no field {path[-1]!r}; valid fields: {', '.join(fields)}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    got = "" if kind == "missing" else f" (got {json.dumps(err.get('input'), default=str)})"
    if kind == "missing":
        msg = "missing; add it"
    return f"{field} ({lever}): {msg}{got}; see GET /api/levers for each lever's fields and ranges"


_POLICY_INDEX = re.compile(r"^policies\[(\d+)\]")


def build_scenario(req: RaceRequest):
    """The request's scenario: the built-in one, less the ``remove`` matches, plus ``policies``."""
    from buildrace import api
    from buildrace.web.controls import check_pattern, remove_matching

    patterns = [check_pattern(p, f"remove[{i}]") for i, p in enumerate(req.remove)]
    sc, removed = remove_matching(api.load_scenario(req.scenario), patterns)
    base = len(sc.policies)
    from pydantic import TypeAdapter

    from buildrace.model.levers import Lever

    adapter: TypeAdapter = TypeAdapter(Lever)
    for i, policy in enumerate(req.policies):
        try:
            lever = adapter.validate_python(dict(policy))
        except ValidationError as exc:
            raise InputError(_validation_message(exc, f"policies[{i}]")) from None
        sc = sc.with_policies([lever])
    return sc, base, removed


def _request_message(message: str, base: int, scenario: str) -> str:
    """Point an engine message at the request's own ``policies[i]`` (or at the scenario)."""
    m = _POLICY_INDEX.match(message)
    if not m:
        return message
    k = int(m.group(1))
    if k >= base:
        return f"policies[{k - base}]" + message[m.end():]
    return f"scenario {scenario!r}: " + message


def run_race(req: RaceRequest) -> dict:
    """Run the request's scenario beside its counterfactual: the summary and the series."""
    from buildrace import api
    from buildrace.web.series import economy_table, race_series, stage_table

    sc, base, removed = build_scenario(req)
    if not sc.shocks:
        raise InputError(
            f"scenario {req.scenario!r} has no shock once your changes are applied: turn on the decoupling"
            " (a lever 'decoupling') or China's rare-earth export control (an 'export_control' with shock: true)"
        )
    try:
        result = api.race(sc, draws=req.draws, seed=req.seed)
    except InputError as exc:
        raise InputError(_request_message(str(exc), base, req.scenario)) from None
    summary = result.summary
    importer = next(iter(summary["substitution_years"]))
    exporter = next(iter(summary["redirection_years"]))
    stages = stage_table(sc.world)
    return {
        "request": {"scenario": req.scenario, "policies": list(req.policies), "remove": list(req.remove),
                    "draws": req.draws, "seed": req.seed},
        "policies_removed": removed,
        "policies_added": len(req.policies),
        "importer": importer,
        "exporter": exporter,
        "summary": summary,
        "series": race_series(result.results, result.counterfactual, importer, exporter, stages),
        "stage_info": stages,
        "economy_info": economy_table(sc.world),
    }


# --- GET /api/site ------------------------------------------------------------------


@dataclass(frozen=True)
class SiteRequest:
    chain: str
    k: int
    lang: str

    @property
    def key(self) -> str:
        return f"{self.chain}|{self.k}|{self.lang}"


def parse_site(query: Mapping[str, str]) -> SiteRequest:
    """Check the query of ``GET /api/site``."""
    check_query(query, ("chain", "k", "lang"))
    from buildrace.siting.chains import CHAINS

    chains = ", ".join(sorted(CHAINS))
    chain = query.get("chain")
    if not chain:
        raise HttpError(400, f"chain: missing; add ?chain=li_ion_battery (one of: {chains})")
    if chain not in CHAINS:
        raise HttpError(422, f"chain: unknown chain {chain!r}; choose one of: {chains}")
    k_text = query.get("k", "5")
    if not k_text.isdigit() or not 1 <= int(k_text) <= MAX_SITES:
        raise HttpError(400, f"k: give a whole number of sites from 1 to {MAX_SITES} (got {k_text!r})")
    return SiteRequest(chain=chain, k=int(k_text), lang=_lang(query))


def standalone_map(values: dict[str, float], title: str, marked: dict[str, str]) -> str:
    """The siting choropleth as one SVG that carries its own state outlines."""
    from buildrace.siting.map import choropleth_svg, outline_defs

    defs = outline_defs()
    inner = defs[defs.index("<defs>"): defs.index("</defs>") + len("</defs>")]
    svg = choropleth_svg(values, title, marked)
    cut = svg.index(">") + 1
    return svg[:cut] + inner + svg[cut:]


def run_site(req: SiteRequest) -> dict:
    """Score the states for a chain and choose designations; the ranks and the map."""
    try:
        from buildrace.siting import site_clusters
    except ImportError as exc:  # the MILP solver is an optional extra
        raise HttpError(503, f"siting needs the optional packages of the 'siting' extra ({exc.name} is missing);"
                        " install them with: pip install 'buildrace[siting]'") from None
    result = site_clusters(req.chain, k=req.k, simulate=False)
    ui = web_strings(req.lang)
    chain_name = ui["chains"].get(req.chain, req.chain)
    marked = {}
    for x in result.designation.designations:
        tag = "+".join("U" if r.value == "upstream" else "M" for r in x.roles)
        marked[x.site] = f"{x.site.split(':')[-1]} {tag}"
    title = ui["site_map_title"].format(chain=chain_name)
    names = {s.site: s.name for s in result.sites}
    d = result.designation
    return {
        "chain": req.chain,
        "k": req.k,
        "status": d.status.value,
        "objective": round(d.objective, 4),
        "total_cost_musd": round(d.total_cost_musd, 1),
        "budget_musd": result.budget_musd,
        "within_miles": result.within_miles,
        "designations": [
            {"site": x.site, "name": names.get(x.site, x.site), "roles": [r.value for r in x.roles],
             "cost_musd": round(x.cost_musd, 1)}
            for x in d.designations
        ],
        "sites": [
            {"rank": s.rank, "site": s.site, "name": s.name, "composite": round(s.composite, 4),
             "upstream": round(s.score_upstream, 4), "manufacturing": round(s.score_manufacturing, 4)}
            for s in result.sites
        ],
        "levers": [lv.to_policy() for lv in result.levers],
        "map_svg": standalone_map({s.site: s.composite for s in result.sites}, title, marked),
    }


__all__ = [
    "HttpError",
    "RaceRequest",
    "SiteRequest",
    "build_scenario",
    "check_query",
    "parse_race",
    "parse_site",
    "run_levers",
    "run_race",
    "run_scenarios",
    "run_site",
    "run_strings",
]
