"""Model checks listed in checks.yaml, run over a scenario matrix on the toy world.

- every lever at the minimum and at the maximum of its knob, one at a time and all
  together, with the invariants of shared/design/MODEL.md held in every run;
- the direction of each lever's effect, over a ladder of knob values.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from buildrace import api, metrics
from buildrace.model.scenario import Scenario
from buildrace.testing import toy_world

CHECKS = yaml.safe_load((Path(__file__).with_name("checks.yaml")).read_text(encoding="utf-8"))
TOL = 1e-9
WORLD = toy_world()


def _lever(name: str, fields: dict, knob: str, value) -> dict:
    lever = {"lever": name, "start": CHECKS["start"], **fields}
    lever[knob] = value
    return lever


def _scenario(name: str, policies: list[dict]) -> Scenario:
    return Scenario(name=name, world=CHECKS["world"], end_year=CHECKS["end_year"]).with_policies(policies)


@cache
def _run(sc_json: str) -> tuple[xr.Dataset, dict]:
    from buildrace.engine.run import run
    from buildrace.model.compile import compile_scenario

    sc = Scenario.model_validate_json(sc_json)
    ds = api.simulate(sc, world=WORLD)
    raw, _ = run(compile_scenario(sc, world=WORLD), keep=frozenset({"input_used", "input_received"}))
    return ds, raw


def simulate(sc: Scenario) -> tuple[xr.Dataset, dict]:
    return _run(sc.model_dump_json())


# --- invariants -------------------------------------------------------------------------------


def _utilisation_cap(ds: xr.Dataset) -> np.ndarray:
    """(site, stage) output cap per unit of capacity: utilisation_max, or the base-year
    utilisation where the data show more."""
    u = WORLD.stage_parameters["utilisation_max"].reindex(ds.stage.values).to_numpy(float)
    cap = np.broadcast_to(u, (ds.sizes["site"], ds.sizes["stage"])).copy()
    sites, stages = list(ds.site.values), list(ds.stage.values)
    for (site, stage), row in WORLD.capacity.set_index(["site", "stage"]).iterrows():
        if row["capacity"] > 0:
            i, j = sites.index(site), stages.index(stage)
            cap[i, j] = max(cap[i, j], row["production"] / row["capacity"])
    return cap


def output_within_capacity(ds, raw) -> str | None:
    excess = float((ds.site_production - ds.site_capacity * _utilisation_cap(ds)).max())
    if excess > TOL * max(float(ds.site_capacity.max()), 1.0):
        return f"site output exceeds capacity x utilisation cap by {excess:.6g}"
    excess = float((ds.production - ds.capacity).max())
    if excess > TOL * max(float(ds.capacity.max()), 1.0):
        return f"economy output exceeds capacity by {excess:.6g}"
    return None


def nothing_negative(ds, raw) -> str | None:
    for name in ("capacity", "production", "pipeline", "stock", "demand", "served", "unmet", "price",
                 "stock_draw", "flows", "site_capacity", "site_production", "subsidies", "public_capital"):
        v = ds[name].values
        if not np.isfinite(v).all():
            return f"{name} is not finite"
        if v.min() < -TOL * max(abs(v).max(), 1.0):
            return f"{name} is negative: {v.min():.6g}"
    return None


def demand_balance(ds, raw) -> str | None:
    gap = ds.demand - ds.served - ds.unmet - ds.stock_draw
    scale = ds.demand.max(["draw", "year", "market"]).where(lambda d: d > 0, 1.0)
    worst = float((abs(gap) / scale).max())
    return None if worst <= TOL else f"demand != served + unmet + stock draw (relative gap {worst:.3g})"


def material_balance(ds, raw) -> str | None:
    used, received = raw["input_used"], raw["input_received"]
    worst = float((used - received).max())
    return None if worst <= TOL * max(float(used.max()), 1.0) else f"inputs used exceed inputs received by {worst:.6g}"


INVARIANTS = {f.__name__: f for f in (output_within_capacity, nothing_negative, demand_balance, material_balance)}


def test_checks_file_lists_every_lever_and_invariant():
    from buildrace.model.levers import LEVER_MODELS

    assert set(CHECKS["levers"]) == set(LEVER_MODELS)
    assert set(CHECKS["invariants"]) == set(INVARIANTS)


def _matrix():
    cases = []
    for bound in ("min", "max"):
        every = []
        for name, spec in CHECKS["levers"].items():
            lever = _lever(name, spec["fields"], spec["knob"], spec[bound])
            cases.append(pytest.param([lever], id=f"{name}-{bound}"))
            every.append(lever)
        cases.append(pytest.param(every, id=f"all-{bound}"))
    return cases


@pytest.mark.parametrize("policies", _matrix())
def test_invariants_hold_with_levers_at_their_bounds(policies):
    ds, raw = simulate(_scenario("bounds", policies))
    failures = [f"{name}: {msg}" for name in CHECKS["invariants"] if (msg := INVARIANTS[name](ds, raw))]
    assert not failures, "; ".join(failures)


# --- directions -------------------------------------------------------------------------------


def _measure(ds: xr.Dataset, m: dict) -> xr.DataArray:
    var = m["variable"]
    if var == "capacity":
        return ds.capacity.sel(economy=m["economy"], stage=m["stage"])
    if var == "site_capacity":
        sites = [s for s in ds.site.values if str(s).split(":")[0] == m["economy"]]
        return ds.site_capacity.sel(site=sites)
    if var == "capacity_years":
        # capacity summed over the horizon: a project delivered sooner adds capacity-years
        return ds.capacity.sel(economy=m["economy"]).sum("year")
    if var == "import_share":
        f = ds.flows.sel(market=m["market"], stage=m["stage"])
        total = f.sum("economy")
        return (f.sel(economy=m["economy"]) / total.where(total > 0)).fillna(0.0)
    if var == "flow":
        return ds.flows.sel(market=m["market"], economy=m["economy"], stage=m["stage"])
    if var == "bloc_self_sufficiency":
        return metrics.self_sufficiency(ds, members=m["members"]).fillna(0.0)
    raise ValueError(f"unknown measure {var!r}")


def _direction_scenario(d: dict, value) -> Scenario:
    if d["knob"] == "pooled":
        return _scenario("direction", [_lever(d["lever"], d["fields"], "delay_years", 2)] if value else [])
    return _scenario("direction", [_lever(d["lever"], d["fields"], d["knob"], value)])


XFAIL: dict[str, str] = {
    "pooling never lowers the bloc's self-sufficiency": (
        "pooling US and ROW (from 2025, 2-year delay) lowers the bloc's lithium-mining self-sufficiency "
        "from 3.566 to 3.560 in 2036 (-0.18%; the gap grows from 2028), while raising it for packs"
    ),
}
"""Direction checks known to fail, by name: the reason records the numbers found."""


def _directions():
    for d in CHECKS["directions"]:
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[d["name"]])] if d["name"] in XFAIL else []
        yield pytest.param(d, id=d["name"].split(" never ")[0].replace(" ", "_"), marks=marks)


@pytest.mark.parametrize("direction", list(_directions()))
def test_lever_direction(direction):
    d = direction
    values = [_measure(simulate(_direction_scenario(d, v))[0], d["measure"]) for v in d["steps"]]
    pairs = list(zip(d["steps"], values, strict=True))
    for (lo, a), (hi, b) in zip(pairs, pairs[1:], strict=False):
        change = b - a
        scale = max(float(abs(a).max()), float(abs(b).max()), 1e-12)
        worst = float(change.min() if d["expect"] == "not_lower" else -change.max())
        where = change.argmin(...) if d["expect"] == "not_lower" else change.argmax(...)
        at = {k: str(v.values) for k, v in change[where].coords.items() if v.size == 1}
        assert worst >= -d.get("tolerance", 1e-9) * scale, (
            f"{d['name']}: {d['knob']} {lo} -> {hi} moves {d['measure']['variable']} the wrong way by "
            f"{-worst:.6g} (from {float(a[where]):.6g} to {float(b[where]):.6g}) at {at}"
        )


def test_allied_pooling_cost_premium_acts():
    def run(premium):
        lever = {"lever": "allied_pooling", "members": ["US", "ROW"], "start": CHECKS["start"], "cost_premium": premium}
        return simulate(_scenario("premium", [lever]))[0]

    free, costly = run(0.0), run(1.0)
    moved = float(abs(costly.flows - free.flows).max())
    assert moved > 0.0, "a 100% premium on pooled flows leaves every flow unchanged"
