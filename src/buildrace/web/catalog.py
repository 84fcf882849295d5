"""The light routes' answers: scenarios, levers, stages, economies and the page's strings.

They read the package's own data (no simulation), so they are cached once computed.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from buildrace import api
from buildrace.web.schemas import LANGUAGES, scenario_names


@cache
def web_strings(lang: str) -> dict:
    """The dashboard's own strings (``web/locales/<lang>.yaml``)."""
    text = resources.files("buildrace.web").joinpath("locales", f"{lang}.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def scenarios() -> dict:
    """The built-in scenarios, each with its policies and the dashboard controls' values."""
    from buildrace.reports.i18n import scenario_description
    from buildrace.web.controls import control_defaults, lever_dict

    out = []
    for name in scenario_names():
        sc = api.load_scenario(name)
        out.append({
            "name": name,
            "description": " ".join(sc.description.split()),
            "description_vi": " ".join(scenario_description(sc.description, "vi").split()),
            "world": sc.world,
            "end_year": sc.end_year,
            "shocks": len(sc.shocks),
            "policies": [lever_dict(p) for p in sc.policies],
            "controls": control_defaults(sc),
        })
    return {"default": "race", "scenarios": out}


def levers() -> dict:
    """Every policy lever with its parameters, and the dashboard's controls in lever terms."""
    from buildrace.web.assumptions import assumption_controls
    from buildrace.web.controls import SIDES, controls

    return {"levers": api.levers(), "controls": controls(api.load_scenario("baseline")), "sides": list(SIDES),
            "assumptions": assumption_controls()}


def strings() -> dict:
    """Every user-facing string of the page in every language: ``report`` (the HTML
    report's locale) and ``ui`` (the dashboard's own)."""
    from buildrace.reports.i18n import load_locale

    return {
        "languages": list(LANGUAGES),
        **{lang: {"report": load_locale(lang).strings, "ui": web_strings(lang)} for lang in LANGUAGES},
    }


def stages(world: str) -> dict:
    """The stages of a world: chain, names (en, vi), units and inputs."""
    from buildrace.model.world import load_world

    w = load_world(world)
    inputs = w.inputs.groupby("consumer")["input"].apply(list).to_dict()
    return {"world": world, "stages": [
        {"stage": str(s), "chain": str(r["sector"]), "name": str(r["name"]),
         "name_vi": str(r.get("name_vi") or r["name"]), "unit": str(r["unit"]),
         "price_unit": str(r.get("price_unit") or f"USD/{r['unit']}"),
         "inputs": [str(x) for x in inputs.get(s, [])]}
        for s, r in w.stages.iterrows()
    ]}


def economies(world: str) -> dict:
    """The economies of a world: names (en, vi) and their sites."""
    from buildrace.model.world import load_world

    w = load_world(world)
    sites: dict[str, list[str]] = {}
    for site, economy in w.sites["economy"].items():
        sites.setdefault(str(economy), []).append(str(site))
    return {"world": world, "economies": [
        {"economy": str(e), "name": str(r["name"]), "name_vi": str(r.get("name_vi") or r["name"]),
         "sites": sites.get(str(e), [])}
        for e, r in w.economies.iterrows()
    ]}


__all__ = ["economies", "levers", "scenarios", "stages", "strings", "web_strings"]
