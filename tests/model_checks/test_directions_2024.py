"""Levers point the way their names say, on the embedded 2024 world (not only the toy).

Each case adds one lever, at a grid of intensities, to the default ``race`` and measures
against the common yardstick (the ``baseline`` reference path): more of a US
industrial-policy lever never makes US substitution of the battery chain later by more
than a year, nor US self-sufficiency at the lever's stages in 2050 lower by more than one
point; a higher tariff on China never raises China's share of the US market; a Chinese
export control never raises US supply of the controlled stage. Deterministic (one draw,
seed 0, no priors).
"""

from __future__ import annotations

import numpy as np
import pytest

from buildrace import api, metrics

BATTERY = ["li_ion_battery.cell_lfp", "li_ion_battery.cell_nmc811", "li_ion_battery.pack"]
BELT = ["US:MI", "US:OH", "US:IN"]
GRIDS = {
    "production_credit": [
        {"lever": "production_credit", "economy": "US", "stages": BATTERY, "amount": a, "start": 2026} for a in (2e7, 5e7, 1e8)
    ],
    "investment_credit": [
        {"lever": "investment_credit", "economy": "US", "stages": ["li_ion_battery"], "share": a, "start": 2026} for a in (0.1, 0.3, 0.5)
    ],
    "sovereign_fund": [
        {"lever": "sovereign_fund", "economy": "US", "budget_musd_per_year": b, "chains": ["li_ion_battery"], "start": 2026}
        for b in (2000.0, 10000.0, 50000.0)
    ],
    "designate_cluster": [
        {"lever": "designate_cluster", "economy": "US", "sites": BELT, "chains": ["li_ion_battery"], "infrastructure_musd": m, "start": 2026}
        for m in (500.0, 2000.0)
    ],
    "green_lane": [
        {"lever": "green_lane", "economy": "US", "stages": ["li_ion_battery"], "permit_cut": c, "start": 2026} for c in (0.3, 0.6, 0.9)
    ],
    "national_champion": [
        {"lever": "national_champion", "economy": "US", "chain": "li_ion_battery", "integration": i, "start": 2026} for i in (0.3, 0.6, 0.9)
    ],
}


def _race(extra):
    sc = api.load_scenario("race").with_policies(extra)
    return api.race(sc)


@pytest.fixture(scope="module")
def plain():
    return _race([])


def _closing(r) -> np.ndarray:
    """Years until each battery stage (and its upstream) stays restored; never = horizon."""
    res, ref = r.results, r.reference
    t0 = int(res.attrs["shock_year"])
    horizon = int(res["year"].values[-1]) - t0
    sub = metrics.substitution_years(res, ref, t0, 0.95).sel(market="US")
    closed = metrics.closing_years(sub, res).sel(stage=BATTERY).isel(draw=0).values
    return np.minimum(closed, horizon)


def _output(r) -> np.ndarray:
    q = r.results["production"].sel(economy="US", stage=BATTERY).isel(draw=0)
    return q.sel(year=int(q["year"].values[-1])).values


def _self_sufficiency(r) -> np.ndarray:
    ss = metrics.self_sufficiency(r.results).sel(economy="US", stage=BATTERY).isel(draw=0)
    # capped at 1: covering one's own demand is the aim; exports beyond it are not
    return np.minimum(ss.sel(year=int(ss["year"].values[-1])).fillna(0.0).values, 1.0)


@pytest.mark.parametrize("kind", sorted(GRIDS))
def test_more_us_policy_never_delays_substitution_nor_lowers_self_sufficiency(plain, kind):
    prev_years, prev_ss, prev_q = _closing(plain), _self_sufficiency(plain), _output(plain)
    for lever in GRIDS[kind]:
        r = _race([lever])
        years, ss, q = _closing(r), _self_sufficiency(r), _output(r)
        assert (years <= prev_years + 1.0).all(), (kind, lever, dict(zip(BATTERY, years - prev_years, strict=True)))
        # the one honest reversal (docs/model.md): a credit that makes US packs and cells
        # cheaper raises US demand for the stage faster than its output, so the ratio can
        # fall while US output rises; a fall with lower output would be a wrong sign
        fell = ss < prev_ss - 0.01
        assert not (fell & (q < prev_q * (1 - 1e-6))).any(), (kind, lever, dict(zip(BATTERY, ss - prev_ss, strict=True)))
        prev_years, prev_ss, prev_q = years, ss, q


@pytest.mark.parametrize("stage", ["solar_pv.module", "li_ion_battery.cell_lfp", "ndfeb_magnet.magnet_sintered"])
def test_a_higher_tariff_on_china_never_raises_chinas_share_of_the_us_market(stage):
    base = api.load_scenario("baseline")
    shares = []
    for rate in (0.0, 0.5, 1.0, 2.0):
        sc = base.with_policies([{"lever": "tariff", "importer": "US", "exporter": "CN", "stages": [stage], "rate": rate, "start": 2026}])
        res = api.simulate(sc).isel(draw=0)
        flows = res["flows"].sel(market="US", stage=stage)
        share = (flows.sel(economy="CN") / flows.sum("economy").where(flows.sum("economy") > 0)).fillna(0.0)
        # the year the tariff starts: later years add the investment response, in which a
        # dearer market can draw Chinese capacity that tariffs on other stages displaced
        shares.append(share.sel(year=2026).values)
    for lo, hi in zip(shares, shares[1:], strict=False):
        assert (hi <= lo + 1e-9).all()


@pytest.mark.parametrize("stage", ["ndfeb_magnet.separation_heavy_re_oxide", "li_ion_battery.anode_graphite"])
def test_a_tighter_chinese_export_control_never_raises_chinas_shipments_to_the_us(stage):
    base = api.load_scenario("baseline")
    served = []
    for cap in (1.0, 0.6, 0.3, 0.0):
        sc = base.with_policies([{"lever": "export_control", "exporter": "CN", "targets": ["US"], "stages": [stage], "cap": cap, "start": 2026}])
        flows = api.simulate(sc).isel(draw=0)["flows"].sel(market="US", stage=stage, year=slice(2026, None))
        served.append(flows.sel(economy="CN").values)
    for loose, tight in zip(served, served[1:], strict=False):
        assert (tight <= loose * (1 + 1e-9) + 1e-12).all()


def test_a_ban_never_lowers_the_importers_price_in_the_ban_year():
    base = api.load_scenario("baseline")
    ref = api.simulate(base).isel(draw=0)
    ban = api.simulate(api.load_scenario("race")).isel(draw=0)
    p_ref = ref["price"].sel(market="US", year=2026)
    p_ban = ban["price"].sel(market="US", year=2026)
    lower = (p_ban < p_ref * (1 - 1e-9)).values
    assert not lower.any(), [str(s) for s in p_ref["stage"].values[lower]]


def test_export_licences_cap_quantities():
    base = api.load_scenario("baseline")
    stage = "ndfeb_magnet.separation_heavy_re_oxide"
    sc = base.with_policies([{"lever": "export_control", "exporter": "CN", "targets": ["ALL"], "stages": [stage], "cap": 0.2, "start": 2026}])
    res, ref = api.simulate(sc).isel(draw=0), api.simulate(base).isel(draw=0)
    out = res["flows"].sel(economy="CN", stage=stage, year=2027).drop_sel(market="CN").sum("market")
    before = ref["flows"].sel(economy="CN", stage=stage, year=2027).drop_sel(market="CN").sum("market")
    assert float(out) < 0.5 * float(before)  # a licence of 20% of the 2025 level (0.5) moves flows, not 0-3.5%


def test_pooling_premium_is_applied_to_delivered_cost():
    base = api.load_scenario("race")
    stage = "ndfeb_magnet.magnet_sintered"
    runs = []
    for premium in (0.0, 0.5):
        sc = base.with_policies([{"lever": "allied_pooling", "members": ["US", "JP", "EU"], "delay_years": 0, "cost_premium": premium, "start": 2026}])
        runs.append(api.simulate(sc).isel(draw=0)["price"].sel(market="US", stage=stage, year=2027).values)
    assert runs[1] > runs[0]


def test_green_lane_brings_us_cell_capacity_sooner():
    base = api.load_scenario("race")
    lane = base.with_policies([{"lever": "green_lane", "economy": "US", "stages": ["li_ion_battery"], "permit_cut": 0.9, "start": 2026}])
    a, b = api.simulate(base).isel(draw=0), api.simulate(lane).isel(draw=0)
    cap_a = a["capacity"].sel(economy="US", stage=BATTERY, year=slice(2027, 2032)).sum()
    cap_b = b["capacity"].sel(economy="US", stage=BATTERY, year=slice(2027, 2032)).sum()
    assert float(cap_b) > float(cap_a)


def test_the_fund_builds_beyond_the_private_gap_and_reports_against_its_budget():
    base = api.load_scenario("race")
    sc = base.with_policies([{"lever": "sovereign_fund", "economy": "US", "budget_musd_per_year": 50000.0,
                              "chains": ["li_ion_battery"], "start": 2026, "end": 2035}])
    res = api.simulate(sc).isel(draw=0)
    deployed = float(res["public_capital"].sel(economy="US").values[-1])
    budget = float(res["public_budget"].sel(economy="US").sum())
    assert 0.0 < deployed <= budget * (1 + 1e-9)
    private_only = api.simulate(base).isel(draw=0)
    us_cells = ["li_ion_battery.cell_lfp", "li_ion_battery.cell_nmc811"]
    assert float(res["capacity"].sel(economy="US", stage=us_cells, year=2035).sum()) > float(
        private_only["capacity"].sel(economy="US", stage=us_cells, year=2035).sum()
    )


def test_more_production_credit_is_not_capped_by_a_hidden_floor():
    base = api.load_scenario("race")
    runs = [
        api.simulate(base.with_policies([{"lever": "production_credit", "economy": "US", "stages": BATTERY[:2], "amount": a, "start": 2026}])).isel(draw=0)
        for a in (7e7, 1e8)
    ]
    assert not np.allclose(runs[0]["capacity"].values, runs[1]["capacity"].values)


def test_traced_content_opens_gaps_at_magnets_and_modules():
    r = api.race("race_traced")
    sub = r.summary["substitution_years"]["US"]
    assert r.summary["reference"] == "baseline"
    for stage in ("ndfeb_magnet.magnet_sintered", "solar_pv.module"):
        assert sub[stage] is None or sub[stage] > 0, stage


def test_battery_belt_substitutes_us_cells_no_later_than_race():
    belt, race = api.race("battery_belt").summary, api.race("race").summary
    horizon = belt["end_year"] - belt["shock_year"]
    for stage in ("li_ion_battery.cell_lfp", "li_ion_battery.cell_nmc811"):
        b, r = belt["substitution_years"]["US"][stage], race["substitution_years"]["US"][stage]
        assert (horizon + 1 if b is None else b) <= (horizon + 1 if r is None else r), stage
