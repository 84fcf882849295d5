"""Fit the uncertain parameters to observed history: approximate Bayesian computation.

Method: approximate Bayesian computation (ABC) by rejection (Pritchard et al. 1999,
doi 10.1093/oxfordjournals.molbev.a026091; Beaumont, Zhang & Balding 2002,
doi 10.1093/genetics/162.4.2025), vectorised over draws:

1. draw ``M`` candidate parameter sets from the priors of :data:`FIT_PARAMETERS`
   (one seeded stream, :func:`sample_candidates`);
2. simulate all ``M`` in ONE call of :func:`buildrace.api.simulate` (``draws=M``, the
   candidates passed as ``parameter_values``), from the base-year world up to the last
   fitted year;
   Only rows dated strictly after the world's base year and at or before the fit limit
   are scored (:func:`fitted_rows`): the base-year rows are reproduced by construction
   and would pull the fit towards whatever leaves the first year alone;
3. score each candidate by the sum over matched observed rows of the squared log error,
   ``(log(model) - log(observed))**2``, or for shares the squared absolute error in
   points / 100 (:func:`score`);
4. keep the best ``k = ceil(acceptance * M)`` (default acceptance 10%): the accepted sets,
   an approximate posterior sample; the point estimate is their median.

An optional refinement round draws ``M`` more candidates from independent normals fitted
to the accepted sets (clipped to the priors' supports), simulates them in one more call,
and keeps the best ``k`` of both rounds. It carries no importance weights, so after it the
accepted sets describe the best fits rather than a posterior.

The fitted parameters (:func:`fit_parameters`) are multipliers of the world's learning
rates per chain, of all trade elasticities and of all price elasticities; the model-wide
``invest_response``, ``spillover_economy``, ``scarcity_markup``, ``target_utilisation``,
``glut_discount`` and ``experience_years``; and a demand-growth multiplier per final use whose prior is centred
on the observed world trend up to the base year (:func:`growth_parameters`). The priors
and their sources are in ``docs/parameters.md``.

A calibration file (:func:`write_calibration`) holds ``parameters:`` (the medians, as a
scenario's ``parameters:`` block) and ``calibration:`` (the accepted sets); see
:func:`calibration_values` for running a scenario over the accepted sets jointly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np

from buildrace.calibration.history import SHARE_SERIES, ObservedRow, model_values
from buildrace.errors import InputError
from buildrace.model.distributions import LogNormal, Normal, Triangular, Uniform, Value
from buildrace.model.parameters import ParameterOverrides
from buildrace.model.priors import MODEL_PRIORS
from buildrace.model.scenario import Scenario
from buildrace.model.shocks import VOLATILITIES, is_commodity
from buildrace.model.world import World

LEARNING_MULTIPLIER = "learning_multiplier."
"""Prefix of the per-chain learning-rate multipliers (``learning_multiplier.solar_pv``)."""
LEARNING_PRIOR = Uniform(dist="uniform", low=0.6, high=1.4)
"""Prior of a chain's learning-rate multiplier: +-40% covers the 2-5 point learning-rate
errors of Way et al. 2022 (doi 10.1016/j.joule.2022.08.009) at rates of 0.1-0.25 and the
19-24% range for Li-ion cells of Ziegler & Trancik 2021 (doi 10.1039/D0EE02681F)."""


@dataclass(frozen=True)
class FitParameter:
    """One fitted parameter: its name, prior and meaning."""

    name: str
    prior: Uniform | LogNormal | Normal | Triangular
    description: str


FIT_PARAMETERS: tuple[FitParameter, ...] = (
    *(
        FitParameter(f"{LEARNING_MULTIPLIER}{chain}", LEARNING_PRIOR, f"multiplier of every {chain} stage's learning rate")
        for chain in ("solar_pv", "li_ion_battery", "ndfeb_magnet", "ev")
    ),
    FitParameter("invest_response", cast(Uniform, MODEL_PRIORS["invest_response"]), "share of the expected capacity gap announced per year"),
    FitParameter("spillover_economy", cast(Uniform, MODEL_PRIORS["spillover_economy"]), "weight of the economy's experience in a site's learning"),
    FitParameter("scarcity_markup", cast(Uniform, MODEL_PRIORS["scarcity_markup"]), "price rise per unit of unmet demand share"),
    FitParameter(
        "target_utilisation", cast(Uniform, MODEL_PRIORS["target_utilisation"]),
        "utilisation producers plan capacity for (lower: more spare capacity built ahead of demand)",
    ),
    FitParameter(
        "glut_discount", cast(Uniform, MODEL_PRIORS["glut_discount"]),
        "how far prices fall below full cost when world capacity stands idle",
    ),
    FitParameter(
        "experience_years", cast(Uniform, MODEL_PRIORS["experience_years"]),
        "cumulative production before the base year, in years of base-year output (sets how far learning has gone)",
    ),
    FitParameter(
        "trade_lambda_scale", LogNormal(dist="lognormal", median=1.0, gsd=1.5),
        "multiplier of every stage's trade elasticity (Helveston et al. 2022, doi 10.1038/s41586-022-04862-9)",
    ),
    FitParameter(
        "price_elasticity_scale", Uniform(dist="uniform", low=0.5, high=1.5),
        "multiplier of every final-demand price elasticity",
    ),
)
"""The parameters calibration fits, in a fixed order (the columns of accepted sets)."""

SCALED_STAGE_PARAMETERS = {"trade_lambda_scale": "trade_lambda", "price_elasticity_scale": "price_elasticity"}
BASE_SCENARIOS = {2010: "baseline_2010", 2018: "baseline_2018", 2024: "baseline"}
"""Built-in scenario (no shock, the policies in force) of each embedded base year."""
NAN_PENALTY = 25.0
"""Squared error charged for a model value that is not a number (e^5 off)."""


@dataclass(frozen=True)
class AbcSettings:
    """Settings of the rejection sampler.

    Attributes
    ----------
    candidates : M, parameter sets drawn from the priors and simulated in one pass
    acceptance : share of candidates kept (the best ``ceil(acceptance * M)``)
    refine : run one refinement round around the accepted sets
    seed : root seed of the candidates (and of the simulation's own streams)
    """

    candidates: int = 400
    acceptance: float = 0.1
    refine: bool = False
    seed: int = 0

    def __post_init__(self):
        if not isinstance(self.candidates, int) or not 2 <= self.candidates <= 100_000:
            raise InputError(f"candidates must be an integer between 2 and 100,000 (got {self.candidates!r})")
        if not 0 < self.acceptance <= 1:
            raise InputError(f"acceptance must be in (0, 1] (got {self.acceptance!r})")
        if self.seed < 0:
            raise InputError(f"seed must be >= 0 (got {self.seed})")

    @property
    def accepted(self) -> int:
        return max(1, math.ceil(self.acceptance * self.candidates))


@dataclass(frozen=True)
class CalibrationResult:
    """Accepted parameter sets of an ABC fit.

    Attributes
    ----------
    names : fitted parameter names (columns of ``accepted``)
    accepted : (k, len(names)) accepted sets, best first
    scores : (k,) their scores (sum of squared log errors), ascending
    point : (len(names),) the point estimate, median of the accepted sets
    prior_score_median : median score over the prior candidates (for comparison)
    base_year : last year of the rows fitted
    scenario, world : the base-year scenario simulated and its world
    rows_fitted : number of observed rows scored
    settings : the sampler's settings
    fit_until : the fit limit asked for (rows after it were never read), if any
    method : ``abc`` (rejection on rows after the base year) or ``prior`` (no such row:
        the sets are a sample of the priors, which the rows up to the limit inform)
    redrawn : names re-drawn from another world's priors when the sets forecast from it
        (:func:`buildrace.calibration.backtest.for_world`)
    """

    names: tuple[str, ...]
    accepted: np.ndarray
    scores: np.ndarray
    point: np.ndarray
    prior_score_median: float
    base_year: int
    scenario: str
    world: str
    rows_fitted: int
    settings: AbcSettings = field(default_factory=AbcSettings)
    fit_until: int | None = None
    method: str = "abc"
    redrawn: tuple[str, ...] = ()  # fitted on another world: these were drawn again for this one

    @property
    def last_year_seen(self) -> int:
        """The latest year whose rows could have reached the fit (the fit limit when one
        was set, else the last year fitted)."""
        return self.base_year if self.fit_until is None else max(self.fit_until, self.base_year)

    @property
    def medians(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.names, self.point, strict=True)}

    def summary(self) -> dict:
        """JSON-ready summary: medians, 5-95% of the accepted sets, scores."""
        q05, q95 = np.percentile(self.accepted, [5, 95], axis=0)
        return {
            "method": METHODS[self.method],
            "base_year": self.base_year,
            "fit_until": self.fit_until,
            "scenario": self.scenario,
            "world": self.world,
            "rows_fitted": self.rows_fitted,
            "candidates": self.settings.candidates,
            "acceptance": self.settings.acceptance,
            "accepted": int(len(self.scores)),
            "refined": self.settings.refine,
            "seed": self.settings.seed,
            "score_accepted_median": float(np.median(self.scores)),
            "score_prior_median": self.prior_score_median,
            "parameters": [
                {"name": n, "median": float(m), "p05": float(a), "p95": float(b)}
                for n, m, a, b in zip(self.names, self.point, q05, q95, strict=True)
            ],
        }


METHODS = {
    "abc": "approximate Bayesian computation by rejection, vectorised over draws",
    "prior": "sample of the history-informed priors (no observed row after the base year to fit)",
}
GROWTH_PREFIX = "growth_scale:"
TREND_YEARS = 5
"""Years of observed world demand (up to the base year) whose log-linear trend centres
the prior of each use's demand-growth multiplier."""


def growth_parameters(world: World, rows: list[ObservedRow] | tuple = ()) -> tuple[FitParameter, ...]:
    """Demand-growth multipliers per final use, with priors informed by history up to B.

    The world's growth paths are the outlooks of its base year. Outlooks have erred by a
    factor of two or more either way, so each use's growth-rate multiplier gets a
    log-normal prior (geometric sd 1.4) centred on the ratio of the observed world trend
    (log-linear over the last :data:`TREND_YEARS` years up to the base year) to the
    world's first-period growth rate; with no history, centred on 1 (geometric sd 1.5).
    Only rows passed in are used, so a backtest from B sees rows up to B alone.
    """
    from buildrace.model.world import FINAL_USES

    fd = world.final_demand.reset_index()
    out = []
    for use in FINAL_USES:
        sub = fd[fd["use"] == use]
        weights = sub["value"].to_numpy(float)
        if weights.sum() <= 0:
            continue  # a use with no demand in this world has nothing to scale
        g_world = float(np.average(sub["growth_2025_2030"].to_numpy(float), weights=weights)) if weights.sum() > 0 else 0.0
        hist = sorted(
            (r.year, r.value) for r in rows
            if r.series == "demand" and r.stage == use and r.economy == "WORLD" and r.value > 0 and r.year <= world.base_year
        )[-(TREND_YEARS + 1):]
        if len(hist) >= 3 and g_world > 0:
            years, values = np.array(hist, dtype=float).T
            trend = float(np.exp(np.polyfit(years, np.log(values), 1)[0]) - 1.0)
            centre = float(np.clip(trend / g_world, 0.3, 6.0))
            prior = LogNormal(dist="lognormal", median=centre, gsd=1.4)
            note = (f"multiplier of {use} demand growth rates; prior centred on the {int(years[0])}-{int(years[-1])} "
                    f"world trend ({trend:.0%}/yr) over the world's path ({g_world:.0%}/yr)")
        else:
            prior = LogNormal(dist="lognormal", median=1.0, gsd=1.5)
            note = f"multiplier of {use} demand growth rates (no history before the base year)"
        out.append(FitParameter(f"{GROWTH_PREFIX}{use}", prior, note))
    return tuple(out)


VOLATILITY_GSD = 1.4
"""Geometric sd of a volatility prior centred on the history's estimate (a handful of
annual changes pin a standard deviation down to within ~40%)."""
MIN_CHANGES = 4
"""Annual changes needed before the history's estimate centres a volatility prior."""
VOLATILITY_SERIES = {
    "demand_volatility": "demand",
    "cost_volatility": "manufactured_price",
    "commodity_price_volatility": "commodity_price",
}
"""Which observed annual changes estimate each shock volatility (see :func:`volatility_parameters`)."""


def annual_changes(rows: list[ObservedRow] | tuple, kind: str, until: int) -> np.ndarray:
    """Demeaned annual log changes of the observed series of one kind, up to ``until``,
    pooled over series (see :func:`series_changes`)."""
    out = series_changes(rows, kind, until)
    return np.concatenate(out) if out else np.zeros(0)


def series_changes(rows: list[ObservedRow] | tuple, kind: str, until: int) -> list[np.ndarray]:
    """Demeaned annual log changes of each observed series of one kind, up to ``until``.

    ``kind``: ``demand`` (final-use demand), ``manufactured_price`` (prices and costs of
    manufactured stages), ``commodity_price`` (prices of raw-material stages). Each
    series' changes between consecutive years are taken less that series' mean change
    (its trend); series with fewer than two changes are left out.
    """
    def wanted(r: ObservedRow) -> bool:
        if r.year > until or r.value <= 0:
            return False
        if kind == "demand":
            return r.series == "demand" and r.stage.startswith("use.")
        if r.series not in ("price", "cost"):
            return False
        return is_commodity(r.stage) == (kind == "commodity_price")

    by_key: dict[tuple, dict[int, float]] = {}
    for r in rows:
        if wanted(r):
            by_key.setdefault(r.key, {})[r.year] = r.value
    out: list[np.ndarray] = []
    for values in by_key.values():
        d = np.array([np.log(values[y + 1] / values[y]) for y in sorted(values) if y + 1 in values])
        if len(d) >= 2:
            out.append(d - d.mean())
    return out


def volatility_parameters(rows: list[ObservedRow] | tuple = (), until: int | None = None) -> tuple[FitParameter, ...]:
    """Shock volatilities, with priors centred on the history up to ``until`` where it has
    enough annual changes (:data:`MIN_CHANGES`), else the default priors.

    The demand and cost shocks are random walks, so the sd of a series' demeaned annual log
    changes estimates their volatility; commodity price shocks are AR(1) with persistence
    rho, whose changes have sd ``sigma * sqrt(2 / (1 + rho))``. Investment volatility has no
    annual capacity history to learn from and keeps its default prior.
    """
    from buildrace.model.parameters import ModelParameters

    last = until if until is not None else max((r.year for r in rows), default=0)
    rho = ModelParameters().commodity_price_persistence
    out = []
    for name in VOLATILITIES:
        per_series = series_changes(rows, VOLATILITY_SERIES[name], last) if name in VOLATILITY_SERIES else []
        if sum(len(d) for d in per_series) >= MIN_CHANGES:
            # the typical series' scatter: the median over series of each one's root mean
            # square, so that one policy-made boom and bust (US wind's 2013 lapse of the
            # production tax credit: a log change of -2.5) does not set every use's volatility
            sd = float(np.median([np.sqrt(np.mean(d**2)) for d in per_series]))
            centre = sd * np.sqrt((1.0 + rho) / 2.0) if name == "commodity_price_volatility" else sd
            prior: Uniform | LogNormal = LogNormal(dist="lognormal", median=round(max(centre, 1e-3), 4), gsd=VOLATILITY_GSD)
            note = (f"{name.replace('_', ' ')}: prior centred on the median scatter of {len(per_series)} series "
                    f"({sum(len(d) for d in per_series)} annual changes) observed up to {last}")
        else:
            prior = cast(Uniform, MODEL_PRIORS[name])
            note = f"{name.replace('_', ' ')}: default prior (fewer than {MIN_CHANGES} annual changes observed)"
        out.append(FitParameter(name, prior, note))
    return tuple(out)


def fit_parameters(world: World, rows: list[ObservedRow] | tuple = ()) -> tuple[FitParameter, ...]:
    """The fitted parameters that apply to ``world``: learning multipliers of its chains,
    the model-wide parameters, demand-growth multipliers per use (see
    :func:`growth_parameters`) and shock volatilities (see :func:`volatility_parameters`)."""
    return tuple(
        p for p in FIT_PARAMETERS
        if not p.name.startswith(LEARNING_MULTIPLIER) or p.name.removeprefix(LEARNING_MULTIPLIER) in world.chains
    ) + growth_parameters(world, rows) + volatility_parameters(rows)


def sample_candidates(params: tuple[FitParameter, ...], n: int, seed: int) -> np.ndarray:
    """(n, len(params)) candidates from the priors, one seeded stream, columns in order."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return np.column_stack([p.prior.sample(rng, n) for p in params]) if params else np.zeros((n, 0))


def parameter_values(names: tuple[str, ...], x: np.ndarray, world: World) -> dict[tuple[str, ...], np.ndarray]:
    """Fitted parameter sets (n, len(names)) -> engine parameter paths, (n,) values each.

    Multipliers are applied to ``world``'s own stage values, so a calibration made on one
    base-year world can be applied to another.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    sp = world.stage_parameters
    out: dict[tuple[str, ...], np.ndarray] = {}
    for j, name in enumerate(names):
        col = x[:, j]
        if name.startswith(LEARNING_MULTIPLIER):
            chain = name.removeprefix(LEARNING_MULTIPLIER)
            for s in world.stages_of(chain) if chain in world.chains else ():
                out[("stages", "learning_rate", s)] = float(sp.loc[s, "learning_rate"]) * col
        elif name.startswith(GROWTH_PREFIX):
            out[("final_uses", "growth_scale", name.removeprefix(GROWTH_PREFIX))] = col
        elif name in SCALED_STAGE_PARAMETERS:
            p = SCALED_STAGE_PARAMETERS[name]
            if p in sp.columns:
                for s, v in sp[p].dropna().items():
                    if v > 0:
                        out[("stages", p, str(s))] = float(v) * col
        else:
            out[("model", name)] = col
    return out


def _eps(rows: list[ObservedRow]) -> np.ndarray:
    """Floor of each row's log error: 0.1% of its series' mean observed value."""
    means: dict[tuple, list[float]] = {}
    for r in rows:
        means.setdefault(r.key, []).append(r.value)
    return np.array([max(1e-3 * float(np.mean(means[r.key])), 1e-12) for r in rows])


def row_errors(sim: np.ndarray, rows: list[ObservedRow]) -> np.ndarray:
    """(draw, row) squared errors: log errors, or for shares (points / 100) squared."""
    obs = np.array([r.value for r in rows])
    share = np.array([r.series in SHARE_SERIES for r in rows])
    eps = _eps(rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_err = (np.log(np.maximum(sim, 0.0) + eps) - np.log(obs + eps)) ** 2
    err = np.where(share, ((sim - obs) / 100.0) ** 2, log_err)
    return np.where(np.isfinite(err), err, NAN_PENALTY)


def score(sim: np.ndarray, rows: list[ObservedRow]) -> np.ndarray:
    """(draw,) sum of squared errors over rows (see :func:`row_errors`)."""
    return row_errors(sim, rows).sum(axis=1) if rows else np.zeros(sim.shape[0])


def base_scenario(base_year: int) -> str:
    """The built-in baseline whose world's base year is the latest at or before ``base_year``."""
    years = [y for y in BASE_SCENARIOS if y <= base_year]
    if not years:
        raise InputError(
            f"no embedded world has a base year at or before {base_year}; embedded base years: "
            f"{', '.join(str(y) for y in sorted(BASE_SCENARIOS))}"
        )
    return BASE_SCENARIOS[max(years)]


def horizon(scenario: Scenario, end_year: int, base_year: int) -> Scenario:
    """``scenario`` ending at ``end_year`` (at least a year after the base), without the
    policies that start after it."""
    end = max(end_year, base_year + 1)
    return scenario.model_copy(update={"end_year": end, "policies": tuple(p for p in scenario.policies if p.start <= end)})


def simulate_sets(scenario: Scenario, world: World, names: tuple[str, ...], x: np.ndarray, seed: int):
    """Simulate the parameter sets ``x`` (n, d) in one vectorised call."""
    from buildrace.simulation import simulate

    return simulate(scenario, draws=len(x), seed=seed, world=world, parameter_values=parameter_values(names, x, world))


def _support(prior) -> tuple[float, float]:
    if isinstance(prior, (Uniform, Triangular)):
        return prior.low, prior.high
    if isinstance(prior, LogNormal):
        return prior.median / prior.gsd**3, prior.median * prior.gsd**3
    lo = prior.low if prior.low is not None else prior.mean - 3 * prior.sd
    hi = prior.high if prior.high is not None else prior.mean + 3 * prior.sd
    return lo, hi


def fitted_rows(rows: list[ObservedRow] | tuple, base_year: int, fit_until: int | None = None) -> list[ObservedRow]:
    """The rows a fit scores: dated strictly after the world's ``base_year`` (the base
    year is reproduced by construction, so it cannot tell parameters apart) and, with a
    limit, at or before ``fit_until``."""
    return [r for r in rows if r.year > base_year and (fit_until is None or r.year <= fit_until)]


def abc_rejection(
    rows: list[ObservedRow], scenario: Scenario, world: World, settings: AbcSettings = AbcSettings(),
    fit_until: int | None = None,
) -> CalibrationResult:
    """Fit :func:`fit_parameters` to ``rows`` by ABC rejection (see the module docstring).

    Parameters
    ----------
    rows : observed rows; those up to the limit inform the priors, those after the base
        year (and up to the limit) are scored (:func:`fitted_rows`)
    scenario : the base-year scenario (its world's base year is the first simulated year)
    world : that scenario's world
    settings : candidates, acceptance share, refinement, seed
    fit_until : last year whose rows may be read; later rows are dropped before anything
        else is done, so they can change nothing
    """
    if fit_until is not None:
        rows = [r for r in rows if r.year <= fit_until]
    fitted = fitted_rows(rows, world.base_year)
    if not fitted:
        limit = f" up to {fit_until}" if fit_until is not None else ""
        raise InputError(
            f"no observed row after the base year {world.base_year} of {world.name}{limit}; nothing to fit "
            "(base-year rows are reproduced by construction; give later rows or a later --fit-until)"
        )
    last = max(r.year for r in fitted)
    sc = horizon(scenario, last, world.base_year)
    params = fit_parameters(world, rows)
    names = tuple(p.name for p in params)
    k = settings.accepted
    x = sample_candidates(params, settings.candidates, settings.seed)
    s = score(model_values(simulate_sets(sc, world, names, x, settings.seed), fitted, world), fitted)
    prior_median = float(np.median(s))
    keep = np.argsort(s, kind="stable")[:k]
    if settings.refine:
        acc = x[keep]
        rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(1,)))
        sd = np.maximum(acc.std(axis=0), 1e-9)
        lo, hi = np.array([_support(p.prior) for p in params]).T
        x2 = np.clip(rng.normal(np.median(acc, axis=0), sd, size=(settings.candidates, len(names))), lo, hi)
        s2 = score(model_values(simulate_sets(sc, world, names, x2, settings.seed), fitted, world), fitted)
        x, s = np.vstack([x, x2]), np.concatenate([s, s2])
        keep = np.argsort(s, kind="stable")[:k]
    accepted = x[keep]
    return CalibrationResult(
        names=names, accepted=accepted, scores=s[keep], point=np.median(accepted, axis=0),
        prior_score_median=prior_median, base_year=last, scenario=scenario.name, world=world.name,
        rows_fitted=len(fitted), settings=settings, fit_until=fit_until,
    )


def prior_sample(
    rows: list[ObservedRow] | tuple, scenario: Scenario, world: World, n: int, seed: int, fit_until: int,
) -> CalibrationResult:
    """``n`` parameter sets drawn from the priors that the rows up to ``fit_until`` inform
    (demand-growth trends, shock volatilities), for a fit limit that leaves no row after
    the world's base year to score: rejection on nothing would accept the prior anyway."""
    rows = [r for r in rows if r.year <= fit_until]
    params = fit_parameters(world, rows)
    x = sample_candidates(params, n, seed)
    return CalibrationResult(
        names=tuple(p.name for p in params), accepted=x, scores=np.zeros(n), point=np.median(x, axis=0),
        prior_score_median=0.0, base_year=world.base_year, scenario=scenario.name, world=world.name,
        rows_fitted=0, settings=AbcSettings(candidates=max(n, 2), acceptance=1.0, seed=seed), fit_until=fit_until,
        method="prior",
    )


def calibration_overrides(result: CalibrationResult, world: World) -> ParameterOverrides:
    """The medians as a scenario's ``parameters:`` block for ``world``."""
    values = parameter_values(result.names, result.point[None, :], world)
    model: dict[str, Value] = {p[1]: float(v[0]) for p, v in values.items() if p[0] == "model"}
    stages: dict[str, dict[str, Value]] = {}
    uses: dict[str, dict[str, Value]] = {}
    for p, v in values.items():
        if p[0] == "stages":
            stages.setdefault(p[1], {})[p[2]] = round(float(v[0]), 6)
        elif p[0] == "final_uses":
            uses.setdefault(p[1], {})[p[2]] = round(float(v[0]), 6)
    return ParameterOverrides(model=model, stages=stages, final_uses=uses)


def calibration_values(result: CalibrationResult, world: World, draws: int) -> dict[tuple[str, ...], np.ndarray]:
    """``parameter_values`` that run a scenario over the accepted sets jointly: draw ``i``
    uses accepted set ``i mod k`` (best first), so ``draws = k`` uses each set once.

    Demand-growth multipliers scale the growth paths of the world they were fitted on, so
    on another ``world`` they are left out (its own paths stand) unless they were drawn
    again for it (``result.redrawn``, :func:`buildrace.calibration.backtest.for_world`).
    """
    idx = np.arange(draws) % len(result.accepted)
    keep = [j for j, n in enumerate(result.names)
            if not n.startswith(GROWTH_PREFIX) or result.world == world.name or n in result.redrawn]
    return parameter_values(tuple(result.names[j] for j in keep), result.accepted[idx][:, keep], world)


def write_calibration(result: CalibrationResult, path: str | Path, world: World, observed: str = "") -> Path:
    """Write a calibration file (YAML): ``parameters:`` with the medians as values, and
    ``calibration:`` with the method, the fitted names and the accepted sets (best first).

    The ``parameters:`` block can be pasted into (or merged by ``extends`` from a file
    holding it) any scenario; :func:`read_calibration` and
    :func:`buildrace.api.simulate_calibrated` use the accepted sets as joint draws.
    """
    import yaml

    from buildrace.io.results_store import atomic_write_text

    ov = calibration_overrides(result, world)
    doc = {
        "parameters": {"model": {k: round(float(cast(float, v)), 6) for k, v in ov.model.items()}, "stages": ov.stages},
        "calibration": {
            **{k: v for k, v in result.summary().items() if k != "parameters"},
            "observed": observed,
            "fit": result.method,
            "priors": {p.name: p.prior.model_dump() for p in FIT_PARAMETERS if p.name in result.names},
            "names": list(result.names),
            "median": {k: round(v, 6) for k, v in result.medians.items()},
            "accepted": [[round(float(v), 6) for v in row] for row in result.accepted],
            "scores": [round(float(v), 6) for v in result.scores],
        },
    }
    text = (
        "# buildrace calibration: `parameters` holds the medians of the accepted sets (a scenario's\n"
        "# parameters block); `calibration.accepted` the accepted sets, one list per set in the order of\n"
        "# `calibration.names`, best first. Run a scenario over them jointly with\n"
        "# buildrace.api.simulate_calibrated(scenario, this_file) (draw i uses set i mod k).\n"
    ) + yaml.safe_dump(doc, sort_keys=False, width=120)
    return atomic_write_text(Path(path), text)


def read_calibration(path: str | Path) -> CalibrationResult:
    """Read a file written by :func:`write_calibration`."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: calibration file not found")
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
        cal = doc["calibration"]
        names = tuple(str(n) for n in cal["names"])
        accepted = np.asarray(cal["accepted"], dtype=float).reshape(-1, len(names))
        scores = np.asarray(cal["scores"], dtype=float)
        from buildrace.model.world import FINAL_USES

        known = {f.name for f in FIT_PARAMETERS} | {f"{GROWTH_PREFIX}{u}" for u in FINAL_USES} | set(VOLATILITIES)
        unknown = [n for n in names if n not in known]
        if unknown or not len(accepted) or len(scores) != len(accepted):
            raise ValueError(f"unknown names {unknown}" if unknown else "accepted and scores disagree")
        settings = AbcSettings(int(cal["candidates"]), float(cal["acceptance"]), bool(cal["refined"]), int(cal["seed"]))
        fit_until = None if cal.get("fit_until") is None else int(cal["fit_until"])
        method = str(cal.get("fit", "abc"))
        if method not in METHODS:
            raise ValueError(f"fit {method!r} is not one of {', '.join(METHODS)}")
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{p}: not a buildrace calibration file ({exc}); write one with `buildrace calibrate --out`") from None
    return CalibrationResult(
        names=names, accepted=accepted, scores=scores, point=np.median(accepted, axis=0),
        prior_score_median=float(cal.get("score_prior_median", np.nan)), base_year=int(cal["base_year"]),
        scenario=str(cal["scenario"]), world=str(cal["world"]), rows_fitted=int(cal["rows_fitted"]), settings=settings,
        fit_until=fit_until, method=method,
    )


__all__ = [
    "BASE_SCENARIOS",
    "FIT_PARAMETERS",
    "METHODS",
    "AbcSettings",
    "CalibrationResult",
    "FitParameter",
    "abc_rejection",
    "base_scenario",
    "calibration_overrides",
    "calibration_values",
    "fit_parameters",
    "fitted_rows",
    "parameter_values",
    "prior_sample",
    "read_calibration",
    "row_errors",
    "sample_candidates",
    "score",
    "write_calibration",
]
