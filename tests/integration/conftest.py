"""Shared fixtures and helpers for simulations of the toy world."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from buildrace import api
from buildrace.model.scenario import Scenario
from buildrace.testing import toy_world

MINE, REFINE, CELL, PACK = (
    "li_ion_battery.mine_lithium",
    "li_ion_battery.refine_lithium",
    "li_ion_battery.cell_lfp",
    "li_ion_battery.pack",
)
STAGES = (MINE, REFINE, CELL, PACK)
END_YEAR = 2034


@pytest.fixture(scope="session")
def world():
    return toy_world()


@pytest.fixture(scope="session")
def base_scenario():
    return Scenario(name="toy", world="toy_2024", end_year=END_YEAR)


@pytest.fixture(scope="session")
def base(world, base_scenario) -> xr.Dataset:
    return api.simulate(base_scenario, world=world)


def utilisation_cap(world, ds: xr.Dataset) -> np.ndarray:
    """(site, stage) output cap per unit of capacity: the stage's utilisation_max, or the
    base-year utilisation where the data show more."""
    u = world.stage_parameters["utilisation_max"].reindex(ds.stage.values).to_numpy(float)
    cap = np.broadcast_to(u, (ds.sizes["site"], ds.sizes["stage"])).copy()
    k0 = world.capacity.set_index(["site", "stage"])
    for (site, stage), row in k0.iterrows():
        if row["capacity"] > 0:
            i, j = list(ds.site.values).index(site), list(ds.stage.values).index(stage)
            cap[i, j] = max(cap[i, j], row["production"] / row["capacity"])
    return cap
