"""A small world (3 economies, 4 sites, 4 stages of one chain) for fast, hand-checkable tests."""

from __future__ import annotations

import pandas as pd

from buildrace.model.world import World, world_from_tables

STAGES = ("li_ion_battery.mine_lithium", "li_ion_battery.refine_lithium", "li_ion_battery.cell_lfp", "li_ion_battery.pack")


def toy_tables() -> dict[str, pd.DataFrame]:
    economies = pd.DataFrame(
        {
            "economy": ["US", "CN", "ROW"],
            "name": ["United States", "China", "Rest of world"],
            "name_vi": ["Hoa Kỳ", "Trung Quốc", "Phần còn lại"],
            "electricity_price_usd_per_mwh": [80.0, 80.0, 100.0],
            "hurdle_rate": [0.10, 0.08, 0.10],
        }
    )
    sites = pd.DataFrame(
        {
            "site": ["US:MI", "US:NV", "CN:JS", "ROW"],
            "economy": ["US", "US", "CN", "ROW"],
            "name": ["Michigan", "Nevada", "Jiangsu", "Rest of world"],
            "lat": [44.3, 39.3, 33.0, 0.0],
            "lon": [-85.6, -116.6, 119.8, 0.0],
        }
    )
    stages = pd.DataFrame(
        {
            "stage": list(STAGES),
            "sector": ["li_ion_battery"] * 4,
            "name": ["Lithium mining", "Lithium refining", "LFP cells", "Packs"],
            "name_vi": ["Khai thác lithium", "Tinh chế lithium", "Pin LFP", "Bộ pin"],
            "unit": ["t Li", "t LCE", "GWh", "GWh"],
            "price_unit": ["USD/kg", "USD/kg", "USD/kWh", "USD/kWh"],
            "price_factor": [1e-3, 1e-3, 1e-6, 1e-6],
        }
    )
    sp: dict[str, list[float]] = {
        "learning_rate": [0.05, 0.08, 0.18, 0.15],
        "lifetime_years": [25, 25, 15, 15],
        "utilisation_max": [0.9, 0.9, 0.9, 0.9],
        "ramp_years": [2, 2, 2, 1],
        "jobs_per_unit": [0.01, 0.005, 100.0, 50.0],
        "electricity_mwh_per_unit": [5.0, 10.0, 40000.0, 5000.0],
        "transport_usd_per_unit": [100.0, 300.0, 2e6, 3e6],
        "trade_lambda": [6.0, 5.0, 4.0, 4.0],
        "cancel_prob_permit": [0.05, 0.05, 0.05, 0.05],
        "cancel_prob_build": [0.02, 0.02, 0.02, 0.02],
        "price_elasticity": [0.0, 0.0, 0.0, 0.5],
    }
    stage_parameters = pd.DataFrame(
        [(s, p, v[i]) for p, v in sp.items() for i, s in enumerate(STAGES)], columns=["stage", "parameter", "value"]
    )
    cost = {"US": [15000.0, 14000.0, 7.0e7, 1.2e8], "CN": [10000.0, 9000.0, 5.0e7, 9.0e7], "ROW": [9000.0, 11000.0, 6.5e7, 1.1e8]}
    capex = {"US": [60000.0, 26000.0, 1.0e8, 3.0e7], "CN": [30000.0, 10000.0, 6.0e7, 2.0e7], "ROW": [40000.0, 20000.0, 9.0e7, 2.5e7]}
    permit = {"US": [10.0, 2.0, 1.0, 0.5], "CN": [3.0, 0.5, 0.3, 0.2], "ROW": [5.0, 1.0, 1.0, 0.5]}
    build = {"US": [3.0, 2.0, 2.0, 1.0], "CN": [2.0, 1.5, 1.2, 0.8], "ROW": [3.0, 2.0, 2.0, 1.0]}
    rows = []
    for e in cost:
        for i, s in enumerate(STAGES):
            rows += [
                (e, s, "unit_cost", cost[e][i]),
                (e, s, "capex", capex[e][i]),
                (e, s, "permit_years", permit[e][i]),
                (e, s, "build_years", build[e][i]),
            ]
    esp = pd.DataFrame(rows, columns=["economy", "stage", "parameter", "value"])
    inputs = pd.DataFrame(
        {
            "consumer": ["li_ion_battery.refine_lithium", "li_ion_battery.cell_lfp", "li_ion_battery.pack", "use.storage_installations"],
            "input": ["li_ion_battery.mine_lithium", "li_ion_battery.refine_lithium", "li_ion_battery.cell_lfp", "li_ion_battery.pack"],
            "intensity": [0.1879, 470.0, 1.0, 1.0],
        }
    )
    capacity = pd.DataFrame(
        [
            ("US:NV", "li_ion_battery.mine_lithium", 6000.0, 5000.0),
            ("ROW", "li_ion_battery.mine_lithium", 160000.0, 150000.0),
            ("CN:JS", "li_ion_battery.mine_lithium", 40000.0, 33000.0),
            ("US:NV", "li_ion_battery.refine_lithium", 10000.0, 8000.0),
            ("CN:JS", "li_ion_battery.refine_lithium", 700000.0, 600000.0),
            ("ROW", "li_ion_battery.refine_lithium", 300000.0, 250000.0),
            ("US:MI", "li_ion_battery.cell_lfp", 60.0, 40.0),
            ("CN:JS", "li_ion_battery.cell_lfp", 1500.0, 800.0),
            ("ROW", "li_ion_battery.cell_lfp", 200.0, 150.0),
            ("US:MI", "li_ion_battery.pack", 80.0, 60.0),
            ("CN:JS", "li_ion_battery.pack", 1400.0, 780.0),
            ("ROW", "li_ion_battery.pack", 250.0, 150.0),
        ],
        columns=["site", "stage", "capacity", "production"],
    )
    final_demand = pd.DataFrame(
        [
            ("US", "use.storage_installations", 150.0, 0.15, 0.08, 0.03),
            ("CN", "use.storage_installations", 600.0, 0.12, 0.06, 0.02),
            ("ROW", "use.storage_installations", 230.0, 0.15, 0.08, 0.03),
        ],
        columns=["economy", "use", "value", "growth_2025_2030", "growth_2031_2040", "growth_2041_2050"],
    )
    pipeline = pd.DataFrame(
        [("US:MI", "li_ion_battery.cell_lfp", 40.0, "construction", 2026, "Toy plant")],
        columns=["site", "stage", "capacity", "phase", "online_year", "name"],
    )
    return {
        "economies": economies, "sites": sites, "stages": stages, "stage_parameters": stage_parameters,
        "economy_stage_parameters": esp, "inputs": inputs, "capacity": capacity,
        "final_demand": final_demand, "pipeline": pipeline,
    }


def toy_world() -> World:
    """The toy world (base year 2024)."""
    return world_from_tables("toy_2024", 2024, toy_tables())
