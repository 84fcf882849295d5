"""The base-year world: identifiers, parameters and base-year facts, with provenance.

A :class:`World` holds plain pandas tables read from an embedded folder
(``buildrace/data/<name>/*.csv``, documented in ``docs/data.md``). It does no maths:
:mod:`buildrace.model.compile` turns it, with a scenario, into engine arrays.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from buildrace.errors import InputError

#: Parameters every stage must carry in ``stage_parameters.csv``.
STAGE_PARAMETERS = (
    "learning_rate",
    "lifetime_years",
    "utilisation_max",
    "ramp_years",
    "jobs_per_unit",
    "electricity_mwh_per_unit",
    "transport_usd_per_unit",
    "trade_lambda",
    "cancel_prob_permit",
    "cancel_prob_build",
)
OPTIONAL_STAGE_PARAMETERS = ("price_elasticity", "storage_lfp_share")
"""Stage parameters a world may give for some stages only (0 elsewhere): the own-price
elasticity of the final use a stage serves, and the share of stationary-storage packs
built of LFP cells (on the pack stage; see ``buildrace.model.compile.FIXED_CHEMISTRY``)."""
#: Parameters every (economy, stage) must carry in ``economy_stage_parameters.csv``.
ECONOMY_STAGE_PARAMETERS = ("unit_cost", "capex", "permit_years", "build_years")
ECONOMY_PARAMETERS = ("market_share_planning",)
"""Optional economy-level columns of economies.csv that a scenario may set per economy."""
FINAL_USES = (
    "use.ev_sales",
    "use.pv_installations",
    "use.storage_installations",
    "use.wind_installations",
)
GROWTH_PERIODS = (("growth_2025_2030", 2030), ("growth_2031_2040", 2040), ("growth_2041_2050", 2100))
PIPELINE_PHASES = ("announced", "permitting", "construction", "ramping")


TRADE_COLUMNS = ("market", "supplier", "stage", "share", "tolerance", "source", "note")
"""Columns of a world's observed trade record (``trade.csv``)."""


@dataclass(frozen=True)
class World:
    """A base-year world as tidy tables.

    Attributes
    ----------
    name, base_year
        Identifier (``world_2024``) and the base year the facts describe.
    economies
        Index ``economy``; columns ``name``, ``name_vi``, ``electricity_price_usd_per_mwh``,
        ``hurdle_rate`` and, optionally, ``market_share_planning`` (0-1, the weight of
        market-share planning in the economy's investment; 0 where absent).
    sites
        Index ``site``; columns ``economy``, ``name``, ``lat``, ``lon``.
    stages
        Index ``stage``; columns ``sector``, ``name``, ``name_vi``, ``unit``,
        ``price_unit``, ``price_factor``.
    stage_parameters
        Index ``stage``; one column per name in :data:`STAGE_PARAMETERS` (plus the
        optional :data:`OPTIONAL_STAGE_PARAMETERS`).
    economy_stage_parameters
        MultiIndex (``economy``, ``stage``); one column per :data:`ECONOMY_STAGE_PARAMETERS`.
    inputs
        Columns ``consumer`` (a stage or a final use), ``input`` (a stage), ``intensity``.
    capacity
        Columns ``site``, ``stage``, ``capacity``, ``production`` (base year, per year).
    final_demand
        Index (``economy``, ``use``); columns ``value`` and the growth columns.
    pipeline
        Columns ``site``, ``stage``, ``capacity``, ``phase``, ``online_year``, ``name``.
    sources
        Index ``id``; columns ``title``, ``url``.
    trade
        Observed bilateral structure of the base year (optional): columns ``market``,
        ``supplier``, ``stage``, ``share`` (the supplier's share of the market's purchases),
        ``tolerance``, ``source``, ``note``. The calibration fits bilateral preferences
        (home bias, non-tariff barriers) so the base year reproduces these shares.
    """

    name: str
    base_year: int
    economies: pd.DataFrame
    sites: pd.DataFrame
    stages: pd.DataFrame
    stage_parameters: pd.DataFrame
    economy_stage_parameters: pd.DataFrame
    inputs: pd.DataFrame
    capacity: pd.DataFrame
    final_demand: pd.DataFrame
    pipeline: pd.DataFrame
    sources: pd.DataFrame
    trade: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(TRADE_COLUMNS)))

    @property
    def economy_codes(self) -> tuple[str, ...]:
        return tuple(self.economies.index)

    @property
    def site_codes(self) -> tuple[str, ...]:
        return tuple(self.sites.index)

    @property
    def stage_codes(self) -> tuple[str, ...]:
        return tuple(self.stages.index)

    @property
    def chains(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.stages["sector"]))

    def stages_of(self, chain: str) -> tuple[str, ...]:
        """Stages of one chain (sector), upstream to downstream as listed."""
        return tuple(self.stages.index[self.stages["sector"] == chain])


def _read(folder, filename: str) -> pd.DataFrame:
    text = folder.joinpath(filename).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), comment=None, skipinitialspace=True)


def _pivot_parameters(table: pd.DataFrame, keys: list[str], where: str) -> pd.DataFrame:
    dup = table.duplicated(keys + ["parameter"])
    if dup.any():
        row = table[dup].iloc[0]
        raise InputError(f"{where}: duplicate parameter {row['parameter']!r} for {tuple(row[keys])}")
    return table.pivot_table(index=keys, columns="parameter", values="value", aggfunc="first")


def world_from_tables(name: str, base_year: int, tables: dict[str, pd.DataFrame]) -> World:
    """Build a :class:`World` from raw tables (as read from CSV), checking them.

    The table names and columns are those of ``docs/data.md``. Raises
    :class:`~buildrace.errors.InputError` naming the table and row on any problem.
    """
    economies = tables["economies"].set_index("economy")
    sites = tables["sites"].set_index("site")
    stages = tables["stages"].set_index("stage")
    sp = _pivot_parameters(tables["stage_parameters"], ["stage"], "stage_parameters.csv")
    esp = _pivot_parameters(
        tables["economy_stage_parameters"], ["economy", "stage"], "economy_stage_parameters.csv"
    )
    inputs = tables["inputs"][["consumer", "input", "intensity"]].copy()
    capacity = tables["capacity"][["site", "stage", "capacity", "production"]].copy()
    capacity[["capacity", "production"]] = capacity[["capacity", "production"]].fillna(0.0)
    capacity = capacity.groupby(["site", "stage"], as_index=False).sum()
    final_demand = tables["final_demand"].set_index(["economy", "use"])
    pipeline = tables.get("pipeline", pd.DataFrame(columns=["site", "stage", "capacity", "phase", "online_year", "name"]))
    sources = tables.get("sources", pd.DataFrame(columns=["id", "title", "url"])).set_index("id")
    world = World(
        name=name,
        base_year=base_year,
        economies=economies,
        sites=sites,
        stages=stages,
        stage_parameters=sp.reindex(stages.index),
        economy_stage_parameters=esp,
        inputs=inputs,
        capacity=capacity,
        final_demand=final_demand,
        pipeline=pipeline,
        sources=sources,
        trade=tables.get("trade", pd.DataFrame(columns=list(TRADE_COLUMNS))),
    )
    check_world(world)
    return world


def check_trade(world: World) -> None:
    """The observed trade table names known economies and stages, with shares in 0-1
    that sum to at most 1 per market and stage."""
    t = world.trade
    if t.empty:
        return
    missing = [c for c in ("market", "supplier", "stage", "share") if c not in t.columns]
    if missing:
        raise InputError(f"{world.name}/trade.csv: missing columns {missing}; expected {', '.join(TRADE_COLUMNS)}")
    econ, stages = set(world.economy_codes), set(world.stage_codes)
    for i, r in enumerate(t.itertuples(index=False), start=2):  # line 1 is the header
        where = f"{world.name}/trade.csv:{i}"
        if r.market not in econ or r.supplier not in econ:
            raise InputError(f"{where}: unknown economy in market {r.market!r} or supplier {r.supplier!r}; known: {sorted(econ)}")
        if r.stage not in stages:
            raise InputError(f"{where}: unknown stage {r.stage!r}; see `buildrace stages`")
        if not 0.0 <= float(r.share) <= 1.0:
            raise InputError(f"{where}: share {r.share} outside 0-1 (the supplier's share of the market's purchases)")
    total = t.groupby(["market", "stage"])["share"].sum()
    over = total[total > 1.0 + 1e-9]
    if len(over):
        raise InputError(f"{world.name}/trade.csv: shares of {over.index[0]} sum to {over.iloc[0]:.3f} > 1")


def check_world(world: World) -> None:
    """Cross-table checks: identifiers resolve, required parameters present, values sane."""
    econ, sites, stages = set(world.economy_codes), set(world.site_codes), set(world.stage_codes)
    bad = set(world.sites["economy"]) - econ
    if bad:
        raise InputError(f"{world.name}/sites.csv: unknown economy {sorted(bad)}; known: {sorted(econ)}")
    if "market_share_planning" in world.economies.columns:
        w = world.economies["market_share_planning"]
        bad_w = w[w.notna() & ((w < 0) | (w > 1))]
        if len(bad_w):
            raise InputError(
                f"{world.name}/economies.csv: market_share_planning {bad_w.iloc[0]} for {bad_w.index[0]} outside 0-1 "
                "(the weight of market-share planning in investment)"
            )
    missing = [p for p in STAGE_PARAMETERS if p not in world.stage_parameters.columns]
    if missing:
        raise InputError(f"{world.name}/stage_parameters.csv: parameters missing for all stages: {missing}")
    holes = world.stage_parameters[list(STAGE_PARAMETERS)].isna().stack()
    holes = holes[holes]
    if len(holes):
        stage, param = holes.index[0]
        raise InputError(f"{world.name}/stage_parameters.csv: no {param!r} for stage {stage!r} ({len(holes)} gaps)")
    need = pd.MultiIndex.from_product([world.economy_codes, world.stage_codes])
    esp = world.economy_stage_parameters.reindex(need)
    for p in ECONOMY_STAGE_PARAMETERS:
        if p not in esp.columns or esp[p].isna().any():
            gaps = need if p not in esp.columns else esp.index[esp[p].isna()]
            raise InputError(
                f"{world.name}/economy_stage_parameters.csv: no {p!r} for {list(gaps[:3])}"
                f" ({len(gaps)} gaps); every economy x stage needs one"
            )
    for col, known, table in (
        ("consumer", stages | set(FINAL_USES), "inputs"),
        ("input", stages, "inputs"),
    ):
        bad = set(world.inputs[col]) - known
        if bad:
            raise InputError(f"{world.name}/{table}.csv: unknown {col} {sorted(bad)}")
    for table_name, table in (("capacity", world.capacity), ("pipeline", world.pipeline)):
        bad_sites = set(table["site"]) - sites
        bad_stages = set(table["stage"]) - stages
        if bad_sites or bad_stages:
            raise InputError(
                f"{world.name}/{table_name}.csv: unknown sites {sorted(bad_sites)} or stages {sorted(bad_stages)}"
            )
    neg = world.capacity[(world.capacity["capacity"] < 0) | (world.capacity["production"] < 0)]
    if len(neg):
        raise InputError(f"{world.name}/capacity.csv: negative value at {tuple(neg.iloc[0][['site', 'stage']])}")
    over = world.capacity[world.capacity["production"] > world.capacity["capacity"] * (1 + 1e-9)]
    if len(over):
        r = over.iloc[0]
        raise InputError(
            f"{world.name}/capacity.csv: production {r['production']} above capacity {r['capacity']}"
            f" at {r['site']} {r['stage']}"
        )
    check_trade(world)


@cache
def load_world(name: str = "world_2024") -> World:
    """Load an embedded world by name (cached; the World is immutable)."""
    from buildrace.data import WORLDS, world_files

    if name not in WORLDS:
        raise InputError(f"unknown world {name!r}; embedded worlds: {', '.join(WORLDS)}")
    folder = world_files(name)
    names = (
        "economies", "sites", "stages", "stage_parameters", "economy_stage_parameters",
        "inputs", "capacity", "final_demand", "pipeline", "sources",
    )
    tables = {n: _read(folder, f"{n}.csv") for n in names}
    if folder.joinpath("trade.csv").is_file():
        tables["trade"] = _read(folder, "trade.csv")
    base_year = int(name.rsplit("_", 1)[-1])
    return world_from_tables(name, base_year, tables)


__all__ = [
    "ECONOMY_STAGE_PARAMETERS",
    "FINAL_USES",
    "STAGE_PARAMETERS",
    "World",
    "check_world",
    "load_world",
    "world_from_tables",
]
