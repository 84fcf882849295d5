"""Property tests of the model invariants (shared/design/MODEL.md) on toy-world simulations
with random policy mixes."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from toy_stages import CELL, MINE, PACK, REFINE, STAGES, utilisation_cap

from buildrace import api
from buildrace.model.scenario import Scenario

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TOL = 1e-9

stage_lists = st.lists(st.sampled_from(STAGES), min_size=1, max_size=2, unique=True)
start = st.integers(2025, 2030)
economy = st.sampled_from(["US", "CN", "ROW"])

lever = st.one_of(
    st.builds(lambda s, r, y: {"lever": "tariff", "importer": "US", "exporter": "CN", "stages": s, "rate": r, "start": y},
              stage_lists, st.floats(0.0, 2.0), start),
    st.builds(lambda s, y: {"lever": "import_ban", "importer": "US", "exporter": "CN", "stages": s, "start": y}, stage_lists, start),
    st.builds(lambda y: {"lever": "decoupling", "importer": "US", "exporter": "CN", "stages": ["li_ion_battery"], "start": y}, start),
    st.builds(lambda s, c, y: {"lever": "export_control", "exporter": "CN", "stages": s, "cap": c, "start": y},
              stage_lists, st.floats(0.0, 1.0), start),
    st.builds(lambda e, s, a, y: {"lever": "production_credit", "economy": e, "stages": s, "share_of_cost": a, "start": y},
              economy, stage_lists, st.floats(0.0, 0.5), start),
    st.builds(lambda e, s, a, y: {"lever": "investment_credit", "economy": e, "stages": s, "share": a, "start": y},
              economy, stage_lists, st.floats(0.0, 0.5), start),
    st.builds(lambda e, s, a, y: {"lever": "local_content", "market": e, "stages": s, "share": a, "start": y},
              economy, stage_lists, st.floats(0.0, 1.0), start),
    st.builds(lambda c, y: {"lever": "green_lane", "economy": "US", "permit_cut": c, "start": y}, st.floats(0.0, 0.9), start),
    st.builds(lambda m, y: {"lever": "stockpile", "economy": "US", "stages": [REFINE], "months": m, "start": y},
              st.floats(0.0, 12.0), start),
    st.builds(lambda b, y: {"lever": "sovereign_fund", "economy": "US", "budget_musd_per_year": b, "start": y},
              st.floats(0.0, 5000.0), start),
    st.builds(lambda y: {"lever": "allied_pooling", "members": ["US", "ROW"], "start": y}, start),
)

scenarios = st.builds(
    lambda policies, end: Scenario(name="prop", world="toy_2024", end_year=end).with_policies(policies),
    st.lists(lever, max_size=3),
    st.integers(2030, 2038),
)


def _simulate(world, sc, **kw) -> xr.Dataset:
    return api.simulate(sc, world=world, **kw)


@SETTINGS
@given(sc=scenarios)
def test_output_never_exceeds_capacity_times_utilisation_cap(world, sc):
    ds = _simulate(world, sc)
    cap = utilisation_cap(world, ds)
    excess = ds.site_production - ds.site_capacity * cap
    assert float(excess.max()) <= TOL * float(ds.site_capacity.max())
    assert float((ds.production - ds.capacity).max()) <= TOL * float(ds.capacity.max())


@SETTINGS
@given(sc=scenarios)
def test_nothing_negative(world, sc):
    ds = _simulate(world, sc)
    for name in ("capacity", "production", "pipeline", "announced", "stock", "demand", "served", "unmet",
                 "price", "stock_draw", "flows", "site_capacity", "site_production", "subsidies"):
        scale = max(float(abs(ds[name]).max()), 1.0)
        assert float(ds[name].min()) >= -TOL * scale, name
        assert bool(np.isfinite(ds[name].values).all()), name


@SETTINGS
@given(sc=scenarios)
def test_demand_is_served_unmet_or_drawn_from_stock(world, sc):
    ds = _simulate(world, sc)
    gap = ds.demand - ds.served - ds.unmet - ds.stock_draw
    scale = ds.demand.max(["draw", "year", "market"])  # per stage: units differ by stage
    assert float((abs(gap) / scale).max()) <= 1e-9
    # served is what the flows deliver
    np.testing.assert_allclose(ds.flows.sum("economy"), ds.served, rtol=1e-9, atol=1e-9 * float(ds.served.max()))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sc=scenarios, seed=st.integers(0, 2**31))
def test_same_scenario_and_seed_give_identical_results(world, sc, seed):
    a = _simulate(world, sc, seed=seed)
    b = _simulate(world, sc, seed=seed)
    xr.testing.assert_identical(a, b)


def test_each_draw_of_an_ensemble_equals_a_single_run(world, base_scenario):
    # parameters do not vary over draws yet: every draw is the single run
    one = _simulate(world, base_scenario, seed=7)
    three = _simulate(world, base_scenario, draws=3, seed=7)
    assert three.sizes["draw"] == 3
    for d in range(3):
        for name in one.data_vars:
            if "draw" in one[name].dims:
                np.testing.assert_array_equal(three[name].isel(draw=d).values, one[name].isel(draw=0).values, err_msg=name)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None)
@given(stage=st.sampled_from(STAGES + ("li_ion_battery",)), lo=st.floats(0.0, 0.25), step=st.floats(0.01, 0.1))
def test_more_learning_never_raises_the_stages_unit_cost(world, stage, lo, step):
    def run(lr):
        # other things equal: demand does not respond to price here, so a cheaper stage
        # cannot draw extra demand that makes its inputs scarce (a real, separate effect)
        # and costs do not depend on where capacity ends up (no agglomeration or
        # integration effects) or on scarcity and glut pricing of inputs
        stages_params = {"learning_rate": {stage: lr}, "price_elasticity": {"li_ion_battery": 0.0}}
        fixed = {"agglomeration_alpha": 0.0, "kappa": 0.0, "scarcity_markup": 0.0, "glut_discount": 0.0}
        sc = Scenario(name="lr", world="toy_2024", end_year=2036, parameters={"stages": stages_params, "model": fixed})
        return _simulate(world, sc)

    slow, fast = run(lo), run(lo + step)
    stages = list(STAGES) if stage == "li_ion_battery" else [stage]
    # With those channels shut, one economy's cost can still rise: when others learn
    # faster they take its market share and its own experience grows more slowly; and
    # output shifts between producers with different costs. Learning rates range over the
    # literature's (0-0.35); far above it the value-added cap (50%) binds for some
    # economies and not others, and the shift of share can outweigh it. What the world pays to make
    # the stage (output-weighted unit cost) does not rise beyond such shifts (0.5%); the
    # cost kernel itself is held exactly monotone in tests/unit/engine (learning factor,
    # value-added exponent).
    def world_cost(ds):
        q = ds.production.sel(stage=stages)
        return (ds.unit_cost.sel(stage=stages) * q).sum("economy") / q.sum("economy")

    ratio = world_cost(fast) / world_cost(slow)
    assert float(ratio.max()) <= 1.0 + 5e-3


def _taxed_share(world, scenario, importer, exporter, stage, rate):
    sc = scenario.with_policies(
        [{"lever": "tariff", "importer": importer, "exporter": exporter, "stages": [stage], "rate": rate, "start": 2025}]
    )
    f = _simulate(world, sc).flows.sel(market=importer, stage=stage)
    total = f.sum("economy")
    return (f.sel(economy=exporter) / total.where(total > 0)).fillna(0.0)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stage=st.sampled_from(STAGES), exporter=st.sampled_from(["CN", "ROW"]), lo=st.floats(0.0, 1.0), step=st.floats(0.05, 2.0))
def test_a_higher_tariff_never_raises_the_taxed_suppliers_share(world, base_scenario, stage, exporter, lo, step):
    low = _taxed_share(world, base_scenario, "US", exporter, stage, lo)
    high = _taxed_share(world, base_scenario, "US", exporter, stage, lo + step)
    assert float((high - low).max()) <= 1e-9


@pytest.mark.xfail(
    strict=True,
    reason="engine/trade.allocate: when world capacity binds (mining, 2025), proportional rationing "
    "of oversubscribed suppliers and the spill rounds send part of ROW's unserved demand back to CN, "
    "so raising ROW's tariff on CN lithium from 100% to 200% raises CN's share of ROW's market",
)
def test_a_higher_tariff_never_raises_the_taxed_suppliers_share_under_scarcity(world, base_scenario):
    low = _taxed_share(world, base_scenario, "ROW", "CN", MINE, 1.0)
    high = _taxed_share(world, base_scenario, "ROW", "CN", MINE, 2.0)
    assert float((high - low).max()) <= 1e-9


def test_a_higher_tariff_lowers_the_share_when_it_binds(world, base_scenario, base):
    sc = base_scenario.with_policies([{"lever": "tariff", "importer": "US", "exporter": "CN", "stages": [PACK], "rate": 1.0, "start": 2025}])
    taxed = _simulate(world, sc).flows.sel(market="US", economy="CN", stage=PACK, year=2025).item()
    assert taxed < base.flows.sel(market="US", economy="CN", stage=PACK, year=2025).item()


def test_green_lane_shortens_lead_times_without_changing_the_past(world, base_scenario, base):
    sc = base_scenario.with_policies([{"lever": "green_lane", "economy": "US", "stages": [CELL], "permit_cut": 0.5, "start": 2027}])
    ds = _simulate(world, sc)
    xr.testing.assert_identical(ds.capacity.sel(year=slice(None, 2027)), base.capacity.sel(year=slice(None, 2027)))
    assert not ds.announced.equals(base.announced)


@pytest.mark.parametrize("stages", [[CELL], []], ids=["cells", "all-stages"])
def test_green_lane_never_delays_capacity(world, base_scenario, base, stages):
    """A green lane delivers projects sooner: the targeted economy's capacity-years at the
    targeted stages (capacity summed over the horizon) never fall. Capacity in a single
    later year may: investors who got capacity sooner announce less afterwards."""
    sc = base_scenario.with_policies([{"lever": "green_lane", "economy": "US", "stages": stages, "permit_cut": 0.5, "start": 2025}])
    ds = _simulate(world, sc)
    targeted = [CELL] if stages else list(ds.stage.values)
    gained = (ds.capacity - base.capacity).sel(economy="US", stage=targeted).sum("year")
    assert float(gained.min()) >= -1e-9

