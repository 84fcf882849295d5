"""The demand kernel: growth, price response, electrification coupling, derived stage demand."""

from __future__ import annotations

import numpy as np
import pytest

from buildrace.engine.demand import final_use_demand, stage_demand

D0 = np.array([[100.0, 50.0]])  # (M=1, U=2)
GROWTH = np.array([[1.1, 1.0]])
P0 = np.array([[[10.0, 20.0]]])  # (N=1, M=1, U=2)
NO_COUPLING = np.zeros((2, 2))


def test_demand_follows_growth_at_base_prices():
    d = final_use_demand(D0, GROWTH, P0, P0, np.array([[0.5, 0.5]]), NO_COUPLING)
    assert d[0, 0] == pytest.approx([110.0, 50.0])


def test_price_elasticity_scales_demand():
    d = final_use_demand(D0, GROWTH, 2.0 * P0, P0, np.array([[0.5, 0.0]]), NO_COUPLING)
    assert d[0, 0] == pytest.approx([110.0 * 2.0**-0.5, 50.0])


def test_zero_base_price_means_no_price_response():
    p0 = np.array([[[0.0, 20.0]]])
    d = final_use_demand(D0, GROWTH, 2.0 * p0 + 5.0, p0, np.array([[1.0, 0.0]]), NO_COUPLING)
    assert d[0, 0, 0] == pytest.approx(110.0)


def test_coupling_adds_demand_only_above_the_path():
    coupling = np.array([[0.0, 0.1], [0.0, 0.0]])  # use 0 above its path drives use 1
    # price halved, elasticity 1: use 0 doubles to 220 (110 above path) -> use 1 + 11
    d = final_use_demand(D0, GROWTH, 0.5 * P0, P0, np.array([[1.0, 0.0]]), coupling)
    assert d[0, 0] == pytest.approx([220.0, 61.0])
    # price up: use 0 below its path, no negative coupling
    d = final_use_demand(D0, GROWTH, 2.0 * P0, P0, np.array([[1.0, 0.0]]), coupling)
    assert d[0, 0] == pytest.approx([55.0, 50.0])


def test_stage_demand_is_final_times_intensity_plus_other_uses():
    final = np.array([[[10.0, 2.0]]])  # (N, M, U)
    use_int = np.array([[1.0, 0.0, 3.0], [0.0, 2.0, 1.0]])  # (U, S)
    other = np.array([[1.0, 1.0, 1.0]])
    d = stage_demand(final, use_int, other)
    assert d[0, 0] == pytest.approx([11.0, 5.0, 33.0])
