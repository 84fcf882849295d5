"""Year-on-year paths change smoothly on the embedded 2024 world with no shock.

A sawtooth (108, 59, 116, 72 from one year to the next, as US LFP-cell demand once
moved) is a sign of investors or buyers overreacting, not of anything in the data. The
bound is on the relative second difference ``|x[t+1] - 2 x[t] + x[t-1]| / x[t]``:

- world demand and world output of every stage: at most 0.2 (today's largest is 0.13,
  EV demand around the 2030 end of the US production credits);
- an economy's demand or output of a stage, where it is at least a tenth of the
  world's that year: at most 0.55 (today's largest is 0.50, US anode demand as US cell
  output turns down when the 45X credits phase out in 2030-2032, a kink the policy
  causes; it was 0.44 before stationary storage's packs were held to LFP cells, whose
  anode intensity is higher, which sharpens the US cell mix's turn). Small series are left out: a producer with 1% of the world can double from
  one year to the next by taking the overflow of a leader short of capacity.

A zigzag of the size above scores 0.87 and 1.8 and fails both bounds.
"""

from __future__ import annotations

import numpy as np
import pytest

from buildrace import api

WORLD_BOUND = 0.2
MAJOR_BOUND = 0.55
MAJOR_SHARE = 0.1


@pytest.fixture(scope="module")
def baseline():
    return api.simulate("baseline").isel(draw=0)


def second_difference(x: np.ndarray) -> np.ndarray:
    """Relative second difference along the first (year) axis; 0 where the level is 0."""
    mid = x[1:-1]
    return np.where(mid > 0, np.abs(x[2:] - 2.0 * mid + x[:-2]) / np.where(mid > 0, mid, 1.0), 0.0)


def _worst(d2: np.ndarray, ds, axis: str | None) -> str:
    k = np.unravel_index(int(d2.argmax()), d2.shape)
    where = [f"year {int(ds.year.values[k[0] + 1])}"]
    if axis is not None:
        where.append(str(ds[axis].values[k[1]]))
    where.append(str(ds.stage.values[k[-1]]))
    return f"{float(d2.max()):.3f} at {', '.join(where)}"


@pytest.mark.parametrize(("var", "axis"), [("demand", "market"), ("production", "economy")])
def test_world_paths_are_smooth(baseline, var, axis):
    world = baseline[var].sum(axis).transpose("year", "stage").values
    d2 = second_difference(world)
    assert d2.max() <= WORLD_BOUND, f"world {var} bends too sharply: {_worst(d2, baseline, None)}"


@pytest.mark.parametrize(("var", "axis"), [("demand", "market"), ("production", "economy")])
def test_major_economy_paths_are_smooth(baseline, var, axis):
    x = baseline[var].transpose("year", axis, "stage").values
    major = x[1:-1] >= MAJOR_SHARE * x[1:-1].sum(axis=1, keepdims=True)
    d2 = np.where(major, second_difference(x), 0.0)
    assert d2.max() <= MAJOR_BOUND, f"{var} of a major {axis} bends too sharply: {_worst(d2, baseline, axis)}"


def test_the_measure_flags_a_sawtooth():
    assert second_difference(np.array([108.0, 59.0, 116.0, 72.0])).min() > MAJOR_BOUND
