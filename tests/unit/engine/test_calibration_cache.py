"""The calibration memo returns the bits a fresh fit gives, and tells worlds apart."""

import numpy as np
import pytest

from buildrace.engine import calibration_cache
from buildrace.engine.run import run
from buildrace.io.scenario_file import load_scenario
from buildrace.model.compile import compile_scenario


@pytest.fixture(scope="module")
def compiled_race():
    return compile_scenario(load_scenario("race"))


def test_a_hit_gives_the_bits_of_a_fresh_fit(compiled_race):
    calibration_cache.clear()
    fresh, _ = run(compiled_race)
    again, _ = run(compiled_race)  # served from the memo
    assert fresh.keys() == again.keys()
    for name in fresh:
        np.testing.assert_array_equal(fresh[name], again[name], err_msg=name)


def test_a_hit_cannot_be_changed_by_its_caller(compiled_race):
    from buildrace.engine.structure import build_structure

    st = build_structure(compiled_race)
    first = calibration_cache.cached_calibrate(compiled_race, st)
    first.theta_econ[...] = -1.0
    second = calibration_cache.cached_calibrate(compiled_race, st)
    assert (second.theta_econ >= 0).all()


def test_the_key_reads_base_year_policy_and_parameters():
    base = compile_scenario(load_scenario("race"))
    key = calibration_key = calibration_cache.calibration_key
    k0 = key(base)
    base.policy.tariff[0, 0, 1, 0] += 0.25  # a base-year tariff changes the fit
    assert key(base) != k0
    base.policy.tariff[0, 0, 1, 0] -= 0.25
    assert calibration_key(base) == k0
    base.policy.tariff[-1, 0, 1, 0] += 0.25  # a later year's does not
    assert key(base) == k0
    base.stage["trade_lambda"][...] *= 1.1
    assert key(base) != k0


def test_the_fit_does_not_read_the_named_projects(compiled_race):
    """The key leaves ``pipeline`` out: that is only safe while the fit never reads it."""
    from dataclasses import fields, replace

    from buildrace.engine.calibrate import calibrate
    from buildrace.engine.structure import build_structure

    st = build_structure(compiled_race)
    other = replace(compiled_race, pipeline=compiled_race.pipeline * 3.0 + 1.0)
    a, b = calibrate(compiled_race, st), calibrate(other, st)
    for f in fields(a):
        np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)
    assert calibration_cache.calibration_key(other) == calibration_cache.calibration_key(compiled_race)
