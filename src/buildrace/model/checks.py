"""Semantic checks of a scenario against its world: every identifier resolves.

pydantic checks shape, type and range; these ``check_*`` functions check what needs the
world: economies, sites, stages and chains named by levers and overrides exist. Each
message names the field (``policies[2].sites[0]``) and lists valid values.
"""

from __future__ import annotations

from pydantic import ValidationError

from buildrace.errors import InputError
from buildrace.model.parameters import ModelParameters
from buildrace.model.scenario import Scenario
from buildrace.model.world import (
    ECONOMY_PARAMETERS,
    OPTIONAL_STAGE_PARAMETERS,
    STAGE_PARAMETERS,
    World,
)


def _fail(where: str, what: str, value, valid) -> None:
    shown = ", ".join(valid) if len(valid) <= 30 else ", ".join(list(valid)[:30]) + ", ..."
    raise InputError(f"{where}: unknown {what} {value!r}; valid: {shown}")


def check_economy(world: World, code: str, where: str, allow_all: bool = False) -> None:
    if allow_all and code in ("ALL", "all"):
        return
    if code not in world.economy_codes:
        _fail(where, "economy", code, world.economy_codes + (("ALL",) if allow_all else ()))


def check_stages(world: World, names, where: str) -> None:
    for i, n in enumerate(names):
        if n not in world.stage_codes and n not in world.chains and n not in ("ALL", "all"):
            _fail(f"{where}[{i}]", "stage or chain", n, world.chains + world.stage_codes)


def check_chains(world: World, names, where: str) -> None:
    for i, n in enumerate(names):
        if n not in world.chains:
            _fail(f"{where}[{i}]", "chain", n, world.chains)


def check_sites(world: World, names, where: str, economy: str | None = None) -> None:
    for i, n in enumerate(names):
        if n not in world.site_codes:
            _fail(f"{where}[{i}]", "site", n, world.site_codes)
        if economy and world.sites.loc[n, "economy"] != economy:
            raise InputError(f"{where}[{i}]: site {n!r} is not in economy {economy!r}")


def bounds_hint(info) -> str:
    """``; valid: LO to HI`` (or one bound) for a pydantic field with ``ge``/``le`` bounds, else ''."""
    lo = hi = None
    for meta in info.metadata + [m for a in getattr(info.annotation, "__args__", ()) for m in getattr(a, "__metadata__", ())]:
        lo = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else hi
    if lo is None and hi is None:
        return ""
    return f"; valid: {lo} to {hi}" if lo is not None and hi is not None else (f"; valid: >= {lo}" if lo is not None else f"; valid: <= {hi}")


def check_scenario(scenario: Scenario, world: World) -> None:
    """Raise :class:`InputError` if any identifier in ``scenario`` is unknown to ``world``."""
    from buildrace.model.distributions import point

    params = scenario.parameters
    for name in params.model:
        if name not in ModelParameters.model_fields:
            _fail("parameters.model", "model parameter", name, tuple(ModelParameters.model_fields))
    try:
        ModelParameters(**{**ModelParameters().model_dump(), **{k: point(v) for k, v in params.model.items()}})
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else ""
        info = ModelParameters.model_fields.get(name)
        raise InputError(f"parameters.model.{name}: {err['msg']}{bounds_hint(info) if info else ''}") from None
    for param, targets in scenario.parameters.stages.items():
        if param not in STAGE_PARAMETERS + OPTIONAL_STAGE_PARAMETERS:
            _fail("parameters.stages", "stage parameter", param, STAGE_PARAMETERS)
        check_stages(world, list(targets), f"parameters.stages.{param}")
        for target, value in targets.items():
            v = point(value)
            if not v == v or v < 0:  # NaN or negative
                raise InputError(f"parameters.stages.{param}.{target}: must be a number >= 0 (got {v})")
    for param, econs in params.economy_stages.items():
        if param not in ("unit_cost", "capex", "permit_years", "build_years"):
            _fail("parameters.economy_stages", "economy-stage parameter", param, ("unit_cost", "capex", "permit_years", "build_years"))
        for e, targets in econs.items():
            check_economy(world, e, f"parameters.economy_stages.{param}", allow_all=True)
            check_stages(world, list(targets), f"parameters.economy_stages.{param}.{e}")
            for target, value in targets.items():
                v = point(value)
                if not v == v or v < 0:
                    raise InputError(f"parameters.economy_stages.{param}.{e}.{target}: a multiplier >= 0 (got {v})")
    for param, econ_values in params.economies.items():
        if param not in ECONOMY_PARAMETERS:
            _fail("parameters.economies", "economy parameter", param, ECONOMY_PARAMETERS)
        for e, value in econ_values.items():
            check_economy(world, e, f"parameters.economies.{param}", allow_all=True)
            v = point(value)
            if not 0.0 <= v <= 1.0:  # NaN fails too
                raise InputError(f"parameters.economies.{param}.{e}: a weight in 0-1 (got {v})")
    from buildrace.model.world import FINAL_USES

    for param, targets in params.final_uses.items():
        if param != "growth_scale":
            _fail("parameters.final_uses", "final-use parameter", param, ("growth_scale",))
        for use, value in targets.items():
            if use not in FINAL_USES + ("ALL", "all"):
                _fail(f"parameters.final_uses.{param}", "final use", use, FINAL_USES + ("ALL",))
            v = point(value)
            if not v == v or v < 0:
                raise InputError(f"parameters.final_uses.{param}.{use}: a multiplier >= 0 (got {v})")
    for i, lever in enumerate(scenario.policies):
        where = f"policies[{i}] ({lever.lever})"
        if lever.start < world.base_year - 30:
            raise InputError(f"{where}.start: {lever.start} is long before the base year {world.base_year}")
        if lever.start > scenario.end_year:  # also for levers added by with_policies/model_copy
            raise InputError(
                f"{where}.start: {lever.start} is after the horizon end_year {scenario.end_year}; "
                "the lever would never act"
            )
        for fld in ("importer", "exporter", "economy", "market"):
            if hasattr(lever, fld):
                check_economy(world, getattr(lever, fld), f"{where}.{fld}", allow_all=fld == "exporter")
        for fld in ("targets", "members", "local", "foreign_entities"):
            for j, code in enumerate(getattr(lever, fld, ()) or ()):
                check_economy(world, code, f"{where}.{fld}[{j}]", allow_all=fld == "targets")
        if hasattr(lever, "stages"):
            check_stages(world, lever.stages, f"{where}.stages")
        if hasattr(lever, "chains"):
            check_chains(world, lever.chains, f"{where}.chains")
        if hasattr(lever, "chain"):
            check_chains(world, [lever.chain], f"{where}.chain")
        if hasattr(lever, "sites"):
            check_sites(world, lever.sites, f"{where}.sites", getattr(lever, "economy", None))
        if lever.lever == "designate_cluster" and not lever.sites:
            raise InputError(f"{where}.sites: name at least one site to designate")
        if lever.lever in ("import_ban", "tariff", "decoupling") and lever.importer == lever.exporter:
            raise InputError(f"{where}: importer and exporter are both {lever.importer!r}")


__all__ = ["check_chains", "check_economy", "check_scenario", "check_sites", "check_stages"]
