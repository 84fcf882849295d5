"""The investment kernel: margin signal, logistic response, capacity gap."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from buildrace.engine.investment import (
    capacity_gap,
    capital_recovery,
    logistic,
    margin_signal,
    ramp_availability,
)
from buildrace.engine.pipeline import advance, available_capacity


def test_margin_signal_hand_case():
    z = margin_signal(np.array(120.0), np.array(100.0), np.array(200.0), 0.85, np.array(0.02))
    assert z == pytest.approx(0.85 * 20.0 / 200.0 - 0.02)


def test_margin_signal_falls_with_a_higher_hurdle():
    args = (np.array(120.0), np.array(100.0), np.array(200.0), 0.85)
    assert margin_signal(*args, np.array(0.05)) < margin_signal(*args, np.array(0.0))


def test_lower_capex_raises_a_positive_margin_signal():
    z_full = margin_signal(np.array(120.0), np.array(100.0), np.array(200.0), 0.85, np.array(0.0))
    z_itc = margin_signal(np.array(120.0), np.array(100.0), np.array(140.0), 0.85, np.array(0.0))
    assert z_itc > z_full


def test_an_investment_credit_never_lowers_the_margin_signal():
    # the credit refunds part of the capital charge inside unit cost (capex * crf / u),
    # so the signal rises whether the margin is positive or negative
    capex, u, life = np.array(200.0), 0.85, np.array(15.0)
    charge = capex * capital_recovery(np.array(0.08), life) / u
    for netback in (90.0, 120.0):
        z_full = margin_signal(np.array(netback), np.array(100.0), capex, u, np.array(0.0))
        z_itc = margin_signal(np.array(netback), np.array(100.0) - 0.3 * charge, capex, u, np.array(0.0))
        assert z_itc > z_full


def test_capital_recovery_factor_by_hand():
    # 10% over 10 years: 0.1 / (1 - 1.1 ** -10) = 0.16275
    assert float(capital_recovery(np.array(0.1), np.array(10.0))) == pytest.approx(0.162745, rel=1e-5)


def test_logistic_is_centred_bounded_and_does_not_overflow():
    assert logistic(np.array(0.0), 15.0) == pytest.approx(0.5)
    assert logistic(np.array(1.0), 2.0) + logistic(np.array(-1.0), 2.0) == pytest.approx(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = logistic(np.array([-1e6, 1e6]), 200.0)
    assert big[0] >= 0.0 and big[1] <= 1.0
    assert big == pytest.approx([0.0, 1.0])


def test_capacity_gap_hand_case_and_floor():
    # sales 85 growing 10%/yr over a 2-year lead at 85% utilisation: need 121
    gap = capacity_gap(np.array(85.0), np.array(0.1), np.array(2.0), 0.85, np.array(50.0), np.array(20.0))
    assert gap == pytest.approx(85.0 * 1.21 / 0.85 - 70.0)
    assert capacity_gap(np.array(10.0), np.array(0.0), np.array(1.0), 0.85, np.array(50.0), np.array(0.0)) == 0.0


def test_ramp_availability_is_one_without_growth_or_ramp_and_falls_with_both():
    assert ramp_availability(np.array(0.0), np.array(3.0)) == 1.0
    assert ramp_availability(np.array(-0.1), np.array(3.0)) == 1.0  # a shrinking industry adds nothing
    assert ramp_availability(np.array(0.25), np.array(0.0)) == 1.0
    assert ramp_availability(np.array(0.25), np.array(3.0)) == pytest.approx(1.0 - 0.5 * 0.75 / 1.75)
    assert ramp_availability(np.array(0.5), np.array(3.0)) < ramp_availability(np.array(0.25), np.array(3.0))


@pytest.mark.parametrize("growth, ramp", [(0.1, 2.0), (0.25, 3.0), (0.4, 1.5)])
def test_ramp_availability_matches_the_pipeline_in_steady_growth(growth, ramp):
    """Planners' headroom is the share of nameplate the engine's own ramp-up lets a
    steadily growing industry run (pipeline.advance and available_capacity)."""
    life = 20.0
    capacity, ramping = np.array([100.0]), np.array([0.0])
    for _ in range(80):  # long enough for the ramping share to settle
        arriving = capacity * (growth + 1.0 / life)
        capacity, ramping = advance(capacity, ramping, arriving, np.array([life]), np.array([ramp]))
    runs = available_capacity(capacity, ramping, 1.0) / capacity
    assert runs[0] == pytest.approx(ramp_availability(np.array(growth), np.array(ramp)), rel=1e-6)
