"""Agreement of a compiled twin with its NumPy reference (the engine's test contract).

The compiled engine must give the reference path's results to 1e-9 relative to each
output's scale (README, "Speed"); tests of every phase and of whole runs assert it with
:func:`assert_agree`, and so can a user's own twin of a phase.
"""

from __future__ import annotations

import numpy as np

RTOL = 1e-9
"""Relative tolerance of agreement, against each output's largest magnitude."""


def assert_agree(ref, new, what: str = "", rtol: float = RTOL) -> None:
    """Assert that ``new`` equals ``ref`` to ``rtol`` times (|ref| + max |ref|), elementwise.

    Parameters
    ----------
    ref, new : array_like
        The reference path's and the twin's output, of the same shape.
    what : str
        A name for the output in the failure message.
    rtol : float
        Relative tolerance; the scale term keeps values near zero from demanding exact
        equality where the output's magnitude is elsewhere.
    """
    ref, new = np.asarray(ref, dtype=float), np.asarray(new, dtype=float)
    assert ref.shape == new.shape, f"{what}: shape {new.shape} != {ref.shape}"
    if not ref.size:
        return
    scale = float(np.max(np.abs(ref)))
    tol = rtol * (np.abs(ref) + scale)
    bad = ~(np.abs(ref - new) <= tol)
    assert not bad.any(), (
        f"{what}: {int(bad.sum())} of {ref.size} values differ, worst {np.max(np.abs(ref - new)):.3g} (scale {scale:.3g})"
    )
