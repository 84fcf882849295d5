"""The hindcast from the embedded history may not get worse than today's.

The three backtests of docs/calibration.md ("Figures": ``buildrace backtest --base-year B
--draws 200 --seed 0`` for B = 2016, from ``world_2010``, and B = 2018 and 2020, from
``world_2018``) are rerun and held, class by class, to
today's figures with a margin: the median absolute error may grow by at most a tenth,
the 5-95% coverage may fall by at most 10 points, and the CRPS ratio to the no-change
forecast may rise by at most 0.05. A change that improves a figure passes; update the
table and these floors together when it does.
"""

from __future__ import annotations

import pytest

from buildrace import api

DRAWS = 200
"""Draws per backtest: at 50 the class medians moved by more than the margins with a
nearly neutral model change (the B = 2016 installations' CRPS ratio went from 1.17 to
1.69 at 50 draws, from 0.88 to 0.93 at 200)."""

# class -> (median absolute error, coverage, CRPS / no change), measured with the commands above
TODAY = {
    2016: {
        "prices": (347.31, 0.400, 4.282),
        "installations": (84.86, 0.729, 0.776),
        "capacity_production": (53.88, 0.625, 0.564),
        "shares": (7.01, 0.733, 0.405),
    },
    2018: {
        "prices": (17.93, 0.900, 0.385),
        "installations": (36.58, 0.821, 0.346),
        "capacity_production": (45.27, 0.457, 0.411),
        "shares": (2.54, 0.833, 0.125),
    },
    2020: {
        "prices": (33.09, 0.875, 0.870),
        "installations": (33.47, 1.000, 0.366),
        "capacity_production": (46.82, 0.469, 0.492),
        "shares": (2.56, 0.833, 0.128),
    },
}


@pytest.mark.parametrize("base_year", sorted(TODAY))
def test_hindcast_holds_its_floor(base_year):
    classes = api.backtest(None, base_year, draws=DRAWS, seed=0).report["classes"]
    worse = []
    for name, (error, coverage, crps) in TODAY[base_year].items():
        c = classes[name]
        if c["abs_error_median"] > 1.1 * error:
            worse.append(f"{name}: median absolute error {c['abs_error_median']:.3g} (floor {error})")
        if c["coverage"] < coverage - 0.10:
            worse.append(f"{name}: coverage {c['coverage']:.0%} (floor {coverage:.0%})")
        if c["crps_vs_naive_median"] > crps + 0.05:
            worse.append(f"{name}: CRPS / no change {c['crps_vs_naive_median']:.3f} (floor {crps})")
    assert not worse, f"the B = {base_year} hindcast got worse:\n" + "\n".join(worse)
