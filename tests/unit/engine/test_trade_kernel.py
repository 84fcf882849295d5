"""The trade kernel against cases worked by hand: delivered cost, logit shares,
capacity caps and spill, bans, local content, and the split over an economy's sites."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from buildrace.engine.trade import (
    allocate,
    allocate_with_local_content,
    delivered_cost,
    logit_preference,
    price_index,
    split_to_sites,
)


def test_delivered_cost_adds_tariff_premium_and_freight_on_imports_only():
    cost = np.array([[[100.0], [80.0]]])  # (N=1, E=2, S=1)
    tariff = np.zeros((2, 2, 1))
    tariff[0, 1, 0] = 0.25  # market 0 taxes imports from economy 1
    premium = np.array([[0.0, 0.1], [0.0, 0.0]])
    transport = np.array([[10.0]])
    offdiag = 1.0 - np.eye(2)
    d = delivered_cost(cost, tariff, premium, transport, offdiag)
    assert d.shape == (1, 2, 2, 1)
    # market 0: home supplier at cost; importer pays 80 * (1 + 0.25 + 0.1) + 10
    assert d[0, 0, 0, 0] == pytest.approx(100.0)
    assert d[0, 0, 1, 0] == pytest.approx(80.0 * 1.35 + 10.0)
    # market 1: economy 0 is the importer's supplier, untaxed; home supplier at cost
    assert d[0, 1, 0, 0] == pytest.approx(110.0)
    assert d[0, 1, 1, 0] == pytest.approx(80.0)


def _one_market(delivered, avail, lam=2.0, factor=None, theta=None):
    E = len(delivered)
    dlv = np.asarray(delivered, float).reshape(1, 1, E, 1)
    av = np.asarray(avail, float).reshape(1, E, 1)
    fac = np.ones((1, E, 1)) if factor is None else np.asarray(factor, float).reshape(1, E, 1)
    th = np.ones((1, E, 1)) if theta is None else np.asarray(theta, float).reshape(1, E, 1)
    return logit_preference(dlv, av, np.array([[lam]]), fac, th)


def test_two_supplier_logit_share_matches_hand_calculation():
    # equal capacity: mean delivered = 125, weights exp(-2*100/125), exp(-2*150/125)
    pref = _one_market([100.0, 150.0], [1.0, 1.0])
    assert pref[0, 0, :, 0] == pytest.approx([np.exp(-1.6), np.exp(-2.4)])
    flows, unmet, _ = allocate(np.array([[[10.0]]]), np.array([[[50.0], [50.0]]]), pref)
    share0 = 1.0 / (1.0 + np.exp(-0.8))  # = 0.68997...
    assert flows[0, 0, :, 0] == pytest.approx([10.0 * share0, 10.0 * (1.0 - share0)])
    assert unmet[0, 0, 0] == pytest.approx(0.0)


def test_logit_mean_is_capacity_weighted_and_skips_banned_suppliers():
    # capacity 3:1 -> mean = (3*100 + 150) / 4 = 112.5
    pref = _one_market([100.0, 150.0], [3.0, 1.0])
    assert pref[0, 0, :, 0] == pytest.approx(np.exp(-2.0 * np.array([100.0, 150.0]) / 112.5))
    # a banned supplier gets no weight and does not enter the mean
    pref = _one_market([100.0, 150.0, 1e6], [1.0, 1.0, 1.0], factor=[1.0, 1.0, 0.0])
    assert pref[0, 0, 2, 0] == 0.0
    assert pref[0, 0, :2, 0] == pytest.approx([np.exp(-1.6), np.exp(-2.4)])


def test_logit_capacity_weights_shares():
    # same cost: shares follow capacity (capacity-weighted logit)
    pref = _one_market([100.0, 100.0], [1.0, 3.0])
    flows, _, _ = allocate(np.array([[[8.0]]]), np.array([[[10.0], [30.0]]]), pref)
    assert flows[0, 0, :, 0] == pytest.approx([2.0, 6.0])


def test_capacity_binds_and_spill_goes_to_the_other_supplier():
    # supplier 0 is strongly preferred but has headroom 4 only
    pref = np.array([10.0, 1.0]).reshape(1, 1, 2, 1)
    flows, unmet, left = allocate(np.array([[[50.0]]]), np.array([[[4.0], [100.0]]]), pref)
    assert flows[0, 0, 0, 0] == pytest.approx(4.0)
    assert flows[0, 0, 1, 0] == pytest.approx(46.0)
    assert unmet[0, 0, 0] == pytest.approx(0.0)
    assert left[0, :, 0] == pytest.approx([0.0, 54.0])


def test_demand_above_all_capacity_is_unmet_not_dropped():
    pref = np.ones((1, 1, 2, 1))
    flows, unmet, left = allocate(np.array([[[10.0]]]), np.array([[[3.0], [2.0]]]), pref)
    assert flows[0, 0, :, 0] == pytest.approx([3.0, 2.0])
    assert unmet[0, 0, 0] == pytest.approx(5.0)
    assert left.sum() == pytest.approx(0.0)


def test_capacity_shared_by_two_markets_is_never_overloaded():
    # both markets prefer supplier 0 (headroom 5); the rest spills to supplier 1
    pref = np.array([[100.0, 1.0], [100.0, 1.0]]).reshape(1, 2, 2, 1)
    flows, unmet, _ = allocate(np.array([[[6.0], [6.0]]]), np.array([[[5.0], [100.0]]]), pref)
    assert flows[0, :, 0, 0].sum() == pytest.approx(5.0)
    assert flows[0, :, :, 0].sum(axis=1) == pytest.approx([6.0, 6.0])
    assert unmet.sum() == pytest.approx(0.0)


def test_banned_supplier_never_delivers_even_when_demand_goes_unmet():
    pref = np.array([0.0, 1.0]).reshape(1, 1, 2, 1)  # factor 0 on supplier 0
    flows, unmet, _ = allocate(np.array([[[10.0]]]), np.array([[[100.0], [4.0]]]), pref)
    assert flows[0, 0, 0, 0] == 0.0
    assert flows[0, 0, 1, 0] == pytest.approx(4.0)
    assert unmet[0, 0, 0] == pytest.approx(6.0)


# quantities are zero or of physical size (no 1e-300 corner cases)
_qty = st.one_of(st.just(0.0), st.floats(1e-6, 1e3))


@settings(max_examples=40, deadline=None)
@given(
    demand=arrays(float, (2, 3, 2), elements=_qty),
    headroom=arrays(float, (2, 3, 2), elements=_qty),
    pref=arrays(float, (2, 3, 3, 2), elements=st.one_of(st.just(0.0), st.floats(1e-3, 10.0))),
)
def test_allocation_conserves_demand_and_respects_headroom(demand, headroom, pref):
    flows, unmet, left = allocate(demand, headroom, pref)
    assert (flows >= 0).all() and (unmet >= 0).all() and (left >= 0).all()
    np.testing.assert_allclose(flows.sum(axis=2) + unmet, demand, rtol=1e-9, atol=1e-9)
    load = flows.sum(axis=1)
    assert (load <= headroom * (1 + 1e-9) + 1e-9).all()
    np.testing.assert_allclose(load + left, headroom, rtol=1e-9, atol=1e-9)
    # nothing flows where the preference is zero
    assert (flows[np.broadcast_to(pref == 0, flows.shape)] == 0).all()


def _lc_case(share, dom_headroom):
    # market 0 buys from a cheap foreign supplier (1) and a costly domestic one (0)
    demand = np.array([[[10.0], [0.0]]])
    headroom = np.array([[[dom_headroom], [100.0]]])
    pref = np.array([[0.01, 1.0], [1.0, 1.0]]).reshape(1, 2, 2, 1)
    local_share = np.array([[share], [0.0]])
    members = np.eye(2)
    return allocate_with_local_content(demand, headroom, pref, local_share, members)


def test_local_content_reserves_the_share_for_local_suppliers():
    flows0, _, _ = _lc_case(0.0, 100.0)
    assert flows0[0, 0, 0, 0] < 1.0  # without the rule the domestic supplier sells little
    flows, unmet, _ = _lc_case(0.6, 100.0)
    assert flows[0, 0, 0, 0] >= 6.0 - 1e-9
    assert flows[0, 0, :, 0].sum() + unmet[0, 0, 0] == pytest.approx(10.0)


def test_local_content_reservation_spills_to_open_market_when_locals_lack_capacity():
    flows, unmet, left = _lc_case(0.6, 2.0)
    assert flows[0, 0, 0, 0] == pytest.approx(2.0)
    assert flows[0, 0, 1, 0] == pytest.approx(8.0)
    assert unmet[0, 0, 0] == pytest.approx(0.0)
    assert left[0, 0, 0] == pytest.approx(0.0)


def _one_group(n_pairs):
    return SimpleNamespace(
        economies=("A",), stages=("s",), group_start=np.array([0]), pair_group=np.zeros(n_pairs, dtype=int)
    )


def test_split_to_sites_even_for_identical_sites():
    q = split_to_sites(np.array([[[15.0]]]), np.array([[10.0, 10.0]]), np.ones((1, 2)), np.ones((1, 2)), 3.0, _one_group(2))
    assert q[0] == pytest.approx([7.5, 7.5])


def test_split_to_sites_prefers_the_cheaper_site_by_the_within_logit():
    cost = np.array([[1.0, 3.0]])  # mean (equal capacity) = 2: weights exp(-lam * 0.5), exp(-lam * 1.5)
    q = split_to_sites(np.array([[[1.0]]]), np.array([[10.0, 10.0]]), cost, np.ones((1, 2)), 2.0, _one_group(2))
    assert q[0, 0] == pytest.approx(1.0 / (1.0 + np.exp(-2.0)))
    assert q.sum() == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(
    avail=arrays(float, (2, 3), elements=_qty),
    cost=arrays(float, (2, 3), elements=st.floats(1.0, 10.0)),
    frac=st.floats(0.0, 1.0),
)
def test_split_to_sites_never_exceeds_site_capacity_and_conserves_output(avail, cost, frac):
    q_group = (frac * avail.sum(axis=1)).reshape(2, 1, 1)
    q = split_to_sites(q_group, avail, cost, np.ones_like(avail), 3.0, _one_group(3))
    assert (q >= 0).all()
    assert (q <= avail * (1 + 1e-9) + 1e-12).all()
    np.testing.assert_allclose(q.sum(axis=1), q_group.ravel(), rtol=1e-7, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    cost=arrays(float, (3,), elements=st.floats(50.0, 200.0)),
    cap=arrays(float, (3,), elements=st.floats(1.0, 100.0)),
    tariff=st.floats(0.0, 2.0),
    more=st.floats(0.01, 2.0),
)
def test_a_higher_tariff_never_raises_the_taxed_suppliers_share_when_capacity_is_ample(cost, cap, tariff, more):
    def share(rate):
        dlv = cost.reshape(1, 1, 3, 1) * np.array([1.0, 1.0, 1.0 + rate]).reshape(1, 1, 3, 1)
        pref = logit_preference(dlv, cap.reshape(1, 3, 1), np.array([[4.0]]), np.ones((1, 3, 1)), np.ones((1, 3, 1)))
        flows, _, _ = allocate(np.array([[[0.5]]]), cap.reshape(1, 3, 1), pref)
        return flows[0, 0, 2, 0] / flows[0, 0, :, 0].sum()

    assert share(tariff + more) <= share(tariff) + 1e-12


def test_a_far_cheaper_banned_supplier_leaves_the_price_index_finite():
    # one market, two suppliers: the allowed one at 100, the banned one at 1 (a ban on
    # the cheapest source); the index is that of the allowed supplier alone, not NaN
    delivered = np.array([100.0, 1.0]).reshape(1, 1, 2, 1)
    avail = np.ones((1, 2, 1))
    theta = np.ones((1, 2, 1))
    lam = np.array([[8.0]])
    banned = price_index(delivered, avail, theta, np.array([1.0, 0.0]).reshape(1, 2, 1), lam)
    alone = price_index(delivered[:, :, :1], avail[:, :1], theta[:, :1], np.ones((1, 1, 1)), lam)
    assert np.isfinite(banned).all()
    assert banned[0, 0, 0] > alone[0, 0, 0]  # the ban's lost option is priced: removing a supplier raises P
