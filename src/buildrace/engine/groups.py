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


def power(base, exponent):
    """``base ** exponent`` that rounds the same whatever the batch of draws.

    NumPy's power loop special-cases an exponent that is constant along its inner loop
    (-1 becomes a reciprocal, 0.5 a square root, 2 a square), and whether a broadcast
    exponent is constant along the inner loop depends on the lengths of the other axes:
    a one-draw run would round differently (by an ulp) from the same draw in a batch.
    With the exponent spelt out to the full shape the general loop runs every time.
    """
    shape = np.broadcast_shapes(np.shape(base), np.shape(exponent))
    return np.power(base, np.array(np.broadcast_to(exponent, shape), dtype=float, order="C"))
