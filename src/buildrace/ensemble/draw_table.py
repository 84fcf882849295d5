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
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from buildrace import metrics
from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, YEAR
from buildrace.model.scenario import Scenario


def _columns(da: xr.DataArray, prefix: str, dims: list[str], out: dict[str, np.ndarray]) -> None:
    """Add one column per cell of ``da`` over ``dims`` (draw stays the row axis)."""
    vals = np.asarray(da.transpose(DRAW, *dims).values, dtype=float)
    labels = [[str(v) for v in da[d].values] for d in dims]
    flat = vals.reshape(vals.shape[0], -1)
    for k, idx in enumerate(np.ndindex(*[len(lab) for lab in labels])):
        out[":".join([prefix, *(labels[i][j] for i, j in enumerate(idx))])] = flat[:, k]


def _race_columns(res, ref, t0, theta, importers, exporters, prefix, out) -> None:
    sub = metrics.substitution(res, ref, t0, theta)["years"].sel({MARKET: importers})
    red_all = metrics.redirection(res, ref, t0, theta, importers)["years"]
    exp_have = [e for e in exporters if e in set(red_all[metrics.EXPORTER].values)]
    red = red_all.sel({metrics.EXPORTER: exp_have})
    _columns(sub, f"{prefix}substitution_years", [MARKET, STAGE], out)
    _columns(red, f"{prefix}redirection_years", [metrics.EXPORTER, STAGE], out)
    if not exp_have:
        return
    imp, exp = importers[0], exp_have[0]
    s = metrics.chain_closing_years(sub.sel({MARKET: imp}), res)
    r = metrics.chain_closing_years(red.sel({metrics.EXPORTER: exp}), res)
    sv, rv = s.transpose(DRAW, "chain").values, r.transpose(DRAW, "chain").values
    for j, ch in enumerate(str(c) for c in s["chain"].values):
        v = f"{prefix}verdict:{ch}"
        out[f"{v}:{imp}_substitution_years"] = sv[:, j]
        out[f"{v}:{exp}_redirection_years"] = rv[:, j]
        out[f"{v}:p_{imp}_first"] = (sv[:, j] < rv[:, j]).astype(float)
        out[f"{v}:p_{exp}_first"] = (rv[:, j] < sv[:, j]).astype(float)
        if not prefix:  # the short forms name the headline view only
            out[f"{imp.lower()}_first:{ch}"] = out[f"{v}:p_{imp}_first"]
            out[f"{exp.lower()}_first:{ch}"] = out[f"{v}:p_{exp}_first"]


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
    module docstring).
    """
    t0 = int(res.attrs["shock_year"])
    theta = float(res.attrs.get("threshold", 0.95))
    importers, exporters = scenario.parties()
    parties = list(dict.fromkeys(importers + exporters))
    base, last = int(res[YEAR].values[0]), int(res[YEAR].values[-1])
    gap_years = list(dict.fromkeys(y for y in (base, 2030, 2040, 2050, last) if base <= y <= last))
    out: dict[str, np.ndarray] = {}
    if t0 >= 0:
        _race_columns(res, ref, t0, theta, importers, exporters, "", out)
        if policy_world is not None:
            _race_columns(res, policy_world, t0, theta, importers, exporters, "relative_to_policy_world:", out)
    _columns(metrics.cost_gap(res).sel({YEAR: gap_years}), "cost_gap", [STAGE, YEAR], out)
    _columns(metrics.cost_gap(ref).sel({YEAR: gap_years}), "reference_cost_gap", [STAGE, YEAR], out)
    ss = metrics.self_sufficiency(res).sel({YEAR: last, ECONOMY: parties})
    ref_ss = metrics.self_sufficiency(ref).sel({YEAR: last, ECONOMY: parties})
    _columns(ss.expand_dims(point=[str(last)]), "self_sufficiency", [ECONOMY, STAGE, "point"], out)
    _columns(ref_ss.expand_dims(point=["reference"]), "self_sufficiency", [ECONOMY, STAGE, "point"], out)
    unmet, demand = res["unmet"].sum(YEAR), res["demand"].sum(YEAR)
    _columns(unmet, "unmet_demand", [MARKET, STAGE], out)
    _columns((unmet / demand.where(demand > 0)).sel({MARKET: parties}), "unmet_share", [MARKET, STAGE], out)
    _columns(metrics.shares(res).sel({ECONOMY: parties, YEAR: [base, last]}), "shares", [ECONOMY, STAGE, YEAR], out)
    table = pd.DataFrame(out)
    table.insert(0, "draw", np.asarray(res[DRAW].values, dtype=np.int64))
    return table
