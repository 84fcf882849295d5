"""The pipeline kernel: arrivals after the lead time (fractional leads split between two
years), a shorter lead never delays capacity, ramp-up and retirement at 1 / lifetime."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buildrace.engine.pipeline import advance, available_capacity, schedule


def _schedule_one(t, lead, amount=100.0, horizon=12):
    buf = np.zeros((horizon, 1, 1))  # (years, draws, pairs)
    n_idx, p_idx = np.indices((1, 1))
    schedule(buf, t, np.array([[lead]]), np.array([[amount]]), n_idx, p_idx)
    return buf[:, 0, 0]


def test_integer_lead_time_arrives_in_one_year():
    buf = _schedule_one(t=2, lead=3.0)
    assert buf[5] == pytest.approx(100.0)
    assert buf.sum() == pytest.approx(100.0)


def test_fractional_lead_time_splits_between_two_years():
    buf = _schedule_one(t=2, lead=2.25)
    assert buf[4] == pytest.approx(75.0)
    assert buf[5] == pytest.approx(25.0)
    assert buf.sum() == pytest.approx(100.0)


def test_lead_time_below_one_year_arrives_next_year():
    buf = _schedule_one(t=0, lead=0.3)
    assert buf[1] == pytest.approx(100.0)


def test_arrivals_beyond_the_buffer_are_kept_in_its_last_year():
    buf = _schedule_one(t=5, lead=20.0, horizon=10)
    assert buf[-1] == pytest.approx(100.0)


def test_schedule_is_vectorised_over_draws_and_pairs():
    buf = np.zeros((8, 2, 3))  # (years, draws, pairs)
    n_idx, p_idx = np.indices((2, 3))
    lead = np.array([[1.0, 1.5, 2.0], [3.0, 2.5, 1.0]])
    schedule(buf, 1, lead, np.full((2, 3), 10.0), n_idx, p_idx)
    assert buf.sum(axis=0) == pytest.approx(np.full((2, 3), 10.0))
    assert buf[2, 0, 1] == pytest.approx(5.0) and buf[3, 0, 1] == pytest.approx(5.0)
    assert buf[4, 1, 0] == pytest.approx(10.0)
    assert buf[:2].sum() == 0.0 and buf[5:].sum() == 0.0


@settings(max_examples=50, deadline=None)
@given(short=st.floats(0.0, 15.0), extra=st.floats(0.0, 10.0), t=st.integers(0, 5))
def test_a_shorter_lead_time_never_delays_capacity(short, extra, t):
    fast = np.cumsum(_schedule_one(t, short, horizon=40))
    slow = np.cumsum(_schedule_one(t, short + extra, horizon=40))
    # by every year, at least as much capacity has arrived with the shorter lead
    assert (fast >= slow - 1e-9).all()


def test_available_capacity_counts_ramping_capacity_at_half_rate():
    cap = available_capacity(np.array(100.0), np.array(20.0), np.array(0.9))
    assert cap == pytest.approx(0.9 * (100.0 - 10.0))


def test_advance_retires_one_over_lifetime():
    k, r = advance(np.array([100.0]), np.array([0.0]), np.array([0.0]), np.array([20.0]), np.array([2.0]))
    assert k == pytest.approx([95.0])
    assert r == pytest.approx([0.0])


def test_advance_adds_arrivals_as_ramping_capacity_that_matures():
    k, r = advance(np.array([100.0]), np.array([0.0]), np.array([10.0]), np.array([10.0]), np.array([2.0]))
    assert k == pytest.approx([100.0])  # 100 - 10 retired + 10 arriving
    assert r == pytest.approx([10.0])
    # next year half of the ramping capacity matures (ramp_years = 2)
    k2, r2 = advance(np.array([100.0]), np.array([10.0]), np.array([0.0]), np.array([1e9]), np.array([2.0]))
    assert k2 == pytest.approx([100.0])
    assert r2 == pytest.approx([5.0])


@settings(max_examples=40, deadline=None)
@given(
    k=st.floats(0.0, 1e4), ramp_share=st.floats(0.0, 1.0), arriving=st.floats(0.0, 1e3),
    life=st.floats(0.5, 60.0), ramp_years=st.floats(0.0, 5.0),
)
def test_advance_keeps_capacity_non_negative_and_ramping_within_capacity(k, ramp_share, arriving, life, ramp_years):
    cap, ramp = advance(np.array([k]), np.array([k * ramp_share]), np.array([arriving]), np.array([life]), np.array([ramp_years]))
    assert cap[0] >= 0 and ramp[0] >= 0
    assert ramp[0] <= cap[0] + 1e-9
    assert cap[0] == pytest.approx(max(k - k / max(life, 1.0), 0.0) + arriving)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_a_buffer_in_another_layout_is_refused_not_written_out_of_bounds(engine, monkeypatch):
    """The compiled kernel writes by flat index: a draws-first buffer (N, P, T + H), the
    layout before the years led, would be written past its end (heap corruption), so
    both paths refuse any buffer that is not (T + H, N, P) for the announcements given."""
    from buildrace.engine import backend

    monkeypatch.setenv(backend.ENV, engine)
    n_idx, p_idx = np.indices((3, 4))
    amount = np.full((3, 4), 5.0)
    with pytest.raises(ValueError, match="must be"):
        schedule(np.zeros((3, 4, 12)), 1, np.full((3, 4), 2.0), amount, n_idx, p_idx)
    buf = np.zeros((12, 3, 4))
    schedule(buf, 1, np.full((3, 4), 2.0), amount, n_idx, p_idx)
    assert buf.sum() == pytest.approx(amount.sum()) and np.all(buf[3] == 5.0)
