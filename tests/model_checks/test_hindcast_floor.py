"""The hindcast from the embedded history may not get worse than today's.

The three backtests of docs/calibration.md ("Figures": ``buildrace backtest --base-year B
--draws 50 --seed 0`` for B = 2016, from ``world_2010``, and B = 2018 and 2020, from
``world_2018``) are rerun and held, class by class, to
today's figures with a margin: the median absolute error may grow by at most a tenth,
the 5-95% coverage may fall by at most 10 points, and the CRPS ratio to the no-change
forecast may rise by at most 0.05. A change that improves a figure passes; update the
table and these floors together when it does.
"""

from __future__ import annotations

import pytest

from buildrace import api

# class -> (median absolute error, coverage, CRPS / no change), measured with the commands above
TODAY = {
    2016: {
        "prices": (276.92, 0.60, 3.671),
        "installations": (86.99, 0.905, 1.166),
        "capacity_production": (44.18, 0.75, 0.533),
        "shares": (11.89, 0.733, 0.616),
    },
    2018: {
        "prices": (19.07, 0.80, 0.343),
        "installations": (29.03, 1.00, 0.518),
        "capacity_production": (35.98, 0.457, 0.435),
        "shares": (2.05, 0.833, 0.124),
    },
    2020: {
        "prices": (23.06, 0.75, 0.874),
        "installations": (21.26, 1.00, 0.484),
        "capacity_production": (40.20, 0.50, 0.438),
        "shares": (2.56, 0.833, 0.135),
    },
}


@pytest.mark.parametrize("base_year", sorted(TODAY))
def test_hindcast_holds_its_floor(base_year):
    classes = api.backtest(None, base_year, draws=50, seed=0).report["classes"]
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
