"""The compile memo of buildrace.simulation: a hit is an equal, independent copy."""

from __future__ import annotations

import numpy as np

from buildrace import simulation
from buildrace.io.scenario_file import load_scenario


def test_a_hit_is_a_copy_that_callers_cannot_spoil():
    sc = load_scenario("race")
    first = simulation._compile(sc, 2, None, 7, 0, {})
    first.capacity0[:] = -1.0  # a caller scribbling on its bundle
    again = simulation._compile(sc, 2, None, 7, 0, {})
    assert (again.capacity0 >= 0).all()
    fresh = simulation.compile_scenario(sc, draws=2, seed=7)
    assert np.array_equal(again.growth, fresh.growth) and np.array_equal(again.capacity0, fresh.capacity0)


def test_the_key_tells_draw_ranges_and_seeds_apart():
    sc = load_scenario("examples/uncertain_race.yaml")
    a = simulation._compile(sc, 2, None, 7, 0, {})
    b = simulation._compile(sc, 2, None, 7, 2, {})
    c = simulation._compile(sc, 2, None, 8, 0, {})
    def sampled(x):
        return np.concatenate([v.ravel() for v in x.stage.values()])

    assert not np.array_equal(sampled(a), sampled(b))
    assert not np.array_equal(sampled(a), sampled(c))
