"""China's provinces and US states on the capacity components of the embedded world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from buildrace.errors import InputError
from buildrace.siting.provinces import COMPONENTS, capacity_components
from buildrace.testing import toy_world


def test_components_by_hand_on_the_toy_world():
    df = capacity_components("li_ion_battery", economies=("CN", "US"), world=toy_world())
    # toy capacities: mining CN 40k of 206k; refining CN 700k of 1,010k;
    # cells CN 1,500 of 1,760 and packs CN 1,400 of 1,730
    cn = df.loc["CN:JS"]
    assert cn["mining"] == pytest.approx(40000 / 206000)
    assert cn["upstream"] == pytest.approx(700000 / 1010000)
    assert cn["manufacturing"] == pytest.approx((1500 / 1760 + 1400 / 1730) / 2)
    assert cn["composite"] == pytest.approx(np.mean([cn[c] for c in COMPONENTS]))
    assert list(df.index[:1]) == ["CN:JS"]


def test_embedded_world_ranks_chinese_provinces_above_us_states_for_batteries():
    df = capacity_components("li_ion_battery")
    assert set(df["economy"]) == {"CN", "US"}
    assert (df[list(COMPONENTS)].fillna(0) >= 0).all().all()
    best_cn = df[df.economy == "CN"]["composite"].max()
    best_us = df[df.economy == "US"]["composite"].max()
    assert best_cn > best_us
    assert isinstance(df, pd.DataFrame)


def test_unknown_chain_is_a_clear_error():
    with pytest.raises(InputError, match="unknown chain"):
        capacity_components("batteries")
