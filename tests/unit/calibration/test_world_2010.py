"""The 2010 base-year world: it loads, shares the 2018 world's index, cites a source for
every figure, reproduces its base year and the 2010 history, and a fit from it up to B
reads no row after B; the backtest from B = 2016 starts from it."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
import pytest

from buildrace import api
from buildrace.calibration.fit import AbcSettings, abc_rejection, base_scenario
from buildrace.calibration.history import default_observed_path, model_values, read_history
from buildrace.cli.main import main
from buildrace.io.scenario_file import load_scenario
from buildrace.model.world import check_world, load_world

TABLES = (
    "capacity", "economies", "economy_stage_parameters", "final_demand", "inputs",
    "pipeline", "sites", "stage_parameters", "stages",
)


@pytest.fixture(scope="module")
def world():
    return load_world("world_2010")


def test_world_2010_loads_and_passes_the_world_checks(world):
    check_world(world)
    assert world.base_year == 2010
    w18 = load_world("world_2018")
    # the engine needs one index across base years
    assert list(world.economy_codes) == list(w18.economy_codes)
    assert list(world.site_codes) == list(w18.site_codes)
    assert list(world.stage_codes) == list(w18.stage_codes)
    assert base_scenario(2016) == "baseline_2010" and base_scenario(2010) == "baseline_2010"
    assert load_scenario("baseline_2010").world == "world_2010"


def test_every_figure_of_world_2010_names_a_defined_source():
    folder = resources.files("buildrace.data").joinpath("world_2010")
    defined = {r["id"] for r in csv.DictReader(folder.joinpath("sources.csv").read_text(encoding="utf-8").splitlines())}
    undefined = []
    for table in TABLES:
        rows = list(csv.DictReader(folder.joinpath(f"{table}.csv").read_text(encoding="utf-8").splitlines()))
        assert rows, table
        for i, row in enumerate(rows):
            text = row["source"].strip()
            first = text.split()[0].split(";")[0].rstrip(",:") if text else ""
            if first not in defined:
                undefined.append((table, i + 2, text[:40]))
            if row.get("confidence") == "assumption" and "ASM" not in text:
                undefined.append((table, i + 2, "assumption without ASM"))
    assert not undefined, undefined[:5]


def test_the_first_year_reproduces_world_2010_and_the_2010_history(world):
    ds = api.simulate("baseline_2010", draws=1)
    assert int(ds.year.values[0]) == 2010 and ds.attrs["calibration_fit_error"] < 1e-6
    cap = world.capacity.merge(world.sites[["economy"]], left_on="site", right_index=True)
    table = cap.groupby(["economy", "stage"])["production"].sum().unstack()
    expect = table.reindex(index=ds.economy.values, columns=ds.stage.values).fillna(0.0).to_numpy()
    np.testing.assert_allclose(ds["production"].sel(draw=0, year=2010).values, expect, rtol=1e-6)
    h = read_history(default_observed_path(), world)
    rows = [r for r in h.rows if r.year == 2010 and r.series in ("capacity", "production", "demand", "share_production")]
    assert len(rows) >= 8
    sim = model_values(ds, rows, world)[0]
    for r, s in zip(rows, sim, strict=True):
        tol = 2.0 if r.series == "share_production" else 0.12 * r.value
        assert abs(s - r.value) <= tol + 1e-9, r


def _halved_after(text: str, year: int) -> str:
    lines = text.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        f = next(csv.reader([line]))
        if int(f[3]) > year:
            f[4] = f"{float(f[4]) * 0.5:.8g}"  # halved: shares stay in 0-100
        out.append(",".join(f'"{x}"' if "," in x else x for x in f))
    return "\n".join(out) + "\n"


def test_a_fit_from_2010_up_to_b_never_reads_a_row_after_b(world, tmp_path):
    B = 2014
    text = default_observed_path().read_text(encoding="utf-8")
    other = tmp_path / "observed.csv"
    other.write_text(_halved_after(text, B), encoding="utf-8")
    a = list(read_history(default_observed_path(), world).rows)
    b = list(read_history(other, world).rows)
    assert len(a) == len(b) and any(x.value != y.value for x, y in zip(a, b, strict=True) if x.year > B)
    sc = load_scenario("baseline_2010")
    settings = AbcSettings(candidates=12, acceptance=0.25, seed=3)
    fa = abc_rejection(a, sc, world, settings, fit_until=B)
    fb = abc_rejection(b, sc, world, settings, fit_until=B)
    assert fa.rows_fitted > 0 and fa.base_year <= B and fa.world == "world_2010"
    np.testing.assert_array_equal(fa.accepted, fb.accepted)
    np.testing.assert_array_equal(fa.scores, fb.scores)
    # the change does reach a fit with a later limit: the assertions above can fail
    ga = abc_rejection(a, sc, world, settings, fit_until=2016)
    gb = abc_rejection(b, sc, world, settings, fit_until=2016)
    assert not np.array_equal(ga.scores, gb.scores)


def test_calibrate_from_2010_up_to_2016_on_the_command_line(tmp_path, capsys):
    import json

    out = tmp_path / "cal.yaml"
    args = ["calibrate", "--base-year", "2010", "--fit-until", "2016", "--candidates", "8", "--json", "--out", str(out)]
    assert main(args) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["world"] == "world_2010" and s["fit_until"] == 2016 and 2010 < s["base_year"] <= 2016
    assert s["rows_fitted"] > 0 and out.is_file()


def test_the_backtest_from_2016_starts_from_world_2010():
    bt = api.backtest(None, 2016, draws=2, seed=0)
    fit = bt.report["fit"]
    assert fit["world"] == "world_2010" and fit["method"] == "abc" and fit["last_year_seen"] == 2016
    assert bt.report["base_year"] == 2016 and bt.report["series"]
    assert all(y > 2016 for s in bt.report["series"] for y in s["years"])
    assert set(bt.report["classes"]) >= {"prices", "installations", "capacity_production", "shares"}


def test_a_2010_calibration_forecasts_from_2018_with_2018_growth_paths():
    """Demand-growth multipliers scale the growth paths of the world they were fitted on;
    forecasting from world_2018 with a world_2010 fit draws them again from world_2018's
    own priors (the rest of each set is kept, draw i on set i mod k) and says so."""
    from buildrace.calibration.backtest import for_world, run_backtest
    from buildrace.calibration.fit import GROWTH_PREFIX, prior_sample

    cal, history = api.calibrate(base_year=2010, fit_until=2018, candidates=40)
    assert cal.world == "world_2010"
    sc18 = load_scenario(base_scenario(2018))
    w18 = load_world(sc18.world)
    draws = 6
    moved = for_world(cal, history, 2018, sc18, w18, draws, 0)
    prior = prior_sample(list(history.until(2018)), sc18, w18, draws, 0, fit_until=2018)
    growth = [j for j, n in enumerate(cal.names) if n.startswith(GROWTH_PREFIX)]
    assert growth and set(moved.redrawn) == {cal.names[j] for j in growth}
    kept = cal.accepted[np.arange(draws) % len(cal.accepted)]
    for j, name in enumerate(cal.names):
        want = prior.accepted[:, prior.names.index(name)] if j in growth else kept[:, j]
        assert np.array_equal(moved.accepted[:, j], want), name
    # the 2018 priors centre EV growth on the 2012-2018 trend, far above the 2010 fit's
    ev = cal.names.index(f"{GROWTH_PREFIX}use.ev_sales")
    assert np.median(moved.accepted[:, ev]) > 1.3 * np.median(cal.accepted[:, ev])
    # a calibration from the forecast's own world is used as it is
    assert for_world(prior, history, 2018, sc18, w18, draws, 0) is prior
    fit = run_backtest(history, 2018, sc18, w18, 4, 0, calibration=cal).report["fit"]
    assert fit["world"] == "world_2010" and fit["forecast_world"] == "world_2018"
    assert fit["redrawn"] == list(moved.redrawn)


def test_growth_multipliers_stay_on_the_world_they_were_fitted_on():
    """simulate_calibrated on another world keeps that world's own growth paths: the
    fitted multipliers of the 2018 world's outlooks are left out on the 2024 world."""
    from buildrace.calibration.fit import calibration_values

    cal, _ = api.calibrate(base_year=2018, candidates=40)
    growth = lambda values: {p for p in values if p[:2] == ("final_uses", "growth_scale")}  # noqa: E731
    assert growth(calibration_values(cal, load_world("world_2018"), 4))
    on_2024 = calibration_values(cal, load_world("world_2024"), 4)
    assert not growth(on_2024) and ("model", "invest_response") in on_2024
