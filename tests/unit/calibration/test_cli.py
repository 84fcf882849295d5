"""CLI faces: a malformed observed file is one line on stderr and exit code 2."""

from __future__ import annotations

import json

import pytest

from buildrace.cli.main import main


@pytest.mark.parametrize("command", [["backtest", "--base-year", "2018"], ["calibrate"]])
def test_malformed_observed_file_exits_2_with_one_line(tmp_path, capsys, command):
    bad = tmp_path / "bad.csv"
    bad.write_text("series,stage,year\nprice,solar_pv.module,2019\n")
    assert main([*command, "--observed", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("buildrace: error:") and "bad.csv:1: missing column(s) economy, value, unit" in err


def test_calibrate_json_reports_unmatched_rows(tmp_path, capsys):
    f = tmp_path / "obs.csv"
    f.write_text(
        "series,stage,economy,year,value,unit\n"
        "price,li_ion_battery.pack,WORLD,2018,217,USD/kWh\n"
        "price,li_ion_battery.pack,WORLD,2019,190,USD/W\n"
        "price,li_ion_battery.pack,WORLD,2020,170,USD/kWh\n"
    )
    out = tmp_path / "cal.yaml"
    assert main(["calibrate", "--observed", str(f), "--candidates", "10", "--json", "--out", str(out)]) == 0
    s = json.loads(capsys.readouterr().out)
    # the 2018 row is the world's base year, reproduced by construction: it is not fitted
    assert s["rows_fitted"] == 1
    assert s["unmatched"] == [{"line": 3, "reason": "unit 'USD/W' does not match li_ion_battery.pack's price unit 'USD/kWh'",
                               "row": "price,li_ion_battery.pack,WORLD,2019,190,USD/W"}]
    assert out.is_file()


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("buildrace: error:")
    return err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["calibrate", "--base-year", "2016"], "--base-year 2016: no embedded world has that base year"),
        (["backtest", "--base-year", "2009"], "--base-year 2009: no embedded world"),
        (["calibrate", "--fit-until", "2031"], "--fit-until 2031 is after the last observed year 2024"),
        (["calibrate", "--fit-until", "2018"], "no observed row after the base year 2018 of world_2018 up to 2018"),
        (["backtest", "--base-year", "2024"], "--base-year 2024: no observed row after 2024 to score"),
        (["backtest", "--base-year", "2030"], "--base-year 2030: no observed row after 2030 to score"),
    ],
)
def test_bad_years_exit_2_with_one_line(capsys, args, needle):
    assert main(args) == 2
    assert needle in _one_error_line(capsys)


def test_unknown_series_exits_2_naming_the_lines(tmp_path, capsys):
    f = tmp_path / "obs.csv"
    f.write_text(
        "series,stage,economy,year,value,unit\n"
        "price,li_ion_battery.pack,WORLD,2019,190,USD/kWh\n"
        "volume,li_ion_battery.pack,WORLD,2020,1,GWh\n"
        "price,li_ion_battery.pack,WORLD,2020,170,USD/kWh\n"
        "volume,li_ion_battery.pack,WORLD,2021,1,GWh\n"
    )
    assert main(["calibrate", "--observed", str(f), "--candidates", "4"]) == 2
    err = _one_error_line(capsys)
    assert "unknown series 'volume' on line(s) 3, 5" in err


def test_backtest_refuses_a_calibration_fitted_after_its_base_year(tmp_path, capsys):
    cal = tmp_path / "cal.yaml"
    assert main(["calibrate", "--candidates", "8", "--fit-until", "2020", "--json", "--out", str(cal)]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["fit_until"] == 2020 and s["base_year"] <= 2020 and s["rows_fitted"] > 0
    assert main(["backtest", "--base-year", "2019", "--calibration", str(cal), "--draws", "2", "--no-report",
                 "--out", str(tmp_path / "bt")]) == 2
    assert "fitted on rows up to 2020, after the backtest base year 2019" in _one_error_line(capsys)
    assert main(["backtest", "--base-year", "2020", "--calibration", str(cal), "--draws", "2", "--json",
                 "--no-report", "--out", str(tmp_path / "bt")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["fit"]["method"] == "abc" and report["fit"]["last_year_seen"] == 2020
    assert all(y > 2020 for s in report["series"] for y in s["years"])
