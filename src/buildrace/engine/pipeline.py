"""Pipeline kernel (MODEL.md step 5): permit, build, ramp-up, retirement.

A project announced in year t waits ``permit_years`` then ``build_years`` (both cut by
green lanes and clusters in force at announcement), surviving each phase with
probability ``(1 - cancel_prob) ** years`` (expected values: the draw axis carries
parameter uncertainty, cancellations are not sampled). A fractional lead time splits the
project between two arrival years, so a shorter lead time never delays any capacity.
New capacity ramps up: a share ``1 / ramp_years`` of ramping capacity matures per year
and ramping capacity produces at half rate. Operating capacity retires at ``1 / lifetime``
per year.
"""

from __future__ import annotations

import numpy as np

from buildrace.engine import backend
from buildrace.engine.groups import safe_divide


def schedule(buffer, t, lead, amount, n_idx, p_idx):
    """Add ``amount`` (N, P) to ``buffer`` (T+H, N, P) at years t + lead (fractional split).

    The buffer leads with the year: the year that arrives is one contiguous block, and a
    year's announcements land in a few such blocks (one per lead time), rather than in
    one scattered element per (draw, pair) row of a draws-first buffer.
    """
    if (k := backend.kernels()) is not None:  # the compiled twin (engine/compiled.py)
        return k.schedule(buffer, t, lead, amount, n_idx, p_idx)
    lead = np.maximum(lead, 1.0)
    lo = np.floor(lead)
    frac = lead - lo
    h = buffer.shape[0]
    i_lo = np.minimum(t + lo.astype(np.intp), h - 1)
    i_hi = np.minimum(i_lo + 1, h - 1)
    # flat indices into the (H, N, P) buffer: one scatter per arrival year, no index grids
    if not buffer.flags.c_contiguous:
        raise ValueError("the pipeline buffer must be C-contiguous (it is updated in place)")
    if buffer.ndim != 3 or buffer.shape[1:] != np.shape(amount):
        raise ValueError(f"the pipeline buffer must be (T + H, N, P) = (years, *{np.shape(amount)}), not {buffer.shape}")
    # most pairs announce nothing in a given year: scatter only the ones that do
    nz = np.flatnonzero(amount)
    cell = (n_idx * buffer.shape[2] + p_idx).reshape(-1)[nz]
    block = buffer.shape[1] * buffer.shape[2]
    a, f = amount.reshape(-1)[nz], frac.reshape(-1)[nz]
    flat = buffer.reshape(-1)
    flat[i_lo.reshape(-1)[nz] * block + cell] += a * (1.0 - f)
    flat[i_hi.reshape(-1)[nz] * block + cell] += a * f


def available_capacity(capacity, ramping, utilisation_max):
    """Output cap (N, P): mature capacity at full rate, ramping capacity at half rate."""
    return utilisation_max * (capacity - 0.5 * ramping)


def advance(capacity, ramping, arriving, lifetime, ramp_years):
    """Next year's (capacity, ramping) after retirement, maturing and arrivals."""
    if (k := backend.kernels()) is not None:  # the compiled twin (engine/compiled.py)
        return k.advance(capacity, ramping, arriving, lifetime, ramp_years)
    retire = capacity / np.maximum(lifetime, 1.0)
    matured = ramping / np.maximum(ramp_years, 1.0)
    ramping = np.maximum(ramping - matured - np.minimum(retire, ramping), 0.0) + arriving
    capacity = np.maximum(capacity - retire, 0.0) + arriving
    return capacity, np.minimum(ramping, capacity)


def progress(arrivals, t, lead, expected_new, capacity, ramping, pipeline, utilisation, production, lifetime, ramp_years,
             exit_utilisation, exit_rate):
    """One year of every pair's projects and plants (MODEL.md step 5).

    Schedules this year's announcements (``expected_new`` (N, P), after expected
    cancellations) into ``arrivals`` (T + H, N, P, updated in place) at ``t + lead``,
    retires plants early where utilisation has sat below ``exit_utilisation`` (a shorter
    effective life, at up to ``exit_rate`` a year more), then advances capacity and
    ramp-up by this year's arrivals (:func:`advance`).

    Returns
    -------
    capacity, ramping, pipeline, effective lifetime and smoothed utilisation, each (N, P)
    """
    if backend.kernels() is not None:  # the compiled twin (engine/compiled_step.py)
        from buildrace.engine.compiled_step import pipeline_progress

        return pipeline_progress(arrivals, t, lead, expected_new, capacity, ramping, pipeline, utilisation, production,
                                 lifetime, ramp_years, exit_utilisation, exit_rate)
    n_idx, p_idx = np.indices(np.shape(expected_new))
    schedule(arrivals, t, lead, expected_new, n_idx, p_idx)
    arriving = arrivals[t + 1] if t + 1 < arrivals.shape[0] else np.zeros_like(expected_new)
    # exit: plants at sustained low utilisation close early (a shorter effective life)
    shortfall = np.clip(1.0 - utilisation / exit_utilisation, 0.0, 1.0)
    life_eff = 1.0 / (1.0 / np.maximum(lifetime, 1.0) + exit_rate * shortfall)
    capacity_new, ramping_new = advance(capacity, ramping, arriving, life_eff, ramp_years)
    pipeline_new = np.maximum(pipeline + expected_new - arriving, 0.0)
    utilisation_new = utilisation + (safe_divide(production, capacity, 1.0) - utilisation) / 3.0
    return capacity_new, ramping_new, pipeline_new, life_eff, utilisation_new
