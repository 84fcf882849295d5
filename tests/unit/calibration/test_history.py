"""Observed-history validation: every bad row is unmatched with its line and reason."""

from __future__ import annotations

import pytest

from buildrace import api
from buildrace.calibration.history import (
    default_observed_path,
    history_from_text,
    model_values,
    read_history,
)
from buildrace.errors import InputError
from buildrace.model.world import load_world

HEADER = "series,stage,economy,year,value,unit,source\n"


def test_bad_rows_are_unmatched_with_line_numbers(world):
    text = HEADER + (
        "price,li_ion_battery.pack,WORLD,2024,120,USD/kWh,ok\n"        # line 2: fine
        "price,li_ion_battery.cell_xyz,WORLD,2024,120,USD/kWh,x\n"     # 3: unknown stage
        "price,li_ion_battery.pack,WORLD,2025,120,USD/kg,x\n"          # 4: wrong price unit
        "capacity,li_ion_battery.pack,US,2025,80,GW,x\n"               # 5: wrong unit
        "capacity,li_ion_battery.pack,XX,2025,80,GWh,x\n"              # 6: unknown economy
        "capacity,li_ion_battery.pack,US,2026,-1,GWh,x\n"              # 7: negative
        "capacity,li_ion_battery.pack,US,2027,n/a,GWh,x\n"             # 8: not a number
        "volume,li_ion_battery.pack,US,2027,1,GWh,x\n"                 # 9: unknown series
        "price,li_ion_battery.pack,WORLD,2024,121,USD/kWh,dup\n"       # 10: duplicate of 2
        "share_production,li_ion_battery.pack,CN,2024,60,percent,ok\n"  # 11: fine
    )
    h = history_from_text(text, world)
    assert [r.line for r in h.rows] == [2, 11]
    reasons = {u.line: u.reason for u in h.unmatched}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "unknown stage" in reasons[3]
    assert "price unit" in reasons[4] and "USD/kWh" in reasons[4]
    assert "'GW'" in reasons[5] and "GWh" in reasons[5]
    assert "unknown economy" in reasons[6]
    assert "negative" in reasons[7]
    assert "not a number" in reasons[8]
    assert "unknown series" in reasons[9]
    assert "duplicate of line 2" in reasons[10]


def test_missing_columns_is_an_input_error(world):
    with pytest.raises(InputError, match="missing column"):
        history_from_text("series,stage\nprice,x\n", world)


def test_embedded_history_matches_the_2018_world_at_its_base_year():
    world = load_world("world_2018")
    h = read_history(default_observed_path(), world)
    assert h.rows and not h.unmatched
    rows = [r for r in h.rows if r.year == 2018 and r.series in ("capacity", "production", "demand")]
    ds = api.simulate("baseline_2018", draws=1)
    sim = model_values(ds, rows, world)[0]
    obs = [r.value for r in rows]
    for r, s, o in zip(rows, sim, obs, strict=True):
        assert s == pytest.approx(o, rel=0.12, abs=1e-9), r


def test_every_source_id_of_the_embedded_history_is_defined():
    import csv
    from importlib import resources

    data = resources.files("buildrace.data")
    defined = {"DER", "REC", "ASM"}
    for table in (("world_2018", "sources.csv"), ("world_2024", "sources.csv"), ("history", "sources.csv")):
        text = data.joinpath(*table).read_text(encoding="utf-8")
        defined |= {row["id"] for row in csv.DictReader(text.splitlines())}
    rows = list(csv.DictReader(default_observed_path().read_text(encoding="utf-8").splitlines()))
    undefined = [(i + 2, s) for i, row in enumerate(rows) for s in row["source"].split(";") if s.strip() not in defined]
    assert not undefined, undefined[:5]
    assert all(row["source"].strip() for row in rows)
