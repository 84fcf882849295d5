"""Sensitivity ranks a parameter that matters above one that does not."""

from __future__ import annotations

import pytest

from buildrace import api
from buildrace.calibration.sensitivity import parse_metric
from buildrace.errors import InputError
from buildrace.model.parameters import ParameterOverrides
from buildrace.model.scenario import Scenario


@pytest.fixture(scope="module")
def uncertain_toy():
    return Scenario(
        name="toy_uncertain", world="toy_2024", end_year=2032,
        parameters=ParameterOverrides(
            model={"stock_carrying_cost": {"dist": "uniform", "low": 0.05, "high": 0.2}},  # no stockpile: inert
            stages={"learning_rate": {"li_ion_battery.pack": {"dist": "uniform", "low": 0.05, "high": 0.3}}},
        ),
    )


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_learning_rate_outranks_an_inert_parameter(uncertain_toy, world, method):
    s = api.sensitivity(uncertain_toy, "price:li_ion_battery.pack:2032", method=method, n=16, seed=0, world=world)
    ranked = list(s.table["parameter"])
    assert ranked[0] == "learning_rate:li_ion_battery.pack"
    assert ranked[-1] == "stock_carrying_cost"
    col = "ST" if method == "sobol" else "mu_star"
    assert s.table[col].iloc[0] > 0.5 * s.table[col].sum() and abs(s.table[col].iloc[-1]) < 1e-6
    assert s.summary()["indices"][0]["parameter"] == ranked[0]


def test_metric_errors_name_the_fix(world):
    assert parse_metric("us_self_sufficiency:li_ion_battery:2030", world).economy == "US"
    with pytest.raises(InputError, match="needs an economy prefix"):
        parse_metric("self_sufficiency:li_ion_battery:2030", world)
    with pytest.raises(InputError, match="not a stage"):
        parse_metric("cost_gap:solar_pv.module:2030", world)
    with pytest.raises(InputError, match="unknown metric"):
        parse_metric("happiness:li_ion_battery", world)
