"""Sums and normalisations over (economy, stage) groups of pairs.

Pairs are sorted by (economy, stage) and every group is non-empty (guaranteed by
:mod:`buildrace.model.compile`), so a group sum is one ``np.add.reduceat`` along the
pair axis: no Python loop over sites or stages.
"""

from __future__ import annotations

import numpy as np


def group_sum(values: np.ndarray, starts: np.ndarray, n_econ: int, n_stage: int) -> np.ndarray:
    """(N, P) -> (N, E, S) sums over each group's pairs."""
    return np.add.reduceat(values, starts, axis=1).reshape(values.shape[0], n_econ, n_stage)


def to_pairs(grouped: np.ndarray, pair_group: np.ndarray) -> np.ndarray:
    """(N, E, S) -> (N, P): each pair gets its group's value."""
    return grouped.reshape(grouped.shape[0], -1)[:, pair_group]


def safe_divide(num: np.ndarray, den: np.ndarray, fill: float = 0.0) -> np.ndarray:
    out = np.full(np.broadcast_shapes(num.shape, den.shape), fill, dtype=float)
    np.divide(num, den, out=out, where=den > 0)
    return out
