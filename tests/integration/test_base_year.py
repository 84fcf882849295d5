"""No policy, no shock: the first simulated year reproduces the base-year data."""

from __future__ import annotations

import numpy as np
import pytest

from buildrace import api
from buildrace.model.scenario import Scenario
from buildrace.model.world import load_world


def _aggregated(world, ds, column):
    cap = world.capacity.merge(world.sites[["economy"]], left_on="site", right_index=True)
    table = cap.groupby(["economy", "stage"])[column].sum().unstack()
    return table.reindex(index=ds.economy.values, columns=ds.stage.values).fillna(0.0).to_numpy()


def _site_table(world, ds, column):
    table = world.capacity.set_index(["site", "stage"])[column].unstack()
    return table.reindex(index=ds.site.values, columns=ds.stage.values).fillna(0.0).to_numpy()


def _assert_reproduces(world, ds):
    y0 = int(ds.year.values[0])
    assert y0 == world.base_year
    for column in ("capacity", "production"):
        np.testing.assert_allclose(ds[column].sel(draw=0, year=y0).values, _aggregated(world, ds, column), rtol=1e-6, atol=0.0)
        np.testing.assert_allclose(ds[f"site_{column}"].sel(draw=0, year=y0).values, _site_table(world, ds, column), rtol=1e-6, atol=0.0)
    assert ds.attrs["calibration_fit_error"] < 1e-6


@pytest.fixture(scope="module")
def world_2024():
    return load_world("world_2024")


def test_baseline_reproduces_the_2024_world(world_2024):
    ds = api.simulate("baseline")
    _assert_reproduces(world_2024, ds)


def test_no_policy_scenario_reproduces_the_2024_world(world_2024):
    ds = api.simulate(Scenario(name="no-policy", end_year=2026))
    _assert_reproduces(world_2024, ds)
    # nothing unmet in the base year: demand is calibrated to what was produced
    y0 = world_2024.base_year
    assert float(ds.unmet.sel(year=y0).max()) <= 1e-9 * float(ds.demand.sel(year=y0).max())


def test_toy_world_base_year_is_reproduced(world, base):
    _assert_reproduces(world, base)


def test_a_shock_after_the_base_year_leaves_the_base_year_alone(world_2024):
    ds = api.simulate("race")
    _assert_reproduces(world_2024, ds)


def test_the_base_year_reproduces_the_observed_trade_record():
    """Each curated bilateral share (trade.csv, with its source) holds in the base year."""
    world = load_world("world_2024")
    assert not world.trade.empty, "world_2024 ships an observed trade record"
    ds = api.simulate("baseline").isel(draw=0)
    flows = ds["flows"].sel(year=world.base_year)
    assert ds.attrs["calibration_fit_error"] < 1e-6  # production still reproduced exactly
    for r in world.trade.itertuples(index=False):
        bought = flows.sel(market=r.market, stage=r.stage)
        share = float(bought.sel(economy=r.supplier) / bought.sum())
        assert abs(share - float(r.share)) <= float(r.tolerance), (r.market, r.supplier, r.stage, share, r.share)
        assert str(r.source).split()[0] in ("ASM",) or str(r.source).startswith("T"), r
