"""One race run shared by the report tests (a run of ``race`` takes seconds)."""

from __future__ import annotations

import numpy as np
import pytest

from buildrace import api


@pytest.fixture(scope="session")
def race():
    # The verdict compares "never" (inf) with "never"; NumPy flags inf - inf even though
    # the metric handles it, so that flag is silenced here and only here.
    with np.errstate(invalid="ignore"):
        return api.race("race")
