"""Backtest: its JSON shape, and a forecast that rows after the base year cannot change."""

from __future__ import annotations

import numpy as np
import pytest

from buildrace import api

B = 2026


def _perturbed(text: str) -> str:
    """Rows after B: values halved, and every third one dropped."""
    lines = text.splitlines()
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        f = line.split(",")
        if int(f[3]) > B:
            if i % 3 == 0:
                continue
            f[4] = f"{float(f[4]) * 0.5:.8g}"
        out.append(",".join(f))
    return "\n".join(out) + "\n"


def test_forecast_ignores_rows_after_base_year(synthetic, scenario, world, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text(_perturbed(synthetic.read_text()))
    a = api.backtest(synthetic, B, draws=8, seed=3, scenario=scenario, world=world)
    b = api.backtest(other, B, draws=8, seed=3, scenario=scenario, world=world)
    np.testing.assert_array_equal(a.calibration.accepted, b.calibration.accepted)
    for var in ("capacity", "production", "price", "final_demand"):
        np.testing.assert_array_equal(a.forecast[var].values, b.forecast[var].values)
    bs = {(s["series"], s["stage"], s["economy"]): s for s in b.report["series"]}
    assert bs
    for s in a.report["series"]:
        t = bs[(s["series"], s["stage"], s["economy"])]
        common = [i for i, y in enumerate(s["years"]) if y in t["years"]]
        for q in ("forecast_p05", "forecast_p50", "forecast_p95"):
            assert [s[q][i] for i in common] == [t[q][t["years"].index(s["years"][i])] for i in common]


def test_report_shape(synthetic, scenario, world):
    bt = api.backtest(synthetic, B, draws=4, seed=0, scenario=scenario, world=world)
    assert list(bt.report) == ["base_year", "fit", "series", "classes", "unmatched"]
    assert bt.report["base_year"] == B
    assert bt.report["fit"]["method"] == "abc" and bt.report["fit"]["last_year_seen"] == B
    s = bt.report["series"][0]
    assert list(s) == ["series", "stage", "economy", "class", "years", "forecast_p50", "forecast_p05", "forecast_p95",
                       "observed", "naive_forecast", "drift_p50", "error", "abs_error_median", "naive_error", "drift_error", "coverage",
                       "crps", "naive_crps", "drift_crps"]
    assert all(y > B for y in s["years"])
    assert 0.0 <= s["coverage"] <= 1.0
    assert bt.report["classes"] is bt.summary
    assert {x["class"] for x in bt.report["series"]} == set(bt.summary)
    at_b = {}
    for line in synthetic.read_text().splitlines()[1:]:
        f = line.split(",")
        if int(f[3]) == B:
            at_b[(f[0], f[1], f[2])] = float(f[4])
    for x in bt.report["series"]:
        # a CRPS is never negative; the no-change forecast is a point mass at the value of
        # B, so its CRPS is its mean absolute error
        assert x["crps"] >= 0.0
        naive = at_b[(x["series"], x["stage"], x["economy"])]
        assert x["naive_crps"] == pytest.approx(np.mean(np.abs(np.array(x["observed"]) - naive)), rel=1e-5)
        # every year up to B is observed, so the random walk with drift is fitted
        assert x["drift_crps"] is not None and x["drift_crps"] >= 0.0
    # the synthetic truth is inside the fitted model family: the forecast beats holding 2026 constant
    wins = [x["error"] < x["naive_error"] for x in bt.report["series"] if x["naive_error"]]
    assert np.mean(wins) > 0.5


def test_series_without_a_value_at_or_before_b_is_unmatched(world, scenario, tmp_path):
    p = tmp_path / "obs.csv"
    p.write_text(
        "series,stage,economy,year,value,unit\n"
        "demand,use.storage_installations,WORLD,2024,980,GWh\n"
        "demand,use.storage_installations,WORLD,2028,1500,GWh\n"
        "capacity,li_ion_battery.pack,US,2029,100,GWh\n"
        "capacity,li_ion_battery.pack,US,2030,100,GW\n"
    )
    bt = api.backtest(p, 2024, draws=2, seed=0, scenario=scenario, world=world)
    assert [s["stage"] for s in bt.report["series"]] == ["use.storage_installations"]
    lines = {u["line"]: u["reason"] for u in bt.report["unmatched"]}
    assert "naive forecast" in lines[4] and "does not match" in lines[5]


def test_report_page_shows_each_class_scores_beside_its_fan_chart(synthetic, scenario, world):
    from buildrace.reports.backtest import render_backtest

    bt = api.backtest(synthetic, B, draws=4, seed=0, scenario=scenario, world=world)
    page = render_backtest(bt.report, bt.summary)
    for cls, v in bt.summary.items():
        heading = f"<h3>{cls.replace('_', ', ')}</h3>"
        assert heading in page
        after = page.split(heading, 1)[1]
        assert after.index("CRPS") < after.index("<figure>")
        assert f"{v['series']} series, {v['points']} points" in after
