"""A demand surge gives a lithium price cycle that comes from the model, not from noise.

examples/lithium_surge_2018.yaml grows EV sales 1.8 times and storage twice as fast as
the 2018 outlooks. Mines take years to permit and build, so the surge outruns them: the
mine price spikes along the raw materials' short-run demand curve (engine/prices.py)
while demand goes unmet, and falls back as the capacity its margins drew arrives.
Deterministic (one draw, no priors, no shocks).
"""

from __future__ import annotations

import numpy as np
import pytest

from buildrace import api

STAGE = "li_ion_battery.mine_lithium"


def lithium(cap: float | None = None):
    scenario = api.load_scenario("examples/lithium_surge_2018.yaml")
    if cap is not None:
        scenario = scenario.model_copy(update={"parameters": scenario.parameters.model_copy(
            update={"model": {**scenario.parameters.model, "commodity_price_cap": cap}})})
    ds = api.simulate(scenario).isel(draw=0).sel(stage=STAGE)
    years = ds.year.values
    price = ds.price.sel(market="CN").values / float(ds.price.sel(market="CN", year=2018))
    unmet = ds.unmet.sum("market").values / np.maximum(ds.demand.sum("market").values, 1e-12)
    capacity = ds.capacity.sum("economy").values
    return years, price, unmet, capacity


@pytest.fixture(scope="module")
def surge():
    return lithium()


def test_the_surge_spikes_the_price_while_demand_goes_unmet(surge):
    years, price, unmet, _ = surge
    peak = int(np.argmax(price))
    assert price[peak] >= 2.5, f"lithium mine price peaks at {price[peak]:.2f}x its 2018 level in {years[peak]}"
    assert unmet[peak - 1] >= 0.3, f"the year before the peak {unmet[peak - 1]:.0%} of demand went unmet"


def test_the_capacity_the_spike_draws_brings_the_collapse(surge):
    years, price, _, capacity = surge
    peak = int(np.argmax(price))
    after = slice(peak + 1, min(peak + 9, len(years)))
    assert price[after].min() <= 0.5 * price[peak], (
        f"eight years after the {years[peak]} peak the price is still {price[after].min() / price[peak]:.0%} of it"
    )
    assert capacity[after].max() >= 2.0 * capacity[peak], "the spike drew no new mines"


def test_the_spike_is_the_scarcity_price(surge):
    # with the raw-material scarcity multiple capped at 1, the same surge barely moves the price
    _, capped, _, _ = lithium(cap=1.0)
    assert capped.max() < 0.5 * surge[1].max()
