"""The hindcast from the embedded history may not get worse than today's.

Both backtests of docs/calibration.md ("Figures": ``buildrace backtest --base-year B
--draws 50 --seed 0`` for B = 2018 and 2020) are rerun and held, class by class, to
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
    2018: {
        "prices": (23.07, 0.80, 0.365),
        "installations": (28.88, 1.00, 0.511),
        "capacity_production": (45.11, 0.429, 0.499),
        "shares": (8.11, 0.667, 0.311),
    },
    2020: {
        "prices": (22.80, 0.75, 0.985),
        "installations": (17.92, 1.00, 0.496),
        "capacity_production": (50.76, 0.469, 0.570),
        "shares": (9.06, 0.50, 0.366),
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
