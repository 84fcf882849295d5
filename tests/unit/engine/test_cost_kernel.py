"""The cost kernel against hand calculations: Wright's law, experience with
spillovers, agglomeration, vertical integration and the total unit cost."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrace.engine.cost import (
    agglomeration,
    experience,
    integration,
    learning_exponent,
    learning_factor,
    unit_cost,
)


def test_learning_exponent_for_common_rates():
    assert learning_exponent(np.array(0.5)) == pytest.approx(1.0)
    assert learning_exponent(np.array(0.0)) == pytest.approx(0.0)
    assert learning_exponent(np.array(0.2)) == pytest.approx(-np.log2(0.8))


def test_learning_rate_half_halves_cost_per_doubling():
    b = learning_exponent(np.array(0.5))
    x0 = np.array(100.0)
    assert learning_factor(np.array(200.0), x0, b) == pytest.approx(0.5)
    assert learning_factor(np.array(400.0), x0, b) == pytest.approx(0.25)
    assert learning_factor(np.array(800.0), x0, b) == pytest.approx(0.125)


@pytest.mark.parametrize("lr", [0.05, 0.18, 0.3])
@pytest.mark.parametrize("doublings", [1, 2, 5])
def test_each_doubling_cuts_cost_by_the_learning_rate(lr, doublings):
    b = learning_exponent(np.array(lr))
    f = learning_factor(np.array(2.0**doublings), np.array(1.0), b)
    assert f == pytest.approx((1.0 - lr) ** doublings)


def test_learning_factor_is_one_in_the_base_year_and_never_above_one():
    b = learning_exponent(np.array(0.2))
    assert learning_factor(np.array(50.0), np.array(50.0), b) == pytest.approx(1.0)
    assert learning_factor(np.array(10.0), np.array(50.0), b) == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(lr1=st.floats(0.0, 0.6), lr2=st.floats(0.0, 0.6), ratio=st.floats(1.0, 1e4))
def test_more_learning_never_raises_the_learning_factor(lr1, lr2, ratio):
    lo, hi = sorted((lr1, lr2))
    x = np.array(ratio)
    f_lo = learning_factor(x, np.array(1.0), learning_exponent(np.array(lo)))
    f_hi = learning_factor(x, np.array(1.0), learning_exponent(np.array(hi)))
    assert f_hi <= f_lo * (1 + 1e-12)


def test_experience_counts_rest_of_economy_and_world_with_spillover_weights():
    # own 10, economy total 30 (rest 20), world total 100 (rest of world 70)
    x = experience(np.array(10.0), np.array(30.0), np.array(100.0), 0.5, 0.1)
    assert x == pytest.approx(10.0 + 0.5 * 20.0 + 0.1 * 70.0)
    # no spillovers: a site learns from its own output only
    assert experience(np.array(10.0), np.array(30.0), np.array(100.0), 0.0, 0.0) == pytest.approx(10.0)


def test_agglomeration_formula():
    assert agglomeration(np.array(0.0), 0.05, 0.05) == pytest.approx(1.0)
    assert agglomeration(np.array(0.05), 0.05, 0.05) == pytest.approx(2.0**-0.05)
    assert agglomeration(np.array(0.15), 0.05, 0.1) == pytest.approx(4.0**-0.1)
    # more cluster mass never raises cost
    m = np.linspace(0.0, 2.0, 50)
    assert (np.diff(agglomeration(m, 0.05, 0.05)) <= 0).all()


def test_integration_formula():
    assert integration(np.array(1.0), np.array(0.08)) == pytest.approx(1.0)
    assert integration(np.array(0.0), np.array(0.08)) == pytest.approx(1.08)
    assert integration(np.array(0.25), np.array(0.08)) == pytest.approx(1.06)


def test_unit_cost_combines_factor_learning_place_inputs_and_energy():
    c = unit_cost(
        factor_cost=np.array(100.0), learn=np.array(0.5), agglo=np.array(0.9), integ=np.array(1.1),
        infra=np.array(1.0), input_cost=np.array(20.0), energy_cost=np.array(5.0),
    )
    assert c == pytest.approx(100.0 * 0.5 * 0.9 * 1.1 + 20.0 + 5.0)


def test_value_added_learning_rises_with_the_stages_own_learning_rate():
    """The factor-cost exponent never falls when the stage's own learning rate rises."""
    from buildrace.engine.calibrate import value_added_learning

    intensity = np.array([[0.0, 0.0], [2.0, 0.0]])  # stage 1 uses 2 units of stage 0
    price0 = np.array([[[10.0, 0.0]]])  # (N, E, S)
    unit_cost0 = np.array([[[10.0, 50.0]]])
    factor0 = np.array([[[9.0, 25.0]]])
    lows = value_added_learning(np.array([[0.1, 0.1]]), price0, intensity, unit_cost0, factor0)
    highs = value_added_learning(np.array([[0.1, 0.3]]), price0, intensity, unit_cost0, factor0)
    assert highs[0, 0, 1] > lows[0, 0, 1]
    assert highs[0, 0, 0] == lows[0, 0, 0]
    # by hand: b = -log2(1 - LR); b_F = (b_1 - w_0 b_0) / f_1 with w_0 = 20/50, f_1 = 25/50
    b = -np.log2(0.9)
    assert lows[0, 0, 1] == pytest.approx((b - 0.4 * b) / 0.5)
