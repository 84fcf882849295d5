"""The dashboard's assumptions: uncertain parameters, kept apart from the policies.

A policy is something a government chooses; an assumption is what nobody chooses and
nobody knows for sure (how fast demand grows, how long US plants take to build, what
they cost). Each assumption is a multiplier of the world's own value, 1 by default, and
becomes a scenario's ``parameters`` override (:class:`buildrace.model.parameters.ParameterOverrides`).
It is applied to the scenario *and* to its reference path, so the race metrics compare
two worlds that share the assumption.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from buildrace.model.parameters import ParameterOverrides
from buildrace.model.scenario import Scenario

LOW, HIGH = 0.5, 2.0


class Assumptions(BaseModel):
    """Multipliers of the world's values (1: the world as calibrated)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    demand_growth: float = Field(1.0, ge=LOW, le=HIGH,
                                 description="multiplier of every final use's annual demand growth rates, everywhere")
    us_build_years: float = Field(1.0, ge=LOW, le=HIGH, description="multiplier of the build time of every US stage")
    us_capex: float = Field(1.0, ge=LOW, le=HIGH, description="multiplier of the capital cost of every US stage")


def assumption_controls() -> list[dict]:
    """The assumptions as the page's controls (a range each, with named settings)."""
    settings = [{"value": 0.75, "name": "low"}, {"value": 1.0, "name": "central"}, {"value": 1.5, "name": "high"}]
    return [
        {"id": name, "type": "range", "min": LOW, "max": HIGH, "step": 0.05, "default": 1.0, "settings": settings,
         "description": field.description}
        for name, field in Assumptions.model_fields.items()
    ]


def apply(sc: Scenario, assumptions: Assumptions) -> Scenario:
    """``sc`` with the assumptions that differ from 1 written into its parameters."""
    if assumptions == Assumptions():
        return sc
    params: dict[str, Any] = sc.parameters.model_dump(mode="python")
    if assumptions.demand_growth != 1.0:
        params["final_uses"].setdefault("growth_scale", {})["ALL"] = assumptions.demand_growth
    for name, parameter in (("us_build_years", "build_years"), ("us_capex", "capex")):
        value = getattr(assumptions, name)
        if value != 1.0:
            params["economy_stages"].setdefault(parameter, {}).setdefault("US", {})["ALL"] = value
    return sc.model_copy(update={"parameters": ParameterOverrides.model_validate(params)})


__all__ = ["Assumptions", "apply", "assumption_controls"]
