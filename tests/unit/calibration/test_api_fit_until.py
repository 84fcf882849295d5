"""``api.calibrate`` fits from a base year's world on the rows after it, up to ``fit_until``."""

import pytest

from buildrace import api
from buildrace.errors import InputError


def test_a_2018_base_year_fits_the_rows_after_it_and_none_after_fit_until():
    result, _ = api.calibrate(base_year=2018, fit_until=2020, candidates=12, acceptance=0.25, seed=0)
    summary = result.summary()
    assert summary["rows_fitted"] > 0
    assert summary["fit_until"] == 2020
    assert result.world.endswith("2018")
    assert result.last_year_seen == 2020


def test_a_fit_limit_before_any_row_is_refused():
    with pytest.raises(InputError, match="fit-until"):
        api.calibrate(base_year=2018, fit_until=2018, candidates=12, acceptance=0.25)
