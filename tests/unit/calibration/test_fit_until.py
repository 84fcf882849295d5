"""The fit reads no row after its limit, and scores only rows after the world's base year."""

from __future__ import annotations

import numpy as np

from buildrace.calibration.fit import (
    AbcSettings,
    abc_rejection,
    fit_parameters,
    fitted_rows,
    prior_sample,
    sample_candidates,
)
from buildrace.calibration.history import read_history

LIMIT = 2027


def _perturbed(text: str, after: int) -> str:
    """Rows after ``after`` tripled (every value of the series changes)."""
    lines = text.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        f = line.split(",")
        if int(f[3]) > after:
            f[4] = f"{float(f[4]) * 3.0:.8g}"
        out.append(",".join(f))
    return "\n".join(out) + "\n"


def test_rows_after_fit_until_never_reach_the_fit(synthetic, scenario, world, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text(_perturbed(synthetic.read_text(), LIMIT))
    a, b = (list(read_history(p, world).rows) for p in (synthetic, other))
    settings = AbcSettings(candidates=60, acceptance=0.1, seed=2)
    fa = abc_rejection(a, scenario, world, settings, fit_until=LIMIT)
    fb = abc_rejection(b, scenario, world, settings, fit_until=LIMIT)
    np.testing.assert_array_equal(fa.accepted, fb.accepted)
    np.testing.assert_array_equal(fa.scores, fb.scores)
    assert fa.base_year == LIMIT and fa.last_year_seen == LIMIT
    # without the limit the same change does move the fit: the test above can fail
    ga = abc_rejection(a, scenario, world, settings)
    gb = abc_rejection(b, scenario, world, settings)
    assert not np.array_equal(ga.scores, gb.scores)


def test_base_year_rows_are_not_fitted(synthetic, scenario, world):
    rows = list(read_history(synthetic, world).rows)
    fitted = fitted_rows(rows, world.base_year, LIMIT)
    assert fitted and all(world.base_year < r.year <= LIMIT for r in fitted)
    at_base = [r for r in rows if r.year == world.base_year]
    assert at_base
    result = abc_rejection(rows, scenario, world, AbcSettings(candidates=20, seed=0), fit_until=LIMIT)
    assert result.rows_fitted == len(fitted)


def test_no_row_after_the_base_year_gives_the_informed_priors(synthetic, scenario, world):
    rows = list(read_history(synthetic, world).rows)
    cal = prior_sample(rows, scenario, world, 12, seed=4, fit_until=world.base_year)
    assert cal.method == "prior" and cal.rows_fitted == 0 and cal.last_year_seen == world.base_year
    upto = [r for r in rows if r.year <= world.base_year]
    np.testing.assert_array_equal(cal.accepted, sample_candidates(fit_parameters(world, upto), 12, 4))
