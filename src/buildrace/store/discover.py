"""Scenario discovery over an ensemble store: PRIM boxes and a CART view.

PRIM (Friedman and Fisher 1999, "Bump hunting in high-dimensional data", Statistics and
Computing 9:123-143) peels the box of sampled parameters: at each step it removes the
``alpha`` share of the remaining draws from one side of one parameter, choosing the peel
that most raises the share of draws where the condition holds (density), until the box
holds fewer than ``min_mass`` of the draws. Each step's (coverage, density) pair is one
point of the trade-off curve. This is a thin implementation (peeling only, no pasting);
CART (scikit-learn's :class:`~sklearn.tree.DecisionTreeClassifier`) gives the second view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from buildrace.errors import InputError


@dataclass(frozen=True)
class Box:
    """One PRIM box: bounds per restricted parameter, its coverage and density."""

    bounds: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float


def prim(x: np.ndarray, y: np.ndarray, names: list[str], alpha: float = 0.05,
         min_mass: float = 0.05) -> list[Box]:
    """Peeling trajectory of PRIM; the first box is the whole space."""
    if y.sum() == 0:
        raise InputError("the condition holds in no draw; PRIM has nothing to find")
    n = len(y)
    inside = np.ones(n, dtype=bool)
    lo, hi = x.min(axis=0).astype(float), x.max(axis=0).astype(float)
    total = y.sum()
    boxes = []

    def box() -> Box:
        b = {names[j]: (float(lo[j]), float(hi[j])) for j in range(len(names))
             if lo[j] > x[:, j].min() or hi[j] < x[:, j].max()}
        return Box(b, float(y[inside].sum() / total), float(y[inside].mean()), float(inside.mean()))

    boxes.append(box())
    while inside.mean() > min_mass:
        best = None
        for j in range(x.shape[1]):
            col = x[inside, j]
            for side in (0, 1):
                cut = np.quantile(col, alpha if side == 0 else 1 - alpha)
                keep = inside & ((x[:, j] >= cut) if side == 0 else (x[:, j] <= cut))
                if keep.sum() == inside.sum() or keep.sum() == 0:
                    continue
                d = y[keep].mean()
                if best is None or d > best[0]:
                    best = (d, j, side, cut, keep)
        if best is None or keep_too_small(best[4], n, min_mass):
            break
        _, j, side, cut, keep = best
        if side == 0:
            lo[j] = cut
        else:
            hi[j] = cut
        inside = keep
        boxes.append(box())
    return boxes


def keep_too_small(keep: np.ndarray, n: int, min_mass: float) -> bool:
    return keep.sum() < min_mass * n


def cart_rules(x: np.ndarray, y: np.ndarray, names: list[str], depth: int = 3) -> str:
    """A shallow classification tree of the condition, as text rules (scikit-learn)."""
    try:
        from sklearn.tree import DecisionTreeClassifier, export_text
    except ModuleNotFoundError:
        raise InputError("CART needs scikit-learn: pip install 'buildrace[store]'") from None
    tree = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(x, y)
    return str(export_text(tree, feature_names=names))


def load(store: str, condition: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Sampled parameters (columns ``param:*`` that vary) and the SQL condition per draw."""
    import duckdb

    from buildrace.store.chunks import connect

    con = connect(store)
    cols = [r[0] for r in con.execute(
        "select column_name from (describe draws) where column_name like 'param:%'").fetchall()]
    if not cols:
        raise InputError(f"store {store} has no sampled parameters; use a scenario with priors")
    sel = ", ".join('"' + c.replace('"', '""') + '"' for c in cols)
    names = {r[0] for r in con.execute("select column_name from (describe draws)").fetchall()}
    if condition.strip() in names:  # a metric column by name (``us_first:li_ion_battery``): where it is set
        condition = '"' + condition.strip().replace('"', '""') + '" > 0'
    try:
        rows = con.execute(f"select {sel}, coalesce(({condition}), false) from draws order by draw").fetchall()
    except duckdb.Error as exc:
        raise InputError(f"--metric is not a valid SQL condition: {str(exc).splitlines()[0]}") from None
    a = np.array(rows, dtype=float)
    x, y = a[:, :-1], a[:, -1]
    vary = x.std(axis=0) > 0
    return x[:, vary], y, [c for c, v in zip(cols, vary, strict=True) if v]
