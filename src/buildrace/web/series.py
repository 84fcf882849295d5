"""Compact time series of a race for the dashboard's charts.

Everything the charts draw is computed here from the results Datasets with
:mod:`buildrace.metrics` (medians over draws, and the 5-95% band when there are several
draws), so the page only draws. Numbers are rounded to four significant digits; a
missing value (no demand, no production) is ``None``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from buildrace import metrics
from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, YEAR

SIGNIFICANT = 4


def _round(values: np.ndarray) -> list[float | None]:
    out: list[float | None] = []
    for v in np.asarray(values, dtype=float).ravel():
        out.append(float(f"{v:.{SIGNIFICANT}g}") if math.isfinite(v) else None)
    return out


def _per_stage(da: xr.DataArray, stages: list[str]) -> dict[str, list[float | None]]:
    """``da`` over (year, stage) -> stage -> list over years."""
    arr = da.transpose(YEAR, STAGE).values
    return {s: _round(arr[:, i]) for i, s in enumerate(stages)}


def stage_table(world_name: str) -> dict[str, dict[str, Any]]:
    """Stage id -> chain, names (en, vi), unit, price unit and the factor from USD per unit."""
    from buildrace.model.world import load_world

    table = load_world(world_name).stages
    out = {}
    for stage, row in table.iterrows():
        factor = float(row.get("price_factor", 1.0))
        out[str(stage)] = {
            "chain": str(row["sector"]),
            "name": str(row["name"]),
            "name_vi": str(row.get("name_vi") or row["name"]),
            "unit": str(row["unit"]),
            "price_unit": str(row.get("price_unit") or f"USD/{row['unit']}"),
            "price_factor": factor if math.isfinite(factor) and factor > 0 else 1.0,
        }
    return out


def economy_table(world_name: str) -> dict[str, dict[str, str]]:
    """Economy id -> names (en, vi)."""
    from buildrace.model.world import load_world

    table = load_world(world_name).economies
    return {str(e): {"name": str(r["name"]), "name_vi": str(r.get("name_vi") or r["name"])} for e, r in table.iterrows()}


def race_series(res: xr.Dataset, cf: xr.Dataset, importer: str, exporter: str, stage_info: dict[str, dict]) -> dict:
    """The charts' data: per stage, capacity (with and without the shock), unit cost in
    the stage's price unit, the importer's unmet share and self-sufficiency.

    Returns
    -------
    ``{"years": [...], "economies": [importer, exporter], "bands": bool, "stages": {stage: {...}}}``
    where each stage holds ``capacity``, ``capacity_without_shock``, ``unit_cost``,
    ``self_sufficiency`` (economy -> list over years), ``unmet_share`` (importer -> list),
    the same three on the reference path (``unit_cost_reference``,
    ``self_sufficiency_reference``, ``unmet_share_reference``; ``capacity_without_shock``
    is the reference path's capacity) and, with several draws, ``capacity_p05`` /
    ``capacity_p95``.
    """
    stages = [str(s) for s in res[STAGE].values]
    pair = [importer, exporter]
    factor = xr.DataArray([stage_info.get(s, {}).get("price_factor", 1.0) for s in stages], dims=STAGE, coords={STAGE: stages})
    cap = res["capacity"].sel({ECONOMY: pair})
    med = cap.median(DRAW)
    cap_cf = cf["capacity"].sel({ECONOMY: pair}).median(DRAW)
    cost = (res["unit_cost"].sel({ECONOMY: pair}) * factor).median(DRAW)
    cost_cf = (cf["unit_cost"].sel({ECONOMY: pair}) * factor).median(DRAW)
    suff = metrics.self_sufficiency(res).sel({ECONOMY: pair}).median(DRAW)
    suff_cf = metrics.self_sufficiency(cf).sel({ECONOMY: pair}).median(DRAW)

    def unmet_share(ds: xr.Dataset) -> xr.DataArray:
        demand = ds["demand"].sel({MARKET: importer})
        return (ds["unmet"].sel({MARKET: importer}) / demand.where(demand > 0)).median(DRAW)

    unmet, unmet_cf = unmet_share(res), unmet_share(cf)
    bands = res.sizes[DRAW] > 1
    if bands:
        q = cap.quantile([0.05, 0.95], dim=DRAW)
    by_stage: dict[str, dict] = {s: {} for s in stages}
    for name, da in (("capacity", med), ("capacity_without_shock", cap_cf), ("unit_cost", cost),
                     ("unit_cost_reference", cost_cf), ("self_sufficiency", suff), ("self_sufficiency_reference", suff_cf)):
        for e in pair:
            for s, vals in _per_stage(da.sel({ECONOMY: e}), stages).items():
                by_stage[s].setdefault(name, {})[e] = vals
    for s, vals in _per_stage(unmet, stages).items():
        by_stage[s]["unmet_share"] = {importer: vals}
    for s, vals in _per_stage(unmet_cf, stages).items():
        by_stage[s]["unmet_share_reference"] = {importer: vals}
    if bands:
        for label, qq in (("capacity_p05", 0.05), ("capacity_p95", 0.95)):
            for e in pair:
                for s, vals in _per_stage(q.sel({"quantile": qq, ECONOMY: e}), stages).items():
                    by_stage[s].setdefault(label, {})[e] = vals
    return {
        "years": [int(y) for y in res[YEAR].values],
        "economies": pair,
        "bands": bool(bands),
        "stages": by_stage,
    }


__all__ = ["economy_table", "race_series", "stage_table"]
