"""Race metrics: functions of a results Dataset (and its counterfactual).

Definitions follow shared/design/MODEL.md ("The race metrics"):

- substitution years of economy e at stage s: first year t >= t0 at which the demand
  served in e at s reaches theta x the counterfactual's, minus t0 (NaN if never);
- redirection years of the economy that lost the market: first year at which its
  output at s reaches theta x its counterfactual output, minus t0 (NaN if never);
- self-sufficiency: domestic output / domestic demand;
- cost gap: ratio of two economies' unit costs; Herfindahl-Hirschman concentration of
  output by economy (Herfindahl 1950; Hirschman 1945);
- verdict per chain: the stage that closes last decides; who closes first, with the
  distribution of the difference over draws.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from buildrace.dims import ECONOMY, MARKET, STAGE, YEAR


def _first_year_reached(ratio: xr.DataArray, threshold: float, t0: int) -> xr.DataArray:
    after = ratio.sel({YEAR: ratio[YEAR] >= t0})
    ok = after >= threshold
    first = ok.argmax(YEAR)
    years = after[YEAR].values[first.values] - t0
    return xr.DataArray(
        np.where(ok.any(YEAR).values, years, np.nan), dims=first.dims, coords=first.coords
    )


def substitution_years(res: xr.Dataset, cf: xr.Dataset, t0: int, threshold: float = 0.95) -> xr.DataArray:
    """(draw, market, stage) years until served demand is back to theta x counterfactual."""
    served, base = res["served"], cf["served"]
    ratio = xr.where(base > 0, served / base.where(base > 0), 1.0)
    return _first_year_reached(ratio, threshold, t0).rename("substitution_years")


def redirection_years(res: xr.Dataset, cf: xr.Dataset, t0: int, threshold: float = 0.95) -> xr.DataArray:
    """(draw, economy, stage) years until output is back to theta x counterfactual."""
    out, base = res["production"], cf["production"]
    ratio = xr.where(base > 0, out / base.where(base > 0), 1.0)
    return _first_year_reached(ratio, threshold, t0).rename("redirection_years")


def self_sufficiency(res: xr.Dataset, members: list[str] | None = None) -> xr.DataArray:
    """Domestic output / domestic demand (draw, year, economy, stage); with ``members``,
    one bloc's output over its demand (draw, year, stage)."""
    demand = res["demand"].rename({MARKET: ECONOMY})
    if members:
        out = res["production"].sel({ECONOMY: members}).sum(ECONOMY)
        dem = demand.sel({ECONOMY: members}).sum(ECONOMY)
        return (out / dem.where(dem > 0)).rename("bloc_self_sufficiency")
    return (res["production"] / demand.where(demand > 0)).rename("self_sufficiency")


def cost_gap(res: xr.Dataset, numerator: str = "US", denominator: str = "CN") -> xr.DataArray:
    """Unit-cost ratio numerator / denominator (draw, year, stage)."""
    uc = res["unit_cost"]
    return (uc.sel({ECONOMY: numerator}) / uc.sel({ECONOMY: denominator})).rename("cost_gap")


def shares(res: xr.Dataset) -> xr.DataArray:
    """Share of world output by economy (draw, year, economy, stage)."""
    out = res["production"]
    total = out.sum(ECONOMY)
    return (out / total.where(total > 0)).fillna(0.0).rename("share")


def herfindahl(res: xr.Dataset) -> xr.DataArray:
    """Herfindahl-Hirschman index of output by economy, 0-1 (draw, year, stage)."""
    return (shares(res) ** 2).sum(ECONOMY).rename("hhi")


def chain_closing_years(years: xr.DataArray, chain_of_stage: xr.DataArray, horizon_years: float) -> xr.DataArray:
    """Per chain, the years until the last stage closes (inf if any stage never closes)."""
    filled = years.fillna(np.inf)
    return filled.groupby(chain_of_stage.rename("chain")).max(STAGE)


def verdict(
    res: xr.Dataset, cf: xr.Dataset, t0: int, importer: str, exporter: str, threshold: float = 0.95
) -> dict:
    """Per chain: which side closes its gap first, over the draws."""
    sub = substitution_years(res, cf, t0, threshold).sel({MARKET: importer})
    red = redirection_years(res, cf, t0, threshold).sel({ECONOMY: exporter})
    chain = res["chain"]
    horizon = float(res[YEAR].max() - t0)
    s = chain_closing_years(sub, chain, horizon)
    r = chain_closing_years(red, chain, horizon)
    out = {}
    for ch in s["chain"].values:
        sv, rv = s.sel(chain=ch).values, r.sel(chain=ch).values
        imp_first = float(np.mean(sv < rv))
        exp_first = float(np.mean(rv < sv))
        both = np.isfinite(sv) & np.isfinite(rv)
        diff = np.full(sv.shape, np.nan)
        np.subtract(sv, rv, out=diff, where=both)
        if imp_first > exp_first:
            winner = importer
        elif exp_first > imp_first:
            winner = exporter
        elif np.all(sv == 0) and np.all(rv == 0):
            winner = "no gap"  # the shock never pushed either side below the threshold
        else:
            winner = "tie" if np.all(np.isfinite(sv)) else "neither"
        out[str(ch)] = {
            "winner": winner,
            f"{importer}_substitution_years": _median_or_none(sv),
            f"{exporter}_redirection_years": _median_or_none(rv),
            f"p_{importer}_first": imp_first,
            f"p_{exporter}_first": exp_first,
            "difference_years_p05_p50_p95": (
                [float(x) for x in np.nanpercentile(diff, [5, 50, 95])] if np.isfinite(diff).any() else None
            ),
        }
    return out


def _median_or_none(values: np.ndarray):
    med = float(np.median(values))
    return None if not np.isfinite(med) else med


def median_or_none(da: xr.DataArray):
    """Median over draws as a float; None if the median is never reached (NaN / inf)."""
    vals = np.where(np.isnan(da.values), np.inf, da.values)
    return _median_or_none(vals)


__all__ = [
    "chain_closing_years",
    "cost_gap",
    "herfindahl",
    "median_or_none",
    "redirection_years",
    "self_sufficiency",
    "shares",
    "substitution_years",
    "verdict",
]
