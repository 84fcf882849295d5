"""Stationary storage's packs hold to LFP cells whatever the relative cell prices
(engine/run.py: fixed_chemistry_shares, fixed_inputs, input_mix)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from buildrace import api
from buildrace.engine import backend
from buildrace.engine import run as engine_run

LFP, NMC, PACK = 0, 1, 2


def _ctx(share_now: float, share_base: float, sigma: float = 2.0):
    """A pack (stage 2) of LFP (0) and NMC (1) cells, 0.6 / 0.4 in the base year."""
    intensity = np.zeros((3, 3))
    intensity[PACK, LFP], intensity[PACK, NMC] = 0.6, 0.4
    substitutes = np.zeros((3, 3), dtype=bool)
    substitutes[PACK, [LFP, NMC]] = True
    draws = {"chemistry_elasticity": np.array([sigma]), "mix_adjustment": np.array([1.0])}
    c = SimpleNamespace(substitutes=substitutes, fixed_chemistry=((0, PACK, LFP, "storage_lfp_share"),),
                        mp=lambda name, ndim=1: draws[name].reshape((-1,) + (1,) * (ndim - 1)))
    ctx = SimpleNamespace(c=c, cal=SimpleNamespace(intensity=intensity), world_price0=np.ones((1, 3)),
                          fixed_share=np.array([[[share_base], [share_now]]]))
    ctx.fixed_base = engine_run.fixed_inputs(ctx, 0)
    return ctx


def _mix(ctx, lfp_price: float = 1.0, t: int = 1):
    price = np.array([[[lfp_price, 1.0, 1.0]]])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(backend.ENV, "numpy")
        return engine_run.input_mix(ctx, price, None, t)[0, PACK, [LFP, NMC]]


def test_the_base_year_mix_is_reproduced():
    assert _mix(_ctx(0.2, 0.2), t=0) == pytest.approx([0.6, 0.4])


def test_a_growing_fixed_share_raises_lfp_at_unchanged_prices():
    mix = _mix(_ctx(0.4, 0.2))
    # the free part keeps its base-year proportions (0.4 LFP, 0.4 NMC of 0.8), the fixed part is LFP
    assert mix == pytest.approx([0.6 * 0.4 / 0.8 + 0.4, 0.6 * 0.4 / 0.8])
    assert mix.sum() == pytest.approx(1.0)


def test_dear_lfp_moves_only_the_free_part():
    mix = _mix(_ctx(0.3, 0.3), lfp_price=3.0)
    assert mix[0] >= 0.3 - 1e-12  # the storage packs stay LFP
    assert mix[0] < 0.6 and mix.sum() == pytest.approx(1.0)


def test_storage_lfp_makes_cells_more_lfp_on_the_2024_world():
    race = api.load_scenario("race")
    mixed = race.model_copy(update={"parameters": race.parameters.model_copy(
        update={"stages": {**race.parameters.stages, "storage_lfp_share": {"li_ion_battery.pack": 0.0}}})})

    def lfp_share(sc, year):
        ds = api.simulate(sc).isel(draw=0).sel(year=year)
        lfp = float(ds.production.sel(stage="li_ion_battery.cell_lfp").sum())
        return lfp / (lfp + float(ds.production.sel(stage="li_ion_battery.cell_nmc811").sum()))

    for year in (2035, 2045):
        assert lfp_share(race, year) > lfp_share(mixed, year) + 0.01, year


def test_the_fixed_shares_come_per_draw_and_year():
    # several draws with their own growth of other demand: one (N, T, K) array, in 0-1
    from buildrace.engine.run import prepare
    from buildrace.simulation import _compile

    c = _compile(api.load_scenario("race"), 5, None, 0, 0, {("model", "other_demand_growth"): np.linspace(0.0, 0.1, 5)})
    share = prepare(c).fixed_share
    assert share.shape == (5, len(c.index.years), 1)
    assert ((share >= 0) & (share <= 1)).all() and np.ptp(share[:, -1, 0]) > 0
