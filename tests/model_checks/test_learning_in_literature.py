"""Calibrated learning rates stay inside the literature's ranges (docs/parameters.md).

The fit moves every stage's learning rate in a chain by one multiplier. On the embedded
history (from ``world_2010`` up to 2016, and from ``world_2018`` on every later row) the
accepted median rate of PV modules and of Li-ion cells and packs, the stages whose rates
the literature measures, must sit inside the published ranges: the multiplier may not
buy the fit with a learning rate no study reports.
"""

from __future__ import annotations

import pytest

from buildrace import api
from buildrace.model.world import load_world

LITERATURE = {
    # Way et al. 2022 (doi 10.1016/j.joule.2022.08.009): PV modules about 20% a doubling
    # (the range around it is an assumption, about the spread of published estimates)
    "solar_pv.module": ("solar_pv", 0.15, 0.30),
    # Ziegler & Trancik 2021 (doi 10.1039/D0EE02681F): Li-ion cells 20% (all types) to 24%
    # (cylindrical) a doubling; Kittner et al. 2017 (doi 10.1038/nenergy.2017.125): Li-ion
    # storage 15.5% a doubling of cumulative production
    "li_ion_battery.cell_lfp": ("li_ion_battery", 0.15, 0.30),
    "li_ion_battery.cell_nmc811": ("li_ion_battery", 0.15, 0.30),
    "li_ion_battery.pack": ("li_ion_battery", 0.14, 0.30),
}


@pytest.mark.parametrize("base_year, fit_until", [(2010, 2016), (2018, None)])
def test_calibrated_learning_rates_stay_in_the_literature(base_year, fit_until):
    cal, _ = api.calibrate(base_year=base_year, fit_until=fit_until)
    assert cal.rows_fitted > 0
    world = load_world(cal.world)
    rates = world.stage_parameters["learning_rate"]
    outside = []
    for stage, (chain, lo, hi) in LITERATURE.items():
        rate = float(rates[stage]) * cal.medians[f"learning_multiplier.{chain}"]
        if not lo <= rate <= hi:
            outside.append(f"{stage}: {rate:.3f} outside {lo}-{hi}")
    assert not outside, f"calibrated from {cal.world} (rows up to {fit_until or 'the last'}):\n" + "\n".join(outside)
