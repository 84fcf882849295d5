"""The results store: NetCDF round trip, the tidy Parquet table, atomic writes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from buildrace import api
from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, YEAR
from buildrace.errors import InputError
from buildrace.io import results_store
from buildrace.io.results_store import TIDY_COLUMNS, read_results, tidy, write_all

pytest.importorskip("h5py", reason="NetCDF needs h5netcdf with h5py (pip install 'buildrace[cli]')")
pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (pip install 'buildrace[cli]')")


@pytest.fixture(scope="module")
def race():
    # The verdict compares "never" (inf) with "never"; NumPy flags inf - inf even though
    # the metric handles it, so that flag is silenced here and only here.
    with np.errstate(invalid="ignore"):
        return api.race("race")


@pytest.fixture(scope="module")
def written(race, tmp_path_factory):
    out = tmp_path_factory.mktemp("race") / "nested" / "out"
    return out, write_all(race, out)


def test_write_all_creates_the_folder_and_every_file(written):
    out, paths = written
    assert set(paths) == {"results", "counterfactual", "parquet", "summary", "scenario"}
    for path in paths.values():
        assert path.parent == out and path.is_file() and path.stat().st_size > 0
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


def test_results_round_trip_through_netcdf(race, written):
    _, paths = written
    xr.testing.assert_identical(read_results(paths["results"]), race.results)
    xr.testing.assert_identical(read_results(paths["counterfactual"]), race.counterfactual)


def test_attrs_netcdf_cannot_hold_are_restored(race, tmp_path):
    ds = race.results.isel({DRAW: [0]})[["capacity"]]
    ds.attrs.update(flag=True, nothing=None, nested={"a": [1, 2], "b": "x"})
    path = results_store.write_netcdf(ds, tmp_path / "r.nc")
    back = read_results(path)
    assert back.attrs["flag"] == 1
    assert back.attrs["nothing"] is None
    assert back.attrs["nested"] == {"a": [1, 2], "b": "x"}
    assert back.attrs["scenario_yaml"] == ds.attrs["scenario_yaml"]


def test_parquet_is_a_tidy_table_of_economy_and_market_variables(race, written):
    _, paths = written
    table = pd.read_parquet(paths["parquet"])
    assert (
        list(table.columns)
        == list(TIDY_COLUMNS)
        == ["variable", DRAW, YEAR, ECONOMY, MARKET, STAGE, "value"]
    )
    assert table["value"].notna().all()
    variables = set(table["variable"].astype(str))
    assert {
        "capacity",
        "production",
        "unit_cost",
        "demand",
        "served",
        "unmet",
        "price",
    } <= variables
    assert not variables & {"site_capacity", "flows", "final_demand"}
    producer = table[table["variable"] == "capacity"]
    assert producer[MARKET].isna().all() and producer[ECONOMY].notna().all()
    buyer = table[table["variable"] == "unmet"]
    assert buyer[ECONOMY].isna().all() and buyer[MARKET].notna().all()
    # Values match the Dataset cell for cell.
    row = producer.iloc[len(producer) // 2]
    cell = race.results["capacity"].sel(
        {DRAW: row[DRAW], YEAR: row[YEAR], ECONOMY: row[ECONOMY], STAGE: row[STAGE]}
    )
    assert float(cell) == row["value"]


def test_tidy_drops_missing_values(race):
    ds = race.results[["unit_cost"]].copy(deep=True)
    ds["unit_cost"][{YEAR: 0, DRAW: 0}] = np.nan
    full = race.results["unit_cost"].notnull().sum().item()
    assert (
        len(tidy(ds))
        == full - race.results["unit_cost"].isel({YEAR: 0, DRAW: 0}).notnull().sum().item()
    )


def test_summary_and_scenario_files(race, written):
    _, paths = written
    summary = json.loads(paths["summary"].read_text(encoding="utf-8"))
    assert summary["verdict"].keys() == race.summary["verdict"].keys()
    assert summary["shock_year"] == race.results.attrs["shock_year"]
    scenario = yaml.safe_load(paths["scenario"].read_text(encoding="utf-8"))
    assert scenario["name"] == race.scenario.name


def test_an_interrupted_write_leaves_no_partial_file(race, tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_all(race, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def crash_half_way(self, path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"PAR1 half a file")
        raise KeyboardInterrupt

    import pyarrow.parquet as pq

    # NetCDF files are rewritten first, then the Parquet writer dies half way through.
    monkeypatch.setattr(pq, "write_table", lambda table, path, **kw: crash_half_way(None, path))
    with pytest.raises(KeyboardInterrupt):
        write_all(race, out)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after.keys() == before.keys(), "the interrupted run left a file behind"
    assert after["results.parquet"] == before["results.parquet"], "the old Parquet file was damaged"
    pd.read_parquet(out / "results.parquet")  # still whole


def test_an_interrupted_first_write_leaves_nothing(race, tmp_path, monkeypatch):
    def crash(self, path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"\x89HDF half a file")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", crash)
    with pytest.raises(OSError, match="disk full"):
        write_all(race, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_read_results_names_a_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such results file"):
        read_results(tmp_path / "absent.nc")


def test_api_write_results_writes_the_report_too(race, tmp_path):
    pytest.importorskip(
        "matplotlib", reason="the report needs matplotlib (pip install 'buildrace[viz]')"
    )
    paths = api.write_results(race, tmp_path / "out")
    assert paths["report"].name == "report.html" and paths["report"].stat().st_size > 0
