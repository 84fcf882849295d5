"""Proper scores against known analytic values, and the random walk with drift."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from buildrace.calibration.scores import (
    crps_ensemble,
    crps_lognormal,
    crps_normal,
    drift_forecast,
)


def _quantiles(dist: NormalDist, m: int) -> np.ndarray:
    """An ensemble of ``m`` evenly spaced quantiles: its CRPS converges to the closed form."""
    return np.array([dist.inv_cdf((i + 0.5) / m) for i in range(m)])


def test_crps_of_a_point_mass_is_the_absolute_error():
    members = np.array([[3.0, -1.0, 7.5]])
    np.testing.assert_allclose(crps_ensemble(members, np.array([5.0, -1.0, 0.5])), [2.0, 0.0, 7.0])
    # m identical members are still a point mass: the spread term cancels
    np.testing.assert_allclose(crps_ensemble(np.full((9, 1), 4.0), np.array([1.0])), [3.0])


def test_crps_of_two_members():
    # members 0 and 2, y = 0: E|X - y| = 1, E|X - X'| = 1 (half the pairs differ by 2)
    np.testing.assert_allclose(crps_ensemble(np.array([[0.0], [2.0]]), np.array([0.0])), [0.5])


@pytest.mark.parametrize("y", [2.0, -1.5, 11.0])
def test_crps_of_a_normal_ensemble_matches_the_closed_form(y):
    mu, sd = 2.0, 3.0
    # the closed form at the mean is sd (sqrt 2 - 1) / sqrt pi
    if y == mu:
        assert crps_normal(mu, sd, y) == pytest.approx(sd * (math.sqrt(2) - 1) / math.sqrt(math.pi))
    ens = _quantiles(NormalDist(mu, sd), 20_001)
    assert crps_ensemble(ens[:, None], np.array([y]))[0] == pytest.approx(float(crps_normal(mu, sd, y)), rel=1e-3)


@pytest.mark.parametrize("y", [0.5, 2.7, 20.0])
def test_crps_of_a_lognormal_ensemble_matches_the_closed_form(y):
    ens = np.exp(_quantiles(NormalDist(1.0, 0.5), 20_001))
    assert crps_ensemble(ens[:, None], np.array([y]))[0] == pytest.approx(float(crps_lognormal(1.0, 0.5, y)), rel=1e-3)


def test_crps_ensemble_is_the_pairwise_definition_and_skips_missing_members():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 4))
    x[2, 1] = np.nan
    y = np.array([0.1, -1.0, 2.0, 0.0])
    for j in range(4):
        col = x[:, j][np.isfinite(x[:, j])]
        brute = np.mean(np.abs(col - y[j])) - 0.5 * np.mean(np.abs(col[:, None] - col[None, :]))
        assert crps_ensemble(x, y)[j] == pytest.approx(brute)
    assert np.isnan(crps_ensemble(np.full((3, 1), np.nan), np.array([1.0]))[0])


def test_a_sharp_right_ensemble_beats_a_wide_right_one():
    sharp = _quantiles(NormalDist(10.0, 0.5), 2001)
    wide = _quantiles(NormalDist(10.0, 5.0), 2001)
    y = np.array([10.2])
    assert crps_ensemble(sharp[:, None], y)[0] < crps_ensemble(wide[:, None], y)[0]


def test_random_walk_with_drift_recovers_an_exact_trend():
    # values doubling every year: the log drift is log 2 and the noise zero
    points = [(2010 + i, 2.0**i) for i in range(5)]
    f = drift_forecast(points, log=True)
    assert f is not None and f.log
    assert f.drift == pytest.approx(math.log(2.0)) and f.sigma == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(f.median(np.array([2015, 2016])), [32.0, 64.0])
    assert f.crps(np.array([2015]), np.array([32.0]))[0] == pytest.approx(0.0, abs=1e-9)


def test_random_walk_with_drift_variance_and_irregular_years():
    # levels 0, 2, 2, 6 at 2010, 2011, 2013, 2014: drift 6/4; changes (2, 0, 4) over gaps (1, 2, 1)
    f = drift_forecast([(2010, 0.0), (2011, 2.0), (2013, 2.0), (2014, 6.0)], log=True)
    assert f is not None and not f.log  # a zero forces the walk into levels
    mu = 1.5
    k2 = ((2 - mu) ** 2 / 1 + (0 - 2 * mu) ** 2 / 2 + (4 - mu) ** 2 / 1) / 2
    assert f.drift == pytest.approx(mu) and f.sigma == pytest.approx(math.sqrt(k2))
    # two years out: variance K^2 (h + h^2 / T), T = 4 years of fitting span
    sd = math.sqrt(k2 * (2 + 4 / 4))
    assert f.crps(np.array([2016]), np.array([9.0]))[0] == pytest.approx(float(crps_normal(6.0 + 2 * mu, sd, 9.0)))


def test_random_walk_with_drift_needs_three_points():
    assert drift_forecast([(2017, 1.0), (2018, 2.0)], log=True) is None
