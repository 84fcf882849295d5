"""A request's scenario: a built-in one, less the ``remove`` matches, plus ``policies``.

The policies arrive already checked for shape and range by the lever models
(:mod:`buildrace.web.schemas`); what only the world can check (stage, chain and economy
names) is checked by the engine when the scenario compiles, and its messages are
pointed back at the request's own fields here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from buildrace import api
from buildrace.errors import InputError
from buildrace.model.scenario import Scenario
from buildrace.web.assumptions import apply
from buildrace.web.controls import check_pattern, remove_matching
from buildrace.web.errors import ApiError, field_of
from buildrace.web.schemas import ScenarioSpec

_POLICY_INDEX = re.compile(r"^policies\[(\d+)\]")


@dataclass(frozen=True)
class Built:
    """The scenario to run and where the request's policies start in it.

    Attributes
    ----------
    scenario : the scenario with the request's changes
    reference : its reference path (on the request's horizon)
    base : index of the first policy the request added
    removed : policies of the built-in scenario that ``remove`` took out
    """

    scenario: Scenario
    reference: Scenario
    base: int
    removed: int


def build(spec: ScenarioSpec, prefix: str = "") -> Built:
    """The scenario of ``spec``; ``prefix`` names the request field holding it (``a.``).

    Raises
    ------
    ApiError
        422 with the field path, for a remove pattern or a horizon the scenario refuses.
    """
    try:
        patterns = [check_pattern(p, f"{prefix}remove[{i}]") for i, p in enumerate(spec.remove)]
    except InputError as exc:
        raise ApiError(422, str(exc), field_of(str(exc))) from None
    original = api.load_scenario(spec.scenario)
    sc, removed = remove_matching(original, patterns)
    base = len(sc.policies)
    try:
        sc = sc.with_policies(spec.policies) if spec.policies else sc
    except InputError as exc:
        message = _pointed(str(exc), base, spec, prefix)
        raise ApiError(422, message, field_of(message)) from None
    reference = api.reference_scenario(original)
    if spec.end_year is not None and spec.end_year != sc.end_year:
        for i, p in enumerate(sc.policies):
            if p.start > spec.end_year:
                where = f"{prefix}policies[{i - base}]" if i >= base else f"scenario {spec.scenario!r}"
                raise ApiError(422, f"{prefix}end_year: {spec.end_year} is before {where} ({p.lever}) starts"
                                    f" in {p.start}; give an end_year of {p.start} or later", f"{prefix}end_year")
        sc = sc.model_copy(update={"end_year": spec.end_year})
        reference = reference.model_copy(update={"end_year": spec.end_year})
    sc, reference = apply(sc, spec.assumptions), apply(reference, spec.assumptions)
    return Built(scenario=sc, reference=reference, base=base, removed=removed)


def need_shock(built: Built, spec: ScenarioSpec, prefix: str = "") -> None:
    """Refuse a scenario left with no shock: the race metrics need one."""
    if not built.scenario.shocks:
        raise ApiError(422, (
            f"scenario {spec.scenario!r} has no shock once your changes are applied: turn on the decoupling"
            " (a lever 'decoupling') or China's rare-earth export control (an 'export_control' with shock: true)"
        ), f"{prefix}policies")


def _pointed(message: str, base: int, spec: ScenarioSpec, prefix: str) -> str:
    m = _POLICY_INDEX.match(message)
    if not m:
        return message
    k = int(m.group(1))
    if k >= base:
        return f"{prefix}policies[{k - base}]" + message[m.end():]
    return f"scenario {spec.scenario!r}: " + message


def request_message(message: str, built: Built, spec: ScenarioSpec, prefix: str = "") -> str:
    """Point an engine message at the request's own ``policies[i]`` (or at the scenario)."""
    return _pointed(message, built.base, spec, prefix)


__all__ = ["Built", "build", "need_shock", "request_message"]
