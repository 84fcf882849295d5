"""The dashboard's policy controls, in lever terms.

Each control is a small record: which of a scenario's own levers it replaces (``remove``
patterns) and which lever dicts it appends (``add`` templates, where the string
``"{value}"`` stands for the control's value). The page applies a control only when
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
"""First year of the levers the controls add (the year the default race's shock starts)."""

DECOUPLED_CHAINS = ["li_ion_battery", "solar_pv", "ndfeb_magnet", "ev"]
ALLIES = ["US", "JP", "KR", "EU"]
FUND_CHAINS = ["li_ion_battery", "ndfeb_magnet", "solar_pv"]

_TARIFF_MATCH = {"lever": "tariff", "importer": "US", "exporter": "CN", "stages": "solar_pv.module"}
_RARE_EARTH_MATCH = {"lever": "export_control", "exporter": "CN", "stages": "ndfeb_magnet", "shock": True}


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


def control_defaults(sc: Scenario) -> dict[str, Any]:
    """The value of each control that reproduces the scenario as written."""
    dec = _policies(sc, {"lever": "decoupling", "importer": "US", "exporter": "CN"})
    tariff = _policies(sc, _TARIFF_MATCH)
    lanes = [d for d in _policies(sc, {"lever": "green_lane", "economy": "US"}) if not d["stages"] and not d["sites"]]
    return {
        "decoupling": min(d["start"] for d in dec) if dec else None,
        "credits_45x": bool(_policies(sc, {"lever": "production_credit", "economy": "US"})),
        "solar_tariff": max((d["rate"] for d in tariff), default=0.0),
        "green_lane": max((d["permit_cut"] for d in lanes), default=0.0),
        "sovereign_fund": sum(d["budget_musd_per_year"] for d in _policies(sc, {"lever": "sovereign_fund", "economy": "US"})),
        "allied_pooling": bool(_policies(sc, {"lever": "allied_pooling", "members": "US"})),
        "rare_earth_control": bool(_policies(sc, _RARE_EARTH_MATCH)),
    }


def controls(reference: Scenario) -> list[dict]:
    """The dashboard's controls; ``reference`` (the ``baseline`` scenario) supplies the
    enacted 45X credits that the 45X control restores where a scenario lacks them."""
    credits = [lever_dict(p) for p in reference.policies if p.lever == "production_credit" and getattr(p, "economy", "") == "US"]
    return [
        {
            "id": "decoupling", "type": "year", "min": 2025, "max": 2040, "step": 1,
            "remove": [{"lever": "decoupling"}],
            "add": [{"lever": "decoupling", "importer": "US", "exporter": "CN", "start": "{value}", "stages": DECOUPLED_CHAINS}],
        },
        {
            "id": "credits_45x", "type": "toggle",
            "remove": [{"lever": "production_credit", "economy": "US"}],
            "add": credits,
        },
        {
            "id": "solar_tariff", "type": "range", "min": 0.0, "max": 2.5, "step": 0.05, "display_scale": 100, "unit": "%",
            "remove": [_TARIFF_MATCH],
            "add": [{"lever": "tariff", "importer": "US", "exporter": "CN", "start": 2024, "rate": "{value}",
                     "stages": ["solar_pv.cell", "solar_pv.module"]}],
        },
        {
            "id": "green_lane", "type": "range", "min": 0.0, "max": 0.9, "step": 0.05, "display_scale": 100, "unit": "%",
            "remove": [{"lever": "green_lane", "economy": "US"}],
            "add": [{"lever": "green_lane", "economy": "US", "start": POLICY_START, "permit_cut": "{value}"}],
        },
        {
            "id": "sovereign_fund", "type": "range", "min": 0, "max": 50000, "step": 2500, "display_scale": 0.001, "unit": "bn USD/yr",
            "remove": [{"lever": "sovereign_fund", "economy": "US"}],
            "add": [{"lever": "sovereign_fund", "economy": "US", "start": POLICY_START, "end": 2040,
                     "budget_musd_per_year": "{value}", "chains": FUND_CHAINS, "hurdle_rate": 0.03, "equity_share": 0.5}],
        },
        {
            "id": "allied_pooling", "type": "toggle",
            "remove": [{"lever": "allied_pooling"}],
            "add": [{"lever": "allied_pooling", "members": ALLIES, "start": POLICY_START, "delay_years": 2, "cost_premium": 0.05}],
        },
        {
            "id": "rare_earth_control", "type": "toggle",
            "remove": [_RARE_EARTH_MATCH],
            "add": [{"lever": "export_control", "exporter": "CN", "start": POLICY_START, "stages": ["ndfeb_magnet"],
                     "targets": ALLIES, "cap": 0.0, "shock": True}],
        },
    ]


__all__ = ["check_pattern", "control_defaults", "controls", "lever_dict", "matches", "remove_matching"]
