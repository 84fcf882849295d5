"""Engine outputs -> a labelled :class:`xarray.Dataset` (labelled at the edges).

Variables (units: the stage's unit per year unless said):

- per (draw, year, economy, stage): ``capacity``, ``production``, ``unit_cost`` (USD per
  unit, capacity-weighted over the economy's sites), ``pipeline``, ``announced``,
  ``subsidies`` (USD), ``jobs``, ``electricity_mwh``, ``stock``;
- per (draw, year, market, stage): ``demand``, ``served``, ``unmet``, ``price`` (USD per
  unit), ``tariff_revenue`` (USD), ``stock_draw``;
- per (draw, year, market, use): ``final_demand``;
- per (draw, year, economy): ``public_capital``, ``public_returns``, ``public_budget``
  (USD: a sovereign fund's capital deployed, its returns and its budget that year);
- per (draw, year, market, exporter, stage): ``exports``, the race exporters' sales by
  destination (what redirection is measured on); per (stage, input_stage): ``inputs``,
  1 where a stage uses another (what the verdict's upstream closure follows);
- with site detail: ``site_capacity``, ``site_production``, ``site_unit_cost`` per
  (draw, year, site, stage), and ``flows`` per (draw, year, market, economy, stage).

Attributes record the scenario (as YAML text), seed, base year, shock year and the
calibration diagnostics.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from buildrace.dims import DRAW, ECONOMY, EXPORTER, INPUT_STAGE, MARKET, SITE, STAGE, USE, YEAR

ECONOMY_VARS = ("capacity", "production", "unit_cost", "pipeline", "announced", "subsidies", "jobs", "electricity_mwh", "stock", "stock_carrying_cost")
MARKET_VARS = ("demand", "served", "unmet", "price", "tariff_revenue", "stock_draw")
SITE_VARS = ("site_capacity", "site_production", "site_unit_cost")
SITE_DETAIL_MAX_DRAWS = 64
"""Above this many draws, site-level arrays and bilateral flows are left out of results
to bound memory; economy-level results are always complete."""


def kept_outputs(draws: int) -> frozenset[str]:
    base = set(ECONOMY_VARS + MARKET_VARS) | {"final_demand", "public_capital", "public_returns", "public_budget", "exports"}
    if draws <= SITE_DETAIL_MAX_DRAWS:
        base |= set(SITE_VARS) | {"flows"}
    return frozenset(base)


def to_dataset(outputs: dict[str, np.ndarray], ix, draws: int, attrs: dict) -> xr.Dataset:
    """Label engine outputs (N, T, ...) with the identifiers of ``ix`` (a compiled Index)."""
    N, T = draws, len(ix.years)
    coords: dict[str, Any] = {
        DRAW: np.arange(N), YEAR: ix.years, ECONOMY: list(ix.economies), MARKET: list(ix.economies),
        STAGE: list(ix.stages), SITE: list(ix.sites), USE: list(ix.uses),
    }
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for v in ECONOMY_VARS:
        if v in outputs:
            data[v] = ((DRAW, YEAR, ECONOMY, STAGE), outputs[v])
    for v in MARKET_VARS:
        if v in outputs:
            data[v] = ((DRAW, YEAR, MARKET, STAGE), outputs[v])
    if "final_demand" in outputs:
        data["final_demand"] = ((DRAW, YEAR, MARKET, USE), outputs["final_demand"])
    for v in ("public_capital", "public_returns", "public_budget"):
        if v in outputs:
            data[v] = ((DRAW, YEAR, ECONOMY), outputs[v])
    exporters = list(attrs.get("exporters", ()))
    if "exports" in outputs:
        data["exports"] = ((DRAW, YEAR, MARKET, EXPORTER, STAGE), outputs["exports"])
        coords[EXPORTER] = exporters
    if "site_capacity" in outputs:
        R, S = len(ix.sites), len(ix.stages)
        for v in SITE_VARS:
            dense = np.zeros((N, T, R, S)) if v != "site_unit_cost" else np.full((N, T, R, S), np.nan)
            dense[:, :, ix.pair_site, ix.pair_stage] = outputs[v]
            data[v] = ((DRAW, YEAR, SITE, STAGE), dense)
        data["flows"] = ((DRAW, YEAR, MARKET, ECONOMY, STAGE), outputs["flows"])
    # every variable in one constructor, in the order the Dataset lists them (data, then
    # coordinates, then the input structure): each later assign_coords or item
    # assignment would align and merge the whole Dataset again (~5 ms apiece)
    variables: dict[str, Any] = dict(data)
    variables.update({dim: (dim, labels) for dim, labels in coords.items()})
    variables["site_economy"] = (SITE, [ix.economies[e] for e in ix.site_economy])
    variables["chain"] = (STAGE, [ix.chains[k] for k in ix.stage_chain])
    if "inputs" in attrs:
        variables["inputs"] = ((STAGE, INPUT_STAGE), np.asarray(attrs.pop("inputs"), dtype=np.int8))
        variables[INPUT_STAGE] = (INPUT_STAGE, list(ix.stages))
    ds = xr.Dataset(variables).set_coords(["site_economy", "chain"])
    ds.attrs.update(attrs)
    return ds
