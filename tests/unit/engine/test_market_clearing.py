"""Market clearing along the chain: derived demand down, input shortages and stock draws up."""

from __future__ import annotations

import numpy as np
import pytest

from buildrace.engine.market import clear_markets

# one market, one economy, two stages: stage 0 (downstream) uses 2 units of stage 1 per unit
INTENSITY = np.array([[0.0, 2.0], [0.0, 0.0]])
LEVELS = (np.array([0]), np.array([1]))
PREF = np.ones((1, 1, 1, 2))
NO_LC = (np.zeros((1, 2)), np.eye(1))


def _clear(upstream_avail, stock_up=0.0):
    final = np.array([[[10.0, 0.0]]])
    avail = np.array([[[100.0, upstream_avail]]])
    stock = np.array([[[0.0, stock_up]]])
    return clear_markets(final, avail, PREF, INTENSITY, LEVELS, *NO_LC, stock)


def test_derived_demand_follows_input_intensity():
    cl = _clear(100.0)
    assert cl.demand[0, 0] == pytest.approx([10.0, 20.0])
    assert cl.derived[0, 0] == pytest.approx([0.0, 20.0])
    assert cl.output[0, 0] == pytest.approx([10.0, 20.0])
    assert cl.unmet.sum() == pytest.approx(0.0)


def test_upstream_shortage_propagates_downstream():
    cl = _clear(10.0)  # only half the input needed
    assert cl.output[0, 0] == pytest.approx([5.0, 10.0])
    assert cl.served[0, 0] == pytest.approx([5.0, 10.0])
    assert cl.unmet[0, 0] == pytest.approx([5.0, 10.0])


def test_stock_draw_fills_part_of_the_gap():
    cl = _clear(10.0, stock_up=4.0)
    assert cl.stock_draw[0, 0] == pytest.approx([0.0, 4.0])
    assert cl.fill[0, 0, 1] == pytest.approx(0.7)
    assert cl.output[0, 0, 0] == pytest.approx(7.0)
    assert cl.unmet[0, 0] == pytest.approx([3.0, 6.0])


@pytest.mark.parametrize("up", [0.0, 5.0, 10.0, 40.0])
@pytest.mark.parametrize("stock", [0.0, 3.0, 50.0])
def test_demand_is_served_unmet_or_drawn_from_stock(up, stock):
    cl = _clear(up, stock)
    np.testing.assert_allclose(cl.served + cl.unmet + cl.stock_draw, cl.demand, rtol=1e-12, atol=1e-12)
    assert (cl.output <= np.array([[[100.0, up]]]) + 1e-12).all()
