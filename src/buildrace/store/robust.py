"""Rank policy scenarios by regret across the same draws (Robust Decision Making).

Regret of scenario ``s`` in draw ``d`` is how much worse its metric is than the best
scenario's in that draw (Savage 1951, "The theory of statistical decision", JASA 46:55-67;
as used in RAND's Robust Decision Making, Lempert, Popper and Bankes 2003). Scenarios are
ranked by their largest regret, then by their median regret. Every scenario runs the same
draw seeds, so draw ``d`` is the same state of the world for all of them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from buildrace.errors import InputError


def metric_per_draw(store: Path, expr: str) -> np.ndarray:
    import duckdb

    from buildrace.store.chunks import connect

    con = connect(store)
    try:
        rows = con.execute(f"select ({expr})::double from draws order by draw").fetchall()
    except duckdb.Error as exc:
        raise InputError(f"--metric is not a valid SQL expression: {str(exc).splitlines()[0]}") from None
    return np.array([np.nan if r[0] is None else r[0] for r in rows], dtype=float)


def regret_table(values: dict[str, np.ndarray], maximize: bool = False) -> list[dict]:
    """Per scenario: max and median regret (draws where any scenario lacks the metric are dropped)."""
    names = list(values)
    m = np.vstack([values[n] for n in names])
    ok = ~np.isnan(m).any(axis=0)
    if not ok.any():
        raise InputError("the metric is null in every draw for some scenario; choose another --metric")
    m = m[:, ok]
    best = m.max(axis=0) if maximize else m.min(axis=0)
    regret = (best - m) if maximize else (m - best)
    rows = [{"scenario": n, "max_regret": float(regret[i].max()), "median_regret": float(np.median(regret[i])),
             "draws": int(ok.sum())} for i, n in enumerate(names)]
    return sorted(rows, key=lambda r: (r["max_regret"], r["median_regret"]))
