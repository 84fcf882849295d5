"""Distributions a scenario file may give instead of a point value.

Each is a frozen pydantic model with a ``dist`` tag and ``sample(rng, n)``; the ensemble
draws them from per-draw streams (:mod:`buildrace.ensemble.samplers`).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Normal(_Dist):
    """Normal(mean, sd), optionally truncated to [low, high] by clipping."""

    dist: Literal["normal"]
    mean: float
    sd: Annotated[float, Field(gt=0)]
    low: float | None = None
    high: float | None = None

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        x = rng.normal(self.mean, self.sd, n)
        return np.clip(x, self.low if self.low is not None else -np.inf, self.high if self.high is not None else np.inf)


class LogNormal(_Dist):
    """Log-normal with the given median and geometric standard deviation (gsd > 1)."""

    dist: Literal["lognormal"]
    median: Annotated[float, Field(gt=0)]
    gsd: Annotated[float, Field(gt=1)]

    def sample(self, rng, n):
        return np.exp(rng.normal(np.log(self.median), np.log(self.gsd), n))


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self):
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self

    def sample(self, rng, n):
        return rng.uniform(self.low, self.high, n)


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self):
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self

    def sample(self, rng, n):
        return rng.triangular(self.low, self.mode, self.high, n)


class Beta(_Dist):
    """Beta(a, b) scaled to [low, high] (default [0, 1])."""

    dist: Literal["beta"]
    a: Annotated[float, Field(gt=0)]
    b: Annotated[float, Field(gt=0)]
    low: float = 0.0
    high: float = 1.0

    def sample(self, rng, n):
        return self.low + (self.high - self.low) * rng.beta(self.a, self.b, n)


class Choice(_Dist):
    """One of ``values``, with optional probabilities ``p``."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    p: list[float] | None = None

    @model_validator(mode="after")
    def _probabilities(self):
        if self.p is not None:
            if len(self.p) != len(self.values) or any(q < 0 for q in self.p) or abs(sum(self.p) - 1) > 1e-9:
                raise ValueError("p must have one non-negative probability per value, summing to 1")
        return self

    def sample(self, rng, n):
        return rng.choice(np.asarray(self.values, dtype=float), size=n, p=self.p)


Distribution = Annotated[Normal | LogNormal | Uniform | Triangular | Beta | Choice, Field(discriminator="dist")]
DIST_MODELS = {"normal": Normal, "lognormal": LogNormal, "uniform": Uniform, "triangular": Triangular, "beta": Beta, "choice": Choice}
Value = float | Distribution
"""A parameter value: a number or a distribution."""


def point(value) -> float:
    """A representative point value (the centre) of a number or distribution."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Normal):
        return value.mean
    if isinstance(value, LogNormal):
        return value.median
    if isinstance(value, Uniform):
        return 0.5 * (value.low + value.high)
    if isinstance(value, Triangular):
        return value.mode
    if isinstance(value, Beta):
        return value.low + (value.high - value.low) * value.a / (value.a + value.b)
    if isinstance(value, Choice):
        return float(np.average(value.values, weights=value.p))
    raise TypeError(value)


__all__ = ["DIST_MODELS", "Beta", "Choice", "Distribution", "LogNormal", "Normal", "Triangular", "Uniform", "Value", "point"]
