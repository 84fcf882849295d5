"""The race metrics of every draw as one table: the rows an ensemble store keeps.

:func:`buildrace.api.race_metrics` summarises draws by their median; a store keeps each
draw's own values so that SQL, scenario discovery and regret can look at the whole
distribution. Every column is computed for all draws of a chunk at once from the same
metric arrays the summary reads (:mod:`buildrace.metrics`), and is named as the
summary's key path joined by ``:``, so that a query written against one draw's summary
(``"substitution_years:US:li_ion_battery.cell_lfp"``) reads the same here.

Columns (I importer, X exporter, s stage, c chain, y a year of the summary):

- ``substitution_years:I:s``, ``redirection_years:X:s`` (NaN: never within the horizon)
- ``verdict:c:I_substitution_years``, ``verdict:c:X_redirection_years`` (inf: never),
  ``verdict:c:p_I_first``, ``verdict:c:p_X_first`` (1 or 0 for one draw), and the
  short forms ``us_first:c`` / ``cn_first:c`` (lower-case economy codes)
- the same substitution, redirection and verdict columns prefixed
  ``relative_to_policy_world:`` when the scenario has a shock
- ``cost_gap:s:y``, ``reference_cost_gap:s:y``, ``self_sufficiency:E:s:LAST``,
  ``self_sufficiency:E:s:reference``, ``unmet_share:E:s``, ``unmet_demand:M:s``,
  ``shares:E:s:BASE``, ``shares:E:s:LAST``

Left out, as in a one-draw summary they are not numbers: the verdict's winner label and
the relapse details (a draw's relapse is visible from its substitution columns).

The columns are computed on the arrays (the ``*_values`` forms in :mod:`buildrace.metrics`,
as the race summary does) with the labels looked up once: xarray's selections and
alignment cost more than the arithmetic at a chunk's size, and the numbers are the
labelled metrics' own, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from buildrace import metrics
from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, YEAR
from buildrace.model.scenario import Scenario


def _add(out: dict[str, np.ndarray], prefix: str, vals: np.ndarray, labels: list[list[str]]) -> None:
    """One column per cell of ``vals`` (draw, *cells), named ``prefix:label:label...``.

    The cells run in row-major order of ``labels``, as :func:`numpy.ndindex` gives them;
    each column is contiguous (one copy of the block), so writing it copies nothing more.
    """
    n = vals.shape[0]
    flat = np.ascontiguousarray(np.asarray(vals, dtype=float).reshape(n, -1).T)
    for k, idx in enumerate(np.ndindex(*[len(lab) for lab in labels])):
        out[":".join([prefix, *(labels[i][j] for i, j in enumerate(idx))])] = flat[k]


def _positions(names: list[str], wanted: list) -> list[int]:
    """Positions of ``wanted`` in ``names`` (a KeyError names a missing label, as ``.sel`` would)."""
    pos = {lab: i for i, lab in enumerate(names)}
    return [pos[str(w)] for w in wanted]


def _race_columns(res, ref, t0, theta, importers, exporters, prefix, up, chain_of_stage, out) -> None:
    """Substitution, redirection and verdict columns of ``res`` against one yardstick ``ref``.

    :func:`buildrace.metrics.substitution`, :func:`~buildrace.metrics.redirection` and
    :func:`~buildrace.metrics.chain_closing_years` on the arrays (their ``*_values``
    forms), as the race summary computes them: the same numbers per draw.
    """
    stages, markets = metrics.labels(res, STAGE), metrics.labels(res, MARKET)
    years = res.variables[YEAR].values
    served = metrics.ordered_values(res, "served", (DRAW, YEAR, MARKET, STAGE))
    ratio = metrics.served_ratio_values(served, metrics.ordered_values(ref, "served", (DRAW, YEAR, MARKET, STAGE)))
    sub = metrics.recovery_values(ratio, years, theta, t0, 1)["years"][:, _positions(markets, importers)]
    red_ratio, red_exporters = metrics.redirected_values(res, ref, importers)
    exp_have = [e for e in exporters if e in set(red_exporters)]
    red = metrics.recovery_values(red_ratio, years, theta, t0, 1)["years"][:, _positions(red_exporters, exp_have)]
    _add(out, f"{prefix}substitution_years", sub, [list(map(str, importers)), stages])
    _add(out, f"{prefix}redirection_years", red, [exp_have, stages])
    if not exp_have:
        return
    imp, exp = importers[0], exp_have[0]
    sv, chains = metrics.chain_values(metrics.closing_values(sub[:, 0], up), chain_of_stage)
    rv, _ = metrics.chain_values(metrics.closing_values(red[:, 0], up), chain_of_stage)
    for j, ch in enumerate(str(c) for c in chains):
        v = f"{prefix}verdict:{ch}"
        s, r = np.ascontiguousarray(sv[:, j]), np.ascontiguousarray(rv[:, j])
        out[f"{v}:{imp}_substitution_years"] = s
        out[f"{v}:{exp}_redirection_years"] = r
        out[f"{v}:p_{imp}_first"] = (s < r).astype(float)
        out[f"{v}:p_{exp}_first"] = (r < s).astype(float)
        if not prefix:  # the short forms name the headline view only
            out[f"{imp.lower()}_first:{ch}"] = out[f"{v}:p_{imp}_first"]
            out[f"{exp.lower()}_first:{ch}"] = out[f"{v}:p_{exp}_first"]


def _sum_skipna(vals: np.ndarray, axis: int) -> np.ndarray:
    """Sum along ``axis`` with NaN counting as 0, as xarray's ``.sum(dim)`` does it."""
    return np.sum(np.where(np.isnan(vals), np.zeros_like(vals), vals), axis=axis)


def race_columns(res: xr.Dataset, ref: xr.Dataset, scenario: Scenario,
                 policy_world: xr.Dataset | None = None) -> dict[str, np.ndarray]:
    """The race metrics of every draw of ``res`` as columns: name -> (draw,) array.

    The columns of :func:`race_table` (``draw`` first, an int64 array of the draw
    numbers), computed on the arrays with the labels looked up once.
    """
    t0 = int(res.attrs["shock_year"])
    theta = float(res.attrs.get("threshold", 0.95))
    importers, exporters = scenario.parties()
    parties = list(dict.fromkeys(importers + exporters))
    stages, markets, economies = metrics.labels(res, STAGE), metrics.labels(res, MARKET), metrics.labels(res, ECONOMY)
    year_vals = [int(y) for y in res.variables[YEAR].values]
    base, last = year_vals[0], year_vals[-1]
    gap_years = list(dict.fromkeys(y for y in (base, 2030, 2040, 2050, last) if base <= y <= last))
    out: dict[str, np.ndarray] = {"draw": np.asarray(res.variables[DRAW].values, dtype=np.int64)}
    if t0 >= 0:
        up, chain_of_stage = metrics.upstream(res), metrics.stage_chains(res)
        _race_columns(res, ref, t0, theta, importers, exporters, "", up, chain_of_stage, out)
        if policy_world is not None:
            _race_columns(res, policy_world, t0, theta, importers, exporters, "relative_to_policy_world:", up,
                          chain_of_stage, out)
    yi = _positions(list(map(str, year_vals)), gap_years)
    us, cn = _positions(economies, ["US", "CN"])
    for name, ds in (("cost_gap", res), ("reference_cost_gap", ref)):
        uc = metrics.ordered_values(ds, "unit_cost", (DRAW, YEAR, ECONOMY, STAGE))
        with np.errstate(all="ignore"):  # as in xarray's arithmetic
            gap = uc[:, :, us] / uc[:, :, cn]  # (draw, year, stage): metrics.cost_gap
        _add(out, name, gap[:, yi].transpose(0, 2, 1), [stages, list(map(str, gap_years))])
    (li,) = _positions(list(map(str, year_vals)), [last])
    ei = _positions(economies, parties)
    for point, ds in ((str(last), res), ("reference", ref)):
        prod = metrics.ordered_values(ds, "production", (DRAW, YEAR, ECONOMY, STAGE))
        dem = metrics.ordered_values(ds, "demand", (DRAW, YEAR, MARKET, STAGE))  # by position, as self_sufficiency
        with np.errstate(all="ignore"):
            ss = prod / np.where(dem > 0, dem, np.nan)
        _add(out, "self_sufficiency", ss[:, li][:, ei, :, None], [parties, stages, [point]])
    unmet = _sum_skipna(metrics.ordered_values(res, "unmet", (DRAW, YEAR, MARKET, STAGE)), 1)
    demand = _sum_skipna(metrics.ordered_values(res, "demand", (DRAW, YEAR, MARKET, STAGE)), 1)
    _add(out, "unmet_demand", unmet, [markets, stages])
    mi = _positions(markets, parties)
    with np.errstate(all="ignore"):
        share_unmet = unmet / np.where(demand > 0, demand, np.nan)
    _add(out, "unmet_share", share_unmet[:, mi], [parties, stages])
    prod = metrics.ordered_values(res, "production", (DRAW, YEAR, ECONOMY, STAGE))
    total = _sum_skipna(prod, 2)
    with np.errstate(all="ignore"):
        share = prod / np.where(total > 0, total, np.nan)[:, :, None, :]
    share = np.where(np.isnan(share), 0.0, share)  # metrics.shares: fillna(0)
    syi = _positions(list(map(str, year_vals)), [base, last])
    _add(out, "shares", share[:, syi][:, :, ei].transpose(0, 2, 3, 1), [parties, stages, [str(base), str(last)]])
    return out


def race_table(res: xr.Dataset, ref: xr.Dataset, scenario: Scenario, policy_world: xr.Dataset | None = None) -> pd.DataFrame:
    """One row per draw of ``res`` (indexed by its draw numbers): the race metrics of that draw.

    Parameters
    ----------
    res, ref : the scenario's results and its reference path's (same draws)
    scenario : the scenario (its importers and exporters)
    policy_world : the scenario's own no-shock counterfactual, for the second view

    Returns
    -------
    pandas.DataFrame with a ``draw`` column and one float column per metric (see the
    module docstring); :func:`race_columns` gives the same columns without the frame.
    """
    return pd.DataFrame(race_columns(res, ref, scenario, policy_world))
