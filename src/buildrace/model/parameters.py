"""Model-wide behavioural parameters, their defaults and where each default comes from.

Stage-level parameters (learning rates, lead times ...) live in the world's tables;
these are the switches of the mechanisms themselves. A scenario overrides any of them
under ``parameters:``; per-stage overrides use ``stage_overrides``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from buildrace.model.distributions import Value

Positive = Annotated[float, Field(ge=0.0)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class ModelParameters(BaseModel):
    """Behavioural parameters (defaults documented in ``docs/model.md``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spillover_economy: Share = Field(
        0.5,
        description="phi_econ: weight of the rest of the economy's experience in a site's learning "
        "(knowledge spills within borders more than across; ASM after Irwin & Klenow 1994, doi 10.1086/261863)",
    )
    spillover_world: Share = Field(
        0.1, description="phi_world: weight of the world's experience (ASM, same source)"
    )
    experience_years: Annotated[float, Field(gt=0.0, le=50.0)] = Field(
        5.0,
        description="base-year cumulative production as years of base-year output "
        "(ASM: cumulative/annual ~ 1/g + 1 for an industry growing ~25%/yr)",
    )
    agglomeration_alpha: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.05,
        description="elasticity of unit cost to cluster mass (Rosenthal & Strange 2004, "
        "doi 10.1016/S1574-0080(04)80006-3: doubling scale raises productivity 3-8%)",
    )
    cluster_mass_ref: Annotated[float, Field(gt=0.0)] = Field(
        0.05, description="M_ref: cluster mass (sum over chain stages of the site's share of world capacity) at which A halves its log-distance (ASM)"
    )
    cluster_infrastructure_effect: Share = Field(
        0.03, description="extra unit-cost cut at a designated cluster per USD 1bn of infrastructure, capped at 3x (ASM)"
    )
    cluster_permit_cut: Share = Field(0.3, description="permit-time cut at a designated cluster (ASM)")
    cluster_build_cut: Share = Field(0.1, description="build-time cut at a designated cluster (ASM)")
    cluster_attractiveness: Positive = Field(
        1.0, description="investment-siting weight multiplier added at a designated cluster (ASM)"
    )
    kappa: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.08,
        description="vertical-integration penalty: unit-cost mark-up when all inputs come from abroad "
        "(transaction and coordination costs; ASM after Williamson 1971)",
    )
    invest_response: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        1.0, description="share of the expected capacity gap announced per year when margins clear the hurdle (ASM)"
    )
    invest_beta: Annotated[float, Field(ge=0.0, le=200.0)] = Field(
        15.0, description="steepness of the investment response to margin above hurdle (ASM)"
    )
    siting_beta: Annotated[float, Field(ge=0.0, le=50.0)] = Field(
        5.0, description="beta: how strongly new capacity goes to the cheaper sites of an economy (ASM)"
    )
    target_utilisation: Annotated[float, Field(gt=0.1, le=1.0)] = Field(
        0.75,
        description="utilisation producers plan capacity for (ASM: planning headroom; IEA S19/S20 report "
        "~50% utilisation of PV and battery capacity in 2023-24, so planners keep spare capacity)",
    )
    share_planning_utilisation: Annotated[float, Field(gt=0.1, le=1.0)] = Field(
        0.5,
        description="utilisation that producers planning for market share size capacity for (ASM: China's PV and "
        "battery makers ran at about half their capacity in 2023-24, IEA S19/S20, and kept building)",
    )
    share_planning_strength: Share = Field(
        1.0,
        description="scale of each economy's market-share planning weight (economies.csv "
        "``market_share_planning``; 0 switches the mechanism off everywhere; ASM)",
    )
    reference_hurdle: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        0.08, description="cost of capital already inside base-year unit costs (ASM)"
    )
    scarcity_markup: Positive = Field(
        1.5, description="price of a manufactured stage rises by this times the unmet share of demand (ASM)"
    )
    commodity_demand_elasticity: Annotated[float, Field(ge=0.05, le=5.0)] = Field(
        0.3,
        description="short-run price elasticity of demand for raw materials: in a shortage their price rises "
        "until buyers give up the unmet share, by (1 - unmet share) ** (-1 / elasticity) (ASM after Kilian & "
        "Murphy 2014, crude oil -0.26 in use)",
    )
    commodity_price_cap: Annotated[float, Field(ge=1.0, le=50.0)] = Field(
        5.0,
        description="ceiling on that scarcity multiple of a raw-material price (ASM: lithium carbonate averaged "
        "3.8x its 2018 price in 2022, history/observed.csv H60/REC, and peaked near 4.5x)",
    )
    chemistry_elasticity: Annotated[float, Field(ge=0.0, le=20.0)] = Field(
        1.0,
        description="how strongly the mix of substitute inputs (LFP vs nickel-based cells in packs) follows "
        "their relative prices (ASM; kept mild because learning-by-doing makes the mix self-reinforcing: "
        "a chemistry that gains share learns faster and gets cheaper still)",
    )
    glut_discount: Share = Field(
        0.5,
        description="how far prices fall below cost per unit of slack (world utilisation short of the planned "
        "utilisation): 0.5 cuts prices 15% at 30% slack (ASM; the 2023-24 PV and battery gluts)",
    )
    market_growth: Annotated[float, Field(ge=-0.1, le=0.2)] = Field(
        0.01,
        description="annual growth of the market a final use saturates (final_demand.csv market_size: new cars "
        "for EV sales; world light-vehicle sales grew about 1% a year in 2010-2024, REC)",
    )
    other_demand_growth: Annotated[float, Field(ge=-0.2, le=0.5)] = Field(
        0.02, description="annual growth of demand from uses outside the modelled chains (ASM)"
    )
    electrification_coupling: Share = Field(
        0.3,
        description="share of extra EV electricity demand met by new solar with storage (ASM); couples EV sales to PV and storage demand",
    )
    ev_mwh_per_vehicle_year: Positive = Field(
        2.5, description="electricity use of one EV per year, MWh (ASM: 15,000 km x 0.17 kWh/km)"
    )
    pv_mwh_per_gw_year: Annotated[float, Field(gt=0.0)] = Field(
        1.5e6, description="yield of 1 GW of PV per year, MWh (capacity factor ~17%; ASM)"
    )
    storage_gwh_per_gw_pv: Positive = Field(0.5, description="storage paired with each GW of coupled PV (ASM)")
    stock_carrying_cost: Share = Field(0.1, description="annual carrying cost of strategic stocks, share of value (ASM)")
    pooling_investment_share: Share = Field(
        0.5, description="share of a pooled bloc's unmet demand that allied members' producers plan to serve (ASM)"
    )
    within_economy_lambda: Positive = Field(
        3.0, description="logit cost sensitivity among an economy's own sites (ASM)"
    )
    capacity_weight_exponent: Annotated[float, Field(ge=0.1, le=1.0)] = Field(
        0.75,
        description="exponent on a supplier's capacity in the trade logit (1: buyers split orders in proportion "
        "to capacity; below 1 a supplier's reach grows less than its capacity, which keeps the largest from "
        "taking every market; ASM after the nested-logit scale of Anderson, de Palma & Thisse 1992)",
    )
    exit_utilisation: Share = Field(
        0.5, description="sustained (3-year smoothed) utilisation below which producers close plants early (ASM)"
    )
    exit_rate: Share = Field(
        0.2, description="extra share of capacity retired per year per unit of utilisation shortfall below exit_utilisation, relative to it (ASM)"
    )
    mix_adjustment: Share = Field(
        0.35,
        description="share of the gap to the price-driven chemistry mix closed each year (ASM: pack designs and "
        "supply contracts change over two to three years, which keeps the mix from jumping each year)",
    )
    origin_segregation: Share = Field(
        0.25,
        description="how far a producer can dedicate its non-foreign inputs to the goods it ships under a "
        "rule of origin (1: perfect segregation; 0: every product line carries the average content; ASM: "
        "certification is by product line and re-sourcing a line takes years)",
    )
    origin_spread: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.1, description="spread of foreign content across a producer's product lines around its average (ASM)"
    )
    # stochastic shocks (buildrace.model.shocks): zero by default, so one run is the
    # deterministic central path; the default priors and calibration switch them on
    demand_volatility: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.0, description="sd of the annual log shock to final demand (geometric random walk; 0: no shock)"
    )
    cost_volatility: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.0,
        description="sd of the annual log shock to unit costs (geometric random walk around learning; "
        "Farmer & Lafond 2016, doi 10.1016/j.respol.2015.11.001; 0: no shock)",
    )
    commodity_price_volatility: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        0.0, description="sd of the annual log shock to raw-material prices (AR(1); 0: no shock)"
    )
    commodity_price_persistence: Annotated[float, Field(ge=0.0, le=0.99)] = Field(
        0.6, description="AR(1) coefficient of commodity price shocks (ASM after Cashin, Liang & McDermott 2000)"
    )
    investment_volatility: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        0.0, description="sd of the annual log shock to an economy's capacity announcements per chain (AR(1); 0: no shock)"
    )
    investment_persistence: Annotated[float, Field(ge=0.0, le=0.99)] = Field(
        0.7, description="AR(1) coefficient of investment shocks (ASM: investment campaigns last several years)"
    )


class ParameterOverrides(BaseModel):
    """Scenario-level changes to parameters; any value may be a distribution.

    ``model`` overrides :class:`ModelParameters` fields; ``stages`` overrides a stage
    parameter (``learning_rate``, ``trade_lambda`` ...) for named stages or chains;
    ``economy_stages`` overrides an economy-stage parameter (``permit_years``,
    ``build_years``, ``capex``, ``unit_cost``) as a *multiplier* of the world's value, per
    economy and stage or chain (so one distribution can scale a whole chain's lead times).
    ``economies`` sets an economy-level parameter (``market_share_planning``: the weight,
    0-1, of market-share planning in the economy's investment) per economy, in place of
    the world's value (economies.csv). ``final_uses`` scales a final use's annual demand growth rates (``growth_scale``: 1 is
    the world's path, 2 doubles every year's growth rate) in every economy.
    ``priors`` switches on a built-in set of distributions (``default``: see
    ``docs/parameters.md``); explicit entries take precedence over it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    priors: Literal["none", "default"] = "none"
    model: dict[str, Value] = Field(default_factory=dict)
    stages: dict[str, dict[str, Value]] = Field(
        default_factory=dict, description="parameter -> {stage or chain -> value}"
    )
    economy_stages: dict[str, dict[str, dict[str, Value]]] = Field(
        default_factory=dict, description="parameter -> {economy -> {stage or chain -> multiplier}}"
    )
    economies: dict[str, dict[str, Value]] = Field(
        default_factory=dict, description="parameter -> {economy or ALL -> value} (market_share_planning)"
    )
    final_uses: dict[str, dict[str, Value]] = Field(
        default_factory=dict,
        description="growth_scale -> {final use or ALL -> multiplier of its annual demand growth rates}",
    )


__all__ = ["ModelParameters", "ParameterOverrides"]
