"""Market-share planning points the way its name says on the embedded 2024 world.

With China's producers planning for their base-year share of the world demand open to
them (``parameters.economies.market_share_planning``), China holds more battery-cell and
polysilicon capacity, the world's cells run at a lower utilisation and sell cheaper, and
China's share of world cell capacity rises. (US cell supply is not tested: behind the
race's ban on Chinese imports the glut does not reach the US market, and the sign is
small and ambiguous.) Deterministic (one draw, seed 0, no priors).
"""

from __future__ import annotations

import pytest

from buildrace import api

CELLS = ["li_ion_battery.cell_lfp", "li_ion_battery.cell_nmc811"]


@pytest.fixture(scope="module")
def paths():
    plain = api.simulate("race").isel(draw=0)
    share = api.simulate(api.load_scenario("examples/china_builds_for_share.yaml")).isel(draw=0)
    return plain, share


@pytest.mark.parametrize("stage", [*CELLS, "solar_pv.polysilicon"])
def test_china_holds_more_capacity(paths, stage):
    plain, share = paths
    for year in (2030, 2040):
        k0 = float(plain.capacity.sel(economy="CN", stage=stage, year=year))
        k1 = float(share.capacity.sel(economy="CN", stage=stage, year=year))
        assert k1 > 1.02 * k0, f"{stage} {year}: CN capacity {k1:.4g} with share planning, {k0:.4g} without"


@pytest.mark.parametrize("stage", CELLS)
def test_cells_run_idler_and_cheaper(paths, stage):
    plain, share = paths
    for year in (2030, 2040):
        util = [float(d.production.sel(stage=stage, year=year).sum() / d.capacity.sel(stage=stage, year=year).sum())
                for d in (plain, share)]
        price = [float(d.price.sel(stage=stage, year=year).mean()) for d in (plain, share)]
        assert util[1] < util[0], f"{stage} {year}: world utilisation {util[1]:.3f} with share planning, {util[0]:.3f} without"
        assert price[1] < price[0], f"{stage} {year}: price {price[1]:.4g} with share planning, {price[0]:.4g} without"


def test_china_share_of_world_cells_higher(paths):
    plain, share = paths
    k0 = plain.capacity.sel(stage=CELLS, year=2030).sum("stage")
    k1 = share.capacity.sel(stage=CELLS, year=2030).sum("stage")
    s0, s1 = float(k0.sel(economy="CN") / k0.sum()), float(k1.sel(economy="CN") / k1.sum())
    assert s1 > s0, f"CN share of world cell capacity in 2030: {s1:.3f} with share planning, {s0:.3f} without"
