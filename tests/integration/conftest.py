"""Shared fixtures and helpers for simulations of the toy world."""

from __future__ import annotations

import pytest
import xarray as xr

from buildrace import api
from buildrace.model.scenario import Scenario
from buildrace.testing import toy_world

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
