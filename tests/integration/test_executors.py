"""Same scenario and seed: identical bits, serial, chunked or in a process pool."""

from __future__ import annotations

import numpy as np
import pytest

import buildrace.api as api
from buildrace.errors import InputError
from buildrace.model.scenario import Scenario
from buildrace.testing import toy_world

UNCERTAIN = {
    "model": {
        "invest_response": {"dist": "uniform", "low": 0.5, "high": 1.0},
        # the shocks draw from their own per-draw streams: they must not depend on chunks either
        "demand_volatility": 0.1, "cost_volatility": 0.05, "commodity_price_volatility": 0.2, "investment_volatility": 0.3,
    },
    "stages": {"learning_rate": {"li_ion_battery.cell_lfp": {"dist": "normal", "mean": 0.18, "sd": 0.04}}},
}


@pytest.fixture(scope="module")
def scenario():
    return Scenario.model_validate({"name": "u", "world": "toy_2024", "end_year": 2034, "parameters": UNCERTAIN})


def _same(a, b):
    for v in ("production", "capacity", "price", "unmet", "unit_cost"):
        np.testing.assert_array_equal(a[v].values, b[v].values)


def test_draws_differ_when_parameters_are_uncertain(scenario):
    ds = api.simulate(scenario, draws=4, seed=1, world=toy_world())
    assert not np.array_equal(ds.unit_cost.isel(draw=0).values, ds.unit_cost.isel(draw=1).values)


def test_chunking_does_not_change_a_bit(scenario, monkeypatch):
    whole = api.simulate(scenario, draws=5, seed=3, world=toy_world())
    monkeypatch.setattr(api, "CHUNK_DRAWS", 2)
    _same(whole, api.simulate(scenario, draws=5, seed=3, world=toy_world()))


def test_a_draw_is_the_same_alone_or_in_an_ensemble(scenario):
    from buildrace.ensemble.executors import ChunkTask, run_chunk

    many = api.simulate(scenario, draws=3, seed=7, world=toy_world())
    alone = run_chunk(ChunkTask(scenario=scenario, world=toy_world(), seed=7, offset=2, draws=1,
                                parameter_values={}, keep=frozenset({"production"})))
    np.testing.assert_array_equal(many.production.values[2], alone.outputs["production"][0])


def test_process_pool_gives_the_same_bits(scenario, monkeypatch):
    serial = api.simulate(scenario, draws=4, seed=5, world=toy_world())
    monkeypatch.setattr(api, "CHUNK_DRAWS", 2)
    pooled = api.simulate(scenario, draws=4, seed=5, world=toy_world(), executor="processes", workers=2)
    _same(serial, pooled)


def test_unknown_executor_is_a_clear_error(scenario):
    with pytest.raises(InputError, match="executor"):
        api.simulate(scenario, draws=2, world=toy_world(), executor="gpu")


def test_dask_cluster_gives_the_same_bits(scenario, monkeypatch):
    pytest.importorskip("distributed", reason="the Dask executor needs the dask extra (pip install 'buildrace[dask]')")
    serial = api.simulate(scenario, draws=4, seed=5, world=toy_world())
    monkeypatch.setattr(api, "CHUNK_DRAWS", 2)
    on_dask = api.simulate(scenario, draws=4, seed=5, world=toy_world(), executor="dask", workers=2)
    _same(serial, on_dask)
