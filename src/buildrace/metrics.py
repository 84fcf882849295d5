"""Race metrics: functions of a results Dataset and of its reference path.

Definitions follow shared/design/MODEL.md ("The race metrics"). Every scenario is measured
against one *reference path* (by default the world's ``baseline`` scenario: the policies
in force, no shock, same draws and seed), so that scenarios are ranked on one bar:

- substitution years of economy e at stage s: the years from the shock year t0 to the
  first year after which the demand served in e at s stays at or above theta x the
  reference's served demand to the horizon (a relapse resets the clock); NaN if never.
  Served demand is what the suppliers the rules admit deliver (with traced content on,
  the engine lets through only goods under the foreign-content threshold);
- redirection years of the economy that lost the market: the years until theta of the
  volume it sold to the lost markets on the reference path is sold elsewhere again
  (sustained in the same way);
- a stage *recovers and relapses* when the ratio first reaches theta before the year
  from which it stays there (or stays there never); the years short are the years after
  that first recovery spent below theta;
- self-sufficiency: domestic output / domestic demand (also for a bloc);
- cost gap: ratio of two economies' unit costs; Herfindahl-Hirschman concentration of
  output by economy (Herfindahl 1950; Hirschman 1945);
- verdict per chain: a stage closes only when the stages upstream of it (its inputs, and
  theirs) have closed too, so EV assembly waits for its packs; the stage of the chain
  that closes last decides who closes first, with the distribution over draws.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from buildrace.dims import DRAW, ECONOMY, EXPORTER, MARKET, STAGE, YEAR

NEGLIGIBLE_LOSS = 1e-6
"""A lost volume below this share of the exporter's output counts as no loss at all."""


def ordered_values(ds: xr.Dataset, name: str, dims: tuple[str, ...]) -> np.ndarray:
    """The array of ``ds[name]`` with its axes in the order ``dims`` (a view when they
    already are, as in the results :func:`buildrace.results.to_dataset` builds)."""
    var = ds.variables[name]  # the Variable: no DataArray built around it
    return var.values if var.dims == dims else var.transpose(*dims).values


def labels(ds: xr.Dataset | xr.DataArray, dim: str) -> list[str]:
    """The labels along ``dim``, as strings."""
    var = ds.variables[dim] if isinstance(ds, xr.Dataset) else ds[dim].variable  # not .indexes: it builds every index
    return [str(v) for v in var.values]


def recovery_values(ratio: np.ndarray, years: np.ndarray, threshold: float, t0: int, axis: int) -> dict[str, np.ndarray]:
    """:func:`recovery` on a plain array whose axis ``axis`` runs over the calendar
    ``years``: the same four arrays, that axis removed (the race summary reads these
    without building a Dataset)."""
    keep = np.flatnonzero(years >= t0)
    ok = np.take(ratio, keep, axis=axis) >= threshold
    years = years[keep] - t0
    # ok from year y to the horizon: a reversed cumulative AND along the year axis
    holds = np.flip(np.logical_and.accumulate(np.flip(ok, axis=axis), axis=axis), axis=axis)
    sustained = holds.any(axis=axis)
    first_sustained = np.where(sustained, years[np.argmax(holds, axis=axis)], np.nan)
    reached = ok.any(axis=axis)
    first_reached = np.argmax(ok, axis=axis)
    first = np.where(reached, years[first_reached], np.nan)
    after_first = np.arange(len(years)).reshape([-1 if i == axis else 1 for i in range(ok.ndim)]) >= np.expand_dims(first_reached, axis)
    short = np.where(reached, ((~ok) & after_first).sum(axis=axis), 0)
    return {
        "years": first_sustained,
        "first_years": first,
        "years_short": short.astype(float),
        "relapsed": reached & (short > 0),
    }


def recovery(ratio: xr.DataArray, threshold: float, t0: int) -> xr.Dataset:
    """Sustained recovery of a ratio to a threshold.

    Parameters
    ----------
    ratio : DataArray with a ``year`` axis (scenario over reference)
    threshold : theta
    t0 : the shock year; years before it are ignored

    Returns
    -------
    Dataset with ``years`` (years from t0 to the first year after which the ratio stays
    at or above theta to the horizon; NaN if not reached), ``first_years`` (years to the
    first year it reaches theta at all; NaN if never), ``years_short`` (years after that
    first recovery spent below theta) and ``relapsed`` (True where the ratio recovered
    and fell back).
    """
    out = recovery_values(ratio.values, ratio[YEAR].values, threshold, t0, ratio.get_axis_num(YEAR))
    dims = [d for d in ratio.dims if d != YEAR]
    coords = {k: v for k, v in ratio.coords.items() if YEAR not in v.dims}
    return xr.Dataset({k: (dims, v) for k, v in out.items()}, coords=coords)


def served_ratio(res: xr.Dataset, ref: xr.Dataset) -> xr.DataArray:
    """Served demand over the reference's (draw, year, market, stage); 1 where the
    reference serves nothing."""
    served = res["served"]
    base = ref["served"].transpose(*served.dims).values
    return served.copy(data=served_ratio_values(served.values, base))


def served_ratio_values(served: np.ndarray, base: np.ndarray) -> np.ndarray:
    """:func:`served_ratio` on two arrays with the same axes and labels (NumPy on the
    values: xarray's alignment cost more than the arithmetic)."""
    return np.where(base > 0, served / np.where(base > 0, base, 1.0), 1.0)


def substitution(res: xr.Dataset, ref: xr.Dataset, t0: int, threshold: float = 0.95) -> xr.Dataset:
    """:func:`recovery` of served demand against the reference (draw, market, stage)."""
    return recovery(served_ratio(res, ref), threshold, t0)


def substitution_years(res: xr.Dataset, ref: xr.Dataset, t0: int, threshold: float = 0.95) -> xr.DataArray:
    """(draw, market, stage) years until served demand is back to theta x the reference,
    for good (see :func:`recovery`)."""
    return substitution(res, ref, t0, threshold)["years"].rename("substitution_years")


def redirected_ratio(res: xr.Dataset, ref: xr.Dataset, lost_markets: list[str] | None = None) -> xr.DataArray:
    """Share of the lost volume sold elsewhere again (draw, year, exporter, stage).

    The lost volume is what the exporter sells to ``lost_markets`` on the reference
    path; what it sells elsewhere beyond the reference's sales elsewhere is the part
    redirected. Where the exporter sold (next to) nothing to the lost markets, nothing
    was lost and the ratio is 1.
    """
    ratio, exporters = redirected_values(res, ref, lost_markets)
    prod = res["production"]
    return xr.DataArray(ratio, dims=(DRAW, YEAR, EXPORTER, STAGE),
                        coords={DRAW: prod[DRAW].values, YEAR: prod[YEAR].values, EXPORTER: exporters,
                                STAGE: prod[STAGE].values})


def redirected_values(res: xr.Dataset, ref: xr.Dataset, lost_markets: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """:func:`redirected_ratio` as a (draw, year, exporter, stage) array, and the exporters
    along its third axis (those kept on both paths)."""
    lost_markets = lost_markets or list(res.attrs.get("importers", ["US"]))
    if "exports" not in res or "exports" not in ref:
        raise KeyError("redirection needs the 'exports' variable in both the results and the reference")
    ref_have = set(labels(ref, EXPORTER))
    exporters = [e for e in labels(res, EXPORTER) if e in ref_have]
    to_lost, out = _lost_and_output(res, exporters, lost_markets)
    ref_lost, ref_out = _lost_and_output(ref, exporters, lost_markets)
    redirected = (out - to_lost) - (ref_out - ref_lost)  # sold elsewhere beyond the reference
    lost = ref_lost - to_lost  # what the lost markets no longer buy
    material = lost > NEGLIGIBLE_LOSS * ref_out
    return np.where(material, redirected / np.where(material, lost, 1.0), 1.0), exporters


def _lost_and_output(ds: xr.Dataset, exporters: list[str], markets: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(draw, year, exporter, stage) sales of each exporter to ``markets``, and its output,
    read from the arrays once (label lookups, not xarray selections)."""
    ex_pos = {e: i for i, e in enumerate(labels(ds, EXPORTER))}
    mk_pos = {m: i for i, m in enumerate(labels(ds, MARKET))}
    vals = ordered_values(ds, "exports", (DRAW, YEAR, MARKET, EXPORTER, STAGE))
    vals = vals[:, :, [mk_pos[m] for m in markets]][:, :, :, [ex_pos[e] for e in exporters]]
    ec_pos = {e: i for i, e in enumerate(labels(ds, ECONOMY))}
    prod = ordered_values(ds, "production", (DRAW, YEAR, ECONOMY, STAGE))
    return np.nansum(vals, axis=2), prod[:, :, [ec_pos[e] for e in exporters]]


def redirection(res: xr.Dataset, ref: xr.Dataset, t0: int, threshold: float = 0.95, lost_markets: list[str] | None = None) -> xr.Dataset:
    """:func:`recovery` of the redirected share of the lost volume (draw, exporter, stage)."""
    return recovery(redirected_ratio(res, ref, lost_markets), threshold, t0)


def redirection_years(res: xr.Dataset, ref: xr.Dataset, t0: int, threshold: float = 0.95, lost_markets: list[str] | None = None) -> xr.DataArray:
    """(draw, exporter, stage) years until theta of the volume lost is sold elsewhere, for good."""
    return redirection(res, ref, t0, threshold, lost_markets)["years"].rename("redirection_years")


def self_sufficiency(res: xr.Dataset, members: list[str] | None = None) -> xr.DataArray:
    """Domestic output / domestic demand (draw, year, economy, stage); with ``members``,
    one bloc's output over its demand (draw, year, stage)."""
    demand = res["demand"].rename({MARKET: ECONOMY})
    if members:
        out = res["production"].sel({ECONOMY: members}).sum(ECONOMY)
        dem = demand.sel({ECONOMY: members}).sum(ECONOMY)
        return (out / dem.where(dem > 0)).rename("bloc_self_sufficiency")
    prod = res["production"]
    dem_v = demand.transpose(*prod.dims).values
    ratio = prod.values / np.where(dem_v > 0, dem_v, np.nan)  # same labels: no alignment needed
    return prod.copy(data=ratio).rename("self_sufficiency")


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


def upstream(res: xr.Dataset) -> np.ndarray:
    """(S, S) bool: ``up[s, u]`` if u is s itself or an input of s, directly or through
    other inputs (the transitive closure of the ``inputs`` variable)."""
    S = res.sizes[STAGE]
    up = np.eye(S, dtype=bool)
    if "inputs" in res:
        up |= res["inputs"].values.astype(bool)
    for _ in range(S):  # closure by repeated squaring-free propagation (S is small)
        nxt = up | ((up.astype(int) @ up.astype(int)) > 0)
        if (nxt == up).all():
            break
        up = nxt
    return up


def closing_years(years: xr.DataArray, res: xr.Dataset) -> xr.DataArray:
    """Years until each stage *and everything upstream of it* has closed (inf if never)."""
    ax = years.get_axis_num(STAGE)
    closed = closing_values(np.moveaxis(years.values, ax, -1), upstream(res))
    return years.copy(data=np.moveaxis(closed, -1, ax))


def closing_values(years: np.ndarray, up: np.ndarray) -> np.ndarray:
    """:func:`closing_years` on a plain (..., stage) array (NaN: never) and the
    :func:`upstream` closure; inf where a stage or its inputs never close."""
    vals = np.where(np.isnan(years), np.inf, years)
    closed = np.where(up[None], vals.reshape(-1, 1, vals.shape[-1]), -np.inf).max(axis=-1)
    return closed.reshape(vals.shape)


def chain_values(closed: np.ndarray, chain_of_stage: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per chain, the latest of its stages' closing years: (..., stage) -> (..., chain),
    and the chains (sorted, as a groupby would give them)."""
    chains = np.unique(chain_of_stage)
    # one max per chain over its stages (a handful of chains; NumPy, not an xarray groupby)
    out = np.stack([closed.compress(chain_of_stage == ch, axis=-1).max(axis=-1) for ch in chains], axis=-1)
    return out, chains


def stage_chains(res: xr.Dataset) -> np.ndarray:
    """The chain of each stage of ``res``, as strings."""
    return np.asarray(res["chain"].transpose(STAGE).values).astype(str)


def chain_closing_years(years: xr.DataArray, res: xr.Dataset) -> xr.DataArray:
    """Per chain, the years until its last stage closes, upstream inputs included (inf
    if any never closes)."""
    closed = closing_years(years, res)
    ax = closed.get_axis_num(STAGE)
    out, chains = chain_values(np.moveaxis(closed.values, ax, -1), stage_chains(res))
    dims = tuple(d for d in closed.dims if d != STAGE) + ("chain",)
    coords = {k: v for k, v in closed.coords.items() if STAGE not in v.dims}
    return xr.DataArray(out, dims=dims, coords={**coords, "chain": chains})


def verdict(sub: xr.DataArray, red: xr.DataArray, res: xr.Dataset, importer: str, exporter: str) -> dict:
    """Per chain: which side closes its gap first, over the draws.

    Parameters
    ----------
    sub : substitution years (draw, stage) of the importer
    red : redirection years (draw, stage) of the exporter
    res : the results (for the chains and the input structure)
    """
    s = chain_closing_years(sub, res)
    r = chain_closing_years(red, res)
    return verdict_values(s.values, r.values, s["chain"].values, importer, exporter)


def verdict_values(s: np.ndarray, r: np.ndarray, chains, importer: str, exporter: str) -> dict:
    """:func:`verdict` from the chain closing years (draw, chain) of each side
    (:func:`chain_values`; inf: never) and the chains along their last axis.

    Per chain: ``winner``; the median closing years of each side and their 5-95% range
    over the draws (``I_substitution_years_p05_p95``, ``X_redirection_years_p05_p95``;
    None at a bound that falls after the horizon); the shares of draws in which the
    importer closes first (``p_I_first``), the exporter (``p_X_first``), both in the
    same year (``p_tie``, a "no gap" included) and neither by the horizon
    (``p_neither``); the four sum to 1. ``difference_years_p05_p50_p95``: importer minus
    exporter years over the draws where both close.
    """
    out = {}
    for j, ch in enumerate(chains):
        sv, rv = s[..., j], r[..., j]
        imp_first = float(np.mean(sv < rv))
        exp_first = float(np.mean(rv < sv))
        neither = float(np.mean(np.isinf(sv) & np.isinf(rv)))
        both = np.isfinite(sv) & np.isfinite(rv)
        diff = np.full(sv.shape, np.nan)
        np.subtract(sv, rv, out=diff, where=both)
        if np.all(sv == 0) and np.all(rv == 0):
            winner = "no gap"  # the shock never pushed either side below the threshold
        elif imp_first > exp_first:
            winner = importer
        elif exp_first > imp_first:
            winner = exporter
        else:
            winner = "tie" if np.all(np.isfinite(sv)) else "neither"
        out[str(ch)] = {
            "winner": winner,
            f"{importer}_substitution_years": _median_or_none(sv),
            f"{exporter}_redirection_years": _median_or_none(rv),
            f"{importer}_substitution_years_p05_p95": _range_or_none(sv),
            f"{exporter}_redirection_years_p05_p95": _range_or_none(rv),
            f"p_{importer}_first": imp_first,
            f"p_{exporter}_first": exp_first,
            "p_tie": max(0.0, 1.0 - imp_first - exp_first - neither),
            "p_neither": neither,
            "difference_years_p05_p50_p95": (
                [float(x) for x in np.nanpercentile(diff, [5, 50, 95])] if np.isfinite(diff).any() else None
            ),
        }
    return out


def relapses(rec: xr.Dataset, key: str) -> dict:
    """Stages that recover and relapse (median over draws): key -> stage -> details."""
    arrays = {k: rec[k].transpose(DRAW, key, STAGE).values for k in ("relapsed", "first_years", "years", "years_short")}
    return relapses_values(arrays, rec[key].values, rec[STAGE].values)


def relapses_values(rec: dict[str, np.ndarray], keys, stages) -> dict:
    """:func:`relapses` from the (draw, key, stage) arrays of :func:`recovery_values`
    and the labels along their last two axes."""
    out: dict = {}

    def table(name: str) -> np.ndarray:
        # (key, stage) medians over draws; a year never reached (NaN) counts as inf
        vals = rec[name]
        return np.median(np.where(np.isnan(vals), np.inf, vals), axis=0)

    share = np.mean(rec["relapsed"], axis=0)
    first, sustained = table("first_years"), table("years")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no draws: NaN, as xarray gives
        short = np.nanmedian(rec["years_short"], axis=0)
    for i, k in enumerate(keys):
        for j, s in enumerate(stages):
            p = float(share[i, j])
            if not p >= 0.5:
                continue
            out.setdefault(str(k), {})[str(s)] = {
                "first_recovery_years": finite_or_none(first[i, j]),
                "sustained_years": finite_or_none(sustained[i, j]),
                "years_short": float(short[i, j]),
                "share_of_draws": p,
            }
    return out


def finite_or_none(value) -> float | None:
    """``value`` as a float; None where it is NaN or infinite (a year never reached)."""
    v = float(value)
    return None if not np.isfinite(v) else v


def _median_or_none(values: np.ndarray):
    return finite_or_none(np.median(values))


RANGE_QUANTILES = (0.05, 0.95)
"""The range a verdict reports around its medians (5-95%, as the report's fan charts)."""


def _range_or_none(values: np.ndarray) -> list[float | None]:
    """The 5% and 95% quantiles of ``values`` over draws (inf: never by the horizon).

    Linear interpolation between order statistics (NumPy's default method), done here
    so that a bound next to a never-closing draw is "never" (None) rather than the NaN
    that interpolating towards inf gives.
    """
    v = np.sort(np.asarray(values, dtype=float).reshape(-1))
    out: list[float | None] = []
    for q in RANGE_QUANTILES:
        pos = q * (len(v) - 1)
        lo, hi = int(np.floor(pos)), int(np.ceil(pos))
        if not np.isfinite(v[hi]):
            out.append(None)
            continue
        out.append(float(v[lo] + (v[hi] - v[lo]) * (pos - lo)))
    return out


def median_or_none(da: xr.DataArray):
    """Median over draws as a float; None if the median is never reached (NaN / inf)."""
    vals = np.where(np.isnan(da.values), np.inf, da.values)
    return _median_or_none(vals)


__all__ = [
    "chain_closing_years",
    "closing_years",
    "cost_gap",
    "herfindahl",
    "median_or_none",
    "recovery",
    "redirected_ratio",
    "redirected_values",
    "redirection",
    "redirection_years",
    "relapses",
    "self_sufficiency",
    "served_ratio",
    "shares",
    "substitution",
    "substitution_years",
    "upstream",
    "verdict",
]
