"""Proper scores of a forecast distribution and the two naive benchmarks it must beat.

- :func:`crps_ensemble`: the continuous ranked probability score of an ensemble forecast,
  ``CRPS(F, y) = E|X - y| - 0.5 E|X - X'|`` with ``X, X'`` independent draws of ``F``
  (Gneiting & Raftery 2007, doi 10.1198/016214506000001437, eq. 21), evaluated exactly for
  the ensemble's empirical distribution. ``E|X - X'|`` comes from the sorted members,
  ``(2 / m**2) * sum_i (2 i - m - 1) x_(i)``, so a column of ``m`` members costs
  ``O(m log m)`` instead of ``O(m**2)``. The score is in the unit of the series and is
  the absolute error for a point forecast: lower is better, and a wide band is charged
  for its width as well as for a miss.
- :func:`crps_normal` and :func:`crps_lognormal`: closed forms (Gneiting & Raftery 2007,
  eq. 5; Baran & Lerch 2015, doi 10.1002/qj.2521, eq. 4) for the random walk with drift.
- :class:`DriftForecast`: the random walk with drift fitted to the observations up to the
  base year, the benchmark of Way et al. 2022 (doi 10.1016/j.joule.2022.08.009) for
  technology costs, after Farmer & Lafond 2016 (doi 10.1016/j.respol.2015.11.001): in logs
  for positive series (levels for shares), drift ``mu`` and noise ``K`` estimated from
  the observed changes (irregular spacing allowed), and a forecast ``h`` years out that is
  normal with mean ``last + mu h`` and variance ``K**2 (h + h**2 / T)``, where ``T`` is the
  span of the fitting years: the second term carries the uncertainty of the estimated drift.

The no-change forecast (hold the last value observed at or before the base year) is a
point forecast: its CRPS is its absolute error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

_STD = NormalDist()
_cdf = np.vectorize(_STD.cdf, otypes=[float])
_pdf = np.vectorize(_STD.pdf, otypes=[float])
MIN_DRIFT_POINTS = 3
"""Observations up to the base year a random walk with drift needs: two changes, one for
the drift and one more for the noise around it."""


def crps_ensemble(members: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of ensemble forecasts, one per column.

    Parameters
    ----------
    members : (m, n) array, ``m`` members of each of ``n`` forecasts; non-finite members
        are left out of their column
    observed : (n,) the observed values

    Returns
    -------
    (n,) CRPS in the unit of the values; NaN for a column with no finite member.

    Notes
    -----
    ``E|X - y| - 0.5 E|X - X'|`` over the empirical distribution of the members
    (Gneiting & Raftery 2007, eq. 21). With one member it is ``|x - y|``.
    """
    x = np.asarray(members, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    y = np.asarray(observed, dtype=float).reshape(-1)
    if x.shape[1] != y.shape[0]:
        raise ValueError(f"members have {x.shape[1]} columns but observed has {y.shape[0]} values")
    ok = np.isfinite(x)
    m = ok.sum(axis=0)
    # non-finite members sort last and get zero weight below
    xs = np.sort(np.where(ok, x, np.inf), axis=0)
    xs = np.where(np.isfinite(xs), xs, 0.0)
    rank = np.arange(1, x.shape[0] + 1)[:, None]
    weight = np.where(rank <= m, 2 * rank - m - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = 2.0 * (weight * xs).sum(axis=0) / m.astype(float) ** 2
        miss = np.where(ok, np.abs(np.where(ok, x, 0.0) - y), 0.0).sum(axis=0) / m
    return np.where(m > 0, miss - 0.5 * spread, np.nan)


def crps_normal(mean: np.ndarray, sd: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of normal forecasts N(mean, sd**2) (Gneiting & Raftery 2007, eq. 5):
    ``sd * (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi))`` with ``z = (y - mean) / sd``."""
    mu, s, y = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (mean, sd, observed)))
    z = (y - mu) / s
    return s * (z * (2.0 * _cdf(z) - 1.0) + 2.0 * _pdf(z) - 1.0 / math.sqrt(math.pi))


def crps_lognormal(mu: np.ndarray, sigma: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of log-normal forecasts, ``log X ~ N(mu, sigma**2)`` (Baran & Lerch 2015, eq. 4):
    ``y (2 Phi(z) - 1) - 2 exp(mu + sigma**2 / 2) (Phi(z - sigma) + Phi(sigma / sqrt 2) - 1)``
    with ``z = (log y - mu) / sigma``; for ``y <= 0`` it is ``E X - y``."""
    m, s, y = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (mu, sigma, observed)))
    mean = np.exp(m + 0.5 * s**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.log(np.where(y > 0, y, 1.0)) - m) / s
    pos = y * (2.0 * _cdf(z) - 1.0) - 2.0 * mean * (_cdf(z - s) + _cdf(s / math.sqrt(2.0)) - 1.0)
    return np.where(y > 0, pos, mean - y)


@dataclass(frozen=True)
class DriftForecast:
    """A random walk with drift fitted to observations up to the base year.

    Attributes
    ----------
    last_year, last_value : the last observation at or before the base year
    drift : mean change per year (of the log for ``log`` series)
    sigma : sd of the yearly change around the drift
    span : years between the first and the last fitting observation (``T``)
    log : whether the walk is in logs (positive series) or levels (shares)
    """

    last_year: int
    last_value: float
    drift: float
    sigma: float
    span: float
    log: bool

    def _moments(self, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = np.asarray(years, dtype=float) - self.last_year
        centre = (math.log(self.last_value) if self.log else self.last_value) + self.drift * h
        return centre, self.sigma * np.sqrt(h + h**2 / self.span)

    def median(self, years: np.ndarray) -> np.ndarray:
        """The forecast median in each year (in levels)."""
        centre, _ = self._moments(years)
        return np.exp(centre) if self.log else centre

    def crps(self, years: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """CRPS of the forecast distribution in each year against ``observed``."""
        centre, sd = self._moments(years)
        sd = np.maximum(sd, 1e-12)
        return crps_lognormal(centre, sd, observed) if self.log else crps_normal(centre, sd, observed)


def drift_forecast(points: list[tuple[int, float]], log: bool) -> DriftForecast | None:
    """Fit a random walk with drift to ``(year, value)`` observations up to the base year.

    With irregular spacing, a change ``d_i`` over ``g_i`` years has mean ``mu g_i`` and
    variance ``K**2 g_i``: ``mu`` is the total change over the span and ``K**2`` the mean
    of ``(d_i - mu g_i)**2 / g_i`` with one degree of freedom spent on ``mu``. Returns
    None with fewer than :data:`MIN_DRIFT_POINTS` observations. A log walk with a value
    that is not positive is fitted in levels instead.
    """
    pts = sorted((int(t), float(v)) for t, v in points)
    if len(pts) < MIN_DRIFT_POINTS:
        return None
    t = np.array([p[0] for p in pts], dtype=float)
    v = np.array([p[1] for p in pts])
    use_log = log and bool(np.all(v > 0))
    z = np.log(v) if use_log else v
    gaps, d = np.diff(t), np.diff(z)
    if np.any(gaps <= 0):
        return None
    span = float(t[-1] - t[0])
    mu = float((z[-1] - z[0]) / span)
    k2 = float(np.sum((d - mu * gaps) ** 2 / gaps) / (len(d) - 1))
    return DriftForecast(
        last_year=int(t[-1]), last_value=float(v[-1]), drift=mu, sigma=math.sqrt(k2), span=span, log=use_log,
    )


__all__ = [
    "MIN_DRIFT_POINTS",
    "DriftForecast",
    "crps_ensemble",
    "crps_lognormal",
    "crps_normal",
    "drift_forecast",
]
