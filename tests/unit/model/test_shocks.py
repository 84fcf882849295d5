"""Stochastic shocks: off by default, reproducible per draw, acting where MODEL.md says."""

from __future__ import annotations

import numpy as np
import pytest

import buildrace.api as api
from buildrace.calibration.fit import MIN_CHANGES, annual_changes, volatility_parameters
from buildrace.calibration.history import ObservedRow
from buildrace.model.distributions import LogNormal
from buildrace.model.priors import MODEL_PRIORS
from buildrace.model.scenario import Scenario
from buildrace.model.shocks import commodity_stages, draw_shocks
from buildrace.testing import toy_world

VOLS = ("demand_volatility", "cost_volatility", "commodity_price_volatility", "investment_volatility")


def _scenario(**model):
    return Scenario.model_validate({"name": "s", "world": "toy_2024", "end_year": 2034, "parameters": {"model": model}})


def _draws(n, **vals):
    base = {v: np.zeros(n) for v in VOLS} | {"commodity_price_persistence": np.full(n, 0.6), "investment_persistence": np.full(n, 0.7)}
    return base | {k: np.full(n, v) for k, v in vals.items()}


def test_no_volatility_means_no_shocks_and_the_same_bits():
    assert draw_shocks(_draws(3), 0, 0, 3, 5, 2, 4, 3, np.array([0, 0, 1]), np.array([True, False, False])) is None
    plain = api.simulate(_scenario(), draws=2, seed=4, world=toy_world())
    zero = api.simulate(_scenario(**{v: 0.0 for v in VOLS}), draws=2, seed=4, world=toy_world())
    np.testing.assert_array_equal(plain.production.values, zero.production.values)
    np.testing.assert_array_equal(plain.price.values, zero.price.values)


def test_shocks_start_after_the_base_year_and_depend_only_on_the_draw():
    chain, commodity = np.array([0, 0, 1]), np.array([True, False, False])
    a = draw_shocks(_draws(4, demand_volatility=0.2, cost_volatility=0.1, commodity_price_volatility=0.3, investment_volatility=0.3),
                    7, 0, 4, 6, 2, 4, 3, chain, commodity)
    b = draw_shocks(_draws(2, demand_volatility=0.2, cost_volatility=0.1, commodity_price_volatility=0.3, investment_volatility=0.3),
                    7, 2, 2, 6, 2, 4, 3, chain, commodity)
    assert a is not None and b is not None
    for name in ("demand", "cost", "price", "invest"):
        np.testing.assert_array_equal(getattr(a, name)[:, 0], 0.0)
        np.testing.assert_array_equal(getattr(a, name)[2:], getattr(b, name))
    np.testing.assert_array_equal(a.price[..., ~commodity], 0.0)  # only raw materials carry price shocks
    assert np.all(np.abs(a.price[:, 1:, commodity]) > 0)


def test_demand_random_walk_spreads_with_the_horizon():
    n = 400
    s = draw_shocks(_draws(n, demand_volatility=0.2), 1, 0, n, 11, 3, 4, 2, np.array([0, 1]), np.array([False, False]))
    sd = s.demand.std(axis=0).mean(axis=(1, 2))  # (T,)
    # a random walk: sd grows like sigma * sqrt(t)
    np.testing.assert_allclose(sd[[1, 4, 9]], 0.2 * np.sqrt([1, 4, 9]), rtol=0.15)
    assert abs(np.median(s.demand[:, -1])) < 0.05  # median path unshifted


def test_commodity_stages_are_the_raw_materials():
    mask = commodity_stages(("solar_pv.polysilicon", "solar_pv.module", "li_ion_battery.refine_lithium", "ndfeb_magnet.separation_ndpr_oxide"))
    assert mask.tolist() == [True, False, True, True]


def test_shocks_widen_the_ensemble_and_keep_the_base_year():
    calm = api.simulate(_scenario(), draws=20, seed=2, world=toy_world())
    noisy = api.simulate(_scenario(demand_volatility=0.2, cost_volatility=0.08, investment_volatility=0.4), draws=20, seed=2, world=toy_world())
    first = noisy.production.isel(year=0).values
    np.testing.assert_allclose(first, first[:1].repeat(20, axis=0), rtol=1e-9)
    assert _spread(noisy) > _spread(calm) + 0.02


def _spread(ds):
    """Mean coefficient of variation over draws of the last year's world output per stage."""
    last = ds.production.isel(year=-1).sum("economy")
    return float((last.std("draw") / last.mean("draw")).mean())


def _row(series, stage, year, value, line=1):
    return ObservedRow(series=series, stage=stage, economy="WORLD", year=year, value=value, unit="", source="T", line=line)


def test_volatility_priors_are_centred_on_the_history_up_to_the_base_year():
    rng = np.random.default_rng(0)
    values = np.exp(np.cumsum(0.3 + 0.25 * rng.standard_normal(12)))
    rows = [_row("demand", "use.ev_sales", 2010 + i, float(v), i) for i, v in enumerate(values)]
    d = annual_changes(rows, "demand", 2021)
    assert len(d) == 11 and abs(d.mean()) < 1e-12
    params = {p.name: p for p in volatility_parameters(rows, until=2021)}
    prior = params["demand_volatility"].prior
    assert isinstance(prior, LogNormal) and prior.median == pytest.approx(np.sqrt(np.mean(d**2)), rel=1e-3)
    # rows after the base year are not read
    assert len(annual_changes(rows, "demand", 2014)) == 4
    # too few changes: the default prior
    few = volatility_parameters(rows[:MIN_CHANGES], until=2021)
    assert {p.name: p.prior for p in few}["demand_volatility"] == MODEL_PRIORS["demand_volatility"]
    assert {p.name: p.prior for p in few}["investment_volatility"] == MODEL_PRIORS["investment_volatility"]


def test_one_boom_and_bust_does_not_set_every_series_volatility():
    # three calm series and one with a policy-made collapse and rebound (US wind, 2013)
    rng = np.random.default_rng(1)
    rows = []
    for k, stage in enumerate(("use.ev_sales", "use.pv_installations", "use.storage_installations")):
        values = np.exp(np.cumsum(0.2 + 0.1 * rng.standard_normal(9)))
        rows += [_row("demand", stage, 2010 + i, float(v), 10 * k + i) for i, v in enumerate(values)]
    wild = [10.0, 12.0, 13.0, 1.0, 5.0, 8.0, 8.5, 7.0, 9.0]
    rows += [_row("demand", "use.wind_installations", 2010 + i, v, 100 + i) for i, v in enumerate(wild)]
    prior = {p.name: p.prior for p in volatility_parameters(rows, until=2018)}["demand_volatility"]
    pooled = np.sqrt(np.mean(annual_changes(rows, "demand", 2018) ** 2))
    assert isinstance(prior, LogNormal)
    assert prior.median < 0.6 * pooled  # the pooled scatter is dominated by the one wild series
    assert 0.05 < prior.median < 0.5
