"""Global sensitivity of a race metric to the uncertain parameters: Sobol and Morris.

The factors are the scenario's uncertain parameters (its distributions, with the default
priors where it asks for them), or the default priors
(:func:`buildrace.model.priors.default_priors`) when it has none. With more than
:data:`MAX_SINGLE_FACTORS` of them they are grouped: model parameters one by one, stage
parameters per chain, economy-stage multipliers per parameter (all economies together).

- ``sobol``: first-order and total Sobol indices (Sobol 2001,
  doi 10.1016/S0378-4754(00)00270-6), Saltelli's estimators (Saltelli et al. 2010,
  doi 10.1016/j.cpc.2009.09.018) on a Sobol sequence, ``n * (factors + 2)`` runs; with
  bootstrap confidence intervals (95%).
- ``morris``: elementary effects (Morris 1991, doi 10.1080/00401706.1991.10484804; mu*
  after Campolongo et al. 2007, doi 10.1016/j.envsoft.2006.10.004), ``n * (factors + 1)``
  runs: the cheap screening option.

Both use SALib (Herman & Usher 2017, doi 10.21105/joss.00097; ``pip install
'buildrace[uq]'``). Points of the unit cube are mapped to each parameter's distribution
by its inverse CDF, and all points are simulated in one vectorised call
(:func:`buildrace.api.simulate`) for the scenario and, for race metrics, one for its
counterfactual (same points, no shock).

Metrics (:func:`parse_metric`; ``ECON`` is an economy code in lower case):

- ``ECON_substitution_years:CHAIN_OR_STAGE`` and ``ECON_redirection_years:CHAIN_OR_STAGE``:
  years after the shock (a chain: its last stage to close; never = the horizon);
- ``cost_gap:STAGE:YEAR``: US / CN unit cost;
- ``ECON_self_sufficiency:CHAIN_OR_STAGE:YEAR``: output / demand (a chain: its lowest stage);
- ``ECON_share:STAGE:YEAR``: share of world output, percent;
- ``price:STAGE:YEAR``: demand-weighted world price in the stage's price unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from buildrace import metrics
from buildrace.dims import DRAW, ECONOMY, MARKET, STAGE, YEAR
from buildrace.ensemble.samplers import Leaf, uncertain
from buildrace.errors import InputError
from buildrace.model.distributions import Beta, Choice, LogNormal, Normal, Triangular, Uniform
from buildrace.model.priors import default_priors, with_priors
from buildrace.model.scenario import Scenario
from buildrace.model.world import World

METHODS = ("sobol", "morris")
MAX_SINGLE_FACTORS = 20
"""Above this many uncertain parameters, factors are groups (see the module docstring)."""
MORRIS_LEVELS = 4
U_EDGE = 1e-6
"""Unit-cube points are kept this far from 0 and 1 (the inverse CDF of a normal is infinite there)."""
RACE_KINDS = ("substitution_years", "redirection_years")
KINDS = RACE_KINDS + ("cost_gap", "self_sufficiency", "share", "price")
_METRIC = re.compile(r"^(?:(?P<econ>[a-z]{2,3})_)?(?P<kind>[a-z_]+?):(?P<target>[A-Za-z0-9_.]+)(?::(?P<year>\d{4}))?$")


@dataclass(frozen=True)
class Metric:
    """A parsed metric: kind, economy (upper case, or None), stage or chain, year (or None)."""

    text: str
    kind: str
    economy: str | None
    target: str
    year: int | None


@dataclass(frozen=True)
class Sensitivity:
    """Sensitivity indices of one metric.

    Attributes
    ----------
    metric, method, n, seed, runs : what was computed, with how many simulations
    factors : factor label -> the parameter paths it moves
    table : tidy, one row per factor, ranked (sobol: ``parameter, S1, S1_conf, ST, ST_conf``
        by ST; morris: ``parameter, mu_star, mu_star_conf, mu, sigma`` by mu_star)
    metric_values : (runs,) the metric at every sample point
    """

    metric: str
    method: str
    n: int
    seed: int
    runs: int
    factors: dict[str, list[str]]
    table: pd.DataFrame
    metric_values: np.ndarray

    def summary(self) -> dict:
        rows = [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()} for r in self.table.to_dict("records")]
        return {
            "metric": self.metric, "method": self.method, "n": self.n, "seed": self.seed, "runs": self.runs,
            "metric_p05_p50_p95": [float(v) for v in np.percentile(self.metric_values, [5, 50, 95])],
            "note": "the metric is the same in every run: all indices are zero" if np.ptp(self.metric_values) == 0 else "",
            "factors": self.factors, "indices": rows,
        }


def parse_metric(text: str, world: World) -> Metric:
    """Parse and check a metric string (see the module docstring)."""
    m = _METRIC.match(text.strip())
    hint = "e.g. us_substitution_years:li_ion_battery, cost_gap:li_ion_battery.cell_lfp:2035, us_self_sufficiency:solar_pv:2040"
    if not m or m["kind"] not in KINDS:
        raise InputError(f"unknown metric {text!r}; use one of {', '.join(KINDS)} ({hint})")
    kind, econ, target, year = m["kind"], m["econ"], m["target"], m["year"]
    needs_econ = kind not in ("cost_gap", "price")
    if needs_econ and econ is None:
        raise InputError(f"metric {text!r}: {kind} needs an economy prefix, e.g. us_{kind}:{target}")
    if not needs_econ and econ is not None:
        raise InputError(f"metric {text!r}: {kind} takes no economy prefix")
    economy = econ.upper() if econ else None
    if economy is not None and economy not in world.economy_codes:
        raise InputError(f"metric {text!r}: unknown economy {economy!r} (one of {', '.join(world.economy_codes)})")
    chain_ok = kind in RACE_KINDS + ("self_sufficiency",)
    if target not in world.stage_codes and not (chain_ok and target in world.chains):
        what = "a stage or a chain" if chain_ok else "a stage"
        raise InputError(f"metric {text!r}: {target!r} is not {what} of {world.name}")
    if (kind in RACE_KINDS) != (year is None):
        raise InputError(f"metric {text!r}: {'no year for ' if kind in RACE_KINDS else 'a year is needed for '}{kind} ({hint})")
    return Metric(text=text, kind=kind, economy=economy, target=target, year=int(year) if year else None)


def metric_values(metric: Metric, res: xr.Dataset, cf: xr.Dataset | None, world: World) -> np.ndarray:
    """(draw,) values of ``metric`` in ``res`` (and its counterfactual ``cf`` for race metrics)."""
    stages = list(world.stages_of(metric.target)) if metric.target in world.chains else [metric.target]
    if metric.kind in RACE_KINDS:
        if cf is None:
            raise InputError(f"metric {metric.text!r} needs the counterfactual run")
        t0 = int(res.attrs["shock_year"])
        theta = float(res.attrs.get("threshold", 0.95))
        if metric.kind == "substitution_years":
            y = metrics.substitution_years(res, cf, t0, theta).sel({MARKET: metric.economy})
        else:
            y = metrics.redirection_years(res, cf, t0, theta).sel({ECONOMY: metric.economy})
        horizon = float(res[YEAR].values[-1] - t0)
        return y.sel({STAGE: stages}).fillna(horizon).max(STAGE).transpose(DRAW).values
    if metric.year not in res[YEAR].values:
        raise InputError(f"metric {metric.text!r}: year {metric.year} is outside {int(res[YEAR][0])}-{int(res[YEAR][-1])}")
    at = {YEAR: metric.year}
    if metric.kind == "cost_gap":
        v = metrics.cost_gap(res).sel({**at, STAGE: metric.target})
    elif metric.kind == "self_sufficiency":
        v = metrics.self_sufficiency(res).sel({**at, ECONOMY: metric.economy, STAGE: stages}).min(STAGE)
    elif metric.kind == "share":
        v = 100.0 * metrics.shares(res).sel({**at, ECONOMY: metric.economy, STAGE: metric.target})
    else:
        from buildrace.calibration.history import series_path

        v = series_path(res, "price", metric.target, "WORLD", world).sel(at)
    return v.transpose(DRAW).values


def factor_leaves(scenario: Scenario, world: World) -> list[Leaf]:
    """The scenario's uncertain parameters, or the default priors if it has none."""
    leaves = uncertain(with_priors(scenario.parameters, world))
    return leaves or uncertain(default_priors(world))


def factor_label(leaf: Leaf, world: World, grouped: bool) -> str:
    """The factor a parameter belongs to (itself unless grouped)."""
    p = leaf.path
    if not grouped or p[0] == "model":
        return ":".join(p[1:])
    if p[0] == "stages":
        chain = world.stages.loc[p[2], "sector"] if p[2] in world.stages.index else p[2]
        return f"{p[1]}:{chain}"
    return f"{p[1]} (all economies)"


def ppf(dist, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of a scenario distribution at unit-interval points ``u``."""
    from scipy import stats

    if isinstance(dist, Uniform):
        return dist.low + (dist.high - dist.low) * u
    if isinstance(dist, Normal):
        x = stats.norm.ppf(u, dist.mean, dist.sd)
        return np.clip(x, dist.low if dist.low is not None else -np.inf, dist.high if dist.high is not None else np.inf)
    if isinstance(dist, LogNormal):
        return np.exp(stats.norm.ppf(u, np.log(dist.median), np.log(dist.gsd)))
    if isinstance(dist, Triangular):
        width = dist.high - dist.low
        return stats.triang.ppf(u, (dist.mode - dist.low) / width, loc=dist.low, scale=width)
    if isinstance(dist, Beta):
        return dist.low + (dist.high - dist.low) * stats.beta.ppf(u, dist.a, dist.b)
    if isinstance(dist, Choice):
        p = np.asarray(dist.p if dist.p is not None else np.full(len(dist.values), 1.0 / len(dist.values)))
        idx = np.minimum(np.searchsorted(np.cumsum(p), u, side="right"), len(p) - 1)
        return np.asarray(dist.values, dtype=float)[idx]
    raise TypeError(dist)


def _salib():
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ModuleNotFoundError:
        raise InputError("sensitivity analysis needs SALib and SciPy: pip install 'buildrace[uq]'") from None
    return sobol_sample, sobol_analyze, morris_sample, morris_analyze


def sensitivity_indices(
    scenario: Scenario, world: World, metric: str, method: str = "sobol", n: int = 32, seed: int = 0,
) -> Sensitivity:
    """Sobol (or Morris) indices of ``metric`` over the scenario's uncertain parameters.

    Parameters
    ----------
    scenario, world : the scenario and its world
    metric : a metric string (see the module docstring)
    method : ``sobol`` (``n * (factors + 2)`` runs) or ``morris`` (``n * (factors + 1)``)
    n : base sample size (sobol: a power of two is best), or Morris trajectories
    seed : seed of the sample, the bootstrap and the simulations
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if not isinstance(n, int) or not 2 <= n <= 65_536:
        raise InputError(f"n must be an integer between 2 and 65,536 (got {n!r})")
    m = parse_metric(metric, world)
    race = m.kind in RACE_KINDS
    if race and not scenario.shocks:
        raise InputError(f"metric {metric!r} compares a shock with its counterfactual, and scenario {scenario.name!r} has no shock")
    sobol_sample, sobol_analyze, morris_sample, morris_analyze = _salib()
    leaves = factor_leaves(scenario, world)
    grouped = len(leaves) > MAX_SINGLE_FACTORS
    labels = [factor_label(leaf, world, grouped) for leaf in leaves]
    problem = {"num_vars": len(leaves), "names": [":".join(leaf.path) for leaf in leaves], "bounds": [[0.0, 1.0]] * len(leaves)}
    if grouped:
        problem["groups"] = labels
    if method == "sobol":
        u = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        u = morris_sample.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)
    u = np.clip(u, U_EDGE, 1.0 - U_EDGE)
    values = {leaf.path: ppf(leaf.value, u[:, j]) for j, leaf in enumerate(leaves)}
    from buildrace.simulation import simulate

    res = simulate(scenario, draws=len(u), seed=seed, world=world, parameter_values=values)
    cf = simulate(scenario.without_shocks(), draws=len(u), seed=seed, world=world, parameter_values=values) if race else None
    y = np.asarray(metric_values(m, res, cf, world), dtype=float)
    if not np.all(np.isfinite(y)):
        raise InputError(f"metric {metric!r} is not a number in {int((~np.isfinite(y)).sum())} of {len(y)} runs (no demand or no output there?)")
    names = list(dict.fromkeys(labels))
    if np.ptp(y) == 0:
        zero = np.zeros(len(names))
        r = {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero, "mu_star": zero, "mu_star_conf": zero, "mu": zero, "sigma": zero}
    elif method == "sobol":
        r = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    else:
        r = morris_analyze.analyze(problem, u, y, num_levels=MORRIS_LEVELS, seed=seed)
    if method == "sobol":
        table = pd.DataFrame({"parameter": names, "S1": r["S1"], "S1_conf": r["S1_conf"], "ST": r["ST"], "ST_conf": r["ST_conf"]})
        table = table.sort_values("ST", ascending=False, kind="stable")
    else:
        table = pd.DataFrame({"parameter": names, "mu_star": r["mu_star"], "mu_star_conf": r["mu_star_conf"], "mu": r["mu"], "sigma": r["sigma"]})
        table = table.sort_values("mu_star", ascending=False, kind="stable")
    factors: dict[str, list[str]] = {}
    for label, leaf in zip(labels, leaves, strict=True):
        factors.setdefault(label, []).append(":".join(leaf.path))
    return Sensitivity(
        metric=metric, method=method, n=n, seed=seed, runs=len(u) * (2 if race else 1), factors=factors,
        table=table.reset_index(drop=True), metric_values=y,
    )


__all__ = ["KINDS", "METHODS", "Metric", "Sensitivity", "factor_leaves", "metric_values", "parse_metric", "ppf", "sensitivity_indices"]
