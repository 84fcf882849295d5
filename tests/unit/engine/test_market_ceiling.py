"""A final use is held under its market (engine/demand.py: market_ceiling): EV sales never
exceed the new cars sold, and the base year is reproduced."""

from __future__ import annotations

import numpy as np
import pytest

from buildrace import api
from buildrace.engine.demand import market_ceiling


def test_below_half_the_market_demand_barely_moves_and_it_never_passes_the_market():
    market0 = np.array([[100.0, 0.0]])
    final = np.array([[[30.0, 5.0]], [[400.0, 5.0]], [[1e6, 5.0]]])[:, 0][:, None]  # (3, 1, 2)
    out = market_ceiling(final, market0, np.ones((1, 2)), np.ones(3))
    assert out[0, 0, 0] == pytest.approx(30.0, rel=0.01)
    assert (out[:, 0, 0] <= 100.0).all() and out[2, 0, 0] == pytest.approx(100.0, rel=1e-6)
    assert (out[:, 0, 1] == 5.0).all()  # a use without a market is left alone


def test_the_base_year_is_reproduced():
    from buildrace.engine.contract import SATURATION_SHARPNESS as k

    d0, m0 = 41.0, 100.0
    s0 = d0 / m0
    out = market_ceiling(np.array([[[d0]]]), np.array([[m0]]), np.array([[(1 + s0**k) ** (1 / k)]]), np.ones(1))
    assert out[0, 0, 0] == pytest.approx(d0, rel=1e-12)


def test_no_draw_of_the_default_priors_sells_more_evs_than_cars():
    race = api.load_scenario("race")
    race = race.model_copy(update={"parameters": race.parameters.model_copy(update={"priors": "default"})})
    ds = api.simulate(race, draws=40, seed=0)
    ev = ds.final_demand.sel(use="use.ev_sales")
    markets = {"CN": 23.0e6, "US": 15.9e6, "EU": 10.6e6}  # world_2024 final_demand.csv market_size
    for m, cars in markets.items():
        years = ds.year.values - 2024
        ceiling = cars * (1.0 + 0.2) ** years  # the market_growth prior's bound, far above its default 1%
        assert (ev.sel(market=m).values <= 1.01 * ceiling[None]).all(), m
