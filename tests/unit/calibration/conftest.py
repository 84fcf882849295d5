"""Shared fixtures: the toy world, a short toy scenario and a synthetic observed history
made by the engine itself."""

from __future__ import annotations

import numpy as np
import pytest

from buildrace import api
from buildrace.calibration.history import series_path
from buildrace.model.scenario import Scenario
from buildrace.testing import toy_world

TOY_KEYS = (
    ("price", "li_ion_battery.cell_lfp", "WORLD"),
    ("price", "li_ion_battery.pack", "WORLD"),
    ("capacity", "li_ion_battery.cell_lfp", "WORLD"),
    ("capacity", "li_ion_battery.cell_lfp", "US"),
    ("production", "li_ion_battery.pack", "CN"),
    ("share_production", "li_ion_battery.cell_lfp", "CN"),
    ("demand", "use.storage_installations", "WORLD"),
)
UNITS = {"price": "USD/kWh", "capacity": "GWh", "production": "GWh", "share_production": "percent", "demand": "GWh"}


@pytest.fixture(scope="session")
def world():
    return toy_world()


@pytest.fixture(scope="session")
def scenario():
    return Scenario(name="toy", world="toy_2024", end_year=2032)


def observed_csv(ds, world, keys=TOY_KEYS) -> str:
    """The draw-0 outputs of ``ds`` as an observed-history CSV (every year)."""
    lines = ["series,stage,economy,year,value,unit,source"]
    for key in keys:
        path = series_path(ds, *key, world).isel(draw=0)
        for y, v in zip(path["year"].values, path.values, strict=True):
            lines.append(f"{key[0]},{key[1]},{key[2]},{int(y)},{float(v):.8g},{UNITS[key[0]]},synthetic")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def truth():
    return {"invest_response": 0.7, "learning_multiplier.li_ion_battery": 1.3}


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory, world, scenario, truth):
    """An observed file made by simulating the toy scenario at known parameter values."""
    from buildrace.calibration.fit import parameter_values

    names = tuple(truth)
    values = parameter_values(names, np.array([[truth[n] for n in names]]), world)
    ds = api.simulate(scenario, draws=1, seed=0, world=world, parameter_values=values)
    path = tmp_path_factory.mktemp("observed") / "observed.csv"
    path.write_text(observed_csv(ds, world))
    return path
