"""What the NumPy reference path and its compiled twin share.

The allocation and market clearing exist twice: in NumPy (:mod:`buildrace.engine.trade`,
:mod:`buildrace.engine.market`) and compiled with numba (:mod:`buildrace.engine.compiled`),
and :mod:`buildrace.engine.backend` picks one. The constants and the result type both
read live here, below all three, so that the twin does not import the modules that
dispatch to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SETTLED = 1e-12
"""Relative residue of demand treated as served (floating-point dust)."""
SPILL_ROUNDS = 10
"""Upper bound on spill rounds; each round saturates at least one supplier or serves all."""


@dataclass
class Clearing:
    demand: np.ndarray  # (N, M, S) total demand per market
    derived: np.ndarray  # (N, M, S) part of demand from modelled consumers' planned output
    flows: np.ndarray  # (N, M, E, S) delivered flows after supply constraints
    served: np.ndarray  # (N, M, S)
    stock_draw: np.ndarray  # (N, M, S)
    unmet: np.ndarray  # (N, M, S)
    planned: np.ndarray  # (N, E, S) output before input constraints
    output: np.ndarray  # (N, E, S)
    fill: np.ndarray  # (N, M, S) share of demand met (incl. stock draws)


__all__ = ["SETTLED", "SPILL_ROUNDS", "Clearing"]
