"""The dashboard's policy controls, in lever terms.

Each control is a small record: which of a scenario's own levers it replaces (``remove``
patterns) and which lever dicts it appends (``add`` templates, where the string
``"{value}"`` stands for the control's value and ``"{start}"`` for the page's
*Policies start in* year). The page applies a control only when
its value differs from the scenario's own setting (:func:`control_defaults`), so an
untouched dashboard runs the scenario exactly as written.

A remove pattern is a mapping ``field -> value``; a policy matches when every field
matches: equal values, or, for a list field of the policy (``stages``, ``members``), a
scalar pattern value that the list contains. A bare string is short for
``{"lever": NAME}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from buildrace.errors import InputError
from buildrace.model.levers import LEVER_MODELS
from buildrace.model.scenario import Scenario

POLICY_START = 2026
"""Default first year of the levers the controls add (the year the default race's shock
starts); the page's *Policies start in* setting replaces ``"{start}"`` in the templates."""

DECOUPLED_CHAINS = ["li_ion_battery", "solar_pv", "ndfeb_magnet", "ev"]
ALLIES = ["US", "JP", "KR", "EU"]
FUND_CHAINS = ["li_ion_battery", "ndfeb_magnet", "solar_pv"]
STOCKPILE_STAGES = [
    "li_ion_battery.refine_lithium", "li_ion_battery.process_graphite", "ndfeb_magnet.separation_ndpr_oxide",
    "ndfeb_magnet.separation_heavy_re_oxide", "ndfeb_magnet.metal_alloy", "ndfeb_magnet.magnet_sintered",
]
"""Refined minerals and magnets: what a strategic stockpile holds."""
GRAPHITE_STAGES = ["li_ion_battery.process_graphite", "li_ion_battery.anode_graphite"]
SIDES = ("US", "CN", "allies")
"""The groups of the lever panel, in order."""

_TARIFF_MATCH = {"lever": "tariff", "importer": "US", "exporter": "CN", "stages": "solar_pv.module"}
_RARE_EARTH_MATCH = {"lever": "export_control", "exporter": "CN", "stages": "ndfeb_magnet", "shock": True}
_GRAPHITE_MATCH = {"lever": "export_control", "exporter": "CN", "stages": "li_ion_battery.process_graphite"}
_ALLIED_CREDIT_MATCHES = [{"lever": "production_credit", "economy": e} for e in ("EU", "JP", "KR")]


def lever_dict(policy: Any) -> dict:
    """A policy as the JSON-ready dict a scenario file would hold."""
    return policy.model_dump(mode="json", exclude_defaults=True) | {"lever": policy.lever}


def _field_names() -> dict[str, set[str]]:
    return {name: set(model.model_fields) for name, model in LEVER_MODELS.items()}


def check_pattern(pattern: Any, where: str) -> dict:
    """Validate one remove pattern; return it as a dict. Raises InputError saying how to fix it."""
    if isinstance(pattern, str):
        pattern = {"lever": pattern}
    if not isinstance(pattern, Mapping):
        raise InputError(f"{where}: give a lever name or an object such as {{\"lever\": \"tariff\", \"importer\": \"US\"}}")
    lever = pattern.get("lever")
    fields = _field_names()
    if lever not in fields:
        raise InputError(f"{where}.lever: unknown lever {lever!r}; valid levers: {', '.join(sorted(fields))}")
    unknown = sorted(set(pattern) - fields[lever])
    if unknown:
        raise InputError(
            f"{where}: {lever} has no field {unknown[0]!r}; valid fields: {', '.join(sorted(fields[lever]))}"
        )
    return dict(pattern)


def matches(policy: Mapping[str, Any], pattern: Mapping[str, Any]) -> bool:
    """True if ``policy`` (a lever dict) matches every field of ``pattern``."""
    for key, want in pattern.items():
        have = policy.get(key)
        if isinstance(have, list) and not isinstance(want, list):
            if want not in have:
                return False
        elif have != want:
            return False
    return True


def remove_matching(scenario: Scenario, patterns: Sequence[Mapping[str, Any]]) -> tuple[Scenario, int]:
    """The scenario without the policies that match any pattern, and how many were removed."""
    if not patterns:
        return scenario, 0
    full = [p.model_dump(mode="json") for p in scenario.policies]
    kept = tuple(p for p, d in zip(scenario.policies, full, strict=True) if not any(matches(d, pat) for pat in patterns))
    return scenario.model_copy(update={"policies": kept}), len(scenario.policies) - len(kept)


def _policies(sc: Scenario, pattern: Mapping[str, Any]) -> list[dict]:
    return [d for d in (p.model_dump(mode="json") for p in sc.policies) if matches(d, pattern)]


def _max(sc: Scenario, pattern: Mapping[str, Any], field: str, default: Any = 0.0) -> Any:
    return max((d[field] for d in _policies(sc, pattern) if d.get(field) is not None), default=default)


def control_defaults(sc: Scenario) -> dict[str, Any]:
    """The value of each control that reproduces the scenario as written."""
    dec = _policies(sc, {"lever": "decoupling", "importer": "US", "exporter": "CN"})
    lanes = [d for d in _policies(sc, {"lever": "green_lane", "economy": "US"}) if not d["stages"] and not d["sites"]]
    champion = _policies(sc, {"lever": "national_champion", "economy": "US"})
    cluster = _policies(sc, {"lever": "designate_cluster", "economy": "US"})
    ban = _policies(sc, {"lever": "import_ban", "importer": "US", "exporter": "CN"})
    allied = [d for pat in _ALLIED_CREDIT_MATCHES for d in _policies(sc, pat) if d.get("share_of_cost") is not None]
    return {
        "decoupling": min(d["start"] for d in dec) if dec else None,
        "credits_45x": bool(_policies(sc, {"lever": "production_credit", "economy": "US"})),
        "solar_tariff": _max(sc, _TARIFF_MATCH, "rate"),
        "green_lane": max((d["permit_cut"] for d in lanes), default=0.0),
        "sovereign_fund": sum(d["budget_musd_per_year"] for d in _policies(sc, {"lever": "sovereign_fund", "economy": "US"})),
        "allied_pooling": bool(_policies(sc, {"lever": "allied_pooling", "members": "US"})),
        "rare_earth_control": bool(_policies(sc, _RARE_EARTH_MATCH)),
        "investment_credit": _max(sc, {"lever": "investment_credit", "economy": "US", "end": None}, "share"),
        "local_content": _max(sc, {"lever": "local_content", "market": "US"}, "share"),
        "rules_of_origin": bool(_policies(sc, {"lever": "rules_of_origin", "importer": "US"})),
        "workforce": _max(sc, {"lever": "workforce", "economy": "US"}, "labour_growth"),
        "stockpile": _max(sc, {"lever": "stockpile", "economy": "US"}, "months"),
        "graphite_control": min((d["cap"] for d in _policies(sc, _GRAPHITE_MATCH)), default=1.0),
        "cn_credits": _max(sc, {"lever": "production_credit", "economy": "CN"}, "share_of_cost"),
        "allied_credits": max((d["share_of_cost"] for d in allied), default=0.0),
        "national_champion": champion[0]["chain"] if champion else None,
        "designate_cluster": cluster[0]["sites"][0] if cluster else None,
        "import_ban": ban[0]["stages"][0] if ban else None,
    }


def _choices(values: Sequence[str], names: Mapping[str, str] | None = None) -> list[dict]:
    return [{"value": v} | ({"name": names[v]} if names and v in names else {}) for v in values]


def controls(reference: Scenario) -> list[dict]:
    """The dashboard's controls; ``reference`` (the ``baseline`` scenario) supplies the
    enacted 45X credits that the 45X control restores where a scenario lacks them, and
    its world the stages and US sites of the advanced controls.

    Each control has an ``id``, a ``type`` (``year``, ``toggle``, ``range`` or
    ``choice``), the ``side`` whose policy it is (``US``, ``CN``, ``allies``), whether it
    sits in the ``advanced`` drawer, named ``settings`` (value -> a string key of the
    page's catalogue) and ``off``, the value that adds nothing (the scenario's levers
    are still removed).
    """
    from buildrace.model.world import load_world

    world = load_world(reference.world)
    us = world.sites[world.sites["economy"] == "US"]
    us_sites = sorted((str(s) for s in us.index), key=lambda s: str(us.loc[s, "name"]))
    site_names = {str(s): str(n) for s, n in us["name"].items()}
    stages = [str(s) for s in world.stages.index]
    credits = [lever_dict(p) for p in reference.policies if p.lever == "production_credit" and getattr(p, "economy", "") == "US"]
    start = "{start}"
    out = [
        {
            "id": "decoupling", "side": "US", "type": "year", "min": 2025, "max": 2040, "step": 1, "off": None,
            "settings": [{"value": 2026, "name": "shock_default"}],
            "remove": [{"lever": "decoupling"}],
            "add": [{"lever": "decoupling", "importer": "US", "exporter": "CN", "start": "{value}", "stages": DECOUPLED_CHAINS}],
        },
        {
            "id": "credits_45x", "side": "US", "type": "toggle", "off": False,
            "remove": [{"lever": "production_credit", "economy": "US"}],
            "add": credits,
        },
        {
            "id": "investment_credit", "side": "US", "type": "range", "min": 0.0, "max": 0.5, "step": 0.05,
            "display_scale": 100, "unit": "%", "off": 0.0,
            "settings": [{"value": 0.0, "name": "none"}, {"value": 0.3, "name": "enacted_rate"}, {"value": 0.5, "name": "high"}],
            "remove": [{"lever": "investment_credit", "economy": "US", "end": None}],
            "add": [{"lever": "investment_credit", "economy": "US", "start": start, "share": "{value}", "stages": FUND_CHAINS}],
        },
        {
            "id": "solar_tariff", "side": "US", "type": "range", "min": 0.0, "max": 2.5, "step": 0.05, "display_scale": 100,
            "unit": "%", "off": 0.0,
            "settings": [{"value": 0.0, "name": "none"}, {"value": 0.5, "name": "enacted"}, {"value": 2.5, "name": "prohibitive"}],
            "remove": [_TARIFF_MATCH],
            "add": [{"lever": "tariff", "importer": "US", "exporter": "CN", "start": 2024, "rate": "{value}",
                     "stages": ["solar_pv.cell", "solar_pv.module"]}],
        },
        {
            "id": "local_content", "side": "US", "type": "range", "min": 0.0, "max": 0.6, "step": 0.05, "display_scale": 100,
            "unit": "%", "off": 0.0,
            "settings": [{"value": 0.0, "name": "none"}, {"value": 0.2, "name": "moderate"}, {"value": 0.5, "name": "high"}],
            "remove": [{"lever": "local_content", "market": "US"}],
            "add": [{"lever": "local_content", "market": "US", "start": start, "share": "{value}", "stages": FUND_CHAINS}],
        },
        {
            "id": "rules_of_origin", "side": "US", "type": "toggle", "off": False,
            "remove": [{"lever": "rules_of_origin", "importer": "US"}],
            "add": [{"lever": "rules_of_origin", "importer": "US", "start": start, "stages": DECOUPLED_CHAINS,
                     "foreign_entities": ["CN"], "max_content": 0.25}],
        },
        {
            "id": "green_lane", "side": "US", "type": "range", "min": 0.0, "max": 0.9, "step": 0.05, "display_scale": 100,
            "unit": "%", "off": 0.0,
            "settings": [{"value": 0.0, "name": "none"}, {"value": 0.5, "name": "moderate"}, {"value": 0.9, "name": "high"}],
            "remove": [{"lever": "green_lane", "economy": "US"}],
            "add": [{"lever": "green_lane", "economy": "US", "start": start, "permit_cut": "{value}"}],
        },
        {
            "id": "sovereign_fund", "side": "US", "type": "range", "min": 0, "max": 50000, "step": 2500, "display_scale": 0.001,
            "unit": "bn USD/yr", "off": 0,
            "settings": [{"value": 0, "name": "none"}, {"value": 10000, "name": "moderate"}, {"value": 50000, "name": "high"}],
            "remove": [{"lever": "sovereign_fund", "economy": "US"}],
            "add": [{"lever": "sovereign_fund", "economy": "US", "start": start, "end": 2040,
                     "budget_musd_per_year": "{value}", "chains": FUND_CHAINS, "hurdle_rate": 0.03, "equity_share": 0.5}],
        },
        {
            "id": "workforce", "side": "US", "type": "range", "min": 0.0, "max": 1.0, "step": 0.05, "display_scale": 100,
            "unit": "%", "off": 0.0,
            "settings": [{"value": 0.0, "name": "none"}, {"value": 0.3, "name": "moderate"}, {"value": 0.6, "name": "high"}],
            "remove": [{"lever": "workforce", "economy": "US"}],
            "add": [{"lever": "workforce", "economy": "US", "start": start, "labour_growth": "{value}"}],
        },
        {
            "id": "stockpile", "side": "US", "type": "range", "min": 0, "max": 12, "step": 1, "display_scale": 1,
            "unit": "months", "off": 0,
            "settings": [{"value": 0, "name": "none"}, {"value": 3, "name": "moderate"}, {"value": 12, "name": "high"}],
            "remove": [{"lever": "stockpile", "economy": "US"}],
            "add": [{"lever": "stockpile", "economy": "US", "start": 2024, "months": "{value}", "stages": STOCKPILE_STAGES}],
        },
        {
            "id": "rare_earth_control", "side": "CN", "type": "toggle", "off": False,
            "remove": [_RARE_EARTH_MATCH],
            "add": [{"lever": "export_control", "exporter": "CN", "start": start, "stages": ["ndfeb_magnet"],
                     "targets": ALLIES, "cap": 0.0, "shock": True}],
        },
        {
            "id": "graphite_control", "side": "CN", "type": "range", "min": 0.0, "max": 1.0, "step": 0.05,
            "display_scale": 100, "unit": "%", "off": 1.0,
            "settings": [{"value": 1.0, "name": "none"}, {"value": 0.9, "name": "enacted"}, {"value": 0.5, "name": "halved"},
                         {"value": 0.0, "name": "ban"}],
            "remove": [_GRAPHITE_MATCH],
            "add": [{"lever": "export_control", "exporter": "CN", "start": 2024, "stages": GRAPHITE_STAGES, "cap": "{value}"}],
        },
        {
            "id": "cn_credits", "side": "CN", "type": "range", "min": 0.0, "max": 0.3, "step": 0.05, "display_scale": 100,
            "unit": "%", "off": 0.0,
            "settings": [{"value": 0.0, "name": "none"}, {"value": 0.1, "name": "moderate"}, {"value": 0.3, "name": "high"}],
            "remove": [{"lever": "production_credit", "economy": "CN"}],
            "add": [{"lever": "production_credit", "economy": "CN", "start": start, "share_of_cost": "{value}",
                     "stages": FUND_CHAINS}],
        },
        {
            "id": "allied_pooling", "side": "allies", "type": "toggle", "off": False,
            "remove": [{"lever": "allied_pooling"}],
            "add": [{"lever": "allied_pooling", "members": ALLIES, "start": start, "delay_years": 2, "cost_premium": 0.05}],
        },
        {
            "id": "allied_credits", "side": "allies", "type": "range", "min": 0.0, "max": 0.3, "step": 0.05,
            "display_scale": 100, "unit": "%", "off": 0.0,
            "settings": [{"value": 0.0, "name": "none"}, {"value": 0.1, "name": "moderate"}, {"value": 0.3, "name": "high"}],
            "remove": _ALLIED_CREDIT_MATCHES,
            "add": [{"lever": "production_credit", "economy": e, "start": start, "share_of_cost": "{value}",
                     "stages": FUND_CHAINS} for e in ("EU", "JP", "KR")],
        },
        {
            "id": "national_champion", "side": "US", "advanced": True, "type": "choice", "off": None,
            "options": _choices(["li_ion_battery", "solar_pv", "ndfeb_magnet"]), "option_names": "chains",
            "remove": [{"lever": "national_champion", "economy": "US"}],
            "add": [{"lever": "national_champion", "economy": "US", "start": start, "chain": "{value}"}],
        },
        {
            "id": "designate_cluster", "side": "US", "advanced": True, "type": "choice", "off": None,
            "options": _choices(us_sites, site_names), "option_names": "sites",
            "remove": [{"lever": "designate_cluster", "economy": "US"}],
            "add": [{"lever": "designate_cluster", "economy": "US", "start": start, "sites": ["{value}"],
                     "chains": FUND_CHAINS}],
        },
        {
            "id": "import_ban", "side": "US", "advanced": True, "type": "choice", "off": None,
            "options": _choices(stages), "option_names": "stages",
            "remove": [{"lever": "import_ban", "importer": "US", "exporter": "CN"}],
            "add": [{"lever": "import_ban", "importer": "US", "exporter": "CN", "start": start, "stages": ["{value}"]}],
        },
    ]
    for c in out:
        c.setdefault("advanced", False)
        c.setdefault("settings", [])
    return out


def fill(template: Any, value: Any, start: int = POLICY_START) -> Any:
    """A control's ``add`` template with ``"{value}"`` and ``"{start}"`` filled in (as the page does)."""
    if template == "{value}":
        return value
    if template == "{start}":
        return start
    if isinstance(template, list):
        return [fill(x, value, start) for x in template]
    if isinstance(template, dict):
        return {k: fill(v, value, start) for k, v in template.items()}
    return template


__all__ = ["SIDES", "check_pattern", "control_defaults", "controls", "fill", "lever_dict", "matches", "remove_matching"]
