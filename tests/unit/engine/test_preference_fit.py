"""The base-year preference fit: it converges where a pinned share holds most of a
producer's sales, and a draw's result does not depend on the batch it is fitted in."""

from __future__ import annotations

import numpy as np

from buildrace.engine import preference_fit as pf
from buildrace.engine.trade import allocate_with_local_content

NAN = np.nan


def _world(draws: int = 1, scale: np.ndarray | None = None):
    """Two markets, three suppliers, one stage: supplier 2 (small) sells 9 of its 10
    units in market 0 under an observed share, so only 1 unit responds to its theta."""
    demand = np.array([[[100.0], [20.0]]]).repeat(draws, axis=0)  # (N, M, S)
    avail = np.array([[[200.0], [50.0], [30.0]]]).repeat(draws, axis=0)  # (N, E, S)
    q0 = np.array([[[75.0], [35.0], [10.0]]]).repeat(draws, axis=0)
    preference = np.ones((draws, 2, 3, 1))
    if scale is not None:
        preference = preference * scale[:, None, None, None]
    target = np.full((2, 3, 1), NAN)
    target[0, 2, 0] = 0.09  # supplier 2's share of market 0
    return demand, avail, preference, q0, target


def _fit(demand, avail, preference, q0, target, rounds=200):
    no_local = np.zeros((demand.shape[1], 1)), np.zeros((demand.shape[1], avail.shape[1]))
    theta, bilateral, err = pf.fit_preferences(demand, avail, preference, q0, target, *no_local, rounds)
    flows, _, _ = allocate_with_local_content(demand, avail, preference * theta[:, None] * bilateral, *no_local)
    return theta, bilateral, err, flows


def test_fit_reproduces_production_and_the_pinned_share_within_few_rounds():
    demand, avail, preference, q0, target = _world()
    # 60 rounds are enough; the plain alternation of the two fits moved supplier 2 by
    # about a tenth of its gap a round and needed hundreds
    theta, bilateral, err, flows = _fit(demand, avail, preference, q0, target, rounds=60)
    assert err < pf.FIT_TOLERANCE
    np.testing.assert_allclose(flows.sum(axis=1), q0, rtol=1e-9)
    share = flows[0, 0, 2, 0] / flows[0, 0, :, 0].sum()
    assert abs(share - 0.09) <= pf.TRADE_FIT_TOLERANCE


def test_a_draw_gets_the_same_bits_alone_or_in_a_batch():
    scale = np.array([1.0, 1.3, 0.7, 1.0])  # draws 0 and 3 are the same draw
    batch = _fit(*_world(4, scale))
    for d in range(4):
        alone = _fit(*_world(1, scale[d : d + 1]))
        for got, want in zip(batch[:2], alone[:2], strict=True):
            assert np.array_equal(got[d : d + 1], want)


def test_distinct_draws_groups_identical_rows():
    a = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0]])
    b = np.array([5.0, 6.0, 5.0])
    first, inverse = pf.distinct_draws(a, b)
    assert first.tolist() == [0, 1]
    assert inverse.tolist() == [0, 1, 0]
    np.testing.assert_array_equal(a[first][inverse], a)
    first, _ = pf.distinct_draws(a, np.array([5.0, 6.0, 7.0]))
    assert first.tolist() == [0, 1, 2]
