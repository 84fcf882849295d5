"""Every lever changes the simulation, in the direction MODEL.md states where it is clear.

Each case runs the toy world with and without one lever starting in 2025 (2026 for shocks).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from toy_stages import CELL, MINE, PACK, REFINE

from buildrace import api
from buildrace.model.levers import LEVER_MODELS

LEVERS = {
    "tariff": {"lever": "tariff", "importer": "US", "exporter": "CN", "stages": [PACK, CELL], "rate": 0.5, "start": 2025},
    "import_ban": {"lever": "import_ban", "importer": "US", "exporter": "CN", "stages": [PACK, CELL], "start": 2026},
    "decoupling": {"lever": "decoupling", "importer": "US", "exporter": "CN", "stages": ["li_ion_battery"], "start": 2026},
    "export_control": {"lever": "export_control", "exporter": "CN", "stages": [REFINE], "cap": 0.2, "start": 2026},
    "production_credit": {"lever": "production_credit", "economy": "US", "stages": [CELL], "amount": 2e7, "start": 2025},
    "investment_credit": {"lever": "investment_credit", "economy": "US", "stages": [CELL, PACK], "share": 0.3, "start": 2025},
    "local_content": {"lever": "local_content", "market": "US", "stages": [PACK], "share": 0.5, "start": 2025},
    "designate_cluster": {"lever": "designate_cluster", "economy": "US", "sites": ["US:MI"], "chains": ["li_ion_battery"], "start": 2025},
    "green_lane": {"lever": "green_lane", "economy": "US", "permit_cut": 0.5, "start": 2025},
    "workforce": {"lever": "workforce", "economy": "US", "labour_growth": 0.3, "start": 2025},
    "national_champion": {"lever": "national_champion", "economy": "US", "chain": "li_ion_battery", "start": 2025},
    "sovereign_fund": {"lever": "sovereign_fund", "economy": "US", "budget_musd_per_year": 2000.0, "chains": ["li_ion_battery"], "start": 2025},
    "allied_pooling": {"lever": "allied_pooling", "members": ["US", "ROW"], "delay_years": 1, "start": 2025},
    "stockpile": {"lever": "stockpile", "economy": "US", "stages": [REFINE], "months": 6.0, "start": 2025},
    "rules_of_origin": {"lever": "rules_of_origin", "importer": "US", "stages": [PACK, CELL], "foreign_entities": ["CN"],
                        "max_content": 0.1, "treat_as": 0.5, "start": 2025},
}
COMPARED = ("capacity", "production", "unit_cost", "flows", "price", "announced", "stock", "subsidies")


@pytest.fixture(scope="module")
def runs(world, base_scenario):
    return {k: api.simulate(base_scenario.with_policies([lever]), world=world).isel(draw=0) for k, lever in LEVERS.items()}


@pytest.fixture(scope="module")
def b0(base):
    return base.isel(draw=0)


def test_every_lever_kind_has_a_case():
    assert set(LEVERS) == set(LEVER_MODELS)


@pytest.mark.parametrize("kind", sorted(LEVERS))
def test_lever_changes_the_simulation(runs, b0, kind):
    ds = runs[kind]
    changed = [v for v in COMPARED if not np.allclose(ds[v].values, b0[v].values, rtol=1e-9, atol=0.0)]
    assert changed, f"{kind} changed none of {COMPARED}"


@pytest.mark.parametrize("kind", sorted(LEVERS))
def test_lever_does_not_act_before_it_starts(runs, b0, kind):
    first = LEVERS[kind]["start"]
    before = slice(None, first - 1)
    for v in ("capacity", "production", "flows", "price"):
        xr.testing.assert_identical(runs[kind][v].sel(year=before), b0[v].sel(year=before))


def test_tariff_lowers_the_taxed_suppliers_share(runs, b0):
    def share(ds):
        f = ds.flows.sel(market="US", stage=[PACK, CELL])
        return f.sel(economy="CN") / f.sum("economy")

    diff = share(runs["tariff"]) - share(b0)
    assert float(diff.max()) <= 1e-9
    assert float(diff.sel(year=2025).min()) < 0
    assert float(runs["tariff"].tariff_revenue.sel(market="US").sum()) > 0


@pytest.mark.parametrize("kind", ["import_ban", "decoupling"])
def test_bans_cut_the_flows(runs, b0, kind):
    cut = runs[kind].flows.sel(market="US", economy="CN", stage=[PACK, CELL], year=slice(2026, None))
    assert float(cut.max()) == 0.0
    assert float(b0.flows.sel(market="US", economy="CN", stage=[PACK, CELL]).min()) > 0


def test_export_control_caps_exports_not_home_sales(runs, b0):
    ds = runs["export_control"]
    exports = ds.flows.sel(economy="CN", stage=REFINE, market=["US", "ROW"])
    base_exports = b0.flows.sel(economy="CN", stage=REFINE, market=["US", "ROW"])
    assert float((exports - base_exports).max()) <= 1e-9
    assert float((exports - base_exports).sel(year=2026).min()) < 0


def test_production_credit_is_paid_and_raises_domestic_output(runs, b0):
    ds = runs["production_credit"]
    assert float(ds.subsidies.sel(economy="US", stage=CELL, year=2025)) > 0
    assert float(b0.subsidies.sum()) == 0.0
    gain = ds.production.sel(economy="US", stage=CELL) - b0.production.sel(economy="US", stage=CELL)
    assert float(gain.sel(year=2025)) > 0
    assert float(gain.sum("year")) > 0


def test_investment_credit_is_paid(runs, b0):
    assert float(runs["investment_credit"].subsidies.sel(economy="US", stage=[CELL, PACK]).sum()) > 0


def test_investment_credit_never_lowers_domestic_announcements(runs, b0):
    diff = runs["investment_credit"].announced.sel(economy="US", stage=[CELL, PACK]) - b0.announced.sel(economy="US", stage=[CELL, PACK])
    assert float(diff.min()) >= -1e-9


def test_local_content_raises_the_domestic_share(runs, b0):
    def dom(ds):
        return ds.flows.sel(market="US", economy="US", stage=PACK) / ds.served.sel(market="US", stage=PACK)

    diff = dom(runs["local_content"]) - dom(b0)
    assert float(diff.min()) >= -1e-9
    assert float(diff.sel(year=2025)) > 0.2


def test_cluster_lowers_cost_at_the_designated_site(runs, b0):
    ds = runs["designate_cluster"]
    ratio = ds.site_unit_cost.sel(site="US:MI", year=2025) / b0.site_unit_cost.sel(site="US:MI", year=2025)
    assert float(ratio.max()) < 1.0
    assert float((ds.site_capacity.sel(site="US:MI") - b0.site_capacity.sel(site="US:MI")).min()) >= -1e-9


def test_national_champion_never_raises_domestic_cost(runs, b0):
    ratio = runs["national_champion"].unit_cost.sel(economy="US") / b0.unit_cost.sel(economy="US")
    assert float(ratio.max()) <= 1.0 + 1e-12
    assert float(ratio.sel(year=2025).min()) < 1.0


def test_sovereign_fund_deploys_capital_and_never_lowers_capacity(runs, b0):
    ds = runs["sovereign_fund"]
    assert float(ds.public_capital.sel(economy="US").isel(year=-1)) > 0
    assert float((ds.capacity.sel(economy="US") - b0.capacity.sel(economy="US")).min()) >= -1e-9


def test_stockpile_builds_a_stock(runs, b0):
    stock = runs["stockpile"].stock.sel(economy="US", stage=REFINE)
    assert float(stock.sel(year=2025)) > 0
    assert float(b0.stock.sel(economy="US", stage=REFINE).max()) < 1e-6


def test_allied_pooling_cost_premium_matters(world, base_scenario):
    def ds(premium):
        lever = {**LEVERS["allied_pooling"], "cost_premium": premium}
        return api.simulate(base_scenario.with_policies([lever]), world=world)

    cheap, dear = ds(0.0), ds(0.5)
    pooled_cheap = cheap.flows.sel(market="US", economy="ROW").sum()
    pooled_dear = dear.flows.sel(market="US", economy="ROW").sum()
    assert float(pooled_dear) < float(pooled_cheap)


def test_stage_list_order_and_chain_names_are_equivalent(world, base_scenario):
    by_chain = api.simulate(base_scenario.with_policies([LEVERS["decoupling"]]), world=world)
    by_stage = api.simulate(
        base_scenario.with_policies([{**LEVERS["decoupling"], "stages": [PACK, MINE, CELL, REFINE]}]), world=world
    )
    for v in ("capacity", "production", "flows"):
        xr.testing.assert_identical(by_chain[v], by_stage[v])
