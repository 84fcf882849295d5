"""Scarcity pricing (engine/prices.py): linear on manufactured stages, an inverse demand
curve with a ceiling on raw materials."""

import numpy as np
import pytest

from buildrace.engine.prices import scarcity_factor

COMMODITY = np.array([True, False])


def factor(u, markup=1.5, elasticity=0.3, cap=5.0):
    unmet = np.array([[[u, u]]])  # (N=1, M=1, S=2): a raw material and a manufactured stage
    return scarcity_factor(unmet, markup, elasticity, cap, COMMODITY)[0, 0]


def test_nothing_unmet_leaves_prices_alone():
    assert factor(0.0) == pytest.approx([1.0, 1.0])


def test_manufactured_stages_keep_the_linear_markup():
    assert factor(0.2)[1] == pytest.approx(1.0 + 1.5 * 0.2)


def test_raw_materials_follow_the_inverse_demand_curve():
    # buyers give up a fifth of their demand when the price rises by 0.8 ** (-1 / 0.3)
    assert factor(0.2)[0] == pytest.approx(0.8 ** (-1.0 / 0.3))
    assert factor(0.2)[0] > factor(0.2)[1]


def test_raw_material_prices_rise_with_the_shortage_up_to_the_cap():
    shares = np.linspace(0.0, 1.0, 41)
    rises = np.array([factor(u)[0] for u in shares])
    assert np.all(np.diff(rises) >= 0.0)
    assert rises.max() == pytest.approx(5.0)
    assert np.isfinite(factor(1.0)).all()  # a full shortage meets the cap, not an overflow


def test_less_elastic_demand_spikes_harder():
    assert factor(0.1, elasticity=0.15)[0] > factor(0.1, elasticity=0.6)[0]
