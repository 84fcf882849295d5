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
    )
    out = tmp_path / "cal.yaml"
    assert main(["calibrate", "--observed", str(f), "--candidates", "10", "--json", "--out", str(out)]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["rows_fitted"] == 1
    assert s["unmatched"] == [{"line": 3, "reason": "unit 'USD/W' does not match li_ion_battery.pack's price unit 'USD/kWh'",
                               "row": "price,li_ion_battery.pack,WORLD,2019,190,USD/W"}]
    assert out.is_file()
