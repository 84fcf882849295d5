"""PRIM (ema-workbench behind the adapter) finds a planted box; CART names the parameter that splits the condition."""

from __future__ import annotations

import numpy as np
import pytest

from buildrace.errors import InputError
from buildrace.store.discover import cart_rules, prim


def _planted():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(2000, 3))
    y = ((x[:, 0] > 0.6) & (x[:, 2] < 0.5)).astype(float)
    return x, y, ["a", "b", "c"]


def test_prim_peels_towards_the_planted_box():
    pytest.importorskip("ema_workbench")
    x, y, names = _planted()
    boxes = prim(x, y, names, alpha=0.05, min_mass=0.1)
    assert boxes[0].coverage == 1.0 and boxes[0].bounds == {} and boxes[0].mass == 1.0
    assert boxes[0].density == pytest.approx(y.mean())
    dens = [b.density for b in boxes]
    assert dens[-1] > 0.9 > dens[0]
    last = boxes[-1].bounds
    assert set(last) == {"a", "c"}  # b plays no part in the condition
    assert 0.55 < last["a"][0] < 0.65 and 0.45 < last["c"][1] < 0.55
    assert boxes[-1].coverage > 0.9 and all(b.mass >= 0.1 for b in boxes)


def test_prim_without_anything_to_peel_keeps_the_whole_space():
    x, y, names = _planted()
    whole = prim(x, np.ones(len(y)), names)
    assert len(whole) == 1 and whole[0].bounds == {} and whole[0].density == 1.0
    assert prim(x[:, :0], y, [])[0].bounds == {}


def test_prim_needs_the_workbench(monkeypatch):
    import sys

    x, y, names = _planted()
    monkeypatch.setitem(sys.modules, "ema_workbench.analysis.prim", None)
    with pytest.raises(InputError, match="discover"):
        prim(x, y, names)


def test_cart_and_empty_condition():
    x, y, names = _planted()
    rules = cart_rules(x, y, names, depth=2)
    assert "a <=" in rules and "c <=" in rules
    with pytest.raises(InputError, match="no draw"):
        prim(x, np.zeros(len(y)), names)


def test_regret_ranks_the_scenario_never_far_from_best():
    from buildrace.store.robust import regret_table

    vals = {"a": np.array([1.0, 5.0, 2.0]), "b": np.array([2.0, 2.0, 2.0]), "c": np.array([0.0, 9.0, np.nan])}
    rows = regret_table(vals)
    assert [r["scenario"] for r in rows] == ["b", "a", "c"]
    assert rows[0]["max_regret"] == 2.0 and rows[0]["draws"] == 2
