"""Stability of the no-shock path on the embedded 2024 world (issue: stable investment).

World capacity of a stage may run ahead of its demand in a build-out, but not for long:
no stage holds more than twice its world demand for more than a few years without a
policy that causes it.
"""

import pytest

from buildrace import api

MAX_YEARS_OVER_TWICE_DEMAND = 5


@pytest.fixture(scope="module")
def baseline():
    return api.simulate("baseline").isel(draw=0)


def test_no_stage_holds_twice_its_demand_for_long(baseline):
    capacity = baseline["capacity"].sum("economy")
    demand = baseline["demand"].sum("market")
    years_over = ((capacity > 2.0 * demand) & (demand > 0)).sum("year")
    long_gluts = {str(s): int(n) for s, n in zip(years_over["stage"].values, years_over.values, strict=True)
                  if n > MAX_YEARS_OVER_TWICE_DEMAND}
    assert not long_gluts, f"world capacity above twice demand for more than {MAX_YEARS_OVER_TWICE_DEMAND} years: {long_gluts}"
