"""Every example scenario in examples/ runs, beside its counterfactual, and its results
hold the basic invariants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from buildrace import api

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path):
    race = api.race(str(path), draws=2, seed=0)
    res = race.results
    for name in ("capacity", "production", "price", "unmet", "served"):
        values = res[name].values
        assert np.isfinite(values).all() and (values >= -1e-9).all(), name
    balance = res.demand - res.served - res.unmet - res.stock_draw
    assert float(abs(balance).max() / (1.0 + float(res.demand.max()))) < 1e-9
    if race.summary["shock_year"] is None:  # a scenario without a shock (a demand surge) has no race to judge
        assert race.summary["verdict"] == {} and "no shock" in race.summary["note"]
    else:
        assert set(race.summary["verdict"]) == {"li_ion_battery", "solar_pv", "ndfeb_magnet", "ev"}
